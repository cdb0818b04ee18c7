"""A range of days is read from the month totals of the months it covers whole, and days for the rest."""

from __future__ import annotations

from datetime import date

import pytest

from mediaws.services.analytics import whole_months


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (date(2026, 9, 4), date(2026, 12, 2), (date(2026, 10, 1), date(2026, 12, 1))),
        (date(2026, 11, 1), date(2026, 11, 30), (date(2026, 11, 1), date(2026, 12, 1))),
        (date(2026, 12, 1), date(2026, 12, 31), (date(2026, 12, 1), date(2027, 1, 1))),
        (date(2028, 1, 31), date(2028, 3, 1), (date(2028, 2, 1), date(2028, 3, 1))),  # a leap February
        (date(2026, 1, 31), date(2026, 3, 30), (date(2026, 2, 1), date(2026, 3, 1))),
        (date(2026, 11, 2), date(2026, 11, 30), None),
        (date(2026, 11, 1), date(2026, 11, 29), None),
        (date(2026, 11, 15), date(2026, 12, 14), None),
        (date(2026, 11, 1), date(2026, 11, 1), None),
    ],
)
def test_whole_months_are_those_the_range_covers_from_first_to_last_day(
    start: date, end: date, months: tuple[date, date] | None
) -> None:
    assert whole_months(start, end) == months
