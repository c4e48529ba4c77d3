"""Build a hub's exchange ledger of N entries in bulk, as if appended one at a time, and check it.

Appending 10**7 entries through ``LedgerService.append`` would take hours, so the figure starts
from a ledger written in bulk into the tables the hub's migrations create: worker processes make
and screen the entries (:mod:`ledger_entries`, every one through ``prepare_entry``) and hash each
chunk of ``CHUNK`` leaves level by level; this process joins the chunks' roots into the nodes
above them and loads entries and nodes with ``COPY ... FROM STDIN``. Memory stays bounded: a few
chunks are in flight at a time.

The baseline's table is made in the same transaction, ``LIKE ledger_entries INCLUDING ALL`` (the
same columns, primary key, index on the disclosure code and checks), and the same entry rows are
copied into it, so both sides of the appends write into tables of one shape and size. The whole
fill is one transaction that starts by truncating the (empty) ledger tables, so every ``COPY``
can be ``FREEZE``: rows written frozen and all-visible, as a long-running hub's tables are once
autovacuum has been through them, with no hint bits left to set while the figure is timed.

Nothing of the ledger's own code writes the tree here, so :func:`check` holds it to account:
``LedgerService.root()`` (read from the stored border nodes) must equal both the builder's root
and a root folded leaf by leaf apart from it (:class:`LeafFold`, RFC 9162's MTH), the ledger's
size must be N and ``ledger_nodes`` must hold every complete node, 2N - popcount(N) rows.
"""

import hashlib
import os
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Final

import psycopg
import sqlalchemy
from psycopg import sql
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from ledger_entries import Chunk, make_chunk, use_every_cpu
from mynumber.ledger.services import LedgerService
from timing import human_rate

#: Leaves per chunk: a chunk's own tree goes up to level ``CHUNK_LEVEL``.
CHUNK_LEVEL: Final = 14
CHUNK: Final = 1 << CHUNK_LEVEL
#: The table the baseline inserts into: the shape of ``ledger_entries``, and as many rows.
PLAIN_TABLE: Final = "bench_plain_entries"
_ENTRY_COLUMNS: Final = '("index", entry, leaf_hash, disclosure_code, kind, appended_at)'
_COPY_ENTRIES: Final = tuple(
    f"COPY {table} {_ENTRY_COLUMNS} FROM STDIN (FREEZE)"
    for table in ("ledger_entries", PLAIN_TABLE)
)
_COPY_NODES: Final = 'COPY ledger_nodes (level, "index", hash) FROM STDIN (FREEZE)'
_NODE: Final = b"\x01"


def _node(left: bytes, right: bytes) -> bytes:
    """Return an inner node's hash, SHA-256(0x01 || left || right)."""
    return hashlib.sha256(_NODE + left + right).digest()


def _border_root(border: list[bytes]) -> bytes:
    """Return the root of a tree from its right border, largest subtree first."""
    if not border:
        return hashlib.sha256(b"").digest()
    result = border[-1]
    for left in reversed(border[:-1]):
        result = _node(left, result)
    return result


class LeafFold:
    """The root of a growing tree, folded one leaf at a time (RFC 9162 MTH): the check's side."""

    def __init__(self) -> None:
        """Start from the empty tree."""
        self._stack: list[bytes] = []
        self.size = 0

    def add(self, leaf: bytes) -> None:
        """Append one leaf hash."""
        merged, carry = leaf, self.size
        while carry & 1:  # each trailing one bit of the old size completes a subtree
            merged = _node(self._stack.pop(), merged)
            carry >>= 1
        self._stack.append(merged)
        self.size += 1

    def root(self) -> bytes:
        """Return the root of the leaves added so far."""
        return _border_root(self._stack)


class TreeBuilder:
    """Joins the chunks' roots into the complete nodes above ``CHUNK_LEVEL``, in leaf order."""

    def __init__(self) -> None:
        """Start from the empty tree."""
        self._carry: list[bytes] = []  # the complete nodes above the chunks on the right border
        self._tail: tuple[bytes, ...] = ()  # the last chunk's border, if it is not full
        self.size = 0

    def add(self, chunk: Chunk) -> tuple[str, int]:
        """Take the next chunk; return the nodes it completes above it (COPY rows) and how many."""
        if self._tail or chunk.start != self.size:
            msg = f"chunk at {chunk.start} cannot follow a tree of {self.size} (or a short chunk)"
            raise RuntimeError(msg)
        self.size += chunk.count
        if chunk.count < CHUNK:
            self._tail = chunk.border
            return "", 0
        merged, level, index = chunk.border[0], CHUNK_LEVEL, chunk.start >> CHUNK_LEVEL
        rows = []
        while index & 1:
            merged = _node(self._carry.pop(), merged)
            level, index = level + 1, index >> 1
            rows.append(f"{level}\t{index}\t\\\\x{merged.hex()}\n")
        self._carry.append(merged)
        return "".join(rows), len(rows)

    def root(self) -> bytes:
        """Return the root of the tree built so far."""
        return _border_root([*self._carry, *self._tail])


@dataclass(frozen=True)
class Filled:
    """A ledger written in bulk: its size, root, node count, the leaf fold, and how long it took."""

    size: int
    root: bytes
    nodes: int
    fold: LeafFold
    seconds: float


def persons(size: int) -> int:
    """Return how many people the entries of a ledger of ``size`` are about: ten entries each."""
    return max(size // 10, 1)


def conninfo(url: str) -> str:
    """Return the libpq connection string of a SQLAlchemy PostgreSQL URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def fill(url: str, size: int, seed: int, label: str) -> Filled:
    """Write ``size`` entries and their tree into the migrated hub database at ``url``."""
    fold, builder, nodes = LeafFold(), TreeBuilder(), 0
    started, tenth = time.perf_counter(), 1
    with psycopg.connect(conninfo(url)) as connection, _chunks(seed, size) as chunks:
        connection.execute("TRUNCATE ledger_entries, ledger_nodes")
        connection.execute(
            sql.SQL("CREATE TABLE {} (LIKE ledger_entries INCLUDING ALL)").format(
                sql.Identifier(PLAIN_TABLE)
            )
        )
        for chunk in chunks:
            above, count = builder.add(chunk)
            with connection.cursor() as cursor:
                for statement in _COPY_ENTRIES:
                    with cursor.copy(statement) as copy:
                        copy.write(chunk.entries)
                with cursor.copy(_COPY_NODES) as copy:
                    copy.write(chunk.nodes + above)
            nodes += chunk.node_count + count
            for offset in range(0, len(chunk.leaves), 32):
                fold.add(chunk.leaves[offset : offset + 32])
            if builder.size * 10 >= tenth * size:
                elapsed = time.perf_counter() - started
                rate = human_rate(builder.size / elapsed)
                print(f"    {label}: {builder.size:,} of {size:,} entries, {rate}, {elapsed:.0f} s")
                tenth = builder.size * 10 // size + 1
        connection.commit()
    return Filled(size, builder.root(), nodes, fold, time.perf_counter() - started)


@contextmanager
def _chunks(seed: int, size: int) -> Iterator[Iterator[Chunk]]:
    """Yield the chunks in order, made by worker processes a few chunks ahead."""
    workers, people = os.cpu_count() or 1, persons(size)
    with ProcessPoolExecutor(
        workers, mp_context=get_context("spawn"), initializer=use_every_cpu
    ) as pool:

        def ordered() -> Iterator[Chunk]:
            pending: deque[Future[Chunk]] = deque()
            starts = iter(range(0, size, CHUNK))
            for start in starts:
                pending.append(
                    pool.submit(make_chunk, seed, people, start, min(CHUNK, size - start))
                )
                if len(pending) >= 2 * workers:
                    break
            while pending:
                yield pending.popleft().result()
                following = next(starts, None)
                if following is not None:
                    count = min(CHUNK, size - following)
                    pending.append(pool.submit(make_chunk, seed, people, following, count))

        yield ordered()


def check(session: Session, ledger: LedgerService, filled: Filled) -> None:
    """Stop the run unless the stored ledger is the one the builder meant to write."""
    stored_size, stored_root = ledger.size(), ledger.root()
    stored_nodes = session.scalar(sqlalchemy.text("SELECT count(*) FROM ledger_nodes"))
    expected_nodes = 2 * filled.size - filled.size.bit_count()
    folded = filled.fold.root()
    problems = []
    if stored_size != filled.size:
        problems.append(f"LedgerService.size() is {stored_size:,}, not {filled.size:,}")
    if not stored_nodes == filled.nodes == expected_nodes:
        problems.append(
            f"{stored_nodes:,} nodes stored, {filled.nodes:,} written, {expected_nodes:,} expected"
        )
    if filled.root != folded:
        problems.append(f"the builder's root {filled.root.hex()} is not the fold's {folded.hex()}")
    if stored_root != folded:
        problems.append(f"LedgerService.root() is {stored_root.hex()}, the fold's {folded.hex()}")
    if problems:
        msg = "the ledger written in bulk is wrong: " + "; ".join(problems)
        raise SystemExit(msg)


def settle(url: str, label: str) -> float:
    """Analyze the tables and checkpoint, as a settled hub would be; return the seconds it took.

    ``VACUUM (ANALYZE)`` (all but free after ``COPY FREEZE``) gives the planner current
    statistics and ``CHECKPOINT`` writes out the fill's dirty pages, so that neither autovacuum
    nor the fill's writes run into the timed part.
    """
    started = time.perf_counter()
    print(f"    {label}: VACUUM (ANALYZE) and CHECKPOINT", flush=True)
    with psycopg.connect(conninfo(url), autocommit=True) as connection:
        for table in ("ledger_entries", "ledger_nodes", PLAIN_TABLE):
            connection.execute(sql.SQL("VACUUM (ANALYZE) {}").format(sql.Identifier(table)))
        connection.execute("CHECKPOINT")
    return time.perf_counter() - started
