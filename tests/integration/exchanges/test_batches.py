"""Batches of exchanges: many requests asked, and many answers collected, in one request.

Staff ask at their own institution node (``POST /api/exchange-batches``, ``POST
/api/exchange-answers``), which passes the batch on to the hub. Each item is answered in its
place -- the exchange, or why that item alone was refused -- and everything a single request
leaves behind (the hub's refusals, the ledger, both bodies' records) is left for each item.

Each test runs the hub on SQLite and on PostgreSQL, with every institution on its own SQLite file.
"""

from __future__ import annotations

import json
import secrets
from collections import Counter
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import func, select

from mynumber.errors import PROBLEM_TYPE_PREFIX
from mynumber.institution.models import ExchangeRecord
from mynumber.ledger.models import LedgerEntry
from mynumber.network.models import Exchange, InstitutionCode, NetworkRefusal

from .conftest import CITY, FORMER_CITY, INSURER, Network, person
from .test_exchanges import _refuse_ledger_appends

if TYPE_CHECKING:
    import httpx

pytestmark = pytest.mark.anyio

CHILD_ALLOWANCE = "child-allowance-income-from-former-city"
HIGH_COST_CARE = "high-cost-medical-care-benefit-records"
INCOME = {"fiscal_year": 2025, "taxable_income_yen": 3_120_000, "dependants": 2}
BENEFITS = {"months": ["2026-04", "2026-05"], "paid_yen": 88_000}


def _ask(code: str, *, key: str | None = None, **changes: str) -> dict[str, str]:
    """Return one item of a batch: the former city's income information about ``code``'s person."""
    return {
        "code": code,
        "row": CHILD_ALLOWANCE,
        "item": "local-tax-income",
        "provider": FORMER_CITY,
        "idempotency_key": key or secrets.token_urlsafe(16),
    } | changes


def _benefits(code: str, *, key: str | None = None) -> dict[str, str]:
    """Return one item of a batch: the insurer's benefit records about ``code``'s person."""
    return _ask(code, key=key, row=HIGH_COST_CARE, item="medical-benefit-records", provider=INSURER)


async def _batch(
    network: Network, body: str, items: list[dict[str, str]], **headers: str
) -> httpx.Response:
    """Send ``items`` to ``body``'s own node as one batch of requests."""
    return await network.client.post(
        f"/institutions/{body}/api/exchange-batches",
        json={"exchanges": items},
        headers=network.headers(body, **headers),
    )


async def _collect(network: Network, body: str, serials: list[str]) -> httpx.Response:
    """Ask ``body``'s own node for the answers of ``serials``."""
    return await network.client.post(
        f"/institutions/{body}/api/exchange-answers",
        json={"serials": serials},
        headers=network.headers(body),
    )


def _items(response: httpx.Response, count: int) -> list[dict[str, Any]]:
    """Return the items of a batch's answer, checking its status and that each item is one."""
    asked = response.url.path.endswith("/exchange-batches")
    assert response.status_code == (202 if asked else 200), response.text
    items: list[dict[str, Any]] = response.json()["exchanges"]
    assert len(items) == count
    for item in items:
        assert (item["exchange"] is None) != (item["refusal"] is None), item
    return items


def _refused(item: dict[str, Any], code: str) -> str:
    """Check that ``item`` is a refusal of kind ``code``; return its detail."""
    assert item["exchange"] is None
    refusal = item["refusal"]
    assert refusal["type"] == f"{PROBLEM_TYPE_PREFIX}{code}", refusal
    assert refusal["title"]
    detail: str = refusal["detail"]
    return detail


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """Return the problem details of a refusal, checking its status and media type."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    return body


def _entries(network: Network) -> list[dict[str, Any]]:
    """Return every ledger entry, decoded, in the order appended."""
    with network.session("hub") as session:
        query = select(LedgerEntry.entry).order_by(LedgerEntry.index)
        return [json.loads(row) for row in session.scalars(query)]


def _count(network: Network, node: str, model: type) -> int:
    """Return how many rows of ``model`` node ``node`` holds."""
    with network.session(node) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _records(network: Network, node: str, role: str) -> dict[str, ExchangeRecord]:
    """Return node ``node``'s records of exchanges in ``role``, by serial."""
    with network.session(node) as session:
        records = list(session.scalars(select(ExchangeRecord).where(ExchangeRecord.role == role)))
        session.expunge_all()
    by_serial = {record.serial: record for record in records}
    assert len(by_serial) == len(records), "one record per serial"
    return by_serial


def _disclosure_code(network: Network, code: str) -> str | None:
    """Return the disclosure code of the person whom ``code`` names."""
    with network.session("hub") as session:
        return session.scalar(
            select(InstitutionCode.disclosure_code).where(InstitutionCode.code == code)
        )


async def test_a_mixed_batch_answers_each_request_in_its_place(network: Network) -> None:
    """Good requests complete and are logged once; each refused one is refused and recorded.

    The refusals are recorded in the hub's refusals, and in the ledger where the code names a
    person (even another body's code: its person sees the attempt).
    """
    held, not_held, patient, stranger = person(), person(), person(), person()
    held_code, not_held_code = network.code(held, CITY), network.code(not_held, CITY)
    patient_code = network.code(patient, CITY)
    network.code(stranger, CITY)
    stranger_code = network.code(stranger, INSURER)
    former_code = network.code(held, FORMER_CITY)
    network.code(not_held, FORMER_CITY)
    network.code(stranger, FORMER_CITY)
    insurer_code = network.code(patient, INSURER)
    network.keep(FORMER_CITY, former_code, "local-tax-income", INCOME)
    network.keep(INSURER, insurer_code, "medical-benefit-records", BENEFITS)

    asked = await _batch(
        network,
        CITY,
        [
            _ask(held_code),
            _ask(held_code, row="dependant-approval-from-city", provider=CITY),
            _ask(stranger_code),
            _ask(not_held_code, key="short"),
            _ask(not_held_code, provider="no-such-body"),
            _ask(held_code, row="no-such-row"),
            _ask(not_held_code),
            _benefits(patient_code),
            _ask("not-a-code"),
        ],
    )

    items = _items(asked, 9)
    refusals = [
        "exchange-refused",
        "code-refused",
        "exchange-refused",
        "body-not-found",
        "unknown-exchange-row",
    ]
    for item, code in zip(items[1:6], refusals, strict=True):
        _refused(item, code)
    _refused(items[8], "invalid-institution-code")
    assert stranger_code not in items[2]["refusal"]["detail"]
    assert "not one the hub issued" in items[2]["refusal"]["detail"]
    assert "idempotency" in items[3]["refusal"]["detail"].lower()
    good = [items[0]["exchange"], items[6]["exchange"], items[7]["exchange"]]
    assert [(e["status"], e["outcome"]) for e in good] == [
        ("completed", "provided"),
        ("completed", "not-held"),
        ("completed", "provided"),
    ]
    assert [e["provider"] for e in good] == [FORMER_CITY, FORMER_CITY, INSURER]
    assert all(e["answer"] is None for e in good)  # handed over only when collected
    serials = [e["serial"] for e in good]
    assert len(set(serials)) == 3

    assert _count(network, "hub", Exchange) == 3
    with network.session("hub") as session:
        recorded = [
            (refusal.body_id, refusal.staff_id, refusal.code, refusal.ledger_index is not None)
            for refusal in session.scalars(select(NetworkRefusal).order_by(NetworkRefusal.id))
        ]
    assert recorded == [
        *((CITY, "clerk-1", code, True) for code in refusals),
        (CITY, "clerk-1", "invalid-institution-code", False),  # names no one: not in the ledger
    ]

    entries = _entries(network)
    assert Counter(entry["kind"] for entry in entries) == {"exchange": 3, "exchange-refused": 5}
    for exchange in good:
        [entry] = [entry for entry in entries if entry.get("serial") == exchange["serial"]]
        assert entry["kind"] == "exchange"
        assert entry["outcome"] == exchange["outcome"]
        assert entry["provider"] == exchange["provider"]
    refused = [entry for entry in entries if entry["kind"] == "exchange-refused"]
    assert [entry["refusal"] for entry in refused] == refusals
    assert all(entry["requester"] == CITY for entry in refused)
    # Another body's code is logged for its person, though the answer names no one.
    assert refused[1]["disclosure_code"] == _disclosure_code(network, stranger_code)

    assert set(_records(network, CITY, "requester")) == set(serials)
    assert set(_records(network, FORMER_CITY, "provider")) == set(serials[:2])
    assert set(_records(network, INSURER, "provider")) == {serials[2]}
    counts = [_count(network, node, ExchangeRecord) for node in (CITY, FORMER_CITY, INSURER)]
    assert counts == [3, 2, 1]


async def test_answers_are_handed_over_once_and_kept_by_the_requester(network: Network) -> None:
    """Collecting a batch hands each answer over once; both bodies keep their own records."""
    residents = [person() for _ in range(3)]
    city_codes = [network.code(resident, CITY) for resident in residents]
    former_codes = [network.code(resident, FORMER_CITY) for resident in residents]
    network.keep(FORMER_CITY, former_codes[0], "local-tax-income", INCOME)
    network.keep(FORMER_CITY, former_codes[2], "local-tax-income", {"fiscal_year": 2024})
    asked = _items(await _batch(network, CITY, [_ask(code) for code in city_codes]), 3)
    serials = [item["exchange"]["serial"] for item in asked]

    collected = _items(await _collect(network, CITY, serials), 3)
    assert [item["exchange"]["serial"] for item in collected] == serials
    assert [item["exchange"]["answer"] for item in collected] == [
        {"held": True, "data": INCOME},
        {"held": False, "data": None},
        {"held": True, "data": {"fiscal_year": 2024}},
    ]
    again = _items(await _collect(network, CITY, serials), 3)
    assert [item["exchange"]["answer"] for item in again] == [None, None, None]
    assert all(item["exchange"]["collected_at"] is not None for item in again)
    with network.session("hub") as session:
        assert set(session.scalars(select(Exchange.answer))) == {None}  # no copy kept

    mine = _records(network, CITY, "requester")
    assert [json.loads(mine[serial].answer or "null") for serial in serials] == [
        {"held": True, "data": INCOME},
        {"held": False, "data": None},
        {"held": True, "data": {"fiscal_year": 2024}},
    ]
    assert [(mine[s].role, mine[s].code, mine[s].counterpart) for s in serials] == [
        ("requester", code, FORMER_CITY) for code in city_codes
    ]
    assert all(mine[serial].status == "completed" for serial in serials)
    theirs = _records(network, FORMER_CITY, "provider")
    assert [(theirs[s].role, theirs[s].code, theirs[s].counterpart) for s in serials] == [
        ("provider", code, CITY) for code in former_codes
    ]
    assert [theirs[s].outcome for s in serials] == ["provided", "not-held", "provided"]
    assert sorted(entry["serial"] for entry in _entries(network)) == sorted(serials)


async def test_a_collect_of_a_serial_not_ones_own_is_refused_in_its_place(
    network: Network,
) -> None:
    """An unknown serial, or another body's, is not found in its place; the rest are handed over."""
    resident = person()
    city_code, former_code = network.code(resident, CITY), network.code(resident, FORMER_CITY)
    network.keep(FORMER_CITY, former_code, "local-tax-income", INCOME)
    network.keep(CITY, city_code, "local-tax-income", {"fiscal_year": 2023})
    [mine] = _items(await _batch(network, CITY, [_ask(city_code)]), 1)
    [theirs] = _items(await _batch(network, FORMER_CITY, [_ask(former_code, provider=CITY)]), 1)
    own, other = mine["exchange"]["serial"], theirs["exchange"]["serial"]
    unknown = "TX-" + "A" * 20

    collected = _items(await _collect(network, CITY, [unknown, own, other]), 3)
    not_found = _refused(collected[0], "exchange-not-found")
    assert unknown in not_found
    assert collected[1]["exchange"]["answer"] == {"held": True, "data": INCOME}
    # Another body's serial is refused in the very words of one that does not exist.
    assert _refused(collected[2], "exchange-not-found").replace(other, unknown) == not_found
    assert set(_records(network, CITY, "requester")) == {own}  # only its own exchange

    # The other body's answer was not handed over to the city: it is still there for its owner.
    [handed] = _items(await _collect(network, FORMER_CITY, [other]), 1)
    assert handed["exchange"]["answer"] == {"held": True, "data": {"fiscal_year": 2023}}


async def test_a_retried_batch_is_the_same_exchanges(network: Network) -> None:
    """Sending a batch again with the same keys gives the same serials and logs nothing new."""
    residents = [person() for _ in range(3)]
    codes = [network.code(resident, CITY) for resident in residents]
    for resident in residents:
        network.code(resident, FORMER_CITY)
    batch = [_ask(code, key=f"retry-batch-{number:04d}") for number, code in enumerate(codes)]
    first = _items(await _batch(network, CITY, batch[:2]), 2)
    entries = _entries(network)

    again = _items(await _batch(network, CITY, batch[:2]), 2)
    assert [item["exchange"]["serial"] for item in again] == [
        item["exchange"]["serial"] for item in first
    ]
    assert _entries(network) == entries
    assert _count(network, "hub", Exchange) == 2
    assert _count(network, FORMER_CITY, ExchangeRecord) == 2
    assert _count(network, CITY, ExchangeRecord) == 2

    # A retry with one more request opens that one alone, logged once.
    grown = _items(await _batch(network, CITY, batch), 3)
    assert [item["exchange"]["serial"] for item in grown[:2]] == [
        item["exchange"]["serial"] for item in first
    ]
    [added] = _entries(network)[len(entries) :]
    assert added["serial"] == grown[2]["exchange"]["serial"]
    assert _count(network, "hub", Exchange) == 3
    assert _count(network, "hub", NetworkRefusal) == 0

    # A single request with a key of the batch is the batch's exchange too.
    single = await network.client.post(
        f"/institutions/{CITY}/api/exchanges",
        json={key: value for key, value in batch[0].items() if key != "idempotency_key"},
        headers=network.headers(CITY, key=batch[0]["idempotency_key"]),
    )
    assert single.json()["serial"] == first[0]["exchange"]["serial"]
    assert _count(network, "hub", Exchange) == 3


async def test_a_key_reused_in_one_batch_for_another_request_is_refused_in_its_place(
    network: Network,
) -> None:
    """One key names one exchange: asked again alike it is that exchange, else it is refused."""
    resident = person()
    city_code = network.code(resident, CITY)
    network.code(resident, FORMER_CITY)
    key = "same-key-in-one-batch"

    items = _items(
        await _batch(
            network,
            CITY,
            [
                _ask(city_code, key=key),
                _ask(city_code, key=key, item="taxation-status"),
                _ask(city_code, key=key),
            ],
        ),
        3,
    )
    serial = items[0]["exchange"]["serial"]
    assert "use a fresh key" in _refused(items[1], "idempotency-conflict")
    assert items[2]["exchange"]["serial"] == serial
    assert _count(network, "hub", Exchange) == 1
    entries = _entries(network)
    assert Counter(entry["kind"] for entry in entries) == {"exchange": 1, "exchange-refused": 1}
    [refused] = [entry for entry in entries if entry["kind"] == "exchange-refused"]
    assert (refused["refusal"], refused["item"]) == ("idempotency-conflict", "taxation-status")
    with network.session("hub") as session:
        assert list(session.scalars(select(NetworkRefusal.code))) == ["idempotency-conflict"]
    assert set(_records(network, CITY, "requester")) == {serial}
    assert set(_records(network, FORMER_CITY, "provider")) == {serial}


async def test_a_malformed_batch_is_refused_whole_and_changes_nothing(network: Network) -> None:
    """Too many items, an unknown field, a missing key: a 422 problem, recorded; nothing opens."""
    resident = person()
    city_code = network.code(resident, CITY)
    network.code(resident, FORMER_CITY)
    one = _ask(city_code, key="the-one-key")
    malformed: list[dict[str, Any]] = [
        {"exchanges": [one] * 1001},
        {"exchanges": []},
        {"exchanges": [one], "priority": "high"},
        {"exchanges": [one | {"note": "x"}]},
        {"exchanges": [{k: v for k, v in one.items() if k != "idempotency_key"}]},
    ]
    for body in malformed:
        refused = await network.client.post(
            f"/institutions/{CITY}/api/exchange-batches", json=body, headers=network.headers(CITY)
        )
        _problem(refused, 422)
    for wrong in [{"serials": ["TX-A"] * 1001}, {"serials": []}, {"serials": ["TX-A"], "x": 1}]:
        refused = await network.client.post(
            f"/institutions/{CITY}/api/exchange-answers", json=wrong, headers=network.headers(CITY)
        )
        _problem(refused, 422)
    assert _count(network, "hub", Exchange) == 0
    with network.session("hub") as session:
        recorded = [
            (refusal.body_id, refusal.code, refusal.ledger_index)
            for refusal in session.scalars(select(NetworkRefusal))
        ]
    # Each malformed request is recorded at the hub, as the body's, and in no person's ledger.
    assert recorded == [(CITY, "exchange-malformed", None)] * (len(malformed) + 3)
    assert _entries(network) == []
    assert _count(network, CITY, ExchangeRecord) == 0
    assert _count(network, FORMER_CITY, ExchangeRecord) == 0

    # A thousand items is a batch: here all one request under one key, so one exchange.
    items = _items(await _batch(network, CITY, [one] * 1000), 1000)
    assert {item["exchange"]["serial"] for item in items} == {items[0]["exchange"]["serial"]}
    assert _count(network, "hub", Exchange) == 1
    assert [entry["kind"] for entry in _entries(network)] == ["exchange"]
    assert _count(network, CITY, ExchangeRecord) == 1
    assert _count(network, FORMER_CITY, ExchangeRecord) == 1


async def test_an_unauthenticated_batch_is_refused_and_opens_nothing(network: Network) -> None:
    """A key the hub did not issue is a 401 problem for a batch and a collect; nothing opens."""
    resident = person()
    city_code = network.code(resident, CITY)
    network.code(resident, FORMER_CITY)
    wrong = network.headers(CITY) | {"Authorization": "Bearer not-a-key"}

    refused = await network.client.post(
        f"/institutions/{CITY}/api/exchange-batches",
        json={"exchanges": [_ask(city_code), _ask(city_code)]},
        headers=wrong,
    )
    assert _problem(refused, 401)["type"].endswith("authentication-refused")
    assert _count(network, "hub", Exchange) == 0
    assert _entries(network) == []
    assert _count(network, CITY, ExchangeRecord) == 0
    with network.session("hub") as session:
        [refusal] = session.scalars(select(NetworkRefusal))
        assert (refusal.body_id, refusal.code) == (None, "authentication-refused")

    [item] = _items(await _batch(network, CITY, [_ask(city_code)]), 1)
    stolen = await network.client.post(
        f"/institutions/{CITY}/api/exchange-answers",
        json={"serials": [item["exchange"]["serial"]]},
        headers=wrong,
    )
    _problem(stolen, 401)
    [handed] = _items(await _collect(network, CITY, [item["exchange"]["serial"]]), 1)
    assert handed["exchange"]["answer"] == {"held": False, "data": None}


async def test_no_exchange_of_a_batch_completes_without_its_ledger_entry(network: Network) -> None:
    """If the ledger cannot append, the batch fails and its exchanges stay pending, unanswered."""
    residents = [person() for _ in range(2)]
    codes = [network.code(resident, CITY) for resident in residents]
    former = network.code(residents[0], FORMER_CITY)
    network.code(residents[1], FORMER_CITY)
    network.keep(FORMER_CITY, former, "local-tax-income", INCOME)
    batch = [_ask(code, key=f"fail-closed-{number}") for number, code in enumerate(codes)]
    _refuse_ledger_appends(network, refuse=True)

    failed = await _batch(network, CITY, batch)
    assert failed.status_code >= 500
    with network.session("hub") as session:
        pending = {
            exchange.serial: (exchange.status, exchange.answer, exchange.ledger_index)
            for exchange in session.scalars(select(Exchange))
        }
    assert list(pending.values()) == [("pending", None, None)] * 2
    assert _count(network, CITY, ExchangeRecord) == 0

    _refuse_ledger_appends(network, refuse=False)
    retried = _items(await _batch(network, CITY, batch), 2)
    assert {item["exchange"]["serial"] for item in retried} == set(pending)
    assert [item["exchange"]["status"] for item in retried] == ["completed"] * 2
    assert sorted(entry["serial"] for entry in _entries(network)) == sorted(pending)
    serials = [item["exchange"]["serial"] for item in retried]
    collected = _items(await _collect(network, CITY, serials), 2)
    assert [item["exchange"]["answer"] for item in collected] == [
        {"held": True, "data": INCOME},
        {"held": False, "data": None},
    ]
