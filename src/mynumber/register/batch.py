"""Issuing numbers to many residents at once, at the scale of a country, resumably.

Records come in a fixed order (an import file, or a seeded synthetic population) and are written
in chunks, one transaction each: the residents, their households, their resident record codes,
their numbers (FF1 over the whole chunk at once, then encrypted) and the arrival in their history.
A chunk is all or nothing, and every resident carries the batch id and its row, so a batch killed
at any moment and started again skips exactly the rows already written: every resident ends with
exactly one number, and FF1 over distinct codes never gives a number twice.

Rows go in with bulk inserts (PostgreSQL ``COPY``, SQLite ``executemany``; one per table and
chunk), with ids taken up front: not one ORM object per row, and no ``RETURNING``.
"""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import func, select

from mynumber.numbers import bulk
from mynumber.register.columns import check_record, resident_columns
from mynumber.register.exceptions import DuplicateResident, InvalidResidentRecord
from mynumber.register.models import (
    EventKind,
    Household,
    IndividualNumberRecord,
    LifeEvent,
    NumberState,
    Resident,
    ResidentState,
)
from mynumber.register.services import ARRIVALS, Municipalities
from mynumber.storage import unit_of_work
from mynumber.storage.bulk import among, take_ids, write_rows

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    from numpy.typing import NDArray
    from sqlalchemy.orm import Session, sessionmaker

    from mynumber.numbers.generator import NumberGenerator
    from mynumber.register.records import ResidentRecord

#: Residents written per transaction.
CHUNK_SIZE = 2_000


@dataclass(frozen=True)
class Batch:
    """What a batch registers: its id, the arrival event, its date and who ran it."""

    batch_id: str
    event: EventKind
    occurred_on: date
    recorded_by: str


def no_progress(done: int) -> None:
    """Report progress nowhere."""
    del done


@dataclass(frozen=True)
class BatchIssuer:
    """Issues batches into one registry database with the number authority's generator."""

    factory: sessionmaker[Session]
    generator: NumberGenerator
    municipalities: Municipalities
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def issue(
        self,
        batch: Batch,
        records: Iterable[ResidentRecord],
        *,
        progress: Callable[[int], None] = no_progress,
    ) -> int:
        """Register every record of ``batch`` not yet written; return how many this run wrote.

        ``progress`` is called after each chunk with the number of the batch's residents written
        so far, this run and earlier ones together.
        """
        if batch.event not in ARRIVALS:
            msg = f"a batch registers births or move-ins, not {batch.event}"
            raise InvalidResidentRecord(msg)
        done = self.written(batch.batch_id)
        progress(done)
        start = done
        remaining = itertools.islice(records, done, None)
        for chunk in _chunks(remaining, CHUNK_SIZE):
            with unit_of_work(self.factory) as session:
                self._write_chunk(session, batch, chunk, done)
            done += len(chunk)
            progress(done)
        return done - start

    def written(self, batch_id: str) -> int:
        """Return how many residents of the batch are already on the register."""
        with unit_of_work(self.factory) as session:
            count = session.scalar(select(func.count()).where(Resident.batch_id == batch_id))
        return int(count or 0)

    def _write_chunk(
        self, session: Session, batch: Batch, chunk: list[ResidentRecord], first_row: int
    ) -> None:
        """Write one chunk: households, residents, numbers, events."""
        for row, record in enumerate(chunk, start=first_row):
            try:
                check_record(record, batch.occurred_on)
                self.municipalities.check(record.municipality_code, record.postal_code)
            except InvalidResidentRecord as exc:
                msg = f"row {row + 1} of batch {batch.batch_id}: {exc}"
                raise InvalidResidentRecord(msg) from exc
        now = self.clock()
        columns = [resident_columns(record) for record in chunk]
        _refuse_duplicates(session, batch.batch_id, columns, first_row)
        households = _households(session, batch.batch_id, chunk, first_row, now)
        codes = _fresh_codes(session, len(chunk))
        numbers = self.generator.numbers_for(codes)
        ids = take_ids(session, Resident, len(chunk))
        write_rows(
            session,
            Resident,
            [
                {
                    **values,
                    "id": resident_id,
                    "address_protected": False,
                    "resident_record_code": f"{code:011d}",
                    "household_id": households[_household_key(record, row)],
                    "batch_id": batch.batch_id,
                    "batch_row": row,
                    "registered_at": now,
                }
                for row, (record, values, resident_id, code) in enumerate(
                    zip(chunk, columns, ids, codes.tolist(), strict=True), start=first_row
                )
            ],
        )
        write_rows(
            session,
            IndividualNumberRecord,
            [
                _number_row(resident_id, number, now)
                for resident_id, number in zip(ids, numbers.tolist(), strict=True)
            ],
        )
        write_rows(session, LifeEvent, [_arrival(resident_id, batch, now) for resident_id in ids])


def _chunks(records: Iterator[ResidentRecord], size: int) -> Iterator[list[ResidentRecord]]:
    """Yield lists of up to ``size`` records."""
    while chunk := list(itertools.islice(records, size)):
        yield chunk


def _number_row(resident_id: int, number: int, now: datetime) -> dict[str, Any]:
    """Return the first-generation number of a resident, to be encrypted and indexed on insert."""
    text = f"{number:012d}"
    return {
        "resident_id": resident_id,
        "generation": 0,
        "number": text,
        "number_index": text,
        "state": NumberState.ACTIVE.value,
        "issued_at": now,
    }


def _arrival(resident_id: int, batch: Batch, now: datetime) -> dict[str, Any]:
    """Return the history entry of a resident's arrival through the batch."""
    return {
        "resident_id": resident_id,
        "kind": batch.event.value,
        "occurred_on": batch.occurred_on,
        "recorded_at": now,
        "recorded_by": batch.recorded_by,
        "details": {"batch": batch.batch_id},
    }


def _household_key(record: ResidentRecord, row: int) -> str:
    """Return the key of the record's household in the batch (a household of its own if none)."""
    return record.household_key if record.household_key is not None else f"row-{row}"


def _households(
    session: Session, batch_id: str, chunk: list[ResidentRecord], first_row: int, now: datetime
) -> dict[str, int]:
    """Return the household id of every key in the chunk, creating the households not yet there."""
    wanted = {
        _household_key(record, row): record.municipality_code
        for row, record in enumerate(chunk, start=first_row)
    }
    existing = session.execute(
        among(
            session,
            select(Household.batch_key, Household.id),
            (Household.batch_id, Household.batch_key),
            [(batch_id, key) for key in wanted],
        )
    )
    known: dict[str | None, int] = dict(existing.all())
    missing = [key for key in wanted if key not in known]
    created = take_ids(session, Household, len(missing))
    write_rows(
        session,
        Household,
        [
            {
                "id": household_id,
                "municipality_code": wanted[key],
                "batch_id": batch_id,
                "batch_key": key,
                "created_at": now,
            }
            for key, household_id in zip(missing, created, strict=True)
        ],
    )
    known.update(zip(missing, created, strict=True))
    return {str(key): household_id for key, household_id in known.items()}


def _refuse_duplicates(
    session: Session, batch_id: str, columns: list[dict[str, Any]], first_row: int
) -> None:
    """Refuse a chunk with a person already on the register, or twice in the batch.

    The same person is the same date of birth, name, sex and address, each compared by its
    normalised key, among residents still on the register: the rule of a single registration.
    """
    seen: dict[tuple[Any, ...], int] = {}
    for row, values in enumerate(columns, start=first_row):
        person = _person(values)
        if person in seen:
            msg = (
                f"row {row + 1} of batch {batch_id}: the same person (name, date of birth, sex and "
                f"address) as row {seen[person] + 1}; remove one of the two rows"
            )
            raise DuplicateResident(msg)
        seen[person] = row
    registered = session.execute(
        among(
            session,
            select(
                Resident.id,
                Resident.date_of_birth,
                Resident.name_key,
                Resident.sex,
                Resident.address_key,
                Resident.state,
            ),
            (Resident.date_of_birth, Resident.name_key),
            [(values["date_of_birth"], values["name_key"]) for values in columns],
        )
    )
    for resident_id, born, name_key, sex, address_key, state in registered:
        earlier = seen.get((born, name_key, sex, address_key))
        # Filtered here, not in SQL: a condition on a column outside the index makes SQLite
        # build a temporary index over the whole table for every chunk.
        if earlier is not None and state == ResidentState.RESIDENT.value:
            msg = (
                f"row {earlier + 1} of batch {batch_id}: a resident with the same name, date of "
                f"birth, sex and address is already on the register (resident {resident_id}); "
                "remove the row, or record an event for that resident instead"
            )
            raise DuplicateResident(msg)


def _person(values: dict[str, Any]) -> tuple[Any, ...]:
    """Return what makes a row the same person as another: birth date, name, sex, address keys."""
    return (values["date_of_birth"], values["name_key"], values["sex"], values["address_key"])


def _fresh_codes(session: Session, count: int) -> NDArray[np.uint64]:
    """Draw ``count`` resident record codes that no one holds and that differ from each other."""
    rng = np.random.default_rng(secrets.randbits(128))
    codes = np.empty(0, dtype=np.uint64)
    while codes.size < count:
        digits = rng.integers(0, 10**10, size=count - codes.size, dtype=np.uint64)
        drawn = digits * np.uint64(10) + bulk.resident_code_check_digits(digits)
        taken = set(
            session.scalars(
                among(
                    session,
                    select(Resident.resident_record_code),
                    (Resident.resident_record_code,),
                    [(f"{code:011d}",) for code in drawn.tolist()],
                )
            )
        )
        fresh = np.array(
            [code for code in drawn.tolist() if f"{code:011d}" not in taken], dtype=np.uint64
        )
        codes = np.unique(np.concatenate([codes, fresh]))
    return rng.permutation(codes)[:count]
