"""Column types that keep numbers out of the database in plaintext.

docs/architecture.md, "What never happens": *no number is stored in plaintext: numbers at rest are
encrypted (AES-GCM) and looked up through a keyed blind index.* A table that holds an Individual
Number (個人番号) therefore has two columns for it:

- an :class:`EncryptedString` column holding ``version || nonce || ciphertext+tag``
  (AES-256-GCM, a fresh random 96-bit nonce per write, so equal numbers give unequal bytes), and
- a :class:`BlindIndex` column holding ``HMAC-SHA256(blind_index_key, number)``, which is what a
  lookup compares: ``select(Holder).where(Holder.number_index == "621498320257")``.

The keys are per node, not global: :func:`mynumber.storage.create_engine` binds a
:class:`FieldKeys` to its engine's dialect, and the column types read them from the dialect they
are handed, so every node in one process (the embedded demo) uses its own keys.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Column, LargeBinary, event
from sqlalchemy.types import TypeDecorator

from mynumber.storage.exceptions import (
    FieldDecryptionError,
    FieldKeysNotBoundError,
    InvalidBlindIndexValueError,
    InvalidFieldKeyError,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Dialect

__all__ = [
    "KEY_LENGTH",
    "BlindIndex",
    "EncryptedString",
    "FieldKeys",
    "bind_field_keys",
    "blind_index",
    "decrypt_field",
    "encrypt_field",
    "field_keys_for",
    "fingerprint",
]

#: Both field keys are 256-bit: AES-256-GCM and HMAC-SHA256.
KEY_LENGTH = 32
_FORMAT_VERSION = b"\x01"
_NONCE_LENGTH = 12
_TAG_LENGTH = 16
_FINGERPRINT_DOMAIN = b"mynumber key fingerprint v1\x00"


def fingerprint(key: bytes, purpose: str) -> str:
    """Name a key without revealing it: 16 hex digits of a domain-separated SHA-256.

    The purpose takes part in the hash, so the same bytes used as two different keys get two
    different fingerprints.

    >>> fingerprint(bytes(32), "field-encryption") == fingerprint(bytes(32), "blind-index")
    False
    >>> len(fingerprint(bytes(32), "field-encryption"))
    16
    """
    digest = hashlib.sha256(_FINGERPRINT_DOMAIN + purpose.encode() + b"\x00" + key)
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class FieldKeys:
    """The two keys that protect numbers at rest in one node's database.

    ``encryption_key`` encrypts :class:`EncryptedString` columns (AES-256-GCM);
    ``blind_index_key`` keys the :class:`BlindIndex` HMAC. Both are 32 bytes. Neither appears in
    ``repr``; compare :meth:`encryption_key_fingerprint` and :meth:`blind_index_key_fingerprint`
    instead.
    """

    encryption_key: bytes = field(repr=False)
    blind_index_key: bytes = field(repr=False)

    def __post_init__(self) -> None:
        """Refuse keys that are not 32 bytes."""
        for name, key in (
            ("field-encryption", self.encryption_key),
            ("blind-index", self.blind_index_key),
        ):
            if not isinstance(key, bytes) or len(key) != KEY_LENGTH:
                size = f"{len(key)} bytes" if isinstance(key, bytes) else type(key).__name__
                msg = (
                    f"the {name} key must be {KEY_LENGTH} random bytes, got {size}; "
                    "generate the keys with `mynumber init`"
                )
                raise InvalidFieldKeyError(msg)

    @classmethod
    def generate(cls) -> FieldKeys:
        """Make a fresh pair of random keys (for the demo and for tests)."""
        return cls(encryption_key=os.urandom(KEY_LENGTH), blind_index_key=os.urandom(KEY_LENGTH))

    def encryption_key_fingerprint(self) -> str:
        """Return the fingerprint of the field-encryption key."""
        return fingerprint(self.encryption_key, "field-encryption")

    def blind_index_key_fingerprint(self) -> str:
        """Return the fingerprint of the blind-index key."""
        return fingerprint(self.blind_index_key, "blind-index")


_BOUND_KEYS: weakref.WeakKeyDictionary[Dialect, FieldKeys] = weakref.WeakKeyDictionary()


def bind_field_keys(dialect: Dialect, keys: FieldKeys) -> None:
    """Make ``keys`` the field keys of every engine that uses ``dialect``."""
    _BOUND_KEYS[dialect] = keys


def field_keys_for(dialect: Dialect) -> FieldKeys:
    """Return the field keys bound to ``dialect``, or fail if there are none."""
    try:
        return _BOUND_KEYS[dialect]
    except KeyError:
        msg = (
            "this engine has no field keys, so it cannot read or write encrypted columns; "
            "create it with mynumber.storage.create_engine(url, field_keys)"
        )
        raise FieldKeysNotBoundError(msg) from None


def encrypt_field(keys: FieldKeys, plaintext: str) -> bytes:
    """Encrypt ``plaintext`` as ``version || nonce || ciphertext+tag`` (AES-256-GCM).

    The version byte is also the associated data, so it cannot be changed unnoticed.
    """
    nonce = os.urandom(_NONCE_LENGTH)
    sealed = AESGCM(keys.encryption_key).encrypt(nonce, plaintext.encode(), _FORMAT_VERSION)
    return _FORMAT_VERSION + nonce + sealed


def decrypt_field(keys: FieldKeys, stored: bytes, *, column: str = "(unnamed)") -> str:
    """Open a value made by :func:`encrypt_field`; ``column`` names it in the error."""
    if len(stored) < 1 + _NONCE_LENGTH + _TAG_LENGTH or stored[:1] != _FORMAT_VERSION:
        msg = (
            f"cannot decrypt column {column}: the stored value is not a mynumber ciphertext "
            f"(format version {_FORMAT_VERSION[0]}); it was written by something else"
        )
        raise FieldDecryptionError(msg)
    nonce, sealed = stored[1 : 1 + _NONCE_LENGTH], stored[1 + _NONCE_LENGTH :]
    try:
        plaintext = AESGCM(keys.encryption_key).decrypt(nonce, sealed, _FORMAT_VERSION)
    except InvalidTag as exc:
        msg = (
            f"cannot decrypt column {column}: the field-encryption key does not match the one "
            "the data was written with (or the stored value was altered); "
            "start the node with its original key file"
        )
        raise FieldDecryptionError(msg) from exc
    return plaintext.decode()


def blind_index(keys: FieldKeys, value: str) -> bytes:
    """Return the keyed blind index of ``value``: HMAC-SHA256(blind_index_key, UTF-8 value).

    Pass the canonical form (a number without spaces or hyphens): the index matches exactly.
    """
    return hmac.new(keys.blind_index_key, value.encode(), hashlib.sha256).digest()


class EncryptedString(TypeDecorator[str]):
    """A text column stored encrypted with the engine's field-encryption key (AES-256-GCM).

    Encryption is randomised, so the column cannot be searched or compared in SQL: look rows
    up through a :class:`BlindIndex` column instead.
    """

    impl = LargeBinary
    cache_ok = True

    def __init__(self) -> None:
        """Make the type; it learns its column's name when the column is attached."""
        super().__init__()
        self.attached_column: Column[Any] | None = None

    @property
    def python_type(self) -> type[str]:
        """Values are Python strings."""
        return str

    def column_label(self) -> str:
        """Return ``table.column`` for error messages, or as much of it as is known."""
        column = self.attached_column
        if column is None:
            return "(unnamed)"
        table = getattr(column, "table", None)
        name = column.name or "(unnamed)"
        return f"{table.name}.{name}" if table is not None else name

    def process_bind_param(self, value: str | None, dialect: Dialect) -> bytes | None:
        """Encrypt the value on its way to the database."""
        if value is None:
            return None
        return encrypt_field(field_keys_for(dialect), value)

    def process_result_value(self, value: bytes | None, dialect: Dialect) -> str | None:
        """Decrypt the value on its way out of the database."""
        if value is None:
            return None
        return decrypt_field(field_keys_for(dialect), bytes(value), column=self.column_label())


@event.listens_for(EncryptedString, "after_parent_attach")
def _remember_column(target: EncryptedString, parent: object) -> None:
    """Let an encrypted column's type name its column when it cannot decrypt a value."""
    if isinstance(parent, Column):
        target.attached_column = parent


class BlindIndex(TypeDecorator[bytes]):
    """A 32-byte keyed index (HMAC-SHA256) of a value that is itself stored encrypted.

    Binding a string stores (or compares) its :func:`blind_index`; binding ``bytes`` takes them
    as an index already computed (32 bytes), so a loaded value can be copied as it is. Loaded
    values are the digest bytes.
    """

    impl = LargeBinary(32)
    cache_ok = True

    def process_bind_param(self, value: object, dialect: Dialect) -> bytes | None:
        """Replace a plaintext by its keyed index; pass a ready index through."""
        if value is None:
            return None
        if isinstance(value, str):
            return blind_index(field_keys_for(dialect), value)
        if isinstance(value, bytes | bytearray | memoryview) and len(value) == KEY_LENGTH:
            return bytes(value)
        msg = (
            "a blind-index column takes the plaintext as a string (it is hashed on the way in) "
            f"or a {KEY_LENGTH}-byte index from blind_index(); got {type(value).__name__}"
        )
        raise InvalidBlindIndexValueError(msg)

    def process_result_value(self, value: bytes | None, dialect: Dialect) -> bytes | None:  # noqa: ARG002 -- the signature is SQLAlchemy's
        """Return the stored index as bytes (PostgreSQL hands back a memoryview)."""
        return None if value is None else bytes(value)
