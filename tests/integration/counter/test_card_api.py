"""The card's JSON API and identity confirmation on a real registry node, called in-process."""

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from tests.integration.counter.conftest import CHIYODA, Registry

from mynumber.cards.identity import canonical
from mynumber.cards.models import CardApplication, Certificate, IdentityReceipt
from mynumber.cards.pins import PinKind
from mynumber.cards.virtual import VirtualCard
from mynumber.nodes.problems import PROBLEM_MEDIA_TYPE

pytestmark = pytest.mark.anyio

CLERK = {"X-Clerk": "clerk 1"}
PHOTO = base64.b64encode(bytes.fromhex("ffd8ffe000104a4649460001ffd9")).decode()
PINS = {
    "signature": "KARD2026",
    "authentication": "4321",
    "resident-register": "5432",
    "card-face": "6543",
}
HANAKO: dict[str, Any] = {
    "event": "birth",
    "date": "2020-04-01",
    "family_name": "佐藤",
    "given_name": "花子",
    "family_name_kana": "サトウ",
    "given_name_kana": "ハナコ",
    "date_of_birth": "1990-04-01",
    "sex": "female",
    "municipality_code": CHIYODA,
    "postal_code": "1000001",
    "address": "東京都千代田区千代田1番1号",
}
ASKER = {"body": "株式会社サンプル", "staff": "人事 二郎", "task": "給与所得の源泉徴収票"}


async def _post(registry: Registry, path: str, body: dict[str, Any], status: int = 200) -> Any:
    response = await registry.client.post(path, json=body, headers=CLERK)
    assert response.status_code == status, response.text
    return response.json() if response.headers["content-type"].endswith("json") else response


async def _card(registry: Registry, tmp_path: Path) -> tuple[dict[str, Any], VirtualCard]:
    """Register Hanako, apply, manufacture and hand over over the API; return card and file."""
    resident = await _post(registry, "api/residents", HANAKO, 201)
    application = await _post(
        registry, f"api/residents/{resident['id']}/card-applications", {"photo": PHOTO}, 201
    )
    card = await _post(registry, f"api/cards/applications/{application['id']}/card", {}, 201)
    assert card["state"] == "manufactured"
    response = await registry.client.post(
        f"api/cards/{card['manufacturing_number']}/handover",
        json={"identity_check": "passport", "pins": PINS},
        headers=CLERK,
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/vnd.mynumber.card+json"
    path = tmp_path / "card.json"
    path.write_bytes(response.content)
    return card, VirtualCard.open(path)


async def test_a_card_made_over_the_api_confirms_its_holder(
    registry: Registry, tmp_path: Path
) -> None:
    """Apply, make, hand over, then a challenge signed by the card gives a receipt, once."""
    card, virtual = await _card(registry, tmp_path)
    state = (await registry.client.get(f"api/cards/{card['manufacturing_number']}")).json()
    assert state["state"] == "active"
    assert {c["kind"]: c["status"] for c in state["certificates"]} == {
        "authentication": "good",
        "signature": "good",
    }
    assert "security_code" not in state
    challenge = (await _post(registry, "api/identity/challenges", ASKER, 201))["challenge"]
    answer = {
        "challenge": challenge,
        "certificate": virtual.authentication_certificate.public_bytes(
            serialization.Encoding.PEM
        ).decode(),
        "signature": base64.b64encode(
            virtual.sign(PinKind.AUTHENTICATION, PINS["authentication"], challenge.encode())
        ).decode(),
        "number": virtual.read_card_face(PINS["card-face"]).number,
    }
    receipt = await _post(registry, "api/identity/card-confirmations", answer)
    assert receipt["receipt"]["method"] == "card"
    assert answer["number"] not in json.dumps(receipt)
    replay = await registry.client.post("api/identity/card-confirmations", json=answer)
    assert replay.status_code == 403
    assert replay.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert "already used" in replay.json()["detail"]
    assert registry.count(IdentityReceipt) == 1
    published = await registry.client.get("api/identity/receipt-key")
    key = serialization.load_pem_public_key(published.content)
    assert isinstance(key, Ed25519PublicKey)
    key.verify(base64.b64decode(receipt["signature"]), canonical(receipt["receipt"]))


async def test_bad_card_requests_are_problems_that_change_nothing(registry: Registry) -> None:
    """Not an image, not base64, an unknown application ID, no clerk: refused, nothing written."""
    resident = await _post(registry, "api/residents", HANAKO, 201)
    path = f"api/residents/{resident['id']}/card-applications"
    pdf = base64.b64encode(b"%PDF-1.7 not a photo").decode()
    for body, detail in [
        ({"photo": pdf}, "not an image"),
        ({"photo": "***"}, "not base64"),
    ]:
        response = await registry.client.post(path, json=body, headers=CLERK)
        assert response.status_code == 409, response.text
        assert detail in response.json()["detail"]
    unknown = await registry.client.post(
        "api/cards/applications", json={"application_id": "1" * 23, "photo": PHOTO}
    )
    assert unknown.status_code == 409
    assert "no notice with application ID" in unknown.json()["detail"]
    anonymous = await registry.client.post(path, json={"photo": PHOTO})
    assert anonymous.status_code == 401
    assert registry.count(CardApplication) == 0


async def test_a_handover_without_identity_check_or_with_a_bad_pin_is_refused(
    registry: Registry,
) -> None:
    """The card stays manufactured and no certificate exists after either refusal."""
    resident = await _post(registry, "api/residents", HANAKO, 201)
    application = await _post(
        registry, f"api/residents/{resident['id']}/card-applications", {"photo": PHOTO}, 201
    )
    card = await _post(registry, f"api/cards/applications/{application['id']}/card", {}, 201)
    handover = f"api/cards/{card['manufacturing_number']}/handover"
    no_check = await registry.client.post(
        handover, json={"identity_check": "", "pins": PINS}, headers=CLERK
    )
    assert no_check.status_code == 409
    assert "identity check" in no_check.json()["detail"]
    lower = await registry.client.post(
        handover,
        json={"identity_check": "passport", "pins": {**PINS, "signature": "abc123"}},
        headers=CLERK,
    )
    assert lower.status_code == 422
    assert "upper-case" in lower.json()["detail"]
    assert registry.count(Certificate) == 0
    state = (await registry.client.get(f"api/cards/{card['manufacturing_number']}")).json()
    assert state["state"] == "manufactured"


async def test_document_confirmation_refuses_the_notice(registry: Registry) -> None:
    """Offering the notice of the number is a 422 problem saying it is not accepted."""
    resident = await _post(registry, "api/residents", HANAKO, 201)
    number = (
        await registry.client.get(
            f"api/residents/{resident['id']}", params={"reveal": "true"}, headers=CLERK
        )
    ).json()["number"]
    refused = await registry.client.post(
        "api/identity/document-confirmations",
        json={**ASKER, "number": number, "documents": ["number-notice", "passport"]},
    )
    assert refused.status_code == 422
    assert "notice of the number is not accepted" in refused.json()["detail"]
    accepted = await _post(
        registry,
        "api/identity/document-confirmations",
        {**ASKER, "number": number, "documents": ["resident-record-with-number", "passport"]},
    )
    assert accepted["receipt"]["method"] == "documents"
    redeemed = await _post(
        registry,
        f"api/identity/receipts/{accepted['receipt']['receipt_id']}/redemption",
        {"body": ASKER["body"], "number": number},
    )
    assert redeemed["receipt_id"] == accepted["receipt"]["receipt_id"]
