"""What the catalogue as data costs at run time (issue #13).

Models are built from the catalogue's entries on each lookup instead of being module constants. This
times, in one run: loading and validating every shipped table (what start-up pays once), a model lookup
through the registry (what the Generate page and every generation do a few times), the whole model list
(the picker), and a quote's exact cost; the baseline is a plain dict lookup of the same ModelInfo.

    .venv/bin/python bench/catalogue.py
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mediaws.catalogue.table import TABLES, load_tables
from mediaws.pricing.cost import cost
from mediaws.providers.base import Usage
from mediaws.providers.registry import default_registry

ROUNDS = 2_000


def timed(call: Callable[[], object], rounds: int = ROUNDS) -> list[float]:
    """Seconds per call, one sample per call."""
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return samples


def line(name: str, samples: list[float]) -> float:
    """Print p50/p95 in microseconds; return p50."""
    ordered = sorted(samples)
    p50, p95 = statistics.median(ordered), ordered[int(len(ordered) * 0.95)]
    print(f"{name:<44} p50 {p50 * 1e6:9.1f} µs   p95 {p95 * 1e6:9.1f} µs")
    return p50


def main() -> None:
    """Print the figures."""
    registry = default_registry()
    models = registry.all_models()
    print(f"{len(models)} models from {len(registry.providers)} providers")
    load = timed(lambda: load_tables.__wrapped__(TABLES, TABLES / "none"), rounds=50)
    line("load and validate every table (uncached)", load)
    by_id = {(provider.id, info.id): info for provider, info in models}
    base = line("baseline: dict lookup of a ModelInfo", timed(lambda: by_id[("gemini", "gemini-3.8-flash")]))
    one = line(
        "registry.model (built from the catalogue)",
        timed(lambda: registry.model("gemini", "gemini-3.8-flash")),
    )
    line("registry.all_models (the picker)", timed(registry.all_models, rounds=500))
    usage = Usage(
        input_tokens=12_000, cached_input_tokens=2_000, cache_write_30m_tokens=3_000, output_tokens=900
    )
    line("exact cost of a GPT-6 call", timed(lambda: cost("openai", "gpt-6.1-terra", usage)))
    print(f"registry.model / dict lookup at p50: {one / base:,.0f}x")


if __name__ == "__main__":
    main()
