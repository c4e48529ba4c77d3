"""The hub node's ledger tables: entries, the Merkle tree's complete nodes, signed checkpoints.

The exchange ledger (情報提供等記録の台帳) is an append-only Merkle log (RFC 9162) kept in the
hub's own database. ``ledger_entries`` holds each entry's canonical bytes exactly as they were
hashed; ``ledger_nodes`` holds every complete subtree hash, written once and never updated, so
roots and proofs read O(log n) rows (:mod:`mynumber.ledger.tree`); ``ledger_checkpoints`` holds
each signed tree head the hub has given out. No table holds a number: an entry names its person by
the disclosure code (開示システム用符号), kept beside it, indexed, for the person's own view.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from mynumber.deployment import NodeKind
from mynumber.storage.models import Base, node_kinds

HUB = node_kinds(NodeKind.HUB)


class LedgerEntry(Base):
    """One entry of the ledger (情報提供等記録): its position, canonical bytes and leaf hash."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint('"index" >= 0', name="index_not_negative"),
        CheckConstraint("length(leaf_hash) = 32", name="leaf_hash_size"),
        # A person's entries, newest first, a page at a time (the portal's records of use).
        Index("ix_ledger_entries_person", "disclosure_code", "index"),
        {"info": HUB},
    )

    #: The position in the log, from 0, without gaps.
    index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    #: The canonical JSON bytes, exactly as hashed (:func:`mynumber.ledger.entries.canonical_json`).
    entry: Mapped[bytes] = mapped_column(LargeBinary)
    #: SHA-256(0x00 || entry).
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary)
    #: The person the entry is about, by disclosure code; a copy of the entry's own field.
    disclosure_code: Mapped[str] = mapped_column(String(26))
    #: What happened (the entry's ``kind`` field), e.g. an exchange or a refusal.
    kind: Mapped[str] = mapped_column(String(64))
    appended_at: Mapped[datetime]


class LedgerNode(Base):
    """A complete subtree's hash: node ``(level, index)`` covers leaves ``index * 2**level`` on."""

    __tablename__ = "ledger_nodes"
    __table_args__ = (
        CheckConstraint("level >= 0", name="level_not_negative"),
        CheckConstraint('"index" >= 0', name="index_not_negative"),
        CheckConstraint("length(hash) = 32", name="hash_size"),
        {"info": HUB},
    )

    level: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary)


class LedgerCheckpoint(Base):
    """A checkpoint the hub signed: the tree size and the signed note (C2SP checkpoint) as text."""

    __tablename__ = "ledger_checkpoints"
    __table_args__ = (
        CheckConstraint("size >= 0", name="size_not_negative"),
        {"info": HUB},
    )

    #: The tree size it signs; one checkpoint per size.
    size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    #: The signed note: origin, size and root lines, a blank line, the hub's signature line.
    note: Mapped[str] = mapped_column(Text)
    made_at: Mapped[datetime]
