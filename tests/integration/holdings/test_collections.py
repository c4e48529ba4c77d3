"""Collecting a number through the registry: receipts, tasks, refusals recorded, fail closed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import delete, func, select, text, update

from mynumber.cards.models import IdentityReceipt
from mynumber.deployment import NodeKind
from mynumber.holdings.models import CollectionRefusal, NumberHolding, NumberLock
from mynumber.network.models import Staff
from mynumber.network.services import BodyRegistry, CodeService
from mynumber.storage import metadata_for

from .conftest import EMPLOYER, HOLDINGS, SHOP, STAFF, TODAY, Holdings, Person

if TYPE_CHECKING:
    import httpx

pytestmark = pytest.mark.anyio

WITHHOLDING = "employer:withholding-slip"


def _problem(response: httpx.Response, status: HTTPStatus, code: str) -> dict[str, Any]:
    """Assert that ``response`` is the problem ``code`` with ``status``; return its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["type"] == f"tag:mynumber,2026:problem:{code}"
    return body


def _count(holdings: Holdings, model: type[NumberHolding | CollectionRefusal]) -> int:
    """Return how many rows of ``model`` the registry holds."""
    with holdings.session("registry") as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _refusals(holdings: Holdings) -> list[CollectionRefusal]:
    """Return the registry's refused collections, oldest first."""
    with holdings.session("registry") as session:
        rows = list(session.scalars(select(CollectionRefusal).order_by(CollectionRefusal.id)))
        session.expunge_all()
        return rows


def _redeemed(holdings: Holdings, receipt_id: str) -> datetime | None:
    """Return when the receipt was redeemed, if it was."""
    with holdings.session("registry") as session:
        return session.scalar(
            select(IdentityReceipt.redeemed_at).where(IdentityReceipt.receipt_id == receipt_id)
        )


def _hub_text(holdings: Holdings) -> str:
    """Return every value of every table of the hub's database, as one text."""
    values: list[str] = []
    with holdings.session("hub") as session:
        for table in metadata_for(NodeKind.HUB).sorted_tables:
            for row in session.execute(text(f'SELECT * FROM "{table.name}"')):  # noqa: S608 -- table names from the schema
                values.extend(repr(value) for value in row)
    return "\n".join(values)


async def _collected(holdings: Holdings, person: Person, **form: Any) -> dict[str, Any]:
    """Have the employer collect the person's number with a fresh receipt; return the answer."""
    receipt = await holdings.receipt(person, EMPLOYER)
    response = await holdings.collect(
        EMPLOYER, {"number": person.number, "receipt_id": receipt, "task": WITHHOLDING, **form}
    )
    assert response.status_code == HTTPStatus.CREATED, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def test_an_employer_with_a_receipt_collects_and_the_ledger_records_it(
    holdings: Holdings,
) -> None:
    """The holding is stored, the code is the hub's, one entry names the person by code only."""
    person = holdings.person()
    answer = await _collected(holdings, person)

    key = holdings.opened.keys["hub"].institution_codes
    assert key is not None
    with holdings.session("hub") as session:
        assert answer["code"] == CodeService(session, key).code_of(
            person.resident_record_code, EMPLOYER
        )
    assert (answer["body_id"], answer["task"], answer["staff"]) == (EMPLOYER, WITHHOLDING, STAFF)
    assert answer["retention_until"] == TODAY.replace(year=TODAY.year + 7).isoformat()
    entries = holdings.ledger()
    assert len(entries) == 1
    entry = entries[0]
    assert entry["kind"] == "collection"
    assert entry["disclosure_code"] == holdings.disclosure_code(person)
    assert (entry["body"], entry["staff"], entry["task"], entry["method"]) == (
        EMPLOYER,
        STAFF,
        WITHHOLDING,
        "documents",
    )
    assert entry["retention_until"] == answer["retention_until"]
    assert answer["ledger_index"] == 0
    hub = _hub_text(holdings)
    assert person.number not in hub
    assert person.resident_record_code not in hub
    with holdings.session("registry") as session:
        holding = session.scalars(select(NumberHolding)).one()
        assert (holding.resident_id, holding.code) == (person.id, answer["code"])


async def test_the_body_gets_its_code_again_by_presenting_the_number_it_holds(
    holdings: Holdings,
) -> None:
    """A body that holds the number gets the same code; one that does not is refused."""
    person = holdings.person()
    answer = await _collected(holdings, person)
    number = {"number": person.number}
    again = await holdings.client.post(
        f"{HOLDINGS}/code", json=number, headers=holdings.headers(EMPLOYER)
    )
    assert again.status_code == HTTPStatus.OK, again.text
    assert again.json() == {"body_id": EMPLOYER, "code": answer["code"]}
    bank = await holdings.client.post(
        f"{HOLDINGS}/code", json=number, headers=holdings.headers("bank-asagiri")
    )
    _problem(bank, HTTPStatus.FORBIDDEN, "collection-refused")


async def test_the_video_rental_shop_is_refused_and_the_refusal_recorded(
    holdings: Holdings,
) -> None:
    """403; the registry and the ledger record the attempt; nothing is held; receipt unused."""
    person = holdings.person()
    receipt = await holdings.receipt(person, SHOP)
    response = await holdings.collect(
        SHOP, {"number": person.number, "receipt_id": receipt, "task": WITHHOLDING}
    )

    problem = _problem(response, HTTPStatus.FORBIDDEN, "collection-refused")
    assert "may not ask for, collect or keep" in problem["detail"]
    assert _count(holdings, NumberHolding) == 0
    assert _redeemed(holdings, receipt) is None
    [refusal] = _refusals(holdings)
    assert (refusal.resident_id, refusal.body_id, refusal.staff) == (person.id, SHOP, STAFF)
    assert (refusal.task, refusal.code) == (WITHHOLDING, "collection-refused")
    [entry] = holdings.ledger()
    assert entry["kind"] == "collection-refused"
    assert entry["disclosure_code"] == holdings.disclosure_code(person)
    assert (entry["body"], entry["staff"], entry["task"]) == (SHOP, STAFF, WITHHOLDING)
    assert entry["reason"] == "collection-refused"
    assert refusal.ledger_index == 0
    assert person.number not in _hub_text(holdings)


@pytest.mark.parametrize("task", ["city-office:child-allowance", "employer:marketing"])
async def test_an_employer_is_refused_a_task_it_may_not_perform(
    holdings: Holdings, task: str
) -> None:
    """Another kind's task, or a task no law lists: 403, recorded, nothing held."""
    person = holdings.person()
    receipt = await holdings.receipt(person, EMPLOYER)
    response = await holdings.collect(
        EMPLOYER, {"number": person.number, "receipt_id": receipt, "task": task}
    )

    _problem(response, HTTPStatus.FORBIDDEN, "collection-refused")
    assert _count(holdings, NumberHolding) == 0
    assert _redeemed(holdings, receipt) is None
    [refusal] = _refusals(holdings)
    assert (refusal.body_id, refusal.task) == (EMPLOYER, task)
    [entry] = holdings.ledger()
    assert entry["kind"] == "collection-refused"
    assert entry["task"] == (task if task.startswith("city-office") else None)


async def test_a_body_not_registered_for_the_task_is_refused(holdings: Holdings) -> None:
    """A task the employer's kind performs but this employer did not register for: 403."""
    with holdings.session("hub") as session:
        session.execute(
            text("DELETE FROM body_tasks WHERE body_id = :body AND task_id = :task"),
            {"body": EMPLOYER, "task": WITHHOLDING},
        )
        assert WITHHOLDING not in BodyRegistry(session).tasks(BodyRegistry(session).body(EMPLOYER))
    person = holdings.person()
    receipt = await holdings.receipt(person, EMPLOYER)
    response = await holdings.collect(
        EMPLOYER, {"number": person.number, "receipt_id": receipt, "task": WITHHOLDING}
    )
    problem = _problem(response, HTTPStatus.FORBIDDEN, "collection-refused")
    assert "not registered" in problem["detail"]
    assert _count(holdings, NumberHolding) == 0


async def test_a_replayed_receipt_is_refused_and_changes_nothing(holdings: Holdings) -> None:
    """The second use of a receipt is 409; the holding and its entry stay as they were."""
    person = holdings.person()
    receipt = await holdings.receipt(person, EMPLOYER)
    form = {"number": person.number, "receipt_id": receipt, "task": WITHHOLDING}
    first = await holdings.collect(EMPLOYER, form)
    assert first.status_code == HTTPStatus.CREATED, first.text
    redeemed = _redeemed(holdings, receipt)

    again = await holdings.collect(EMPLOYER, form)

    problem = _problem(again, HTTPStatus.CONFLICT, "receipt-refused")
    assert "was used" in problem["detail"]
    assert _count(holdings, NumberHolding) == 1
    assert _redeemed(holdings, receipt) == redeemed
    assert [entry["kind"] for entry in holdings.ledger()] == ["collection", "collection-refused"]
    [refusal] = _refusals(holdings)
    assert (refusal.resident_id, refusal.code) == (person.id, "receipt-refused")


async def test_a_receipt_of_another_body_or_number_is_refused(holdings: Holdings) -> None:
    """A receipt issued to the bank, or for someone else's number, does not serve the employer."""
    person, other = holdings.person(), holdings.person()
    banks = await holdings.receipt(person, "bank-asagiri")
    response = await holdings.collect(
        EMPLOYER, {"number": person.number, "receipt_id": banks, "task": WITHHOLDING}
    )
    _problem(response, HTTPStatus.CONFLICT, "receipt-refused")
    own = await holdings.receipt(person, EMPLOYER)
    response = await holdings.collect(
        EMPLOYER, {"number": other.number, "receipt_id": own, "task": WITHHOLDING}
    )
    _problem(response, HTTPStatus.CONFLICT, "receipt-refused")
    assert _count(holdings, NumberHolding) == 0
    assert _redeemed(holdings, own) is None


async def test_an_expired_receipt_is_refused(holdings: Holdings) -> None:
    """A receipt past its expiry is 409 and stays unused."""
    person = holdings.person()
    receipt = await holdings.receipt(person, EMPLOYER)
    with holdings.session("registry") as session:
        session.execute(
            update(IdentityReceipt)
            .where(IdentityReceipt.receipt_id == receipt)
            .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    response = await holdings.collect(
        EMPLOYER, {"number": person.number, "receipt_id": receipt, "task": WITHHOLDING}
    )
    problem = _problem(response, HTTPStatus.CONFLICT, "receipt-refused")
    assert "expired" in problem["detail"]
    assert _redeemed(holdings, receipt) is None
    assert _count(holdings, NumberHolding) == 0


async def test_a_second_collection_for_the_same_task_is_refused(holdings: Holdings) -> None:
    """A body holds a number once per task: a new receipt does not make a second holding."""
    person = holdings.person()
    await _collected(holdings, person)
    receipt = await holdings.receipt(person, EMPLOYER)
    response = await holdings.collect(
        EMPLOYER, {"number": person.number, "receipt_id": receipt, "task": WITHHOLDING}
    )
    _problem(response, HTTPStatus.CONFLICT, "already-held")
    assert _redeemed(holdings, receipt) is None
    await _collected(holdings, person, task="employer:social-insurance-enrolment")
    assert _count(holdings, NumberHolding) == 2


async def test_a_request_naming_no_staff_member_is_refused(holdings: Holdings) -> None:
    """No X-Staff: 401, recorded without a body; the person's ledger shows the attempt."""
    person = holdings.person()
    receipt = await holdings.receipt(person, EMPLOYER)
    response = await holdings.collect(
        EMPLOYER,
        {"number": person.number, "receipt_id": receipt, "task": WITHHOLDING},
        staff=None,
    )
    problem = _problem(response, HTTPStatus.UNAUTHORIZED, "authentication-refused")
    assert "X-Staff" in problem["detail"]
    [refusal] = _refusals(holdings)
    assert (refusal.resident_id, refusal.body_id, refusal.staff) == (person.id, None, None)
    [entry] = holdings.ledger()
    assert (entry["kind"], entry["body"], entry["staff"]) == ("collection-refused", None, None)
    assert _redeemed(holdings, receipt) is None


@pytest.mark.parametrize(
    ("key", "staff", "detail"),
    [
        ("not-a-key", STAFF, "API key"),
        (None, STAFF, "API key"),
        (EMPLOYER, "nobody", "not on the staff"),
    ],
)
async def test_a_wrong_api_key_or_staff_member_is_refused(
    holdings: Holdings, key: str | None, staff: str, detail: str
) -> None:
    """A key the hub did not issue, none, or a stranger as staff: 401, recorded, nothing held."""
    person = holdings.person()
    receipt = await holdings.receipt(person, EMPLOYER)
    headers = {"X-Staff": staff}
    if key is not None:
        headers["Authorization"] = f"Bearer {holdings.api_keys.get(key, key)}"
    response = await holdings.client.post(
        HOLDINGS,
        json={"number": person.number, "receipt_id": receipt, "task": WITHHOLDING},
        headers=headers,
    )
    problem = _problem(response, HTTPStatus.UNAUTHORIZED, "authentication-refused")
    assert detail in problem["detail"]
    assert _count(holdings, NumberHolding) == 0
    assert _count(holdings, CollectionRefusal) == 1
    assert _redeemed(holdings, receipt) is None


async def test_a_malformed_or_oversized_request_is_refused_and_recorded(
    holdings: Holdings,
) -> None:
    """An unknown field is 422, a huge body 413; both recorded with the body, nothing held."""
    person = holdings.person()
    receipt = await holdings.receipt(person, EMPLOYER)
    form = {"number": person.number, "receipt_id": receipt, "task": WITHHOLDING, "for": "ads"}
    malformed = await holdings.collect(EMPLOYER, form)
    problem = _problem(malformed, HTTPStatus.UNPROCESSABLE_ENTITY, "collection-malformed")
    assert person.number not in problem["detail"]
    huge = await holdings.client.post(
        HOLDINGS, content=b"{" + b" " * 10_000 + b"}", headers=holdings.headers(EMPLOYER)
    )
    _problem(huge, HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "collection-too-large")
    not_json = await holdings.client.post(
        HOLDINGS, content=b"number=1", headers=holdings.headers(EMPLOYER)
    )
    _problem(not_json, HTTPStatus.UNPROCESSABLE_ENTITY, "collection-malformed")
    refusals = _refusals(holdings)
    assert [(r.body_id, r.code) for r in refusals] == [
        (EMPLOYER, "collection-malformed"),
        (EMPLOYER, "collection-too-large"),
        (EMPLOYER, "collection-malformed"),
    ]
    assert refusals[0].resident_id == person.id
    assert all(person.number not in r.reason for r in refusals)
    assert _count(holdings, NumberHolding) == 0
    assert _redeemed(holdings, receipt) is None


async def test_an_invalid_number_is_refused_and_kept_out_of_the_record(
    holdings: Holdings,
) -> None:
    """A number whose check digit is wrong: 422, and the record does not keep what was sent."""
    person = holdings.person()
    receipt = await holdings.receipt(person, EMPLOYER)
    wrong = person.number[:-1] + str((int(person.number[-1]) + 1) % 10)
    response = await holdings.collect(
        EMPLOYER, {"number": wrong, "receipt_id": receipt, "task": WITHHOLDING}
    )
    problem = _problem(response, HTTPStatus.UNPROCESSABLE_ENTITY, "collection-malformed")
    assert "check digit" in problem["detail"]
    assert wrong not in problem["detail"]
    [refusal] = _refusals(holdings)
    assert (refusal.resident_id, refusal.code) == (None, "collection-malformed")
    assert wrong not in refusal.reason
    assert _redeemed(holdings, receipt) is None
    assert holdings.ledger() == []


async def test_when_the_hub_cannot_record_nothing_is_stored_and_the_receipt_stays_usable(
    holdings: Holdings,
) -> None:
    """The ledger refuses the entry (a staff id of 12 digits): 502, no holding, receipt unused.

    ``add_staff`` refuses such an id now; the row is written as an older version could have.
    The same receipt then serves a request the ledger can record.
    """
    digits_staff = "000012345678"
    with holdings.session("hub") as session:
        session.add(
            Staff(
                body_id=EMPLOYER,
                staff_id=digits_staff,
                name="番号 花子",
                role="clerk",
                active=True,
                added_at=datetime.now(UTC),
                added_by="t",
            )
        )
    person = holdings.person()
    receipt = await holdings.receipt(person, EMPLOYER)
    form = {"number": person.number, "receipt_id": receipt, "task": WITHHOLDING}

    failed = await holdings.collect(EMPLOYER, form, staff=digits_staff)

    problem = _problem(failed, HTTPStatus.BAD_GATEWAY, "hub-unavailable")
    assert "nothing was recorded" in problem["detail"]
    assert _count(holdings, NumberHolding) == 0
    assert _redeemed(holdings, receipt) is None
    assert holdings.ledger() == []
    key = holdings.opened.keys["hub"].institution_codes
    assert key is not None
    with holdings.session("hub") as session:
        assert CodeService(session, key).code_of(person.resident_record_code, EMPLOYER) is None
    [refusal] = _refusals(holdings)
    assert (refusal.code, refusal.staff, refusal.ledger_index) == ("hub-unavailable", "****", None)

    retried = await holdings.collect(EMPLOYER, form)
    assert retried.status_code == HTTPStatus.CREATED, retried.text
    assert _redeemed(holdings, receipt) is not None
    assert [entry["kind"] for entry in holdings.ledger()] == ["collection"]


async def test_a_retention_in_the_past_is_refused_and_one_given_is_kept(
    holdings: Holdings,
) -> None:
    """retention_until before today is 422; a date of the body's own is stored as given."""
    person = holdings.person()
    receipt = await holdings.receipt(person, EMPLOYER)
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    response = await holdings.collect(
        EMPLOYER,
        {
            "number": person.number,
            "receipt_id": receipt,
            "task": WITHHOLDING,
            "retention_until": yesterday,
        },
    )
    _problem(response, HTTPStatus.UNPROCESSABLE_ENTITY, "collection-malformed")
    until = (TODAY + timedelta(days=400)).isoformat()
    answer = await _collected(holdings, person, retention_until=until)
    assert answer["retention_until"] == until
    assert holdings.ledger()[-1]["retention_until"] == until


@pytest.mark.parametrize(
    "path",
    [
        "/hub/api/bodies/authenticate",
        "/hub/api/collections",
        "/hub/api/collection-refusals",
        "/hub/api/holding-deletions",
    ],
)
async def test_the_hubs_collection_routes_answer_the_registry_only(
    holdings: Holdings, path: str
) -> None:
    """A body calling the hub itself, with its own key, is refused: only the registry records."""
    response = await holdings.client.post(path, json={}, headers=holdings.headers(EMPLOYER))
    assert response.status_code == HTTPStatus.UNAUTHORIZED, response.text
    assert holdings.ledger() == []


async def test_a_locked_number_is_refused_to_every_body_and_the_refusal_recorded(
    holdings: Holdings,
) -> None:
    """While its holder keeps it locked, an employer with a good receipt is refused (403)."""
    person = holdings.person()
    with holdings.session("registry") as session:
        session.add(NumberLock(resident_id=person.id, locked_at=datetime.now(UTC)))
    receipt = await holdings.receipt(person, EMPLOYER)
    form = {"number": person.number, "receipt_id": receipt, "task": WITHHOLDING}
    refused = await holdings.collect(EMPLOYER, form)
    _problem(refused, HTTPStatus.FORBIDDEN, "number-locked")
    assert _count(holdings, NumberHolding) == 0
    [refusal] = _refusals(holdings)
    assert refusal.code == "number-locked"
    [entry] = holdings.ledger()
    assert (entry["kind"], entry["reason"]) == ("collection-refused", "number-locked")
    assert entry["disclosure_code"] == holdings.disclosure_code(person)
    with holdings.session("registry") as session:
        session.execute(delete(NumberLock).where(NumberLock.resident_id == person.id))
    await _collected(holdings, person)
