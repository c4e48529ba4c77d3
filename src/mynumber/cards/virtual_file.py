"""The file of a virtual card: its JSON document, the checks on reading it, atomic writes.

The document (format ``mynumber-virtual-card/1``) reads::

    {
      "format": "mynumber-virtual-card/1",
      "manufacturing_number": "<16 digits>",
      "authentication_certificate": "<PEM>",
      "pins": {"<kind>": {"remaining": <tries left>, "salt": "<b64>", "nonce": "<b64>",
                          "ciphertext": "<b64>"}, ...},
      "administration": {"nonce": "<b64>", "ciphertext": "<b64>"},
      "payload": {"nonce": "<b64>", "ciphertext": "<b64>"},
      "sha256": "<hex digest of the rest, as compact JSON with sorted keys>"
    }

The digest catches a damaged or carelessly edited file when it is opened. It is no secret: whoever
edits the file on purpose can recompute it. The sealed parts are guarded by their GCM tags (checked
when a PIN opens them); the counters are guarded by nothing (see :mod:`.virtual`).
"""

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from mynumber.cards.exceptions import CardError, CardFileError
from mynumber.cards.pins import PinCounter, PinKind
from mynumber.cards.sealing import Box, PinBox
from mynumber.private_files import write_private

FORMAT: Final = "mynumber-virtual-card/1"
#: The PINs every card has; the signature PIN comes with the signature certificate.
REQUIRED_PINS: Final = frozenset(
    {PinKind.AUTHENTICATION, PinKind.RESIDENT_REGISTER, PinKind.CARD_FACE},
)
MANUFACTURING_NUMBER_LENGTH: Final = 16


@dataclass(frozen=True)
class CardDocument:
    """Everything a card file holds; the secrets stay sealed in ``payload``."""

    manufacturing_number: str
    authentication_certificate: x509.Certificate
    #: The content key sealed under each PIN the card has.
    pins: Mapping[PinKind, PinBox]
    #: The retry counter of each PIN, kept in the clear (the file counts tries without a key).
    counters: Mapping[PinKind, PinCounter]
    #: The content key sealed under the registry's administration key.
    administration: Box
    #: The card's secrets sealed under the content key.
    payload: Box

    def pin_box(self, kind: PinKind) -> PinBox:
        """Return the ``kind`` PIN's box; raise CardError if the card has no such PIN."""
        if kind not in self.pins:
            msg = f"this card has no {kind} PIN: it holds no signature certificate"
            raise CardError(msg)
        return self.pins[kind]

    def with_counter(self, counter: PinCounter) -> "CardDocument":
        """Return the document with ``counter`` in place of its PIN's counter."""
        return replace(self, counters={**self.counters, counter.kind: counter})

    def without_pin(self, kind: PinKind) -> "CardDocument":
        """Return the document without the ``kind`` PIN and its counter."""
        pins = {k: box for k, box in self.pins.items() if k is not kind}
        counters = {k: counter for k, counter in self.counters.items() if k is not kind}
        return replace(self, pins=pins, counters=counters)

    def with_pin(self, kind: PinKind, pin_box: PinBox) -> "CardDocument":
        """Return the document with a newly set ``kind`` PIN and its counter fresh."""
        return replace(
            self,
            pins={**self.pins, kind: pin_box},
            counters={**self.counters, kind: PinCounter.fresh(kind)},
        )


def valid_manufacturing_number(number: str) -> bool:
    """Say whether ``number`` is 16 ASCII digits, the form of a card's manufacturing number."""
    return len(number) == MANUFACTURING_NUMBER_LENGTH and number.isascii() and number.isdigit()


def _digest(body: Mapping[str, object]) -> str:
    """Return the SHA-256 of ``body`` as compact JSON with sorted keys."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def encode(document: CardDocument) -> bytes:
    """Return the file's bytes for ``document``."""
    pem = document.authentication_certificate.public_bytes(serialization.Encoding.PEM)
    body: dict[str, object] = {
        "format": FORMAT,
        "manufacturing_number": document.manufacturing_number,
        "authentication_certificate": pem.decode("ascii"),
        "pins": {
            kind.value: {"remaining": document.counters[kind].remaining, **pin_box.to_json()}
            for kind, pin_box in document.pins.items()
        },
        "administration": document.administration.to_json(),
        "payload": document.payload.to_json(),
    }
    body["sha256"] = _digest(body)
    return (json.dumps(body, indent=2, sort_keys=True) + "\n").encode("ascii")


def decode(data: bytes) -> CardDocument:
    """Read a card file's bytes; raise CardFileError saying what is wrong with them."""
    try:
        body = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        msg = "it is not a virtual card file (not JSON)"
        raise CardFileError(msg) from exc
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        found = body.get("format") if isinstance(body, dict) else None
        msg = f"it is not a virtual card file (format {found!r}, expected {FORMAT!r})"
        raise CardFileError(msg)
    digest = body.pop("sha256", None)
    if digest != _digest(body):
        msg = "it has been altered or damaged (its digest does not match)"
        raise CardFileError(msg)
    number = body.get("manufacturing_number")
    if not isinstance(number, str) or not valid_manufacturing_number(number):
        msg = "its manufacturing number is not 16 digits"
        raise CardFileError(msg)
    pins, counters = _decode_pins(body.get("pins"))
    return CardDocument(
        manufacturing_number=number,
        authentication_certificate=_decode_certificate(body.get("authentication_certificate")),
        pins=pins,
        counters=counters,
        administration=Box.from_json(body.get("administration")),
        payload=Box.from_json(body.get("payload")),
    )


def _decode_certificate(value: object) -> x509.Certificate:
    """Read the PEM authentication certificate."""
    try:
        if not isinstance(value, str):
            raise TypeError(value)  # noqa: TRY301 - one message for a missing and a broken PEM
        return x509.load_pem_x509_certificate(value.encode("ascii"))
    except (TypeError, ValueError) as exc:
        msg = "its authentication certificate is missing or not a PEM certificate"
        raise CardFileError(msg) from exc


def _decode_pins(value: object) -> tuple[dict[PinKind, PinBox], dict[PinKind, PinCounter]]:
    """Read each PIN's sealed content key and retry counter."""
    if not isinstance(value, dict):
        msg = "it has no PINs"
        raise CardFileError(msg)
    pins: dict[PinKind, PinBox] = {}
    counters: dict[PinKind, PinCounter] = {}
    for name, entry in value.items():
        try:
            kind = PinKind(name)
            remaining = entry.get("remaining") if isinstance(entry, dict) else None
            if not isinstance(remaining, int) or isinstance(remaining, bool):
                raise TypeError(remaining)  # noqa: TRY301 - reported with the bad range below
            counters[kind] = PinCounter(kind, remaining)
        except (TypeError, ValueError) as exc:
            msg = f"its PIN entry {name!r} is not a known PIN with a count of tries left"
            raise CardFileError(msg) from exc
        pins[kind] = PinBox.from_json(entry)
    if not pins.keys() >= REQUIRED_PINS:
        msg = "it lacks one of the authentication, resident-register and card-face PINs"
        raise CardFileError(msg)
    return pins, counters


def read(path: Path) -> CardDocument:
    """Read and check the card file at ``path``."""
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        msg = f"{path}: there is no virtual card file here; check the path"
        raise CardFileError(msg) from exc
    except OSError as exc:
        msg = f"{path}: cannot read the virtual card file ({exc.strerror}); check its permissions"
        raise CardFileError(msg) from exc
    try:
        return decode(data)
    except CardFileError as exc:
        msg = f"{path}: {exc}; use the card file as issued, or have the card reissued"
        raise CardFileError(msg) from exc


def write(path: Path, document: CardDocument, *, create: bool) -> None:
    """Write ``document`` to ``path`` with mode 0600, whole or not at all.

    When ``create``, an existing file is never overwritten; otherwise the file is replaced.
    """
    try:
        write_private(path, encode(document), overwrite=not create)
    except FileExistsError as exc:
        msg = f"{path}: a file already exists there and is never overwritten; choose another path"
        raise CardFileError(msg) from exc
    except OSError as exc:
        msg = f"{path}: cannot write the virtual card file ({exc.strerror}); check the directory"
        raise CardFileError(msg) from exc
