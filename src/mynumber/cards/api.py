"""The card's JSON API on the registry node: applications, handover, holds, revocation.

Online applications need only the notice's application ID and a photo; everything else is done
by a named clerk (``X-Clerk``), as at the counter. A handover answers the virtual card file the
holder keeps. Refusals are problem details through :data:`mynumber.nodes.problems.ERROR_STATUS`.
"""

import base64
import binascii
import tempfile
from collections.abc import Callable
from datetime import date, datetime
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from mynumber.cards.exceptions import CardError
from mynumber.cards.models import ApplicationReason, Card, CardApplication
from mynumber.cards.pins import PinKind
from mynumber.cards.registry import card_service
from mynumber.cards.services import CardService
from mynumber.register.counter import RecordingClerk, RegistryNode, register_service
from mynumber.storage import unit_of_work

if TYPE_CHECKING:
    from mynumber.nodes.context import NodeContext

router = APIRouter(prefix="/api", tags=["cards"])

#: The media type of a virtual card file.
CARD_FILE_TYPE = "application/vnd.mynumber.card+json"


class _Body(BaseModel):
    """A request body: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class OnlineApplication(_Body):
    """An online application: the notice's application ID and a photo (base64)."""

    application_id: Annotated[str, Field(pattern=r"^\d{23}$")]
    photo: str


class CounterApplication(_Body):
    """An application at the counter: a photo (base64) and why the card is made."""

    photo: str
    reason: Literal["first", "renewal", "reissue"] = "first"


class Handover(_Body):
    """A handover in person: the identity check made and the four PINs the holder chose."""

    identity_check: str
    pins: dict[PinKind, str]


class InPerson(_Body):
    """Something done only in person: the identity documents seen."""

    identity_check: str


class Ending(_Body):
    """Why a card ends."""

    reason: Literal["returned", "lost", "expired"]


class ApplicationView(BaseModel):
    """An application as the API answers it (the photo is not sent back)."""

    id: int
    resident_id: int
    channel: str
    reason: str
    applied_at: datetime


class CertificateView(BaseModel):
    """A certificate's public record."""

    kind: str
    serial: str
    not_after: datetime
    status: str
    revocation_reason: str | None


class CardView(BaseModel):
    """A card's state; never its security code."""

    manufacturing_number: str
    resident_id: int
    state: str
    issued_on: date
    expires_on: date
    ended_reason: str | None
    certificates: list[CertificateView]


@router.post(
    "/cards/applications", status_code=HTTPStatus.CREATED, summary="Apply online for a card"
)
def apply_online(body: OnlineApplication, node: RegistryNode) -> ApplicationView:
    """Apply with the application ID of the notice's form; each ID is used once."""
    with unit_of_work(node.sessions) as session:
        service = card_service(session, node.keys, node.spec.base_url)
        return _application(service.apply_online(body.application_id, _photo(body.photo)))


@router.post(
    "/residents/{resident_id}/card-applications",
    status_code=HTTPStatus.CREATED,
    summary="Apply for a card at the counter",
)
def apply_at_counter(
    resident_id: int, body: CounterApplication, node: RegistryNode, clerk: RecordingClerk
) -> ApplicationView:
    """Record a counter application (first card, renewal or reissue after a loss)."""
    with unit_of_work(node.sessions) as session:
        resident = register_service(session, node).get(resident_id)
        service = card_service(session, node.keys, node.spec.base_url)
        application = service.apply_at_counter(
            resident, _photo(body.photo), clerk, reason=ApplicationReason(body.reason)
        )
        return _application(application)


@router.post(
    "/cards/applications/{application_id}/card",
    status_code=HTTPStatus.CREATED,
    summary="Manufacture the card of an application",
)
def manufacture(application_id: int, node: RegistryNode, clerk: RecordingClerk) -> CardView:
    """Make the card: manufacturing number, security code, expiry."""
    del clerk  # named for the record of who asked; the card records its own times
    with unit_of_work(node.sessions) as session:
        application = session.get(CardApplication, application_id)
        if application is None:
            msg = f"there is no card application {application_id}"
            raise CardError(msg)
        service = card_service(session, node.keys, node.spec.base_url)
        return card_view(service.manufacture(application))


@router.post("/cards/{manufacturing_number}/handover", summary="Hand a card over in person")
def hand_over(
    manufacturing_number: str, body: Handover, node: RegistryNode, clerk: RecordingClerk
) -> Response:
    """Set the PINs, issue the certificates and answer the virtual card file."""
    with tempfile.TemporaryDirectory() as directory, unit_of_work(node.sessions) as session:
        service = card_service(session, node.keys, node.spec.base_url)
        path = Path(directory) / "card.json"
        service.hand_over(
            service.card(manufacturing_number),
            clerk=clerk,
            identity_check=body.identity_check,
            pins=body.pins,
            path=path,
        )
        content = path.read_bytes()
    return Response(content, media_type=CARD_FILE_TYPE)


@router.get("/cards/{manufacturing_number}", summary="A card's state and certificates")
def card(manufacturing_number: str, node: RegistryNode) -> CardView:
    """Answer a card's state, expiry and certificate status."""
    return _on_card(node, manufacturing_number, lambda _service, _card: None)


@router.post("/cards/{manufacturing_number}/loss-report", summary="Report a card lost")
def report_loss(manufacturing_number: str, node: RegistryNode, clerk: RecordingClerk) -> CardView:
    """Put the card on hold at once (24/7, by the call centre); lifted only in person."""
    del clerk  # required: only a named clerk (the call centre) takes a report
    return _on_card(node, manufacturing_number, CardService.report_loss)


@router.post("/cards/{manufacturing_number}/hold-lift", summary="Lift a hold, in person")
def lift_hold(
    manufacturing_number: str, body: InPerson, node: RegistryNode, clerk: RecordingClerk
) -> CardView:
    """Lift the hold after the clerk checked the holder's identity."""
    return _on_card(
        node,
        manufacturing_number,
        lambda service, found: service.lift_hold(
            found, clerk=clerk, identity_check=body.identity_check
        ),
    )


@router.post(
    "/cards/{manufacturing_number}/signature-revocation",
    summary="Revoke the signature certificate on the holder's request",
)
def revoke_signature(
    manufacturing_number: str, node: RegistryNode, clerk: RecordingClerk
) -> CardView:
    """Revoke the signature certificate; the card and its authentication certificate stay."""
    del clerk  # required: the holder's request is taken by a named clerk
    return _on_card(
        node, manufacturing_number, lambda service, found: service.revoke_signature(found)
    )


@router.post("/cards/{manufacturing_number}/end", summary="End a card: returned, lost, expired")
def end(
    manufacturing_number: str, body: Ending, node: RegistryNode, clerk: RecordingClerk
) -> CardView:
    """End the card and revoke both certificates."""
    del clerk  # required: a card is ended by a named clerk
    return _on_card(
        node, manufacturing_number, lambda service, found: service.end(found, body.reason)
    )


def _on_card(
    node: "NodeContext", manufacturing_number: str, act: Callable[[CardService, Card], None]
) -> CardView:
    """Do ``act`` on one card in one unit of work; answer the card as it then stands."""
    with unit_of_work(node.sessions) as session:
        service = card_service(session, node.keys, node.spec.base_url)
        found = service.card(manufacturing_number)
        act(service, found)
        return card_view(found)


def card_view(found: Card) -> CardView:
    """Return how the API shows a card."""
    return CardView(
        manufacturing_number=found.manufacturing_number,
        resident_id=found.resident_id,
        state=found.state,
        issued_on=found.issued_on,
        expires_on=found.expires_on,
        ended_reason=found.ended_reason,
        certificates=[
            CertificateView(
                kind=certificate.kind,
                serial=certificate.serial,
                not_after=certificate.not_after,
                status=certificate.status,
                revocation_reason=certificate.revocation_reason,
            )
            for certificate in found.certificates
        ],
    )


def _application(application: CardApplication) -> ApplicationView:
    """Return how the API shows an application."""
    return ApplicationView(
        id=application.id,
        resident_id=application.resident_id,
        channel=application.channel,
        reason=application.reason,
        applied_at=application.applied_at,
    )


def _photo(encoded: str) -> bytes:
    """Decode a base64 photo, refusing what is not base64."""
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        msg = "the photo is not base64: send the image's bytes encoded in base64"
        raise CardError(msg) from exc
