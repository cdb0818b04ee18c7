"""An OpenAI-style chat endpoint on loopback that answers every request with reported usage."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from tests.providers.fakeserver import FakeServer, Recorded, Reply

PROMPT_TOKENS, COMPLETION_TOKENS = 1234, 567


@contextmanager
def chat_server(content: str = "A haiku.") -> Iterator[FakeServer]:
    """Serve ``POST /v1/chat/completions`` answering ``content`` with 1,234 + 567 tokens reported."""
    fake = FakeServer()

    def chat(request: Recorded, _m: object) -> Reply:
        return Reply(
            json={
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "created": 1764288000,
                "model": request.json()["model"],
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {
                    "prompt_tokens": PROMPT_TOKENS,
                    "completion_tokens": COMPLETION_TOKENS,
                    "total_tokens": PROMPT_TOKENS + COMPLETION_TOKENS,
                },
            }
        )

    fake.route("POST", r"/v1/chat/completions", chat)
    with fake.running():
        yield fake
