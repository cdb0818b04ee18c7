"""ElevenLabs provider: wire translation, prices, voice cache, and the SDK talking HTTP to a fake server."""

from __future__ import annotations

import datetime
import io
import random
import wave
from collections.abc import Iterator
from typing import Any

import pytest

from mediaws.errors import (
    BadProviderKey,
    ContentRefused,
    InvalidProviderRequest,
    ProviderTimeout,
    ProviderUnavailable,
    QuotaExceeded,
    RateLimited,
)
from mediaws.pricing.cost import cost, estimate
from mediaws.providers import elevenlabs
from mediaws.providers.base import Capability, Registry, SpeechRequest, Usage
from mediaws.providers.elevenlabs import (
    VOICES,
    ElevenLabsProvider,
    billed_characters,
    duration_seconds,
    register,
    speech_params,
)
from mediaws.providers.retry import retry_after_seconds, with_retries
from tests.providers.fakeserver import FakeServer, Reply

KEY = "sk_test_0123456789abcdef"
VOICE = "JBFqnCBv73JqnFnWJqrW"
TTS = rf"/v1/text-to-speech/{VOICE}"
MP3 = b"ID3\x04\x00fake-mp3-frames"
AUDIO = Reply(body=MP3, headers={"Content-Type": "audio/mpeg", "request-id": "req_tts_1"})


def _request(**overrides: Any) -> SpeechRequest:
    values: dict[str, Any] = {"model": "eleven_flash_v2_5", "text": "Hello there.", "voice": VOICE}
    values.update(overrides)
    return SpeechRequest(**values)


def _error(status: int, detail: Any, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, json={"detail": detail}, headers=headers or {})


@pytest.fixture(scope="module")
def server() -> Iterator[FakeServer]:
    """One fake server per module: starting and stopping one costs half a second."""
    running = FakeServer()
    with running.running():
        yield running


@pytest.fixture
def fake(server: FakeServer) -> Iterator[FakeServer]:
    """The shared server, emptied, answering speech with MP3 bytes; the voice cache starts empty."""
    server.reset()
    server.route("POST", TTS, AUDIO)
    VOICES.clear()
    yield server
    VOICES.clear()


def _provider(fake: FakeServer, timeout: float = 5.0, key: str = KEY) -> ElevenLabsProvider:
    return ElevenLabsProvider(api_key=key, base_url=fake.url, timeout=timeout)


def test_params_translate_request() -> None:
    """Voice settings, language and the output format go where the API wants them."""
    params = speech_params(_request(speed=1.1, stability=0.4, language="de", output_format="pcm"))
    assert params == {
        "voice_id": VOICE,
        "text": "Hello there.",
        "model_id": "eleven_flash_v2_5",
        "output_format": "pcm_24000",
        "voice_settings": {"stability": 0.4, "speed": 1.1},
        "language_code": "de",
    }
    plain = speech_params(_request(model="eleven_multilingual_v2"))
    assert plain["output_format"] == "mp3_44100_128"
    assert "voice_settings" not in plain and "language_code" not in plain


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"speed": 1.5}, "speed"),
        ({"speed": 0.5}, "speed"),
        ({"stability": 1.2}, "stability"),
        ({"output_format": "flac"}, "output_format"),
        ({"language": "xx"}, "language"),
        ({"language": "de", "model": "eleven_multilingual_v2"}, "language"),
        ({"text": "a" * 5001, "model": "eleven_v3"}, "text"),
        ({"text": "a" * 10_001, "model": "eleven_multilingual_v2"}, "text"),
        ({"text": "   "}, "text"),
        ({"voice": ""}, "voice"),
        ({"model": "eleven_monolingual_v1"}, "model"),
    ],
)
def test_params_refuse_outside_limits(overrides: dict[str, Any], field: str) -> None:
    """Settings outside each model's published limits fail before sending, naming the field."""
    with pytest.raises(InvalidProviderRequest) as caught:
        speech_params(_request(**overrides))
    assert caught.value.field == field


def test_models_options() -> None:
    """Models are speech models with real option limits; v3 and v4 take any ISO code, v2.5 only its 32."""
    by_id = {m.id: m for m in ElevenLabsProvider.models()}
    assert set(by_id) == {
        "eleven_v4",
        "eleven_multilingual_v2",
        "eleven_v3",
        "eleven_flash_v2_5",
        "eleven_turbo_v2_5",
    }
    assert by_id["eleven_v4"].validate_options({"language": "sw", "stability": 0.5})
    with pytest.raises(InvalidProviderRequest, match="speed"):
        by_id["eleven_v4"].validate_options({"speed": 0.9})
    assert all(m.capability is Capability.SPEECH for m in by_id.values())
    assert by_id["eleven_v3"].validate_options({"language": "sw"})
    assert by_id["eleven_turbo_v2_5"].validate_options({"language": "vi", "speed": 0.7, "stability": 0})
    for bad in ({"language": "sw"}, {"similarity": 1}):
        with pytest.raises(InvalidProviderRequest):
            by_id["eleven_flash_v2_5"].validate_options(bad)


def test_durations_and_billed_characters() -> None:
    """Raw and WAV audio get an exact duration; the larger of text length and reported count is billed."""
    assert duration_seconds("pcm_24000", b"\x00" * 48_000) == 1.0
    assert duration_seconds("ulaw_8000", b"\x00" * 4_000) == 0.5
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16_000)
        out.writeframes(b"\x00\x00" * 8_000)
    assert duration_seconds("wav_16000", buffer.getvalue()) == 0.5
    assert duration_seconds("wav_16000", b"junk") is None
    assert duration_seconds("mp3_44100_128", MP3) is None
    assert billed_characters("Hello", {"x-character-count": "9"}) == 9
    assert billed_characters("Hello", {"character-cost": "2"}) == 5
    assert billed_characters("Hello", {"x-character-count": "n/a"}) == 5


def test_retry_after_parsing() -> None:
    """Seconds or an HTTP date; junk gives None."""
    assert retry_after_seconds({"Retry-After": "4"}) == 4.0
    assert retry_after_seconds({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0
    assert retry_after_seconds({"retry-after": "later"}) is None


def test_hand_computed_costs() -> None:
    """Costs in micro-dollars per 1,000 characters, worked by hand."""
    # v4, Multilingual v2 and v3: 1,234 characters x $0.08 / 1,000 = $0.09872 = 98,720 µ$.
    assert cost("elevenlabs", "eleven_v4", Usage(characters=1234)).micros == 98_720
    assert cost("elevenlabs", "eleven_multilingual_v2", Usage(characters=1234)).micros == 98_720
    assert cost("elevenlabs", "eleven_v3", Usage(characters=1234)).micros == 98_720
    # Flash and Turbo v2.5 are half: 49,360 µ$; 7 characters: 7 x 40 µ$ = 280 µ$.
    assert cost("elevenlabs", "eleven_flash_v2_5", Usage(characters=1234)).micros == 49_360
    assert cost("elevenlabs", "eleven_turbo_v2_5", Usage(characters=7)).micros == 280
    # Before 2026-09-29 the page said $0.10 and $0.05: work done then keeps that price.
    september = datetime.datetime(2026, 9, 28, 12, tzinfo=datetime.UTC)
    assert cost("elevenlabs", "eleven_multilingual_v2", Usage(characters=1234), september).micros == 123_400
    assert cost("elevenlabs", "eleven_turbo_v2_5", Usage(characters=7), september).micros == 350
    # v4's launch offer, 72% off until 2026-10-12: 1,000 characters x $0.022 = 22,000 µ$.
    launch = datetime.datetime(2026, 10, 12, 23, tzinfo=datetime.UTC)
    assert cost("elevenlabs", "eleven_v4", Usage(characters=1000), launch).micros == 22_000
    # The estimate before the call prices the text's 12 characters: 12 x 40 µ$ = 480 µ$.
    request = _request()
    assert ElevenLabsProvider.estimate_usage(request) == Usage(characters=12, output_count=1)
    assert estimate("elevenlabs", "eleven_flash_v2_5", request).micros == 480


def test_speech_over_the_wire(fake: FakeServer) -> None:
    """The SDK posts text, model and settings with xi-api-key; the result carries audio and billing."""
    result = _provider(fake).synthesize_speech(_request(stability=0.5, speed=0.9, language="fr"))
    sent = fake.calls("POST", TTS)[0]
    assert sent.headers["xi-api-key"] == KEY
    assert sent.query == {"output_format": ["mp3_44100_128"]}
    assert sent.json() == {
        "text": "Hello there.",
        "model_id": "eleven_flash_v2_5",
        "language_code": "fr",
        "voice_settings": {"stability": 0.5, "speed": 0.9},
    }
    assert result.media[0].data == MP3
    assert result.media[0].mime_type == "audio/mpeg"
    assert result.usage == Usage(characters=12, output_count=1)
    assert (result.provider, result.model, result.capability) == (
        "elevenlabs",
        "eleven_flash_v2_5",
        Capability.SPEECH,
    )
    assert result.request_id == "req_tts_1"


def test_pcm_speech_has_duration_and_reported_characters(fake: FakeServer) -> None:
    """Raw PCM comes back with its duration; a larger reported character count is billed."""
    pcm = Reply(body=b"\x00" * 24_000, headers={"Content-Type": "audio/pcm", "x-character-count": "20"})
    fake.enqueue("POST", TTS, pcm)
    result = _provider(fake).synthesize_speech(_request(output_format="pcm_24000"))
    assert fake.calls("POST", TTS)[0].query == {"output_format": ["pcm_24000"]}
    assert result.media[0].duration_seconds == 0.5
    assert result.usage.characters == 20


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (_error(401, {"status": "invalid_api_key", "message": "Invalid API key"}), BadProviderKey),
        (
            _error(401, {"status": "quota_exceeded", "message": "You have 0 credits remaining."}),
            QuotaExceeded,
        ),
        (_error(401, {"status": "missing_permissions", "message": "needs text_to_speech"}), BadProviderKey),
        (_error(402, {"status": "payment_required", "message": "Pay"}), QuotaExceeded),
        (
            _error(
                400,
                {
                    "status": "bad_prompt",
                    "message": "Your prompt appears to have violated our Terms of Service.",
                },
            ),
            ContentRefused,
        ),
        (_error(503, {"status": "system_busy", "message": "busy"}), ProviderUnavailable),
    ],
)
def test_error_statuses(fake: FakeServer, reply: Reply, error: type[Exception]) -> None:
    """ElevenLabs' status words decide the error (quota comes back as 401); the key is never shown."""
    fake.enqueue("POST", TTS, reply)
    with pytest.raises(error) as caught:
        _provider(fake).synthesize_speech(_request())
    assert KEY not in str(caught.value)
    assert getattr(caught.value, "provider", "") == "elevenlabs"


def test_bad_key_message_says_where(fake: FakeServer) -> None:
    """A refused key points at Settings → API keys."""
    fake.enqueue("POST", TTS, _error(401, {"status": "invalid_api_key", "message": "Invalid API key"}))
    with pytest.raises(BadProviderKey) as caught:
        _provider(fake).synthesize_speech(_request())
    assert "Settings → API keys" in str(caught.value)


def test_validation_error_names_field(fake: FakeServer) -> None:
    """422 names the offending field in our words."""
    detail = [{"loc": ["body", "voice_settings", "speed"], "msg": "must be <= 1.2", "type": "value_error"}]
    fake.enqueue("POST", TTS, _error(422, detail))
    with pytest.raises(InvalidProviderRequest) as caught:
        _provider(fake).synthesize_speech(_request())
    assert caught.value.field == "speed"
    assert "1.2" in str(caught.value)


def test_unknown_voice(fake: FakeServer) -> None:
    """An unknown voice id names the voice field."""
    fake.enqueue(
        "POST",
        TTS,
        _error(404, {"status": "voice_not_found", "message": "A voice with that id was not found."}),
    )
    with pytest.raises(InvalidProviderRequest) as caught:
        _provider(fake).synthesize_speech(_request())
    assert caught.value.field == "voice"


def test_rate_limit_then_success_honours_retry_after(fake: FakeServer) -> None:
    """429 with Retry-After is retried by with_retries after exactly that long; the SDK does not retry."""
    busy = {"status": "too_many_concurrent_requests", "message": "Too many concurrent requests."}
    fake.enqueue("POST", TTS, _error(429, busy, headers={"Retry-After": "3"}))
    sleeps: list[float] = []
    provider = _provider(fake)
    result = with_retries(lambda: provider.synthesize_speech(_request()), sleep=sleeps.append)
    assert result.media[0].data == MP3
    assert sleeps == [3.0]
    assert len(fake.calls("POST", TTS)) == 2


def test_rate_limit_is_rate_limited(fake: FakeServer) -> None:
    """A lone 429 carries the Retry-After seconds."""
    fake.enqueue(
        "POST", TTS, _error(429, {"status": "system_busy", "message": "busy"}, headers={"Retry-After": "2"})
    )
    with pytest.raises(RateLimited) as caught:
        _provider(fake).synthesize_speech(_request())
    assert caught.value.retry_after == 2.0


def test_server_error_then_success(fake: FakeServer) -> None:
    """500 is retryable and retried once by with_retries."""
    fake.enqueue("POST", TTS, _error(500, {"status": "internal_error", "message": "oops"}))
    sleeps: list[float] = []
    provider = _provider(fake)
    result = with_retries(
        lambda: provider.synthesize_speech(_request()), sleep=sleeps.append, rng=random.Random(2)
    )
    assert result.media[0].data == MP3
    assert len(sleeps) == 1
    assert len(fake.calls("POST", TTS)) == 2


def test_timeout(fake: FakeServer) -> None:
    """A reply slower than the provider timeout raises ProviderTimeout."""
    fake.enqueue("POST", TTS, Reply(body=MP3, headers={"Content-Type": "audio/mpeg"}, delay=1.0))
    with pytest.raises(ProviderTimeout):
        _provider(fake, timeout=0.2).synthesize_speech(_request())


@pytest.mark.parametrize(
    "reply",
    [
        Reply(json={"audio": "where?"}),
        Reply(body=b"", headers={"Content-Type": "audio/mpeg"}),
    ],
)
def test_a_success_without_audio_is_passed_on_with_its_bill(fake: FakeServer, reply: Reply) -> None:
    """A 200 without audio comes back as it is, with the characters billed; execution refuses to keep it."""
    fake.enqueue("POST", TTS, reply)
    result = _provider(fake).synthesize_speech(_request())
    assert result.media[0].data == reply.payload()[0]
    assert result.usage.characters == len(_request().text)


def test_an_unreadable_failure_is_unavailable(fake: FakeServer) -> None:
    """An HTML 500 is ProviderUnavailable (retryable: nothing was made)."""
    fake.enqueue(
        "POST", TTS, Reply(500, body=b"<html>bad gateway</html>", headers={"Content-Type": "text/html"})
    )
    with pytest.raises(ProviderUnavailable):
        _provider(fake).synthesize_speech(_request())


def test_missing_key_fails_before_sending(fake: FakeServer) -> None:
    """No key means no request (the SDK would otherwise read the environment)."""
    with pytest.raises(BadProviderKey):
        ElevenLabsProvider(api_key="", base_url=fake.url).synthesize_speech(_request())
    assert fake.requests == []


VOICE_LIST = {
    "voices": [
        {"voice_id": VOICE, "name": "George", "category": "premade", "labels": {"accent": "british"}},
        {"voice_id": "abc123", "name": "My clone", "category": "cloned", "preview_url": "https://x/p.mp3"},
    ]
}


def test_list_voices_cached_per_key(fake: FakeServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """GET /v1/voices once per key per TTL; another key fetches its own; expiry refetches."""
    now = [1000.0]
    monkeypatch.setattr(VOICES, "clock", lambda: now[0])
    fake.route("GET", r"/v1/voices", Reply(json=VOICE_LIST))
    provider = _provider(fake)
    voices = provider.list_voices()
    assert [(v.id, v.name, v.category) for v in voices] == [
        (VOICE, "George", "premade"),
        ("abc123", "My clone", "cloned"),
    ]
    assert voices[0].labels == {"accent": "british"}
    assert voices[1].preview_url == "https://x/p.mp3"
    assert _provider(fake).list_voices() == voices
    assert len(fake.calls("GET", r"/v1/voices")) == 1
    assert fake.calls("GET", r"/v1/voices")[0].headers["xi-api-key"] == KEY
    _provider(fake, key="sk_other").list_voices()
    assert len(fake.calls("GET", r"/v1/voices")) == 2
    now[0] += elevenlabs.VOICE_CACHE_TTL + 1
    provider.list_voices()
    assert len(fake.calls("GET", r"/v1/voices")) == 3
    provider.list_voices(refresh=True)
    assert len(fake.calls("GET", r"/v1/voices")) == 4
    assert all(KEY not in key for key in VOICES._entries)


def test_list_voices_errors(fake: FakeServer) -> None:
    """A refused key and an unreadable list are mapped."""
    fake.enqueue(
        "GET", r"/v1/voices", _error(401, {"status": "invalid_api_key", "message": "Invalid API key"})
    )
    with pytest.raises(BadProviderKey):
        _provider(fake).list_voices()
    fake.enqueue("GET", r"/v1/voices", Reply(body=b"not json", headers={"Content-Type": "application/json"}))
    with pytest.raises(ProviderUnavailable):
        _provider(fake).list_voices()


def test_clone_voice_over_the_wire(fake: FakeServer) -> None:
    """POST /v1/voices/add sends name and sample as multipart, returns the id and drops the cache."""
    fake.route("GET", r"/v1/voices", Reply(json=VOICE_LIST))
    fake.route(
        "POST", r"/v1/voices/add", Reply(json={"voice_id": "new_voice_1", "requires_verification": False})
    )
    provider = _provider(fake)
    provider.list_voices()
    sample = b"RIFF\x24\x00\x00\x00WAVEfmt sample-bytes"
    assert provider.clone_voice("Narrator", sample, "audio/wav") == "new_voice_1"
    sent = fake.calls("POST", r"/v1/voices/add")[0]
    assert sent.headers["xi-api-key"] == KEY
    assert sent.headers["content-type"].startswith("multipart/form-data")
    assert b'name="name"\r\n\r\nNarrator' in sent.body
    assert b'filename="sample.wav"' in sent.body
    assert b"Content-Type: audio/wav" in sent.body
    assert sample in sent.body
    provider.list_voices()
    assert len(fake.calls("GET", r"/v1/voices")) == 2


@pytest.mark.parametrize(
    ("name", "sample", "mime", "field"),
    [("", b"x", "audio/wav", "name"), ("A", b"", "audio/wav", "sample"), ("A", b"x", "image/png", "sample")],
)
def test_clone_voice_refuses_bad_input(
    fake: FakeServer, name: str, sample: bytes, mime: str, field: str
) -> None:
    """Bad names or samples fail before sending."""
    with pytest.raises(InvalidProviderRequest) as caught:
        _provider(fake).clone_voice(name, sample, mime)
    assert caught.value.field == field
    assert fake.requests == []


def test_clone_voice_errors(fake: FakeServer) -> None:
    """A 422 on the sample names the sample field."""
    detail = [{"loc": ["body", "files"], "msg": "Audio file is too short", "type": "value_error"}]
    fake.enqueue("POST", r"/v1/voices/add", _error(422, detail))
    with pytest.raises(InvalidProviderRequest) as caught:
        _provider(fake).clone_voice("A", b"x", "audio/mpeg")
    assert caught.value.field == "sample"
    assert b'filename="sample.mp3"' in fake.calls("POST", r"/v1/voices/add")[0].body


def test_key_test(fake: FakeServer) -> None:
    """test_key lists models; a refused key raises BadProviderKey."""
    fake.route("GET", r"/v1/models", Reply(json=[{"model_id": "eleven_v3"}]))
    _provider(fake).test_key()
    assert fake.calls("GET", r"/v1/models")[0].headers["xi-api-key"] == KEY
    fake.enqueue(
        "GET", r"/v1/models", _error(401, {"status": "invalid_api_key", "message": "Invalid API key"})
    )
    with pytest.raises(BadProviderKey):
        _provider(fake).test_key()


def test_register() -> None:
    """register() adds the provider under its id."""
    registry = Registry()
    register(registry)
    assert registry.provider("elevenlabs") is ElevenLabsProvider
    assert registry.model("elevenlabs", "eleven_v3").label == "Eleven v3"
