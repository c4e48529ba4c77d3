"""The virtual Individual Number Card: PINs and their counters, signing, resets, the file on disk.

Keys are made once per module (RSA generation is slow) with throw-away self-signed certificates
that carry no personal data; each test issues its own card file under ``tmp_path``.
"""

import base64
import hashlib
import json
import re
import secrets
import stat
from datetime import date
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from tests.unit.cards.conftest import Material

from mynumber.cards import virtual
from mynumber.cards.exceptions import CardError, CardFileError, InvalidPin, PinLocked, WrongPin
from mynumber.cards.pins import RETRY_LIMITS, PinKind
from mynumber.cards.virtual import CardFace, VirtualCard, create_card

PINS = {
    PinKind.SIGNATURE: "KAGI2024",
    PinKind.AUTHENTICATION: "4821",
    PinKind.RESIDENT_REGISTER: "5930",
    PinKind.CARD_FACE: "6047",
}
#: A right-format PIN that is none of the card's PINs, for each kind.
WRONG = {
    PinKind.SIGNATURE: "WRONG999",
    PinKind.AUTHENTICATION: "0000",
    PinKind.RESIDENT_REGISTER: "0000",
    PinKind.CARD_FACE: "0000",
}
FACE = CardFace(
    number="123456789018",
    name="番号 花子",
    address="東京都千代田区永田町一丁目七番一号",
    date_of_birth=date(1990, 4, 1),
    sex="女",
)
MANUFACTURING_NUMBER = "9876543210987654"
DATA = b"challenge from a relying party"


@pytest.fixture
def administration_key() -> bytes:
    """Return a fresh administration key, as the registry keeps one per card."""
    return secrets.token_bytes(32)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    """Return where the test's card file goes."""
    return tmp_path / "card.json"


@pytest.fixture
def card(path: Path, material: Material, administration_key: bytes) -> VirtualCard:
    """Issue a card with both certificates and all four PINs."""
    return create_card(
        path,
        manufacturing_number=MANUFACTURING_NUMBER,
        authentication_key=material.authentication_key,
        authentication_certificate=material.authentication_certificate,
        signature_key=material.signature_key,
        signature_certificate=material.signature_certificate,
        card_face=FACE,
        pins=PINS,
        administration_key=administration_key,
    )


@pytest.fixture
def minor_card(path: Path, material: Material, administration_key: bytes) -> VirtualCard:
    """Issue a card for a holder under 15: no signature key, no signature PIN."""
    return create_card(
        path,
        manufacturing_number=MANUFACTURING_NUMBER,
        authentication_key=material.authentication_key,
        authentication_certificate=material.authentication_certificate,
        signature_key=None,
        signature_certificate=None,
        card_face=FACE,
        pins={kind: pin for kind, pin in PINS.items() if kind is not PinKind.SIGNATURE},
        administration_key=administration_key,
    )


def _verify(certificate: x509.Certificate, signature: bytes) -> None:
    """Verify a PKCS#1 v1.5 SHA-256 signature over DATA with the certificate's key."""
    public_key = certificate.public_key()
    assert isinstance(public_key, RSAPublicKey)
    public_key.verify(signature, DATA, padding.PKCS1v15(), hashes.SHA256())


def _remaining(path: Path, kind: PinKind) -> int:
    """Return the tries left as a freshly opened card reads them from the file."""
    return VirtualCard.open(path).pin_status()[kind].remaining


def _lock(card: VirtualCard, kind: PinKind) -> None:
    """Enter wrong PINs until ``kind`` locks."""
    for _ in range(RETRY_LIMITS[kind] - 1):
        with pytest.raises(WrongPin):
            card.verify_pin(kind, WRONG[kind])
    with pytest.raises(PinLocked):
        card.verify_pin(kind, WRONG[kind])


def _edit(path: Path, change: dict[str, object], *, fix_digest: bool) -> None:
    """Rewrite top-level fields of the card file, recomputing its digest if asked."""
    body = json.loads(path.read_bytes())
    body.update(change)
    if fix_digest:
        body.pop("sha256")
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
        body["sha256"] = hashlib.sha256(canonical.encode()).hexdigest()
    path.write_text(json.dumps(body))


def _flipped_payload(path: Path) -> dict[str, object]:
    """Return the file's sealed payload with one byte of its ciphertext flipped."""
    payload = json.loads(path.read_bytes())["payload"]
    ciphertext = bytearray(base64.b64decode(payload["ciphertext"]))
    ciphertext[len(ciphertext) // 2] ^= 0x01
    return {"payload": {**payload, "ciphertext": base64.b64encode(ciphertext).decode()}}


@pytest.mark.parametrize(
    ("kind", "certificate"),
    [(PinKind.AUTHENTICATION, "authentication"), (PinKind.SIGNATURE, "signature")],
)
def test_sign_with_right_pin_verifies_with_certificate(
    card: VirtualCard, material: Material, kind: PinKind, certificate: str
) -> None:
    """A signature made with a PIN verifies with the public key of that PIN's certificate."""
    signature = card.sign(kind, PINS[kind], DATA)
    _verify(getattr(material, f"{certificate}_certificate"), signature)


def test_public_parts_read_without_pin(card: VirtualCard, material: Material) -> None:
    """The manufacturing number and the authentication certificate need no PIN."""
    opened = VirtualCard.open(card.path)
    assert opened.manufacturing_number == MANUFACTURING_NUMBER
    assert opened.authentication_certificate == material.authentication_certificate
    assert opened.has_signature_certificate


def test_signature_certificate_needs_signature_pin(card: VirtualCard, material: Material) -> None:
    """The signature certificate comes out for the signature PIN and not for another PIN."""
    assert card.signature_certificate(PINS[PinKind.SIGNATURE]) == material.signature_certificate
    with pytest.raises(WrongPin):
        card.signature_certificate("KAGI2025")


@pytest.mark.parametrize("kind", [PinKind.AUTHENTICATION, PinKind.SIGNATURE])
def test_wrong_pins_lock_after_the_limit(card: VirtualCard, kind: PinKind) -> None:
    """Three wrong authentication PINs lock it, five wrong signature PINs lock that one."""
    for left in range(RETRY_LIMITS[kind] - 1, 0, -1):
        with pytest.raises(WrongPin) as raised:
            card.sign(kind, WRONG[kind], DATA)
        assert raised.value.remaining == left
    with pytest.raises(PinLocked):
        card.sign(kind, WRONG[kind], DATA)
    assert card.pin_status()[kind].locked


def test_wrong_entry_count_survives_reopening(card: VirtualCard) -> None:
    """A wrong entry is in the file when the error is raised: a newly opened card sees it."""
    with pytest.raises(WrongPin):
        card.verify_pin(PinKind.AUTHENTICATION, WRONG[PinKind.AUTHENTICATION])
    assert _remaining(card.path, PinKind.AUTHENTICATION) == 2
    assert _remaining(card.path, PinKind.SIGNATURE) == 5


def test_correct_entry_resets_the_counter(card: VirtualCard) -> None:
    """A correct entry after wrong ones gives every try back."""
    for _ in range(2):
        with pytest.raises(WrongPin):
            card.verify_pin(PinKind.AUTHENTICATION, WRONG[PinKind.AUTHENTICATION])
    card.verify_pin(PinKind.AUTHENTICATION, PINS[PinKind.AUTHENTICATION])
    assert _remaining(card.path, PinKind.AUTHENTICATION) == 3


def test_locked_pin_refuses_the_right_pin_before_any_crypto(
    card: VirtualCard, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A locked PIN stays locked for the right PIN, which is never even tried."""
    _lock(card, PinKind.AUTHENTICATION)

    def no_crypto(*_args: object, **_kwargs: object) -> bytes:
        """Fail the test if a PIN is tried against the card."""
        pytest.fail("a locked PIN was tried")

    monkeypatch.setattr(virtual, "open_with_pin", no_crypto)
    with pytest.raises(PinLocked):
        card.sign(PinKind.AUTHENTICATION, PINS[PinKind.AUTHENTICATION], DATA)
    assert _remaining(card.path, PinKind.AUTHENTICATION) == 0


@pytest.mark.parametrize(
    ("locked", "other"),
    [(PinKind.AUTHENTICATION, PinKind.SIGNATURE), (PinKind.SIGNATURE, PinKind.AUTHENTICATION)],
)
def test_unlock_with_the_other_certificate_pin(
    card: VirtualCard, material: Material, locked: PinKind, other: PinKind
) -> None:
    """A locked certificate PIN is reset with the other certificate's PIN and a new PIN."""
    _lock(card, locked)
    new_pin = "NEW2025X" if locked is PinKind.SIGNATURE else "7777"
    card.unlock_with(locked, PINS[other], new_pin)
    assert _remaining(card.path, locked) == RETRY_LIMITS[locked]
    _verify(getattr(material, f"{locked}_certificate"), card.sign(locked, new_pin, DATA))


def test_unlock_with_counts_a_wrong_other_pin(card: VirtualCard) -> None:
    """A wrong other PIN is counted against that PIN and the locked one stays locked."""
    _lock(card, PinKind.AUTHENTICATION)
    with pytest.raises(WrongPin):
        card.unlock_with(PinKind.AUTHENTICATION, WRONG[PinKind.SIGNATURE], "7777")
    assert _remaining(card.path, PinKind.SIGNATURE) == 4
    assert _remaining(card.path, PinKind.AUTHENTICATION) == 0


@pytest.mark.parametrize("kind", [PinKind.CARD_FACE, PinKind.RESIDENT_REGISTER])
def test_unlock_with_refused_for_four_digit_office_pins(card: VirtualCard, kind: PinKind) -> None:
    """The card-face and resident-register PINs are reset only at the office."""
    _lock(card, kind)
    with pytest.raises(CardError, match="municipal office"):
        card.unlock_with(kind, PINS[PinKind.SIGNATURE], "7777")
    assert _remaining(card.path, kind) == 0


def test_reset_pin_with_administration_key(card: VirtualCard, administration_key: bytes) -> None:
    """At the counter the administration key unlocks a PIN and sets a new one."""
    _lock(card, PinKind.CARD_FACE)
    card.reset_pin(PinKind.CARD_FACE, "1357", administration_key)
    assert card.read_card_face("1357") == FACE
    with pytest.raises(WrongPin):
        card.read_card_face(PINS[PinKind.CARD_FACE])


def test_reset_pin_refused_with_a_wrong_key(card: VirtualCard) -> None:
    """A wrong administration key is refused and the file is left exactly as it was."""
    _lock(card, PinKind.CARD_FACE)
    before = card.path.read_bytes()
    with pytest.raises(CardError, match="administration key"):
        card.reset_pin(PinKind.CARD_FACE, "1357", secrets.token_bytes(32))
    assert card.path.read_bytes() == before


def test_change_pin_makes_the_old_pin_wrong(card: VirtualCard) -> None:
    """After a change the new PIN works and the old one is a counted wrong entry."""
    card.change_pin(PinKind.AUTHENTICATION, PINS[PinKind.AUTHENTICATION], "2468")
    card.verify_pin(PinKind.AUTHENTICATION, "2468")
    with pytest.raises(WrongPin):
        card.verify_pin(PinKind.AUTHENTICATION, PINS[PinKind.AUTHENTICATION])
    assert _remaining(card.path, PinKind.AUTHENTICATION) == 2


def test_change_pin_counts_a_wrong_old_pin(card: VirtualCard) -> None:
    """A wrong old PIN is counted and the PIN is not changed."""
    with pytest.raises(WrongPin):
        card.change_pin(PinKind.SIGNATURE, WRONG[PinKind.SIGNATURE], "NEW2025X")
    assert _remaining(card.path, PinKind.SIGNATURE) == 4
    card.verify_pin(PinKind.SIGNATURE, PINS[PinKind.SIGNATURE])


def test_change_pin_refuses_a_new_pin_breaking_its_rule(card: VirtualCard) -> None:
    """A new signature PIN without a digit is refused before the old one is tried."""
    with pytest.raises(InvalidPin):
        card.change_pin(PinKind.SIGNATURE, WRONG[PinKind.SIGNATURE], "LETTERSONLY")
    assert _remaining(card.path, PinKind.SIGNATURE) == 5


@pytest.mark.parametrize(
    ("kind", "entry"),
    [(PinKind.AUTHENTICATION, "12"), (PinKind.CARD_FACE, "12a4"), (PinKind.SIGNATURE, "kagi2024")],
)
def test_format_invalid_pin_refused_without_counting(
    card: VirtualCard, kind: PinKind, entry: str
) -> None:
    """An entry that can never be right is refused and not counted."""
    with pytest.raises(InvalidPin):
        card.verify_pin(kind, entry)
    assert _remaining(card.path, kind) == RETRY_LIMITS[kind]


def test_full_width_digits_are_the_same_pin(card: VirtualCard) -> None:
    """A PIN typed in full-width digits is the PIN set in ASCII."""
    card.verify_pin(PinKind.RESIDENT_REGISTER, "５９３０")
    assert _remaining(card.path, PinKind.RESIDENT_REGISTER) == 3


def test_card_face_needs_the_card_face_pin(card: VirtualCard) -> None:
    """The card face comes out for its own PIN; another PIN's value is a wrong entry."""
    assert card.read_card_face(PINS[PinKind.CARD_FACE]) == FACE
    with pytest.raises(WrongPin):
        card.read_card_face(PINS[PinKind.AUTHENTICATION])
    assert _remaining(card.path, PinKind.CARD_FACE) == 2


def test_resident_register_pin_is_kept_and_counted(card: VirtualCard) -> None:
    """The resident-register PIN verifies, and a wrong one is counted against it alone."""
    card.verify_pin(PinKind.RESIDENT_REGISTER, PINS[PinKind.RESIDENT_REGISTER])
    with pytest.raises(WrongPin):
        card.verify_pin(PinKind.RESIDENT_REGISTER, WRONG[PinKind.RESIDENT_REGISTER])
    status = card.pin_status()
    assert status[PinKind.RESIDENT_REGISTER].remaining == 2
    assert status[PinKind.CARD_FACE].remaining == 3


def test_sign_refused_for_a_pin_that_guards_no_key(card: VirtualCard) -> None:
    """Only the authentication and signature PINs sign; the card-face PIN is refused uncounted."""
    with pytest.raises(CardError, match="guards no key"):
        card.sign(PinKind.CARD_FACE, PINS[PinKind.CARD_FACE], DATA)
    assert _remaining(card.path, PinKind.CARD_FACE) == 3


def test_card_without_signature_key_refuses_signature_signing(minor_card: VirtualCard) -> None:
    """A holder under 15 has no signature key: signing with it is refused, not counted."""
    assert not minor_card.has_signature_certificate
    assert PinKind.SIGNATURE not in minor_card.pin_status()
    with pytest.raises(CardError, match="no signature") as raised:
        minor_card.sign(PinKind.SIGNATURE, PINS[PinKind.SIGNATURE], DATA)
    assert not isinstance(raised.value, WrongPin)
    with pytest.raises(CardError, match="no signature"):
        minor_card.unlock_with(PinKind.AUTHENTICATION, PINS[PinKind.SIGNATURE], "7777")
    with pytest.raises(CardError, match="no signature"):
        minor_card.unlock_with(PinKind.SIGNATURE, PINS[PinKind.AUTHENTICATION], "NEW2025X")
    assert PinKind.SIGNATURE not in minor_card.pin_status()
    minor_card.sign(PinKind.AUTHENTICATION, PINS[PinKind.AUTHENTICATION], DATA)


def test_create_refuses_a_signature_pin_without_a_signature_key(
    path: Path, material: Material, administration_key: bytes
) -> None:
    """A signature PIN given for a card with no signature key is refused and no file is made."""
    with pytest.raises(CardError, match="signature PIN"):
        create_card(
            path,
            manufacturing_number=MANUFACTURING_NUMBER,
            authentication_key=material.authentication_key,
            authentication_certificate=material.authentication_certificate,
            signature_key=None,
            signature_certificate=None,
            card_face=FACE,
            pins=PINS,
            administration_key=administration_key,
        )
    assert not path.exists()


@pytest.mark.parametrize("left_out", list(PinKind))
def test_create_requires_every_pin(
    path: Path, material: Material, administration_key: bytes, left_out: PinKind
) -> None:
    """Every PIN of a card with a signature key is set at issue."""
    with pytest.raises(CardError, match=f"missing: {left_out}"):
        create_card(
            path,
            manufacturing_number=MANUFACTURING_NUMBER,
            authentication_key=material.authentication_key,
            authentication_certificate=material.authentication_certificate,
            signature_key=material.signature_key,
            signature_certificate=material.signature_certificate,
            card_face=FACE,
            pins={kind: pin for kind, pin in PINS.items() if kind is not left_out},
            administration_key=administration_key,
        )


def test_create_refuses_a_certificate_for_another_key(
    path: Path, material: Material, administration_key: bytes
) -> None:
    """An authentication certificate that does not certify the authentication key is refused."""
    with pytest.raises(CardError, match="not for the authentication key"):
        create_card(
            path,
            manufacturing_number=MANUFACTURING_NUMBER,
            authentication_key=material.authentication_key,
            authentication_certificate=material.spare_certificate,
            signature_key=material.signature_key,
            signature_certificate=material.signature_certificate,
            card_face=FACE,
            pins=PINS,
            administration_key=administration_key,
        )


def test_create_refuses_to_overwrite(
    path: Path, material: Material, administration_key: bytes
) -> None:
    """An existing file is never overwritten by a new card."""
    path.write_text("someone else's file")
    with pytest.raises(CardFileError, match="never overwritten"):
        create_card(
            path,
            manufacturing_number=MANUFACTURING_NUMBER,
            authentication_key=material.authentication_key,
            authentication_certificate=material.authentication_certificate,
            signature_key=material.signature_key,
            signature_certificate=material.signature_certificate,
            card_face=FACE,
            pins=PINS,
            administration_key=administration_key,
        )
    assert path.read_text() == "someone else's file"


def test_file_holds_no_number_name_or_pin_in_plaintext(card: VirtualCard) -> None:
    """Neither the number, the name, the address nor any PIN can be read in the file's bytes."""
    content = card.path.read_bytes()
    for text in (FACE.name, FACE.address):
        assert text.encode() not in content
        assert json.dumps(text).strip('"').encode() not in content
    assert FACE.number.encode() not in content
    for pin in PINS.values():
        # A PIN standing on its own; digits inside base64 or PEM runs are not a PIN.
        assert not re.search(rf"(?<![A-Za-z0-9+/]){pin}(?![A-Za-z0-9+/=])".encode(), content)


def test_file_mode_is_0600_after_every_write(card: VirtualCard) -> None:
    """The card file is readable by its owner only, also after it is rewritten."""
    assert stat.S_IMODE(card.path.stat().st_mode) == 0o600
    with pytest.raises(WrongPin):
        card.verify_pin(PinKind.AUTHENTICATION, WRONG[PinKind.AUTHENTICATION])
    assert stat.S_IMODE(card.path.stat().st_mode) == 0o600
    assert [p.name for p in card.path.parent.iterdir()] == [card.path.name]


def test_tampered_payload_refused_on_open(card: VirtualCard) -> None:
    """A flipped byte in the sealed payload is refused when the file is opened."""
    _edit(card.path, _flipped_payload(card.path), fix_digest=False)
    with pytest.raises(CardFileError, match="altered or damaged"):
        VirtualCard.open(card.path)


def test_tampered_payload_with_recomputed_digest_refused_by_its_seal(card: VirtualCard) -> None:
    """A payload changed by someone who recomputes the digest fails its seal for the right PIN."""
    _edit(card.path, _flipped_payload(card.path), fix_digest=True)
    opened = VirtualCard.open(card.path)
    with pytest.raises(CardFileError, match="sealed contents have been altered"):
        opened.read_card_face(PINS[PinKind.CARD_FACE])


def test_swapped_authentication_certificate_breaks_the_seal(
    card: VirtualCard, material: Material
) -> None:
    """Replacing the clear authentication certificate by hand makes the payload refuse to open."""
    pem = material.spare_certificate.public_bytes(serialization.Encoding.PEM)
    _edit(card.path, {"authentication_certificate": pem.decode()}, fix_digest=True)
    with pytest.raises(CardFileError, match="sealed contents"):
        card.sign(PinKind.AUTHENTICATION, PINS[PinKind.AUTHENTICATION], DATA)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no virtual card file"),
        (b"\xff\xfe not json", "not JSON"),
        (b'{"format": "something-else/1"}', "format 'something-else/1'"),
        (b"[1, 2, 3]", "not a virtual card file"),
    ],
)
def test_open_refuses_what_is_not_a_card_file(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    """A missing, non-JSON or wrong-format file is refused with a message saying which."""
    path = tmp_path / "card.json"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CardFileError, match=re.escape(message)):
        VirtualCard.open(path)


def test_open_refuses_an_unreadable_file(tmp_path: Path) -> None:
    """A path that cannot be read as a file (here a directory) is refused."""
    with pytest.raises(CardFileError, match="cannot read"):
        VirtualCard.open(tmp_path)


def test_replace_certificates_renews_keys_and_keeps_pins(
    card: VirtualCard, material: Material, administration_key: bytes
) -> None:
    """A renewal puts new keys on the card; the PINs and the card face stay."""
    card.replace_certificates(
        administration_key,
        authentication_key=material.spare_key,
        authentication_certificate=material.spare_certificate,
        signature_key=material.signature_key,
        signature_certificate=material.signature_certificate,
    )
    opened = VirtualCard.open(card.path)
    assert opened.authentication_certificate == material.spare_certificate
    signature = opened.sign(PinKind.AUTHENTICATION, PINS[PinKind.AUTHENTICATION], DATA)
    _verify(material.spare_certificate, signature)
    assert opened.read_card_face(PINS[PinKind.CARD_FACE]) == FACE


def test_replace_certificates_refused_with_a_wrong_key(
    card: VirtualCard, material: Material
) -> None:
    """A renewal with a wrong administration key is refused and changes nothing."""
    before = card.path.read_bytes()
    with pytest.raises(CardError, match="administration key"):
        card.replace_certificates(
            secrets.token_bytes(32),
            authentication_key=material.spare_key,
            authentication_certificate=material.spare_certificate,
            signature_key=None,
            signature_certificate=None,
        )
    assert card.path.read_bytes() == before


def _add_signature_key(
    card: VirtualCard, material: Material, administration_key: bytes, signature_pin: str | None
) -> None:
    """Renew a card's certificates, adding the test signature key."""
    card.replace_certificates(
        administration_key,
        authentication_key=material.authentication_key,
        authentication_certificate=material.authentication_certificate,
        signature_key=material.signature_key,
        signature_certificate=material.signature_certificate,
        signature_pin=signature_pin,
    )


def test_first_signature_key_comes_with_its_pin(
    minor_card: VirtualCard, material: Material, administration_key: bytes
) -> None:
    """A holder turned 15 gets a signature key with a new signature PIN, and not without one."""
    with pytest.raises(CardError, match="signature_pin"):
        _add_signature_key(minor_card, material, administration_key, None)
    _add_signature_key(minor_card, material, administration_key, "FIFTEEN15")
    assert minor_card.has_signature_certificate
    _verify(material.signature_certificate, minor_card.sign(PinKind.SIGNATURE, "FIFTEEN15", DATA))
