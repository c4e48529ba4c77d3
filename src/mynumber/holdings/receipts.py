"""Deletion receipts: the registry's signed word that a holding of a number was deleted.

When a holding's retention ends the registry marks it deleted and signs a receipt: a JSON
document whose content says what was deleted, and an Ed25519 signature (RFC 8032) over the
content's canonical JSON (RFC 8785, :func:`mynumber.ledger.entries.canonical_json`)::

    {"receipt": {"type": "holding-deletion", "receipt_id": ..., "issuer": ..., "holding": ...,
                 "body": ..., "task": ..., "collected_at": ..., "retention_until": ...,
                 "deleted_at": ..., "collection_receipt": ...},
     "signature": "<base64>"}

It is signed with the registry's receipt key, the key of identity receipts
(:mod:`mynumber.cards.identity`; its public half is served at ``GET /api/identity/receipt-key``).
The ``type`` member keeps the two apart: an identity receipt has none, so no signature on one can
be passed off as the other. The ledger gets only the receipt's :func:`reference`, the SHA-256 of
its canonical content in lowercase hexadecimal -- a string the ledger never mistakes for a number.

The receipt names no number and no resident record code: the person finds it in their holder list,
the body knows its holding by body, task and dates.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Final

from cryptography.exceptions import InvalidSignature

from mynumber.holdings.exceptions import DeletionReceiptInvalid
from mynumber.ledger.entries import canonical_json
from mynumber.ledger.exceptions import MalformedEntry

if TYPE_CHECKING:
    from collections.abc import Mapping

    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

#: The ``type`` of a deletion receipt's content.
DELETION_TYPE: Final = "holding-deletion"
#: The members every deletion receipt's content has, and nothing else.
DELETION_MEMBERS: Final = frozenset(
    {
        "type",
        "receipt_id",
        "issuer",
        "holding",
        "body",
        "task",
        "collected_at",
        "retention_until",
        "deleted_at",
        "collection_receipt",
    }
)


def utc_text(moment: datetime) -> str:
    """Return ``moment`` in UTC to the second, as receipts and the ledger write times.

    >>> from datetime import timedelta, timezone
    >>> utc_text(datetime(2026, 11, 26, 9, 30, tzinfo=timezone(timedelta(hours=9))))
    '2026-11-26T00:30:00Z'
    """
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def reference(content: Mapping[str, Any]) -> str:
    """Return the SHA-256 of ``content``'s canonical JSON, in lowercase hexadecimal.

    >>> reference({"type": "holding-deletion"})[:16]
    '6dba7d9f1ad0b1c4'
    """
    return hashlib.sha256(canonical_json(content)).hexdigest()


@dataclass(frozen=True, slots=True, kw_only=True)
class Deletion:
    """What a deletion receipt says: which holding of which body, for which task, ended when."""

    receipt_id: str
    #: The registry node that deleted the holding and signs the receipt.
    issuer: str
    holding: int
    body: str
    task: str
    collected_at: datetime
    retention_until: date
    deleted_at: datetime
    #: The reference of the identity receipt the number was collected with.
    collection_receipt: str

    def content(self) -> dict[str, Any]:
        """Return the receipt's content, the JSON object the signature covers."""
        return {
            "type": DELETION_TYPE,
            "receipt_id": self.receipt_id,
            "issuer": self.issuer,
            "holding": self.holding,
            "body": self.body,
            "task": self.task,
            "collected_at": utc_text(self.collected_at),
            "retention_until": self.retention_until.isoformat(),
            "deleted_at": utc_text(self.deleted_at),
            "collection_receipt": self.collection_receipt,
        }


def sign_deletion(deletion: Deletion, key: Ed25519PrivateKey) -> dict[str, Any]:
    """Return the signed deletion receipt of ``deletion``."""
    content = deletion.content()
    signature = key.sign(canonical_json(content))
    return {"receipt": content, "signature": base64.b64encode(signature).decode("ascii")}


def verify_deletion(document: object, key: Ed25519PublicKey) -> dict[str, Any]:
    """Return the content of a deletion receipt signed with ``key``, or refuse it.

    Raises :class:`DeletionReceiptInvalid` for a document that is not a receipt envelope, content
    of another type or with other members, a signature that is not base64, or one that does not
    verify: the message says which.
    """
    if not isinstance(document, dict) or set(document) != {"receipt", "signature"}:
        msg = "a deletion receipt is a JSON object with exactly `receipt` and `signature`"
        raise DeletionReceiptInvalid(msg)
    content, signature = document["receipt"], document["signature"]
    if not isinstance(content, dict) or content.get("type") != DELETION_TYPE:
        msg = f"the receipt's content is not of type {DELETION_TYPE!r}"
        raise DeletionReceiptInvalid(msg)
    if set(content) != DELETION_MEMBERS:
        msg = f"a deletion receipt has exactly the members {', '.join(sorted(DELETION_MEMBERS))}"
        raise DeletionReceiptInvalid(msg)
    try:
        raw = base64.b64decode(signature, validate=True) if isinstance(signature, str) else None
        signed = canonical_json(content)
    except (binascii.Error, ValueError, MalformedEntry) as exc:
        msg = "the receipt's signature is not base64, or its content is not canonical JSON"
        raise DeletionReceiptInvalid(msg) from exc
    if raw is None:
        msg = "the receipt's signature must be a base64 string"
        raise DeletionReceiptInvalid(msg)
    try:
        key.verify(raw, signed)
    except InvalidSignature as exc:
        msg = "the receipt's signature does not verify with the registry's receipt key"
        raise DeletionReceiptInvalid(msg) from exc
    return content
