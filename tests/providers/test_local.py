"""The offline provider: decoded images, speech and video, free prices, text only through a local server."""

from __future__ import annotations

import io
import json
import shutil
import socket
import subprocess
import wave
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from mediaws.catalogue import table
from mediaws.errors import (
    BadProviderKey,
    ContentRefused,
    InvalidProviderRequest,
    JobCancelled,
    ProviderTimeout,
    ProviderUnavailable,
    RateLimited,
)
from mediaws.media import speech, video
from mediaws.pricing.cost import cost
from mediaws.providers.base import (
    CancelToken,
    Capability,
    ImageRequest,
    Message,
    ProgressUpdate,
    Registry,
    SpeechRequest,
    TextRequest,
    Usage,
    VideoRequest,
)
from mediaws.providers.local import (
    TEXT_SERVER_HINT,
    VOICES,
    LocalProvider,
    LocalTextNotConfigured,
    chat_payload,
    image_options,
    register,
    speech_options,
    text_options,
    video_options,
    words_per_minute,
)
from mediaws.providers.retry import RetryPolicy, with_retries
from tests.providers.fakeserver import FakeServer, Reply

PROMPT = "A lighthouse on a cliff at dawn, painted in watercolour"
SENTENCE = "The quick brown fox jumps over the lazy dog while the lighthouse keeper watches the sea."
FFPROBE = shutil.which("ffprobe")


def ffprobe(data: bytes, tmp_path: Path, suffix: str) -> dict[str, Any]:
    """Streams and format as ffprobe reports them; skips (after the PyAV checks already made) without it."""
    if FFPROBE is None:
        pytest.skip("ffprobe (Debian ffmpeg) is not installed; only the PyAV checks before this point ran")
    path = tmp_path / f"probe{suffix}"
    path.write_bytes(data)
    run = subprocess.run(
        [FFPROBE, "-v", "error", "-show_streams", "-show_format", "-of", "json", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(run.stdout)


def wav_info(data: bytes) -> tuple[int, int, int, float]:
    """Channels, sample width, rate and duration of a WAV."""
    with wave.open(io.BytesIO(data)) as reader:
        rate = reader.getframerate()
        return reader.getnchannels(), reader.getsampwidth(), rate, reader.getnframes() / rate


def test_provider_shape_and_registration() -> None:
    """Keyless, registered like any provider, four models each saying it is free and local."""
    registry = Registry()
    register(registry)
    assert registry.provider("local") is LocalProvider
    assert LocalProvider.needs_key is False and LocalProvider.key_env_var is None
    models = {info.id: info for info in LocalProvider.models()}
    assert set(models) == {"local-image", "local-speech", "local-video", "local-text"}
    assert {info.capability for info in models.values()} == {
        Capability.IMAGE,
        Capability.SPEECH,
        Capability.VIDEO,
        Capability.TEXT,
    }
    assert all("free, runs on this machine" in info.description for info in models.values())


def test_every_model_is_priced_free() -> None:
    """The price table lists every model as free and the cost says so."""
    path = table.TABLES / "local.toml"
    prices = table.ProviderPrices.model_validate(table.tomllib.loads(path.read_text()))
    assert prices.provider == "local" and prices.version == "2026-11-28"
    assert set(prices.models) == {info.id for info in LocalProvider.models()}
    assert {price.unit for price in prices.models.values()} == {"free"}
    table.load_tables.cache_clear()
    try:
        for info in LocalProvider.models():
            priced = cost("local", info.id, Usage(image_count=4, video_seconds=Decimal(20), characters=9_999))
            assert (priced.micros, priced.free, priced.display()) == (0, True, "$0.00 (free)")
            assert priced.price_version == "local@2026-11-28"
    finally:
        table.load_tables.cache_clear()


def test_image_pngs_have_the_requested_size() -> None:
    """Every image opens in Pillow at the size asked for; usage counts images and size."""
    result = LocalProvider().generate_image(
        ImageRequest(model="local-image", prompt=PROMPT, size="1024x576", count=2, seed=7)
    )
    assert len(result.media) == 2
    for media in result.media:
        picture = Image.open(io.BytesIO(media.data))
        assert (picture.format, picture.size) == ("PNG", (1024, 576))
        assert (media.mime_type, media.width, media.height) == ("image/png", 1024, 576)
        assert len(picture.getcolors(maxcolors=1 << 20) or []) > 500
    assert result.usage == Usage(image_count=2, image_size="1024x576", output_count=2)
    assert result.capability is Capability.IMAGE and result.request_id == "local-image:seed=7"


def test_image_is_deterministic_for_a_seed() -> None:
    """Same prompt, seed and size give identical bytes; another seed or prompt gives another picture."""
    provider = LocalProvider()

    def draw(prompt: str, seed: int, count: int = 1) -> list[bytes]:
        request = ImageRequest(model="local-image", prompt=prompt, size="512x512", seed=seed, count=count)
        return [media.data for media in provider.generate_image(request).media]

    first = draw(PROMPT, 42)[0]
    assert draw(PROMPT, 42)[0] == first
    assert draw(PROMPT, 43)[0] != first
    assert draw("A different prompt entirely", 42)[0] != first
    pair = draw(PROMPT, 42, count=2)
    assert pair[0] == first and pair[1] == draw(PROMPT, 43)[0]
    unseeded = provider.generate_image(ImageRequest(model="local-image", prompt=PROMPT, size="512x512"))
    assert unseeded.request_id is not None and unseeded.request_id.startswith("local-image:seed=")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"size": "300x300"}, "size"),
        ({"count": 5}, "count"),
        ({"count": 0}, "count"),
        ({"seed": -1}, "seed"),
        ({"aspect_ratio": "4:3"}, "aspect_ratio"),
        ({"input_image": b"\x89PNG"}, "input_image"),
        ({"quality": "hd"}, "quality"),
        ({"negative_prompt": "blur"}, "negative_prompt"),
        ({"options": {"style": "oil"}}, "style"),
        ({"options": {"size": "2048x2048"}}, "size"),
    ],
)
def test_image_limits_name_the_field(changes: dict[str, Any], field: str) -> None:
    """Requests outside the drawer's limits are refused, naming the field."""
    with pytest.raises(InvalidProviderRequest) as caught:
        image_options(ImageRequest(model="local-image", prompt=PROMPT, **changes))
    assert caught.value.field == field and caught.value.provider == "local"


def test_image_aspect_ratio_picks_a_size() -> None:
    """An aspect ratio without a size maps to the matching size."""
    assert (
        image_options(ImageRequest(model="local-image", prompt="x", aspect_ratio="9:16")).size == "576x1024"
    )
    assert image_options(ImageRequest(model="local-image", prompt="x")).size == "1024x1024"
    from_options = ImageRequest(model="local-image", prompt="x", count=2, options={"size": "768x768"})
    assert (image_options(from_options).size, image_options(from_options).count) == ("768x768", 2)


def test_speech_wav_is_plausible_for_the_text(tmp_path: Path) -> None:
    """A WAV at espeak's rate, as long as the words need at 175 wpm, and ffprobe agrees."""
    result = LocalProvider().synthesize_speech(
        SpeechRequest(model="local-speech", text=SENTENCE, voice="en-us", output_format="wav")
    )
    media = result.media[0]
    channels, width, rate, seconds = wav_info(media.data)
    assert (channels, width, rate, media.mime_type) == (1, 2, 22050, "audio/wav")
    words = len(SENTENCE.split())
    assert words / 175 * 60 * 0.6 < seconds < words / 175 * 60 * 1.8
    assert media.duration_seconds == pytest.approx(seconds)
    assert result.usage == Usage(characters=len(SENTENCE), output_count=1)
    assert result.request_id == "local-speech:libespeak-ng"
    assert float(ffprobe(media.data, tmp_path, ".wav")["format"]["duration"]) == pytest.approx(
        seconds, abs=0.01
    )


def test_speech_speed_and_pitch() -> None:
    """A 2.0 speed is much shorter than 0.5; words per minute pass through; pitch changes the audio."""
    provider = LocalProvider()

    def seconds(speed: float) -> float:
        request = SpeechRequest(
            model="local-speech", text=SENTENCE, voice="en", speed=speed, output_format="wav"
        )
        return wav_info(provider.synthesize_speech(request).media[0].data)[3]

    assert seconds(2.0) < seconds(0.5) / 2.5
    assert seconds(350) == pytest.approx(seconds(2.0), rel=0.02)
    assert (words_per_minute(None), words_per_minute(1.5), words_per_minute(80)) == (175, 262, 80)
    low, high = (
        provider.synthesize_speech(
            SpeechRequest("local-speech", "pitch", "en", output_format="wav", options={"pitch": pitch})
        ).media[0]
        for pitch in (10, 90)
    )
    assert low.data != high.data and low.duration_seconds == pytest.approx(high.duration_seconds, rel=0.1)


def test_speech_mp3_decodes_with_the_same_length(tmp_path: Path) -> None:
    """MP3 output decodes in PyAV and ffprobe with about the synthesized length."""
    result = LocalProvider().synthesize_speech(SpeechRequest(model="local-speech", text=SENTENCE, voice="de"))
    media = result.media[0]
    assert media.mime_type == "audio/mpeg" and media.duration_seconds is not None
    probed = video.probe(media.data)
    assert probed.audio_codec is not None and probed.audio_codec.startswith("mp3")
    assert probed.duration_seconds == pytest.approx(media.duration_seconds, abs=0.1)
    reported = ffprobe(media.data, tmp_path, ".mp3")
    assert reported["streams"][0]["codec_name"] == "mp3"
    assert float(reported["format"]["duration"]) == pytest.approx(media.duration_seconds, abs=0.1)


def test_speech_from_several_threads_at_once() -> None:
    """espeak-ng is not re-entrant; parallel requests each get a whole utterance (lengths vary a little)."""
    texts = ["one", "one two three four five six", "one two three"]
    alone = [speech.synthesize(text).duration_seconds for text in texts]
    with ThreadPoolExecutor(max_workers=3) as pool:
        together = list(pool.map(lambda text: speech.synthesize(text).duration_seconds, texts * 3))
    assert together == pytest.approx(alone * 3, rel=0.05)


@pytest.mark.parametrize("voice", [*VOICES, "en-us+f3", "de+m3"])
def test_every_offered_voice_speaks(voice: str) -> None:
    """Each listed voice (and variants) is known to the bundled espeak-ng."""
    pcm = speech.synthesize(
        "one two three", voice=speech_options(SpeechRequest("local-speech", "x", voice)).voice
    )
    assert 0.3 < pcm.duration_seconds < 5


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"voice": "klingon"}, "voice"),
        ({"voice": "en+robot"}, "voice"),
        ({"speed": 3.0}, "speed"),
        ({"speed": 500}, "speed"),
        ({"output_format": "opus"}, "output_format"),
        ({"options": {"pitch": 101}}, "pitch"),
        ({"options": {"stability": 0.5}}, "stability"),
        ({"text": "   "}, "text"),
        ({"text": "a" * 20_001}, "text"),
    ],
)
def test_speech_limits_name_the_field(changes: dict[str, Any], field: str) -> None:
    """Unknown voices, speeds out of range, other formats and empty text are refused by field."""
    values: dict[str, Any] = {"model": "local-speech", "text": "hello", "voice": "en", **changes}
    with pytest.raises(InvalidProviderRequest) as caught:
        LocalProvider().synthesize_speech(SpeechRequest(**values))
    assert caught.value.field == field


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="no espeak-ng command line to fall back to")
def test_speech_falls_back_to_the_cli_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the library the espeak-ng command line speaks, and the result says which engine ran."""
    monkeypatch.setattr(speech, "_library", lambda: None)
    result = LocalProvider().synthesize_speech(
        SpeechRequest(model="local-speech", text=SENTENCE, voice="en-us", output_format="wav")
    )
    assert result.request_id == "local-speech:espeak-ng CLI"
    assert 2 < wav_info(result.media[0].data)[3] < 10


def test_speech_without_any_engine_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    """With neither library nor command line, the error tells how to get espeak-ng."""
    monkeypatch.setattr(speech, "_library", lambda: None)
    monkeypatch.setattr(speech.shutil, "which", lambda _name: None)
    with pytest.raises(ProviderUnavailable, match="espeak-ng") as caught:
        LocalProvider().synthesize_speech(SpeechRequest(model="local-speech", text="hi", voice="en"))
    assert "install" in str(caught.value) and caught.value.provider == "local"


def test_video_with_speech_track(tmp_path: Path) -> None:
    """An H.264 yuv420p MP4 at the size and length asked for, with an AAC track of the same length."""
    updates: list[ProgressUpdate] = []
    result = LocalProvider().generate_video(
        VideoRequest(
            model="local-video", prompt=PROMPT, duration_seconds=2, resolution="640x360", with_audio=True
        ),
        on_progress=updates.append,
    )
    media = result.media[0]
    assert (media.mime_type, media.width, media.height, media.duration_seconds) == (
        "video/mp4",
        640,
        360,
        2.0,
    )
    probed = video.probe(media.data)
    assert (probed.video_codec, probed.width, probed.height, probed.audio_codec) == ("h264", 640, 360, "aac")
    assert probed.duration_seconds == pytest.approx(2.0, abs=0.1)
    assert probed.audio_seconds == pytest.approx(2.0, abs=0.1)
    assert result.usage == Usage(video_seconds=Decimal(2), video_audio=True, output_count=1)
    assert [update.percent for update in updates] == [0, 50, 100]
    assert result.request_id is not None and result.request_id.endswith(":libx264")
    reported = ffprobe(media.data, tmp_path, ".mp4")
    streams = {stream["codec_type"]: stream for stream in reported["streams"]}
    assert streams["video"]["codec_name"] == "h264" and streams["video"]["pix_fmt"] == "yuv420p"
    assert (streams["video"]["width"], streams["video"]["height"]) == (640, 360)
    assert streams["video"]["avg_frame_rate"] == "24/1" and int(streams["video"]["nb_frames"]) == 48
    assert float(streams["video"]["duration"]) == pytest.approx(2.0, abs=0.05)
    assert float(streams["audio"]["duration"]) == pytest.approx(2.0, abs=0.1)


def test_video_portrait_from_a_start_image_without_audio() -> None:
    """A 9:16 start image becomes a 720x1280 silent video; its first frame shows the picture."""
    start = Image.new("RGB", (360, 640), (200, 30, 30))
    buffer = io.BytesIO()
    start.save(buffer, format="PNG")
    result = LocalProvider().generate_video(
        VideoRequest(
            model="local-video",
            prompt="",
            duration_seconds=2,
            aspect_ratio="9:16",
            start_image=buffer.getvalue(),
            seed=1,
        )
    )
    probed = video.probe(result.media[0].data)
    assert (probed.width, probed.height, probed.audio_codec) == (720, 1280, None)
    assert probed.duration_seconds == pytest.approx(2.0, abs=0.1)
    with video.av.open(io.BytesIO(result.media[0].data)) as container:
        frame = next(container.decode(video=0)).to_image()
    red, green, blue = frame.getpixel((360, 640))  # type: ignore[misc]
    assert red > 150 and green < 80 and blue < 80
    assert result.usage.video_audio is False


def test_video_stops_when_cancelled() -> None:
    """A cancelled job stops encoding and says so."""
    token = CancelToken()

    def cancel_after_first(update: ProgressUpdate) -> None:
        token.cancel()

    with pytest.raises(JobCancelled, match="cancelled") as caught:
        LocalProvider().generate_video(
            VideoRequest(model="local-video", prompt=PROMPT, duration_seconds=20, resolution="1280x720"),
            on_progress=cancel_after_first,
            cancel=token,
        )
    assert caught.value.retryable is False and caught.value.provider == "local"


def test_mpeg4_is_the_fallback_encoder() -> None:
    """Without libx264 the encoder falls back to MPEG-4 part 2, still playable MP4."""
    frames = (Image.new("RGB", (160, 96), (index * 20, 0, 0)) for index in range(12))
    data = video.encode_mp4(frames, width=160, height=96, fps=24, codec="mpeg4")
    probed = video.probe(data)
    assert (probed.video_codec, probed.width, probed.height) == ("mpeg4", 160, 96)
    assert probed.duration_seconds == pytest.approx(0.5, abs=0.05)
    assert video.video_codec() in video.VIDEO_CODECS


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"duration_seconds": 1}, "duration_seconds"),
        ({"duration_seconds": 21}, "duration_seconds"),
        ({"resolution": "1920x1080"}, "resolution"),
        ({"aspect_ratio": "1:1"}, "aspect_ratio"),
        ({"start_image": b"not an image"}, "start_image"),
    ],
)
def test_video_limits_name_the_field(changes: dict[str, Any], field: str) -> None:
    """Durations, sizes and unreadable start images outside the limits are refused by field."""
    values: dict[str, Any] = {"model": "local-video", "prompt": "x", "duration_seconds": 2, **changes}
    with pytest.raises(InvalidProviderRequest) as caught:
        LocalProvider().generate_video(VideoRequest(**values))
    assert caught.value.field == field


def test_video_resolution_aliases() -> None:
    """720p and 360p map to the offered sizes, honouring the aspect ratio."""
    request = VideoRequest(
        model="local-video", prompt="x", duration_seconds=2, resolution="720p", aspect_ratio="9:16"
    )
    assert video_options(request).resolution == "720x1280"
    assert video_options(VideoRequest("local-video", "x", 2, resolution="360p")).resolution == "640x360"


def closed_port_url() -> str:
    """A loopback URL where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


TEXT = TextRequest(
    model="local-text",
    messages=(Message("user", "Name a colour."), Message("assistant", "Blue."), Message("user", "Another.")),
    system="Answer in one word.",
    temperature=0.2,
    max_output_tokens=16,
    seed=3,
)
MODELS = Reply(
    json={"object": "list", "data": [{"id": "llama3.2", "object": "model", "created": 0, "owned_by": "me"}]}
)


def completion(content: str = "Green.", finish: str = "stop") -> Reply:
    """A chat completion as Ollama sends it."""
    return Reply(
        json={
            "id": "chatcmpl-42",
            "object": "chat.completion",
            "created": 1764300000,
            "model": "llama3.2",
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": finish}
            ],
            "usage": {"prompt_tokens": 31, "completion_tokens": 3, "total_tokens": 34},
        }
    )


def text_server() -> FakeServer:
    """A fake Ollama speaking the OpenAI chat-completions format."""
    fake = FakeServer()
    fake.route("GET", r"/v1/models", MODELS)
    fake.route("POST", r"/v1/chat/completions", completion())
    return fake


def test_text_through_a_local_server() -> None:
    """The request goes to the configured server's first model; the answer and token counts come back."""
    fake = text_server()
    with fake.running():
        result = LocalProvider(base_url=f"{fake.url}/v1").generate_text(TEXT)
    sent = fake.calls("POST", r"/v1/chat/completions")
    assert len(sent) == 1 and sent[0].headers["authorization"] == "Bearer local"
    assert sent[0].json() == chat_payload(TEXT, text_options(TEXT), "llama3.2")
    assert sent[0].json()["messages"][0] == {"role": "system", "content": "Answer in one word."}
    assert (sent[0].json()["max_tokens"], sent[0].json()["temperature"], sent[0].json()["seed"]) == (
        16,
        0.2,
        3,
    )
    assert (result.text, result.request_id, result.finish_reason) == ("Green.", "chatcmpl-42", "stop")
    assert result.usage == Usage(input_tokens=31, output_tokens=3)
    assert (result.provider, result.model) == ("local", "local-text")


def test_text_with_a_named_model_and_key() -> None:
    """A chosen server model (setting or option) skips the model list; a key is sent as a bearer token."""
    fake = text_server()
    picked = TextRequest(model="local-text", messages=TEXT.messages, options={"server_model": "mistral"})
    with fake.running():
        LocalProvider(base_url=f"{fake.url}/v1", api_key="sk-local", text_model="qwen3").generate_text(TEXT)
        LocalProvider(base_url=f"{fake.url}/v1", text_model="qwen3").generate_text(picked)
    assert fake.calls("GET", r"/v1/models") == []
    first, second = fake.calls("POST", r"/v1/chat/completions")
    assert first.json()["model"] == "qwen3" and first.headers["authorization"] == "Bearer sk-local"
    assert second.json() == {
        "model": "mistral",
        "messages": [
            {"role": "user", "content": "Name a colour."},
            {"role": "assistant", "content": "Blue."},
            {"role": "user", "content": "Another."},
        ],
    }
    with pytest.raises(InvalidProviderRequest) as caught:
        text_options(TextRequest(model="local-text", messages=TEXT.messages, temperature=3))
    assert caught.value.field == "temperature"


def test_text_stream() -> None:
    """Streamed deltas arrive in order."""
    chunks = [
        {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "llama3.2", "choices": [choice]}
        for choice in (
            {"index": 0, "delta": {"role": "assistant", "content": "Gre"}, "finish_reason": None},
            {"index": 0, "delta": {"content": "en."}, "finish_reason": None},
            {"index": 0, "delta": {}, "finish_reason": "stop"},
        )
    ]
    body = "".join(f"data: {json.dumps(chunk)}\n\n" for chunk in chunks) + "data: [DONE]\n\n"
    fake = text_server()
    fake.enqueue(
        "POST",
        r"/v1/chat/completions",
        Reply(body=body.encode(), headers={"Content-Type": "text/event-stream"}),
    )
    with fake.running():
        pieces = list(LocalProvider(base_url=f"{fake.url}/v1").stream_text(TEXT))
    assert pieces == ["Gre", "en."]
    assert fake.calls("POST", r"/v1/chat/completions")[0].json()["stream"] is True


def test_text_without_a_server_says_how_to_add_one() -> None:
    """No base URL: a clear, non-retryable error, and no text is made up."""
    with pytest.raises(LocalTextNotConfigured) as caught:
        LocalProvider().generate_text(TEXT)
    assert isinstance(caught.value, ProviderUnavailable) and caught.value.retryable is False
    assert TEXT_SERVER_HINT in str(caught.value)
    assert "MEDIAWS_LOCAL_TEXT_BASE_URL=http://localhost:11434/v1" in str(caught.value)
    LocalProvider().test_key()


def test_text_server_not_answering() -> None:
    """A closed port is unavailable, with the same advice."""
    url = closed_port_url()
    with pytest.raises(ProviderUnavailable) as caught:
        LocalProvider(base_url=url, timeout=2).generate_text(TEXT)
    assert url in str(caught.value) and TEXT_SERVER_HINT in str(caught.value)
    with pytest.raises(ProviderUnavailable):
        LocalProvider(base_url=url, timeout=2).test_key()


def test_text_server_errors_map_to_our_tree() -> None:
    """Slow, refused-key, unknown-model, empty-list, filtered and unreadable answers each get their error."""
    fake = text_server()
    with fake.running():
        base = f"{fake.url}/v1"
        fake.enqueue("POST", r"/v1/chat/completions", Reply(delay=1.5))
        with pytest.raises(ProviderTimeout):
            LocalProvider(base_url=base, timeout=0.3).generate_text(TEXT)
        fake.enqueue("POST", r"/v1/chat/completions", Reply(401, json={"error": {"message": "bad key"}}))
        with pytest.raises(BadProviderKey, match="Settings → API keys") as bad_key:
            LocalProvider(base_url=base, api_key="sk-secret-local").generate_text(TEXT)
        assert "sk-secret-local" not in str(bad_key.value)
        fake.enqueue(
            "POST", r"/v1/chat/completions", Reply(404, json={"error": {"message": "model not found"}})
        )
        with pytest.raises(InvalidProviderRequest, match=r"ollama pull llama3\.2") as missing:
            LocalProvider(base_url=base).generate_text(TEXT)
        assert missing.value.field == "model"
        fake.enqueue("GET", r"/v1/models", Reply(json={"object": "list", "data": []}))
        with pytest.raises(LocalTextNotConfigured, match="no models"):
            LocalProvider(base_url=base).generate_text(TEXT)
        fake.enqueue("POST", r"/v1/chat/completions", completion("", finish="content_filter"))
        with pytest.raises(ContentRefused):
            LocalProvider(base_url=base).generate_text(TEXT)
        fake.enqueue("POST", r"/v1/chat/completions", Reply(json={"id": "x", "object": "chat.completion"}))
        with pytest.raises(ProviderUnavailable, match="without a message"):
            LocalProvider(base_url=base).generate_text(TEXT)
        fake.enqueue(
            "POST",
            r"/v1/chat/completions",
            Reply(body=b"{not json", headers={"Content-Type": "application/json"}),
        )
        with pytest.raises(ProviderUnavailable, match="could not be read"):
            LocalProvider(base_url=base).generate_text(TEXT)


def test_text_retries_busy_and_failing_servers() -> None:
    """429 with Retry-After waits that long, a 500 is retried, then the answer comes through."""
    fake = text_server()
    fake.enqueue(
        "POST",
        r"/v1/chat/completions",
        Reply(429, json={"error": {"message": "busy"}}, headers={"Retry-After": "3"}),
        Reply(500, json={"error": {"message": "boom"}}),
    )
    sleeps: list[float] = []
    with fake.running():
        provider = LocalProvider(base_url=f"{fake.url}/v1", text_model="llama3.2")
        result = with_retries(
            lambda: provider.generate_text(TEXT), policy=RetryPolicy(attempts=3), sleep=sleeps.append
        )
    assert result.text == "Green." and len(fake.calls("POST", r"/v1/chat/completions")) == 3
    assert sleeps[0] == 3.0 and len(sleeps) == 2
    busy = text_server()
    busy.enqueue("POST", r"/v1/chat/completions", Reply(429, json={"error": {"message": "busy"}}))
    with busy.running(), pytest.raises(RateLimited) as caught:
        LocalProvider(base_url=f"{busy.url}/v1", text_model="m").generate_text(TEXT)
    assert caught.value.retry_after is None and caught.value.provider == "local"
