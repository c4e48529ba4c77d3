"""Deletion receipts: signed, verified, and every kind of tampering refused."""

from __future__ import annotations

import base64
import copy
from datetime import UTC, date, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from mynumber.holdings.exceptions import DeletionReceiptInvalid
from mynumber.holdings.receipts import (
    DELETION_MEMBERS,
    DELETION_TYPE,
    Deletion,
    reference,
    sign_deletion,
    verify_deletion,
)
from mynumber.ledger.screening import refuse_numbers

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
DELETION = Deletion(
    receipt_id="5f0c7d1e2a3b4c5d6e7f8091a2b3c4d5",
    issuer="registry",
    holding=41,
    body="employer-kasumi-seiki",
    task="employer:withholding-slip",
    collected_at=datetime(2026, 11, 26, 9, 30, tzinfo=UTC),
    retention_until=date(2033, 11, 26),
    deleted_at=datetime(2033, 11, 27, 0, 0, 5, tzinfo=UTC),
    collection_receipt="ab" * 32,
)


def _signed() -> dict[str, Any]:
    """Return a freshly signed receipt of :data:`DELETION`."""
    return sign_deletion(DELETION, KEY)


def test_a_signed_receipt_verifies_and_says_what_was_deleted() -> None:
    """The content comes back as signed: type, holding, body, task and the dates in UTC."""
    content = verify_deletion(_signed(), KEY.public_key())
    assert content["type"] == DELETION_TYPE
    assert set(content) == DELETION_MEMBERS
    assert (content["holding"], content["body"], content["task"]) == (
        41,
        "employer-kasumi-seiki",
        "employer:withholding-slip",
    )
    assert content["collected_at"] == "2026-11-26T09:30:00Z"
    assert content["retention_until"] == "2033-11-26"
    assert content["deleted_at"] == "2033-11-27T00:00:05Z"


@pytest.mark.parametrize("member", sorted(DELETION_MEMBERS - {"type"}))
def test_a_changed_member_fails_verification(member: str) -> None:
    """Changing any member of the content breaks the signature."""
    signed = _signed()
    value = signed["receipt"][member]
    signed["receipt"][member] = value + 1 if isinstance(value, int) else f"{value}x"
    with pytest.raises(DeletionReceiptInvalid, match="does not verify"):
        verify_deletion(signed, KEY.public_key())


@given(bit=st.integers(min_value=0, max_value=511))
def test_any_flipped_bit_of_the_signature_fails(bit: int) -> None:
    """Every one of the signature's 512 bits matters."""
    signed = _signed()
    raw = bytearray(base64.b64decode(signed["signature"]))
    raw[bit // 8] ^= 1 << (bit % 8)
    signed["signature"] = base64.b64encode(bytes(raw)).decode()
    with pytest.raises(DeletionReceiptInvalid, match="does not verify"):
        verify_deletion(signed, KEY.public_key())


def test_another_key_does_not_verify() -> None:
    """A receipt verifies only with the registry's own receipt key."""
    other = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
    with pytest.raises(DeletionReceiptInvalid, match="does not verify"):
        verify_deletion(_signed(), other.public_key())


def _broken(signed: dict[str, Any], how: str) -> object:
    """Return ``signed`` broken in the way ``how`` names."""
    broken: Any = copy.deepcopy(signed)
    if how == "not-an-object":
        return [broken]
    if how == "extra-envelope-member":
        broken["note"] = "x"
    elif how == "other-type":
        broken["receipt"]["type"] = "identity-confirmation"
    elif how == "missing-member":
        del broken["receipt"]["issuer"]
    elif how == "extra-member":
        broken["receipt"]["number"] = "none"
    elif how == "signature-not-base64":
        broken["signature"] = "not base64!"
    elif how == "signature-not-text":
        broken["signature"] = 12
    elif how == "float-in-content":
        broken["receipt"]["holding"] = 41.0
    return broken


@pytest.mark.parametrize(
    "how",
    [
        "not-an-object",
        "extra-envelope-member",
        "other-type",
        "missing-member",
        "extra-member",
        "signature-not-base64",
        "signature-not-text",
        "float-in-content",
    ],
)
def test_a_malformed_receipt_is_refused_with_one_error(how: str) -> None:
    """Every malformed document raises DeletionReceiptInvalid, never anything else."""
    with pytest.raises(DeletionReceiptInvalid):
        verify_deletion(_broken(_signed(), how), KEY.public_key())


def test_an_identity_receipt_signed_with_the_same_key_is_not_a_deletion_receipt() -> None:
    """The type member keeps identity receipts (which have none) from passing as deletions."""
    identity = {"receipt_id": "r", "method": "card", "body": "b", "task": "t"}
    signature = base64.b64encode(KEY.sign(b"{}")).decode()
    with pytest.raises(DeletionReceiptInvalid, match="type"):
        verify_deletion({"receipt": identity, "signature": signature}, KEY.public_key())


@given(
    holding=st.integers(min_value=1, max_value=2**53 - 1),
    body=st.from_regex(r"[a-z0-9][a-z0-9-]{0,30}[a-z0-9]", fullmatch=True),
)
def test_a_reference_is_hex_the_ledger_never_mistakes_for_a_number(holding: int, body: str) -> None:
    """A reference is 64 lowercase hex digits, which the ledger lets through whatever they hold."""
    content = {**_signed()["receipt"], "holding": holding, "body": body}
    ref = reference(content)
    assert len(ref) == 64
    assert set(ref) <= set("0123456789abcdef")
    refuse_numbers({"deletion_receipt": ref})
