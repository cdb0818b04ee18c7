"""The usage report's charts as vector drawings: spend per day, by provider and by model, requests by hour.

Amounts become floats here only to place bars and slices; every figure printed as text is exact.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date, timedelta

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors

from mediaws.services import analytics
from mediaws.services.pdf_layout import INK, LINE, MUTED, WIDTH, fonts, label

PICOS_PER_USD = 10**12
PALETTE = [colors.HexColor(c) for c in ("#3b6fd8", "#e0823d", "#3fa37a", "#c2477c", "#8a63d2", "#9a8a3a")]
OTHERS = colors.HexColor("#a8adb8")
MOST_SLICES = 6
MOST_BARS = 12
WEEKLY_FROM_DAYS = 92
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _dollars(picos: int) -> float:
    return picos / PICOS_PER_USD


def _usd_axis(top: float) -> Callable[[float], str]:
    places = 2 if top >= 1 else 4 if top >= 0.01 else 6
    return lambda value: f"${value:,.{places}f}"


def _top(shares: Sequence[analytics.Share], most: int) -> tuple[list[tuple[str, int]], bool]:
    """The largest spends by name, the rest summed as a last "others" entry (and whether there is one).

    Shares without spend are left out.
    """
    spent = [(share.name, share.cost_picos) for share in shares if share.cost_picos > 0]
    if len(spent) <= most:
        return spent, False
    rest = spent[most - 1 :]
    return [*spent[: most - 1], (f"{len(rest)} others", sum(picos for _, picos in rest))], True


def spend_bars(points: Sequence[analytics.Point], start: date, end: date) -> tuple[str, Drawing]:
    """Bars of spend for every day of the range (every week from Monday past 92 days), and their title."""
    regular = fonts()[0]
    weekly = (end - start).days >= WEEKLY_FROM_DAYS

    def period(day: date) -> date:
        return day - timedelta(days=day.weekday()) if weekly else day

    spent: dict[date, int] = defaultdict(int)
    for point in points:
        spent[period(point.start)] += point.cost_picos
    first = period(start)
    starts = [first + timedelta(days=n) for n in range(0, (end - first).days + 1, 7 if weekly else 1)]
    values = [_dollars(spent[day]) for day in starts]
    every = max(1, math.ceil(len(starts) / 8))
    drawing = Drawing(WIDTH, 150)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 55, 25, WIDTH - 65, 115
    chart.data = [values]
    chart.bars[0].fillColor = PALETTE[0]
    chart.bars[0].strokeColor = None
    chart.categoryAxis.categoryNames = [
        f"{day.day} {day:%b %Y}" if n % every == 0 else "" for n, day in enumerate(starts)
    ]
    chart.categoryAxis.labels.fontName = regular
    chart.categoryAxis.labels.fontSize = 6.5
    chart.categoryAxis.labels.boxAnchor = "n"
    chart.categoryAxis.tickShift = 0
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontName = regular
    chart.valueAxis.labels.fontSize = 6.5
    chart.valueAxis.labelTextFormat = _usd_axis(max(values))
    chart.valueAxis.gridStrokeColor = LINE
    chart.valueAxis.visibleGrid = True
    drawing.add(chart)
    return ("Spend per week (from Monday)" if weekly else "Spend per day"), drawing


def provider_pie(shares: Sequence[analytics.Share]) -> Drawing:
    """Each provider's part of the spend, the smallest ones together."""
    regular = fonts()[0]
    slices, merged = _top(shares, MOST_SLICES)
    total = sum(picos for _, picos in slices)
    drawing = Drawing(WIDTH, 150)
    pie = Pie()
    pie.x, pie.y, pie.width, pie.height = WIDTH / 2 - 60, 15, 120, 120
    pie.data = [picos for _, picos in slices]
    pie.labels = [f"{label(name, 28)} {picos * 100 / total:.1f} %" for name, picos in slices]
    pie.sideLabels = True
    pie.slices.strokeColor = colors.white
    pie.slices.fontName = regular
    pie.slices.fontSize = 7
    pie.slices.fontColor = INK
    for n in range(len(slices)):
        pie.slices[n].fillColor = PALETTE[n % len(PALETTE)]
    if merged:
        pie.slices[len(slices) - 1].fillColor = OTHERS
    drawing.add(pie)
    return drawing


def model_bars(shares: Sequence[analytics.Share]) -> Drawing:
    """Spend by model, largest at the top, the smallest ones together."""
    regular = fonts()[0]
    bars = list(reversed(_top(shares, MOST_BARS)[0]))
    values = [_dollars(picos) for _, picos in bars]
    drawing = Drawing(WIDTH, 20 + 16 * len(bars))
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 175, 15, WIDTH - 190, 16 * len(bars)
    chart.data = [values]
    chart.bars[0].fillColor = PALETTE[1]
    chart.bars[0].strokeColor = None
    chart.barWidth = 10
    chart.categoryAxis.categoryNames = [label(name, 38) for name, _ in bars]
    chart.categoryAxis.labels.fontName = regular
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontName = regular
    chart.valueAxis.labels.fontSize = 6.5
    chart.valueAxis.labelTextFormat = _usd_axis(max(values))
    chart.valueAxis.gridStrokeColor = LINE
    chart.valueAxis.visibleGrid = True
    drawing.add(chart)
    return drawing


def heatmap(grid: Sequence[Sequence[int]]) -> Drawing:
    """Requests by weekday (rows, Monday first) and hour of the day (columns): darker is more."""
    regular = fonts()[0]
    most = max(max(row) for row in grid) or 1
    cell, left, top = (WIDTH - 40) / 24, 32, 7 * 13 + 28
    drawing = Drawing(WIDTH, top + 4)
    for day, row in enumerate(grid):
        y = top - 13 * (day + 1)
        drawing.add(String(left - 4, y + 3, WEEKDAYS[day], fontName=regular, fontSize=7, textAnchor="end"))
        for hour, count in enumerate(row):
            shade = colors.linearlyInterpolatedColor(colors.white, PALETTE[0], 0, most, count)
            drawing.add(
                Rect(left + hour * cell, y, cell - 1, 12, fillColor=shade, strokeColor=LINE, strokeWidth=0.3)
            )
    for hour in range(0, 24, 3):
        hour_label = String(left + hour * cell + 1, 12, f"{hour:02d}:00", fontName=regular, fontSize=6.5)
        hour_label.fillColor = MUTED
        drawing.add(hour_label)
    caption = f"The darker a cell, the more requests finished in that hour (the darkest: {most:,})."
    darkest = String(left, 0, caption, fontName=regular, fontSize=6.5)
    darkest.fillColor = MUTED
    drawing.add(darkest)
    return drawing
