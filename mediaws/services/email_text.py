"""The layout every email shares: a title, an introduction, tables of figures and links, as text and HTML.

Everything put in the HTML is escaped: project names and the like are the person's own words.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from mediaws.pricing.cost import Cost, exact_usd, micros_of

NAME_WIDTH = 40
Link = tuple[str, str]
"""Words and the URL they lead to."""


@dataclass(frozen=True)
class Row:
    """One line of figures: what, how much, and a note."""

    name: str
    value: str
    note: str = ""


@dataclass(frozen=True)
class Table:
    """Rows under a heading ("" for none)."""

    title: str
    rows: list[Row]


def usd(picos: int, *, exact: bool = False) -> str:
    """Pico-dollars as the app shows them (dollars and cents, or to the micro-dollar below a cent)."""
    if exact:
        return f"${exact_usd(picos)}"
    return Cost(micros_of(picos), "", "").display()


def one_line(words: str) -> str:
    """Someone's words with line breaks and runs of spaces made single spaces (for a subject)."""
    return " ".join(words.split())


def text_page(title: str, intro: str, tables: list[Table], links: list[Link]) -> str:
    """The plain-text body."""
    lines = [title, "=" * len(title), "", intro]
    for table in tables:
        lines.append("")
        if table.title:
            lines.append(table.title)
        width = min(NAME_WIDTH, max((len(row.name) for row in table.rows), default=0))
        value_width = max((len(row.value) for row in table.rows), default=0)
        for row in table.rows:
            name = row.name if len(row.name) <= width else row.name[: width - 1] + "…"
            lines.append(f"  {name:<{width}}  {row.value:>{value_width}}  {row.note}".rstrip())
    lines.append("")
    lines += [f"{words}: {url}" for words, url in links]
    return "\n".join(lines) + "\n"


def html_page(title: str, intro: str, tables: list[Table], links: list[Link]) -> str:
    """The HTML body, with inline styles only (mail clients drop style sheets)."""
    parts = [
        '<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#1c2024;max-width:640px">',
        f'<h1 style="font-size:20px">{escape(title)}</h1>',
        f'<p style="color:#60646c">{escape(intro)}</p>',
    ]
    for table in tables:
        if table.title:
            parts.append(f'<h2 style="font-size:16px;margin-top:24px">{escape(table.title)}</h2>')
        parts.append('<table style="border-collapse:collapse;width:100%">')
        parts += [
            "<tr>"
            f'<td style="padding:4px 8px 4px 0">{escape(row.name)}</td>'
            f'<td style="padding:4px 8px;text-align:right;white-space:nowrap">{escape(row.value)}</td>'
            f'<td style="padding:4px 0 4px 8px;color:#60646c">{escape(row.note)}</td>'
            "</tr>"
            for row in table.rows
        ]
        parts.append("</table>")
    parts += [
        f'<p style="margin-top:24px"><a href="{escape(url)}">{escape(words)}</a></p>' for words, url in links
    ]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
