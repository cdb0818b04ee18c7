"""Google Gemini over the wire: the real google-genai SDK talks HTTP to a fake Gemini API on 127.0.0.1."""

from __future__ import annotations

import base64
import datetime
from collections.abc import Iterator
from decimal import Decimal
from io import BytesIO
from typing import Any

import genai_prices
import pytest
from PIL import Image

from mediaws.catalogue.table import load_tables, price_for
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
from mediaws.providers import gemini
from mediaws.providers.base import (
    Capability,
    ImageRequest,
    Message,
    Registry,
    TextRequest,
    Usage,
)
from mediaws.providers.gemini import GeminiProvider
from mediaws.providers.retry import RetryPolicy, with_retries
from tests.providers.fakeserver import FakeServer, Reply

KEY = "AIza-test-key-123"
TEXT_PATH = r"/v1beta/models/gemini-2\.5-flash-lite:generateContent"
IMAGE_PATH = r"/v1beta/models/gemini-3\.1-flash-image:generateContent"
VEO = "veo-3.1-generate-preview"
PRICES_AT = datetime.datetime(2026, 11, 28, tzinfo=datetime.UTC)
PRICE_DATES = [
    PRICES_AT,  # Gemini 4 Argon at its introductory price
    datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC),  # Argon at its full price, Flash still introductory
    datetime.datetime(2027, 1, 1, tzinfo=datetime.UTC),  # 3.6 and 3.8 Flash at their full price
]
TEXT_MODELS = [info.id for info in GeminiProvider.models() if info.capability is Capability.TEXT]


def png(width: int = 4, height: int = 3) -> bytes:
    """A tiny real PNG."""
    out = BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def text_answer(text: str = "Hello there.", finish: str = "STOP") -> dict[str, Any]:
    """A generateContent answer with usage, thinking and a cached prompt share."""
    return {
        "candidates": [{"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": finish}],
        "usageMetadata": {
            "promptTokenCount": 1234,
            "cachedContentTokenCount": 200,
            "candidatesTokenCount": 500,
            "thoughtsTokenCount": 67,
            "totalTokenCount": 1801,
        },
        "modelVersion": "gemini-2.5-flash",
        "responseId": "resp-42",
    }


def image_answer(data: bytes) -> dict[str, Any]:
    """A Gemini image answer: a caption and one inline PNG, usage split by modality."""
    return {
        "candidates": [
            {
                "content": {
                    "role": "model",
                    "parts": [
                        {"text": "Here is your fox."},
                        {"inlineData": {"mimeType": "image/png", "data": base64.b64encode(data).decode()}},
                    ],
                },
                "finishReason": "STOP",
            }
        ],
        "usageMetadata": {
            "promptTokenCount": 270,
            "promptTokensDetails": [
                {"modality": "TEXT", "tokenCount": 12},
                {"modality": "IMAGE", "tokenCount": 258},
            ],
            "candidatesTokenCount": 1685,
            "candidatesTokensDetails": [
                {"modality": "TEXT", "tokenCount": 5},
                {"modality": "IMAGE", "tokenCount": 1680},
            ],
            "totalTokenCount": 1955,
        },
        "responseId": "img-7",
    }


def google_error(
    code: int, status: str, message: str, details: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Google's JSON error body."""
    return {"error": {"code": code, "message": message, "status": status, "details": details or []}}


BAD_KEY = Reply(
    400,
    json=google_error(
        400,
        "INVALID_ARGUMENT",
        "API key not valid. Please pass a valid API key.",
        [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "API_KEY_INVALID",
                "domain": "googleapis.com",
            }
        ],
    ),
)
UNAUTHENTICATED = Reply(401, json=google_error(401, "UNAUTHENTICATED", "Request is missing a valid API key."))
RATE_LIMITED = Reply(
    429,
    json=google_error(429, "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota)."),
    headers={"Retry-After": "7"},
)
SERVER_ERROR = Reply(500, json=google_error(500, "INTERNAL", "An internal error has occurred."))
GARBAGE = Reply(200, body=b"<html>not json", headers={"Content-Type": "application/json"})


@pytest.fixture(scope="module")
def served() -> Iterator[FakeServer]:
    """One fake Gemini API for the whole module."""
    server = FakeServer()
    with server.running():
        yield server


@pytest.fixture
def fake(served: FakeServer) -> FakeServer:
    """The fake Gemini API with no routes, queued replies or recorded requests."""
    served.reset()
    return served


def make(fake: FakeServer, **kwargs: Any) -> GeminiProvider:
    """A provider aimed at the fake."""
    kwargs.setdefault("timeout", 5.0)
    return GeminiProvider(api_key=KEY, base_url=fake.url, **kwargs)


def text_request(**kwargs: Any) -> TextRequest:
    """A two-turn text request with a system prompt."""
    fields: dict[str, Any] = {
        "model": "gemini-2.5-flash-lite",
        "messages": (Message("user", "Hi"), Message("assistant", "Hello!"), Message("user", "Say more.")),
        "system": "Be brief.",
        "temperature": 0.4,
        "max_output_tokens": 800,
        "seed": 11,
    }
    fields.update(kwargs)
    return TextRequest(**fields)


def image_request(**kwargs: Any) -> ImageRequest:
    """An image edit on Gemini 3.1 Flash Image at 2K, 16:9."""
    fields: dict[str, Any] = {
        "model": "gemini-3.1-flash-image",
        "prompt": "A red fox in snow",
        "size": "2K",
        "aspect_ratio": "16:9",
        "seed": 5,
        "input_image": b"\x89PNG-input",
        "input_image_mime": "image/png",
    }
    fields.update(kwargs)
    return ImageRequest(**fields)


# --- models, options, prices ------------------------------------------------------------------


def test_registers_with_every_model_priced() -> None:
    """register() adds the provider; every listed model has a price, and the table lists no other."""
    registry = Registry()
    gemini.register(registry)
    assert registry.provider("gemini") is GeminiProvider
    listed = {info.id for info in GeminiProvider.models()}
    for model in listed:
        price_for("gemini", model)
    assert set(load_tables()["gemini"].models) == listed
    assert {info.capability for info in GeminiProvider.models()} == {
        Capability.TEXT,
        Capability.IMAGE,
        Capability.VIDEO,
    }


@pytest.mark.parametrize("model", TEXT_MODELS)
@pytest.mark.parametrize(
    ("input_tokens", "cached", "output_tokens"), [(1234, 0, 567), (1234, 200, 567), (250_000, 1000, 567)]
)
@pytest.mark.parametrize("at", PRICE_DATES, ids=[str(day.date()) for day in PRICE_DATES])
def test_text_prices_agree_with_genai_prices(
    model: str, input_tokens: int, cached: int, output_tokens: int, at: datetime.datetime
) -> None:
    """Token prices, tiers and cache rates give genai-prices' cost, before and after each price change."""
    ours = cost(
        "gemini",
        model,
        Usage(input_tokens=input_tokens, cached_input_tokens=cached, output_tokens=output_tokens),
        at,
    )
    theirs = genai_prices.calc_price(
        genai_prices.Usage(input_tokens=input_tokens, cache_read_tokens=cached, output_tokens=output_tokens),
        model_ref=model,
        provider_id="google",
        genai_request_timestamp=at,
    )
    assert ours.micros == int((theirs.total_price * 1_000_000).quantize(Decimal(1), rounding="ROUND_HALF_UP"))


@pytest.mark.parametrize(
    "model", ["gemini-2.5-flash-image", "gemini-3.1-flash-image", "gemini-nano-banana-2.1"]
)
def test_image_token_prices_agree_with_genai_prices(model: str) -> None:
    """Text-in and image-out token rates match genai-prices for one 1K picture."""
    ours = cost("gemini", model, Usage(input_tokens=40, image_output_tokens=1120))
    theirs = genai_prices.calc_price(
        genai_prices.Usage(input_tokens=40, output_tokens=1120, output_image_tokens=1120),
        model_ref=model,
        provider_id="google",
        genai_request_timestamp=PRICES_AT,
    )
    assert Decimal(ours.micros) == theirs.total_price * 1_000_000


def test_hand_computed_costs() -> None:
    """Exact micro-dollars for each unit kind, worked by hand."""
    # 1,234 in at $0.30/M + 567 out at $2.50/M = 370.2 + 1,417.5 = 1,787.7 µ$ → 1,788.
    assert cost("gemini", "gemini-2.5-flash", Usage(input_tokens=1234, output_tokens=567)).micros == 1788
    # Above 200k input: 249,000 x $2.50 + 1,000 cached x $0.25 + 1,000 out x $15 = 622,500 + 250 + 15,000.
    big = Usage(input_tokens=250_000, cached_input_tokens=1000, output_tokens=1000)
    assert cost("gemini", "gemini-2.5-pro", big).micros == 637_750
    # One 2K picture: 12 text in x $0.50 + 258 image in x $0.50 + 1,680 image out x $60 = 6 + 129 + 100,800.
    picture = Usage(input_tokens=12, image_input_tokens=258, image_output_tokens=1680)
    assert cost("gemini", "gemini-3.1-flash-image", picture).micros == 100_935
    # Veo 3.1: 8 s x $0.40 with audio; Veo 3.1 Fast: 6 s x $0.15; Veo 2: 5 s x $0.35 silent.
    assert cost("gemini", VEO, Usage(video_seconds=Decimal(8), video_audio=True)).micros == 3_200_000
    fast = Usage(video_seconds=Decimal(6), video_audio=True)
    assert cost("gemini", "veo-3.1-fast-generate-preview", fast).micros == 900_000
    assert cost("gemini", "veo-2.0-generate-001", Usage(video_seconds=Decimal(5))).micros == 1_750_000


def test_estimates_use_image_tokens_by_size() -> None:
    """Estimates bill a 4K picture at 2,520 image tokens and a 1K one, the default, at 1,120."""
    request = image_request(size="4K", prompt="x" * 30)
    usage = GeminiProvider.estimate_usage(request)
    assert usage is not None and usage.image_output_tokens == 2520
    # 10 prompt tokens x $0.50 + 2,520 x $60 = 5 + 151,200 µ$.
    assert estimate("gemini", request.model, request, usage=usage).micros == 151_205
    default = GeminiProvider.estimate_usage(image_request(model="gemini-nano-banana-2.1", size=None))
    assert default is not None and (default.image_output_tokens, default.image_size) == (1120, "1K")


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (image_request(model="gemini-2.5-flash-image", size="2K"), "size"),
        (image_request(count=2), "count"),
        (image_request(negative_prompt="blur"), "negative_prompt"),
        (image_request(quality="hd"), "quality"),
        (image_request(aspect_ratio="7:3"), "aspect_ratio"),
        (image_request(model="gemini-2.5-pro"), "model"),
        (text_request(temperature=2.5), "temperature"),
        (text_request(max_output_tokens=100_000), "max_output_tokens"),
    ],
)
def test_requests_outside_real_limits_are_refused_before_sending(
    fake: FakeServer, request_: Any, field: str
) -> None:
    """Each model's published limits are enforced locally, naming the field; nothing reaches Google."""
    provider = make(fake)
    call = {
        ImageRequest: provider.generate_image,
        TextRequest: provider.generate_text,
    }[type(request_)]
    with pytest.raises(InvalidProviderRequest) as caught:
        call(request_)
    assert caught.value.field == field
    assert fake.requests == []


# --- pure translation ---------------------------------------------------------------------------


# --- text over the wire ---------------------------------------------------------------------------


def test_text_success_sends_conversation_and_reads_usage(fake: FakeServer) -> None:
    """generateContent gets roles, system instruction and sampling; usage counts thinking as output."""
    fake.route("POST", TEXT_PATH, Reply(json=text_answer()))
    result = make(fake).generate_text(text_request())
    sent = fake.calls("POST", TEXT_PATH)[0]
    assert sent.headers["x-goog-api-key"] == KEY
    assert "authorization" not in sent.headers
    body = sent.json()
    assert body["contents"] == [
        {"role": "user", "parts": [{"text": "Hi"}]},
        {"role": "model", "parts": [{"text": "Hello!"}]},
        {"role": "user", "parts": [{"text": "Say more."}]},
    ]
    assert body["systemInstruction"]["parts"] == [{"text": "Be brief."}]
    assert body["generationConfig"] == {"temperature": 0.4, "maxOutputTokens": 800, "seed": 11}
    assert (result.text, result.request_id, result.finish_reason) == ("Hello there.", "resp-42", "STOP")
    assert result.usage == Usage(input_tokens=1234, cached_input_tokens=200, output_tokens=567)
    # 1,034 x $0.10 + 200 cached x $0.01 + 567 x $0.40 = 103.4 + 2 + 226.8 µ$ → 332.
    assert cost("gemini", result.model, result.usage).micros == 332


@pytest.mark.parametrize(
    ("answer", "needle"),
    [
        (
            {"promptFeedback": {"blockReason": "SAFETY"}, "usageMetadata": {"promptTokenCount": 5}},
            "prompt blocked",
        ),
        (text_answer(text="", finish="SAFETY") | {"candidates": [{"finishReason": "SAFETY"}]}, "SAFETY"),
        (text_answer(finish="PROHIBITED_CONTENT"), "PROHIBITED_CONTENT"),
    ],
)
def test_text_policy_blocks_are_refusals(fake: FakeServer, answer: dict[str, Any], needle: str) -> None:
    """A blocked prompt or a candidate stopped for safety is ContentRefused, not a retryable failure."""
    fake.route("POST", TEXT_PATH, Reply(json=answer))
    with pytest.raises(ContentRefused, match=needle) as caught:
        make(fake).generate_text(text_request())
    assert not caught.value.retryable


def test_text_unknown_model_names_the_field(fake: FakeServer) -> None:
    """A 404 from Google is an invalid request about the model."""
    fake.route("POST", TEXT_PATH, Reply(404, json=google_error(404, "NOT_FOUND", "models/x is not found.")))
    with pytest.raises(InvalidProviderRequest) as caught:
        make(fake).generate_text(text_request())
    assert caught.value.field == "model"


def test_text_daily_quota_is_not_retried(fake: FakeServer) -> None:
    """A per-day quota violation is QuotaExceeded (not retryable); a RetryInfo delay is a rate limit."""
    daily = google_error(
        429,
        "RESOURCE_EXHAUSTED",
        "You exceeded your current quota, please check your plan and billing details.",
        [
            {
                "@type": "type.googleapis.com/google.rpc.QuotaFailure",
                "violations": [{"quotaId": "GenerateRequestsPerDayPerProjectPerModel-FreeTier"}],
            }
        ],
    )
    fake.enqueue("POST", TEXT_PATH, Reply(429, json=daily))
    with pytest.raises(QuotaExceeded, match="plan and billing"):
        make(fake).generate_text(text_request())
    per_minute = google_error(
        429,
        "RESOURCE_EXHAUSTED",
        "You exceeded your current quota.",
        [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "37s"}],
    )
    fake.enqueue("POST", TEXT_PATH, Reply(429, json=per_minute))
    with pytest.raises(RateLimited) as caught:
        make(fake).generate_text(text_request())
    assert caught.value.retry_after == 37.0


# --- the same failure modes for every call ------------------------------------------------------------


def call_text(fake: FakeServer, provider: GeminiProvider) -> Any:
    """Route a good text answer and generate."""
    fake.route("POST", TEXT_PATH, Reply(json=text_answer()))
    return provider.generate_text(text_request())


def call_image(fake: FakeServer, provider: GeminiProvider) -> Any:
    """Route a good image answer and generate."""
    fake.route("POST", IMAGE_PATH, Reply(json=image_answer(png())))
    return provider.generate_image(image_request())


def call_key(fake: FakeServer, provider: GeminiProvider) -> Any:
    """Route the model list and test the key."""
    fake.route("GET", r"/v1beta/models", Reply(json={"models": [{"name": "models/gemini-2.5-flash"}]}))
    return provider.test_key()


CALLS = {
    "text": (call_text, ("POST", TEXT_PATH)),
    "image": (call_image, ("POST", IMAGE_PATH)),
    "test_key": (call_key, ("GET", r"/v1beta/models")),
}


@pytest.mark.parametrize("kind", CALLS)
@pytest.mark.parametrize(
    "reply",
    [
        BAD_KEY,
        UNAUTHENTICATED,
        Reply(403, json=google_error(403, "PERMISSION_DENIED", "Method doesn't allow unregistered callers.")),
    ],
)
def test_refused_key_is_bad_provider_key(fake: FakeServer, kind: str, reply: Reply) -> None:
    """400 API_KEY_INVALID, 401 and 403 are BadProviderKey naming Settings, never echoing the key."""
    call, (method, path) = CALLS[kind]
    fake.enqueue(method, path, reply)
    with pytest.raises(BadProviderKey) as caught:
        call(fake, make(fake))
    assert "Settings → API keys" in str(caught.value)
    assert KEY not in str(caught.value)
    assert caught.value.provider == "gemini"
    assert caught.value.__cause__ is None and caught.value.__context__ is None  # no request headers kept


@pytest.mark.parametrize("kind", CALLS)
def test_rate_limit_then_success_waits_retry_after(fake: FakeServer, kind: str) -> None:
    """A 429 with Retry-After: 7 is retried by with_retries after exactly 7 s, then succeeds."""
    call, (method, path) = CALLS[kind]
    fake.enqueue(method, path, RATE_LIMITED)
    sleeps: list[float] = []
    provider = make(fake)
    with_retries(lambda: call(fake, provider), sleep=sleeps.append)
    assert sleeps == [7.0]
    assert len(fake.calls(method, path)) == 2


@pytest.mark.parametrize("kind", CALLS)
def test_server_error_then_success(fake: FakeServer, kind: str) -> None:
    """A 500 is ProviderUnavailable, retried once by with_retries."""
    call, (method, path) = CALLS[kind]
    fake.enqueue(method, path, SERVER_ERROR)
    sleeps: list[float] = []
    provider = make(fake)
    with_retries(lambda: call(fake, provider), sleep=sleeps.append, policy=RetryPolicy(base_delay=0.01))
    assert len(sleeps) == 1
    assert len(fake.calls(method, path)) == 2


@pytest.mark.parametrize("kind", CALLS)
def test_slow_answer_is_provider_timeout(fake: FakeServer, kind: str) -> None:
    """An answer slower than the provider timeout is ProviderTimeout (retryable)."""
    call, (method, path) = CALLS[kind]
    fake.enqueue(method, path, Reply(json={}, delay=1.0))
    with pytest.raises(ProviderTimeout) as caught:
        call(fake, make(fake, timeout=0.3))
    assert caught.value.retryable


@pytest.mark.parametrize("kind", ["text", "image"])
def test_malformed_body_is_provider_unavailable(fake: FakeServer, kind: str) -> None:
    """A 200 whose body is not JSON is ProviderUnavailable with a readable message."""
    call, (method, path) = CALLS[kind]
    fake.enqueue(method, path, GARBAGE)
    with pytest.raises(ProviderUnavailable, match="could not read"):
        call(fake, make(fake))


def test_test_key_lists_one_model(fake: FakeServer) -> None:
    """The key test is GET /v1beta/models?pageSize=1 with the key header."""
    call_key(fake, make(fake))
    sent = fake.calls("GET", r"/v1beta/models")[0]
    assert sent.query == {"pageSize": ["1"]}
    assert sent.headers["x-goog-api-key"] == KEY


def test_missing_key_is_bad_provider_key() -> None:
    """No key at all is refused before any call."""
    with pytest.raises(BadProviderKey, match="Settings → API keys"):
        GeminiProvider(api_key=None).test_key()


# --- images over the wire -------------------------------------------------------------------------------


def test_image_success_sends_prompt_image_and_config(fake: FakeServer) -> None:
    """The edit sends prompt + inline image with image modality and size; the PNG comes back measured."""
    picture = png(6, 4)
    fake.route("POST", IMAGE_PATH, Reply(json=image_answer(picture)))
    result = make(fake).generate_image(image_request())
    body = fake.calls("POST", IMAGE_PATH)[0].json()
    [content] = body["contents"]
    assert content["role"] == "user"
    prompt, inline = content["parts"]
    assert prompt == {"text": "A red fox in snow"}
    blob = inline["inlineData"]
    assert blob["data"] == base64.b64encode(b"\x89PNG-input").decode()
    assert blob.get("mimeType", blob.get("mime_type")) == "image/png"  # the SDK sends either spelling
    assert body["generationConfig"] == {
        "responseModalities": ["TEXT", "IMAGE"],
        "seed": 5,
        "imageConfig": {"aspectRatio": "16:9", "imageSize": "2K"},
    }
    [media] = result.media
    assert (media.data, media.mime_type, media.width, media.height) == (picture, "image/png", 6, 4)
    assert result.text == "Here is your fox."
    assert result.usage == Usage(
        input_tokens=12,
        image_input_tokens=258,
        image_output_tokens=1680,
        output_tokens=5,
        image_count=1,
        image_size="2K",
        output_count=1,
    )
    # The 5 text tokens written beside the picture bill at the $3/M text-output rate: +15 micro-dollars.
    assert cost("gemini", result.model, result.usage).micros == 100_950


def test_image_without_picture_is_refused(fake: FakeServer) -> None:
    """IMAGE_SAFETY, or a text-only answer, is ContentRefused carrying the model's words."""
    safety = {"candidates": [{"finishReason": "IMAGE_SAFETY"}], "usageMetadata": {"promptTokenCount": 9}}
    fake.enqueue("POST", IMAGE_PATH, Reply(json=safety))
    with pytest.raises(ContentRefused, match="IMAGE_SAFETY"):
        make(fake).generate_image(image_request())
    words = text_answer(text="I can't draw real people.")
    fake.enqueue("POST", IMAGE_PATH, Reply(json=words))
    with pytest.raises(ContentRefused, match="real people"):
        make(fake).generate_image(image_request())
