"""Exchanges through the hub: asked at the requester's node, answered by the provider's, logged.

Each test runs the hub on SQLite and on PostgreSQL, with every institution on its own SQLite file.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import func, select, text

from mynumber.institution.models import ExchangeRecord
from mynumber.ledger.models import LedgerEntry
from mynumber.network.models import Exchange, InstitutionCode, NetworkRefusal

from .conftest import CITY, EMPLOYER, FORMER_CITY, INSURER, Network, person

if TYPE_CHECKING:
    import httpx

pytestmark = pytest.mark.anyio

CHILD_ALLOWANCE = "child-allowance-income-from-former-city"
INCOME = {"fiscal_year": 2025, "taxable_income_yen": 3_120_000, "dependants": 2}


def _form(code: str, row: str = CHILD_ALLOWANCE, **changes: str) -> dict[str, str]:
    """Return a request for the former city's income information about ``code``'s person."""
    return {"code": code, "row": row, "item": "local-tax-income", "provider": FORMER_CITY} | changes


def _entries(network: Network) -> list[dict[str, Any]]:
    """Return every ledger entry, decoded."""
    with network.session("hub") as session:
        return [json.loads(row) for row in session.scalars(select(LedgerEntry.entry))]


def _count(network: Network, node: str, model: type) -> int:
    """Return how many rows of ``model`` node ``node`` holds."""
    with network.session(node) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """Return the problem details of a refusal, checking its status and media type."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    return body


async def test_the_city_gets_income_from_the_former_city_and_everyone_records_it(
    network: Network,
) -> None:
    """A permitted request is routed, answered with the former city's copy, logged once."""
    resident = person()
    city_code, former_code = network.code(resident, CITY), network.code(resident, FORMER_CITY)
    network.keep(FORMER_CITY, former_code, "local-tax-income", INCOME)

    asked = await network.ask(CITY, _form(city_code))
    assert asked.status_code == 202, asked.text
    exchange = asked.json()
    assert exchange["status"] == "completed"
    assert exchange["outcome"] == "provided"
    assert exchange["answer"] is None  # handed over only when collected

    path = f"/institutions/{CITY}/api/exchanges/{exchange['serial']}"
    collected = await network.client.get(path, headers=network.headers(CITY))
    assert collected.json()["answer"] == {"held": True, "data": INCOME}
    again = await network.client.get(path, headers=network.headers(CITY))
    assert again.json()["answer"] is None
    assert again.json()["collected_at"] is not None

    [entry] = _entries(network)
    with network.session("hub") as session:
        disclosure = session.scalar(
            select(InstitutionCode.disclosure_code).where(InstitutionCode.code == city_code)
        )
    assert entry["kind"] == "exchange"
    assert entry["disclosure_code"] == disclosure
    assert (entry["requester"], entry["provider"], entry["row"]) == (
        CITY,
        FORMER_CITY,
        CHILD_ALLOWANCE,
    )
    assert entry["task"] == "city-office:child-allowance"
    assert entry["serial"] == exchange["serial"]
    assert city_code not in json.dumps(entry)
    assert former_code not in json.dumps(entry)
    with network.session(CITY) as session:
        [mine] = session.scalars(select(ExchangeRecord))
        assert (mine.role, mine.code, mine.counterpart) == ("requester", city_code, FORMER_CITY)
        assert json.loads(mine.answer or "{}")["data"] == INCOME
    with network.session(FORMER_CITY) as session:
        [theirs] = session.scalars(select(ExchangeRecord))
        assert (theirs.role, theirs.code, theirs.counterpart) == ("provider", former_code, CITY)


async def test_a_retry_with_the_same_key_is_the_same_exchange(network: Network) -> None:
    """Asking twice with one idempotency key gives one serial, one exchange, one entry."""
    resident = person()
    city_code, former_code = network.code(resident, CITY), network.code(resident, FORMER_CITY)
    network.keep(FORMER_CITY, former_code, "local-tax-income", INCOME)

    first = await network.ask(CITY, _form(city_code), key="retry-key-0001")
    second = await network.ask(CITY, _form(city_code), key="retry-key-0001")
    assert first.json()["serial"] == second.json()["serial"]
    assert _count(network, "hub", Exchange) == 1
    assert len(_entries(network)) == 1
    assert _count(network, FORMER_CITY, ExchangeRecord) == 1

    reused = await network.ask(CITY, _form(city_code, item="taxation-status"), key="retry-key-0001")
    assert _problem(reused, 409)["type"].endswith("idempotency-conflict")


async def test_a_provider_without_the_item_answers_not_held(network: Network) -> None:
    """A person the provider holds nothing about completes the exchange as not held."""
    resident = person()
    city_code = network.code(resident, CITY)
    network.code(resident, FORMER_CITY)

    asked = await network.ask(CITY, _form(city_code))
    assert asked.json()["outcome"] == "not-held"
    [entry] = _entries(network)
    assert entry["outcome"] == "not-held"


@pytest.mark.parametrize(
    ("body", "change", "status", "problem"),
    [
        (CITY, {"row": "dependant-approval-from-city"}, 403, "exchange-refused"),
        (CITY, {"item": "medical-benefit-records"}, 403, "exchange-refused"),
        (CITY, {"provider": INSURER}, 403, "exchange-refused"),
        (CITY, {"row": "no-such-row"}, 404, "unknown-exchange-row"),
        (EMPLOYER, {}, 403, "exchange-refused"),
    ],
    ids=["task-outside-the-table", "item-not-in-row", "wrong-provider", "unknown-row", "employer"],
)
async def test_requests_outside_the_table_are_refused_and_recorded(
    network: Network, body: str, change: dict[str, str], status: int, problem: str
) -> None:
    """A request the table does not permit is refused, recorded, and nothing is exchanged."""
    resident = person()
    own = network.code(resident, body)
    network.code(resident, FORMER_CITY)
    network.code(resident, INSURER)

    refused = await network.ask(body, _form(own, **change))
    assert _problem(refused, status)["type"].endswith(problem)
    assert _count(network, "hub", Exchange) == 0
    assert _count(network, body, ExchangeRecord) == 0
    with network.session("hub") as session:
        [refusal] = session.scalars(select(NetworkRefusal))
        assert (refusal.body_id, refusal.staff_id, refusal.code) == (body, "clerk-1", problem)
    [entry] = _entries(network)
    assert entry["kind"] == "exchange-refused"
    assert entry["requester"] == body


async def test_a_code_of_another_body_is_refused_and_shown_to_its_person(network: Network) -> None:
    """Asking with another body's code is refused without naming anyone, and logged for them."""
    resident = person()
    network.code(resident, CITY)
    insurer_code = network.code(resident, INSURER)
    network.code(resident, FORMER_CITY)

    refused = await network.ask(CITY, _form(insurer_code))
    detail = _problem(refused, 403)["detail"]
    assert insurer_code not in detail
    assert "not one the hub issued" in detail
    [entry] = _entries(network)
    assert entry["kind"] == "exchange-refused"
    with network.session("hub") as session:
        owner = session.scalar(
            select(InstitutionCode.disclosure_code).where(InstitutionCode.code == insurer_code)
        )
    assert entry["disclosure_code"] == owner


@pytest.mark.parametrize(
    ("headers", "problem"),
    [
        ({"staff": ""}, "authentication-refused"),
        ({"staff": "nobody"}, "authentication-refused"),
    ],
    ids=["no-staff-member", "unknown-staff-member"],
)
async def test_a_request_naming_no_staff_member_is_refused(
    network: Network, headers: dict[str, str], problem: str
) -> None:
    """Every request names an active staff member of the body, or is refused and recorded."""
    resident = person()
    city_code = network.code(resident, CITY)
    network.code(resident, FORMER_CITY)

    refused = await network.ask(CITY, _form(city_code), **headers)
    assert _problem(refused, 401)["type"].endswith(problem)
    assert _count(network, "hub", Exchange) == 0
    assert _count(network, "hub", NetworkRefusal) == 1


async def test_a_wrong_api_key_is_refused(network: Network) -> None:
    """A key the hub did not issue is refused; the refusal names no body."""
    resident = person()
    city_code = network.code(resident, CITY)
    headers = network.headers(CITY) | {"Authorization": "Bearer not-a-key"}
    refused = await network.client.post(
        f"/institutions/{CITY}/api/exchanges", json=_form(city_code), headers=headers
    )
    _problem(refused, 401)
    with network.session("hub") as session:
        [refusal] = session.scalars(select(NetworkRefusal))
        assert refusal.body_id is None


@pytest.mark.parametrize(
    "form",
    [
        {"code": "X", "row": CHILD_ALLOWANCE, "item": "local-tax-income"},
        {"code": "X" * 26, "row": CHILD_ALLOWANCE, "item": "i", "provider": FORMER_CITY, "x": "1"},
        {"code": "X" * 65, "row": CHILD_ALLOWANCE, "item": "i", "provider": FORMER_CITY},
    ],
    ids=["missing-provider", "unknown-field", "overlong-code"],
)
async def test_a_malformed_request_is_refused_and_recorded(
    network: Network, form: dict[str, str]
) -> None:
    """A malformed payload is a 422 problem, recorded at the hub as the body's; nothing opens."""
    refused = await network.client.post(
        f"/institutions/{CITY}/api/exchanges", json=form, headers=network.headers(CITY)
    )
    assert _problem(refused, 422)["type"].endswith(":exchange-malformed")
    assert _count(network, "hub", Exchange) == 0
    assert _count(network, CITY, ExchangeRecord) == 0
    with network.session("hub") as session:
        [refusal] = session.scalars(select(NetworkRefusal))
        assert (refusal.body_id, refusal.code) == (CITY, "exchange-malformed")
        assert "X" * 26 not in refusal.reason  # the values sent are never repeated


async def test_an_oversized_request_is_refused_at_the_node(network: Network) -> None:
    """A body over the limit is a 413 problem from the body's own node; nothing reaches the hub."""
    form = _form("X" * 26, item="i" * 5000)
    refused = await network.client.post(
        f"/institutions/{CITY}/api/exchanges", json=form, headers=network.headers(CITY)
    )
    assert _problem(refused, 413)["type"].endswith(":exchange-too-large")
    assert _count(network, "hub", Exchange) == 0
    assert _count(network, "hub", NetworkRefusal) == 0


async def test_another_body_cannot_collect_an_exchange(network: Network) -> None:
    """Only the requester may collect an exchange's answer; to anyone else it does not exist."""
    resident = person()
    city_code, former_code = network.code(resident, CITY), network.code(resident, FORMER_CITY)
    network.keep(FORMER_CITY, former_code, "local-tax-income", INCOME)
    serial = (await network.ask(CITY, _form(city_code))).json()["serial"]

    stolen = await network.client.get(
        f"/institutions/{INSURER}/api/exchanges/{serial}", headers=network.headers(INSURER)
    )
    _problem(stolen, 404)
    mine = await network.client.get(
        f"/institutions/{CITY}/api/exchanges/{serial}", headers=network.headers(CITY)
    )
    assert mine.json()["answer"]["data"] == INCOME


def _refuse_ledger_appends(network: Network, *, refuse: bool) -> None:
    """Make the hub's database refuse (or take again) every new ledger entry."""
    with network.session("hub") as session:
        if session.get_bind().dialect.name == "sqlite":
            statements = (
                [
                    (
                        "CREATE TRIGGER ledger_down BEFORE INSERT ON ledger_entries "
                        "BEGIN SELECT RAISE(ABORT, 'the ledger is down'); END"
                    )
                ]
                if refuse
                else ["DROP TRIGGER ledger_down"]
            )
        else:
            statements = (
                [
                    (
                        "CREATE FUNCTION ledger_down() RETURNS trigger LANGUAGE plpgsql AS "
                        "$$ BEGIN RAISE EXCEPTION 'the ledger is down'; END $$"
                    ),
                    (
                        "CREATE TRIGGER ledger_down BEFORE INSERT ON ledger_entries "
                        "FOR EACH ROW EXECUTE FUNCTION ledger_down()"
                    ),
                ]
                if refuse
                else ["DROP TRIGGER ledger_down ON ledger_entries", "DROP FUNCTION ledger_down()"]
            )
        for statement in statements:
            session.execute(text(statement))


async def test_no_exchange_completes_without_its_ledger_entry(network: Network) -> None:
    """If the ledger cannot append, the exchange stays pending and nothing is handed over."""
    resident = person()
    city_code, former_code = network.code(resident, CITY), network.code(resident, FORMER_CITY)
    network.keep(FORMER_CITY, former_code, "local-tax-income", INCOME)
    _refuse_ledger_appends(network, refuse=True)

    failed = await network.ask(CITY, _form(city_code), key="fail-closed-1")
    assert failed.status_code >= 500
    with network.session("hub") as session:
        [exchange] = session.scalars(select(Exchange))
        assert (exchange.status, exchange.answer, exchange.ledger_index) == ("pending", None, None)

    _refuse_ledger_appends(network, refuse=False)
    retried = await network.ask(CITY, _form(city_code), key="fail-closed-1")
    assert retried.json()["status"] == "completed"
    assert retried.json()["serial"] == exchange.serial
    assert len(_entries(network)) == 1
