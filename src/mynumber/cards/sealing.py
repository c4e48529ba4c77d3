"""The sealing of a virtual card's secrets: AES-256-GCM boxes and scrypt-derived PIN keys.

A :class:`Box` is what AES-256-GCM makes of some bytes under a 32-byte key: a random 96-bit
nonce and the ciphertext with its 128-bit tag. Opening a box checks the tag; a wrong key, a
changed byte or a box moved to another context (the ``context`` is the associated data) all give
``None`` rather than an exception, because "this key does not open it" is the answer a virtual
card needs ("this PIN is wrong"), not a failure.

A PIN key is derived with scrypt (RFC 7914) from the PIN and a random 16-byte salt kept next to
the box. The cost, n=2**14, r=8, p=1 (16 MiB, some 50 ms), is scrypt's interactive setting:
cheap enough for a test suite that enters PINs hundreds of times, and no defence for a 4-digit
PIN against whoever holds the file (10,000 guesses take minutes). See :mod:`.virtual`.

>>> key = new_key()
>>> box = seal(key, b"secret", context=b"demo")
>>> open_box(key, box, context=b"demo")
b'secret'
>>> open_box(key, box, context=b"elsewhere") is None
True
"""

import base64
import binascii
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from mynumber.cards.exceptions import CardFileError

#: Length in bytes of every AES-256 key: content keys, PIN keys and administration keys.
KEY_LENGTH: Final = 32
NONCE_LENGTH: Final = 12
SALT_LENGTH: Final = 16
TAG_LENGTH: Final = 16
#: scrypt cost parameters (interactive setting; see the module docstring).
SCRYPT_N: Final = 2**14
SCRYPT_R: Final = 8
SCRYPT_P: Final = 1


@dataclass(frozen=True)
class Box:
    """Bytes sealed with AES-256-GCM: the nonce and the ciphertext followed by its tag."""

    nonce: bytes
    ciphertext: bytes

    def to_json(self) -> dict[str, str]:
        """Return the box as JSON-ready base64 strings."""
        return {"nonce": _b64(self.nonce), "ciphertext": _b64(self.ciphertext)}

    @classmethod
    def from_json(cls, value: object) -> "Box":
        """Read a box written by :meth:`to_json`; raise CardFileError if it is not one."""
        fields = _fields(value, "nonce", "ciphertext")
        nonce, ciphertext = fields["nonce"], fields["ciphertext"]
        if len(nonce) != NONCE_LENGTH or len(ciphertext) < TAG_LENGTH:
            msg = "a sealed box has a nonce or ciphertext of the wrong length"
            raise CardFileError(msg)
        return cls(nonce, ciphertext)


@dataclass(frozen=True)
class PinBox:
    """A key sealed under a key derived from a PIN, with the scrypt salt of that derivation."""

    salt: bytes
    box: Box

    def to_json(self) -> dict[str, str]:
        """Return the salt and box as JSON-ready base64 strings."""
        return {"salt": _b64(self.salt), **self.box.to_json()}

    @classmethod
    def from_json(cls, value: object) -> "PinBox":
        """Read a PIN box written by :meth:`to_json`; raise CardFileError if it is not one."""
        salt = _fields(value, "salt")["salt"]
        if len(salt) != SALT_LENGTH:
            msg = "a PIN box has a salt of the wrong length"
            raise CardFileError(msg)
        return cls(salt, Box.from_json(value))


def new_key() -> bytes:
    """Return a fresh random AES-256 key."""
    return os.urandom(KEY_LENGTH)


def seal(key: bytes, plaintext: bytes, *, context: bytes) -> Box:
    """Seal ``plaintext`` under ``key`` with a fresh nonce, bound to ``context``."""
    nonce = os.urandom(NONCE_LENGTH)
    return Box(nonce, AESGCM(key).encrypt(nonce, plaintext, context))


def open_box(key: bytes, box: Box, *, context: bytes) -> bytes | None:
    """Return what ``box`` holds, or None if ``key`` and ``context`` do not open it."""
    try:
        return AESGCM(key).decrypt(box.nonce, box.ciphertext, context)
    except InvalidTag:
        return None


def pin_key(pin: str, salt: bytes) -> bytes:
    """Derive the AES-256 key of a (normalised) PIN with scrypt."""
    kdf = Scrypt(salt=salt, length=KEY_LENGTH, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)
    return kdf.derive(pin.encode())


def seal_under_pin(secret: bytes, pin: str, *, context: bytes) -> PinBox:
    """Seal ``secret`` under a key derived from ``pin`` with a fresh salt."""
    salt = os.urandom(SALT_LENGTH)
    return PinBox(salt, seal(pin_key(pin, salt), secret, context=context))


def open_with_pin(pin_box: PinBox, pin: str, *, context: bytes) -> bytes | None:
    """Return the secret in ``pin_box``, or None if ``pin`` is not the one it was sealed under."""
    return open_box(pin_key(pin, pin_box.salt), pin_box.box, context=context)


def _b64(data: bytes) -> str:
    """Return ``data`` as standard base64 text."""
    return base64.b64encode(data).decode("ascii")


def _fields(value: object, *names: str) -> dict[str, bytes]:
    """Decode the base64 string fields ``names`` of a JSON object."""
    if not isinstance(value, Mapping):
        msg = "a sealed box is not a JSON object"
        raise CardFileError(msg)
    decoded: dict[str, bytes] = {}
    for name in names:
        text = value.get(name)
        if not isinstance(text, str):
            msg = f"a sealed box has no '{name}' text"
            raise CardFileError(msg)
        try:
            decoded[name] = base64.b64decode(text, validate=True)
        except binascii.Error as exc:
            msg = f"the '{name}' of a sealed box is not base64"
            raise CardFileError(msg) from exc
    return decoded
