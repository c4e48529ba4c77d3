"""The holder's card app: answering a challenge, signing, and what it shows without a PIN.

As in test_virtual_card.py, keys are made once per module with throw-away self-signed
certificates that carry no personal data; each test issues its own card file under ``tmp_path``.
"""

import base64
import secrets
from datetime import date
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from tests.unit.cards.conftest import Material

from mynumber.cards import app
from mynumber.cards.exceptions import CardError, PinLocked, WrongPin
from mynumber.cards.identity_api import CardAnswer as CardAnswerBody
from mynumber.cards.pins import PinKind
from mynumber.cards.virtual import CardFace, VirtualCard, create_card

PINS = {
    PinKind.SIGNATURE: "KAGI2024",
    PinKind.AUTHENTICATION: "4821",
    PinKind.RESIDENT_REGISTER: "5930",
    PinKind.CARD_FACE: "6047",
}
FACE = CardFace(
    number="123456789018",
    name="番号 花子",
    address="東京都千代田区永田町一丁目七番一号",
    date_of_birth=date(1990, 4, 1),
    sex="female",
)
MANUFACTURING_NUMBER = "9876543210987654"
CHALLENGE = secrets.token_hex(32)


def _issue(path: Path, material: Material, *, signature: bool = True) -> VirtualCard:
    """Issue a card at ``path``, with the signature key and PIN or (under 15) without."""
    return create_card(
        path,
        manufacturing_number=MANUFACTURING_NUMBER,
        authentication_key=material.authentication_key,
        authentication_certificate=material.authentication_certificate,
        signature_key=material.signature_key if signature else None,
        signature_certificate=material.signature_certificate if signature else None,
        card_face=FACE,
        pins={kind: pin for kind, pin in PINS.items() if signature or kind != PinKind.SIGNATURE},
        administration_key=secrets.token_bytes(32),
    )


@pytest.fixture
def card(tmp_path: Path, material: Material) -> VirtualCard:
    """Issue a card with both certificates and all four PINs."""
    return _issue(tmp_path / "card.json", material)


def _verify(certificate: x509.Certificate, signature: bytes, data: bytes) -> None:
    """Verify a PKCS#1 v1.5 SHA-256 signature over ``data`` with the certificate's key."""
    public_key = certificate.public_key()
    assert isinstance(public_key, RSAPublicKey)
    public_key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())


def _left(card: VirtualCard) -> dict[str, int]:
    """Return each PIN's tries left as the card file has them."""
    return {kind: int(counter["remaining"]) for kind, counter in app.pin_report(card).items()}


def _answer(card: VirtualCard, *, authentication: str, card_face: str) -> app.CardAnswer:
    """Answer CHALLENGE with the given PINs."""
    return app.answer_challenge(
        card, CHALLENGE, authentication_pin=authentication, card_face_pin=card_face
    )


def test_the_answer_signs_the_challenge_with_the_authentication_certificate_key(
    card: VirtualCard, material: Material
) -> None:
    """The signature verifies over the challenge's ASCII bytes with the answer's certificate."""
    answer = _answer(
        card, authentication=PINS[PinKind.AUTHENTICATION], card_face=PINS[PinKind.CARD_FACE]
    )
    certificate = x509.load_pem_x509_certificate(answer.certificate.encode("ascii"))
    assert certificate == material.authentication_certificate
    _verify(certificate, base64.b64decode(answer.signature), CHALLENGE.encode("ascii"))
    with pytest.raises(InvalidSignature):
        _verify(certificate, base64.b64decode(answer.signature), b"another challenge")
    assert answer.challenge == CHALLENGE
    assert answer.number == FACE.number


def test_the_answer_is_exactly_the_card_confirmation_body(card: VirtualCard) -> None:
    """``to_json`` has the four keys the API takes, no more (the API refuses unknown fields)."""
    answer = _answer(
        card, authentication=PINS[PinKind.AUTHENTICATION], card_face=PINS[PinKind.CARD_FACE]
    )
    body = answer.to_json()
    assert set(body) == {"challenge", "certificate", "signature", "number"}
    parsed = CardAnswerBody.model_validate(body)
    assert parsed.certificate.startswith("-----BEGIN CERTIFICATE-----")
    assert parsed.number == FACE.number


def test_a_wrong_authentication_pin_counts_and_reads_no_number(card: VirtualCard) -> None:
    """The card counts the wrong authentication PIN; the card-face PIN is never tried."""
    with pytest.raises(WrongPin, match="2 tries left"):
        _answer(card, authentication="0000", card_face=PINS[PinKind.CARD_FACE])
    assert _left(card) == {
        "signature": 5,
        "authentication": 2,
        "resident-register": 3,
        "card-face": 3,
    }


def test_a_wrong_card_face_pin_counts_after_the_signature(card: VirtualCard) -> None:
    """A right authentication PIN keeps its tries; the wrong card-face PIN loses one."""
    with pytest.raises(WrongPin):
        _answer(card, authentication="0000", card_face=PINS[PinKind.CARD_FACE])
    with pytest.raises(WrongPin, match="wrong card-face PIN: 2 tries left"):
        _answer(card, authentication=PINS[PinKind.AUTHENTICATION], card_face="0000")
    assert _left(card)["authentication"] == 3
    assert _left(card)["card-face"] == 2


def test_three_wrong_answers_lock_the_authentication_pin(card: VirtualCard) -> None:
    """The third wrong authentication PIN locks it; the right PIN is then refused too."""
    for _ in range(2):
        with pytest.raises(WrongPin):
            _answer(card, authentication="0000", card_face=PINS[PinKind.CARD_FACE])
    with pytest.raises(PinLocked):
        _answer(card, authentication="0000", card_face=PINS[PinKind.CARD_FACE])
    with pytest.raises(PinLocked):
        _answer(
            card, authentication=PINS[PinKind.AUTHENTICATION], card_face=PINS[PinKind.CARD_FACE]
        )
    assert app.pin_report(card)["authentication"] == {"remaining": 0, "limit": 3, "locked": True}


@pytest.mark.parametrize("challenge", ["チャレンジ", "   "])
def test_a_challenge_that_is_not_ascii_text_costs_no_try(card: VirtualCard, challenge: str) -> None:
    """A mistyped or empty challenge is refused before any PIN is entered."""
    with pytest.raises(CardError, match="challenge"):
        app.answer_challenge(card, challenge, authentication_pin="0000", card_face_pin="0000")
    assert _left(card) == {
        "signature": 5,
        "authentication": 3,
        "resident-register": 3,
        "card-face": 3,
    }


def test_sign_document_uses_the_signature_key_and_counts_wrong_pins(
    card: VirtualCard, material: Material
) -> None:
    """A document signed with the signature PIN verifies with the signature certificate."""
    document = "確定申告書 2025".encode()
    signature = app.sign_document(card, document, signature_pin=PINS[PinKind.SIGNATURE])
    _verify(material.signature_certificate, signature, document)
    with pytest.raises(WrongPin, match="4 tries left"):
        app.sign_document(card, document, signature_pin="WRONG999")
    assert _left(card)["signature"] == 4


def test_a_card_under_15_signs_no_document(tmp_path: Path, material: Material) -> None:
    """A holder under 15 has no signature key: signing is refused and no PIN is listed for it."""
    minor = _issue(tmp_path / "minor.json", material, signature=False)
    with pytest.raises(CardError, match="no signature PIN"):
        app.sign_document(minor, b"document", signature_pin=PINS[PinKind.SIGNATURE])
    assert set(app.pin_report(minor)) == {"authentication", "resident-register", "card-face"}
    assert app.describe(minor)["has_signature_certificate"] is False


def test_describe_shows_the_public_parts_only(card: VirtualCard, material: Material) -> None:
    """The manufacturing number and authentication certificate; no number, name or PIN."""
    described = app.describe(card)
    certificate = material.authentication_certificate
    assert described == {
        "manufacturing_number": MANUFACTURING_NUMBER,
        "authentication_certificate_serial": f"{certificate.serial_number:x}",
        "authentication_certificate_expires_at": certificate.not_valid_after_utc.isoformat(),
        "has_signature_certificate": True,
    }
    shown = str(described)
    for secret in (FACE.number, FACE.name, FACE.address, *PINS.values()):
        assert secret not in shown


def test_pin_report_gives_limits_in_the_cards_order(card: VirtualCard) -> None:
    """Each PIN is listed with its tries left, its limit and whether it is locked."""
    assert app.pin_report(card) == {
        "signature": {"remaining": 5, "limit": 5, "locked": False},
        "authentication": {"remaining": 3, "limit": 3, "locked": False},
        "resident-register": {"remaining": 3, "limit": 3, "locked": False},
        "card-face": {"remaining": 3, "limit": 3, "locked": False},
    }
    assert list(app.pin_report(card)) == [kind.value for kind in PinKind]
