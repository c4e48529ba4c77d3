"""What a card receives at handover: key pairs, JPKI certificates, its card face and PIN check.

Certificates are valid to the holder's 5th birthday after issue, never past the card
(:func:`mynumber.cards.validity.certificate_expiry`). The signature certificate carries the four
attributes; the authentication certificate none. Each certificate's serial is random (159 bits).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import TYPE_CHECKING, Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from mynumber.cards import jpki, validity
from mynumber.cards.exceptions import CardError, InvalidPin
from mynumber.cards.models import Card, Certificate, CertificateStatus
from mynumber.cards.pins import PinKind, check_new_pin
from mynumber.cards.virtual import CardFace
from mynumber.register.services import active_number

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

    from mynumber.cards.authorities import Authorities, Endpoints
    from mynumber.keys import NodeKeys
    from mynumber.register.models import Resident

#: ISO 5218 codes of sex, as the signature certificate carries them.
_SEX_CODES: Final = {"male": "1", "female": "2"}
_ADMINISTRATION: Final = b"mynumber card administration v1\x00"


@dataclass(frozen=True)
class IssuedCertificates:
    """The key pairs and certificates made for one card."""

    authentication_key: RSAPrivateKey
    authentication_certificate: x509.Certificate
    signature_key: RSAPrivateKey | None
    signature_certificate: x509.Certificate | None


class CertificateIssuer:
    """Issues a card's certificates from the registry's authorities and records them."""

    def __init__(
        self, authorities: Authorities, endpoints: Endpoints, clock: Callable[[], datetime]
    ) -> None:
        """Issue from ``authorities``, pointing relying parties at ``endpoints``."""
        self._authorities = authorities
        self._endpoints = endpoints
        self._clock = clock

    def issue(self, card: Card, resident: Resident, *, signature: bool) -> IssuedCertificates:
        """Make the authentication certificate and, if ``signature``, the signature one."""
        now = self._clock()
        expires_on = validity.certificate_expiry(
            resident.date_of_birth, card.issued_on, card.expires_on
        )
        not_after = datetime.combine(expires_on, time(23, 59, 59), tzinfo=UTC)
        authentication_key = jpki.new_key()
        kind = jpki.AuthorityKind.AUTHENTICATION
        authentication = jpki.issue_authentication_certificate(
            self._authorities.load(kind).authority,
            authentication_key.public_key(),
            serial=x509.random_serial_number(),
            not_before=now,
            not_after=not_after,
            ocsp_url=self._endpoints.ocsp_url,
            crl_url=self._endpoints.crl_for(kind),
        )
        self._record(card, kind, authentication)
        if not signature:
            return IssuedCertificates(authentication_key, authentication, None, None)
        signature_key = jpki.new_key()
        kind = jpki.AuthorityKind.SIGNATURE
        signed = jpki.issue_signature_certificate(
            self._authorities.load(kind).authority,
            signature_key.public_key(),
            four_attributes(resident),
            serial=x509.random_serial_number(),
            not_before=now,
            not_after=not_after,
            ocsp_url=self._endpoints.ocsp_url,
            crl_url=self._endpoints.crl_for(kind),
        )
        self._record(card, kind, signed)
        return IssuedCertificates(authentication_key, authentication, signature_key, signed)

    def _record(self, card: Card, kind: jpki.AuthorityKind, certificate: x509.Certificate) -> None:
        """Keep the certificate on the card's record, status good."""
        card.certificates.append(
            Certificate(
                kind=kind.value,
                serial=f"{certificate.serial_number:x}",
                not_before=certificate.not_valid_before_utc,
                not_after=certificate.not_valid_after_utc,
                pem=certificate.public_bytes(serialization.Encoding.PEM).decode(),
                status=CertificateStatus.GOOD.value,
            )
        )


def four_attributes(resident: Resident) -> jpki.FourAttributes:
    """Return the four attributes (基本4情報) the signature certificate carries."""
    return jpki.FourAttributes(
        name=f"{resident.family_name}\u3000{resident.given_name}",
        sex=_SEX_CODES.get(resident.sex, "9"),
        date_of_birth=resident.date_of_birth,
        address=resident.address,
        alternative_name=resident.latin_name,
    )


def card_face(resident: Resident) -> CardFace:
    """Return the card-face text (券面事項): the number and the four attributes."""
    return CardFace(
        number=active_number(resident).number,
        name=f"{resident.family_name}\u3000{resident.given_name}",
        address=resident.address,
        date_of_birth=resident.date_of_birth,
        sex=resident.sex,
    )


def check_pins(pins: Mapping[PinKind, str], *, signature: bool) -> None:
    """Refuse a missing or malformed PIN before anything is made; a minor sets no signature PIN."""
    wanted = [kind for kind in PinKind if signature or kind is not PinKind.SIGNATURE]
    for kind in wanted:
        if kind not in pins:
            msg = f"set the {kind.value} PIN: every PIN is set at handover"
            raise InvalidPin(msg)
        check_new_pin(kind, pins[kind])
    if not signature and PinKind.SIGNATURE in pins:
        msg = "a holder under 15 gets no signature certificate, so no signature PIN is set"
        raise InvalidPin(msg)


def administration_key(keys: NodeKeys, manufacturing_number: str) -> bytes:
    """Return the card's administration key: what the counter resets PINs with.

    Derived (HKDF-SHA256) from the number authority's key and the manufacturing number, so the
    registry can reset any card it made without keeping one key per card.
    """
    if keys.number_authority is None:
        msg = f"node {keys.node_id!r} holds no number-authority key"
        raise CardError(msg)
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=_ADMINISTRATION + manufacturing_number.encode("ascii"),
    ).derive(keys.number_authority)
