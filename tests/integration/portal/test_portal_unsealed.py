"""Sealed records of police access, shown to their person in full once their date has come.

The oversight commission opens a sealed record (``POST /api/unsealings``) only for the portal, with
the resident's grant, evidence that holds, and on or after its unsealing date; the portal shows
what it answers, and a record it will not open stays sealed. Each test runs the registry on SQLite
and on PostgreSQL; the other nodes on SQLite.
"""

from __future__ import annotations

import base64
import csv
import io
import re
import time
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from mynumber.grants import Grant, issue_grant
from mynumber.ledger.notes import verifier_key
from mynumber.ledger.sealing import UNSEALING_ZONE
from mynumber.ledger.services import hub_ledger, log_origin

from .conftest import PORTAL, Holder, Portal

if TYPE_CHECKING:
    import httpx


pytestmark = pytest.mark.anyio

TODAY = datetime.now(UNSEALING_ZONE).date()
#: What the sealed entries of the portal fixture say, as the portal shows them in English.
SHOWN = ("police-shinonomedai", "inspector-kuroda", "criminal investigation", "<li>Name</li>")


def _row(page: str, index: int) -> str:
    """Return the table row of the records page that shows record ``index``."""
    for row in re.findall(r"<tr>.*?</tr>", page, flags=re.DOTALL):
        if f'data-verify-index="{index}"' in row:
            return str(row)
    raise AssertionError(index)


def _grant(portal: Portal, holder: Holder) -> str:
    """Return a grant the registry signed for ``holder``, as the portal holds after a login."""
    grant = Grant(
        resident=holder.id,
        disclosure_code=portal.disclosure_code(holder),
        certificate="1",
        expires_at=int(time.time()) + 600,
    )
    return issue_grant(portal.opened.keys["registry"].node_signing, grant)


def _evidence(portal: Portal, index: int) -> dict[str, Any]:
    """Return entry ``index`` with its proof and checkpoint, as the portal sends them."""
    hub = portal.opened.deployment.node("hub")
    keys = portal.opened.keys["hub"]
    assert keys.ledger_signing is not None
    with portal.session("hub") as session:
        ledger = hub_ledger(session, keys, hub.base_url)
        ledger.checkpoint()
        signed = ledger.signed_inclusion(index)
        entry = bytes(ledger.entry(index).entry)
    return {
        "index": index,
        "entry": base64.b64encode(entry).decode(),
        "proof": [base64.b64encode(value).decode() for value in signed.proof],
        "checkpoint": signed.checkpoint.decode(),
        "verifier_key": verifier_key(log_origin(hub.base_url), keys.ledger_signing.public_key()),
    }


async def _unseal(
    portal: Portal, holder: Holder, evidence: dict[str, Any], *, sender: str = "portal"
) -> httpx.Response:
    """Ask the oversight node to open ``evidence``'s record, as node ``sender``, for ``holder``."""
    oversight = portal.node(sender).clients.client("oversight")
    headers = {"X-Resident-Grant": _grant(portal, holder)}
    return await oversight.post("api/unsealings", json=evidence, headers=headers)


def _problem(answer: httpx.Response, status: int, code: str) -> str:
    """Check ``answer`` is the problem ``code`` with ``status``; return its detail."""
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    assert body["type"] == f"tag:mynumber,2026:problem:{code}"
    return str(body["detail"])


async def test_a_record_whose_date_has_come_is_shown_in_full(portal: Portal) -> None:
    """Unsealed yesterday or today: shown in full; unsealing next year: still sealed, no case."""
    holder = portal.holder()
    yesterday = portal.sealed(holder, unseal_on=TODAY - timedelta(days=1), case="R7-12")
    today = portal.sealed(holder, unseal_on=TODAY, case="R8-3")
    later = portal.sealed(holder, unseal_on=TODAY + timedelta(days=365), case="R9-99")
    async with portal.browser() as browser:
        await portal.log_in(browser, holder)
        page = await browser.get(f"{PORTAL}/records")
    assert page.status_code == HTTPStatus.OK, page.text
    for index, case in [(yesterday, "R7-12"), (today, "R8-3")]:
        row = _row(page.text, index)
        assert "Police access, unsealed on" in row
        assert f"<dd>{case}</dd>" in row
        assert all(shown in row for shown in SHOWN)
        assert "<li>Date of birth</li>" in row
        assert "Sealed until" not in row
    sealed = _row(page.text, later)
    assert "Sealed until" in sealed
    assert "R9-99" not in page.text
    assert "inspector-kuroda" not in sealed


async def test_downloads_carry_the_unsealed_body(portal: Portal) -> None:
    """JSON carries the body the commission opened, CSV its case; a sealed record carries none."""
    holder = portal.holder()
    due = portal.sealed(holder, unseal_on=TODAY - timedelta(days=30), case="R7-12")
    later = portal.sealed(holder, unseal_on=TODAY + timedelta(days=365), case="R9-99")
    async with portal.browser() as browser:
        await portal.log_in(browser, holder)
        as_json = await browser.get(f"{PORTAL}/records/download.json")
        as_csv = await browser.get(f"{PORTAL}/records/download.csv")
    records = {record["index"]: record for record in as_json.json()["records"]}
    assert records[due]["unsealed"] == {
        "task": "police:criminal-investigation",
        "staff": "inspector-kuroda",
        "case": "R7-12",
        "disclosed": ["name", "date_of_birth", "sex", "address"],
    }
    assert records[due]["entry"]["kind"] == "sealed"
    assert "unsealed" not in records[later]
    rows = {
        int(row["index"]): row
        for row in csv.DictReader(io.StringIO(as_csv.content.decode("utf-8-sig")))
    }
    assert (rows[due]["case"], rows[due]["staff"]) == ("R7-12", "inspector-kuroda")
    assert rows[due]["task"] == "criminal investigation"
    assert (rows[later]["case"], rows[later]["outcome"]) == ("", "sealed")


async def test_a_record_the_commission_cannot_open_is_shown_sealed(portal: Portal) -> None:
    """Sealed to a key the commission does not hold, a due record stays sealed; the page renders."""
    holder = portal.holder()
    foreign = portal.sealed(
        holder,
        unseal_on=TODAY - timedelta(days=1),
        case="R7-40",
        recipient=X25519PrivateKey.generate().public_key(),
    )
    answer = await _unseal(portal, holder, _evidence(portal, foreign))
    assert not answer.is_success
    assert answer.json()["type"] == "tag:mynumber,2026:problem:unseal-failed"
    async with portal.browser() as browser:
        await portal.log_in(browser, holder)
        page = await browser.get(f"{PORTAL}/records")
    assert page.status_code == HTTPStatus.OK, page.text
    assert "Sealed until" in _row(page.text, foreign)
    assert "R7-40" not in page.text


async def test_the_commission_answers_the_body_and_outer_fields(portal: Portal) -> None:
    """The portal's request with the resident's grant and good evidence is answered in full."""
    holder = portal.holder()
    index = portal.sealed(holder, unseal_on=TODAY - timedelta(days=2), case="R7-12")
    answer = await _unseal(portal, holder, _evidence(portal, index))
    assert answer.status_code == HTTPStatus.OK, answer.text
    opened = answer.json()
    assert opened["requester"] == "police-shinonomedai"
    assert opened["unseal_on"] == (TODAY - timedelta(days=2)).isoformat()
    assert abs(datetime.fromisoformat(opened["at"]) - datetime.now(UTC)) < timedelta(minutes=5)
    assert (opened["task"], opened["staff"], opened["case"]) == (
        "police:criminal-investigation",
        "inspector-kuroda",
        "R7-12",
    )
    assert opened["disclosed"] == ["name", "date_of_birth", "sex", "address"]


async def test_a_record_still_sealed_is_refused_with_its_date(portal: Portal) -> None:
    """Before its unsealing date, the commission opens nothing and says when it will."""
    holder = portal.holder()
    later = TODAY + timedelta(days=365)
    index = portal.sealed(holder, unseal_on=later, case="R9-99")
    answer = await _unseal(portal, holder, _evidence(portal, index))
    detail = _problem(answer, HTTPStatus.CONFLICT, "still-sealed")
    assert later.isoformat() in detail
    assert "R9-99" not in answer.text


async def test_another_persons_record_is_refused(portal: Portal) -> None:
    """With resident A's grant, resident B's due sealed record is not opened."""
    holder, stranger = portal.holder(), portal.holder()
    theirs = portal.sealed(stranger, unseal_on=TODAY - timedelta(days=1), case="R7-50")
    answer = await _unseal(portal, holder, _evidence(portal, theirs))
    detail = _problem(answer, HTTPStatus.UNPROCESSABLE_ENTITY, "case-refused")
    assert "not about the person" in detail
    assert "R7-50" not in answer.text


async def test_a_tampered_proof_is_refused(portal: Portal) -> None:
    """A proof with one hash's bit flipped does not lead to the hub's checkpoint: refused."""
    holder = portal.holder()
    portal.record(holder)
    index = portal.sealed(holder, unseal_on=TODAY - timedelta(days=1), case="R7-60")
    portal.record(holder)
    evidence = _evidence(portal, index)
    assert evidence["proof"]
    first = bytearray(base64.b64decode(evidence["proof"][0]))
    first[0] ^= 1
    tampered = {**evidence, "proof": [base64.b64encode(first).decode(), *evidence["proof"][1:]]}
    answer = await _unseal(portal, holder, tampered)
    assert "does not hold" in _problem(answer, HTTPStatus.UNPROCESSABLE_ENTITY, "case-refused")
    assert "R7-60" not in answer.text


async def test_an_entry_that_is_not_sealed_is_refused(portal: Portal) -> None:
    """A record of collection has nothing to open: refused as not sealed (422)."""
    holder = portal.holder()
    index = portal.record(holder)
    answer = await _unseal(portal, holder, _evidence(portal, index))
    assert "not sealed" in _problem(answer, HTTPStatus.UNPROCESSABLE_ENTITY, "malformed-entry")


async def test_only_the_portal_may_ask(portal: Portal) -> None:
    """The registry, signing as itself with a good grant and evidence, is refused (403)."""
    holder = portal.holder()
    index = portal.sealed(holder, unseal_on=TODAY - timedelta(days=1), case="R7-70")
    answer = await _unseal(portal, holder, _evidence(portal, index), sender="registry")
    _problem(answer, HTTPStatus.FORBIDDEN, "calling-node-refused")
    assert "R7-70" not in answer.text
