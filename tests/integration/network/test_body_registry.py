"""The hub's register of bodies: registrations refused with reasons, authentication, tasks."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import func, select
from tests.integration.network.conftest import CITY, SHOP, TAX, register

from mynumber.network.exceptions import UnknownBodyKind, UnknownTask
from mynumber.network.models import Body, BodyCredential
from mynumber.network.service_exceptions import (
    AuthenticationRefused,
    BodyNotFound,
    BodyRefused,
    DuplicateBody,
    DuplicateStaff,
)
from mynumber.network.services import BodyRegistry, hash_api_key
from mynumber.storage import unit_of_work

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker


def test_a_body_is_registered_with_its_kind_category_and_tasks(
    sessions: sessionmaker[Session],
) -> None:
    """A registered body keeps its compact corporate number, category and tasks; the key once."""
    with unit_of_work(sessions) as session:
        registry = BodyRegistry(session)
        body, api_key = registry.register_body(
            replace(CITY, corporate_number="9-0000-2099-9013"), registered_by="Ito"
        )
    with unit_of_work(sessions) as session:
        registry = BodyRegistry(session)
        stored = registry.body(CITY.id)
        assert (stored.corporate_number, stored.kind, stored.category) == (
            "9000020999013",
            "city-office",
            "number-using",
        )
        assert registry.tasks(stored) == ("city-office:resident-tax", "city-office:child-allowance")
        hashes = list(session.scalars(select(BodyCredential.key_hash)))
    assert body.id == CITY.id
    assert hashes == [hash_api_key(api_key)]
    assert api_key not in hashes


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ({"kind": "fortune-teller"}, UnknownBodyKind, "'fortune-teller' is not a kind of body"),
        ({"corporate_number": "1000020999013"}, BodyRefused, r"corporate number .* check digit"),
        ({"corporate_number": "12345"}, BodyRefused, "has 13 digits, this one has 5"),
        ({"id": "City Office"}, BodyRefused, "cannot be a body's id"),
        ({"name_ja": "  "}, BodyRefused, "give the Japanese name"),
        ({"tasks": ("tax-office:income-tax",)}, BodyRefused, "is not a task of the city office"),
        ({"tasks": ("city-office:lottery",)}, UnknownTask, "is not a task the law lists"),
    ],
)
def test_a_wrong_registration_is_refused_with_the_reason(
    sessions: sessionmaker[Session], change: dict[str, object], error: type[Exception], message: str
) -> None:
    """An unknown kind, bad corporate number or id, empty name, foreign task: refused, none kept."""
    with pytest.raises(error, match=message), unit_of_work(sessions) as session:
        BodyRegistry(session).register_body(replace(CITY, **change), registered_by="Ito")  # type: ignore[arg-type]
    with unit_of_work(sessions) as session:
        assert session.scalar(select(func.count()).select_from(Body)) == 0


def test_a_body_that_may_not_handle_numbers_gets_no_tasks(sessions: sessionmaker[Session]) -> None:
    """A video rental shop registers without tasks, and is refused any, as the law forbids."""
    with unit_of_work(sessions) as session:
        registry = BodyRegistry(session)
        shop, _ = registry.register_body(SHOP, registered_by="Ito")
        assert registry.tasks(shop) == ()
        decision = registry.may_perform(shop, "employer:withholding-slip")
    assert not decision
    assert "may not ask for, collect or keep a My Number" in decision.reason
    other = replace(SHOP, id="video-rental-shop-2", tasks=("employer:withholding-slip",))
    with pytest.raises(BodyRefused, match="video rental shop may not"), unit_of_work(sessions) as s:
        BodyRegistry(s).register_body(other, registered_by="Ito")


def test_a_duplicate_id_is_refused(sessions: sessionmaker[Session]) -> None:
    """A second body under a taken id is refused, naming the id."""
    with unit_of_work(sessions) as session:
        register(session, CITY)
    with (
        pytest.raises(DuplicateBody, match="already registered as 'city-office-131016'"),
        unit_of_work(sessions) as session,
    ):
        BodyRegistry(session).register_body(replace(CITY, name_en="Another"), registered_by="Ito")


def test_may_perform_needs_the_kind_and_the_registration(sessions: sessionmaker[Session]) -> None:
    """A body may act for a task it registered; not for its kind's others, nor another kind's."""
    with unit_of_work(sessions) as session:
        register(session, CITY)
        registry = BodyRegistry(session)
        city = registry.body(CITY.id)
        assert registry.may_perform(city, "city-office:child-allowance")
        unregistered = registry.may_perform(city, "city-office:disaster-relief")
        foreign = registry.may_perform(city, "tax-office:income-tax")
    assert not unregistered
    assert "is not registered for 'disaster relief'" in unregistered.reason
    assert not foreign
    assert "is not a task of the city office" in foreign.reason


def test_authentication_needs_the_key_and_an_active_staff_member(
    sessions: sessionmaker[Session],
) -> None:
    """The right key and own staff pass; a wrong key, no staff, another's staff, a leaver fail."""
    with unit_of_work(sessions) as session:
        keys = register(session, CITY, TAX)
        registry = BodyRegistry(session)
        registry.add_staff(TAX.id, "s-2", "田中 一郎", "inspector", added_by="Ito")
        body, staff = registry.authenticate(keys[CITY.id], "s-1")
        assert (body.id, staff.staff_id) == (CITY.id, "s-1")
        refusals = [
            ("not-a-key", "s-1", "not one the hub issued"),
            (None, "s-1", "not one the hub issued"),
            (keys[CITY.id], None, "say which member of the staff"),
            (keys[CITY.id], " ", "say which member of the staff"),
            (keys[CITY.id], "s-2", "'s-2' is not on the staff of city-office-131016"),
        ]
        for api_key, staff_id, message in refusals:
            with pytest.raises(AuthenticationRefused, match=message):
                registry.authenticate(api_key, staff_id)
        registry.deactivate_staff(CITY.id, "s-1")
        with pytest.raises(AuthenticationRefused, match="no longer active"):
            registry.authenticate(keys[CITY.id], "s-1")


def test_staff_ids_are_unique_per_body_and_need_a_body(sessions: sessionmaker[Session]) -> None:
    """A staff id twice in one body, or a staff member of no body, is refused."""
    with unit_of_work(sessions) as session:
        register(session, CITY, TAX)
        registry = BodyRegistry(session)
        with pytest.raises(DuplicateStaff, match="already has a staff member 's-1'"):
            registry.add_staff(CITY.id, "s-1", "別人", "clerk", added_by="Ito")
        with pytest.raises(BodyNotFound, match="no body is registered as 'nowhere'"):
            registry.add_staff("nowhere", "s-9", "誰か", "clerk", added_by="Ito")


def test_a_staff_id_that_could_be_a_number_is_refused(sessions: sessionmaker[Session]) -> None:
    """Twelve digits in a row in a staff id are refused: the ledger would refuse its entries."""
    with unit_of_work(sessions) as session:
        register(session, CITY, TAX)
        registry = BodyRegistry(session)
        with pytest.raises(BodyRefused, match="may not hold 12 digits in a row"):
            registry.add_staff(CITY.id, "emp-123456789012", "佐藤", "clerk", added_by="Ito")
        assert registry.add_staff(CITY.id, "emp-12345678901", "佐藤", "clerk", added_by="Ito")
