"""Identity confirmation for bodies (番号確認 + 身元確認, 番号法 第16条; SPEC.md 4).

A body that collects a person's number must check both the number and the person. With the card:
the body asks the registry for a one-time challenge, the card signs it with its authentication
key after the PIN and hands over the number from its card-face text after that PIN, and the
registry checks the signature, the certificate's chain, its revocation status, the card, and that
the number is the current number of the certificate's holder. In person: the body's staff member
records which documents were checked -- the card alone, or a document proving the number plus one
photo ID or two other IDs; never the notice of the number. Either way the registry answers with a
receipt signed with its Ed25519 receipt key (person, body, staff member, task, time), which the
body redeems once, before it expires, when it records that it holds the number.
"""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from cryptography import x509
from sqlalchemy import select

from mynumber.cards import jpki
from mynumber.cards.documents import check_documents
from mynumber.cards.exceptions import CardError, CertificateError
from mynumber.cards.models import (
    Card,
    CardState,
    Certificate,
    CertificateStatus,
    IdentityChallenge,
    IdentityReceipt,
)
from mynumber.numbers import individual
from mynumber.register.models import IndividualNumberRecord, NumberState, Resident

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from sqlalchemy.orm import Session

    from mynumber.cards.authorities import Authorities

#: How long a challenge may wait for the card's signature.
CHALLENGE_LIFETIME: Final = timedelta(minutes=5)
#: How long a receipt may wait to be redeemed by the body.
RECEIPT_LIFETIME: Final = timedelta(minutes=30)
#: Who asks for a resident's login challenge, and for what: the portal, never a body.
PORTAL: Final = "portal"
PORTAL_LOGIN: Final = "portal-login"


class IdentityRefused(CardError):
    """An identity confirmation failed; the reason says which check."""

    code = "identity-refused"


class IdentityService:
    """Identity confirmations of one registry node, over the caller's session."""

    def __init__(
        self,
        session: Session,
        authorities: Authorities,
        receipt_key: Ed25519PrivateKey,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        """Check against ``authorities``; sign receipts with ``receipt_key``."""
        self._session = session
        self._authorities = authorities
        self._receipt_key = receipt_key
        self._clock = clock

    def challenge(self, *, body: str, staff: str, task: str) -> IdentityChallenge:
        """Issue a one-time challenge for a body's staff member and task."""
        if task.strip() == PORTAL_LOGIN:
            msg = "a body cannot ask for a resident's login challenge: name the body's own task"
            raise IdentityRefused(msg)
        return self._issue(body=body, staff=staff, task=task)

    def _issue(self, *, body: str, staff: str, task: str) -> IdentityChallenge:
        """Issue and keep a one-time challenge."""
        now = self._clock()
        challenge = IdentityChallenge(
            challenge=secrets.token_hex(32),
            body=_filled(body, "body"),
            staff=_filled(staff, "staff member"),
            task=_filled(task, "task"),
            issued_at=now,
            expires_at=now + CHALLENGE_LIFETIME,
        )
        self._session.add(challenge)
        self._session.flush()
        return challenge

    def login_challenge(self) -> IdentityChallenge:
        """Issue a one-time challenge for a resident logging in to the portal."""
        return self._issue(body=PORTAL, staff=PORTAL, task=PORTAL_LOGIN)

    def log_in(
        self, challenge: str, certificate_pem: str, signature: bytes
    ) -> tuple[Resident, x509.Certificate]:
        """Check a card's signature over a login challenge; return its holder and certificate.

        Only the authentication certificate's signature is asked for: the number is never a
        login credential. A challenge issued to a body does not log anyone in, and a login
        challenge confirms no one's identity to a body.
        """
        asked = self._open_challenge(challenge, login=True)
        certificate, card = self._signed(asked, certificate_pem, signature)
        resident = self._session.get(Resident, card.resident_id)
        if resident is None:
            msg = "the card's holder is not on this register"
            raise IdentityRefused(msg)
        asked.used_at = self._clock()
        return resident, certificate

    def confirm_with_card(
        self, challenge: str, certificate_pem: str, signature: bytes, number: str
    ) -> dict[str, Any]:
        """Check a card's answer to a challenge; return the signed receipt."""
        asked = self._open_challenge(challenge, login=False)
        certificate, card = self._signed(asked, certificate_pem, signature)
        resident = self._session.get(Resident, card.resident_id)
        if resident is None or self._holder_of(number) != resident.id:
            msg = "the number given is not the current number of the certificate's holder"
            raise IdentityRefused(msg)
        asked.used_at = self._clock()
        serial = f"{certificate.serial_number:x}"
        return self._receipt(resident, asked, method="card", documents=[], serial=serial)

    def confirm_with_documents(
        self, number: str, documents: Sequence[str], *, body: str, staff: str, task: str
    ) -> dict[str, Any]:
        """Record an in-person check of documents; return a receipt marked document-based."""
        checked = check_documents(documents)
        resident_id = self._holder_of(number)
        resident = None if resident_id is None else self._session.get(Resident, resident_id)
        if resident is None:
            msg = "the number given is not the current number of anyone on this register"
            raise IdentityRefused(msg)
        now = self._clock()
        asked = IdentityChallenge(
            challenge=secrets.token_hex(32),
            body=_filled(body, "body"),
            staff=_filled(staff, "staff member"),
            task=_filled(task, "task"),
            issued_at=now,
            expires_at=now,
            used_at=now,
        )
        return self._receipt(resident, asked, method="documents", documents=checked, serial=None)

    def redeem(self, receipt_id: str, *, body: str, number: str) -> IdentityReceipt:
        """Use a receipt once, for the body it was issued to and the number it confirmed."""
        receipt = self._session.scalar(
            select(IdentityReceipt).where(IdentityReceipt.receipt_id == receipt_id)
        )
        if receipt is None:
            msg = f"there is no identity receipt {receipt_id}"
            raise IdentityRefused(msg)
        if receipt.redeemed_at is not None:
            msg = f"receipt {receipt_id} was used on {receipt.redeemed_at:%Y-%m-%d %H:%M} UTC"
            raise IdentityRefused(msg)
        if receipt.expires_at < self._clock():
            msg = f"receipt {receipt_id} expired; confirm the person's identity again"
            raise IdentityRefused(msg)
        if receipt.body != body or self._holder_of(number) != receipt.resident_id:
            msg = f"receipt {receipt_id} was not issued to this body for this number"
            raise IdentityRefused(msg)
        receipt.redeemed_at = self._clock()
        return receipt

    def _signed(
        self, asked: IdentityChallenge, certificate_pem: str, signature: bytes
    ) -> tuple[x509.Certificate, Card]:
        """Return the certificate and live card whose key signed the challenge ``asked``."""
        certificate = self._authentication_certificate(certificate_pem)
        try:
            jpki.verify_signature(certificate, signature, asked.challenge.encode("ascii"))
        except CertificateError as exc:
            msg = "the card's signature does not match the challenge and its certificate"
            raise IdentityRefused(msg) from exc
        return certificate, self._live_card(certificate)

    def _open_challenge(self, challenge: str, *, login: bool) -> IdentityChallenge:
        """Return the challenge if it exists, is unused, unexpired, and of the right purpose."""
        asked = self._session.scalar(
            select(IdentityChallenge).where(IdentityChallenge.challenge == challenge)
        )
        if asked is not None and (asked.task == PORTAL_LOGIN) != login:
            asked = None
        if asked is None:
            msg = "the challenge was not issued by this registry: ask for a new one"
            raise IdentityRefused(msg)
        if asked.used_at is not None:
            msg = "the challenge was already used: ask for a new one for each confirmation"
            raise IdentityRefused(msg)
        if asked.expires_at < self._clock():
            msg = "the challenge expired: ask for a new one and sign it at once"
            raise IdentityRefused(msg)
        return asked

    def _authentication_certificate(self, pem: str) -> x509.Certificate:
        """Parse the card's certificate and check it against the authentication CA."""
        try:
            certificate = x509.load_pem_x509_certificate(pem.encode("ascii"))
        except (ValueError, UnicodeEncodeError) as exc:
            msg = "the card's certificate is not a PEM certificate"
            raise IdentityRefused(msg) from exc
        authority = self._authorities.load(jpki.AuthorityKind.AUTHENTICATION).authority
        try:
            jpki.verify_issued_by(certificate, authority.certificate, at=self._clock())
        except CertificateError as exc:
            msg = f"the card's certificate does not verify: {exc}"
            raise IdentityRefused(msg) from exc
        return certificate

    def _live_card(self, certificate: x509.Certificate) -> Card:
        """Return the card of a good certificate on a card in use."""
        row = self._session.scalar(
            select(Certificate).where(
                Certificate.kind == jpki.AuthorityKind.AUTHENTICATION.value,
                Certificate.serial == f"{certificate.serial_number:x}",
            )
        )
        if row is None:
            msg = "the card's certificate is not one this registry issued"
            raise IdentityRefused(msg)
        if row.status != CertificateStatus.GOOD.value:
            msg = f"the card's certificate is {row.status} ({row.revocation_reason})"
            raise IdentityRefused(msg)
        card = row.card
        if card.state != CardState.ACTIVE.value:
            msg = f"the card is {card.state}"
            raise IdentityRefused(msg)
        if card.expires_on < self._clock().date():
            msg = f"the card expired on {card.expires_on}"
            raise IdentityRefused(msg)
        return card

    def _holder_of(self, number: str) -> int | None:
        """Return the resident whose current number is ``number``, if any."""
        return self._session.scalar(
            select(IndividualNumberRecord.resident_id).where(
                IndividualNumberRecord.number_index == individual.validate(number),
                IndividualNumberRecord.state == NumberState.ACTIVE.value,
            )
        )

    def _receipt(
        self,
        resident: Resident,
        asked: IdentityChallenge,
        *,
        method: str,
        documents: list[str],
        serial: str | None,
    ) -> dict[str, Any]:
        """Record and sign a receipt for the person, body, staff member and task."""
        now = self._clock()
        content = {
            "receipt_id": str(uuid.uuid4()),
            "method": method,
            "documents": documents,
            "person": {
                "name": f"{resident.family_name}\u3000{resident.given_name}",
                "date_of_birth": resident.date_of_birth.isoformat(),
            },
            "body": asked.body,
            "staff": asked.staff,
            "task": asked.task,
            "issued_at": now.isoformat(),
            "expires_at": (now + RECEIPT_LIFETIME).isoformat(),
        }
        signed = {
            "receipt": content,
            "signature": base64.b64encode(self._receipt_key.sign(canonical(content))).decode(),
        }
        self._session.add(
            IdentityReceipt(
                receipt_id=content["receipt_id"],
                resident_id=resident.id,
                method=method,
                documents=documents,
                certificate_serial=serial,
                body=asked.body,
                staff=asked.staff,
                task=asked.task,
                issued_at=now,
                expires_at=now + RECEIPT_LIFETIME,
                signed=signed,
            )
        )
        self._session.flush()
        return signed


def canonical(content: dict[str, Any]) -> bytes:
    """Return the bytes a receipt's signature covers: its JSON, keys sorted, no spaces."""
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _filled(value: str, what: str) -> str:
    """Refuse an empty name of the body, staff member or task."""
    if not value.strip():
        msg = f"name the {what}: every identity confirmation records who asked and why"
        raise IdentityRefused(msg)
    return value.strip()
