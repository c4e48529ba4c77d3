"""The retention a task implies when a body gives none, and when a holding falls due."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mynumber.holdings.retention import (
    DEFAULT_RETENTION_YEARS,
    add_years,
    default_retention,
    is_due,
)
from mynumber.network.bodies import TASKS
from mynumber.network.exceptions import UnknownTask

DAYS = st.dates(min_value=date(2016, 1, 1), max_value=date(2090, 12, 31))


def test_a_withholding_slip_number_is_kept_seven_years() -> None:
    """An employer's number for the withholding slip is kept to the same day 7 years on."""
    assert DEFAULT_RETENTION_YEARS == 7
    assert default_retention("employer:withholding-slip", date(2026, 11, 26)) == date(2033, 11, 26)


def test_a_leap_day_collection_ends_on_the_28th_of_february() -> None:
    """29 February plus 7 years is 28 February: there is no 29th that year."""
    assert default_retention("bank:payment-records", date(2028, 2, 29)) == date(2035, 2, 28)
    assert add_years(date(2028, 2, 29), 4) == date(2032, 2, 29)


def test_a_task_no_law_lists_has_no_retention() -> None:
    """An unknown task is refused, not given a default."""
    with pytest.raises(UnknownTask):
        default_retention("employer:marketing", date(2026, 1, 1))


@given(task=st.sampled_from(sorted(TASKS)), day=DAYS)
def test_every_task_keeps_the_number_beyond_the_collection_and_not_for_ever(
    task: str, day: date
) -> None:
    """The default ends after the collection day, within 7 years and a day of it."""
    until = default_retention(task, day)
    assert day < until
    assert until.year == day.year + DEFAULT_RETENTION_YEARS
    assert (until - day) <= timedelta(days=366 * DEFAULT_RETENTION_YEARS)


@given(until=DAYS, offset=st.integers(min_value=-400, max_value=400))
def test_a_holding_is_due_only_after_its_last_day(until: date, offset: int) -> None:
    """The last day of retention still keeps the holding; the day after deletes it."""
    assert is_due(until, until + timedelta(days=offset)) is (offset > 0)
