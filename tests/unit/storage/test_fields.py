"""Field keys, AES-GCM field encryption and the keyed blind index, without a database."""

import pytest
import sqlalchemy
from sqlalchemy import Column, Integer, MetaData, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from mynumber.storage import (
    BlindIndex,
    EncryptedString,
    FieldDecryptionError,
    FieldKeys,
    FieldKeysNotBoundError,
    InvalidBlindIndexValueError,
    InvalidFieldKeyError,
    blind_index,
)
from mynumber.storage.fields import bind_field_keys, decrypt_field, encrypt_field

NUMBER = "621498320257"
PINNED_KEYS = FieldKeys(encryption_key=bytes(32), blind_index_key=bytes(range(32)))


def _dialect(url: str) -> Dialect:
    """Return a fresh dialect of ``url``'s backend (no connection is made)."""
    return sqlalchemy.create_engine(url).dialect


def test_keys_of_the_wrong_length_are_refused() -> None:
    """A 16-byte key is refused with a message that says how long it must be and how to make one."""
    with pytest.raises(InvalidFieldKeyError, match=r"32 random bytes, got 16 bytes.*mynumber init"):
        FieldKeys(encryption_key=bytes(16), blind_index_key=bytes(32))
    with pytest.raises(InvalidFieldKeyError, match="blind-index key"):
        FieldKeys(encryption_key=bytes(32), blind_index_key=bytes(33))


def test_keys_given_as_text_are_refused() -> None:
    """A key passed as a hex string instead of bytes is refused, not silently encoded."""
    with pytest.raises(InvalidFieldKeyError, match="got str"):
        FieldKeys(encryption_key="00" * 32, blind_index_key=bytes(32))  # type: ignore[arg-type]


def test_repr_does_not_show_the_keys() -> None:
    """Printing or logging the keys object never shows key material."""
    keys = FieldKeys(encryption_key=b"\xab" * 32, blind_index_key=b"\xcd" * 32)
    assert "ab" not in repr(keys).lower()
    assert "\\xab" not in repr(keys)
    assert "\\xcd" not in repr(keys)


def test_fingerprints_are_stable_short_and_never_the_key() -> None:
    """Fingerprints are 16 hex digits, the same for the same key, and do not contain the key."""
    keys = FieldKeys(encryption_key=bytes(range(32)), blind_index_key=bytes(range(32)))
    again = FieldKeys(encryption_key=bytes(range(32)), blind_index_key=bytes(range(32)))
    assert keys.encryption_key_fingerprint() == again.encryption_key_fingerprint()
    assert len(keys.encryption_key_fingerprint()) == 16
    int(keys.encryption_key_fingerprint(), 16)
    assert keys.encryption_key_fingerprint() not in bytes(range(32)).hex()
    # The same bytes used for both purposes still give two different fingerprints.
    assert keys.encryption_key_fingerprint() != keys.blind_index_key_fingerprint()


def test_fingerprints_are_pinned() -> None:
    """The fingerprint formula is pinned: databases record it, so it must never change."""
    assert PINNED_KEYS.encryption_key_fingerprint() == "adf07a9218572fe2"
    assert PINNED_KEYS.blind_index_key_fingerprint() == "9271443fe959ea6f"


def test_different_keys_have_different_fingerprints() -> None:
    """Two generated key sets are told apart by their fingerprints."""
    first, second = FieldKeys.generate(), FieldKeys.generate()
    assert first.encryption_key_fingerprint() != second.encryption_key_fingerprint()
    assert first.blind_index_key_fingerprint() != second.blind_index_key_fingerprint()


def test_encryption_round_trips_and_has_the_documented_layout() -> None:
    """A value decrypts to itself, stored as version || nonce (12) || ciphertext || tag (16)."""
    stored = encrypt_field(PINNED_KEYS, NUMBER)
    assert stored[0] == 1
    assert len(stored) == 1 + 12 + len(NUMBER) + 16
    assert NUMBER.encode() not in stored
    assert decrypt_field(PINNED_KEYS, stored) == NUMBER


def test_encryption_is_randomised() -> None:
    """Encrypting the same number twice gives different bytes (a fresh nonce each time)."""
    assert encrypt_field(PINNED_KEYS, NUMBER) != encrypt_field(PINNED_KEYS, NUMBER)


def test_a_flipped_bit_is_detected() -> None:
    """Any altered byte of a ciphertext makes decryption fail with the column named."""
    stored = bytearray(encrypt_field(PINNED_KEYS, NUMBER))
    stored[20] ^= 0x01
    with pytest.raises(FieldDecryptionError, match=r"cannot decrypt column holders\.number"):
        decrypt_field(PINNED_KEYS, bytes(stored), column="holders.number")


def test_another_key_cannot_decrypt() -> None:
    """A ciphertext written with one key fails under another with the key-mismatch message."""
    stored = encrypt_field(FieldKeys.generate(), NUMBER)
    with pytest.raises(
        FieldDecryptionError,
        match="the field-encryption key does not match the one the data was written with",
    ):
        decrypt_field(PINNED_KEYS, stored)


@pytest.mark.parametrize("stored", [b"", b"\x01" + bytes(10), b"\x02" + bytes(40)])
def test_bytes_that_are_not_our_ciphertext_are_refused(stored: bytes) -> None:
    """Short values and unknown format versions are reported as not being mynumber ciphertexts."""
    with pytest.raises(FieldDecryptionError, match="not a mynumber ciphertext"):
        decrypt_field(PINNED_KEYS, stored)


def test_blind_index_is_pinned_hmac_sha256() -> None:
    """The blind index is HMAC-SHA256 over the UTF-8 value; pinned, since lookups depend on it."""
    assert blind_index(PINNED_KEYS, NUMBER).hex() == (
        "41c3db0be23676287ab6c9994905e4f53b854c4d3c61f76f440f2f743aee8a7c"
    )


def test_blind_index_depends_on_the_key() -> None:
    """The same number under another blind-index key has another index."""
    assert blind_index(PINNED_KEYS, NUMBER) != blind_index(FieldKeys.generate(), NUMBER)


def test_column_types_use_the_keys_bound_to_their_dialect() -> None:
    """Two dialects with two key sets: a value encrypted under one does not open under the other."""
    first, second = _dialect("sqlite://"), _dialect("postgresql+psycopg://")
    bind_field_keys(first, FieldKeys.generate())
    bind_field_keys(second, FieldKeys.generate())
    column_type = EncryptedString()
    stored = column_type.process_bind_param(NUMBER, first)
    assert stored is not None
    assert column_type.process_result_value(stored, first) == NUMBER
    with pytest.raises(FieldDecryptionError):
        column_type.process_result_value(stored, second)


def test_a_dialect_without_keys_is_refused() -> None:
    """An engine not made by storage.create_engine cannot write encrypted columns."""
    with pytest.raises(FieldKeysNotBoundError, match=r"mynumber\.storage\.create_engine"):
        EncryptedString().process_bind_param(NUMBER, _dialect("sqlite://"))
    with pytest.raises(FieldKeysNotBoundError):
        BlindIndex().process_bind_param(NUMBER, _dialect("sqlite://"))


def test_blind_index_column_hashes_text_and_keeps_digests() -> None:
    """A string is replaced by its index; a 32-byte index is stored as given; None stays None."""
    dialect = _dialect("sqlite://")
    bind_field_keys(dialect, PINNED_KEYS)
    column_type = BlindIndex()
    digest = blind_index(PINNED_KEYS, NUMBER)
    assert column_type.process_bind_param(NUMBER, dialect) == digest
    assert column_type.process_bind_param(digest, dialect) == digest
    assert column_type.process_bind_param(None, dialect) is None


@pytest.mark.parametrize("value", [b"short", 621498320257])
def test_blind_index_column_refuses_other_values(value: object) -> None:
    """Bytes of the wrong length and non-strings are refused instead of being stored."""
    dialect = _dialect("sqlite://")
    bind_field_keys(dialect, PINNED_KEYS)
    with pytest.raises(InvalidBlindIndexValueError, match="32-byte index"):
        BlindIndex().process_bind_param(value, dialect)


def test_encrypted_column_knows_its_table_and_name() -> None:
    """The decryption error can name the column, for Core tables and for mapped classes."""
    table = Table("holders", MetaData(), Column("id", Integer, primary_key=True))
    table.append_column(Column("number", EncryptedString()))
    core_type = table.c.number.type
    assert isinstance(core_type, EncryptedString)
    assert core_type.column_label() == "holders.number"

    class Base(DeclarativeBase):
        pass

    class Holder(Base):
        __tablename__ = "mapped_holders"
        id: Mapped[int] = mapped_column(primary_key=True)
        number: Mapped[str] = mapped_column(EncryptedString())

    column_type = Holder.__table__.c.number.type
    assert isinstance(column_type, EncryptedString)
    assert column_type.column_label() == "mapped_holders.number"
