"""Re-checking a whole ledger from any copy of the hub's database, without trusting any of it.

:class:`LedgerVerifier` reads the three ledger tables and checks, in this order, stopping at the
first fault and naming it ("entry 41: ..."):

1. entries: indexes run 0, 1, ..., n-1 with no gap (a deleted or moved entry is named); each
   entry's bytes are canonical JSON, hash to its stored leaf hash, agree with its
   ``disclosure_code`` and ``kind`` columns, and hold nothing that looks like a number;
2. the tree: every stored node equals the hash recomputed from the entries, level by level, none
   is missing and none covers entries that are not there;
3. checkpoints: each signed note verifies with the hub's key, names the log's origin, and signs
   the root of the first ``size`` entries.

It streams: rows are read in batches in index order, and what it keeps is the recomputed tree, 32
bytes per node in one byte string per level (about 64 bytes per entry, 64 MB at 10**6 entries),
never an object per row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, TypeVarTuple

from sqlalchemy import Row, Select, func, or_, select

from mynumber.ledger.checkpoints import open_checkpoint
from mynumber.ledger.entries import parse_entry
from mynumber.ledger.exceptions import InvalidCheckpoint, LedgerError, MalformedEntry
from mynumber.ledger.merkle import HASH_SIZE, leaf_hash, node_hash
from mynumber.ledger.models import LedgerCheckpoint, LedgerEntry, LedgerNode
from mynumber.ledger.notes import Verifiers, trusted_keys
from mynumber.ledger.screening import number_path
from mynumber.ledger.tree import root_from_nodes

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

_Ts = TypeVarTuple("_Ts")
#: ``progress(what, done, total)``: called every ``progress_every`` rows of a long pass.
Progress = Callable[[str, int, int], None]

#: How many rows each round trip to the database fetches.
BATCH: Final = 2_000
#: How often a long pass reports its progress, in rows.
PROGRESS_EVERY: Final = 100_000


class LedgerCorrupt(LedgerError):
    """A copy of the ledger does not check out; the message names the first fault found."""

    code = "ledger-corrupt"


@dataclass(frozen=True)
class LedgerReport:
    """What a clean ledger holds: its entries, its checkpoints and its root."""

    entries: int
    checkpoints: int
    root: bytes


def _span(level: int, index: int) -> str:
    """Name what node ``(level, index)`` covers: one entry, or a range of them."""
    if level == 0:
        return f"entry {index}"
    start = index << level
    return f"node ({level}, {index}) over entries {start}-{start + (1 << level) - 1}"


def _stray(level: int, index: int, size: int) -> str:
    """Say that the stored tree has a node for entries that are not in the ledger."""
    return (
        f"{_span(level, index)}: the stored tree has a node for it, but the ledger holds only "
        f"{size} entries: entries were removed"
    )


def _parent_level(hashes: bytes) -> bytes:
    """Return the hashes of the complete nodes one level above ``hashes``."""
    parents = bytearray()
    for offset in range(0, len(hashes) - HASH_SIZE, 2 * HASH_SIZE):
        middle = offset + HASH_SIZE
        parents += node_hash(hashes[offset:middle], hashes[middle : middle + HASH_SIZE])
    return bytes(parents)


def _checked_leaf(index: int, data: bytes, stored: bytes, code: str, kind: str) -> bytes:
    """Return the leaf hash of entry ``index`` once its bytes and columns check out."""
    try:
        parsed = parse_entry(data)
    except MalformedEntry as exc:
        message = f"entry {index}: {exc}"
        raise LedgerCorrupt(message) from exc
    computed = leaf_hash(data)
    if computed != stored:
        message = (
            f"entry {index}: its bytes hash to {computed.hex()}, but its stored leaf hash is "
            f"{bytes(stored).hex()}: the entry or its hash was altered"
        )
        raise LedgerCorrupt(message)
    if parsed.get("disclosure_code") != code or parsed.get("kind") != kind:
        message = f"entry {index}: its disclosure_code or kind column disagrees with the entry"
        raise LedgerCorrupt(message)
    where = number_path(parsed)
    if where is not None:
        message = f"entry {index}: it holds 12 digits in a row at {where}, like a number"
        raise LedgerCorrupt(message)
    return computed


class LedgerVerifier:
    """Check every entry, node and checkpoint of a ledger read through ``session``."""

    def __init__(
        self,
        session: Session,
        verifiers: Verifiers,
        *,
        origin: str | None = None,
        progress: Progress | None = None,
        progress_every: int = PROGRESS_EVERY,
    ) -> None:
        """Trust checkpoints signed by ``verifiers`` for the log ``origin`` (any, if None)."""
        trusted_keys(verifiers, 1)  # refuse unusable keys now, even for a ledger never signed
        self._session = session
        self._verifiers = verifiers
        self._origin = origin
        self._progress = progress
        self._every = progress_every

    def verify(self) -> LedgerReport:
        """Check the whole ledger; raise :class:`LedgerCorrupt` naming the first fault."""
        total = self._session.scalar(select(func.count()).select_from(LedgerEntry)) or 0
        levels = [self._check_entries(total)]
        size = len(levels[0]) // HASH_SIZE
        while True:
            self._check_level(len(levels) - 1, levels[-1], size)
            if len(levels[-1]) < 2 * HASH_SIZE:
                break
            levels.append(_parent_level(levels[-1]))
        self._refuse_stray_nodes(len(levels) - 1 if size else -1, size)

        def get_node(level: int, index: int) -> bytes:
            """Return a recomputed node's hash."""
            return levels[level][index * HASH_SIZE : (index + 1) * HASH_SIZE]

        checkpoints = self._check_checkpoints(size, get_node)
        return LedgerReport(size, checkpoints, root_from_nodes(size, get_node))

    @contextmanager
    def _stream(self, query: Select[*_Ts]) -> Iterator[Iterator[Row[*_Ts]]]:
        """Yield the rows of ``query`` in batches; the cursor is closed even if a check fails."""
        with closing(self._session.execute(query.execution_options(yield_per=BATCH))) as rows:
            yield iter(rows)

    def _report(self, what: str, done: int, total: int) -> None:
        """Tell the caller how far a long pass has come."""
        if self._progress is not None and done % self._every == 0:
            self._progress(what, done, total)

    def _check_entries(self, total: int) -> bytes:
        """Check every entry in index order; return their leaf hashes, 32 bytes each."""
        query = select(
            LedgerEntry.index,
            LedgerEntry.entry,
            LedgerEntry.leaf_hash,
            LedgerEntry.disclosure_code,
            LedgerEntry.kind,
        ).order_by(LedgerEntry.index)
        leaves = bytearray()
        with self._stream(query) as rows:
            for expected, (index, data, stored, code, kind) in enumerate(rows):
                if index != expected:
                    message = (
                        f"entry {expected}: it is missing (the next stored entry is {index}); "
                        "entries run from 0 without gaps, so one was deleted or moved"
                    )
                    raise LedgerCorrupt(message)
                leaves += _checked_leaf(index, data, stored, code, kind)
                self._report("entries", expected + 1, total)
        return bytes(leaves)

    def _check_level(self, level: int, hashes: bytes, size: int) -> None:
        """Compare the stored nodes of ``level`` with ``hashes``, the recomputed ones."""
        count = len(hashes) // HASH_SIZE
        query = (
            select(LedgerNode.index, LedgerNode.hash)
            .where(LedgerNode.level == level)
            .order_by(LedgerNode.index)
        )
        expected = 0
        with self._stream(query) as rows:
            for index, stored in rows:
                if index >= count:
                    raise LedgerCorrupt(_stray(level, index, size))
                if index != expected:
                    break
                recomputed = hashes[index * HASH_SIZE : (index + 1) * HASH_SIZE]
                if stored != recomputed:
                    message = (
                        f"{_span(level, index)}: the stored tree node is {bytes(stored).hex()}, "
                        f"but the entries hash to {recomputed.hex()}: the stored tree was altered"
                    )
                    raise LedgerCorrupt(message)
                expected += 1
                self._report(f"tree nodes at level {level}", expected, count)
        if expected != count:
            message = f"{_span(level, expected)}: its node is missing from the stored tree"
            raise LedgerCorrupt(message)

    def _refuse_stray_nodes(self, top: int, size: int) -> None:
        """Refuse a stored node on a level the tree of ``size`` entries does not have."""
        query = (
            select(LedgerNode.level, LedgerNode.index)
            .where(or_(LedgerNode.level < 0, LedgerNode.level > top))
            .order_by(LedgerNode.level, LedgerNode.index)
            .limit(1)
        )
        stray = self._session.execute(query).first()
        if stray is not None:
            raise LedgerCorrupt(_stray(*stray, size))

    def _check_checkpoints(self, size: int, get_node: Callable[[int, int], bytes]) -> int:
        """Check every stored checkpoint against the recomputed tree; return how many."""
        query = select(LedgerCheckpoint.size, LedgerCheckpoint.note).order_by(LedgerCheckpoint.size)
        count = 0
        with self._stream(query) as rows:
            for signed_size, note in rows:
                self._check_checkpoint(signed_size, note, size, get_node)
                count += 1
                self._report("checkpoints", count, count)
        return count

    def _check_checkpoint(
        self, signed_size: int, note: str, size: int, get_node: Callable[[int, int], bytes]
    ) -> None:
        """Check one checkpoint: signature, size, origin, and root."""
        where = f"checkpoint of {signed_size} entries"
        try:
            head = open_checkpoint(note.encode("utf-8"), self._verifiers)
        except InvalidCheckpoint as exc:
            message = f"{where}: {exc}"
            raise LedgerCorrupt(message) from exc
        problem = None
        if head.size != signed_size:
            problem = f"its signed note says {head.size} entries"
        elif self._origin is not None and head.origin != self._origin:
            problem = f"it names the log {head.origin!r}, not {self._origin!r}"
        elif signed_size > size:
            problem = f"the ledger holds only {size} entries: entries were removed after it"
        elif head.root_hash != (root := root_from_nodes(signed_size, get_node)):
            problem = (
                f"it signs the root {head.root_hash.hex()}, but the first {signed_size} entries "
                f"hash to {root.hex()}: the ledger was rewritten"
            )
        if problem is not None:
            message = f"{where}: {problem}"
            raise LedgerCorrupt(message)
