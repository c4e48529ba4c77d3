"""The records of use a resident sees on the portal: only their own, each with its proof.

Each test runs the registry on SQLite and on PostgreSQL; the hub and the portal on SQLite.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import time
from dataclasses import replace
from http import HTTPStatus

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from mynumber.grants import Grant, issue_grant
from mynumber.ledger.checkpoints import open_checkpoint
from mynumber.ledger.merkle import leaf_hash, verify_inclusion
from mynumber.ledger.notes import verifier_key
from mynumber.ledger.services import hub_ledger, log_origin
from mynumber.nodes.signatures import NodeRequest, format_date, signature_headers
from mynumber.oversight.cases import CaseRefused, Evidence, check_evidence
from mynumber.oversight.models import OversightCase

from .conftest import HOST_URL, PORTAL, Portal

pytestmark = pytest.mark.anyio


async def test_a_resident_sees_every_record_about_them_and_nothing_else(portal: Portal) -> None:
    """Their collection, exchange and refusal are listed, newest first; another's are not."""
    holder, stranger = portal.holder(), portal.holder()
    first = portal.record(holder)
    portal.record(stranger, body="bank-asagiri")
    exchange = portal.record(
        holder,
        "exchange",
        requester="city-office-shinonomedai",
        provider="city-office-kasumigaoka",
        row="child-allowance-income-from-former-city",
        item="local-tax-income",
        outcome="provided",
        serial="TX-ABCDEFGHJKMNPQRSTVWX",
    )
    refused = portal.record(holder, "collection-refused", body="video-rental-shop-tsukiyo")
    async with portal.browser() as browser:
        await portal.log_in(browser, holder)
        page = await browser.get(f"{PORTAL}/records")
        assert page.status_code == HTTPStatus.OK
        shown = [int(part.split('"', 1)[0]) for part in page.text.split('data-verify-index="')[1:]]
        assert shown == [refused, exchange, first]
        assert "bank-asagiri" not in page.text
        assert "My Number Act" in page.text  # the legal basis of the exchange's row
        filtered = await browser.get(f"{PORTAL}/records", params={"kind": "exchange"})
        assert 'data-verify-index="' + str(exchange) in filtered.text
        assert 'data-verify-index="' + str(first) + '"' not in filtered.text


async def test_each_record_comes_with_a_proof_that_verifies(portal: Portal) -> None:
    """The proof the page's script checks leads to the hub's signed checkpoint."""
    holder = portal.holder()
    index = portal.record(holder)
    portal.record(portal.holder())
    async with portal.browser() as browser:
        await portal.log_in(browser, holder)
        answer = await browser.get(f"{PORTAL}/records/{index}/proof")
        assert answer.status_code == HTTPStatus.OK
        found = answer.json()
    entry = base64.b64decode(found["entry"])
    assert json.loads(entry)["disclosure_code"] == portal.disclosure_code(holder)
    checkpoint = open_checkpoint(found["checkpoint"].encode(), [found["verifier_key"]])
    proof = [base64.b64decode(value) for value in found["proof"]]
    assert checkpoint.size == found["size"]
    verify_inclusion(leaf_hash(entry), index, checkpoint.size, proof, checkpoint.root_hash)


async def test_another_persons_record_is_not_found(portal: Portal) -> None:
    """Changing the index in the address shows nothing of anyone."""
    holder, stranger = portal.holder(), portal.holder()
    portal.record(holder)
    theirs = portal.record(stranger)
    async with portal.browser() as browser:
        await portal.log_in(browser, holder)
        answer = await browser.get(f"{PORTAL}/records/{theirs}/proof")
        assert answer.status_code == HTTPStatus.NOT_FOUND
        assert "entry" not in answer.json()
        logged_out = portal.browser()
        async with logged_out:
            anonymous = await logged_out.get(f"{PORTAL}/records/{theirs}/proof")
            assert anonymous.status_code == HTTPStatus.UNAUTHORIZED


async def test_downloads_hold_every_record(portal: Portal) -> None:
    """CSV (with a byte-order mark) and JSON downloads hold every record, across hub pages."""
    holder = portal.holder()
    made = [portal.record(holder) for _ in range(3)]
    async with portal.browser() as browser:
        await portal.log_in(browser, holder)
        as_csv = await browser.get(f"{PORTAL}/records/download.csv")
        assert as_csv.content.startswith("\ufeff".encode())
        assert "attachment" in as_csv.headers["content-disposition"]
        rows = list(csv.DictReader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
        assert sorted(int(row["index"]) for row in rows) == made
        as_json = await browser.get(f"{PORTAL}/records/download.json")
        records = as_json.json()["records"]
        assert [record["index"] for record in records] == sorted(made, reverse=True)


async def test_the_hub_answers_a_resident_only_with_the_registrys_grant(portal: Portal) -> None:
    """Unsigned callers, a grant signed by anyone else, or an expired grant: refused."""
    holder = portal.holder()
    portal.record(holder)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=portal.app), base_url=HOST_URL
    ) as outsider:
        unsigned = await outsider.get("/hub/api/ledger/mine")
        assert unsigned.status_code == HTTPStatus.UNAUTHORIZED
    forged = issue_grant(
        Ed25519PrivateKey.generate(),
        Grant(
            resident=holder.id,
            disclosure_code=portal.disclosure_code(holder),
            certificate="1",
            expires_at=int(time.time()) + 600,
        ),
    )
    registry_key = portal.opened.keys["registry"].node_signing
    expired = issue_grant(
        registry_key,
        Grant(
            resident=holder.id,
            disclosure_code=portal.disclosure_code(holder),
            certificate="1",
            expires_at=int(time.time()) - 1,
        ),
    )
    good = issue_grant(
        registry_key,
        Grant(
            resident=holder.id,
            disclosure_code=portal.disclosure_code(holder),
            certificate="1",
            expires_at=int(time.time()) + 600,
        ),
    )
    portal_key = portal.opened.keys["portal"].node_signing
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=portal.app), base_url=HOST_URL
    ) as client:
        for grant, status in [(forged, 401), (expired, 401), (good, 200)]:
            sent = NodeRequest(
                method="GET",
                target="hub",
                path=b"/hub/api/ledger/mine",
                date=format_date(time.time()),
                body=b"",
            )
            headers = signature_headers("portal", sent, portal_key)
            answer = await client.get(
                "/hub/api/ledger/mine", headers={**headers, "X-Resident-Grant": grant}
            )
            assert answer.status_code == status, answer.text
        assert answer.json()["total"] == 1


async def test_a_record_reported_opens_a_case_with_its_checked_evidence(portal: Portal) -> None:
    """Reporting a record gives the commission the record and its proof, checked."""
    holder = portal.holder()
    index = portal.record(holder, body="bank-asagiri")
    async with portal.browser() as browser:
        await portal.log_in(browser, holder)
        page = await browser.get(f"{PORTAL}/records")
        token = page.text.split('name="form_token" value="', 1)[1].split('"', 1)[0]
        reported = await browser.post(
            f"{PORTAL}/records/{index}/report",
            data={"form_token": token, "statement": "I have no account at this bank."},
        )
        assert reported.status_code == HTTPStatus.SEE_OTHER, reported.text
        assert reported.headers["location"] == f"{PORTAL}/reported?case=C-000001"
        shown = await browser.get(reported.headers["location"])
        assert "C-000001" in shown.text
        forged_case = await browser.get(f"{PORTAL}/reported", params={"case": "<script>"})
        assert forged_case.status_code == HTTPStatus.NOT_FOUND
        forged = await browser.post(
            f"{PORTAL}/records/{index}/report", data={"form_token": "guess"}
        )
        assert forged.status_code == HTTPStatus.FORBIDDEN
    with portal.session("oversight") as session:
        [case] = session.scalars(select(OversightCase))
        assert (case.ledger_index, case.state) == (index, "open")
        assert case.disclosure_code == portal.disclosure_code(holder)
        assert case.statement == "I have no account at this bank."


def test_evidence_that_does_not_hold_opens_no_case(portal: Portal) -> None:
    """Another person's record, a flipped byte, or a key other than the hub's: refused."""
    holder, stranger = portal.holder(), portal.holder()
    index = portal.record(holder)
    hub = portal.opened.deployment.node("hub")
    keys = portal.opened.keys["hub"]
    assert keys.ledger_signing is not None
    with portal.session("hub") as session:
        ledger = hub_ledger(session, keys, hub.base_url)
        ledger.checkpoint()
        signed = ledger.signed_inclusion(index)
        entry = ledger.entry(index).entry
    key = verifier_key(log_origin(hub.base_url), keys.ledger_signing.public_key())
    good = Evidence(
        index=index,
        entry=base64.b64encode(entry).decode(),
        proof=[base64.b64encode(value).decode() for value in signed.proof],
        checkpoint=signed.checkpoint.decode(),
        verifier_key=key,
    )
    check_evidence(good, portal.disclosure_code(holder), key)
    flipped = bytearray(entry)
    flipped[5] ^= 1
    other_key = verifier_key(log_origin(hub.base_url), Ed25519PrivateKey.generate().public_key())
    for evidence, code, trusted, reason in [
        (good, portal.disclosure_code(stranger), key, "not about the person"),
        (
            replace(good, entry=base64.b64encode(bytes(flipped)).decode()),
            None,
            key,
            "does not hold",
        ),
        (replace(good, verifier_key=other_key), None, key, "not signed with the hub"),
        (good, None, other_key, "not signed with the hub"),
    ]:
        with pytest.raises(CaseRefused, match=reason):
            check_evidence(evidence, code or portal.disclosure_code(holder), trusted)
