"""Per-body codes on the hub: issued once, different per body, translated; no number kept."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import sqlalchemy
from tests.integration.network.conftest import CITY, SHOP, TAX, register, resident_record_code

import mynumber.schema  # noqa: F401 -- every model, so the hub's schema is whole
from mynumber.deployment import NodeKind
from mynumber.network.codes import derive_institution_code, is_well_formed_code
from mynumber.network.exceptions import InvalidInstitutionCode
from mynumber.network.references import person_reference
from mynumber.network.service_exceptions import BodyNotFound, CodeNotIssued, CodeRefused
from mynumber.network.services import CodeService
from mynumber.numbers.exceptions import InvalidNumber
from mynumber.storage import metadata_for, unit_of_work

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

ALICE = resident_record_code(1)
BOB = resident_record_code(2)


@pytest.fixture
def bodies(sessions: sessionmaker[Session]) -> None:
    """Register the city office, the tax office and a video rental shop."""
    with unit_of_work(sessions) as session:
        register(session, CITY, TAX, SHOP)


@pytest.mark.usefixtures("bodies")
def test_a_code_is_issued_once_and_differs_per_body_and_person(
    sessions: sessionmaker[Session], code_key: bytes
) -> None:
    """The same person at the same body gets the same code; another body or person, another."""
    with unit_of_work(sessions) as session:
        codes = CodeService(session, code_key)
        first = codes.issue_code(ALICE, CITY.id)
        at_tax = codes.issue_code(ALICE, TAX.id)
        bob = codes.issue_code(BOB, CITY.id)
    with unit_of_work(sessions) as session:
        codes = CodeService(session, code_key)
        assert codes.issue_code(ALICE, CITY.id) == first
        assert codes.code_of(ALICE, CITY.id) == first
        assert codes.code_of(BOB, TAX.id) is None
    assert len({first, at_tax, bob}) == 3
    assert all(is_well_formed_code(code) for code in (first, at_tax, bob))
    assert first == derive_institution_code(code_key, ALICE, CITY.id)


@pytest.mark.usefixtures("bodies")
def test_a_code_is_translated_to_the_providers_code(
    sessions: sessionmaker[Session], code_key: bytes
) -> None:
    """The city's code for a person becomes the tax office's code for the same person."""
    with unit_of_work(sessions) as session:
        codes = CodeService(session, code_key)
        city_code = codes.issue_code(ALICE, CITY.id)
        tax_code = codes.issue_code(ALICE, TAX.id)
        codes.issue_code(BOB, TAX.id)
        assert codes.translate(city_code, CITY.id, TAX.id) == tax_code
        assert codes.translate(tax_code, TAX.id, CITY.id) == city_code


@pytest.mark.usefixtures("bodies")
def test_a_code_of_another_body_is_refused_naming_no_one(
    sessions: sessionmaker[Session], code_key: bytes
) -> None:
    """A body sending another body's code, or one never issued, is refused in the same words."""
    with unit_of_work(sessions) as session:
        codes = CodeService(session, code_key)
        tax_code = codes.issue_code(ALICE, TAX.id)
        codes.issue_code(ALICE, CITY.id)
        unissued = derive_institution_code(code_key, BOB, CITY.id)
        messages = []
        for code in (tax_code, unissued):
            with pytest.raises(CodeRefused, match="not one the hub issued to city-office") as info:
                codes.translate(code, CITY.id, TAX.id)
            messages.append(str(info.value))
    assert messages[0] == messages[1]
    assert tax_code not in messages[0]
    assert ALICE not in messages[0]


@pytest.mark.usefixtures("bodies")
def test_translation_refusals(sessions: sessionmaker[Session], code_key: bytes) -> None:
    """No code yet at the provider, an unknown body, a malformed code: each refused."""
    with unit_of_work(sessions) as session:
        codes = CodeService(session, code_key)
        city_code = codes.issue_code(ALICE, CITY.id)
        with pytest.raises(CodeNotIssued, match="no code at tax-office-shinonomedai yet"):
            codes.translate(city_code, CITY.id, TAX.id)
        with pytest.raises(BodyNotFound, match="'pension-office'"):
            codes.translate(city_code, CITY.id, "pension-office")
        with pytest.raises(InvalidInstitutionCode, match="26 characters"):
            codes.translate("621498320257", CITY.id, TAX.id)


@pytest.mark.usefixtures("bodies")
def test_issuing_is_refused_for_bad_input(sessions: sessionmaker[Session], code_key: bytes) -> None:
    """A bad resident record code, an unknown body, or a body barred from numbers gets no code."""
    with unit_of_work(sessions) as session:
        codes = CodeService(session, code_key)
        with pytest.raises(InvalidNumber):
            codes.issue_code("12345678901", CITY.id)
        with pytest.raises(BodyNotFound):
            codes.issue_code(ALICE, "nowhere")
        with pytest.raises(CodeRefused, match="may not handle numbers"):
            codes.issue_code(ALICE, SHOP.id)
        assert codes.code_of(ALICE, SHOP.id) is None


@pytest.mark.usefixtures("bodies")
def test_no_resident_record_code_is_stored_in_the_clear(
    sessions: sessionmaker[Session], migrated_engine: sqlalchemy.Engine, code_key: bytes
) -> None:
    """Every row of every hub table is scanned: no resident record code, only its reference."""
    with unit_of_work(sessions) as session:
        codes = CodeService(session, code_key)
        for person in (ALICE, BOB):
            codes.issue_code(person, CITY.id)
            codes.issue_code(person, TAX.id)
    cells: list[str] = []
    with migrated_engine.connect() as connection:
        for table in metadata_for(NodeKind.HUB).sorted_tables:
            for row in connection.execute(sqlalchemy.select(table)):
                cells.extend(
                    value.hex() if isinstance(value, bytes) else str(value) for value in row
                )
    text = "\n".join(cells)
    for person in (ALICE, BOB):
        assert person not in text
        assert person_reference(code_key, person) in text
