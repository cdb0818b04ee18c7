"""The analytics charts are valid Plotly figures that show names literally and leave no day out."""

from __future__ import annotations

from datetime import date

import plotly.graph_objects as go

from mediaws.services.analytics import Dashboard, Filters, Point, Reliability, Share
from mediaws.state import analytics_figures as figures


def _dashboard() -> Dashboard:
    shares = [Share(f"<b>model {i}</b> & co" + "x" * (3 * i), (20 - i) * 10**11, i + 1) for i in range(14)]
    return Dashboard(
        filters=Filters(date(2026, 11, 1), date(2026, 11, 30)),
        zone="Europe/Paris",
        total_cost_picos=sum(s.cost_picos for s in shares),
        reported_cost_picos=0,
        requests=105,
        succeeded=100,
        failed=4,
        cancelled=1,
        by_provider=shares[:3],
        by_model=shares,
        reliability=[Reliability("openai", 10, 1, 0), Reliability("anthropic", 0, 0, 0)],
        average_ms_by_model={"openai/gpt-5": 1500, "anthropic/claude": 900},
        heatmap=[[hour for hour in range(24)] for _ in range(7)],
    )


def test_every_figure_is_a_valid_plotly_figure() -> None:
    """Plotly accepts each figure as it is sent to the browser (a wrong key would be refused)."""
    found = _dashboard()
    points = figures.filled(
        [Point(date(2026, 11, 3), 10**12, 3, 2, 1)], date(2026, 11, 1), date(2026, 11, 30), "day"
    )
    made = [
        figures.spend_trend(points, "day"),
        figures.request_volume(points),
        figures.share_pie(found.by_model),
        figures.share_bars(found.by_model),
        figures.reliability(found),
        figures.average_time(found),
        figures.heatmap(found.heatmap),
        figures.share_bars([]),
    ]
    for figure in made:
        go.Figure(figure)


def test_names_are_shown_as_text_and_long_ones_shortened() -> None:
    """A project called "<b>…" is drawn with its brackets, and the hover keeps the whole name."""
    bars = figures.share_bars(_dashboard().by_model)["data"][0]
    assert all("<b>" not in label for label in bars["y"])
    assert bars["y"][-1].startswith("&lt;b&gt;model 0&lt;/b&gt; &amp; co")
    assert max(len(label) for label in bars["y"]) <= 60
    assert any(label.endswith("…") for label in bars["y"])
    assert bars["customdata"][0][2].endswith("x" * 27)


def test_the_pie_keeps_ten_slices_and_sums_the_rest() -> None:
    """Past ten slices the rest is one "Other" slice, so the total still adds up."""
    pie = figures.share_pie(_dashboard().by_model)["data"][0]
    assert len(pie["labels"]) == 11 and pie["labels"][-1] == "Other"
    assert sum(pie["values"]) == sum((20 - i) * 10**11 for i in range(14)) / 10**12


def test_quiet_days_weeks_and_months_are_drawn_as_zero() -> None:
    """A range with spend on one day shows every other day at $0 instead of a line across the gap."""
    spent = [Point(date(2026, 11, 3), 5, 1, 1, 0)]
    days = figures.filled(spent, date(2026, 11, 1), date(2026, 11, 7), "day")
    assert [p.start.day for p in days] == [1, 2, 3, 4, 5, 6, 7]
    assert [p.cost_picos for p in days] == [0, 0, 5, 0, 0, 0, 0]
    weeks = figures.filled([], date(2026, 11, 4), date(2026, 11, 30), "week")
    assert [p.start for p in weeks][:2] == [date(2026, 11, 2), date(2026, 11, 9)]
    assert weeks[-1].start == date(2026, 11, 30)
    months = figures.filled([], date(2026, 1, 31), date(2026, 12, 1), "month")
    assert [p.start.month for p in months] == list(range(1, 13))
