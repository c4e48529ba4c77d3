"""The registry node's card tables: applications, cards, certificates, authorities, receipts.

A card (個人番号カード) is applied for (with the notice's application ID online, or at the
counter), manufactured (a 16-digit manufacturing number, a 4-digit security code), handed over in
person, and ends when it is returned, reissued after a loss, renewed or its holder leaves the
register. Each card carries up to two JPKI certificates, whose status the CRL and OCSP answer from
here. Identity confirmations (番号確認・身元確認) for bodies leave a challenge and a receipt.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mynumber.register.models import REGISTRY
from mynumber.storage import EncryptedString
from mynumber.storage.models import Base


class ApplicationChannel(StrEnum):
    """How a card was applied for."""

    ONLINE = "online"
    COUNTER = "counter"


class ApplicationReason(StrEnum):
    """Why a card is made."""

    FIRST = "first"
    RENEWAL = "renewal"
    #: After a loss: a new card with a new manufacturing number.
    REISSUE = "reissue"


class CardState(StrEnum):
    """Where a card stands."""

    #: Made and waiting at the municipal office for its holder.
    MANUFACTURED = "manufactured"
    #: Handed over in person; PINs set; certificates live.
    ACTIVE = "active"
    #: Reported lost: both certificates suspended until the holder comes in person.
    ON_HOLD = "on-hold"
    #: No longer in use: returned, replaced, expired or its holder left the register.
    ENDED = "ended"


class CertificateStatus(StrEnum):
    """The revocation status of a certificate, as the CRL and OCSP give it."""

    GOOD = "good"
    #: Suspended (certificateHold) while the card is reported lost.
    ON_HOLD = "on-hold"
    REVOKED = "revoked"


class CardApplication(Base):
    """An application for a card (交付申請), with the holder's photo."""

    __tablename__ = "card_applications"
    __table_args__ = ({"info": REGISTRY},)

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    #: The notice's application ID (申請書ID), for an online application; each is used once.
    application_id: Mapped[str | None] = mapped_column(String(23), unique=True)
    channel: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(String(10))
    photo: Mapped[bytes] = mapped_column(LargeBinary)
    photo_type: Mapped[str] = mapped_column(String(20))
    applied_at: Mapped[datetime]
    recorded_by: Mapped[str] = mapped_column(String(100))


class Card(Base):
    """A card as made and handed over; its certificates hang off it."""

    __tablename__ = "cards"
    __table_args__ = ({"info": REGISTRY},)

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("card_applications.id"), unique=True)
    #: 製造番号: 16 digits, new at every card.
    manufacturing_number: Mapped[str] = mapped_column(String(16), unique=True)
    #: セキュリティコード: 4 digits printed on the front; encrypted at rest.
    security_code: Mapped[str] = mapped_column(EncryptedString())
    manufactured_at: Mapped[datetime]
    issued_on: Mapped[date]
    expires_on: Mapped[date]
    state: Mapped[str] = mapped_column(String(12))
    handed_over_at: Mapped[datetime | None]
    handed_over_by: Mapped[str | None] = mapped_column(String(100))
    #: How the clerk checked the holder's identity at handover (the documents seen).
    identity_check: Mapped[str | None] = mapped_column(String(300))
    ended_at: Mapped[datetime | None]
    ended_reason: Mapped[str | None] = mapped_column(String(30))

    certificates: Mapped[list[Certificate]] = relationship(
        back_populates="card", order_by="Certificate.id"
    )


class Certificate(Base):
    """A JPKI certificate on a card: its serial, validity, PEM and revocation status."""

    __tablename__ = "certificates"
    __table_args__ = (
        UniqueConstraint("kind", "serial", name="uq_certificates_kind_serial"),
        {"info": REGISTRY},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"), index=True)
    #: ``signature`` or ``authentication``: which CA issued it.
    kind: Mapped[str] = mapped_column(String(16))
    #: The serial number in hexadecimal (up to 159 bits).
    serial: Mapped[str] = mapped_column(String(40))
    not_before: Mapped[datetime]
    not_after: Mapped[datetime]
    pem: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10))
    revoked_at: Mapped[datetime | None]
    #: An RFC 5280 reason name (``keyCompromise``, ``certificateHold``...).
    revocation_reason: Mapped[str | None] = mapped_column(String(30))

    card: Mapped[Card] = relationship(back_populates="certificates")


class Authority(Base):
    """A JPKI certificate authority's public side: its certificate, responder and latest CRL."""

    __tablename__ = "jpki_authorities"
    __table_args__ = ({"info": REGISTRY},)

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    certificate_pem: Mapped[str] = mapped_column(Text)
    responder_pem: Mapped[str] = mapped_column(Text)
    crl_number: Mapped[int]
    crl: Mapped[bytes] = mapped_column(LargeBinary)
    crl_updated_at: Mapped[datetime]


class RelyingParty(Base):
    """A body registered to ask the revocation status of certificates (CRL, OCSP)."""

    __tablename__ = "relying_parties"
    __table_args__ = ({"info": REGISTRY},)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    #: SHA-256 of the access token, in hexadecimal: the token itself is shown once, never kept.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    registered_at: Mapped[datetime]
    registered_by: Mapped[str] = mapped_column(String(100))


class IdentityChallenge(Base):
    """A one-time challenge a body asked for, for a card to sign."""

    __tablename__ = "identity_challenges"
    __table_args__ = ({"info": REGISTRY},)

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge: Mapped[str] = mapped_column(String(64), unique=True)
    body: Mapped[str] = mapped_column(String(200))
    staff: Mapped[str] = mapped_column(String(100))
    task: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class IdentityReceipt(Base):
    """A receipt that a body checked a person's number and identity (by card or by documents)."""

    __tablename__ = "identity_receipts"
    __table_args__ = ({"info": REGISTRY},)

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_id: Mapped[str] = mapped_column(String(36), unique=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    #: ``card`` or ``documents``.
    method: Mapped[str] = mapped_column(String(10))
    documents: Mapped[list[str]] = mapped_column(JSON, default=list)
    certificate_serial: Mapped[str | None] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(String(200))
    staff: Mapped[str] = mapped_column(String(100))
    task: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    redeemed_at: Mapped[datetime | None]
    signed: Mapped[dict[str, Any]] = mapped_column(JSON)
