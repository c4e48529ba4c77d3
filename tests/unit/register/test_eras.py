"""Dates in the Japanese era calendar, at the first and last day of each era."""

from datetime import date

import pytest

from mynumber.register.eras import InvalidDate, japanese_date


@pytest.mark.parametrize(
    ("day", "written"),
    [
        (date(1873, 1, 1), "明治6年1月1日"),
        (date(1912, 7, 29), "明治45年7月29日"),
        (date(1912, 7, 30), "大正元年7月30日"),
        (date(1926, 12, 24), "大正15年12月24日"),
        (date(1926, 12, 25), "昭和元年12月25日"),
        (date(1989, 1, 7), "昭和64年1月7日"),
        (date(1989, 1, 8), "平成元年1月8日"),
        (date(2019, 4, 30), "平成31年4月30日"),
        (date(2019, 5, 1), "令和元年5月1日"),
        (date(2025, 4, 1), "令和7年4月1日"),
    ],
)
def test_era_changes_on_its_first_day(day: date, written: str) -> None:
    """Each era starts on its proclaimed day, and its first year is written 元年."""
    assert japanese_date(day) == written


def test_date_before_the_gregorian_calendar_is_refused() -> None:
    """Dates before 1873-01-01 were in the lunisolar calendar and are not converted."""
    with pytest.raises(InvalidDate, match="Gregorian"):
        japanese_date(date(1872, 12, 31))
