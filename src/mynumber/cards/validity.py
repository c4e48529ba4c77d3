"""How long an Individual Number Card and its JPKI certificates last (SPEC.md section 3).

- The card (マイナンバーカード) is valid to the holder's 10th birthday after issue if the holder
  is an adult on the day of issue, else to the 5th. The age of adulthood is 18 for cards issued
  on or after 1 April 2022 -- the day 民法第4条 as amended lowered the age of majority to 18 --
  and 20 for cards issued before. A foreign resident's card is valid no later than the end of
  the period of stay.
- Both certificates (公的個人認証, JPKI) are valid to the 5th birthday after issue, never past the
  card's expiry.
- A holder under 15 gets no signature certificate.

A birthday on the day of issue does not count: "after issue" means strictly after. Ages follow
年齢計算ニ関スル法律 and 民法第143条; see :func:`birthday_in` for 29 February.

>>> born = date(1990, 5, 5)
>>> card = card_expiry(born, date(2024, 1, 10))
>>> card
datetime.date(2033, 5, 5)
>>> certificate_expiry(born, date(2024, 1, 10), card)
datetime.date(2028, 5, 5)
"""

import calendar
from datetime import date
from typing import Final

from mynumber.cards.exceptions import CardError

SIGNATURE_CERTIFICATE_AGE: Final = 15
#: The first day on which a holder of 18 gets a 10-year card.
ADULT_AT_18_FROM: Final = date(2022, 4, 1)
ADULT_CARD_BIRTHDAYS: Final = 10
MINOR_CARD_BIRTHDAYS: Final = 5
CERTIFICATE_BIRTHDAYS: Final = 5


class InvalidCardDates(CardError, ValueError):
    """The dates given for a card cannot belong together (issued before birth, and the like)."""

    code = "invalid-card-dates"


def adult_age(issued_on: date) -> int:
    """Return the age from which a card issued on ``issued_on`` gets the 10-year validity.

    >>> adult_age(date(2022, 4, 1))
    18
    >>> adult_age(date(2022, 3, 31))
    20
    """
    return 18 if issued_on >= ADULT_AT_18_FROM else 20


def birthday_in(born: date, year: int) -> date:
    """Return the birthday in ``year`` of someone born on ``born``.

    By 年齢計算ニ関スル法律 an age is counted from the day of birth, and by 民法第143条 a year of
    age ends at the end of the day before the day corresponding to the birth date -- or, in a
    month without that day, at the end of the month's last day. Someone born on 29 February
    therefore completes each year at the end of 28 February. This module's choice: in a year with
    no 29 February, that birthday falls on 28 February (the last day of the month lacking the
    day), never in March.

    >>> birthday_in(date(2004, 2, 29), 2023)
    datetime.date(2023, 2, 28)
    >>> birthday_in(date(2004, 2, 29), 2024)
    datetime.date(2024, 2, 29)
    >>> birthday_in(date(1990, 5, 5), 2030)
    datetime.date(2030, 5, 5)
    """
    if born.month == 2 and born.day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return born.replace(year=year)


def _refuse_before_birth(born: date, day: date, what: str) -> None:
    """Raise InvalidCardDates if ``day`` (named ``what``) comes before ``born``."""
    if day < born:
        msg = f"the {what} ({day.isoformat()}) is before the date of birth ({born.isoformat()})"
        raise InvalidCardDates(msg)


def age_on(born: date, day: date) -> int:
    """Return the age, in completed years, on ``day`` of someone born on ``born``.

    The age goes up on the birthday (it is reached at the end of the day before).

    >>> age_on(date(2007, 6, 1), date(2025, 5, 31))
    17
    >>> age_on(date(2007, 6, 1), date(2025, 6, 1))
    18
    >>> age_on(date(2004, 2, 29), date(2019, 2, 28))
    15
    """
    _refuse_before_birth(born, day, "day")
    years = day.year - born.year
    if day < birthday_in(born, day.year):
        years -= 1
    return years


def nth_birthday_after(born: date, day: date, n: int) -> date:
    """Return the ``n``-th birthday strictly after ``day``: a birthday on ``day`` does not count.

    >>> nth_birthday_after(date(1990, 5, 5), date(2024, 5, 5), 1)
    datetime.date(2025, 5, 5)
    >>> nth_birthday_after(date(1990, 5, 5), date(2024, 5, 4), 1)
    datetime.date(2024, 5, 5)
    >>> nth_birthday_after(date(2004, 2, 29), date(2024, 3, 1), 5)
    datetime.date(2029, 2, 28)
    """
    if n < 1:
        msg = f"n counts birthdays from 1, not {n}"
        raise ValueError(msg)
    _refuse_before_birth(born, day, "day")
    first_year = day.year if birthday_in(born, day.year) > day else day.year + 1
    return birthday_in(born, first_year + n - 1)


def card_expiry(born: date, issued_on: date, *, period_of_stay_until: date | None = None) -> date:
    """Return the last day of validity of a card issued on ``issued_on``.

    The 10th birthday after issue if the holder is at least :func:`adult_age` that day, else the
    5th; for a foreign resident, no later than ``period_of_stay_until``.

    >>> card_expiry(date(2006, 7, 1), date(2024, 7, 1))
    datetime.date(2034, 7, 1)
    >>> card_expiry(date(2006, 7, 1), date(2024, 6, 30))
    datetime.date(2028, 7, 1)
    >>> card_expiry(date(1990, 5, 5), date(2024, 1, 10), period_of_stay_until=date(2027, 3, 31))
    datetime.date(2027, 3, 31)
    """
    _refuse_before_birth(born, issued_on, "day of issue")
    adult = age_on(born, issued_on) >= adult_age(issued_on)
    birthdays = ADULT_CARD_BIRTHDAYS if adult else MINOR_CARD_BIRTHDAYS
    expiry = nth_birthday_after(born, issued_on, birthdays)
    if period_of_stay_until is None:
        return expiry
    if period_of_stay_until <= issued_on:
        msg = (
            f"the period of stay ends on {period_of_stay_until.isoformat()}, not after the day"
            f" of issue ({issued_on.isoformat()}): renew the residence status before issuing"
        )
        raise InvalidCardDates(msg)
    return min(expiry, period_of_stay_until)


def certificate_expiry(born: date, issued_on: date, card_expires_on: date) -> date:
    """Return the last day of validity of a JPKI certificate issued on ``issued_on``.

    The 5th birthday after issue, or the card's expiry if that comes first.

    >>> certificate_expiry(date(1990, 5, 5), date(2024, 1, 10), date(2033, 5, 5))
    datetime.date(2028, 5, 5)
    >>> certificate_expiry(date(1990, 5, 5), date(2024, 1, 10), date(2027, 3, 31))
    datetime.date(2027, 3, 31)
    """
    _refuse_before_birth(born, issued_on, "day of issue")
    if card_expires_on <= issued_on:
        msg = (
            f"the card expired on {card_expires_on.isoformat()}, not after the day of issue"
            f" ({issued_on.isoformat()}): no certificate can be issued on it"
        )
        raise InvalidCardDates(msg)
    return min(nth_birthday_after(born, issued_on, CERTIFICATE_BIRTHDAYS), card_expires_on)


def may_hold_signature_certificate(born: date, on: date) -> bool:
    """Return whether someone born on ``born`` may hold a signature certificate on ``on`` (15+).

    >>> may_hold_signature_certificate(date(2010, 4, 2), date(2025, 4, 1))
    False
    >>> may_hold_signature_certificate(date(2010, 4, 2), date(2025, 4, 2))
    True
    """
    return age_on(born, on) >= SIGNATURE_CERTIFICATE_AGE
