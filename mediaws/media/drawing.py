"""Seeded abstract compositions with the prompt set on them, drawn with Pillow."""

from __future__ import annotations

import colorsys
import hashlib
import io
import random
import textwrap
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps

MAX_CAPTION_CHARS = 240
MAX_CAPTION_LINES = 4

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class Palette:
    """Colours chosen for one composition."""

    background_top: RGB
    background_bottom: RGB
    accents: tuple[RGB, ...]
    ink: RGB


def seeded_rng(prompt: str, seed: int, salt: str = "") -> random.Random:
    """A random generator fixed by the prompt, the seed and a salt (stable across runs and machines)."""
    digest = hashlib.sha256(f"{seed}\x00{salt}\x00{prompt}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))  # noqa: S311


def _hsv(hue: float, saturation: float, value: float) -> RGB:
    red, green, blue = colorsys.hsv_to_rgb(hue % 1.0, saturation, value)
    return round(red * 255), round(green * 255), round(blue * 255)


def palette(rng: random.Random) -> Palette:
    """An analogous palette around a random hue with one complementary accent."""
    hue = rng.random()
    spread = rng.uniform(0.05, 0.14)
    dark = rng.random() < 0.6
    top = _hsv(hue - spread, rng.uniform(0.45, 0.8), 0.22 if dark else 0.92)
    bottom = _hsv(hue + spread, rng.uniform(0.5, 0.9), 0.45 if dark else 0.7)
    accents = tuple(
        _hsv(hue + offset, rng.uniform(0.45, 0.85), rng.uniform(0.7, 1.0))
        for offset in (-2 * spread, -spread, 0.0, spread, 2 * spread, 0.5)
    )
    ink = (250, 250, 247) if dark else (24, 24, 32)
    return Palette(top, bottom, accents, ink)


def _gradient(width: int, height: int, top: RGB, bottom: RGB, angle: float) -> Image.Image:
    mask = Image.linear_gradient("L").rotate(angle, resample=Image.Resampling.BICUBIC, expand=False)
    mask = ImageOps.fit(mask.crop((32, 32, 224, 224)), (width, height), Image.Resampling.BICUBIC)
    return Image.composite(
        Image.new("RGB", (width, height), bottom), Image.new("RGB", (width, height), top), mask
    )


def _shape(draw: ImageDraw.ImageDraw, rng: random.Random, width: int, height: int, colour: RGB) -> None:
    unit = min(width, height)
    cx, cy = rng.uniform(-0.1, 1.1) * width, rng.uniform(-0.1, 1.1) * height
    radius = rng.uniform(0.08, 0.42) * unit
    alpha = rng.randint(70, 190)
    fill = (*colour, alpha)
    kind = rng.choice(("circle", "circle", "ring", "rounded", "polygon"))
    box = (cx - radius, cy - radius, cx + radius, cy + radius)
    if kind == "circle":
        draw.ellipse(box, fill=fill)
    elif kind == "ring":
        draw.ellipse(box, outline=fill, width=max(2, round(radius * rng.uniform(0.05, 0.2))))
    elif kind == "rounded":
        draw.rounded_rectangle(box, radius=radius * rng.uniform(0.15, 0.5), fill=fill)
    else:
        sides = rng.randint(3, 6)
        draw.regular_polygon((cx, cy, radius), sides, rotation=rng.uniform(0, 360), fill=fill)


def composition(prompt: str, seed: int, width: int, height: int) -> Image.Image:
    """An abstract picture fixed by prompt and seed: gradient, blurred far shapes, sharp near shapes."""
    colours = palette(seeded_rng(prompt, seed, "palette"))
    rng = seeded_rng(prompt, seed, "shapes")
    image = _gradient(width, height, colours.background_top, colours.background_bottom, rng.uniform(-40, 40))
    image = image.convert("RGBA")
    for depth, count, blur in (("far", rng.randint(4, 7), 0.06), ("near", rng.randint(3, 6), 0.0)):
        layer = Image.new("RGBA", (width, height), (0, 0, 0, 0))
        draw = ImageDraw.Draw(layer)
        for _ in range(count):
            _shape(draw, rng, width, height, rng.choice(colours.accents))
        if depth == "far":
            layer = layer.filter(ImageFilter.GaussianBlur(blur * min(width, height)))
        image = Image.alpha_composite(image, layer)
    return image.convert("RGB")


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _wrap(text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, max_width: int) -> list[str]:
    words = " ".join(text.split())
    if len(words) > MAX_CAPTION_CHARS:
        words = words[: MAX_CAPTION_CHARS - 1].rstrip() + "…"
    probe = ImageDraw.Draw(Image.new("L", (1, 1)))
    for columns in range(80, 7, -2):
        lines = textwrap.wrap(words, columns) or [""]
        if all(probe.textlength(line, font=font) <= max_width for line in lines):
            break
    if len(lines) > MAX_CAPTION_LINES:
        lines = [*lines[: MAX_CAPTION_LINES - 1], lines[MAX_CAPTION_LINES - 1].rstrip(" .,") + "…"]
    return lines


def caption_layer(prompt: str, width: int, height: int, ink: RGB = (250, 250, 247)) -> Image.Image:
    """A transparent layer with the prompt wrapped on a soft panel in the lower third."""
    layer = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    if not prompt.strip():
        return layer
    unit = min(width, height)
    font = _font(max(12, round(unit / 17)))
    margin = round(unit * 0.06)
    lines = _wrap(prompt, font, width - 4 * margin)
    draw = ImageDraw.Draw(layer)
    spacing = round(font.size * 0.3) if isinstance(font, ImageFont.FreeTypeFont) else 4
    text = "\n".join(lines)
    left, top, right, bottom = draw.multiline_textbbox((0, 0), text, font=font, spacing=spacing)
    text_width, text_height = right - left, bottom - top
    x = (width - text_width) // 2
    y = height - margin - text_height - margin
    panel = (
        x - margin,
        y - margin // 2,
        x + text_width + margin,
        y + text_height + margin // 2 + margin // 3,
    )
    shade = (0, 0, 0, 120) if sum(ink) > 384 else (255, 255, 255, 150)
    draw.rounded_rectangle(panel, radius=margin // 2, fill=shade)
    draw.multiline_text(
        (x - left, y - top), text, font=font, fill=(*ink, 255), spacing=spacing, align="center"
    )
    return layer


def draw_image(prompt: str, seed: int, width: int, height: int) -> Image.Image:
    """The composition for prompt and seed with the prompt set on it."""
    picture = composition(prompt, seed, width, height)
    caption = caption_layer(prompt, width, height, palette(seeded_rng(prompt, seed, "palette")).ink)
    picture.paste(caption, (0, 0), caption)
    return picture


def png_bytes(image: Image.Image) -> bytes:
    """Encode as PNG without metadata, so equal pixels give equal bytes."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False, compress_level=6)
    return buffer.getvalue()
