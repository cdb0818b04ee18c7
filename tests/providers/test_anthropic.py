"""Anthropic provider: wire translation, prices, and the SDK really talking HTTP to a fake server."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from genai_prices import Usage as PriceUsage
from genai_prices import calc_price

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
from mediaws.providers.anthropic import (
    DEFAULT_MAX_TOKENS,
    AnthropicProvider,
    message_params,
    register,
    result_from_wire,
    usage_from_wire,
)
from mediaws.providers.base import Capability, Message, Registry, TextRequest, UnusableAnswer, Usage
from mediaws.providers.retry import RetryPolicy, retry_after_seconds, with_retries
from tests.providers.fakeserver import FakeServer, Recorded, Reply

KEY = "sk-ant-test-0123456789"
MESSAGES = r"/v1/messages"


def _request(**overrides: Any) -> TextRequest:
    values: dict[str, Any] = {
        "model": "claude-sonnet-5-5",
        "messages": (Message("user", "Name a colour."),),
        "system": "Answer in one word.",
    }
    values.update(overrides)
    return TextRequest(**values)


def _message(text: str = "Teal", stop_reason: str = "end_turn", **usage: int) -> dict[str, Any]:
    return {
        "id": "msg_01",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-5-5",
        "content": [{"type": "text", "text": text}],
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {"input_tokens": 21, "output_tokens": 3, **usage},
    }


def _error(status: int, kind: str, message: str, headers: dict[str, str] | None = None) -> Reply:
    body = {"type": "error", "error": {"type": kind, "message": message}}
    return Reply(status, json=body, headers=headers or {})


@pytest.fixture(scope="module")
def server() -> Iterator[FakeServer]:
    """One fake server per module: starting and stopping one costs half a second."""
    running = FakeServer()
    with running.running():
        yield running


@pytest.fixture
def fake(server: FakeServer) -> FakeServer:
    """The shared server, emptied, answering Messages with a plain reply."""
    server.reset()
    server.route("POST", MESSAGES, Reply(json=_message(), headers={"request-id": "req_abc"}))
    return server


def _provider(fake: FakeServer, timeout: float = 5.0) -> AnthropicProvider:
    return AnthropicProvider(api_key=KEY, base_url=fake.url, timeout=timeout)


def test_params_default_max_tokens_and_system() -> None:
    """max_tokens is required by the API, so the option default is sent."""
    params = message_params(_request())
    assert params == {
        "model": "claude-sonnet-5-5",
        "messages": [{"role": "user", "content": "Name a colour."}],
        "system": "Answer in one word.",
        "max_tokens": DEFAULT_MAX_TOKENS,
    }
    assert message_params(_request(system=None, max_output_tokens=100))["max_tokens"] == 100


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"max_output_tokens": 64_001, "model": "claude-haiku-4-5"}, "max_output_tokens"),
        ({"max_output_tokens": 128_001}, "max_output_tokens"),
        ({"temperature": 0.2}, "temperature"),
        ({"seed": 7}, "seed"),
        ({"messages": ()}, "messages"),
        ({"model": "claude-2"}, "model"),
    ],
)
def test_params_refuse_what_the_api_would(overrides: dict[str, Any], field: str) -> None:
    """Out-of-limit or unsupported settings fail before sending, naming the field."""
    with pytest.raises(InvalidProviderRequest) as caught:
        message_params(_request(**overrides))
    assert caught.value.field == field


def test_models_have_limits_and_forbid_unknown_options() -> None:
    """Each model's options carry its real output limit and refuse a temperature."""
    by_id = {m.id: m for m in AnthropicProvider.models()}
    assert by_id["claude-haiku-4-5"].validate_options({}).max_output_tokens == DEFAULT_MAX_TOKENS  # type: ignore[attr-defined]
    assert by_id["claude-opus-5-5"].validate_options({"max_output_tokens": 128_000})
    with pytest.raises(InvalidProviderRequest) as caught:
        by_id["claude-sonnet-5-5"].validate_options({"temperature": 0.5})
    assert caught.value.field == "temperature"
    assert all(m.capability is Capability.TEXT for m in by_id.values())


def test_estimate_usage_uses_the_max_tokens_sent() -> None:
    """Without a max, the estimate prices the 8,192 output tokens actually requested."""
    usage = AnthropicProvider.estimate_usage(_request())
    assert usage == Usage(input_tokens=11, output_tokens=DEFAULT_MAX_TOKENS)
    assert AnthropicProvider.estimate_usage(_request(max_output_tokens=50)) == Usage(
        input_tokens=11, output_tokens=50
    )


def test_usage_counts_cache_reads_and_writes_as_input() -> None:
    """Anthropic's input_tokens excludes cache tokens; ours includes them, cached = reads."""
    wire = SimpleNamespace(
        input_tokens=100, output_tokens=50, cache_read_input_tokens=900, cache_creation_input_tokens=10
    )
    assert usage_from_wire(wire) == Usage(
        input_tokens=1010, output_tokens=50, cached_input_tokens=900, cache_write_5m_tokens=10
    )
    split = SimpleNamespace(
        input_tokens=100,
        output_tokens=50,
        cache_read_input_tokens=0,
        cache_creation_input_tokens=3000,
        cache_creation=SimpleNamespace(ephemeral_5m_input_tokens=1000, ephemeral_1h_input_tokens=2000),
    )
    assert usage_from_wire(split) == Usage(
        input_tokens=3100, output_tokens=50, cache_write_5m_tokens=1000, cache_write_1h_tokens=2000
    )
    bare = SimpleNamespace(
        input_tokens=5, output_tokens=1, cache_read_input_tokens=None, cache_creation_input_tokens=None
    )
    assert usage_from_wire(bare) == Usage(input_tokens=5, output_tokens=1)


@pytest.mark.parametrize(
    ("stop", "finish"),
    [("end_turn", "stop"), ("max_tokens", "length"), ("stop_sequence", "stop"), ("pause_turn", "pause")],
)
def test_finish_reasons(stop: str, finish: str) -> None:
    """Stop reasons map to common finish reasons."""
    wire = SimpleNamespace(
        id="msg_1",
        stop_reason=stop,
        content=[SimpleNamespace(type="thinking", thinking="…"), SimpleNamespace(type="text", text="Hi")],
        usage=SimpleNamespace(input_tokens=1, output_tokens=1),
    )
    result = result_from_wire(wire, "claude-opus-5-5")
    assert (result.text, result.finish_reason, result.request_id) == ("Hi", finish, "msg_1")


def test_retry_after_parsing() -> None:
    """Milliseconds win over seconds; HTTP dates in the past give zero; junk gives None."""
    assert retry_after_seconds({"Retry-After": "7"}) == 7.0
    assert retry_after_seconds({"retry-after-ms": "1500", "retry-after": "9"}) == 1.5
    assert retry_after_seconds({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0
    assert retry_after_seconds({"retry-after": "soon"}) is None
    assert retry_after_seconds({}) is None


@pytest.mark.parametrize("model", [m.id for m in AnthropicProvider.models()])
def test_prices_agree_with_genai_prices(model: str) -> None:
    """Our table prices 1,234 input + 567 output tokens (and a cached variant) as genai-prices does."""
    for ours, theirs in (
        (Usage(input_tokens=1234, output_tokens=567), PriceUsage(input_tokens=1234, output_tokens=567)),
        (
            Usage(input_tokens=1234, output_tokens=567, cached_input_tokens=1000),
            PriceUsage(input_tokens=1234, output_tokens=567, cache_read_tokens=1000),
        ),
        (Usage(input_tokens=150_000, output_tokens=567), PriceUsage(input_tokens=150_000, output_tokens=567)),
        (
            Usage(
                input_tokens=31_000,
                output_tokens=567,
                cached_input_tokens=10_000,
                cache_write_5m_tokens=20_000,
            ),
            PriceUsage(
                input_tokens=31_000, output_tokens=567, cache_read_tokens=10_000, cache_write_tokens=20_000
            ),
        ),
    ):
        expected = calc_price(theirs, model, provider_id="anthropic").total_price
        assert Decimal(cost("anthropic", model, ours).micros) == (expected * 1_000_000).quantize(Decimal(1))


def test_cache_writes_cost_more_than_input_by_their_lifetime() -> None:
    """Anthropic's published multipliers: 5-minute writes 1.25x input, 1-hour writes 2x."""
    # Opus 5.5, 10k input + 20k written + 30k read + 1k output:
    # 10,000 x $4 + 30,000 x $0.20 + 1,000 x $20 = 40,000 + 6,000 + 20,000 = 66,000 µ$, plus the writes:
    # 20,000 x $5 (5-minute) = 100,000 → 166,000 µ$; 20,000 x $8 (1-hour) = 160,000 → 226,000 µ$.
    base = {"input_tokens": 60_000, "output_tokens": 1_000, "cached_input_tokens": 30_000}
    assert cost("anthropic", "claude-opus-5-5", Usage(**base, cache_write_5m_tokens=20_000)).micros == 166_000
    assert cost("anthropic", "claude-opus-5-5", Usage(**base, cache_write_1h_tokens=20_000)).micros == 226_000
    # Haiku 5.5 above 100k prompt tokens: the tier's write rates apply to the whole request.
    tiered = Usage(input_tokens=120_000, output_tokens=0, cache_write_1h_tokens=100_000)
    assert cost("anthropic", "claude-haiku-5-5", tiered).micros == 20_000 * 0.5 + 100_000 * 1


def test_hand_computed_costs() -> None:
    """Costs in micro-dollars, worked by hand."""
    # Sonnet 5.5: 1,234 x $2 + 567 x $10 per million = 2,468 + 5,670 = 8,138 µ$.
    assert cost("anthropic", "claude-sonnet-5-5", Usage(input_tokens=1234, output_tokens=567)).micros == 8138
    # Opus 5.5: 234 x $4 + 1,000 cached x $0.20 + 567 x $20 = 936 + 200 + 11,340 = 12,476 µ$.
    usage = Usage(input_tokens=1234, output_tokens=567, cached_input_tokens=1000)
    assert cost("anthropic", "claude-opus-5-5", usage).micros == 12476
    # Haiku 5.5 above 100K prompt tokens: 150,000 x $0.50 + 567 x $2.50 = 75,000 + 1,417.5 → 76,418 µ$.
    assert (
        cost("anthropic", "claude-haiku-5-5", Usage(input_tokens=150_000, output_tokens=567)).micros == 76418
    )
    # Estimate with counted tokens: 40 x $8 + 8,192 x $40 = 320 + 327,680 = 328,000 µ$ for Fable 5.2.
    request = _request(model="claude-fable-5-2", max_output_tokens=DEFAULT_MAX_TOKENS)
    assert estimate("anthropic", "claude-fable-5-2", request, input_tokens=40).micros == 328000


def test_generate_text_over_the_wire(fake: FakeServer) -> None:
    """The SDK posts the Messages body with the key and API version; the result carries usage and ids."""
    fake.enqueue(
        "POST", MESSAGES, Reply(json=_message(cache_read_input_tokens=7), headers={"request-id": "req_abc"})
    )
    result = _provider(fake).generate_text(_request())
    sent = fake.calls("POST", MESSAGES)[0]
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.headers["anthropic-version"]
    assert sent.headers.get("x-stainless-retry-count") == "0"
    assert sent.json() == {
        "model": "claude-sonnet-5-5",
        "max_tokens": DEFAULT_MAX_TOKENS,
        "messages": [{"role": "user", "content": "Name a colour."}],
        "system": "Answer in one word.",
    }
    assert result.text == "Teal"
    assert result.usage == Usage(input_tokens=28, output_tokens=3, cached_input_tokens=7)
    assert (result.provider, result.model, result.capability) == (
        "anthropic",
        "claude-sonnet-5-5",
        Capability.TEXT,
    )
    assert (result.request_id, result.finish_reason) == ("req_abc", "stop")


def test_bad_key(fake: FakeServer) -> None:
    """401 becomes BadProviderKey that says where to fix it and never shows the key."""
    fake.enqueue("POST", MESSAGES, _error(401, "authentication_error", "invalid x-api-key"))
    with pytest.raises(BadProviderKey) as caught:
        _provider(fake).generate_text(_request())
    assert "Settings → API keys" in str(caught.value)
    assert KEY not in str(caught.value)
    assert caught.value.provider == "anthropic"


def test_missing_key_fails_before_sending(fake: FakeServer) -> None:
    """No key means no request at all (the SDK would otherwise read the environment)."""
    with pytest.raises(BadProviderKey):
        AnthropicProvider(api_key=None, base_url=fake.url).generate_text(_request())
    assert fake.requests == []


def test_rate_limit_then_success_honours_retry_after(fake: FakeServer) -> None:
    """429 with Retry-After is retried by with_retries after exactly that many seconds."""
    fake.enqueue(
        "POST",
        MESSAGES,
        Reply(
            429,
            json={"type": "error", "error": {"type": "rate_limit_error", "message": "slow"}},
            headers={"retry-after": "7"},
        ),
    )
    sleeps: list[float] = []
    provider = _provider(fake)
    result = with_retries(lambda: provider.generate_text(_request()), sleep=sleeps.append)
    assert result.text == "Teal"
    assert sleeps == [7.0]
    assert len(fake.calls("POST", MESSAGES)) == 2


def test_rate_limit_carries_retry_after(fake: FakeServer) -> None:
    """A lone 429 is RateLimited with the server's Retry-After."""
    fake.enqueue("POST", MESSAGES, _error(429, "rate_limit_error", "slow", headers={"retry-after": "3"}))
    with pytest.raises(RateLimited) as caught:
        _provider(fake).generate_text(_request())
    assert caught.value.retry_after == 3.0


def test_server_error_then_success(fake: FakeServer) -> None:
    """500 is retryable; the SDK itself does not retry (max_retries=0)."""
    fake.enqueue("POST", MESSAGES, _error(500, "api_error", "boom"))
    sleeps: list[float] = []
    provider = _provider(fake)
    result = with_retries(
        lambda: provider.generate_text(_request()), sleep=sleeps.append, rng=random.Random(1)
    )
    assert result.text == "Teal"
    assert len(sleeps) == 1
    assert len(fake.calls("POST", MESSAGES)) == 2


def test_overloaded_is_retryable_unavailable(fake: FakeServer) -> None:
    """529 overloaded maps to ProviderUnavailable, which with_retries retries."""
    fake.enqueue("POST", MESSAGES, _error(529, "overloaded_error", "Overloaded"))
    with pytest.raises(ProviderUnavailable) as caught:
        _provider(fake).generate_text(_request())
    assert caught.value.retryable


def test_timeout(fake: FakeServer) -> None:
    """A reply slower than the provider timeout raises ProviderTimeout."""
    fake.enqueue("POST", MESSAGES, Reply(json=_message(), delay=1.0))
    with pytest.raises(ProviderTimeout):
        _provider(fake, timeout=0.2).generate_text(_request())
    assert len(fake.calls("POST", MESSAGES)) == 1


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (
            Reply(200, body=b"<html>proxy error</html>", headers={"Content-Type": "application/json"}),
            ProviderUnavailable,
        ),
        (Reply(200, json={"unexpected": True}), UnusableAnswer),
    ],
)
def test_malformed_body(fake: FakeServer, reply: Reply, error: type[Exception]) -> None:
    """Not JSON may be a proxy page (retried); a JSON 200 that is no Message may be billed (not retried)."""
    fake.enqueue("POST", MESSAGES, reply)
    with pytest.raises(error) as caught:
        _provider(fake).generate_text(_request())
    assert caught.value.retryable is (error is ProviderUnavailable)


def test_refusal(fake: FakeServer) -> None:
    """stop_reason "refusal" (HTTP 200) is a ContentRefused with the category."""
    body = _message(text="", stop_reason="refusal")
    body["stop_details"] = {"type": "refusal", "category": "cyber", "explanation": None}
    fake.enqueue("POST", MESSAGES, Reply(json=body))
    with pytest.raises(ContentRefused) as caught:
        _provider(fake).generate_text(_request(model="claude-fable-5-2"))
    assert "cyber" in str(caught.value)


@pytest.mark.parametrize(
    "reply",
    [
        _error(400, "invalid_request_error", "Your credit balance is too low to access the Anthropic API."),
        _error(402, "billing_error", "Payment required."),
        Reply(
            429,
            json={
                "type": "error",
                "error": {
                    "type": "rate_limit_error",
                    "message": "Spend limit reached.",
                    "details": {"error_code": "enforced_spend_limit_reached"},
                },
            },
        ),
    ],
)
def test_billing_errors_are_quota(fake: FakeServer, reply: Reply) -> None:
    """Out of credit or over a spend limit is QuotaExceeded (not retried)."""
    fake.enqueue("POST", MESSAGES, reply)
    with pytest.raises(QuotaExceeded) as caught:
        _provider(fake).generate_text(_request())
    assert not caught.value.retryable
    assert "Billing" in str(caught.value)


def test_permission_denied_is_bad_key(fake: FakeServer) -> None:
    """403 permission_error: the key may not use this; it names where to look."""
    fake.enqueue("POST", MESSAGES, _error(403, "permission_error", "Your API key does not have permission."))
    with pytest.raises(BadProviderKey):
        _provider(fake).generate_text(_request())


def test_bad_request_names_field(fake: FakeServer) -> None:
    """400 invalid_request_error becomes InvalidProviderRequest with the field guessed from the message."""
    fake.enqueue("POST", MESSAGES, _error(400, "invalid_request_error", "max_tokens: 9999999 > 128000"))
    with pytest.raises(InvalidProviderRequest) as caught:
        _provider(fake).generate_text(_request())
    assert caught.value.field == "max_output_tokens"
    assert "128000" in str(caught.value)


def test_count_tokens_over_the_wire(fake: FakeServer) -> None:
    """count_tokens posts the prompt (no max_tokens) to /v1/messages/count_tokens."""
    fake.route("POST", r"/v1/messages/count_tokens", Reply(json={"input_tokens": 42}))
    assert _provider(fake).count_tokens(_request()) == 42
    sent = fake.calls("POST", r"/v1/messages/count_tokens")[0]
    assert sent.json() == {
        "model": "claude-sonnet-5-5",
        "messages": [{"role": "user", "content": "Name a colour."}],
        "system": "Answer in one word.",
    }
    assert sent.headers["authorization"] == f"Bearer {KEY}"


def test_key_test(fake: FakeServer) -> None:
    """test_key lists one model; a refused key raises BadProviderKey."""
    fake.route(
        "GET", r"/v1/models", Reply(json={"data": [], "has_more": False, "first_id": None, "last_id": None})
    )
    _provider(fake).test_key()
    assert fake.calls("GET", r"/v1/models")[0].query == {"limit": ["1"]}
    fake.enqueue("GET", r"/v1/models", _error(401, "authentication_error", "invalid x-api-key"))
    with pytest.raises(BadProviderKey):
        _provider(fake).test_key()


def _sse(*events: dict[str, Any]) -> bytes:
    return b"".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in events)


def _stream_body(stop_reason: str = "end_turn") -> bytes:
    start = _message(text="")
    start.update(content=[], stop_reason=None)
    start["usage"] = {"input_tokens": 12, "output_tokens": 1}
    return _sse(
        {"type": "message_start", "message": start},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "ping"},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Deep "}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "teal"}},
        {"type": "content_block_stop", "index": 0},
        {
            "type": "message_delta",
            "delta": {"stop_reason": stop_reason, "stop_sequence": None},
            "usage": {"output_tokens": 5},
        },
        {"type": "message_stop"},
    )


def test_stream_text_yields_deltas_and_returns_usage(fake: FakeServer) -> None:
    """stream_text sends stream=true, yields deltas and returns the final result."""
    fake.enqueue("POST", MESSAGES, Reply(body=_stream_body(), headers={"Content-Type": "text/event-stream"}))
    chunks: list[str] = []
    stream = _provider(fake).stream_text(_request())
    while True:
        try:
            chunks.append(next(stream))
        except StopIteration as done:
            result = done.value
            break
    assert chunks == ["Deep ", "teal"]
    assert result.text == "Deep teal"
    assert result.usage == Usage(input_tokens=12, output_tokens=5)
    sent: Recorded = fake.calls("POST", MESSAGES)[0]
    assert sent.json()["stream"] is True


def test_stream_error_event_is_mapped(fake: FakeServer) -> None:
    """An SSE error event mid-stream (HTTP 200) maps by its error type."""
    body = _sse({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})
    fake.enqueue("POST", MESSAGES, Reply(body=body, headers={"Content-Type": "text/event-stream"}))
    with pytest.raises(ProviderUnavailable):
        list(_provider(fake).stream_text(_request()))


def test_stream_refusal(fake: FakeServer) -> None:
    """A streamed refusal raises ContentRefused at the end of the stream."""
    fake.enqueue(
        "POST", MESSAGES, Reply(body=_stream_body("refusal"), headers={"Content-Type": "text/event-stream"})
    )
    with pytest.raises(ContentRefused):
        list(_provider(fake).stream_text(_request()))


def test_register() -> None:
    """register() adds the provider under its id."""
    registry = Registry()
    register(registry)
    assert registry.provider("anthropic") is AnthropicProvider
    assert registry.model("anthropic", "claude-haiku-5-5").label == "Claude Haiku 5.5"
    assert RetryPolicy().attempts >= 2
