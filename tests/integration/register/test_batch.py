"""Batch issuance against real SQLite and PostgreSQL: rows, households, numbers, duplicates."""

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
import sqlalchemy
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mynumber.numbers import individual, resident_code
from mynumber.numbers.generator import NumberGenerator
from mynumber.register import batch as batch_module
from mynumber.register.batch import Batch, BatchIssuer
from mynumber.register.exceptions import DuplicateResident, InvalidResidentRecord
from mynumber.register.models import (
    EventKind,
    Household,
    IndividualNumberRecord,
    LifeEvent,
    Resident,
)
from mynumber.register.municipalities import PostalMunicipalities
from mynumber.register.services import Clerk, RegisterService
from mynumber.register.synth import synthesize
from mynumber.storage import session_factory, unit_of_work

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
BIRTHS = Batch("births-2026-11", EventKind.BIRTH, date(2026, 11, 26), "batch clerk")


def _issuer(engine: sqlalchemy.Engine) -> BatchIssuer:
    return BatchIssuer(
        session_factory(engine),
        NumberGenerator(bytes(range(32))),
        PostalMunicipalities(),
        clock=lambda: NOW,
    )


def _count(engine: sqlalchemy.Engine, entity: type[object]) -> int:
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(entity)) or 0)


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> int:
    """Write 50 residents per transaction, so a few hundred records span several chunks."""
    monkeypatch.setattr(batch_module, "CHUNK_SIZE", 50)
    return 50


def test_a_batch_writes_every_resident_with_one_number_and_an_arrival(
    migrated_engine: sqlalchemy.Engine, small_chunks: int
) -> None:
    """Each record becomes a resident with a valid code, one valid number and its birth event."""
    records = list(synthesize(317, "131016", seed=7))
    progress: list[int] = []
    written = _issuer(migrated_engine).issue(BIRTHS, records, progress=progress.append)
    assert written == len(records)
    assert progress[0] == 0
    assert progress[-1] == len(records)
    assert len(progress) == 2 + len(records) // small_chunks
    with Session(migrated_engine) as session:
        residents = session.scalars(select(Resident).order_by(Resident.batch_row)).all()
        assert [resident.family_name for resident in residents] == [
            record.family_name for record in records
        ]
        numbers = [resident.numbers[0].number for resident in residents]
        assert all(len(resident.numbers) == 1 for resident in residents)
        assert all(individual.is_valid(number) for number in numbers)
        assert len(set(numbers)) == len(records)
        assert all(resident_code.is_valid(r.resident_record_code) for r in residents)
        assert {event.kind for r in residents for event in r.events} == {"birth"}
        assert all(r.registered_at == NOW for r in residents)
        # A number found by its blind index leads back to its resident.
        found = session.scalar(
            select(IndividualNumberRecord.resident_id).where(
                IndividualNumberRecord.number_index == numbers[100]
            )
        )
        assert found == residents[100].id


def test_households_that_span_chunks_stay_one_household(
    migrated_engine: sqlalchemy.Engine, small_chunks: int
) -> None:
    """Members of one household written in different transactions share one household row."""
    records = list(synthesize(300, "131016", seed=11))
    _issuer(migrated_engine).issue(BIRTHS, records)
    keys = {record.household_key for record in records}
    assert _count(migrated_engine, Household) == len(keys)
    with Session(migrated_engine) as session:
        rows = session.execute(select(Resident.batch_row, Resident.household_id)).all()
    by_row = dict(rows)
    for first in range(small_chunks - 1, len(records) - 1, small_chunks):
        if records[first].household_key == records[first + 1].household_key:
            assert by_row[first] == by_row[first + 1]
            break
    else:
        pytest.fail("no household crossed a chunk boundary in this population")


def test_the_same_person_twice_in_a_batch_is_refused_with_both_rows(
    migrated_engine: sqlalchemy.Engine, small_chunks: int
) -> None:
    """A row repeating another of its chunk (notation aside) stops the batch; nothing is written.

    Had the first been in an earlier chunk, it would be on the register by then, and the row
    refused as in the next test.
    """
    records = list(synthesize(120, "131016", seed=3))
    twin = replace(
        records[10],
        family_name=records[10].family_name + " ",
        household_key="another",
    )
    records.insert(30, twin)
    with pytest.raises(DuplicateResident, match=r"row 31 of batch .*same person .* as row 11"):
        _issuer(migrated_engine).issue(BIRTHS, records[:small_chunks])
    assert _count(migrated_engine, Resident) == 0
    assert _count(migrated_engine, IndividualNumberRecord) == 0
    assert _count(migrated_engine, Household) == 0


def test_a_person_already_on_the_register_is_refused(migrated_engine: sqlalchemy.Engine) -> None:
    """A batch row for someone registered at the counter names the row and the resident."""
    records = list(synthesize(30, "131016", seed=5))
    with unit_of_work(session_factory(migrated_engine)) as session:
        counter = RegisterService(
            session, NumberGenerator(bytes(range(32))), PostalMunicipalities(), clock=lambda: NOW
        )
        existing = counter.register(
            records[12], event=EventKind.BIRTH, occurred_on=BIRTHS.occurred_on, clerk=Clerk("c")
        ).id
    with pytest.raises(
        DuplicateResident,
        match=rf"row 13 of batch .* already on the register \(resident {existing}\)",
    ):
        _issuer(migrated_engine).issue(BIRTHS, records)
    assert _count(migrated_engine, Resident) == 1
    assert _count(migrated_engine, LifeEvent) == 1


def test_a_bad_row_names_itself_and_nothing_of_its_chunk_is_written(
    migrated_engine: sqlalchemy.Engine, small_chunks: int
) -> None:
    """An unknown postal code in row 60 stops the batch after the first chunk, with the row."""
    records = list(synthesize(100, "131016", seed=9))
    records[59] = replace(records[59], postal_code="0000000")
    with pytest.raises(InvalidResidentRecord, match="row 60 of batch"):
        _issuer(migrated_engine).issue(BIRTHS, records)
    assert _count(migrated_engine, Resident) == small_chunks
    records[59] = replace(records[59], postal_code=records[58].postal_code)
    assert _issuer(migrated_engine).issue(BIRTHS, records) == len(records) - small_chunks
    assert _count(migrated_engine, Resident) == len(records)


def test_a_second_batch_continues_the_ids_and_never_reuses_a_code(
    migrated_engine: sqlalchemy.Engine,
) -> None:
    """Two batches into one register: distinct ids, codes and numbers across both."""
    issuer = _issuer(migrated_engine)
    issuer.issue(BIRTHS, list(synthesize(80, "131016", seed=1)))
    move_ins = Batch("move-ins", EventKind.MOVE_IN, date(2026, 11, 26), "batch clerk")
    issuer.issue(move_ins, list(synthesize(80, "131016", seed=2)))
    with Session(migrated_engine) as session:
        codes = session.scalars(select(Resident.resident_record_code)).all()
        indexes = session.scalars(select(IndividualNumberRecord.number_index)).all()
    assert len(set(codes)) == len(codes) == 160
    assert len(set(indexes)) == 160


def test_records_are_the_records_the_batch_was_given(migrated_engine: sqlalchemy.Engine) -> None:
    """Optional fields (Latin names, status of residence, stay period) survive the bulk path."""
    records = [
        record for record in synthesize(2_000, "131016", seed=4) if record.nationality != "JP"
    ][:5]
    assert records, "the synthetic population has foreign residents"
    _issuer(migrated_engine).issue(BIRTHS, records)
    with Session(migrated_engine) as session:
        stored = session.scalars(select(Resident).order_by(Resident.batch_row)).all()
    for resident, record in zip(stored, records, strict=True):
        assert resident.latin_name == record.latin_name
        assert resident.nationality == record.nationality
        assert resident.resident_status == record.resident_status
        assert resident.period_of_stay_until == record.period_of_stay_until
        assert resident.date_of_birth == record.date_of_birth
        assert resident.address_protected is False
