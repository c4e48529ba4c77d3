"""Identity confirmation on the registry node: challenges, confirmations, receipts.

A body names itself, its staff member and its task in every request, which the receipt records.
The card's signature travels in base64; the number travels in the body, never in a URL.
"""

import base64
import binascii
from datetime import datetime
from http import HTTPStatus
from typing import Annotated, Any

from cryptography.hazmat.primitives import serialization
from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from mynumber.cards.identity import IdentityRefused
from mynumber.cards.registry import identity_service
from mynumber.register.counter import RegistryNode
from mynumber.storage import unit_of_work

router = APIRouter(prefix="/api/identity", tags=["identity"])

Name = Annotated[str, Field(min_length=1, max_length=200)]


class _Body(BaseModel):
    """A request body: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Asker(_Body):
    """Who asks and why: the body, its staff member and the task."""

    body: Name
    staff: Annotated[str, Field(min_length=1, max_length=100)]
    task: Name


class ChallengeView(BaseModel):
    """A one-time challenge for the card to sign."""

    challenge: str
    expires_at: datetime


class CardAnswer(_Body):
    """The card's answer: its authentication certificate, its signature, the card-face number."""

    challenge: Annotated[str, Field(min_length=1, max_length=64)]
    certificate: Annotated[str, Field(max_length=10_000)]
    signature: Annotated[str, Field(max_length=2_000)]
    number: Annotated[str, Field(max_length=40)]


class DocumentCheck(Asker):
    """An in-person check: the number shown and the documents seen."""

    number: Annotated[str, Field(max_length=40)]
    documents: Annotated[list[str], Field(min_length=1, max_length=10)]


class Redemption(_Body):
    """A body using its receipt as it records the number it collected."""

    body: Name
    number: Annotated[str, Field(max_length=40)]


class RedeemedView(BaseModel):
    """When a receipt was used."""

    receipt_id: str
    redeemed_at: datetime


@router.post("/challenges", status_code=HTTPStatus.CREATED, summary="A one-time challenge")
def challenge(body: Asker, node: RegistryNode) -> ChallengeView:
    """Issue a challenge for a body's staff member and task; it expires in minutes."""
    with unit_of_work(node.sessions) as session:
        issued = identity_service(session, node.keys, node.spec.base_url).challenge(
            body=body.body, staff=body.staff, task=body.task
        )
        return ChallengeView(challenge=issued.challenge, expires_at=issued.expires_at)


@router.post("/card-confirmations", summary="Confirm number and identity with the card")
def confirm_with_card(body: CardAnswer, node: RegistryNode) -> dict[str, Any]:
    """Check the card's signed answer; answer the signed receipt."""
    try:
        signature = base64.b64decode(body.signature, validate=True)
    except (binascii.Error, ValueError) as exc:
        msg = "the signature is not base64"
        raise IdentityRefused(msg) from exc
    with unit_of_work(node.sessions) as session:
        service = identity_service(session, node.keys, node.spec.base_url)
        return service.confirm_with_card(body.challenge, body.certificate, signature, body.number)


@router.post("/document-confirmations", summary="Record an in-person check of documents")
def confirm_with_documents(body: DocumentCheck, node: RegistryNode) -> dict[str, Any]:
    """Check the documents seen; answer a receipt marked document-based."""
    with unit_of_work(node.sessions) as session:
        service = identity_service(session, node.keys, node.spec.base_url)
        return service.confirm_with_documents(
            body.number, body.documents, body=body.body, staff=body.staff, task=body.task
        )


@router.post("/receipts/{receipt_id}/redemption", summary="Use a receipt, once")
def redeem(receipt_id: str, body: Redemption, node: RegistryNode) -> RedeemedView:
    """Mark the receipt used by the body it was issued to, for the number it confirmed."""
    with unit_of_work(node.sessions) as session:
        receipt = identity_service(session, node.keys, node.spec.base_url).redeem(
            receipt_id, body=body.body, number=body.number
        )
        assert receipt.redeemed_at is not None  # noqa: S101 -- redeem just set it
        return RedeemedView(receipt_id=receipt.receipt_id, redeemed_at=receipt.redeemed_at)


@router.get("/receipt-key", summary="The public key that verifies receipts")
def receipt_key(node: RegistryNode) -> Response:
    """Answer the Ed25519 public key of receipts, in PEM."""
    if node.keys.jpki is None:
        msg = "this node does not sign receipts"
        raise IdentityRefused(msg)
    pem = node.keys.jpki.receipt_signing.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return Response(pem, media_type="application/x-pem-file")
