"""The holder list and deletion at the end of retention, with signed deletion receipts."""

from __future__ import annotations

import copy
from datetime import timedelta
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import select

from mynumber.holdings.exceptions import DeletionReceiptInvalid
from mynumber.holdings.models import NumberHolding
from mynumber.holdings.receipts import reference, verify_deletion

from .conftest import CLERK, EMPLOYER, HOLDINGS, SHOP, STAFF, TODAY, Holdings, Person

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from tests.integration.conftest import Run

pytestmark = pytest.mark.anyio

WITHHOLDING = "employer:withholding-slip"
ENROLMENT = "employer:social-insurance-enrolment"


async def _collect(holdings: Holdings, person: Person, task: str, until: str) -> dict[str, Any]:
    """Have the employer collect the person's number for ``task``, kept until ``until``."""
    receipt = await holdings.receipt(person, EMPLOYER)
    response = await holdings.collect(
        EMPLOYER,
        {
            "number": person.number,
            "receipt_id": receipt,
            "task": task,
            "retention_until": until,
        },
    )
    assert response.status_code == HTTPStatus.CREATED, response.text
    answer: dict[str, Any] = response.json()
    return answer


def _receipt_key(holdings: Holdings) -> Ed25519PublicKey:
    """Return the public key of the registry's receipts."""
    jpki = holdings.opened.keys["registry"].jpki
    assert jpki is not None
    return jpki.receipt_signing.public_key()


async def test_the_holder_list_shows_body_task_since_and_until(holdings: Holdings) -> None:
    """A clerk sees each holding with the body's names, the task, since and until, and refusals."""
    person = holdings.person()
    until = (TODAY + timedelta(days=30)).isoformat()
    collected = await _collect(holdings, person, WITHHOLDING, until)
    receipt = await holdings.receipt(person, SHOP)
    await holdings.collect(
        SHOP, {"number": person.number, "receipt_id": receipt, "task": WITHHOLDING}
    )

    response = await holdings.client.get(f"{HOLDINGS}/{person.id}", headers=CLERK)

    assert response.status_code == HTTPStatus.OK, response.text
    listed = response.json()
    [holding] = listed["holdings"]
    assert holding["body_id"] == EMPLOYER
    assert (holding["body_name_ja"], holding["body_name_en"]) == (
        "霞精機株式会社",
        "Kasumi Seiki Co., Ltd.",
    )
    assert (holding["task"], holding["task_name_en"]) == (
        WITHHOLDING,
        "withholding slip (源泉徴収票)",
    )
    assert holding["collected_at"] == collected["collected_at"]
    assert holding["retention_until"] == until
    assert (holding["deleted_at"], holding["deletion_receipt"]) == (None, None)
    assert person.number not in response.text
    [refusal] = listed["refusals"]
    assert (refusal["body_id"], refusal["code"]) == (SHOP, "collection-refused")


async def test_the_holder_list_needs_a_named_clerk(holdings: Holdings) -> None:
    """Without X-Clerk the list is a 401 problem; an unknown resident is 404."""
    person = holdings.person()
    anonymous = await holdings.client.get(f"{HOLDINGS}/{person.id}")
    assert anonymous.status_code == HTTPStatus.UNAUTHORIZED
    missing = await holdings.client.get(f"{HOLDINGS}/{person.id + 1000}", headers=CLERK)
    assert missing.status_code == HTTPStatus.NOT_FOUND


async def test_expire_deletes_with_a_receipt_that_verifies_and_records_it(
    holdings: Holdings, mynumber: Run
) -> None:
    """Past its retention a holding is deleted with a signed receipt, entered in the ledger.

    A holding still within its retention stays; a tampered receipt does not verify; a second
    run deletes nothing more.
    """
    person = holdings.person()
    ended = await _collect(holdings, person, WITHHOLDING, TODAY.isoformat())
    await _collect(holdings, person, ENROLMENT, (TODAY + timedelta(days=2)).isoformat())
    tomorrow = (TODAY + timedelta(days=1)).isoformat()

    result = mynumber("holdings", "expire", "--today", tomorrow, "--dir", holdings.opened.home)

    assert result.code == 0, result.err
    assert "deleted 1 holding(s)" in result.out
    with holdings.session("registry") as session:
        rows = {row.task: row for row in session.scalars(select(NumberHolding))}
        deleted, kept = rows[WITHHOLDING], rows[ENROLMENT]
        assert deleted.id == ended["id"]
        assert deleted.deleted_at is not None
        assert kept.deleted_at is None
        signed = deleted.deletion_receipt
    assert signed is not None
    content = verify_deletion(signed, _receipt_key(holdings))
    assert content["type"] == "holding-deletion"
    assert (content["holding"], content["body"], content["task"]) == (
        ended["id"],
        EMPLOYER,
        WITHHOLDING,
    )
    assert content["retention_until"] == TODAY.isoformat()
    assert person.number not in str(signed)
    assert person.resident_record_code not in str(signed)
    entry = holdings.ledger()[-1]
    assert entry["kind"] == "holding-deleted"
    assert entry["disclosure_code"] == holdings.disclosure_code(person)
    assert (entry["body"], entry["task"]) == (EMPLOYER, WITHHOLDING)
    assert entry["deletion_receipt"] == reference(content)

    tampered = copy.deepcopy(signed)
    tampered["receipt"]["retention_until"] = tomorrow
    with pytest.raises(DeletionReceiptInvalid, match="does not verify"):
        verify_deletion(tampered, _receipt_key(holdings))

    listed = await holdings.client.get(f"{HOLDINGS}/{person.id}", headers=CLERK)
    shown = {holding["task"]: holding for holding in listed.json()["holdings"]}
    assert shown[WITHHOLDING]["deletion_receipt"] == signed
    assert shown[WITHHOLDING]["deleted_at"] is not None

    again = mynumber("holdings", "expire", "--today", tomorrow, "--dir", holdings.opened.home)
    assert again.code == 0, again.err
    assert "deleted 0 holding(s)" in again.out
    assert [e["kind"] for e in holdings.ledger()].count("holding-deleted") == 1


async def test_after_deletion_the_body_may_collect_again(holdings: Holdings, mynumber: Run) -> None:
    """A deleted holding no longer counts: a new receipt makes a new holding for the task."""
    person = holdings.person()
    await _collect(holdings, person, WITHHOLDING, TODAY.isoformat())
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    result = mynumber(
        "holdings", "expire", "--today", tomorrow, "--dir", holdings.opened.home, "--json"
    )
    assert result.code == 0, result.err
    assert '"task": "employer:withholding-slip"' in result.out
    code = await holdings.client.post(
        f"{HOLDINGS}/code", json={"number": person.number}, headers=holdings.headers(EMPLOYER)
    )
    assert code.status_code == HTTPStatus.FORBIDDEN
    await _collect(holdings, person, WITHHOLDING, (TODAY + timedelta(days=5)).isoformat())
    with holdings.session("registry") as session:
        staff = [row.staff for row in session.scalars(select(NumberHolding))]
    assert staff == [STAFF, STAFF]
