"""The holder's card app (マイナンバーカードのアプリ): what a phone or a card reader does with it.

Pure over a :class:`~mynumber.cards.virtual.VirtualCard`: no database, no web, no clock. The
portal and the command line (``mynumber card``) call it; the registry never does, since only the
holder has the card and knows its PINs.

- :func:`answer_challenge` is the card's half of an identity confirmation (番号確認 + 身元確認,
  SPEC.md 4): the registry's one-time challenge signed with the authentication key (its PIN), and
  the number read from the card-face text (its PIN). :meth:`CardAnswer.to_json` is exactly the
  body of ``POST /api/identity/card-confirmations``.
- :func:`sign_document` signs with the signature key (its PIN), as for an e-Tax return.
- :func:`describe` and :func:`pin_report` read what a chip gives any reader: no PIN is asked
  and no personal data comes out.

Every PIN entry goes to the card, which counts wrong ones in its file exactly as the chip would.
"""

import base64
from dataclasses import asdict, dataclass

from cryptography.hazmat.primitives import serialization

from mynumber.cards.exceptions import CardError
from mynumber.cards.pins import RETRY_LIMITS, PinKind
from mynumber.cards.virtual import VirtualCard


@dataclass(frozen=True)
class CardAnswer:
    """The card's answer to a challenge: what the body posts to the registry."""

    #: The registry's challenge, as it was issued.
    challenge: str
    #: The user-authentication certificate, PEM.
    certificate: str
    #: The signature over the challenge's ASCII bytes, base64.
    signature: str
    #: The Individual Number from the card-face text.
    number: str

    def to_json(self) -> dict[str, str]:
        """Return the body of ``POST /api/identity/card-confirmations``.

        >>> CardAnswer("c0ffee", "-----BEGIN CERTIFICATE-----...", "c2ln", "123456789018").to_json()
        {'challenge': 'c0ffee', 'certificate': '-----BEGIN CERTIFICATE-----...',
         'signature': 'c2ln', 'number': '123456789018'}
        """
        return asdict(self)


def answer_challenge(
    card: VirtualCard, challenge: str, *, authentication_pin: str, card_face_pin: str
) -> CardAnswer:
    """Sign ``challenge`` with the authentication key and read the number from the card face.

    The challenge is checked before any PIN is entered, so a mistyped challenge costs no try.
    """
    data = _challenge_bytes(challenge)
    signature = card.sign(PinKind.AUTHENTICATION, authentication_pin, data)
    number = card.read_card_face(card_face_pin).number
    certificate = card.authentication_certificate.public_bytes(serialization.Encoding.PEM)
    return CardAnswer(
        challenge=data.decode("ascii"),
        certificate=certificate.decode("ascii"),
        signature=base64.b64encode(signature).decode("ascii"),
        number=number,
    )


@dataclass(frozen=True)
class LoginAnswer:
    """The card's answer to the portal's login challenge: no number, the signature, the counters.

    ``pins`` is :func:`pin_report` as the card gave it after signing, so the portal can show
    the holder how many tries each PIN has left; it names no person.
    """

    challenge: str
    certificate: str
    signature: str
    pins: dict[str, dict[str, int | bool]]

    def to_json(self) -> dict[str, object]:
        """Return what the resident gives the portal's login page."""
        return asdict(self)


def answer_login(card: VirtualCard, challenge: str, *, authentication_pin: str) -> LoginAnswer:
    """Sign the portal's login ``challenge`` with the authentication key, after its PIN.

    Only the authentication PIN is asked: logging in never reads the number off the card.
    """
    data = _challenge_bytes(challenge)
    signature = card.sign(PinKind.AUTHENTICATION, authentication_pin, data)
    certificate = card.authentication_certificate.public_bytes(serialization.Encoding.PEM)
    return LoginAnswer(
        challenge=data.decode("ascii"),
        certificate=certificate.decode("ascii"),
        signature=base64.b64encode(signature).decode("ascii"),
        pins=pin_report(card),
    )


def _challenge_bytes(challenge: str) -> bytes:
    """Return a challenge's ASCII bytes, refusing one mistyped before any PIN is entered."""
    try:
        data = challenge.strip().encode("ascii")
    except UnicodeEncodeError as exc:
        msg = "the challenge is hexadecimal text: copy it exactly as it was given"
        raise CardError(msg) from exc
    if not data:
        msg = "the challenge is empty: pass it exactly as it was given"
        raise CardError(msg)
    return data


def sign_document(card: VirtualCard, data: bytes, *, signature_pin: str) -> bytes:
    """Sign ``data`` with the signature key (RSA PKCS#1 v1.5, SHA-256) after the signature PIN."""
    return card.sign(PinKind.SIGNATURE, signature_pin, data)


def describe(card: VirtualCard) -> dict[str, str | bool]:
    """Return what any reader learns without a PIN: no number, no name, no PIN."""
    certificate = card.authentication_certificate
    return {
        "manufacturing_number": card.manufacturing_number,
        "authentication_certificate_serial": f"{certificate.serial_number:x}",
        "authentication_certificate_expires_at": certificate.not_valid_after_utc.isoformat(),
        "has_signature_certificate": card.has_signature_certificate,
    }


def pin_report(card: VirtualCard) -> dict[str, dict[str, int | bool]]:
    """Return each PIN's tries left, its limit and whether it is locked, in the card's order."""
    counters = card.pin_status()
    return {
        kind.value: {
            "remaining": counters[kind].remaining,
            "limit": RETRY_LIMITS[kind],
            "locked": counters[kind].locked,
        }
        for kind in PinKind
        if kind in counters
    }
