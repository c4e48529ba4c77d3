"""The baseline of the issuance figure: the same rows as ours, put in by the plainest bulk path.

The rows are exactly those ours wrote: after ours has run, :func:`derived_from` reads back, per
resident, what ours computed -- the resident record code, the number (decrypted) and the three
normalised lookup keys -- so the baseline does no code draws, no FF1, no normalisation and no
encryption while it is timed. :func:`load` then reads the same in-memory records ours read, in the
same order, and writes the four tables ours writes (households, residents, individual_numbers,
life_events) into a freshly migrated registry database: the same tables, indexes, unique and
foreign-key constraints. What it leaves out:

- the number column holds the 12 ASCII digits of the number, and the blind-index column the same
  12 bytes (ours: 41 bytes of AES-GCM and a 32-byte HMAC-SHA256);
- ids are numbered by the loader (no ``RETURNING``), households are found in a dict;
- rows go in through the driver, not SQLAlchemy: ``sqlite3`` ``executemany`` on SQLite,
  ``COPY ... FROM STDIN`` on PostgreSQL (psycopg's ``write_row``).

Transactions are those of ours: one per ``CHUNK_SIZE`` residents, the same connection settings
(the raw connection comes from the engine ours used, with its pragmas).
"""

import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import psycopg
import sqlalchemy
from sqlalchemy import select

from mynumber.numbers import bulk
from mynumber.register.batch import CHUNK_SIZE, Batch
from mynumber.register.models import IndividualNumberRecord, Resident
from mynumber.register.records import ResidentRecord

Progress = Callable[[int], None]
_Row = tuple[Any, ...]

HOUSEHOLD_COLUMNS = ("id", "municipality_code", "batch_id", "batch_key", "created_at")
RESIDENT_COLUMNS = (
    "id",
    "resident_record_code",
    "family_name",
    "given_name",
    "family_name_kana",
    "given_name_kana",
    "latin_name",
    "former_surname",
    "alias",
    "date_of_birth",
    "sex",
    "nationality",
    "resident_status",
    "period_of_stay_until",
    "municipality_code",
    "postal_code",
    "address",
    "household_id",
    "household_head",
    "preferred_language",
    "address_protected",
    "state",
    "name_key",
    "kana_key",
    "address_key",
    "batch_id",
    "batch_row",
    "registered_at",
)
NUMBER_COLUMNS = ("id", "resident_id", "generation", "number", "number_index", "state", "issued_at")
EVENT_COLUMNS = (
    "id",
    "resident_id",
    "kind",
    "occurred_on",
    "recorded_at",
    "recorded_by",
    "details",
)


@dataclass(frozen=True)
class Derived:
    """What ours computed for each resident, in batch order: the baseline's precomputed input."""

    codes: list[str]
    #: Each number as 12 ASCII digits: what the baseline writes in both number columns.
    numbers: list[bytes]
    name_keys: list[str]
    kana_keys: list[str]
    address_keys: list[str]


def derived_from(engine: sqlalchemy.Engine, batch_id: str, count: int) -> Derived:
    """Read back what ours wrote for the first ``count`` residents of the batch; check it."""
    statement = (
        select(
            Resident.batch_row,
            Resident.resident_record_code,
            Resident.name_key,
            Resident.kana_key,
            Resident.address_key,
            IndividualNumberRecord.number,
        )
        .join(IndividualNumberRecord, IndividualNumberRecord.resident_id == Resident.id)
        .where(Resident.batch_id == batch_id, Resident.batch_row < count)
        .order_by(Resident.batch_row)
    )
    with engine.connect() as connection:
        rows = connection.execute(statement).all()
    if [row[0] for row in rows] != list(range(count)):
        msg = f"ours did not leave exactly one number for each of the {count:,} residents"
        raise SystemExit(msg)
    numbers = np.array([row[5] for row in rows], dtype="S12")
    codes = [row[1] for row in rows]
    valid = bulk.individual_is_valid(numbers).all()
    if not valid or np.unique(numbers).size != count or len(set(codes)) != count:
        msg = "ours wrote an invalid or duplicate number or code; fix that before timing"
        raise SystemExit(msg)
    return Derived(
        codes=codes,
        numbers=numbers.tolist(),
        name_keys=[row[2] for row in rows],
        kana_keys=[row[3] for row in rows],
        address_keys=[row[4] for row in rows],
    )


def load(
    engine: sqlalchemy.Engine,
    batch: Batch,
    records: Sequence[ResidentRecord],
    derived: Derived,
    progress: Progress,
) -> None:
    """Write ``records`` with ``derived`` into the engine's empty register, chunk by chunk."""
    sqlite = engine.dialect.name == "sqlite"
    maker = _RowMaker(batch, derived, sqlite=sqlite)
    pooled = engine.raw_connection()
    try:
        connection = pooled.driver_connection
        if connection is None:
            msg = "the engine handed out a closed connection"
            raise SystemExit(msg)
        for first in range(0, len(records), CHUNK_SIZE):
            chunk = records[first : first + CHUNK_SIZE]
            rows = maker.chunk(chunk, first)
            if sqlite:
                _write_sqlite(connection, rows)
            else:
                _write_postgres(connection, rows)
            progress(first + len(chunk))
    finally:
        pooled.close()


@dataclass
class _Chunk:
    """The rows of one transaction, table by table."""

    households: list[_Row] = field(default_factory=list)
    residents: list[_Row] = field(default_factory=list)
    numbers: list[_Row] = field(default_factory=list)
    events: list[_Row] = field(default_factory=list)


class _RowMaker:
    """Turns records into table rows as a plain loader does: ids counted, households in a dict.

    SQLite gets dates and times as the text SQLAlchemy stores them as (``2025-04-01``,
    ``2025-04-01 09:30:00.000000`` in UTC); PostgreSQL gets the Python values, which COPY writes.
    """

    def __init__(self, batch: Batch, derived: Derived, *, sqlite: bool) -> None:
        """Make rows for ``batch`` from ``derived``; ``sqlite`` chooses how dates are written."""
        self._batch, self._derived, self._sqlite = batch, derived, sqlite
        self._households: dict[str, int] = {}
        self._details = json.dumps({"batch": batch.batch_id})

    def chunk(self, records: Sequence[ResidentRecord], first_row: int) -> _Chunk:
        """Return the rows of the records that start at row ``first_row`` of the batch."""
        now = datetime.now(UTC)
        stamp: object = (
            now.replace(tzinfo=None).isoformat(" ", "microseconds") if self._sqlite else now
        )
        day = _iso_day if self._sqlite else _same_day
        batch, derived, households = self._batch, self._derived, self._households
        occurred_on = day(batch.occurred_on)
        rows = _Chunk()
        for row, record in enumerate(records, start=first_row):
            key = record.household_key if record.household_key is not None else f"row-{row}"
            household_id = households.get(key)
            if household_id is None:
                household_id = households[key] = len(households) + 1
                rows.households.append(
                    (household_id, record.municipality_code, batch.batch_id, key, stamp)
                )
            resident_id = row + 1
            rows.residents.append(
                (
                    resident_id,
                    derived.codes[row],
                    record.family_name,
                    record.given_name,
                    record.family_name_kana,
                    record.given_name_kana,
                    record.latin_name,
                    record.former_surname,
                    record.alias,
                    day(record.date_of_birth),
                    record.sex.value,
                    record.nationality,
                    record.resident_status,
                    day(record.period_of_stay_until),
                    record.municipality_code,
                    record.postal_code,
                    record.address,
                    household_id,
                    record.household_head,
                    record.preferred_language.value,
                    False,
                    "resident",
                    derived.name_keys[row],
                    derived.kana_keys[row],
                    derived.address_keys[row],
                    batch.batch_id,
                    row,
                    stamp,
                )
            )
            number = derived.numbers[row]
            rows.numbers.append((resident_id, resident_id, 0, number, number, "active", stamp))
            rows.events.append(
                (
                    resident_id,
                    resident_id,
                    batch.event.value,
                    occurred_on,
                    stamp,
                    batch.recorded_by,
                    self._details,
                )
            )
        return rows


def _iso_day(day: date | None) -> str | None:
    """Return a date as SQLite keeps it under SQLAlchemy: ``YYYY-MM-DD``."""
    return None if day is None else day.isoformat()


def _same_day(day: date | None) -> date | None:
    """Return a date as it is: psycopg writes it."""
    return day


def _tables(chunk: _Chunk) -> tuple[tuple[str, tuple[str, ...], list[_Row]], ...]:
    """Return each table of a chunk with its columns and rows, parents before children."""
    return (
        ("households", HOUSEHOLD_COLUMNS, chunk.households),
        ("residents", RESIDENT_COLUMNS, chunk.residents),
        ("individual_numbers", NUMBER_COLUMNS, chunk.numbers),
        ("life_events", EVENT_COLUMNS, chunk.events),
    )


def _write_sqlite(connection: sqlite3.Connection, chunk: _Chunk) -> None:
    """Write one chunk in one transaction with one ``executemany`` per table."""
    connection.execute("BEGIN")
    try:
        for table, columns, rows in _tables(chunk):
            if rows:
                marks = ", ".join("?" * len(columns))
                connection.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608 -- fixed names
                    rows,
                )
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def _write_postgres(connection: psycopg.Connection[Any], chunk: _Chunk) -> None:
    """Write one chunk in one transaction with one ``COPY ... FROM STDIN`` per table."""
    with connection.transaction(), connection.cursor() as cursor:
        for table, columns, rows in _tables(chunk):
            if rows:
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
