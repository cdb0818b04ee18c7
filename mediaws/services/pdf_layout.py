"""What the PDF documents share: fonts, styles, safe text, tables that flow over pages, money, page numbers.

Any text a person typed (a project's name, a model's) goes through ``text``: XML special characters are
escaped, so ``<b>&`` prints as written, and characters the body font has no glyph for are set in one of the
CJK fonts every PDF viewer carries, so they stay real text (searchable, copyable) instead of vanishing.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, LongTable, Paragraph, SimpleDocTemplate, Table, TableStyle

from mediaws.pricing.cost import Cost, exact_usd, micros_of

MARGIN = 18 * mm
WIDTH = A4[0] - 2 * MARGIN
"""The width text and tables may take."""
DEJAVU_DIRS = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu-sans-fonts",
    "/usr/share/fonts/TTF",
)
"""Where Debian and Ubuntu, Fedora, and Arch keep DejaVu Sans (many scripts); elsewhere ReportLab's Vera."""
CJK_FONT = "HeiseiKakuGo-W5"
HANGUL_FONT = "HYGothic-Medium"
LINE = colors.HexColor("#c8ccd4")
SHADE = colors.HexColor("#eef0f4")
INK = colors.HexColor("#1f2430")
MUTED = colors.HexColor("#5d6473")
MONEY_RULE = (
    "Amounts are rounded to the nearest cent (a half cent to the even cent); amounts under a cent are shown "
    "to the micro-dollar. Every total is computed from the exact amounts (pico-dollars) before rounding, so "
    "rounded rows can differ from their rounded total by a fraction of a cent."
)


@lru_cache(maxsize=1)
def fonts() -> tuple[str, str]:
    """The body and bold font, registered once (with the CJK fallbacks)."""
    for folder in map(Path, DEJAVU_DIRS):
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            pdfmetrics.registerFont(TTFont("mediaws-sans", str(regular)))
            pdfmetrics.registerFont(TTFont("mediaws-sans-bold", str(bold)))
            break
    else:
        pdfmetrics.registerFont(TTFont("mediaws-sans", "Vera.ttf"))
        pdfmetrics.registerFont(TTFont("mediaws-sans-bold", "VeraBd.ttf"))
    for name in (CJK_FONT, HANGUL_FONT):
        pdfmetrics.registerFont(UnicodeCIDFont(name))
    return "mediaws-sans", "mediaws-sans-bold"


def _has_glyph(char: str) -> bool:
    return ord(char) in pdfmetrics.getFont(fonts()[0]).face.charToGlyph


def _fallback(char: str) -> str:
    return HANGUL_FONT if "HANGUL" in unicodedata.name(char, "") else CJK_FONT


def text(value: str) -> str:
    """Text for a Paragraph: escaped, control characters dropped, glyphs the body font lacks in a CJK font.

    Characters beyond the Basic Multilingual Plane that the body font lacks (emoji) become ``?``.
    """
    out: list[str] = []
    run: list[str] = []
    font = ""
    for char in value:
        if unicodedata.category(char) in ("Cc", "Cs"):
            continue
        if ord(char) > 0xFFFF and not _has_glyph(char):
            char = "?"  # an emoji, say: beyond the CJK fonts too
        wanted = "" if _has_glyph(char) else _fallback(char)
        if wanted != font and run:
            out.append(_run("".join(run), font))
            run = []
        font = wanted
        run.append(char)
    if run:
        out.append(_run("".join(run), font))
    return "".join(out)


def _run(chars: str, font: str) -> str:
    return f'<font name="{font}">{escape(chars)}</font>' if font else escape(chars)


def label(value: str, limit: int = 40) -> str:
    """Text for a chart's label, where fonts cannot be mixed: shortened, unknown glyphs as ``?``."""
    fonts()
    short = value if len(value) <= limit else value[: limit - 1] + "…"
    return "".join(char if _has_glyph(char) else "?" for char in short)


@dataclass(frozen=True)
class Styles:
    """The paragraph styles of a document."""

    title: ParagraphStyle
    heading: ParagraphStyle
    body: ParagraphStyle
    note: ParagraphStyle
    cell: ParagraphStyle
    figure: ParagraphStyle
    strong: ParagraphStyle
    strong_figure: ParagraphStyle


@lru_cache(maxsize=1)
def styles() -> Styles:
    """The styles, in the registered fonts."""
    regular, bold = fonts()
    body = ParagraphStyle("body", fontName=regular, fontSize=9, leading=12, textColor=INK)
    cell = ParagraphStyle("cell", parent=body, fontSize=8, leading=10)
    figure = ParagraphStyle("figure", parent=cell, alignment=TA_RIGHT)
    return Styles(
        title=ParagraphStyle("title", parent=body, fontName=bold, fontSize=18, leading=22, spaceAfter=4),
        heading=ParagraphStyle(
            "heading",
            parent=body,
            fontName=bold,
            fontSize=12,
            leading=15,
            spaceBefore=12,
            spaceAfter=4,
            keepWithNext=1,
        ),
        body=body,
        note=ParagraphStyle("note", parent=body, fontSize=7.5, leading=9.5, textColor=MUTED, spaceBefore=4),
        cell=cell,
        figure=figure,
        strong=ParagraphStyle("strong", parent=cell, fontName=bold),
        strong_figure=ParagraphStyle("strong_figure", parent=figure, fontName=bold),
    )


def money(picos: int) -> str:
    """An amount rounded for reading, as ``Cost.display`` shows amounts: ``$1,234.57``, ``$0.002468``."""
    micros = micros_of(picos)
    if picos and not micros:
        return "< $0.000001"
    return Cost(micros, "", "").display()


def exact_money(picos: int) -> str:
    """An amount with every digit it has, e.g. ``$1,234.567891``."""
    whole, _, fraction = (exact_usd(picos) or "0.00").partition(".")
    return f"${int(whole):,}.{fraction}"


def table(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    *,
    figures_from: int,
    bold_rows: Sequence[int] = (),
) -> LongTable:
    """A table that flows over pages repeating its header; columns from ``figures_from`` align right.

    Every cell is a Paragraph of escaped text, so a long or strange name wraps inside its column.
    ``bold_rows`` are indexes into ``rows`` (subtotals, the total), shaded and set in bold.
    """
    look = styles()
    bold = set(bold_rows)

    def cell(value: str, column: int, strong: bool) -> Paragraph:
        if column >= figures_from:
            return Paragraph(text(value), look.strong_figure if strong else look.figure)
        return Paragraph(text(value), look.strong if strong else look.cell)

    data = [[cell(value, n, True) for n, value in enumerate(header)]]
    data += [[cell(value, n, i in bold) for n, value in enumerate(row)] for i, row in enumerate(rows)]
    commands: list[tuple[Any, ...]] = [
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
        ("LINEBELOW", (0, 1), (-1, -1), 0.3, LINE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]
    commands += [("BACKGROUND", (0, i + 1), (-1, i + 1), SHADE) for i in sorted(bold)]
    return LongTable(data, colWidths=list(widths), repeatRows=1, style=TableStyle(commands), hAlign="LEFT")


def facts(pairs: Sequence[tuple[str, str]], label_width: float = 45 * mm) -> Table:
    """Named figures, one a line: the name in bold, then its value."""
    look = styles()
    rows = [[Paragraph(text(name), look.strong), Paragraph(text(value), look.cell)] for name, value in pairs]
    return Table(
        rows,
        colWidths=[label_width, WIDTH - label_width],
        hAlign="LEFT",
        style=TableStyle([("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5)]),
    )


def _numbered(footer: str) -> type[Canvas]:
    """A canvas that holds its pages back until the end, to write "Page N of M" on each."""

    class Numbered(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            regular = fonts()[0]
            for number, page in enumerate(self._pages, start=1):
                self.__dict__.update(page)
                self.setFont(regular, 7.5)
                self.setFillColor(MUTED)
                self.drawString(MARGIN, 10 * mm, label(footer, 90))
                self.drawRightString(A4[0] - MARGIN, 10 * mm, f"Page {number} of {len(self._pages)}")
                super().showPage()
            super().save()

    return Numbered


def render(story: list[Flowable], *, title: str, footer: str) -> bytes:
    """The document as PDF bytes, A4, with ``footer`` and the page number at the foot of every page."""
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm,
        title=title,
        author="mediaws",
        creator="mediaws",
    )
    document.build(story, canvasmaker=_numbered(footer))
    return buffer.getvalue()
