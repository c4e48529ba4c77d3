"""The register's use cases: register a resident, record life events, change a number, find one.

``RegisterService`` works inside the caller's unit of work and never commits. Every refusal is a
``RegisterError`` raised before anything is written, so a refused request changes nothing.

Rules: registering assigns the resident record code (住民基本台帳法 第30条の2) and the number
(番号法 第7条第1項, 第8条) in the same transaction; a move or a name change never changes the
number; a number is changed only after a leak with feared misuse, on the person's request with the
reason or ex officio, and the old number is dead for every lookup (番号法 第7条第2項); a number is
never issued twice, and a deceased or moved-out resident's number stays with their record.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

from sqlalchemy import select

from mynumber.numbers import individual, resident_code
from mynumber.numbers.generator import GENERATIONS, NumberGenerator
from mynumber.register.columns import check_record, lookup_keys, resident_columns
from mynumber.register.exceptions import (
    DuplicateResident,
    InvalidResidentRecord,
    NotOnRegister,
    NumberChangeRefused,
    ResidentNotFound,
)
from mynumber.register.matching import normalize_address, normalize_kana, normalize_name
from mynumber.register.models import (
    EventKind,
    Household,
    IndividualNumberRecord,
    LifeEvent,
    NumberState,
    Resident,
    ResidentState,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from mynumber.register.records import PersonName, ResidentRecord

#: The events that put a person on the register.
ARRIVALS = (EventKind.BIRTH, EventKind.MOVE_IN, EventKind.MOVE_IN_FROM_ABROAD)


class Municipalities(Protocol):
    """What the register needs to know of municipalities and postal codes."""

    def check(self, municipality_code: str, postal_code: str) -> None:
        """Raise ``InvalidResidentRecord`` unless the postal code lies in the municipality."""


@dataclass(frozen=True)
class Clerk:
    """Who records an event, as the history shows it."""

    name: str


#: Told of every event the register records: the resident and the kind of event.
EventListener: TypeAlias = Callable[[Resident, EventKind], None]


class RegisterService:
    """The resident register of one registry node, over the caller's session."""

    def __init__(
        self,
        session: Session,
        generator: NumberGenerator,
        municipalities: Municipalities,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        listeners: Sequence[EventListener] = (),
    ) -> None:
        """Work in ``session`` with the number authority's ``generator``.

        Each of ``listeners`` is called with the resident and the event after every event is
        recorded, in the same transaction: the card service revokes certificates that way.
        """
        self._session = session
        self._generator = generator
        self._municipalities = municipalities
        self._clock = clock
        self._listeners = tuple(listeners)

    def register(
        self,
        record: ResidentRecord,
        *,
        event: EventKind,
        occurred_on: date,
        clerk: Clerk,
        household: Household | None = None,
    ) -> Resident:
        """Put a person on the register with a new resident record code and number."""
        if event not in ARRIVALS:
            msg = f"a person comes onto the register by birth or move-in, not by {event}"
            raise InvalidResidentRecord(msg)
        check_record(record, occurred_on)
        self._municipalities.check(record.municipality_code, record.postal_code)
        self._refuse_duplicate(record)
        now = self._clock()
        if household is None:
            household = Household(municipality_code=record.municipality_code, created_at=now)
            self._session.add(household)
        resident = Resident(
            resident_record_code=self._new_code(),
            household=household,
            registered_at=now,
            **resident_columns(record),
        )
        self._session.add(resident)
        self._issue(resident, generation=0, now=now)
        self._record(
            resident, event, occurred_on, clerk, {"municipality": record.municipality_code}
        )
        self._session.flush()
        return resident

    def change_address(
        self, resident: Resident, *, postal_code: str, address: str, occurred_on: date, clerk: Clerk
    ) -> None:
        """Record a move within the municipality (転居); the number stays."""
        self._check_on_register(resident)
        self._municipalities.check(resident.municipality_code, postal_code)
        before = {"postal_code": resident.postal_code, "address": resident.address}
        resident.postal_code, resident.address = postal_code, address
        resident.address_key = normalize_address(address)
        after = {"postal_code": postal_code, "address": address}
        self._record(
            resident,
            EventKind.ADDRESS_CHANGE,
            occurred_on,
            clerk,
            {"before": before, "after": after},
        )

    def change_name(
        self, resident: Resident, name: PersonName, *, occurred_on: date, clerk: Clerk
    ) -> None:
        """Record a change of name (marriage, adoption...); the number stays."""
        self._check_on_register(resident)
        after = asdict(name)
        if any(not value.strip() for value in after.values()):
            msg = "a name and its kana reading cannot be empty"
            raise InvalidResidentRecord(msg)
        before = {field: getattr(resident, field) for field in after}
        for field, value in after.items():
            setattr(resident, field, value)
        resident.name_key = normalize_name(name.family_name + name.given_name)
        resident.kana_key = normalize_kana(name.family_name_kana + name.given_name_kana)
        details = {"before": before, "after": after}
        self._record(resident, EventKind.NAME_CHANGE, occurred_on, clerk, details)

    def remove(
        self, resident: Resident, *, event: EventKind, occurred_on: date, clerk: Clerk
    ) -> None:
        """Take a resident off the register by moving out or by death; the record stays."""
        states = {
            EventKind.MOVE_OUT: ResidentState.MOVED_OUT,
            EventKind.DEATH: ResidentState.DECEASED,
        }
        if event not in states:
            msg = f"a resident leaves the register by moving out or by death, not by {event}"
            raise InvalidResidentRecord(msg)
        self._check_on_register(resident)
        resident.state = states[event].value
        self._record(resident, event, occurred_on, clerk, {})

    def change_number(
        self, resident: Resident, *, reason: str, on_request: bool, occurred_on: date, clerk: Clerk
    ) -> str:
        """Replace a leaked number with the next generation's; return the new number."""
        self._check_on_register(resident)
        if not reason.strip():
            msg = (
                "a number is changed only after it leaked and misuse is feared: "
                "record the reason (番号法 第7条第2項)"
            )
            raise NumberChangeRefused(msg)
        current = self.active_number(resident)
        if current.generation + 1 >= GENERATIONS:
            msg = f"this resident has had {GENERATIONS} numbers, the most a person can hold"
            raise NumberChangeRefused(msg)
        now = self._clock()
        current.state, current.replaced_at = NumberState.REPLACED.value, now
        self._session.flush()  # the old number stops being active before the new one starts
        number = self._issue(resident, generation=current.generation + 1, now=now)
        details = {
            "from_generation": current.generation,
            "to_generation": current.generation + 1,
            "reason": reason.strip(),
            "initiated_by": "resident" if on_request else "mayor",
        }
        self._record(resident, EventKind.NUMBER_CHANGE, occurred_on, clerk, details)
        return number

    def find_by_number(self, number: str) -> Resident:
        """Return the resident whose ACTIVE number this is; a replaced number finds no one."""
        digits = individual.validate(number)
        found = self._session.scalars(
            select(IndividualNumberRecord).where(
                IndividualNumberRecord.number_index == digits,
                IndividualNumberRecord.state == NumberState.ACTIVE.value,
            )
        ).one_or_none()
        if found is None:
            msg = (
                "no resident holds this number; check it, or ask the resident for their current one"
            )
            raise ResidentNotFound(msg)
        return found.resident

    def get(self, resident_id: int) -> Resident:
        """Return a resident by the register's id."""
        resident = self._session.get(Resident, resident_id)
        if resident is None:
            msg = f"there is no resident {resident_id} on this register"
            raise ResidentNotFound(msg)
        return resident

    def active_number(self, resident: Resident) -> IndividualNumberRecord:
        """Return the resident's current number record."""
        return active_number(resident)

    def _issue(self, resident: Resident, *, generation: int, now: datetime) -> str:
        """Convert the resident's code into the number of ``generation`` and store it."""
        number = self._generator.number_for(resident.resident_record_code, generation)
        record = IndividualNumberRecord(
            generation=generation, number=number, number_index=number, issued_at=now
        )
        resident.numbers.append(record)
        return number

    def _new_code(self) -> str:
        """Draw a resident record code no one holds (10 random digits and the check digit)."""
        while True:
            digits = f"{secrets.randbelow(10**10):010d}"
            code = digits + resident_code.calc_check_digit(digits)
            taken = self._session.scalar(
                select(Resident.id).where(Resident.resident_record_code == code)
            )
            if taken is None:
                return code

    def _refuse_duplicate(self, record: ResidentRecord) -> None:
        """Refuse a person whose four attributes match someone already on this register."""
        keys = lookup_keys(record)
        same = self._session.scalar(
            select(Resident.id).where(
                Resident.date_of_birth == record.date_of_birth,
                Resident.name_key == keys["name_key"],
                Resident.sex == record.sex.value,
                Resident.address_key == keys["address_key"],
                Resident.state == ResidentState.RESIDENT.value,
            )
        )
        if same is not None:
            msg = (
                f"a resident with the same name, date of birth, sex and address is already on the "
                f"register (resident {same}); record an event for them instead of registering again"
            )
            raise DuplicateResident(msg)

    def _check_on_register(self, resident: Resident) -> None:
        """Refuse an event for a resident who died or moved out."""
        if resident.state != ResidentState.RESIDENT.value:
            msg = (
                f"resident {resident.id} is {resident.state} and no longer on this register; "
                "no further event can be recorded for them"
            )
            raise NotOnRegister(msg)

    def _record(
        self,
        resident: Resident,
        kind: EventKind,
        occurred_on: date,
        clerk: Clerk,
        details: dict[str, Any],
    ) -> None:
        """Append an entry to the resident's history."""
        if occurred_on > self._clock().date():
            msg = f"{occurred_on} is in the future: record an event once it has happened"
            raise InvalidResidentRecord(msg)
        resident.events.append(
            LifeEvent(
                kind=kind.value,
                occurred_on=occurred_on,
                recorded_at=self._clock(),
                recorded_by=clerk.name,
                details=details,
            )
        )
        for listener in self._listeners:
            listener(resident, kind)


def active_number(resident: Resident) -> IndividualNumberRecord:
    """Return the resident's current number record."""
    for record in resident.numbers:
        if record.state == NumberState.ACTIVE.value:
            return record
    msg = f"resident {resident.id} has no active number"
    raise ResidentNotFound(msg)
