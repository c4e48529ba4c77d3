"""The card's lifecycle at the registry: apply, manufacture, hand over, hold, revoke, end.

SPEC.md 3. A card is applied for with the notice's application ID (online) or at the counter,
with a photo; it is manufactured with a new 16-digit manufacturing number and a 4-digit security
code, valid to the 10th birthday after issue (5th under 18, never past a foreign resident's stay);
it is handed over in person after an identity check, when the holder sets the four PINs and the
certificates are issued onto the virtual card (the signature certificate only from age 15). A loss
report puts the card and both certificates on hold at once; only a visit in person lifts it. A move
or a change of name revokes the signature certificate (the authentication certificate survives);
death, moving out, a number change or the card's return revoke both.

The register tells this service of every life event (:meth:`CardService.on_register_event`), in
the same transaction, so no edge can record a move and forget the certificate.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final

from sqlalchemy import select

from mynumber.cards import jpki, validity
from mynumber.cards.authorities import Authorities, Endpoints
from mynumber.cards.exceptions import CardError
from mynumber.cards.issuance import CertificateIssuer, administration_key, card_face, check_pins
from mynumber.cards.models import (
    ApplicationChannel,
    ApplicationReason,
    Card,
    CardApplication,
    CardState,
    Certificate,
    CertificateStatus,
)
from mynumber.cards.photos import check_photo
from mynumber.cards.virtual import VirtualCard, create_card
from mynumber.register.exceptions import NotOnRegister, ResidentNotFound
from mynumber.register.models import EventKind, Notice, Resident, ResidentState
from mynumber.settings import ConfigurationError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from pathlib import Path

    from sqlalchemy.orm import Session

    from mynumber.cards.pins import PinKind
    from mynumber.keys import NodeKeys
    from mynumber.register.services import Clerk

#: Life events that change the four attributes: the signature certificate goes.
ATTRIBUTE_CHANGES: Final = frozenset({EventKind.ADDRESS_CHANGE, EventKind.NAME_CHANGE})
#: Life events that end every card of the resident.
ENDINGS: Final = frozenset({EventKind.MOVE_OUT, EventKind.DEATH, EventKind.NUMBER_CHANGE})
#: The cards that still count: made, in use, or held.
_LIVE: Final = (CardState.MANUFACTURED.value, CardState.ACTIVE.value, CardState.ON_HOLD.value)


class CardService:
    """The cards of one registry node, over the caller's session."""

    def __init__(
        self,
        session: Session,
        keys: NodeKeys,
        endpoints: Endpoints,
        *,
        operator: str = "Number Authority",
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        """Work in ``session`` with the registry's keys; certificates point at ``endpoints``."""
        if keys.jpki is None or keys.number_authority is None:
            msg = f"node {keys.node_id!r} holds no JPKI keys: only the registry runs the card"
            raise ConfigurationError(msg)
        self._session = session
        self._keys = keys
        self._clock = clock
        self.authorities = Authorities(session, keys.jpki, operator=operator, clock=clock)
        self._issuer = CertificateIssuer(self.authorities, endpoints, clock)

    def apply_online(self, application_id: str, photo: bytes) -> CardApplication:
        """Apply with the notice's application ID and a photo; each ID is used once."""
        notice = self._session.scalar(select(Notice).where(Notice.application_id == application_id))
        if notice is None:
            msg = (
                f"there is no notice with application ID {application_id}: copy the 23 digits "
                "from the application form that came with the notice"
            )
            raise CardError(msg)
        resident = self._resident(notice.resident_id)
        return self._apply(
            resident, photo, (ApplicationChannel.ONLINE, "online"), application_id=application_id
        )

    def apply_at_counter(
        self, resident: Resident, photo: bytes, clerk: Clerk, *, reason: ApplicationReason
    ) -> CardApplication:
        """Apply at the counter for a resident (a first card, a renewal or a reissue)."""
        return self._apply(resident, photo, (ApplicationChannel.COUNTER, clerk.name), reason=reason)

    def manufacture(self, application: CardApplication) -> Card:
        """Make the card of an application: new manufacturing number, security code, expiry."""
        if self._session.scalar(select(Card.id).where(Card.application_id == application.id)):
            msg = f"application {application.id} already has its card"
            raise CardError(msg)
        resident = self._resident(application.resident_id)
        today = self._clock().date()
        card = Card(
            resident_id=resident.id,
            application_id=application.id,
            manufacturing_number=self._manufacturing_number(),
            security_code=f"{secrets.randbelow(10_000):04d}",
            manufactured_at=self._clock(),
            issued_on=today,
            expires_on=validity.card_expiry(
                resident.date_of_birth,
                today,
                period_of_stay_until=resident.period_of_stay_until,
            ),
            state=CardState.MANUFACTURED.value,
        )
        self._session.add(card)
        self._session.flush()
        return card

    def hand_over(
        self,
        card: Card,
        *,
        clerk: Clerk,
        identity_check: str,
        pins: Mapping[PinKind, str],
        path: Path,
    ) -> VirtualCard:
        """Hand a card over in person: PINs set, certificates issued, the card file written."""
        if not identity_check.strip():
            msg = (
                "a card is handed over only after an identity check: record the documents seen "
                "(for example: the notice and a driving licence)"
            )
            raise CardError(msg)
        if card.state != CardState.MANUFACTURED.value:
            msg = f"card {card.manufacturing_number} is {card.state}, not waiting for handover"
            raise CardError(msg)
        resident = self._resident(card.resident_id)
        today = self._clock().date()
        signs = validity.may_hold_signature_certificate(resident.date_of_birth, today)
        check_pins(pins, signature=signs)
        issued = self._issuer.issue(card, resident, signature=signs)
        virtual = create_card(
            path,
            manufacturing_number=card.manufacturing_number,
            authentication_key=issued.authentication_key,
            authentication_certificate=issued.authentication_certificate,
            signature_key=issued.signature_key,
            signature_certificate=issued.signature_certificate,
            card_face=card_face(resident),
            pins=pins,
            administration_key=administration_key(self._keys, card.manufacturing_number),
        )
        self._end_previous_cards(resident, card)
        card.state = CardState.ACTIVE.value
        card.handed_over_at = self._clock()
        card.handed_over_by = clerk.name
        card.identity_check = identity_check.strip()
        self._renew_crls()
        return virtual

    def report_loss(self, card: Card) -> None:
        """Put a lost card on hold at once: both certificates suspended (certificateHold)."""
        if card.state != CardState.ACTIVE.value:
            msg = f"card {card.manufacturing_number} is {card.state}: only a card in use is held"
            raise CardError(msg)
        card.state = CardState.ON_HOLD.value
        for certificate in self._live_certificates(card):
            self._set_status(certificate, CertificateStatus.ON_HOLD, "certificate_hold")
        self._renew_crls()

    def lift_hold(self, card: Card, *, clerk: Clerk, identity_check: str) -> None:
        """Lift a hold, in person only: the clerk records the identity check."""
        if not identity_check.strip():
            msg = "a hold is lifted only in person: record the identity documents seen"
            raise CardError(msg)
        if card.state != CardState.ON_HOLD.value:
            msg = f"card {card.manufacturing_number} is {card.state}, not on hold"
            raise CardError(msg)
        card.state = CardState.ACTIVE.value
        card.identity_check = f"hold lifted by {clerk.name}: {identity_check.strip()}"
        for certificate in card.certificates:
            if certificate.status == CertificateStatus.ON_HOLD.value:
                self._set_status(certificate, CertificateStatus.GOOD, None)
        self._renew_crls()

    def end(self, card: Card, reason: str) -> None:
        """End a card (returned, lost and replaced, expired, holder gone): revoke both."""
        if card.state == CardState.ENDED.value:
            return
        card.state = CardState.ENDED.value
        card.ended_at = self._clock()
        card.ended_reason = reason
        revocation = "key_compromise" if reason == "lost" else "cessation_of_operation"
        for certificate in self._live_certificates(card):
            self._set_status(certificate, CertificateStatus.REVOKED, revocation)
        self._renew_crls()

    def revoke_signature(self, card: Card, reason: str = "unspecified") -> None:
        """Revoke a card's signature certificate (the holder's request, or changed attributes)."""
        for certificate in self._live_certificates(card):
            if certificate.kind == jpki.AuthorityKind.SIGNATURE.value:
                self._set_status(certificate, CertificateStatus.REVOKED, reason)
        self._renew_crls()

    def on_register_event(self, resident: Resident, kind: EventKind) -> None:
        """Follow a life event: a changed attribute revokes signature certificates, an end ends."""
        if kind not in ATTRIBUTE_CHANGES and kind not in ENDINGS:
            return
        for card in self.cards_of(resident):
            if kind in ENDINGS:
                self.end(card, kind.value)
            else:
                self.revoke_signature(card, "affiliation_changed")

    def cards_of(self, resident: Resident) -> list[Card]:
        """Return the resident's cards that are not ended, oldest first."""
        return list(
            self._session.scalars(
                select(Card)
                .where(Card.resident_id == resident.id, Card.state.in_(_LIVE))
                .order_by(Card.id)
            )
        )

    def card(self, manufacturing_number: str) -> Card:
        """Return a card by its manufacturing number."""
        card = self._session.scalar(
            select(Card).where(Card.manufacturing_number == manufacturing_number)
        )
        if card is None:
            msg = f"there is no card with manufacturing number {manufacturing_number}"
            raise CardError(msg)
        return card

    def _apply(
        self,
        resident: Resident,
        photo: bytes,
        channel: tuple[ApplicationChannel, str],
        *,
        application_id: str | None = None,
        reason: ApplicationReason = ApplicationReason.FIRST,
    ) -> CardApplication:
        """Record an application after checking the resident and the photo."""
        if resident.state != ResidentState.RESIDENT.value:
            msg = f"resident {resident.id} is {resident.state}: only a resident gets a card"
            raise NotOnRegister(msg)
        photo_type = check_photo(photo)
        if application_id is not None and self._session.scalar(
            select(CardApplication.id).where(CardApplication.application_id == application_id)
        ):
            msg = f"application ID {application_id} has already been used for an application"
            raise CardError(msg)
        how, recorded_by = channel
        application = CardApplication(
            resident_id=resident.id,
            application_id=application_id,
            channel=how.value,
            reason=reason.value,
            photo=photo,
            photo_type=photo_type,
            applied_at=self._clock(),
            recorded_by=recorded_by,
        )
        self._session.add(application)
        self._session.flush()
        return application

    def _end_previous_cards(self, resident: Resident, new: Card) -> None:
        """End the cards a newly handed-over card replaces."""
        for card in self.cards_of(resident):
            if card.id != new.id and card.state != CardState.MANUFACTURED.value:
                self.end(card, "lost" if card.state == CardState.ON_HOLD.value else "replaced")

    def _live_certificates(self, card: Card) -> list[Certificate]:
        """Return the card's certificates that are not revoked."""
        return [c for c in card.certificates if c.status != CertificateStatus.REVOKED.value]

    def _set_status(
        self, certificate: Certificate, status: CertificateStatus, reason: str | None
    ) -> None:
        """Change a certificate's status, stamping when it was revoked and why."""
        certificate.status = status.value
        certificate.revoked_at = None if status is CertificateStatus.GOOD else self._clock()
        certificate.revocation_reason = reason

    def _renew_crls(self) -> None:
        """Renew both CRLs after a change of status (flushed first so the CRL sees it)."""
        self._session.flush()
        for kind in jpki.AuthorityKind:
            self.authorities.renew_crl(kind)

    def _resident(self, resident_id: int) -> Resident:
        """Return the resident, or fail."""
        resident = self._session.get(Resident, resident_id)
        if resident is None:
            msg = f"there is no resident {resident_id} on this register"
            raise ResidentNotFound(msg)
        return resident

    def _manufacturing_number(self) -> str:
        """Draw a 16-digit manufacturing number no card has had."""
        while True:
            number = f"{secrets.randbelow(10**16):016d}"
            if not self._session.scalar(select(Card.id).where(Card.manufacturing_number == number)):
                return number
