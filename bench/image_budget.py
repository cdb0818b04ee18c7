"""Memory and time of the media checks: huge PNGs refused from the header, decodes held to N at once.

Each scenario runs in a fresh child process and reports its peak RSS (``ru_maxrss``), so one scenario's
high-water mark cannot hide another's. Run: ``.venv/bin/python bench/image_budget.py``.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tempfile
import time

CHILD = r"""
import json, resource, sys, threading, time
from PIL import Image
from mediaws.media.inspect import UnreadableMedia, check_image

path, (count, max_pixels, slots) = sys.argv[1], (int(v) for v in sys.argv[2:5])
data = open(path, "rb").read()
Image.MAX_IMAGE_PIXELS = None  # this bench measures our budget, not Pillow's own guard
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
outcomes = []

def one():
    try:
        check_image(data, max_pixels=max_pixels, decode_slots=slots)
        outcomes.append("decoded")
    except UnreadableMedia as exc:
        outcomes.append(exc.reason)

started = time.perf_counter()
threads = [threading.Thread(target=one) for _ in range(count)]
for t in threads:
    t.start()
for t in threads:
    t.join()
elapsed = time.perf_counter() - started
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"png_kb": len(data) // 1024, "before_mb": before / 1024, "peak_mb": after / 1024,
                  "seconds": elapsed, "outcome": outcomes[0]}))
"""

SCENARIOS = [
    ("4 x 9000x9000 PNG, default 40 Mpx budget (refused from header)", 9000, 4, 40_000_000, 2),
    ("4 x 9000x9000 PNG, budget raised to 100 Mpx, 2 decode slots", 9000, 4, 100_000_000, 2),
    ("4 x 9000x9000 PNG, budget raised to 100 Mpx, 4 decode slots", 9000, 4, 100_000_000, 4),
]


def run(side: int, count: int, max_pixels: int, slots: int) -> dict[str, float | str]:
    """One scenario in a fresh interpreter (the PNG is made here so the child's baseline is clean)."""
    from PIL import Image

    with tempfile.NamedTemporaryFile(suffix=".png") as png:
        Image.new("RGB", (side, side), (200, 30, 90)).save(png, format="PNG")
        png.flush()
        out = subprocess.run(
            [sys.executable, "-c", CHILD, png.name, str(count), str(max_pixels), str(slots)],
            capture_output=True,
            text=True,
            check=True,
            timeout=300,
        )
    result: dict[str, float | str] = json.loads(out.stdout)
    return result


def provider_checks() -> list[tuple[str, float]]:
    """Milliseconds to verify typical provider outputs (median of 20)."""
    from PIL import Image

    from mediaws.media.inspect import check_av, check_image
    from tests.support import media

    buffer = io.BytesIO()
    Image.new("RGB", (1024, 1024), (10, 20, 30)).save(buffer, format="PNG")
    cases = [
        ("1024x1024 PNG (image check)", lambda: check_image(buffer.getvalue(), max_pixels=40_000_000)),
        (
            "0.5 s MP3 (PyAV probe + first frame)",
            lambda: check_av(media.mp3(), "audio", max_pixels=40_000_000),
        ),
        (
            "0.5 s MP4 (PyAV probe + first frame)",
            lambda: check_av(media.mp4(), "video", max_pixels=40_000_000),
        ),
    ]
    figures = []
    for name, call in cases:
        call()
        times = []
        for _ in range(20):
            start = time.perf_counter()
            call()
            times.append((time.perf_counter() - start) * 1000)
        figures.append((name, sorted(times)[len(times) // 2]))
    return figures


def main() -> None:
    """Print one table row per scenario."""
    print("| Scenario | PNG on disk | peak RSS | growth | time | outcome |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, side, count, max_pixels, slots in SCENARIOS:
        r = run(side, count, max_pixels, slots)
        growth = float(r["peak_mb"]) - float(r["before_mb"])
        print(
            f"| {name} | {r['png_kb']} KB | {float(r['peak_mb']):.0f} MB | +{growth:.0f} MB | "
            f"{float(r['seconds']):.2f} s | {r['outcome']} |"
        )
    print()
    print("| Provider output check | median |")
    print("| --- | --- |")
    for name, ms in provider_checks():
        print(f"| {name} | {ms:.2f} ms |")


if __name__ == "__main__":
    main()
