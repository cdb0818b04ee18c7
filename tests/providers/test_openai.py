"""OpenAI over the wire: the real SDK talks HTTP to a fake OpenAI on 127.0.0.1."""

from __future__ import annotations

import base64
import io
import json
import random
import wave
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
from PIL import Image

from mediaws.errors import (
    BadProviderKey,
    ContentRefused,
    InvalidProviderRequest,
    ProviderError,
    ProviderTimeout,
    ProviderUnavailable,
    QuotaExceeded,
)
from mediaws.pricing.cost import cost
from mediaws.providers.base import (
    Capability,
    GenerationResult,
    ImageRequest,
    Message,
    Registry,
    SpeechRequest,
    TextRequest,
    UnusableAnswer,
    Usage,
)
from mediaws.providers.openai import (
    ErrorContext,
    OpenAIProvider,
    StreamState,
    chat_params,
    check_gpt_image_2_size,
    gpt_image_2_output_tokens,
    register,
    scrub,
)
from mediaws.providers.retry import retry_after_seconds, with_retries
from tests.providers.fakeserver import FakeServer, Reply

KEY = "sk-proj-test0123456789abcdef"
CHAT = r"/v1/chat/completions"
GENERATIONS = r"/v1/images/generations"
EDITS = r"/v1/images/edits"
SPEECH = r"/v1/audio/speech"
TEXT_REQUEST = TextRequest(
    model="gpt-5.4-mini",
    messages=(Message("user", "Hi"), Message("assistant", "Hello."), Message("user", "Name a colour.")),
    system="Be brief.",
    max_output_tokens=50,
    seed=7,
)
IMAGE_REQUEST = ImageRequest(
    model="gpt-image-2", prompt="a red fox", size="1536x1024", quality="high", count=2
)
SPEECH_REQUEST = SpeechRequest(model="tts-1", text="Hello there.", voice="coral", speed=1.25)
CTX = ErrorContext("openai", "OpenAI", 5.0)


def png(width: int = 24, height: int = 16) -> bytes:
    """A small real PNG."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), "red").save(out, format="PNG")
    return out.getvalue()


def chat_body(text: str = "Teal.", *, refusal: str | None = None, finish: str = "stop") -> dict[str, Any]:
    """A chat.completion as OpenAI sends it."""
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1764300000,
        "model": "gpt-5.4-mini-2026-03-17",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text, "refusal": refusal},
                "finish_reason": finish,
            }
        ],
        "usage": {
            "prompt_tokens": 1234,
            "completion_tokens": 567,
            "total_tokens": 1801,
            "prompt_tokens_details": {"cached_tokens": 200, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 64},
        },
    }


def image_body(count: int = 2) -> dict[str, Any]:
    """An images response from gpt-image-2, with token usage."""
    return {
        "created": 1764300000,
        "data": [{"b64_json": base64.b64encode(png()).decode()} for _ in range(count)],
        "output_format": "png",
        "quality": "high",
        "size": "1536x1024",
        "usage": {
            "input_tokens": 1510,
            "input_tokens_details": {"text_tokens": 10, "image_tokens": 1500},
            "output_tokens": 10976,
            "output_tokens_details": {"image_tokens": 10976, "text_tokens": 0},
            "total_tokens": 12486,
        },
    }


def ok(json_body: Any, request_id: str = "req_123") -> Reply:
    """A 200 JSON reply with a request id."""
    return Reply(json=json_body, headers={"x-request-id": request_id})


def audio_reply(data: bytes = b"ID3fake-mp3-bytes") -> Reply:
    """A binary audio reply."""
    return Reply(body=data, headers={"Content-Type": "audio/mpeg", "x-request-id": "req_audio"})


def error(
    status: int,
    message: str,
    *,
    code: str | None = None,
    param: str | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    """An OpenAI error body."""
    body = {"error": {"message": message, "type": "invalid_request_error", "param": param, "code": code}}
    return Reply(status, json=body, headers=headers or {})


def sse(*chunks: dict[str, Any]) -> Reply:
    """A text/event-stream body of chat chunks ending with [DONE]."""
    events = b"".join(b"data: " + json.dumps(c).encode() + b"\n\n" for c in chunks) + b"data: [DONE]\n\n"
    return Reply(body=events, headers={"Content-Type": "text/event-stream", "x-request-id": "req_stream"})


def chunk(content: str | None = None, finish: str | None = None, **extra: Any) -> dict[str, Any]:
    """One chat.completion.chunk."""
    delta: dict[str, Any] = {} if content is None else {"content": content}
    delta.update(extra)
    return {
        "id": "chatcmpl-s",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "gpt-5.4-mini",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


@pytest.fixture(scope="module")
def shared_server() -> Iterator[FakeServer]:
    """The module's running fake OpenAI."""
    server = FakeServer()
    with server.running():
        yield server


@pytest.fixture
def fake(shared_server: FakeServer) -> FakeServer:
    """A clean fake OpenAI for one test."""
    shared_server.reset()
    return shared_server


def make(fake: FakeServer, *, timeout: float = 5.0, key: str | None = KEY) -> OpenAIProvider:
    """The provider pointed at the fake."""
    return OpenAIProvider(api_key=key, base_url=f"{fake.url}/v1", timeout=timeout)


def _drain(stream: Iterator[str]) -> GenerationResult:
    """Consume a stream and return the generator's final result."""
    while True:
        try:
            next(stream)
        except StopIteration as stop:
            assert isinstance(stop.value, GenerationResult)
            return stop.value


Call = Callable[[OpenAIProvider], GenerationResult]
CAPABILITIES: dict[str, tuple[str, Reply, Call]] = {
    "text": (CHAT, ok(chat_body()), lambda p: p.generate_text(TEXT_REQUEST)),
    "stream": (CHAT, sse(chunk("Hi"), chunk(finish="stop")), lambda p: _drain(p.stream_text(TEXT_REQUEST))),
    "image": (GENERATIONS, ok(image_body()), lambda p: p.generate_image(IMAGE_REQUEST)),
    "speech": (SPEECH, audio_reply(), lambda p: p.synthesize_speech(SPEECH_REQUEST)),
}


def test_cache_writes_in_chat_usage_are_billed_as_30_minute_writes(fake: FakeServer) -> None:
    """GPT-6 reports cache_write_tokens inside prompt_tokens; they are kept and priced at the write rate."""
    body = chat_body()
    body["usage"]["prompt_tokens_details"] = {"cached_tokens": 200, "cache_write_tokens": 1000}
    fake.route("POST", CHAT, ok(body, "req_w"))
    result = make(fake).generate_text(replace(TEXT_REQUEST, model="gpt-6.1-terra"))
    assert result.usage == Usage(
        input_tokens=1234, output_tokens=567, cached_input_tokens=200, cache_write_30m_tokens=1000
    )
    # 34 x $1 + 200 x $0.05 + 1,000 x $1.25 + 567 x $5 = 34 + 10 + 1,250 + 2,835 µ$.
    assert cost("openai", "gpt-6.1-terra", result.usage).micros == 4_129


def test_generate_text_sends_chat_completion_and_reads_usage(fake: FakeServer) -> None:
    """System first, then turns; GPT-5.x gets max_completion_tokens and no temperature; cached tokens kept."""
    fake.route("POST", CHAT, ok(chat_body(), "req_text"))
    result = make(fake).generate_text(TEXT_REQUEST)
    sent = fake.calls("POST", CHAT)[0]
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert "openai-organization" not in sent.headers
    assert sent.json() == {
        "model": "gpt-5.4-mini",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Hello."},
            {"role": "user", "content": "Name a colour."},
        ],
        "max_completion_tokens": 50,
        "seed": 7,
    }
    assert (result.text, result.finish_reason, result.request_id) == ("Teal.", "stop", "req_text")
    assert (result.provider, result.model, result.capability) == ("openai", "gpt-5.4-mini", Capability.TEXT)
    assert (result.usage.input_tokens, result.usage.cached_input_tokens, result.usage.output_tokens) == (
        1234,
        200,
        567,
    )


def test_temperature_goes_to_gpt_4_1_and_is_refused_for_reasoning_models(fake: FakeServer) -> None:
    """GPT-4.1 takes temperature; GPT-5.5 does not, and we say so before sending anything."""
    fake.route("POST", CHAT, ok(chat_body()))
    provider = make(fake)
    provider.generate_text(TextRequest(model="gpt-4.1", messages=(Message("user", "x"),), temperature=0.3))
    assert fake.calls("POST", CHAT)[0].json()["temperature"] == 0.3
    with pytest.raises(InvalidProviderRequest) as caught:
        provider.generate_text(
            TextRequest(model="gpt-5.5", messages=(Message("user", "x"),), temperature=0.3)
        )
    assert caught.value.field == "temperature"
    with pytest.raises(InvalidProviderRequest) as too_long:
        provider.generate_text(
            TextRequest(model="gpt-4.1", messages=(Message("user", "x"),), max_output_tokens=40_000)
        )
    assert too_long.value.field == "max_output_tokens"
    with pytest.raises(InvalidProviderRequest) as unknown:
        provider.generate_text(TextRequest(model="gpt-3.5-turbo", messages=(Message("user", "x"),)))
    assert unknown.value.field == "model"
    assert len(fake.calls("POST", CHAT)) == 1


def test_stream_text_yields_pieces_and_returns_usage(fake: FakeServer) -> None:
    """Deltas arrive in order; the final chunk's usage lands in the returned result."""
    usage = {
        "prompt_tokens": 12,
        "completion_tokens": 3,
        "total_tokens": 15,
        "prompt_tokens_details": {"cached_tokens": 0},
    }
    fake.route(
        "POST",
        CHAT,
        sse(
            chunk("", role="assistant"),
            chunk("Te"),
            chunk("al"),
            chunk(".", finish="stop"),
            {**chunk(), "choices": [], "usage": usage},
        ),
    )
    stream = make(fake).stream_text(TEXT_REQUEST)
    pieces = []
    while True:
        try:
            pieces.append(next(stream))
        except StopIteration as stop:
            result = stop.value
            break
    body = fake.calls("POST", CHAT)[0].json()
    assert (body["stream"], body["stream_options"]) == (True, {"include_usage": True})
    assert pieces == ["Te", "al", "."]
    assert (result.text, result.finish_reason, result.request_id) == ("Teal.", "stop", "req_stream")
    assert (result.usage.input_tokens, result.usage.output_tokens) == (12, 3)


def test_generate_image_sends_size_quality_count_and_decodes(fake: FakeServer) -> None:
    """gpt-image-2 gets n/size/quality; images decode to PNG bytes with dimensions and token usage."""
    fake.route("POST", GENERATIONS, ok(image_body(), "req_img"))
    result = make(fake).generate_image(IMAGE_REQUEST)
    sent = fake.calls("POST", GENERATIONS)[0]
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.json() == {
        "model": "gpt-image-2",
        "prompt": "a red fox",
        "n": 2,
        "size": "1536x1024",
        "quality": "high",
    }
    assert [m.data for m in result.media] == [png(), png()]
    assert {(m.mime_type, m.width, m.height) for m in result.media} == {("image/png", 24, 16)}
    usage = result.usage
    assert (usage.input_tokens, usage.image_input_tokens, usage.image_output_tokens) == (10, 1500, 10976)
    assert (usage.image_count, usage.image_size, usage.image_quality, usage.output_count) == (
        2,
        "1536x1024",
        "high",
        2,
    )
    assert (result.capability, result.request_id) == (Capability.IMAGE, "req_img")


def test_image_edit_uploads_the_input_image_as_multipart(fake: FakeServer) -> None:
    """With an input image the request goes to /images/edits as multipart form data."""
    fake.route("POST", EDITS, ok(image_body(1), "req_edit"))
    source = png(32, 32)
    request = ImageRequest(
        model="gpt-image-2", prompt="make it blue", input_image=source, input_image_mime="image/png"
    )
    result = make(fake).generate_image(request)
    sent = fake.calls("POST", EDITS)[0]
    assert sent.headers["content-type"].startswith("multipart/form-data")
    assert b'name="prompt"\r\n\r\nmake it blue' in sent.body
    assert b'name="model"\r\n\r\ngpt-image-2' in sent.body
    assert b'filename="input.png"' in sent.body and source in sent.body
    assert (len(result.media), result.usage.image_input_tokens, result.request_id) == (1, 1500, "req_edit")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"count": 11}, "count"),
        ({"size": "1000x1000"}, "size"),
        ({"size": "512x512"}, "size"),
        ({"size": "3840x1024"}, "size"),
        ({"quality": "hd"}, "quality"),
        ({"negative_prompt": "blur"}, "negative_prompt"),
        ({"model": "dall-e-3"}, "model"),
    ],
)
def test_image_limits_are_checked_before_sending(
    fake: FakeServer, change: dict[str, Any], field: str
) -> None:
    """Sizes outside gpt-image-2's rules, >10 images, DALL-E options and retired models never leave."""
    values = {"model": "gpt-image-2", "prompt": "x", **change}
    with pytest.raises(InvalidProviderRequest) as caught:
        make(fake).generate_image(ImageRequest(**values))
    assert caught.value.field == field
    assert fake.requests == []


def test_gpt_image_2_6_sends_its_planning_complexity(fake: FakeServer) -> None:
    """GPT Image 2.6 takes complexity, sent as OpenAI names it; the cost is gpt-image-2's token prices."""
    fake.route("POST", GENERATIONS, ok(image_body(1), "req_26"))
    request = ImageRequest(
        model="gpt-image-2.6-sunburst", prompt="a red fox", quality="low", options={"complexity": "low"}
    )
    result = make(fake).generate_image(request)
    assert fake.calls("POST", GENERATIONS)[0].json() == {
        "model": "gpt-image-2.6-sunburst",
        "prompt": "a red fox",
        "n": 1,
        "size": "auto",
        "quality": "low",
        "complexity": "low",
    }
    assert result.model == "gpt-image-2.6-sunburst" and result.usage.image_output_tokens > 0


@pytest.mark.parametrize(
    ("model", "values", "field"),
    [
        ("gpt-image-2.5-flare", {"options": {"complexity": "low"}}, "complexity"),
        ("gpt-image-2", {"options": {"complexity": "high"}}, "complexity"),
        ("gpt-image-2.6-flare", {"options": {"complexity": "extreme"}}, "complexity"),
        ("gpt-image-2.6-flare", {"quality": "xhigh"}, "quality"),
        ("gpt-image-2.5-sunburst", {"quality": "max"}, "quality"),
    ],
)
def test_gpt_image_2_x_options_are_checked_before_sending(
    fake: FakeServer, model: str, values: dict[str, Any], field: str
) -> None:
    """Complexity only on 2.6; xhigh and max (which no quote can price) on none."""
    with pytest.raises(InvalidProviderRequest) as caught:
        make(fake).generate_image(ImageRequest(model=model, prompt="x", **values))
    assert caught.value.field == field
    assert fake.requests == []


def test_synthesize_speech_sends_voice_speed_format_and_returns_audio(fake: FakeServer) -> None:
    """Binary audio comes back as media, billed per character."""
    fake.route("POST", SPEECH, audio_reply())
    result = make(fake).synthesize_speech(SPEECH_REQUEST)
    sent = fake.calls("POST", SPEECH)[0]
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.json() == {
        "model": "tts-1",
        "input": "Hello there.",
        "voice": "coral",
        "response_format": "mp3",
        "speed": 1.25,
    }
    assert (result.media[0].data, result.media[0].mime_type) == (b"ID3fake-mp3-bytes", "audio/mpeg")
    assert (result.usage.characters, result.usage.output_count, result.request_id) == (12, 1, "req_audio")


def test_speech_durations_for_pcm_and_wav(fake: FakeServer) -> None:
    """Raw PCM (24 kHz, 16-bit mono) and WAV report their length."""
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(24_000)
        wav.writeframes(b"\0\0" * 12_000)
    fake.enqueue("POST", SPEECH, audio_reply(b"\0" * 96_000), audio_reply(out.getvalue()))
    provider = make(fake)
    pcm = provider.synthesize_speech(
        SpeechRequest(model="tts-1-hd", text="x", voice="nova", output_format="pcm")
    )
    wav_result = provider.synthesize_speech(
        SpeechRequest(model="tts-1-hd", text="x", voice="nova", output_format="wav")
    )
    assert (pcm.media[0].duration_seconds, pcm.media[0].mime_type) == (2.0, "audio/L16;rate=24000;channels=1")
    assert (wav_result.media[0].duration_seconds, wav_result.media[0].mime_type) == (0.5, "audio/wav")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"voice": "marin"}, "voice"),
        ({"speed": 4.5}, "speed"),
        ({"output_format": "ogg"}, "output_format"),
        ({"stability": 0.5}, "stability"),
        ({"text": "x" * 4097}, "text"),
        ({"model": "gpt-4o-mini-tts"}, "model"),
    ],
)
def test_speech_limits_are_checked_before_sending(
    fake: FakeServer, change: dict[str, Any], field: str
) -> None:
    """Voices, speed, formats and the 4,096-character limit are checked locally."""
    values = {"model": "tts-1", "text": "hi", "voice": "alloy", **change}
    with pytest.raises(InvalidProviderRequest) as caught:
        make(fake).synthesize_speech(SpeechRequest(**values))
    assert caught.value.field == field
    assert fake.requests == []


def test_test_key_lists_models(fake: FakeServer) -> None:
    """A good key lists models; a bad one is BadProviderKey."""
    fake.enqueue("GET", r"/v1/models", ok({"object": "list", "data": [{"id": "gpt-5.5", "object": "model"}]}))
    fake.enqueue(
        "GET", r"/v1/models", error(401, f"Incorrect API key provided: {KEY}.", code="invalid_api_key")
    )
    provider = make(fake)
    provider.test_key()
    with pytest.raises(BadProviderKey):
        provider.test_key()
    assert fake.calls("GET", r"/v1/models")[0].headers["authorization"] == f"Bearer {KEY}"


def test_no_key_is_refused_without_reading_the_environment(
    fake: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The SDK would fall back to OPENAI_API_KEY; we refuse instead and send nothing."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env-0000000000")
    with pytest.raises(BadProviderKey, match="Settings → API keys"):
        make(fake, key=None).generate_text(TEXT_REQUEST)
    assert fake.requests == []


def test_server_environment_does_not_leak_into_requests(
    fake: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """OPENAI_ORG_ID / OPENAI_PROJECT_ID of the server are not sent with a user's key."""
    monkeypatch.setenv("OPENAI_ORG_ID", "org-server")
    monkeypatch.setenv("OPENAI_PROJECT_ID", "proj-server")
    fake.route("POST", CHAT, ok(chat_body()))
    make(fake).generate_text(TEXT_REQUEST)
    headers = fake.calls("POST", CHAT)[0].headers
    assert "openai-organization" not in headers and "openai-project" not in headers


@pytest.mark.parametrize("capability", CAPABILITIES)
def test_401_is_bad_key_and_never_echoes_it(fake: FakeServer, capability: str) -> None:
    """OpenAI's 401 message contains the key; ours names the fix and not the key."""
    path, _success, call = CAPABILITIES[capability]
    fake.route("POST", path, error(401, f"Incorrect API key provided: {KEY}.", code="invalid_api_key"))
    with pytest.raises(BadProviderKey) as caught:
        call(make(fake))
    message = str(caught.value)
    assert "OpenAI says the key is invalid" in message and "Settings → API keys" in message
    assert KEY not in message and "sk-" not in message
    assert caught.value.provider == "openai"
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


@pytest.mark.parametrize("capability", CAPABILITIES)
def test_429_waits_retry_after_then_succeeds(fake: FakeServer, capability: str) -> None:
    """RateLimited carries Retry-After; with_retries sleeps exactly that long and tries again."""
    path, success, call = CAPABILITIES[capability]
    fake.route("POST", path, success)
    fake.enqueue(
        "POST",
        path,
        error(429, "Rate limit reached.", code="rate_limit_exceeded", headers={"Retry-After": "3"}),
    )
    sleeps: list[float] = []
    provider = make(fake)
    result = with_retries(lambda: call(provider), sleep=sleeps.append)
    assert sleeps == [3.0]
    assert len(fake.calls("POST", path)) == 2
    assert result.provider == "openai"


@pytest.mark.parametrize("capability", CAPABILITIES)
def test_500_is_unavailable_then_retried(fake: FakeServer, capability: str) -> None:
    """A server error is retryable; the second attempt succeeds after a jittered wait."""
    path, success, call = CAPABILITIES[capability]
    fake.route("POST", path, success)
    fake.enqueue("POST", path, error(500, "The server had an error.", code="server_error"))
    sleeps: list[float] = []
    provider = make(fake)
    with pytest.raises(ProviderUnavailable, match="HTTP 500"):
        call(provider)
    fake.enqueue("POST", path, error(503, "Overloaded."))
    result = with_retries(lambda: call(provider), sleep=sleeps.append, rng=random.Random(1))
    assert len(sleeps) == 1 and 0 <= sleeps[0] <= 0.5
    assert result.capability in (Capability.TEXT, Capability.IMAGE, Capability.SPEECH)


@pytest.mark.parametrize("capability", CAPABILITIES)
def test_slow_answer_is_a_timeout(fake: FakeServer, capability: str) -> None:
    """No answer within the provider's timeout is ProviderTimeout (retryable)."""
    path, _success, call = CAPABILITIES[capability]
    fake.route("POST", path, Reply(json={}, delay=1.0))
    with pytest.raises(ProviderTimeout, match=r"within 0\.2 s") as caught:
        call(make(fake, timeout=0.2))
    assert caught.value.retryable


MALFORMED = {
    "text": Reply(body=b"<html>oops</html>", headers={"Content-Type": "application/json"}),
    "stream": Reply(body=b"data: {not json}\n\n", headers={"Content-Type": "text/event-stream"}),
    "image": Reply(json={"created": 1, "data": [{"b64_json": "%%% not base64 %%%"}]}),
    "speech": Reply(body=b"", headers={"Content-Type": "audio/mpeg"}),
}


@pytest.mark.parametrize("capability", CAPABILITIES)
def test_malformed_body_is_unavailable(fake: FakeServer, capability: str) -> None:
    """A success we cannot read is UnusableAnswer with a clear message, never retried (it may be billed)."""
    path, _success, call = CAPABILITIES[capability]
    fake.route("POST", path, MALFORMED[capability])
    with pytest.raises(UnusableAnswer, match="could not read") as caught:
        call(make(fake))
    assert not caught.value.retryable


def test_wrong_shape_json_is_unavailable(fake: FakeServer) -> None:
    """Valid JSON without choices or images is unreadable, not a crash."""
    fake.route("POST", CHAT, ok({"unexpected": True}))
    fake.route("POST", GENERATIONS, ok({"created": 1, "data": []}))
    with pytest.raises(UnusableAnswer, match="could not read"):
        make(fake).generate_text(TEXT_REQUEST)
    with pytest.raises(UnusableAnswer, match="no images"):
        make(fake).generate_image(IMAGE_REQUEST)


REFUSALS = {
    "text": ok(chat_body("", refusal="I can't help with that.")),
    "stream": sse(chunk(refusal="I can't "), chunk(refusal="help.", finish="stop")),
    "image": error(400, "Your request was rejected by the safety system.", code="moderation_blocked"),
    "speech": error(400, "This request violates our usage policies.", code="content_policy_violation"),
}


@pytest.mark.parametrize("capability", CAPABILITIES)
def test_policy_refusal_is_content_refused(fake: FakeServer, capability: str) -> None:
    """Model refusals and moderation blocks are ContentRefused, not retried."""
    path, _success, call = CAPABILITIES[capability]
    fake.route("POST", path, REFUSALS[capability])
    with pytest.raises(ContentRefused) as caught:
        call(make(fake))
    assert not caught.value.retryable


def test_content_filter_finish_is_content_refused(fake: FakeServer) -> None:
    """A completion cut off by the content filter is a refusal."""
    fake.route("POST", CHAT, ok(chat_body("", finish="content_filter")))
    with pytest.raises(ContentRefused, match="content policy"):
        make(fake).generate_text(TEXT_REQUEST)


@pytest.mark.parametrize(
    ("reply", "kind", "field"),
    [
        (error(429, "You exceeded your current quota.", code="insufficient_quota"), QuotaExceeded, None),
        (
            error(400, "Invalid value: 'x'.", code="invalid_value", param="messages[0].role"),
            InvalidProviderRequest,
            "messages[0].role",
        ),
        (
            error(404, "The model `gpt-9` does not exist.", code="model_not_found"),
            InvalidProviderRequest,
            "model",
        ),
        (error(403, "Project does not have access to model.", code="model_not_found"), BadProviderKey, None),
        (error(422, "Unprocessable."), InvalidProviderRequest, None),
        (error(502, "Bad gateway."), ProviderUnavailable, None),
    ],
)
def test_other_status_codes_map_to_our_errors(
    fake: FakeServer, reply: Reply, kind: type[ProviderError], field: str | None
) -> None:
    """Quota, bad parameters, unknown models, permissions and gateways each get their own error."""
    fake.route("POST", CHAT, reply)
    with pytest.raises(kind) as caught:
        make(fake).generate_text(TEXT_REQUEST)
    assert getattr(caught.value, "field", None) == field
    if kind is QuotaExceeded:
        assert "Billing" in str(caught.value) and not caught.value.retryable


def test_unreachable_server_is_unavailable() -> None:
    """Connection refused is ProviderUnavailable naming the base URL as the thing to check."""
    fake = FakeServer()
    with fake.running():
        url = fake.url
    provider = OpenAIProvider(api_key=KEY, base_url=f"{url}/v1", timeout=2)
    with pytest.raises(ProviderUnavailable, match="Could not reach OpenAI"):
        provider.generate_text(TEXT_REQUEST)


def test_chat_params_is_pure() -> None:
    """Only set fields are sent; the limit field name is chosen by the caller."""
    request = TextRequest(model="m", messages=(Message("user", "q"),), temperature=0.0, max_output_tokens=9)
    assert chat_params(request, max_tokens_field="max_tokens") == {
        "model": "m",
        "messages": [{"role": "user", "content": "q"}],
        "temperature": 0.0,
        "max_tokens": 9,
    }


def test_retry_after_forms() -> None:
    """Seconds, milliseconds and HTTP dates all become seconds."""
    assert retry_after_seconds({"Retry-After": "2"}) == 2.0
    assert retry_after_seconds({"retry-after-ms": "1500", "retry-after": "9"}) == 1.5
    assert retry_after_seconds({"Retry-After": "Sat, 28 Nov 2026 00:00:10 GMT"}, now=1_795_824_000.0) == 10.0
    assert retry_after_seconds({"Retry-After": "soon"}) is None
    assert retry_after_seconds({}) is None


def test_scrub_removes_keys() -> None:
    """Known secrets and key-shaped strings are masked."""
    assert scrub("bad key sk-abc***wxyz here", ()) == "bad key [key] here"
    assert scrub("token s3cret!", ("s3cret!",)) == "token [key]"


@pytest.mark.parametrize(
    "size", ["auto", "1024x1024", "1536x1024", "1024x1536", "3840x2160", "2048x688", "1024x640"]
)
def test_gpt_image_2_sizes_allowed(size: str) -> None:
    """Standard sizes, 4K and custom sizes within the rules pass."""
    assert check_gpt_image_2_size(size) == size


@pytest.mark.parametrize(
    "size", ["1024", "1000x1000", "4096x1024", "3840x1200", "512x512", "2400x784", "3840x2176"]
)
def test_gpt_image_2_sizes_refused(size: str) -> None:
    """Non-16 steps, edges over 3840, too few/many pixels and ratios beyond 3:1 fail."""
    with pytest.raises(ValueError):
        check_gpt_image_2_size(size)


def test_gpt_image_2_output_tokens_match_openai_calculator() -> None:
    """Published figures: high 1024x1024 = 7,024 tokens, high 1536x1024 = 5,488; auto assumes the dearest."""
    assert gpt_image_2_output_tokens("high", "1024x1024") == 7024
    assert gpt_image_2_output_tokens("high", "1536x1024") == 5488
    assert gpt_image_2_output_tokens("auto", "auto") == 7024
    assert gpt_image_2_output_tokens("low", "1024x1024") < gpt_image_2_output_tokens("medium", "1024x1024")


def test_stream_state_accumulates_refusal_until_finish() -> None:
    """A refusal split over chunks raises once finished, with the whole text."""
    state = StreamState()
    assert state.feed(chunk(refusal="I can't "), CTX) == ""
    with pytest.raises(ContentRefused, match="I can't help"):
        state.feed(chunk(refusal="help.", finish="stop"), CTX)


def test_models_and_registration() -> None:
    """Every capability is offered, each model validates its own options, and register() adds the class."""
    registry = Registry()
    register(registry)
    assert registry.provider("openai") is OpenAIProvider
    capabilities = {info.capability for info in OpenAIProvider.models()}
    assert capabilities == {Capability.TEXT, Capability.IMAGE, Capability.SPEECH}
    assert registry.model("openai", "gpt-image-2").validate_options({"size": "2048x1152", "count": 10})
    with pytest.raises(InvalidProviderRequest):
        registry.model("openai", "tts-1").validate_options({"voice": "alloy", "speed": 0.1})
