"""What the provider layer adds to a text generation, against the same fake server on loopback.

Interleaves 1,000 calls through the layer (OpenAIProvider.generate_text inside with_retries, then the
exact cost) with 1,000 bare SDK calls (openai.OpenAI().chat.completions.create) and prints p50/p95 of
each and the difference. Target: the layer adds under 1 ms at p50.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import openai

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mediaws.pricing.cost import cost
from mediaws.providers.base import Message, TextRequest
from mediaws.providers.openai import OpenAIProvider
from mediaws.providers.retry import with_retries
from tests.providers.fakeserver import FakeServer, Reply

CALLS = 1000
WARMUP = 50
KEY = "sk-bench-0000000000000000"
MODEL = "gpt-5.4-mini"
ANSWER = {
    "id": "chatcmpl-bench",
    "object": "chat.completion",
    "created": 1764288000,
    "model": MODEL,
    "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "Hello there."}, "finish_reason": "stop"}
    ],
    "usage": {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15},
}


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of the values fall."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    """Run both loops interleaved and print the figures."""
    fake = FakeServer()
    fake.route("POST", r"/v1/chat/completions", Reply(json=ANSWER, headers={"x-request-id": "req-1"}))
    with fake.running():
        base_url = f"{fake.url}/v1"
        bare = openai.OpenAI(api_key=KEY, base_url=base_url, max_retries=0, timeout=10)
        provider = OpenAIProvider(api_key=KEY, base_url=base_url, timeout=10)
        request = TextRequest(model=MODEL, messages=(Message("user", "Say hello."),), max_output_tokens=50)

        def through_layer() -> None:
            result = with_retries(lambda: provider.generate_text(request))
            cost("openai", MODEL, result.usage)

        def bare_sdk() -> None:
            bare.chat.completions.create(
                model=MODEL, messages=[{"role": "user", "content": "Say hello."}], max_completion_tokens=50
            )

        layer_ms: list[float] = []
        bare_ms: list[float] = []
        for i in range(CALLS + WARMUP):
            for call, sink in ((through_layer, layer_ms), (bare_sdk, bare_ms)):
                start = time.perf_counter()
                call()
                if i >= WARMUP:
                    sink.append((time.perf_counter() - start) * 1000)
    print(f"text generation against a loopback fake, {CALLS} calls each, interleaved:")
    for name, values in (("bare SDK      ", bare_ms), ("provider layer", layer_ms)):
        print(
            f"  {name} p50 {percentile(values, 0.5):.3f} ms  p95 {percentile(values, 0.95):.3f} ms  "
            f"mean {statistics.fmean(values):.3f} ms"
        )
    added = percentile(layer_ms, 0.5) - percentile(bare_ms, 0.5)
    print(f"  layer adds {added:.3f} ms at p50 ({percentile(layer_ms, 0.5) / percentile(bare_ms, 0.5):.2f}x)")


if __name__ == "__main__":
    main()
