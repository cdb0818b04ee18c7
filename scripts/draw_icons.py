"""Draw the app icons (a white four-point sparkle on the brand blue) into assets/icons/ and the favicon."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

from PIL import Image, ImageDraw

ASSETS = Path(__file__).resolve().parents[1] / "assets"
BLUE = (37, 99, 235, 255)
WHITE = (255, 255, 255, 255)
SCALE = 4


def _star(cx: float, cy: float, radius: float, waist: float) -> list[tuple[float, float]]:
    """A four-point sparkle: sharp tips on the axes joined by curves bent towards the centre by ``waist``."""
    tips = [(radius * math.cos(k * math.pi / 2), radius * math.sin(k * math.pi / 2)) for k in range(5)]
    points = []
    for (x0, y0), (x1, y1) in itertools.pairwise(tips):
        bend = ((x0 + x1) * waist, (y0 + y1) * waist)
        for step in range(16):
            t = step / 16
            x = (1 - t) ** 2 * x0 + 2 * t * (1 - t) * bend[0] + t**2 * x1
            y = (1 - t) ** 2 * y0 + 2 * t * (1 - t) * bend[1] + t**2 * y1
            points.append((cx + x, cy + y))
    return points


def draw(size: int, *, maskable: bool = False, rounded: bool = True) -> Image.Image:
    """One icon: a big sparkle and a small one; ``maskable`` keeps them inside the 80 % safe zone."""
    big = size * SCALE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    if maskable or not rounded:
        pen.rectangle((0, 0, big, big), fill=BLUE)
    else:
        pen.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 0.22, fill=BLUE)
    unit = big * (0.62 if maskable else 0.8)
    offset = (big - unit) / 2
    pen.polygon(_star(offset + unit * 0.45, offset + unit * 0.55, unit * 0.42, 0.2), fill=WHITE)
    if size >= 32:
        pen.polygon(_star(offset + unit * 0.8, offset + unit * 0.2, unit * 0.16, 0.22), fill=WHITE)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    """Write every icon the manifest, the iOS meta and the favicon name."""
    icons = ASSETS / "icons"
    icons.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        draw(size).save(icons / f"icon-{size}.png", optimize=True)
    draw(512, maskable=True).save(icons / "icon-maskable-512.png", optimize=True)
    draw(180, rounded=False).save(icons / "apple-touch-icon.png", optimize=True)
    draw(64).save(ASSETS / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)])


if __name__ == "__main__":
    main()
