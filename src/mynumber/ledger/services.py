"""The exchange ledger as the hub keeps it: appends, checkpoints and proofs over its database.

:class:`LedgerService` works inside the caller's session and transaction and never commits. An
exchange appends its entry in the *same* transaction as the exchange itself, so the two stand or
fall together: if the entry cannot be written -- refused, a conflict, the database down -- the
append raises, the caller's unit of work rolls back, and the exchange does not happen (fail
closed; docs/architecture.md, "What never happens").

Appends are serialised. On PostgreSQL each append (and each checkpoint) first takes a
transaction-scoped advisory lock, held until the caller's transaction ends, so the next append
reads the tree as the last one left it (at the default READ COMMITTED level). On SQLite the
database's single writer does the same: a second writer waits, or fails if it read a stale
snapshot, and the primary keys on the entry index and node position refuse any fork. Nothing is
kept in memory between calls: the tree's right border is read back from the stored nodes
(:mod:`mynumber.ledger.tree`), so any number of hub replicas can append to one database.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit

from sqlalchemy import and_, bindparam, func, insert, or_, select

from mynumber.ledger.checkpoints import Checkpoint, sign_checkpoint
from mynumber.ledger.exceptions import InvalidRange, InvalidTreeState, LedgerError
from mynumber.ledger.merkle import leaf_hash
from mynumber.ledger.models import LedgerCheckpoint, LedgerEntry, LedgerNode
from mynumber.ledger.screening import prepare_entry
from mynumber.ledger.sealing import SEALED_KIND, SealedCount, count_sealed
from mynumber.ledger.tree import (
    CompactRange,
    NodeReader,
    border_positions,
    consistency_positions,
    consistency_proof_from_nodes,
    inclusion_positions,
    inclusion_proof_from_nodes,
    root_from_nodes,
)
from mynumber.settings import ConfigurationError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from sqlalchemy import Select
    from sqlalchemy.orm import Session

    from mynumber.keys import NodeKeys

#: The PostgreSQL advisory lock every append and checkpoint takes (a fixed 64-bit key).
APPEND_LOCK: Final = int.from_bytes(
    hashlib.sha256(b"mynumber/ledger/append").digest()[:8], "big", signed=True
)


class EntryNotFound(LedgerError, LookupError):
    """There is no entry at that index (yet)."""

    code = "ledger-entry-not-found"


class CheckpointNotFound(LedgerError, LookupError):
    """The hub has signed no checkpoint of that size, so it serves no proof against one."""

    code = "ledger-checkpoint-not-found"


@dataclass(frozen=True)
class AppendedEntry:
    """Where an entry went: its index and its leaf hash."""

    index: int
    leaf_hash: bytes


@dataclass(frozen=True)
class SignedProof:
    """A proof and the signed checkpoint (of ``size`` entries) it was computed against."""

    proof: list[bytes]
    size: int
    checkpoint: bytes


def log_origin(base_url: str) -> str:
    """Return the ledger's origin (and key name): the hub's base URL without its scheme.

    >>> log_origin("https://hub.example.jp/hub/")
    'hub.example.jp/hub'
    """
    parts = urlsplit(base_url)
    return f"{parts.netloc}{parts.path}".rstrip("/")


def hub_ledger(
    session: Session,
    keys: NodeKeys,
    base_url: str,
    *,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> LedgerService:
    """Return the ledger of the hub answering at ``base_url``, signing with its key."""
    if keys.ledger_signing is None:
        msg = f"node '{keys.node_id}' has no ledger signing key: the ledger lives on the hub"
        raise ConfigurationError(msg)
    origin = log_origin(base_url)
    return LedgerService(session, keys.ledger_signing, origin=origin, key_name=origin, clock=clock)


@functools.lru_cache(maxsize=128)
def _nodes_query(count: int) -> Select[int, int, bytes]:
    """Return the query of ``count`` nodes by position, bound as ``l0, i0, l1, i1, ...``.

    An OR of ANDs, not a row-value IN, which SQLite answers with a full scan; one statement per
    count, so each is built and compiled once.
    """
    wanted = (
        and_(LedgerNode.level == bindparam(f"l{k}"), LedgerNode.index == bindparam(f"i{k}"))
        for k in range(count)
    )
    return select(LedgerNode.level, LedgerNode.index, LedgerNode.hash).where(or_(*wanted))


class LedgerService:
    """Append to the ledger, sign checkpoints, and answer entries and proofs, in one session."""

    def __init__(
        self,
        session: Session,
        signing_key: Ed25519PrivateKey,
        *,
        origin: str,
        key_name: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        """Work in ``session``; sign checkpoints of ``origin`` as ``key_name``."""
        self._session = session
        self._signing_key = signing_key
        self._origin = origin
        self._key_name = key_name
        self._clock = clock

    def append(self, entry: Mapping[str, object]) -> AppendedEntry:
        """Append ``entry`` and the tree nodes it completes; return its index and leaf hash.

        Raises :class:`MalformedEntry` (nothing written) for an entry without ``kind`` or
        ``disclosure_code``, one that is not canonical JSON, too large, or holding anything that
        looks like an Individual Number.
        """
        return self.append_many([entry])[0]

    def append_many(self, entries: Sequence[Mapping[str, object]]) -> list[AppendedEntry]:
        """Append ``entries`` in order under one lock; return where each went.

        The right border is read once and carried from entry to entry in memory, and the
        entries and nodes are written in two statements, so a batch costs little more than one
        append. One malformed entry refuses them all (:meth:`append`), before anything is
        written.
        """
        prepared = [prepare_entry(entry) for entry in entries]
        if not prepared:
            return []
        self._serialise()
        size = self.size()
        tree = CompactRange.from_nodes(size, self._reader(border_positions(size)))
        now = self._clock()
        appended: list[AppendedEntry] = []
        entry_rows: list[dict[str, object]] = []
        node_rows: list[dict[str, object]] = []
        for data, kind, code in prepared:
            index, leaf = tree.size, leaf_hash(data)
            node_rows += [
                {"level": n.level, "index": n.index, "hash": n.hash} for n in tree.append(leaf)
            ]
            entry_rows.append(
                {
                    "index": index,
                    "entry": data,
                    "leaf_hash": leaf,
                    "disclosure_code": code,
                    "kind": kind,
                    "appended_at": now,
                }
            )
            appended.append(AppendedEntry(index, leaf))
        self._session.execute(insert(LedgerEntry), entry_rows)
        self._session.execute(insert(LedgerNode), node_rows)
        return appended

    def size(self) -> int:
        """Return the number of entries."""
        last = self._session.scalar(select(func.max(LedgerEntry.index)))
        return 0 if last is None else last + 1

    def root(self, size: int | None = None) -> bytes:
        """Return the root of the first ``size`` entries (all of them by default)."""
        size = self._checked_size(size)
        return root_from_nodes(size, self._reader(border_positions(size)))

    def checkpoint(self) -> bytes:
        """Return the signed checkpoint of the ledger as it stands, signing one if it grew."""
        self._serialise()
        size = self.size()
        latest = self._latest()
        if latest is not None and latest.size == size:
            return latest.note.encode("utf-8")
        if latest is not None and latest.size > size:
            message = (
                f"the ledger holds {size} entries, fewer than the {latest.size} of its last "
                "checkpoint: entries were removed; run `mynumber ledger verify`"
            )
            raise InvalidTreeState(message)
        head = Checkpoint(self._origin, size, self.root(size))
        note = sign_checkpoint(head, self._key_name, self._signing_key)
        made = LedgerCheckpoint(size=size, note=note.decode("utf-8"), made_at=self._clock())
        self._session.add(made)
        self._session.flush()
        return note

    def inclusion(self, index: int, size: int) -> list[bytes]:
        """Return the proof that entry ``index`` is in the tree of the first ``size`` entries."""
        positions = inclusion_positions(index, self._checked_size(size))
        return inclusion_proof_from_nodes(index, size, self._reader(positions))

    def consistency(self, old_size: int, new_size: int) -> list[bytes]:
        """Return the proof that the tree of ``old_size`` entries is a prefix of ``new_size``'s."""
        positions = consistency_positions(old_size, self._checked_size(new_size))
        return consistency_proof_from_nodes(old_size, new_size, self._reader(positions))

    def signed_inclusion(self, index: int, size: int | None = None) -> SignedProof:
        """Return an inclusion proof against the signed checkpoint of ``size`` (the latest)."""
        head = self._signed_head(size)
        return SignedProof(self.inclusion(index, head.size), head.size, head.note.encode())

    def signed_consistency(self, old_size: int, new_size: int | None = None) -> SignedProof:
        """Return a consistency proof up to the signed checkpoint of ``new_size`` (the latest)."""
        head = self._signed_head(new_size)
        return SignedProof(self.consistency(old_size, head.size), head.size, head.note.encode())

    def entry(self, index: int) -> LedgerEntry:
        """Return entry ``index``."""
        size = self.size()
        if index < 0:
            message = f"entry indexes start at 0, not {index}"
            raise InvalidRange(message)
        found = self._session.get(LedgerEntry, index) if index < size else None
        if found is None:
            message = f"there is no entry {index}: the ledger holds {size} entries, from 0"
            raise EntryNotFound(message)
        return found

    def entries_page(
        self, disclosure_code: str, *, offset: int, limit: int, kind: str | None = None
    ) -> tuple[int, list[LedgerEntry]]:
        """Return how many entries are about the person, and ``limit`` of them, newest first."""
        about = LedgerEntry.disclosure_code == disclosure_code
        if kind is not None:
            about = and_(about, LedgerEntry.kind == kind)
        total = self._session.scalar(select(func.count()).select_from(LedgerEntry).where(about))
        query = (
            select(LedgerEntry)
            .where(about)
            .order_by(LedgerEntry.index.desc())
            .offset(offset)
            .limit(limit)
        )
        return total or 0, list(self._session.scalars(query))

    def entries_of(self, disclosure_code: str) -> list[LedgerEntry]:
        """Return every entry about the person with ``disclosure_code``, oldest first."""
        query = (
            select(LedgerEntry)
            .where(LedgerEntry.disclosure_code == disclosure_code)
            .order_by(LedgerEntry.index)
        )
        return list(self._session.scalars(query))

    def sealed_counts(self) -> list[SealedCount]:
        """Return how many sealed entries each body made each month, by month then body.

        Public by design: the count of police requests is open, their content sealed
        (:mod:`mynumber.ledger.sealing`). The filter on ``kind`` runs in the database; only the
        sealed rows, which are few, are parsed for their requester and month.
        """
        query = (
            select(LedgerEntry.entry)
            .where(LedgerEntry.kind == SEALED_KIND)
            .order_by(LedgerEntry.index)
        )
        return count_sealed(bytes(data) for data in self._session.scalars(query))

    def _serialise(self) -> None:
        """Wait for any other append in flight to end (PostgreSQL; SQLite has one writer)."""
        if self._session.get_bind().dialect.name == "postgresql":
            self._session.execute(select(func.pg_advisory_xact_lock(APPEND_LOCK)))

    def _checked_size(self, size: int | None) -> int:
        """Return ``size`` (default: the current size), refusing one the ledger has not reached."""
        current = self.size()
        if size is None:
            return current
        if not 0 <= size <= current:
            message = f"there is no tree of {size} entries: the ledger holds {current}"
            raise InvalidRange(message)
        return size

    def _latest(self) -> LedgerCheckpoint | None:
        """Return the checkpoint of the largest size, if any."""
        query = select(LedgerCheckpoint).order_by(LedgerCheckpoint.size.desc()).limit(1)
        return self._session.scalar(query)

    def _signed_head(self, size: int | None) -> LedgerCheckpoint:
        """Return the stored checkpoint of ``size`` (default: the latest), or refuse."""
        latest = self._latest()
        if latest is None:
            message = "the ledger has no signed checkpoint yet: fetch GET /api/ledger/checkpoint"
            raise CheckpointNotFound(message)
        if size is None or size == latest.size:
            return latest
        if size < 0:
            message = f"a tree size is 0 or more, not {size}"
            raise InvalidRange(message)
        found = self._session.get(LedgerCheckpoint, size) if size < latest.size else None
        if found is None:
            message = (
                f"the hub has signed no checkpoint of {size} entries (the latest is of "
                f"{latest.size}): ask for the size of a checkpoint you hold, or omit it"
            )
            raise CheckpointNotFound(message)
        return found

    def _reader(self, positions: Sequence[tuple[int, int]]) -> NodeReader:
        """Fetch the nodes at ``positions`` in one query; return a lookup into them."""
        found: dict[tuple[int, int], bytes] = {}
        if positions:
            values: dict[str, int] = {}
            for k, (level, index) in enumerate(positions):
                values[f"l{k}"], values[f"i{k}"] = level, index
            rows = self._session.execute(_nodes_query(len(positions)), values)
            found = {(level, index): value for level, index, value in rows}

        def get_node(level: int, index: int) -> bytes:
            """Return a fetched node's hash; a missing one means the stored tree is broken."""
            try:
                return found[level, index]
            except KeyError as exc:
                message = (
                    f"node ({level}, {index}) of the ledger's tree is missing from the database;"
                    " run `mynumber ledger verify`"
                )
                raise InvalidTreeState(message) from exc

        return get_node
