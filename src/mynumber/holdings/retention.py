"""How long a body may keep a number it collected, when it does not say (SPEC.md 4).

A body keeps a number only while the task needs it and for the retention the law sets for that
task's documents, then deletes it (番号法 第20条; the Personal Information Protection
Commission's guidelines for businesses, on the limits to collecting and keeping, 収集・保管制限).
A body that knows the end of its need -- an employer whose employee leaves -- says so when it
records the collection (``retention_until``). When it does not, the registry takes the retention
the task implies, as this project chooses it:

* **7 years after the collection, for every task.** The longest retention among the documents
  numbers are collected for is 7 years: the dependants' declaration (扶養控除等申告書) beside the
  withholding slip, kept for 7 years (所得税法施行規則 第76条の3, as this project reads it), the
  period in which the tax office may still reassess (国税通則法 第70条). Social-insurance forms are
  kept 2 to 4 years (健康保険法施行規則 第34条, 雇用保険法施行規則 第143条), so 7 years covers them
  too; the network's own records are believed to be kept 7 years (SPEC.md 5, unconfirmed).
  One rule for every field keeps the holder list easy to read; a body that must delete earlier
  gives its own date.

A retention ends on a day: the holding is deleted the day after (:func:`is_due`).

>>> default_retention("employer:withholding-slip", date(2026, 11, 26))
datetime.date(2033, 11, 26)
>>> default_retention("bank:payment-records", date(2028, 2, 29))
datetime.date(2035, 2, 28)
"""

from datetime import date
from typing import Final

from mynumber.network.bodies import get_task

#: Years a holding is kept after its collection when the body gives no date of its own.
DEFAULT_RETENTION_YEARS: Final = 7


def default_retention(task_id: str, collected_on: date) -> date:
    """Return the last day a number collected on ``collected_on`` for ``task_id`` is kept.

    Raises :class:`mynumber.network.exceptions.UnknownTask` for a task the law does not list.
    """
    get_task(task_id)
    return add_years(collected_on, DEFAULT_RETENTION_YEARS)


def add_years(day: date, years: int) -> date:
    """Return ``day`` ``years`` years later; 29 February becomes 28 February in a common year.

    >>> add_years(date(2024, 2, 29), 1)
    datetime.date(2025, 2, 28)
    """
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def is_due(retention_until: date, today: date) -> bool:
    """Say whether a holding kept until ``retention_until`` must be deleted on ``today``.

    >>> last = date(2033, 11, 26)
    >>> is_due(last, date(2033, 11, 26)), is_due(last, date(2033, 11, 27))
    (False, True)
    """
    return retention_until < today
