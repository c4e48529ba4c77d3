"""What a virtual card seals: the card-face text, the private keys and the signature certificate.

The payload is JSON sealed with AES-256-GCM under the card's content key (see :mod:`.virtual`).
Every box of a card file carries associated data that binds it to its place: the payload to the
manufacturing number and the authentication certificate's SHA-256 fingerprint, each PIN's box to
the manufacturing number and the PIN kind, the administration box to the manufacturing number. A
box copied from another card or slot, or a certificate swapped in the clear part of the file, then
fails to open.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Final, Self

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from mynumber.cards.exceptions import CardError, CardFileError
from mynumber.cards.pins import PinKind, check_new_pin
from mynumber.cards.sealing import KEY_LENGTH, Box, open_box, seal, seal_under_pin
from mynumber.cards.virtual_file import FORMAT, REQUIRED_PINS, CardDocument

_CONTEXT: Final = FORMAT.encode("ascii")
NO_SIGNATURE: Final = "this card holds no signature certificate (holders under 15 have none)"


@dataclass(frozen=True)
class CardFace:
    """The card-face text (券面事項入力補助): the number and the four attributes."""

    number: str
    name: str
    address: str
    date_of_birth: date
    sex: str

    def to_json(self) -> dict[str, str]:
        """Return the card face as JSON-ready strings."""
        return {**self.__dict__, "date_of_birth": self.date_of_birth.isoformat()}

    @classmethod
    def from_json(cls, value: Mapping[str, str]) -> Self:
        """Read a card face written by :meth:`to_json`."""
        return cls(
            number=value["number"],
            name=value["name"],
            address=value["address"],
            date_of_birth=date.fromisoformat(value["date_of_birth"]),
            sex=value["sex"],
        )


@dataclass(frozen=True)
class CardSecrets:
    """What the sealed payload holds."""

    authentication_key: RSAPrivateKey
    signature_key: RSAPrivateKey | None
    signature_certificate: x509.Certificate | None
    card_face: CardFace


def _pem_key(key: RSAPrivateKey) -> str:
    """Return ``key`` as unencrypted PKCS#8 PEM (it is stored only inside the sealed payload)."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def _load_key(pem: str) -> RSAPrivateKey:
    """Load a PEM RSA private key from the payload."""
    key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    if not isinstance(key, RSAPrivateKey):
        raise TypeError(type(key))
    return key


def _payload_context(document: CardDocument) -> bytes:
    """Bind the payload to the card's number and its authentication certificate."""
    fingerprint = document.authentication_certificate.fingerprint(hashes.SHA256())
    return b"|".join((_CONTEXT, b"payload", document.manufacturing_number.encode(), fingerprint))


def pin_context(document: CardDocument, kind: PinKind) -> bytes:
    """Bind a PIN's box to the card and to that PIN."""
    return b"|".join(
        (_CONTEXT, b"pin", kind.value.encode(), document.manufacturing_number.encode())
    )


def administration_context(number: str) -> bytes:
    """Bind the administration box to the card."""
    return b"|".join((_CONTEXT, b"administration", number.encode()))


def seal_secrets(document: CardDocument, content_key: bytes, secrets: CardSecrets) -> Box:
    """Seal ``secrets`` as the payload of ``document``."""
    sig_cert = secrets.signature_certificate
    body = {
        "authentication_key": _pem_key(secrets.authentication_key),
        "signature_key": None if secrets.signature_key is None else _pem_key(secrets.signature_key),
        "signature_certificate": None
        if sig_cert is None
        else sig_cert.public_bytes(serialization.Encoding.PEM).decode("ascii"),
        "card_face": secrets.card_face.to_json(),
    }
    plaintext = json.dumps(body, sort_keys=True).encode("ascii")
    return seal(content_key, plaintext, context=_payload_context(document))


def open_secrets(document: CardDocument, content_key: bytes) -> CardSecrets:
    """Open the payload; raise CardFileError if it was altered or moved from another card."""
    plaintext = open_box(content_key, document.payload, context=_payload_context(document))
    try:
        if plaintext is None:
            raise ValueError(plaintext)  # noqa: TRY301 - one message for every broken payload
        body = json.loads(plaintext)
        sig_key, sig_cert = body["signature_key"], body["signature_certificate"]
        secrets = CardSecrets(
            authentication_key=_load_key(body["authentication_key"]),
            signature_key=None if sig_key is None else _load_key(sig_key),
            signature_certificate=None
            if sig_cert is None
            else x509.load_pem_x509_certificate(sig_cert.encode("ascii")),
            card_face=CardFace.from_json(body["card_face"]),
        )
    except (ValueError, TypeError, KeyError) as exc:
        msg = "the card file's sealed contents have been altered; have the card reissued"
        raise CardFileError(msg) from exc
    if (secrets.signature_key is None) != (PinKind.SIGNATURE not in document.pins):
        msg = "the card file's signature PIN and signature key disagree; have the card reissued"
        raise CardFileError(msg)
    return secrets


def _check_pair(key: RSAPrivateKey, certificate: x509.Certificate, what: str) -> None:
    """Refuse a certificate that does not certify ``key``."""
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    if key.public_key().public_bytes(*spki) != certificate.public_key().public_bytes(*spki):
        msg = f"the {what} certificate is not for the {what} key; pass the matching pair"
        raise CardError(msg)


def check_keys(
    authentication: tuple[RSAPrivateKey, x509.Certificate],
    signature_key: RSAPrivateKey | None,
    signature_certificate: x509.Certificate | None,
) -> None:
    """Refuse mismatched key and certificate pairs, and a signature key without its certificate."""
    _check_pair(*authentication, "authentication")
    if signature_key is None or signature_certificate is None:
        if signature_key is not None or signature_certificate is not None:
            msg = "a signature key and a signature certificate come together: pass both or neither"
            raise CardError(msg)
        return
    _check_pair(signature_key, signature_certificate, "signature")


def check_administration_key(key: bytes) -> None:
    """Refuse an administration key that is not 32 bytes."""
    if len(key) != KEY_LENGTH:
        msg = f"the administration key is {KEY_LENGTH} bytes, not {len(key)}"
        raise CardError(msg)


def open_administration(document: CardDocument, administration_key: bytes) -> bytes:
    """Return the content key opened with the registry's administration key, or raise CardError."""
    check_administration_key(administration_key)
    context = administration_context(document.manufacturing_number)
    content_key = open_box(administration_key, document.administration, context=context)
    if content_key is None:
        msg = "the administration key does not open this card; nothing was changed"
        raise CardError(msg)
    return content_key


def check_issue_pins(pins: Mapping[PinKind, str], *, signature: bool) -> dict[PinKind, str]:
    """Check the PINs set at issue: the three 4-digit ones, and the signature PIN with its key."""
    wanted = REQUIRED_PINS | ({PinKind.SIGNATURE} if signature else set())
    if PinKind.SIGNATURE in pins and not signature:
        msg = f"a signature PIN was given but {NO_SIGNATURE}; leave it out"
        raise CardError(msg)
    if missing := sorted(wanted - pins.keys()):
        msg = f"every PIN is set at issue; missing: {', '.join(missing)}"
        raise CardError(msg)
    return {kind: check_new_pin(kind, pins[kind]) for kind in wanted}


def renewed_signature_pin(
    document: CardDocument,
    content_key: bytes,
    signature_key: RSAPrivateKey | None,
    signature_pin: str | None,
) -> CardDocument:
    """Return ``document`` with the signature PIN a renewal calls for: kept, added or dropped."""
    has_pin = PinKind.SIGNATURE in document.pins
    if signature_pin is not None and (signature_key is None or has_pin):
        msg = (
            "a signature PIN is given only with a card's first signature key; "
            "change an existing one with change_pin or reset_pin"
        )
        raise CardError(msg)
    if signature_key is None:
        return document.without_pin(PinKind.SIGNATURE)
    if has_pin:
        return document
    if signature_pin is None:
        msg = "the card gets its first signature key: pass signature_pin, the PIN to set for it"
        raise CardError(msg)
    pin = check_new_pin(PinKind.SIGNATURE, signature_pin)
    context = pin_context(document, PinKind.SIGNATURE)
    return document.with_pin(PinKind.SIGNATURE, seal_under_pin(content_key, pin, context=context))
