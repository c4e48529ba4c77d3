"""How long a card and its certificates last: ages, birthdays, the adult boundary, stays."""

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from mynumber.cards.exceptions import CardError
from mynumber.cards.validity import (
    InvalidCardDates,
    adult_age,
    age_on,
    birthday_in,
    card_expiry,
    certificate_expiry,
    may_hold_signature_certificate,
    nth_birthday_after,
)

ONE_DAY = timedelta(days=1)
#: Born 2 June 2005: 15 on 2 June 2020, 18 on 2 June 2023 (after the April 2022 change).
BORN = date(2005, 6, 2)
LEAP_BORN = date(2004, 2, 29)

births = st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 12, 31))
gaps = st.integers(min_value=0, max_value=120 * 366)


def test_adult_age_changes_on_1_april_2022() -> None:
    """Cards issued from 1 April 2022 treat 18 as adult; earlier ones 20."""
    assert adult_age(date(2022, 3, 31)) == 20
    assert adult_age(date(2022, 4, 1)) == 18
    assert adult_age(date(2016, 1, 1)) == 20


def test_invalid_card_dates_is_a_card_error_and_a_value_error() -> None:
    """InvalidCardDates can be caught as CardError or as ValueError, code invalid-card-dates."""
    assert issubclass(InvalidCardDates, CardError)
    assert issubclass(InvalidCardDates, ValueError)
    assert InvalidCardDates.code == "invalid-card-dates"


@pytest.mark.parametrize(
    ("year", "expected"),
    [(2023, date(2023, 2, 28)), (2024, date(2024, 2, 29)), (2100, date(2100, 2, 28))],
)
def test_29_february_birthday(year: int, expected: date) -> None:
    """A 29 February birthday falls on 28 February in a year that is not a leap year."""
    assert birthday_in(LEAP_BORN, year) == expected


@pytest.mark.parametrize(
    ("day", "age"),
    [(date(2020, 6, 1), 14), (date(2020, 6, 2), 15), (date(2020, 6, 3), 15), (BORN, 0)],
)
def test_age_goes_up_on_the_birthday(day: date, age: int) -> None:
    """The age is one less the day before the birthday and reached on the birthday itself."""
    assert age_on(BORN, day) == age


@pytest.mark.parametrize(
    ("day", "age"),
    [
        (date(2019, 2, 27), 14),
        (date(2019, 2, 28), 15),
        (date(2020, 2, 28), 15),
        (date(2020, 2, 29), 16),
    ],
)
def test_age_of_someone_born_on_29_february(day: date, age: int) -> None:
    """Born on 29 February: the age goes up on 28 February in common years, 29 in leap years."""
    assert age_on(LEAP_BORN, day) == age


@pytest.mark.parametrize(
    ("day", "allowed"),
    [(date(2020, 6, 1), False), (date(2020, 6, 2), True), (date(2020, 6, 3), True)],
)
def test_signature_certificate_from_15(day: date, *, allowed: bool) -> None:
    """A signature certificate may be held from the 15th birthday, not the day before."""
    assert may_hold_signature_certificate(BORN, day) is allowed


def test_birthday_on_the_day_of_issue_does_not_count() -> None:
    """The n-th birthday after a birthday is n years later, not n - 1."""
    assert nth_birthday_after(BORN, date(2023, 6, 2), 1) == date(2024, 6, 2)
    assert nth_birthday_after(BORN, date(2023, 6, 1), 1) == date(2023, 6, 2)


@pytest.mark.parametrize(
    ("issued_on", "expiry"),
    [
        (date(2023, 6, 1), date(2027, 6, 2)),
        (date(2023, 6, 2), date(2033, 6, 2)),
        (date(2023, 6, 3), date(2033, 6, 2)),
    ],
)
def test_card_validity_at_18(issued_on: date, expiry: date) -> None:
    """Issued the day before the 18th birthday: to the 5th birthday after; on or after it: 10th."""
    assert card_expiry(BORN, issued_on) == expiry


@pytest.mark.parametrize(
    ("issued_on", "expiry"),
    [
        (date(2020, 6, 1), date(2024, 6, 2)),
        (date(2020, 6, 2), date(2025, 6, 2)),
        (date(2020, 6, 3), date(2025, 6, 2)),
    ],
)
def test_card_validity_at_15(issued_on: date, expiry: date) -> None:
    """Around the 15th birthday the card runs to the 5th birthday after issue, that day excluded."""
    assert card_expiry(BORN, issued_on) == expiry


@pytest.mark.parametrize(
    ("born", "issued_on", "expiry"),
    [
        (date(2002, 1, 10), date(2022, 1, 9), date(2026, 1, 10)),
        (date(2002, 1, 10), date(2022, 1, 10), date(2032, 1, 10)),
        (date(2003, 3, 1), date(2022, 3, 31), date(2027, 3, 1)),
        (date(2003, 3, 1), date(2022, 4, 1), date(2032, 3, 1)),
    ],
)
def test_twenty_was_adult_before_april_2022(born: date, issued_on: date, expiry: date) -> None:
    """Before 1 April 2022 a 19-year-old got 5 birthdays and a 20-year-old 10; after, 18+ got 10."""
    assert card_expiry(born, issued_on) == expiry


@pytest.mark.parametrize(
    ("issued_on", "expiry"),
    [
        (date(2024, 2, 29), date(2034, 2, 28)),
        (date(2024, 2, 28), date(2033, 2, 28)),
        (date(2023, 2, 28), date(2033, 2, 28)),
        (date(2023, 3, 1), date(2033, 2, 28)),
        (date(2027, 3, 1), date(2037, 2, 28)),
        (date(2027, 1, 15), date(2036, 2, 29)),
    ],
)
def test_card_of_someone_born_on_29_february(issued_on: date, expiry: date) -> None:
    """Born 29 February 2004: issued in leap and common years, the card ends on a real day."""
    assert card_expiry(LEAP_BORN, issued_on) == expiry


def test_foreign_resident_stay_ends_before_the_10th_birthday() -> None:
    """A card is never valid past the end of the holder's period of stay."""
    stay = date(2027, 3, 31)
    assert card_expiry(date(1990, 5, 5), date(2024, 1, 10), period_of_stay_until=stay) == stay


def test_foreign_resident_stay_longer_than_the_card() -> None:
    """A stay that ends after the 10th birthday does not lengthen the card."""
    far = date(2040, 1, 1)
    assert card_expiry(date(1990, 5, 5), date(2024, 1, 10), period_of_stay_until=far) == date(
        2033, 5, 5
    )


def test_stay_ending_by_the_day_of_issue_is_refused() -> None:
    """No card can be issued on or after the day the period of stay ends."""
    with pytest.raises(InvalidCardDates, match="period of stay"):
        card_expiry(date(1990, 5, 5), date(2024, 1, 10), period_of_stay_until=date(2024, 1, 10))


def test_certificate_runs_to_the_5th_birthday() -> None:
    """An adult's certificate runs to the 5th birthday after issue, the card to the 10th."""
    card = card_expiry(BORN, date(2024, 1, 10))
    assert card == date(2033, 6, 2)
    assert certificate_expiry(BORN, date(2024, 1, 10), card) == date(2028, 6, 2)


def test_certificate_capped_by_the_card() -> None:
    """A certificate never outlives the card, e.g. a card cut short by the period of stay."""
    card = card_expiry(BORN, date(2024, 1, 10), period_of_stay_until=date(2026, 9, 30))
    assert certificate_expiry(BORN, date(2024, 1, 10), card) == date(2026, 9, 30)


def test_certificate_on_an_expired_card_is_refused() -> None:
    """A certificate cannot be issued on a card that has expired by the day of issue."""
    with pytest.raises(InvalidCardDates, match="card expired"):
        certificate_expiry(BORN, date(2024, 1, 10), date(2024, 1, 9))


@pytest.mark.parametrize(
    "call",
    [
        lambda: card_expiry(BORN, BORN - ONE_DAY),
        lambda: certificate_expiry(BORN, BORN - ONE_DAY, date(2030, 1, 1)),
        lambda: age_on(BORN, BORN - ONE_DAY),
        lambda: may_hold_signature_certificate(BORN, date(2000, 1, 1)),
        lambda: nth_birthday_after(BORN, BORN - ONE_DAY, 1),
    ],
)
def test_dates_before_birth_are_refused(call: Callable[[], object]) -> None:
    """A card, certificate or age on a day before birth is refused as InvalidCardDates."""
    with pytest.raises(InvalidCardDates, match="before the date of birth"):
        call()


def test_nth_birthday_counts_from_one() -> None:
    """Asking for the 0th birthday is a programming error."""
    with pytest.raises(ValueError, match="from 1"):
        nth_birthday_after(BORN, BORN, 0)


@given(
    born=births, age_days=gaps, stay_days=st.none() | st.integers(min_value=-30, max_value=20 * 366)
)
def test_card_expiry_after_issue_and_within_stay(
    born: date, age_days: int, stay_days: int | None
) -> None:
    """The card always expires after issue and never after the period of stay."""
    issued_on = born + timedelta(days=age_days)
    stay = None if stay_days is None else issued_on + timedelta(days=stay_days)
    if stay is not None and stay <= issued_on:
        with pytest.raises(InvalidCardDates):
            card_expiry(born, issued_on, period_of_stay_until=stay)
        return
    expiry = card_expiry(born, issued_on, period_of_stay_until=stay)
    assert expiry > issued_on
    assert stay is None or expiry <= stay
    assert expiry <= nth_birthday_after(born, issued_on, 10)


@given(
    born=births, age_days=gaps, stay_days=st.none() | st.integers(min_value=1, max_value=20 * 366)
)
def test_certificate_never_outlives_the_card(
    born: date, age_days: int, stay_days: int | None
) -> None:
    """A certificate expires after issue and no later than its card."""
    issued_on = born + timedelta(days=age_days)
    stay = None if stay_days is None else issued_on + timedelta(days=stay_days)
    card = card_expiry(born, issued_on, period_of_stay_until=stay)
    certificate = certificate_expiry(born, issued_on, card)
    assert issued_on < certificate <= card


@given(born=births, age_days=gaps)
def test_age_matches_counted_birthdays(born: date, age_days: int) -> None:
    """The age stays the same up to the day before the next birthday, which raises it by one."""
    day = born + timedelta(days=age_days)
    next_birthday = nth_birthday_after(born, day, 1)
    assume(next_birthday.year <= 9999)
    assert age_on(born, next_birthday) == age_on(born, day) + 1
    assert age_on(born, next_birthday - ONE_DAY) == age_on(born, day)
