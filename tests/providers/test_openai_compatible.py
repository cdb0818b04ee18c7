"""OpenAI-compatible endpoints over the wire: the real SDK talks to a fake Ollama-style /v1 API."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from mediaws.errors import (
    BadProviderKey,
    ContentRefused,
    InvalidProviderRequest,
    ProviderTimeout,
    ProviderUnavailable,
    ValidationError,
)
from mediaws.pricing.cost import cost
from mediaws.providers.base import (
    Capability,
    GenerationResult,
    Message,
    Registry,
    TextRequest,
    UnusableAnswer,
    Usage,
)
from mediaws.providers.openai_compatible import OpenAICompatibleProvider, endpoint_host, model_ids, register
from mediaws.providers.retry import with_retries
from tests.providers.fakeserver import FakeServer, Reply

CHAT = r"/v1/chat/completions"
MODELS = r"/v1/models"
REQUEST = TextRequest(
    model="llama3.2:latest",
    messages=(Message("user", "Why is the sky blue?"),),
    system="Answer in one line.",
    temperature=0.2,
    max_output_tokens=64,
    seed=42,
)
OLLAMA_MODELS = {
    "object": "list",
    "data": [
        {"id": "qwen2.5:7b", "object": "model", "created": 1764300000, "owned_by": "library"},
        {"id": "llama3.2:latest", "object": "model", "created": 1764300000, "owned_by": "library"},
    ],
}


def completion(text: str = "Rayleigh scattering.", finish: str = "stop") -> dict[str, Any]:
    """A chat completion as Ollama sends it (no request-id header, fp_ollama fingerprint)."""
    return {
        "id": "chatcmpl-417",
        "object": "chat.completion",
        "created": 1764300000,
        "model": "llama3.2:latest",
        "system_fingerprint": "fp_ollama",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": finish}],
        "usage": {"prompt_tokens": 26, "completion_tokens": 9, "total_tokens": 35},
    }


def ollama_error(
    status: int, message: str, *, code: str | None = None, headers: dict[str, str] | None = None
) -> Reply:
    """Ollama's OpenAI-style error body."""
    return Reply(
        status,
        json={"error": {"message": message, "type": "api_error", "param": None, "code": code}},
        headers=headers or {},
    )


def stream_reply(*pieces: str, usage: dict[str, int] | None = None) -> Reply:
    """A text/event-stream of chunks, a finishing chunk, optional usage, then [DONE]."""
    base = {"id": "chatcmpl-9", "object": "chat.completion.chunk", "created": 1, "model": "llama3.2:latest"}
    chunks = [
        {
            **base,
            "choices": [{"index": 0, "delta": {"role": "assistant", "content": p}, "finish_reason": None}],
        }
        for p in pieces
    ]
    chunks.append({**base, "choices": [{"index": 0, "delta": {"content": ""}, "finish_reason": "stop"}]})
    if usage:
        chunks.append({**base, "choices": [], "usage": usage})
    body = b"".join(b"data: " + json.dumps(c).encode() + b"\n\n" for c in chunks) + b"data: [DONE]\n\n"
    return Reply(body=body, headers={"Content-Type": "text/event-stream"})


@pytest.fixture(scope="module")
def shared_server() -> Iterator[FakeServer]:
    """The module's running fake Ollama."""
    server = FakeServer()
    with server.running():
        yield server


@pytest.fixture
def fake(shared_server: FakeServer) -> FakeServer:
    """A clean fake Ollama for one test."""
    shared_server.reset()
    return shared_server


def make(fake: FakeServer, *, key: str | None = None, timeout: float = 5.0) -> OpenAICompatibleProvider:
    """The provider pointed at the fake's /v1."""
    return OpenAICompatibleProvider(api_key=key, base_url=f"{fake.url}/v1/", timeout=timeout)


def drain(stream: Iterator[str]) -> GenerationResult:
    """Consume a stream and return the generator's final result."""
    while True:
        try:
            next(stream)
        except StopIteration as stop:
            assert isinstance(stop.value, GenerationResult)
            return stop.value


Call = Callable[[OpenAICompatibleProvider], object]
CALLS: dict[str, tuple[str, str, Reply, Call]] = {
    "chat": ("POST", CHAT, Reply(json=completion()), lambda p: p.generate_text(REQUEST)),
    "stream": ("POST", CHAT, stream_reply("Hi"), lambda p: drain(p.stream_text(REQUEST))),
    "models": ("GET", MODELS, Reply(json=OLLAMA_MODELS), lambda p: p.list_models()),
}


def test_list_models_returns_the_endpoints_ids(fake: FakeServer) -> None:
    """GET /v1/models, ids sorted; without a key the SDK's required key is a harmless placeholder."""
    fake.route("GET", MODELS, Reply(json=OLLAMA_MODELS))
    assert make(fake).list_models() == ["llama3.2:latest", "qwen2.5:7b"]
    assert fake.calls("GET", MODELS)[0].headers["authorization"] == "Bearer not-needed"
    make(fake, key="tok-together-123").test_key()
    assert fake.calls("GET", MODELS)[1].headers["authorization"] == "Bearer tok-together-123"


def test_chat_sends_max_tokens_and_reads_usage(fake: FakeServer) -> None:
    """The body uses max_tokens (understood by every compatible server); usage and text come back."""
    fake.route("POST", CHAT, Reply(json=completion()))
    result = make(fake).generate_text(REQUEST)
    sent = fake.calls("POST", CHAT)[0]
    assert sent.json() == {
        "model": "llama3.2:latest",
        "messages": [
            {"role": "system", "content": "Answer in one line."},
            {"role": "user", "content": "Why is the sky blue?"},
        ],
        "temperature": 0.2,
        "max_tokens": 64,
        "seed": 42,
    }
    assert (result.text, result.finish_reason) == ("Rayleigh scattering.", "stop")
    assert (result.provider, result.model, result.capability) == (
        "openai_compatible",
        "llama3.2:latest",
        Capability.TEXT,
    )
    assert (result.usage.input_tokens, result.usage.output_tokens, result.usage.cached_input_tokens) == (
        26,
        9,
        0,
    )
    assert result.request_id == "chatcmpl-417"


def test_stream_yields_pieces_without_openai_only_fields(fake: FakeServer) -> None:
    """Streaming sends no stream_options (strict servers refuse unknown fields); usage is kept if sent."""
    fake.route(
        "POST", CHAT, stream_reply("Ray", "leigh.", usage={"prompt_tokens": 5, "completion_tokens": 2})
    )
    stream = make(fake).stream_text(REQUEST)
    pieces = [next(stream), next(stream)]
    result = drain(stream)
    body = fake.calls("POST", CHAT)[0].json()
    assert body["stream"] is True and "stream_options" not in body
    assert pieces == ["Ray", "leigh."]
    assert (result.text, result.usage.input_tokens, result.usage.output_tokens) == ("Rayleigh.", 5, 2)


def test_missing_base_url_is_a_request_error() -> None:
    """Without a base URL there is nothing to call; the error names the field."""
    with pytest.raises(InvalidProviderRequest) as caught:
        OpenAICompatibleProvider().generate_text(REQUEST)
    assert caught.value.field == "base_url"


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (TextRequest(model=" ", messages=(Message("user", "x"),)), "model"),
        (TextRequest(model="m", messages=()), "messages"),
        (TextRequest(model="m", messages=(Message("user", "x"),), temperature=3), "temperature"),
        (TextRequest(model="m", messages=(Message("user", "x"),), max_output_tokens=0), "max_output_tokens"),
    ],
)
def test_bad_requests_are_refused_before_sending(fake: FakeServer, request_: TextRequest, field: str) -> None:
    """Empty model, no messages, or out-of-range values never leave."""
    with pytest.raises(InvalidProviderRequest) as caught:
        make(fake).generate_text(request_)
    assert caught.value.field == field
    assert fake.requests == []


@pytest.mark.parametrize("name", CALLS)
def test_401_is_bad_key_naming_the_endpoint(fake: FakeServer, name: str) -> None:
    """A refused key names the endpoint's host and where to fix it, never the key."""
    method, path, _ok, call = CALLS[name]
    fake.route(method, path, ollama_error(401, "invalid api key tok-secret-999"))
    with pytest.raises(BadProviderKey) as caught:
        call(make(fake, key="tok-secret-999"))
    message = str(caught.value)
    assert "OpenAI-compatible endpoint at 127.0.0.1:" in message and "Settings → API keys" in message
    assert "tok-secret-999" not in message
    assert caught.value.provider == "openai_compatible"


@pytest.mark.parametrize("name", CALLS)
def test_429_waits_retry_after_then_succeeds(fake: FakeServer, name: str) -> None:
    """Retry-After from a rate-limiting endpoint is what with_retries sleeps."""
    method, path, success, call = CALLS[name]
    fake.route(method, path, success)
    fake.enqueue(method, path, ollama_error(429, "too many requests", headers={"Retry-After": "2"}))
    sleeps: list[float] = []
    provider = make(fake)
    with_retries(lambda: call(provider), sleep=sleeps.append)
    assert sleeps == [2.0]
    assert len(fake.calls(method, path)) == 2


@pytest.mark.parametrize("name", CALLS)
def test_500_then_success_via_retries(fake: FakeServer, name: str) -> None:
    """A crashed model runner is ProviderUnavailable and retried."""
    method, path, success, call = CALLS[name]
    fake.route(method, path, success)
    fake.enqueue(method, path, ollama_error(500, "llama runner process has terminated"))
    sleeps: list[float] = []
    provider = make(fake)
    with_retries(lambda: call(provider), sleep=sleeps.append, rng=random.Random(3))
    assert len(sleeps) == 1
    assert len(fake.calls(method, path)) == 2


@pytest.mark.parametrize("name", CALLS)
def test_slow_endpoint_is_a_timeout(fake: FakeServer, name: str) -> None:
    """A model still loading past the timeout is ProviderTimeout."""
    method, path, _ok, call = CALLS[name]
    fake.route(method, path, Reply(json={}, delay=1.0))
    with pytest.raises(ProviderTimeout, match=r"127\.0\.0\.1.* within 0\.2 s"):
        call(make(fake, timeout=0.2))


@pytest.mark.parametrize(
    ("name", "reply"),
    [
        ("chat", Reply(body=b"Internal proxy page", headers={"Content-Type": "application/json"})),
        ("chat", Reply(json={"message": {"content": "native /api/chat shape"}})),
        ("stream", Reply(body=b"data: {broken\n\n", headers={"Content-Type": "text/event-stream"})),
        ("models", Reply(json={"models": [{"name": "llama3.2"}]})),
        ("models", Reply(body=b"<html></html>", headers={"Content-Type": "text/html"})),
    ],
)
def test_malformed_answers_are_unavailable(fake: FakeServer, name: str, reply: Reply) -> None:
    """A body that is not the OpenAI shape (e.g. Ollama's native API at the wrong path) is unreadable."""
    method, path, _ok, call = CALLS[name]
    fake.route(method, path, reply)
    with pytest.raises(UnusableAnswer, match="could not read"):
        call(make(fake))


def test_refusals_are_content_refused(fake: FakeServer) -> None:
    """A moderation error or a content_filter finish (Azure, Together…) is ContentRefused."""
    fake.enqueue(
        "POST",
        CHAT,
        ollama_error(400, "The response was filtered.", code="content_filter"),
        Reply(json=completion("", finish="content_filter")),
    )
    provider = make(fake)
    for _ in range(2):
        with pytest.raises(ContentRefused):
            provider.generate_text(REQUEST)


def test_unknown_model_is_a_model_error(fake: FakeServer) -> None:
    """Ollama's 404 for a model not pulled names the model field and passes its advice on."""
    fake.route("POST", CHAT, ollama_error(404, 'model "llama9" not found, try pulling it first'))
    with pytest.raises(InvalidProviderRequest, match="try pulling it first") as caught:
        make(fake).generate_text(REQUEST)
    assert caught.value.field == "model"


def test_unreachable_endpoint_says_to_check_the_server() -> None:
    """Connection refused (Ollama not running) is ProviderUnavailable with the fix."""
    fake = FakeServer()
    with fake.running():
        url = fake.url
    provider = OpenAICompatibleProvider(base_url=f"{url}/v1", timeout=2)
    with pytest.raises(ProviderUnavailable, match="server is running"):
        provider.list_models()


def test_endpoint_host_drops_credentials() -> None:
    """Messages show host and port only, never user:password from the URL."""
    assert endpoint_host("https://user:pw@llm.example.com:8443/v1") == "llm.example.com:8443"
    assert endpoint_host("http://localhost:11434/v1") == "localhost:11434"
    assert endpoint_host("not a url") == "an unknown host"


def test_model_ids_is_pure() -> None:
    """Duplicates and entries without ids are dropped; a non-list is an error."""
    assert model_ids({"data": [{"id": "b"}, {"id": "a"}, {"id": "a"}, {"name": "x"}]}) == ["a", "b"]
    with pytest.raises(ValueError):
        model_ids({"models": []})


def test_no_static_models_no_prices_and_registration() -> None:
    """Nothing is listed or priced in advance: the pricing layer refuses an unknown endpoint's model."""
    registry = Registry()
    register(registry)
    assert registry.provider("openai_compatible") is OpenAICompatibleProvider
    assert OpenAICompatibleProvider.models() == ()
    assert not OpenAICompatibleProvider.needs_key
    with pytest.raises(ValidationError, match="never guesses"):
        cost("openai_compatible", "llama3.2:latest", Usage(input_tokens=10, output_tokens=10))
