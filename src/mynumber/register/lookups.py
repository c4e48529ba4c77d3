"""Finding a number by the four basic attributes (基本4情報), for authorised bodies.

SPEC 8 (the 2023 mis-linking review): a number is found only by all four attributes, or three
without sex, tolerant of notation variants; more than one match returns no one; every lookup is
recorded with who asked and for which task. The matching rule itself is
``mynumber.register.matching``; this service picks the candidates and records the lookup.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from mynumber.register.exceptions import InvalidResidentRecord
from mynumber.register.matching import AttributeKey, Outcome, keys_of_record, match
from mynumber.register.models import AttributeLookup, Resident, ResidentState
from mynumber.register.services import active_number

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.orm import Session


@dataclass(frozen=True)
class LookupAnswer:
    """The answer to a lookup by attributes: the number only when exactly one person matched."""

    number: str | None
    outcome: Outcome
    reason: str


class LookupService:
    """Lookups of numbers by attributes on one registry node's register."""

    def __init__(
        self, session: Session, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        """Work in ``session``."""
        self._session = session
        self._clock = clock

    def lookup_number(self, query: AttributeKey, *, asked_by: str, task: str) -> LookupAnswer:
        """Find a resident's number by the four basic attributes (or three without sex).

        Candidates share the date of birth and the address; :func:`match` decides on the name
        and sex. More than one match returns no one. A resident under DV support measures is
        never found this way: their address is withheld from every lookup but the resident's own
        and the municipality's, which do not come through here. Every lookup is recorded.
        """
        if not asked_by.strip() or not task.strip():
            msg = "a lookup names who asks and for which task"
            raise InvalidResidentRecord(msg)
        candidates = self._session.scalars(
            select(Resident).where(
                Resident.date_of_birth == query.date_of_birth,
                Resident.address_key == query.address,
                Resident.state == ResidentState.RESIDENT.value,
                Resident.address_protected.is_(False),
            )
        ).all()
        by_id = {str(resident.id): resident for resident in candidates}
        result = match(
            query,
            ((str(person.id), key) for person in candidates for key in keys_of_record(person)),
        )
        found = by_id[result.person_id] if result.person_id is not None else None
        self._session.add(
            AttributeLookup(
                asked_by=asked_by.strip(),
                task=task.strip(),
                asked_at=self._clock(),
                outcome=result.outcome.value,
                matches=result.count,
                resident_id=found.id if found is not None else None,
            )
        )
        number = active_number(found).number if found is not None else None
        return LookupAnswer(number=number, outcome=result.outcome, reason=result.reason)
