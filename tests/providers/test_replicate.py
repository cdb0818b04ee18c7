"""Replicate over the wire against a fake API: create, poll, cancel, download, errors, and prices."""

from __future__ import annotations

import base64
import re
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import replace
from decimal import Decimal
from io import BytesIO
from typing import Any

import pytest
from PIL import Image

from mediaws.catalogue.table import load_tables
from mediaws.errors import (
    BadProviderKey,
    ContentRefused,
    InvalidProviderRequest,
    JobCancelled,
    ProviderTimeout,
    ProviderUnavailable,
    QuotaExceeded,
    RateLimited,
    ValidationError,
)
from mediaws.pricing.cost import cost, estimate
from mediaws.providers.base import (
    AudioRequest,
    CancelToken,
    Capability,
    ImageRequest,
    ProgressUpdate,
    Registry,
    SpeechRequest,
    UnusableAnswer,
    Usage,
    VideoRequest,
)
from mediaws.providers.replicate import (
    ReplicateProvider,
    api_error,
    audio_input,
    failure_error,
    image_input,
    invalid_field,
    model_info,
    output_urls,
    parse_progress,
    register,
    speech_input,
    usage_for,
    video_input,
)
from mediaws.providers.retry import RetryPolicy, retry_after_seconds, with_retries
from tests.providers.fakeserver import FakeServer, Recorded, Reply

KEY = "r8_test_0123456789abcdef"
PID = "p1abc"
BAR_HALF = "Using seed: 7\n  0%|          | 0/4 [00:00<?, ?it/s]\n 50%|█████     | 2/4 [00:01<00:01, 1.9it/s]"
BAR_DONE = BAR_HALF + "\n100%|██████████| 4/4 [00:02<00:00, 1.9it/s]\nTotal safe images: 1 out of 1"


def picture(fmt: str, size: tuple[int, int] = (8, 4)) -> bytes:
    """A real tiny image so dimensions can be read back."""
    buffer = BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


def prediction(status: str, *, model: str = "m/n", logs: str = "", **fields: Any) -> dict[str, Any]:
    """A prediction object as Replicate returns it."""
    return {
        "id": PID,
        "model": model,
        "version": "hidden",
        "input": {},
        "logs": logs,
        "output": None,
        "error": None,
        "status": status,
        "created_at": "2026-11-28T10:00:00Z",
        "metrics": {},
        "urls": {"get": f"/v1/predictions/{PID}", "cancel": f"/v1/predictions/{PID}/cancel"},
        **fields,
    }


class ReplicateFake:
    """The Replicate API: predictions answered from a script of polls, plus the output files."""

    def __init__(self) -> None:
        self.server = FakeServer()
        self.polls: deque[dict[str, Any]] = deque()
        self.files: dict[str, tuple[bytes, str]] = {}
        self.server.route("POST", r"/v1/models/[^/]+/[^/]+/predictions", self._create)
        self.server.route("POST", r"/v1/predictions", self._create)
        self.server.route("GET", r"/v1/predictions/(?P<id>[^/]+)", self._get)
        self.server.route("POST", r"/v1/predictions/(?P<id>[^/]+)/cancel", self._cancel)
        self.server.route("GET", r"/files/(?P<name>.+)", self._file)
        self.server.route(
            "GET",
            r"/v1/account",
            Reply(json={"type": "user", "username": "ada", "name": "Ada", "github_url": None}),
        )

    @property
    def url(self) -> str:
        return self.server.url

    def file(self, name: str, data: bytes, mime: str) -> str:
        """Serve a file and return its URL."""
        self.files[name] = (data, mime)
        return f"{self.server.url}/files/{name}"

    def _create(self, request: Recorded, _match: re.Match[str]) -> Reply:
        return Reply(201, json=prediction("starting", input=request.json()["input"]))

    def _get(self, _request: Recorded, _match: re.Match[str]) -> Reply:
        if not self.polls:
            return Reply(json=prediction("processing"))
        return Reply(json=self.polls.popleft() if len(self.polls) > 1 else self.polls[0])

    def _cancel(self, _request: Recorded, _match: re.Match[str]) -> Reply:
        return Reply(json=prediction("canceled"))

    def _file(self, _request: Recorded, match: re.Match[str]) -> Reply:
        if match["name"] not in self.files:
            return Reply(404, body=b"gone", headers={"Content-Type": "text/plain"})
        data, mime = self.files[match["name"]]
        return Reply(body=data, headers={"Content-Type": mime})


@pytest.fixture
def fake() -> Iterator[ReplicateFake]:
    api = ReplicateFake()
    with api.server.running():
        yield api


def provider(api: ReplicateFake, **kwargs: Any) -> ReplicateProvider:
    settings: dict[str, Any] = {
        "api_key": KEY,
        "base_url": api.url,
        "timeout": 2.0,
        "poll_interval": 0.0,
        "max_wait": 10.0,
    }
    settings.update(kwargs)
    return ReplicateProvider(**settings, sleep=lambda _s: None)


def error_reply(status: int, title: str, detail: str, **headers: str) -> Reply:
    return Reply(status, json={"title": title, "detail": detail, "status": status}, headers=headers)


CREATE = r"/v1/models/[^/]+/[^/]+/predictions"
SCHNELL = ImageRequest(model="black-forest-labs/flux-schnell", prompt="a red fox", count=1)


def succeed_with(api: ReplicateFake, output: Any, metrics: dict[str, Any] | None = None) -> None:
    api.polls.extend(
        [
            prediction("processing", logs=BAR_HALF),
            prediction("succeeded", logs=BAR_DONE, output=output, metrics=metrics or {"predict_time": 1.25}),
        ]
    )


def test_image_success_sends_the_input_polls_with_progress_and_downloads(fake: ReplicateFake) -> None:
    """Create by model name with a Bearer token, poll twice reporting log progress, download both images."""
    urls = [
        fake.file("out-0.webp", picture("WEBP"), "image/webp"),
        fake.file("out-1.webp", picture("WEBP"), ""),
    ]
    succeed_with(fake, urls, {"predict_time": 0.8123, "total_time": 1.9})
    updates: list[ProgressUpdate] = []
    request = ImageRequest(
        model="black-forest-labs/flux-schnell", prompt="a red fox", count=2, aspect_ratio="16:9", seed=42
    )

    request = replace(request, options={"go_fast": False})
    result = provider(fake).generate_image(request, on_progress=updates.append)

    [sent] = fake.server.calls("POST", r"/v1/models/black-forest-labs/flux-schnell/predictions")
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.json() == {
        "input": {
            "prompt": "a red fox",
            "aspect_ratio": "16:9",
            "num_outputs": 2,
            "num_inference_steps": 4,
            "seed": 42,
            "output_format": "webp",
            "output_quality": 80,
            "go_fast": False,
            "megapixels": "1",
        }
    }
    assert len(fake.server.calls("GET", rf"/v1/predictions/{PID}")) == 2
    assert [(u.percent, u.message) for u in updates] == [
        (None, "Waiting for a Replicate worker"),
        (50, "Generating"),
        (100, "Done"),
    ]
    assert {u.job_id for u in updates} == {PID}
    assert [(m.mime_type, m.width, m.height) for m in result.media] == [("image/webp", 8, 4)] * 2
    assert result.media[0].data == fake.files["out-0.webp"][0]
    assert "authorization" not in fake.server.calls("GET", r"/files/out-0.webp")[0].headers
    assert (result.provider, result.model, result.capability) == (
        "replicate",
        request.model,
        Capability.IMAGE,
    )
    assert (result.job_id, result.request_id) == (PID, PID)
    assert result.usage == Usage(
        image_count=2, image_size="16:9", output_count=2, predict_seconds=Decimal("0.8123")
    )
    assert cost("replicate", request.model, result.usage).micros == 6_000


def test_flux_pro_custom_size_single_output(fake: ReplicateFake) -> None:
    """FLUX1.1 [pro] takes a pixel size as aspect_ratio 'custom' and returns one URL, not a list."""
    succeed_with(fake, fake.file("pro.png", picture("PNG", (32, 16)), "image/png"))
    request = ImageRequest(model="black-forest-labs/flux-1.1-pro", prompt="a lighthouse", size="1024x768")

    result = provider(fake).generate_image(replace(request, options={"output_format": "png"}))

    [sent] = fake.server.calls("POST", r"/v1/models/black-forest-labs/flux-1.1-pro/predictions")
    assert sent.json()["input"] == {
        "prompt": "a lighthouse",
        "aspect_ratio": "custom",
        "width": 1024,
        "height": 768,
        "output_format": "png",
        "output_quality": 80,
        "safety_tolerance": 2,
        "prompt_upsampling": False,
    }
    assert [(m.mime_type, m.width, m.height) for m in result.media] == [("image/png", 32, 16)]
    assert result.usage.image_size == "1024x768"
    assert cost("replicate", request.model, result.usage).micros == 40_000


def test_video_success_with_first_frame(fake: ReplicateFake) -> None:
    """Video-01 gets the first frame inline, reports progress, and bills one $0.50 output of 6 s."""
    succeed_with(
        fake, fake.file("clip.mp4", b"\x00\x00\x00\x18ftypmp42fake", "video/mp4"), {"predict_time": 95.5}
    )
    frame = picture("PNG")
    updates: list[ProgressUpdate] = []
    request = VideoRequest(
        model="minimax/video-01",
        prompt="waves",
        duration_seconds=6,
        start_image=frame,
        start_image_mime="image/png",
    )

    result = provider(fake).generate_video(request, on_progress=updates.append)

    [sent] = fake.server.calls("POST", r"/v1/models/minimax/video-01/predictions")
    assert sent.json()["input"] == {
        "prompt": "waves",
        "prompt_optimizer": True,
        "first_frame_image": "data:image/png;base64," + base64.b64encode(frame).decode(),
    }
    assert [u.percent for u in updates] == [None, 50, 100]
    [clip] = result.media
    assert (clip.mime_type, clip.duration_seconds, clip.data[4:8]) == ("video/mp4", 6.0, b"ftyp")
    assert result.usage == Usage(video_seconds=Decimal(6), output_count=1, predict_seconds=Decimal("95.5"))
    assert cost("replicate", "minimax/video-01", result.usage).micros == 500_000


def test_video_resume_polls_the_recorded_prediction_and_creates_none(fake: ReplicateFake) -> None:
    """After a crash the recorded prediction id is followed; Replicate sees no second create."""
    succeed_with(fake, fake.file("clip.mp4", b"\x00\x00\x00\x18ftypmp42fake", "video/mp4"))
    started: list[str] = []
    request = VideoRequest(model="minimax/video-01", prompt="waves", duration_seconds=6)
    result = provider(fake).generate_video(request, on_started=started.append, resume_job_id=PID)
    assert fake.server.calls("POST", r"/v1/models/minimax/video-01/predictions") == []
    assert started == []
    assert result.job_id == PID and result.media[0].data[4:8] == b"ftyp"


def test_video_reports_the_prediction_id_before_polling(fake: ReplicateFake) -> None:
    """on_started gets the new prediction id before any poll; a failure there cancels the prediction."""
    succeed_with(fake, fake.file("clip.mp4", b"\x00\x00\x00\x18ftypmp42fake", "video/mp4"))
    seen: list[tuple[str, int]] = []
    request = VideoRequest(model="minimax/video-01", prompt="waves", duration_seconds=6)
    provider(fake).generate_video(
        request,
        on_started=lambda pid: seen.append((pid, len(fake.server.calls("GET", rf"/v1/predictions/{PID}")))),
    )
    assert seen == [(PID, 0)]

    def fail(_pid: str) -> None:
        raise RuntimeError("database down")

    with pytest.raises(RuntimeError):
        provider(fake).generate_video(request, on_started=fail)
    assert len(fake.server.calls("POST", rf"/v1/predictions/{PID}/cancel")) == 1


def test_video_cancel_mid_poll_sends_cancel(fake: ReplicateFake) -> None:
    """Cancelling while the job runs posts /cancel and stops polling with JobCancelled."""
    fake.polls.append(prediction("processing", logs=BAR_HALF))
    token = CancelToken()

    def on_progress(update: ProgressUpdate) -> None:
        if update.percent == 50:
            token.cancel()

    request = VideoRequest(model="minimax/video-01", prompt="waves", duration_seconds=6)
    with pytest.raises(JobCancelled) as caught:
        provider(fake).generate_video(request, on_progress=on_progress, cancel=token)

    assert len(fake.server.calls("POST", rf"/v1/predictions/{PID}/cancel")) == 1
    assert len(fake.server.calls("GET", rf"/v1/predictions/{PID}")) == 1
    assert not caught.value.retryable
    assert PID in str(caught.value)


def test_cancelled_before_start_sends_nothing(fake: ReplicateFake) -> None:
    token = CancelToken()
    token.cancel()
    with pytest.raises(JobCancelled):
        provider(fake).generate_video(
            VideoRequest(model="minimax/video-01", prompt="x", duration_seconds=6), cancel=token
        )
    assert fake.server.requests == []


def test_speech_success_bills_reported_characters(fake: ReplicateFake) -> None:
    """MiniMax speech: text, voice, speed and language go out; characters come from the reported tokens."""
    succeed_with(
        fake,
        fake.file("speech.mp3", b"ID3fake-mp3", "audio/mpeg"),
        {"predict_time": 2, "input_token_count": 11},
    )
    request = SpeechRequest(
        model="minimax/speech-2.6-turbo", text="Hello there", voice="Calm_Woman", language="en-GB", speed=1.25
    )

    result = provider(fake).synthesize_speech(replace(request, options={"emotion": "happy"}))

    [sent] = fake.server.calls("POST", r"/v1/models/minimax/speech-2.6-turbo/predictions")
    assert sent.json()["input"] == {
        "text": "Hello there",
        "voice_id": "Calm_Woman",
        "speed": 1.25,
        "volume": 1.0,
        "pitch": 0,
        "emotion": "happy",
        "english_normalization": False,
        "sample_rate": 32000,
        "bitrate": 128000,
        "audio_format": "mp3",
        "channel": "mono",
        "language_boost": "English",
    }
    [audio] = result.media
    assert (audio.mime_type, audio.data) == ("audio/mpeg", b"ID3fake-mp3")
    assert result.usage == Usage(characters=11, output_count=1, predict_seconds=Decimal(2))
    assert cost("replicate", request.model, result.usage).micros == 660


def test_musicgen_runs_a_pinned_version_and_bills_predict_time(fake: ReplicateFake) -> None:
    """MusicGen is a community model: POST /v1/predictions with its version; billed by predict time."""
    succeed_with(fake, fake.file("song.wav", b"RIFFfakeWAVE", "audio/wav"), {"predict_time": 12.5})
    updates: list[ProgressUpdate] = []
    request = AudioRequest(
        model="meta/musicgen",
        prompt="calm lo-fi piano",
        duration_seconds=12,
        options={"model_version": "large", "output_format": "mp3"},
    )

    result = provider(fake).generate_audio(request, on_progress=updates.append)

    [sent] = fake.server.calls("POST", r"/v1/predictions")
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.json() == {
        "version": "671ac645ce5e552cc63a54a2bbff63fcf798043055d2dac5fc9e36a837eedcfb",
        "input": {
            "prompt": "calm lo-fi piano",
            "model_version": "large",
            "duration": 12,
            "output_format": "mp3",
            "normalization_strategy": "loudness",
            "temperature": 1.0,
            "top_k": 250,
            "top_p": 0.0,
            "classifier_free_guidance": 3,
        },
    }
    assert [u.percent for u in updates] == [None, 50, 100]
    assert result.media[0].mime_type == "audio/wav"
    assert result.usage == Usage(characters=0, output_count=1, predict_seconds=Decimal("12.5"))
    assert cost("replicate", "meta/musicgen", result.usage).micros == 17_500


def test_failed_prediction_for_safety_is_content_refused(fake: ReplicateFake) -> None:
    fake.polls.append(
        prediction("failed", error="NSFW content detected. Try running it again, or try a different prompt.")
    )
    with pytest.raises(ContentRefused, match="NSFW content detected"):
        provider(fake).generate_image(SCHNELL)


def test_failed_prediction_otherwise_is_unavailable_with_the_error(fake: ReplicateFake) -> None:
    fake.polls.append(prediction("failed", error="CUDA out of memory"))
    with pytest.raises(ProviderUnavailable, match="CUDA out of memory") as caught:
        provider(fake).generate_image(SCHNELL)
    assert caught.value.retryable


def test_canceled_on_replicate_is_job_cancelled(fake: ReplicateFake) -> None:
    fake.polls.append(prediction("canceled"))
    with pytest.raises(JobCancelled, match="cancelled on Replicate"):
        provider(fake).generate_image(SCHNELL)


def test_401_is_bad_key_and_never_shows_the_key(fake: ReplicateFake) -> None:
    fake.server.enqueue(
        "POST", CREATE, error_reply(401, "Unauthenticated", "You did not pass a valid authentication token")
    )
    with pytest.raises(BadProviderKey, match="Settings → API keys") as caught:
        provider(fake).generate_image(SCHNELL)
    assert KEY not in str(caught.value)
    assert caught.value.provider == "replicate"


def test_402_is_quota_exceeded(fake: ReplicateFake) -> None:
    detail = "You have insufficient credit to run this model. Go to https://replicate.com/account/billing"
    fake.server.enqueue("POST", CREATE, error_reply(402, "Insufficient credit", detail))
    with pytest.raises(QuotaExceeded, match="account/billing"):
        provider(fake).generate_image(SCHNELL)


def test_422_names_the_field(fake: ReplicateFake) -> None:
    detail = "- input.num_outputs: Must be less than or equal to 4\n"
    fake.server.enqueue("POST", CREATE, error_reply(422, "Input validation failed", detail))
    with pytest.raises(InvalidProviderRequest, match="less than or equal to 4") as caught:
        provider(fake).generate_image(SCHNELL)
    assert caught.value.field == "count"


def test_429_with_retry_after_then_success(fake: ReplicateFake) -> None:
    """The SDK's own retries are off: our with_retries sleeps exactly the Retry-After."""
    fake.server.enqueue(
        "POST",
        CREATE,
        error_reply(
            429, "Request was throttled.", "Expected available in 7 seconds.", **{"Retry-After": "7"}
        ),
    )
    succeed_with(fake, [fake.file("a.webp", picture("WEBP"), "image/webp")])
    sleeps: list[float] = []

    result = with_retries(lambda: provider(fake).generate_image(SCHNELL), sleep=sleeps.append)

    assert sleeps == [7.0]
    assert len(fake.server.calls("POST", CREATE)) == 2
    assert result.usage.output_count == 1


def test_500_then_success(fake: ReplicateFake) -> None:
    fake.server.enqueue("POST", CREATE, Reply(500, json={"detail": "Internal Server Error"}))
    succeed_with(fake, [fake.file("a.webp", picture("WEBP"), "image/webp")])
    sleeps: list[float] = []

    result = with_retries(
        lambda: provider(fake).generate_image(SCHNELL),
        sleep=sleeps.append,
        policy=RetryPolicy(base_delay=0.01),
    )

    assert len(sleeps) == 1
    assert len(result.media) == 1


def test_sdk_retry_transport_is_bypassed(fake: ReplicateFake) -> None:
    """A GET answered 429 reaches us at once: the SDK's RetryTransport (10 tries) is not in the path."""
    fake.server.enqueue(
        "GET", r"/v1/account", error_reply(429, "throttled", "slow down", **{"Retry-After": "3"})
    )
    with pytest.raises(RateLimited) as caught:
        provider(fake).test_key()
    assert caught.value.retry_after == 3.0
    assert len(fake.server.calls("GET", r"/v1/account")) == 1


def test_poll_survives_a_transient_error_without_a_new_prediction(fake: ReplicateFake) -> None:
    fake.server.enqueue("GET", rf"/v1/predictions/{PID}", Reply(503, json={"detail": "unavailable"}))
    succeed_with(fake, [fake.file("a.webp", picture("WEBP"), "image/webp")])

    result = provider(fake).generate_image(SCHNELL)

    assert len(fake.server.calls("POST", CREATE)) == 1
    assert len(fake.server.calls("GET", rf"/v1/predictions/{PID}")) == 3
    assert len(result.media) == 1


def test_timeout_is_provider_timeout(fake: ReplicateFake) -> None:
    fake.server.enqueue("POST", CREATE, Reply(201, json=prediction("starting"), delay=0.6))
    with pytest.raises(ProviderTimeout):
        provider(fake, timeout=0.1).generate_image(SCHNELL)


def test_job_running_past_max_wait_is_cancelled_and_times_out(fake: ReplicateFake) -> None:
    with pytest.raises(ProviderTimeout, match="cancelled"):
        provider(fake, max_wait=0).generate_image(SCHNELL)
    assert len(fake.server.calls("POST", rf"/v1/predictions/{PID}/cancel")) == 1


@pytest.mark.parametrize(
    "reply",
    [
        Reply(201, body=b"<html>bad gateway</html>", headers={"Content-Type": "text/html"}),
        Reply(201, json={"id": PID}),
    ],
)
def test_malformed_body_is_unavailable(fake: ReplicateFake, reply: Reply) -> None:
    fake.server.enqueue("POST", CREATE, reply)
    with pytest.raises(ProviderUnavailable, match="could not read"):
        provider(fake).generate_image(SCHNELL)


def test_expired_output_link_is_unavailable(fake: ReplicateFake) -> None:
    succeed_with(fake, [f"{fake.url}/files/expired.webp"])
    with pytest.raises(ProviderUnavailable, match="HTTP 404"):
        provider(fake).generate_image(SCHNELL)


def test_inline_data_output_is_decoded(fake: ReplicateFake) -> None:
    audio = b"ID3inline"
    succeed_with(fake, "data:audio/mpeg;base64," + base64.b64encode(audio).decode())
    result = provider(fake).synthesize_speech(
        SpeechRequest(model="minimax/speech-2.6-turbo", text="Hi", voice="Wise_Woman")
    )
    assert (result.media[0].data, result.media[0].mime_type) == (audio, "audio/mpeg")
    assert result.usage.characters == 2


def test_test_key_reads_the_account(fake: ReplicateFake) -> None:
    provider(fake).test_key()
    [sent] = fake.server.calls("GET", r"/v1/account")
    assert sent.headers["authorization"] == f"Bearer {KEY}"


def test_test_key_401_is_bad_key(fake: ReplicateFake) -> None:
    fake.server.enqueue("GET", r"/v1/account", error_reply(401, "Unauthenticated", "invalid token"))
    with pytest.raises(BadProviderKey):
        provider(fake).test_key()


def test_missing_key_fails_before_any_request(fake: ReplicateFake) -> None:
    with pytest.raises(BadProviderKey, match="No Replicate API token"):
        ReplicateProvider(base_url=fake.url).test_key()
    assert fake.server.requests == []


def test_wrong_capability_for_model() -> None:
    with pytest.raises(InvalidProviderRequest) as caught:
        ReplicateProvider(api_key=KEY).generate_image(ImageRequest(model="minimax/video-01", prompt="x"))
    assert caught.value.field == "model"


SCHNELL_SPEC = model_info("black-forest-labs/flux-schnell")
DEV_SPEC = model_info("black-forest-labs/flux-dev")
PRO_SPEC = model_info("black-forest-labs/flux-1.1-pro")
FLUX2_SPEC = model_info("black-forest-labs/flux-2-pro")
VIDEO_SPEC = model_info("minimax/video-01")
SPEECH_SPEC = model_info("minimax/speech-2.6-turbo")
MUSIC_SPEC = model_info("meta/musicgen")


def img(**fields: Any) -> ImageRequest:
    return ImageRequest(model="m", prompt="p", **fields)


def vid(**fields: Any) -> VideoRequest:
    return VideoRequest(model="m", prompt="p", **{"duration_seconds": 6, **fields})


def say(**fields: Any) -> SpeechRequest:
    return SpeechRequest(model="m", **{"text": "hi", "voice": "v", **fields})


def music(**fields: Any) -> AudioRequest:
    return AudioRequest(model="m", **{"prompt": "jazz", **fields})


@pytest.mark.parametrize(
    ("build", "spec", "request_", "options", "field"),
    [
        (image_input, SCHNELL_SPEC, img(count=5), None, "count"),
        (image_input, SCHNELL_SPEC, img(aspect_ratio="7:3"), None, "aspect_ratio"),
        (image_input, SCHNELL_SPEC, img(), {"num_inference_steps": 9}, "num_inference_steps"),
        (image_input, SCHNELL_SPEC, img(), {"disable_safety_checker": True}, "disable_safety_checker"),
        (image_input, SCHNELL_SPEC, img(input_image=b"x"), None, "input_image"),
        (image_input, SCHNELL_SPEC, img(size="1024x1024"), None, "size"),
        (image_input, SCHNELL_SPEC, img(negative_prompt="blur"), None, "negative_prompt"),
        (image_input, PRO_SPEC, img(count=2), None, "count"),
        (image_input, PRO_SPEC, img(size="4000x100"), None, "width"),
        (image_input, PRO_SPEC, img(), {"aspect_ratio": "custom"}, "options"),
        (image_input, PRO_SPEC, img(size="big"), None, "size"),
        (image_input, FLUX2_SPEC, img(count=2), None, "count"),
        (image_input, FLUX2_SPEC, img(size="4096x1024"), None, "width"),
        (image_input, FLUX2_SPEC, img(), {"resolution": "8 MP"}, "resolution"),
        (image_input, FLUX2_SPEC, img(), {"aspect_ratio": "custom"}, "options"),
        (image_input, FLUX2_SPEC, img(), {"width": 1024}, "options"),
        (image_input, FLUX2_SPEC, img(), {"safety_tolerance": 6}, "safety_tolerance"),
        (image_input, FLUX2_SPEC, img(), {"prompt_upsampling": True}, "prompt_upsampling"),
        (video_input, VIDEO_SPEC, vid(duration_seconds=10), None, "duration_seconds"),
        (video_input, VIDEO_SPEC, vid(with_audio=True), None, "with_audio"),
        (video_input, VIDEO_SPEC, vid(resolution="1080p"), None, "resolution"),
        (video_input, VIDEO_SPEC, vid(), {"prompt_optimizer": "sometimes"}, "prompt_optimizer"),
        (speech_input, SPEECH_SPEC, say(output_format="ogg"), None, "output_format"),
        (speech_input, SPEECH_SPEC, say(language="xx"), None, "language"),
        (speech_input, SPEECH_SPEC, say(speed=3.0), None, "speed"),
        (speech_input, SPEECH_SPEC, say(text="x" * 10_001), None, "text"),
        (speech_input, SPEECH_SPEC, say(stability=0.5), None, "stability"),
        (audio_input, MUSIC_SPEC, music(), {"model_version": "Wise_Woman"}, "model_version"),
        (audio_input, MUSIC_SPEC, music(duration_seconds=31), None, "duration"),
    ],
)
def test_requests_outside_model_limits_name_the_field(
    build: Callable[..., Any], spec: Any, request_: Any, options: dict[str, Any] | None, field: str
) -> None:
    with pytest.raises(InvalidProviderRequest) as caught:
        build(spec, request_, options)
    assert caught.value.field == field
    assert caught.value.provider == "replicate"


def test_flux_dev_image_to_image_inlines_the_image() -> None:
    request = ImageRequest(model="m", prompt="p", input_image=b"\x89PNG", input_image_mime="image/png")
    sent = image_input(DEV_SPEC, request, {"prompt_strength": 0.6})
    assert sent["image"] == "data:image/png;base64," + base64.b64encode(b"\x89PNG").decode()
    assert (sent["prompt_strength"], sent["num_inference_steps"], sent["guidance"]) == (0.6, 28, 3)
    assert "prompt_strength" not in image_input(DEV_SPEC, ImageRequest(model="m", prompt="p"))


def test_speech_language_names_and_codes() -> None:
    def boost(language: str) -> str:
        request = SpeechRequest(model="m", text="hola", voice="Wise_Woman", language=language)
        return str(speech_input(SPEECH_SPEC, request)["language_boost"])

    assert [boost("es"), boost("pt-BR"), boost("Chinese,Yue"), boost("nb_NO")] == [
        "Spanish",
        "Portuguese",
        "Chinese,Yue",
        "Norwegian",
    ]


@pytest.mark.parametrize(
    ("logs", "percent"),
    [
        (None, None),
        ("", None),
        ("loading weights", None),
        (BAR_HALF, 50),
        (BAR_DONE, 100),
        ("  7%|▋         | 2/28 [00:01<00:13,  1.93it/s]\r 14%|█▍        | 4/28", 14),
    ],
)
def test_parse_progress_takes_the_last_bar(logs: str | None, percent: int | None) -> None:
    assert parse_progress(logs) == percent


def test_output_urls_accepts_a_string_or_a_list() -> None:
    assert output_urls("https://x/a.png") == ["https://x/a.png"]
    assert output_urls(["https://x/a.png", "https://x/b.png"]) == ["https://x/a.png", "https://x/b.png"]
    for bad in (None, [], [None], {"url": "x"}):
        with pytest.raises(UnusableAnswer):
            output_urls(bad)


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        ("NSFW content detected. Try a different prompt.", ContentRefused),
        ("Prediction failed: the output was flagged as sensitive (E005)", ContentRefused),
        ("Your input was rejected by the safety filter", ContentRefused),
        ("CUDA out of memory", ProviderUnavailable),
        (None, ProviderUnavailable),
    ],
)
def test_failure_error(error: str | None, kind: type[Exception]) -> None:
    assert type(failure_error(error, "FLUX.1 [schnell]")) is kind


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (401, BadProviderKey),
        (403, BadProviderKey),
        (402, QuotaExceeded),
        (429, RateLimited),
        (422, InvalidProviderRequest),
        (404, InvalidProviderRequest),
        (504, ProviderTimeout),
        (500, ProviderUnavailable),
        (503, ProviderUnavailable),
    ],
)
def test_api_error_mapping(status: int, kind: type[Exception]) -> None:
    assert type(api_error(status, "title", "detail")) is kind


def test_invalid_field_and_retry_after_parsing() -> None:
    assert invalid_field("- input.aspect_ratio: must be one of 1:1") == "aspect_ratio"
    assert invalid_field("- input.first_frame_image: bad uri") == "start_image"
    assert invalid_field("- input: prompt is required") == "prompt"
    assert invalid_field("something else") is None
    assert retry_after_seconds({"retry-after": "2.5"}) == 2.5
    assert retry_after_seconds({}) is None
    assert retry_after_seconds({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0
    assert retry_after_seconds({"retry-after": "soon"}) is None


def test_usage_reads_predict_time_exactly() -> None:
    usage = usage_for(SCHNELL_SPEC, {"aspect_ratio": "1:1"}, {"predict_time": 0.1 + 0.2}, 3)
    assert usage.predict_seconds == Decimal("0.30000000000000004")
    assert usage_for(SCHNELL_SPEC, {}, {"predict_time": True}, 1).predict_seconds == 0
    assert usage_for(SPEECH_SPEC, {"text": "abc"}, None, 1).characters == 3


def test_every_listed_model_is_priced_and_every_price_is_listed() -> None:
    table = load_tables()["replicate"]
    assert table.version == "2026-12-01"
    assert set(table.models) == {info.id for info in ReplicateProvider.models()}
    assert all(
        price.source and price.source.startswith("https://replicate.com/") for price in table.models.values()
    )


@pytest.mark.parametrize(
    ("model", "usage", "micros"),
    [
        ("black-forest-labs/flux-schnell", Usage(output_count=4), 12_000),
        ("black-forest-labs/flux-dev", Usage(output_count=3), 75_000),
        ("black-forest-labs/flux-1.1-pro", Usage(output_count=1), 40_000),
        ("minimax/video-01", Usage(output_count=2, video_seconds=Decimal(12)), 1_000_000),
        ("minimax/speech-2.6-turbo", Usage(characters=1_234, output_count=1), 74_040),
        ("meta/musicgen", Usage(predict_seconds=Decimal("47.3"), output_count=1), 66_220),
        # FLUX.2 [pro]: $0.015 a run + 1 MP in x $0.015 + 1 MP out x $0.015 = $0.045 (Replicate's example).
        (
            "black-forest-labs/flux-2-pro",
            Usage(runs=1, input_megapixels=Decimal(1), output_megapixels=Decimal(1)),
            45_000,
        ),
        # Text to image at 2 MP: 0.015 + 2 x 0.015 = $0.045; a reported 1.048576 MP out is billed exactly.
        ("black-forest-labs/flux-2-pro", Usage(runs=1, output_megapixels=Decimal(2)), 45_000),
        ("black-forest-labs/flux-2-pro", Usage(runs=1, output_megapixels=Decimal("1.048576")), 30_729),
    ],
)
def test_hand_computed_costs(model: str, usage: Usage, micros: int) -> None:
    assert cost("replicate", model, usage).micros == micros


def test_estimates_before_the_call() -> None:
    images = ImageRequest(model="black-forest-labs/flux-dev", prompt="p", count=4)
    assert estimate("replicate", images.model, images).micros == 100_000
    music = AudioRequest(model="meta/musicgen", prompt="jazz")
    assert (
        estimate("replicate", music.model, music, usage=ReplicateProvider.estimate_usage(music)).micros
        == 168_000
    )
    assert ReplicateProvider.estimate_usage(images) is None
    # FLUX.2 [pro] at 4 MP with a 3.1 MP reference (billed as 4): 0.015 + 4 x 0.015 + 4 x 0.015.
    reference = picture("PNG", (2048, 1536))
    flux2 = ImageRequest(
        model="black-forest-labs/flux-2-pro",
        prompt="p",
        input_image=reference,
        input_image_mime="image/png",
        options={"resolution": "4 MP"},
    )
    hint = ReplicateProvider.estimate_usage(flux2)
    assert hint is not None and (hint.runs, hint.input_megapixels, hint.output_megapixels) == (1, 4, 4)
    assert estimate("replicate", flux2.model, flux2, usage=hint).micros == 135_000
    with pytest.raises(ValidationError, match="cannot be estimated"):
        estimate("replicate", flux2.model, flux2)  # never a quote of one run alone


def test_flux_2_pro_bills_the_megapixels_replicate_reports(fake: ReplicateFake) -> None:
    """The reference goes in input_images; the cost is the run plus the megapixels in the metrics."""
    metrics = {
        "image_input_megapixel_count": 1,
        "image_output_count": 1,
        "image_output_megapixel_count": 2,
        "predict_time": 8.74,
    }
    succeed_with(fake, fake.file("f2.webp", picture("WEBP", (16, 9)), "image/webp"), metrics)
    request = ImageRequest(
        model="black-forest-labs/flux-2-pro",
        prompt="the same fox, in snow",
        aspect_ratio="16:9",
        input_image=picture("PNG", (32, 32)),
        input_image_mime="image/png",
        options={"resolution": "2 MP"},
    )
    result = provider(fake).generate_image(request)
    [sent] = fake.server.calls("POST", r"/v1/models/black-forest-labs/flux-2-pro/predictions")
    wire = sent.json()["input"]
    assert wire["input_images"] == ["data:image/png;base64," + base64.b64encode(request.input_image).decode()]
    assert "image" not in wire
    assert (wire["aspect_ratio"], wire["resolution"], wire["safety_tolerance"]) == ("16:9", "2 MP", 2)
    assert result.usage_reported
    assert (result.usage.runs, result.usage.input_megapixels, result.usage.output_megapixels) == (1, 1, 2)
    assert cost("replicate", request.model, result.usage).micros == 60_000


def test_flux_2_pro_without_megapixel_metrics_is_derived_from_the_request(fake: ReplicateFake) -> None:
    """A prediction whose metrics lack the megapixels is priced from the request and marked derived."""
    succeed_with(fake, fake.file("f2.webp", picture("WEBP"), "image/webp"), {"predict_time": 3.2})
    request = ImageRequest(model="black-forest-labs/flux-2-pro", prompt="p", size="2048x1536")
    result = provider(fake).generate_image(request)
    assert not result.usage_reported
    assert (result.usage.runs, result.usage.input_megapixels, result.usage.output_megapixels) == (1, 0, 4)
    assert cost("replicate", request.model, result.usage).micros == 75_000


def test_models_and_registration() -> None:
    registry = Registry()
    register(registry)
    assert registry.provider("replicate") is ReplicateProvider
    assert [info.id for info in ReplicateProvider.models()] == [
        "black-forest-labs/flux-2-pro",
        "black-forest-labs/flux-schnell",
        "black-forest-labs/flux-dev",
        "black-forest-labs/flux-1.1-pro",
        "minimax/video-01",
        "minimax/speech-2.6-turbo",
        "meta/musicgen",
    ]
    assert {info.capability for info in ReplicateProvider.models()} == {
        Capability.IMAGE,
        Capability.VIDEO,
        Capability.SPEECH,
        Capability.AUDIO,
    }
    assert ReplicateProvider(api_key=KEY).base_url == "https://api.replicate.com"
