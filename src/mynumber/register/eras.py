"""Dates of birth as matching keys: ISO dates and dates in a Japanese era (和暦).

Registers and forms write a date of birth as 昭和60年1月2日, S60.1.2 or 1985-01-02. Each era's
first and last day (Gregorian) is fixed by the law or decree that named it:

======  ======  ============  ============  ==============================================
Era     Letter  First day     Last day      Source
======  ======  ============  ============  ==============================================
明治    M       (1868)        1912-07-29    明治改元の詔 (1868); 太政官布告第337号 (1872)
大正    T       1912-07-30    1926-12-24    大正改元の詔書
昭和    S       1926-12-25    1989-01-07    昭和改元の詔書
平成    H       1989-01-08    2019-04-30    元号を改める政令 (昭和64年政令第1号)
令和    R       2019-05-01    --            元号を改める政令 (平成31年政令第143号)
======  ======  ============  ============  ==============================================

Year 1 of an era is 元年. Japan kept the lunisolar calendar until 明治5年12月2日; the next day
was 明治6年1月1日 = 1873-01-01 (太政官布告第337号). Earlier 明治 dates cannot be converted by
arithmetic and are refused with a message asking for the Gregorian date; no one born then is alive.

A date that does not exist -- 平成31年5月1日 (平成 had ended the day before), 2月30日, 昭和0年 --
raises :class:`InvalidDate`, a ``ValueError``, with a message saying what is wrong. There is no
clock here: whether a date of birth lies in the future is for the caller, who has one.

>>> normalize_date("昭和60年1月2日") == normalize_date("S60.1.2") == normalize_date("1985-01-02")
True
>>> normalize_date("平成31年5月1日")
Traceback (most recent call last):
    ...
mynumber.register.eras.InvalidDate: 平成31年5月1日 is not a date: 平成 ended on 2019-04-30 ...
"""

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime

from mynumber.register.notation import (
    KANJI_NUMERAL,
    InvalidAttribute,
    arabic_numerals,
    compatibility_fold,
)


class InvalidDate(InvalidAttribute):
    """The text is not a date, or names a day that does not exist."""

    code = "invalid-date"


@dataclass(frozen=True)
class Era:
    """A Japanese era (元号): its name, its letter and the Gregorian days it spans."""

    name: str
    letter: str
    first_day: date
    #: ``None`` for the current era.
    last_day: date | None


#: Days before this are in the lunisolar calendar (明治5年12月2日 and earlier).
GREGORIAN_ADOPTION = date(1873, 1, 1)
ERAS = (
    # 明治元年 began on 慶応4年1月1日 (lunisolar), 1868-01-25; only its Gregorian days are used.
    Era("明治", "M", date(1868, 1, 25), date(1912, 7, 29)),
    Era("大正", "T", date(1912, 7, 30), date(1926, 12, 24)),
    Era("昭和", "S", date(1926, 12, 25), date(1989, 1, 7)),
    Era("平成", "H", date(1989, 1, 8), date(2019, 4, 30)),
    Era("令和", "R", date(2019, 5, 1), None),
)
_BY_NAME = {key: era for era in ERAS for key in (era.name, era.name[0], era.letter.casefold())}

_NUMERALS = re.compile(f"({KANJI_NUMERAL})(?=[年月日])")
_ERA_DATE = re.compile(
    r"(明治|大正|昭和|平成|令和|[明大昭平令mtshr])(\d{1,3})[年./-](\d{1,2})[月./-](\d{1,2})日?"
)
_WESTERN_DATE = re.compile(r"(\d{4})[年./-](\d{1,2})[月./-](\d{1,2})日?|(\d{4})(\d{2})(\d{2})")


def normalize_date(value: date | str) -> date:
    """Return the date ``value`` names: a ``date``, an ISO date, or a date in a Japanese era.

    >>> normalize_date("平成元年1月8日"), normalize_date("R1.5.1"), normalize_date("19850102")
    (datetime.date(1989, 1, 8), datetime.date(2019, 5, 1), datetime.date(1985, 1, 2))
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = compatibility_fold(value).replace("元年", "1年")
    text = arabic_numerals(text, _NUMERALS)
    if match := _ERA_DATE.fullmatch(text):
        era, year, month, day = match.groups()
        return _from_era(_BY_NAME[era], int(year), int(month), int(day), value)
    if match := _WESTERN_DATE.fullmatch(text):
        year, month, day = (int(part) for part in match.groups() if part is not None)
        return _checked(year, month, day, value)
    message = (
        f"{value!r} is not a date: write it as an ISO date (1985-01-02) or in a Japanese era"
        " (昭和60年1月2日, S60.1.2)"
    )
    raise InvalidDate(message)


def japanese_date(day: date) -> str:
    """Return ``day`` written in its Japanese era, year 1 as 元年.

    >>> japanese_date(date(2019, 5, 1)), japanese_date(date(1985, 1, 2))
    ('令和元年5月1日', '昭和60年1月2日')
    """
    if day < GREGORIAN_ADOPTION:
        message = f"{day.isoformat()} is before 1873, when Japan took up the Gregorian calendar"
        raise InvalidDate(message)
    era = next(era for era in reversed(ERAS) if era.first_day <= day)
    year = day.year - era.first_day.year + 1
    return f"{era.name}{'元' if year == 1 else year}年{day.month}月{day.day}日"


def _from_era(era: Era, year: int, month: int, day: int, text: str) -> date:
    """Return the Gregorian date of ``era`` ``year``/``month``/``day``, or say why it is none."""
    if year < 1:
        message = f"{text} is not a date: the first year of an era is 元年 (1), there is no year 0"
        raise InvalidDate(message)
    gregorian = _checked(era.first_day.year + year - 1, month, day, text)
    if gregorian < GREGORIAN_ADOPTION:
        message = (
            f"{text} is not a Gregorian date: before 明治6年 (1873) Japan used the lunisolar"
            " calendar; give the date of birth as an ISO date"
        )
        raise InvalidDate(message)
    if gregorian < era.first_day:
        message = (
            f"{text} is not a date: {era.name} began on {era.first_day.isoformat()};"
            f" {gregorian.isoformat()} is {japanese_date(gregorian)}"
        )
        raise InvalidDate(message)
    if era.last_day is not None and gregorian > era.last_day:
        message = (
            f"{text} is not a date: {era.name} ended on {era.last_day.isoformat()}"
            f" ({japanese_date(era.last_day)}); {gregorian.isoformat()} is"
            f" {japanese_date(gregorian)}"
        )
        raise InvalidDate(message)
    return gregorian


def _checked(year: int, month: int, day: int, text: str) -> date:
    """Return ``date(year, month, day)``, or raise :class:`InvalidDate` saying what is wrong."""
    if not 1 <= month <= 12:
        message = f"{text} is not a date: there is no month {month}"
        raise InvalidDate(message)
    days = calendar.monthrange(year, month)[1] if 1 <= year <= 9999 else 0
    if not days:
        message = f"{text} is not a date: the year {year} is out of range"
        raise InvalidDate(message)
    if not 1 <= day <= days:
        message = f"{text} is not a date: {year}-{month:02d} has {days} days, not {day}"
        raise InvalidDate(message)
    return date(year, month, day)
