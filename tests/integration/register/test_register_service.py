"""The register's use cases against real SQLite and PostgreSQL: registration, events, numbers."""

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
import sqlalchemy
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from mynumber.numbers import individual, resident_code
from mynumber.numbers.generator import NumberGenerator
from mynumber.register.exceptions import (
    DuplicateResident,
    InvalidResidentRecord,
    NotOnRegister,
    NumberChangeRefused,
    ResidentNotFound,
)
from mynumber.register.lookups import LookupAnswer, LookupService
from mynumber.register.matching import Outcome, attribute_key
from mynumber.register.models import (
    AttributeLookup,
    EventKind,
    IndividualNumberRecord,
    LifeEvent,
    Resident,
)
from mynumber.register.municipalities import PostalMunicipalities
from mynumber.register.records import PersonName, ResidentRecord, Sex
from mynumber.register.services import Clerk, RegisterService
from mynumber.storage import session_factory, unit_of_work

CLERK = Clerk("clerk 1")
TODAY = date(2026, 11, 26)
#: 千代田区 (Chiyoda, Tokyo): municipality 131016, postal code 100-0001 (千代田).
TARO = ResidentRecord(
    family_name="渡邊",
    given_name="太郎",
    family_name_kana="ワタナベ",
    given_name_kana="タロウ",
    date_of_birth=date(1985, 1, 2),
    sex=Sex.MALE,
    municipality_code="131016",
    postal_code="1000001",
    address="東京都千代田区千代田1番1号",
)


@pytest.fixture
def session(migrated_engine: sqlalchemy.Engine) -> Iterator[Session]:
    """Yield a session of a migrated registry database, committed as a unit of work."""
    with unit_of_work(session_factory(migrated_engine)) as session:
        yield session


@pytest.fixture
def register(session: Session) -> RegisterService:
    """Return the register over ``session`` with a fixed clock."""
    return RegisterService(
        session,
        NumberGenerator(bytes(range(32))),
        PostalMunicipalities(),
        clock=lambda: datetime(2026, 11, 26, 9, 0, tzinfo=UTC),
    )


def _register(register: RegisterService, record: ResidentRecord = TARO) -> Resident:
    return register.register(record, event=EventKind.BIRTH, occurred_on=TODAY, clerk=CLERK)


def test_registration_assigns_a_code_and_a_valid_number(register: RegisterService) -> None:
    """A new resident gets a valid resident record code and a valid number, found by the number."""
    resident = _register(register)
    number = register.active_number(resident).number
    assert resident_code.is_valid(resident.resident_record_code)
    assert individual.is_valid(number)
    assert register.find_by_number(number) is resident
    assert [event.kind for event in resident.events] == ["birth"]
    assert resident.events[0].recorded_by == "clerk 1"


def test_the_number_is_not_stored_in_plaintext(register: RegisterService, session: Session) -> None:
    """The number column holds ciphertext and the index a digest: the digits appear in neither."""
    resident = _register(register)
    number = register.active_number(resident).number
    raw = session.execute(text("select number, number_index from individual_numbers")).one()
    for value in raw:
        assert number.encode() not in bytes(value)


def test_a_move_and_a_name_change_keep_the_number(register: RegisterService) -> None:
    """Moving within the city and changing name change neither the code nor the number."""
    resident = _register(register)
    number = register.active_number(resident).number
    register.change_address(
        resident,
        postal_code="1000002",
        address="東京都千代田区皇居外苑2番",
        occurred_on=TODAY,
        clerk=CLERK,
    )
    register.change_name(
        resident, PersonName("山田", "太郎", "ヤマダ", "タロウ"), occurred_on=TODAY, clerk=CLERK
    )
    assert register.active_number(resident).number == number
    assert [event.kind for event in resident.events] == ["birth", "address-change", "name-change"]
    assert resident.events[2].details["before"]["family_name"] == "渡邊"


def test_a_number_change_kills_the_old_number_and_keeps_the_person(
    register: RegisterService, session: Session
) -> None:
    """After a change the old number finds no one, the new one finds the same resident."""
    resident = _register(register)
    old = register.active_number(resident).number
    new = register.change_number(
        resident,
        reason="card and number posted online",
        on_request=True,
        occurred_on=TODAY,
        clerk=CLERK,
    )
    assert new != old
    assert individual.is_valid(new)
    assert register.find_by_number(new) is resident
    with pytest.raises(ResidentNotFound):
        register.find_by_number(old)
    generations = session.scalars(
        select(IndividualNumberRecord.generation).where(
            IndividualNumberRecord.resident_id == resident.id
        )
    ).all()
    assert sorted(generations) == [0, 1]
    assert resident.events[-1].details["reason"] == "card and number posted online"


def test_a_number_change_needs_a_reason(register: RegisterService) -> None:
    """Without a stated reason the change is refused and the number stays."""
    resident = _register(register)
    number = register.active_number(resident).number
    with pytest.raises(NumberChangeRefused, match="leaked"):
        register.change_number(
            resident, reason="  ", on_request=True, occurred_on=TODAY, clerk=CLERK
        )
    assert register.active_number(resident).number == number


def test_the_same_person_cannot_be_registered_twice(register: RegisterService) -> None:
    """A second registration with the same four attributes, even in old kanji, is refused."""
    _register(register)
    with pytest.raises(DuplicateResident, match="already on the register"):
        _register(register, replace(TARO, family_name="渡辺"))


def test_no_event_for_a_deceased_resident(register: RegisterService) -> None:
    """After death, events and number changes are refused; the number is kept with the record."""
    resident = _register(register)
    register.remove(resident, event=EventKind.DEATH, occurred_on=TODAY, clerk=CLERK)
    with pytest.raises(NotOnRegister, match="deceased"):
        register.change_address(
            resident,
            postal_code="1000001",
            address="東京都千代田区千代田2番",
            occurred_on=TODAY,
            clerk=CLERK,
        )
    with pytest.raises(NotOnRegister):
        register.change_number(
            resident, reason="leak", on_request=False, occurred_on=TODAY, clerk=CLERK
        )


def test_a_postal_code_of_another_municipality_is_refused(
    register: RegisterService, session: Session
) -> None:
    """A postal code outside the municipality is refused and nothing is written."""
    with pytest.raises(InvalidResidentRecord, match="1500001"):
        _register(register, replace(TARO, postal_code="1500001"))  # 渋谷区
    assert session.scalar(select(sqlalchemy.func.count()).select_from(Resident)) == 0


def test_an_unknown_municipality_is_refused(register: RegisterService) -> None:
    """A municipality code that does not exist is refused with the code in the message."""
    with pytest.raises(InvalidResidentRecord, match="999999"):
        _register(register, replace(TARO, municipality_code="999999"))


def test_a_birth_after_the_event_is_refused(register: RegisterService) -> None:
    """A date of birth after the registration date is impossible."""
    with pytest.raises(InvalidResidentRecord, match="after the event"):
        _register(register, replace(TARO, date_of_birth=date(2027, 1, 1)))


def test_history_is_in_order_with_who_and_when(register: RegisterService, session: Session) -> None:
    """Each event says who recorded it and when, in the order they were recorded."""
    resident = _register(register)
    register.remove(resident, event=EventKind.MOVE_OUT, occurred_on=TODAY, clerk=Clerk("clerk 2"))
    session.flush()
    rows = session.scalars(
        select(LifeEvent).where(LifeEvent.resident_id == resident.id).order_by(LifeEvent.id)
    ).all()
    assert [(row.kind, row.recorded_by) for row in rows] == [
        ("birth", "clerk 1"),
        ("move-out", "clerk 2"),
    ]
    assert all(row.recorded_at == datetime(2026, 11, 26, 9, 0, tzinfo=UTC) for row in rows)


@pytest.fixture
def lookups(session: Session) -> LookupService:
    """Return the lookup service over the same session as ``register``."""
    return LookupService(session, clock=lambda: datetime(2026, 11, 26, 9, 0, tzinfo=UTC))


def _ask(lookups: LookupService, **changes: object) -> LookupAnswer:
    attributes: dict[str, object] = {
        "name": "渡辺 太郎",
        "kana": "わたなべ たろう",
        "date_of_birth": "昭和60年1月2日",
        "address": "千代田区千代田1-1",
        "sex": None,
    } | changes
    query = attribute_key(**attributes)  # type: ignore[arg-type]
    return lookups.lookup_number(query, asked_by="tax office", task="withholding")


def test_a_lookup_by_attributes_finds_the_number_across_notations(
    register: RegisterService, lookups: LookupService
) -> None:
    """Old kanji, hiragana, an era date and a hyphenated address still find the one resident."""
    resident = _register(register)
    answer = _ask(lookups)
    assert answer.number == register.active_number(resident).number
    assert answer.outcome == Outcome.ONE_MATCH


def test_namesakes_make_a_lookup_ambiguous_and_sex_decides(
    register: RegisterService, lookups: LookupService
) -> None:
    """Two people alike but for sex: without sex no one is returned; with it, the right one."""
    _register(register)
    sister = register.register(
        replace(TARO, given_name="太郎", sex=Sex.FEMALE),
        event=EventKind.BIRTH,
        occurred_on=TODAY,
        clerk=CLERK,
    )
    ambiguous = _ask(lookups)
    assert ambiguous.number is None
    assert ambiguous.outcome == Outcome.AMBIGUOUS
    assert _ask(lookups, sex="女").number == register.active_number(sister).number


def test_a_dv_protected_resident_is_not_found_by_attributes(
    register: RegisterService, lookups: LookupService, session: Session
) -> None:
    """A resident under DV support measures is never found by a body's lookup; it is recorded."""
    resident = _register(register)
    resident.address_protected = True
    answer = _ask(lookups)
    assert answer.number is None
    session.flush()
    recorded = session.scalars(select(AttributeLookup)).all()
    assert [(row.asked_by, row.task, row.outcome, row.resident_id) for row in recorded] == [
        ("tax office", "withholding", "no-match", None)
    ]


def test_every_lookup_is_recorded_with_who_and_why(
    register: RegisterService, lookups: LookupService, session: Session
) -> None:
    """Found or not, each lookup leaves a record naming the body, the task and the outcome."""
    resident = _register(register)
    _ask(lookups)
    _ask(lookups, address="千代田区千代田2-1")
    session.flush()
    rows = session.scalars(select(AttributeLookup).order_by(AttributeLookup.id)).all()
    assert [(row.outcome, row.resident_id) for row in rows] == [
        ("one-match", resident.id),
        ("no-match", None),
    ]
