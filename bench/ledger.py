"""Figure 7: the hub's exchange ledger at N entries -- appends and proofs, each beside a baseline.

For each N (10**6 and 10**7; --quick: 10**5 and 10**6), in a PostgreSQL database created for it
and dropped after, migrated as a hub: the ledger is filled in bulk (untimed, :mod:`ledger_fill`),
checked against a root computed apart, copied into a plain table of the same shape, vacuumed and
checkpointed. Then, on one core of this process:

- Appends. Ours: ``LedgerService.append`` of a fresh exchange entry, one unit of work (one
  committed transaction) each, as an exchange does. Baseline: a plain ``INSERT`` of the same
  entry row (bytes, leaf hash, code, kind, time, index: all computed beforehand) into the plain
  table, through the same session and one commit each. The ratio is the cost of the screening and
  of the Merkle tree: the advisory lock, the size and border reads, the node inserts.
  ``repeats`` rounds a side, the order reversed every other round; each round appends new entries
  at the end, so both tables grow alike.
- Proofs, against a checkpoint signed first. Ours: ``signed_inclusion`` of a random entry and
  ``signed_consistency`` from a random older size to the checkpoint, one unit of work each, as the
  hub's API answers them. Baseline: one entry row fetched by its index (a primary-key lookup), in
  the same way. The three calls take turns, so the machine's noise falls on all alike; the
  latency of every call is kept: p50 and p95.

Before timing, proofs of random entries and sizes are verified against the checkpoint's root
(opened with the hub's public key) with ``mynumber.ledger.merkle``, and after the appends the
ledger's root must equal the fold of every leaf the bench hashed itself.
"""

import gc
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import MetaData, insert, select
from sqlalchemy.orm import Session, sessionmaker

import inputs
import ledger_fill
import ledger_report
from figures import Figure, Sizes
from ledger_entries import Prepared, entries, leaf_hash, prepare
from ledger_report import CHECKED_PROOFS, WARM, percentiles
from mynumber.deployment import NodeKind
from mynumber.ledger.checkpoints import open_checkpoint
from mynumber.ledger.merkle import verify_consistency, verify_inclusion
from mynumber.ledger.models import LedgerEntry
from mynumber.ledger.services import LedgerService, log_origin
from mynumber.storage import FieldKeys, create_engine, session_factory, unit_of_work, upgrade
from registers import Backend
from timing import Measurement

#: The ledger's origin and key name, as a hub at this URL would sign its checkpoints.
ORIGIN = log_origin("https://hub.bench.example/hub")
_ENTRIES = LedgerEntry.metadata.tables[LedgerEntry.__tablename__]
_PLAIN = _ENTRIES.to_metadata(MetaData(), name=ledger_fill.PLAIN_TABLE)


@dataclass(frozen=True)
class SizeResult:
    """Figure 7 at one size: how the ledger was made, and both sides' measurements."""

    filled: ledger_fill.Filled
    settle_seconds: float
    #: Bytes on disk after the fill: the database, ledger_entries and ledger_nodes (indexes in).
    disk: tuple[int, int, int]
    #: Seconds per round of appends (``appends`` items each) and the latency of every append.
    appends: dict[str, Measurement]
    append_latency: dict[str, list[float]]
    checkpoint_seconds: float
    #: The latency of every timed call: inclusion, consistency, lookup.
    proofs: dict[str, Measurement]


def ledger(backend: Backend, sizes: Sizes, repeats: int) -> Figure:
    """Figure 7: fill a ledger of each size, then time appends and proofs beside the baseline."""
    results = [_at_size(backend, size, sizes, repeats) for size in sizes.ledger_sizes]
    return ledger_report.figure(results, sizes, repeats)


def _at_size(backend: Backend, size: int, sizes: Sizes, repeats: int) -> SizeResult:
    """Make a ledger of ``size`` entries in a fresh database and measure it."""
    label = f"[7] ledger of {size:,}"
    rng = inputs.generator()
    key = Ed25519PrivateKey.generate()
    with backend.empty_database() as url:
        engine = create_engine(url, FieldKeys(rng.bytes(32), rng.bytes(32)))
        try:
            upgrade(engine, NodeKind.HUB)
            print(f"{label}: filling in bulk (untimed)", flush=True)
            filled = ledger_fill.fill(url, size, inputs.SEED, label)
            sessions = session_factory(engine)
            with sessions() as session:
                ledger_fill.check(session, _service(session, key), filled)
            print(f"{label}: filled in {filled.seconds:.0f} s; the root checks out", flush=True)
            settle_seconds = ledger_fill.settle(url, label)
            disk = _disk(engine)
            appends, latency = _appends(sessions, key, filled, sizes.ledger_appends, repeats)
            with unit_of_work(sessions) as session:
                signing = time.perf_counter()
                _service(session, key).checkpoint()
                checkpoint_seconds = time.perf_counter() - signing
            _check_proofs(sessions, key, filled)
            proofs = _proofs(sessions, key, filled, sizes.ledger_proofs, label)
        finally:
            engine.dispose()
    return SizeResult(filled, settle_seconds, disk, appends, latency, checkpoint_seconds, proofs)


def _service(session: Session, key: Ed25519PrivateKey) -> LedgerService:
    """Return the hub's ledger over ``session``, as ``hub_ledger`` makes it for a request."""
    return LedgerService(session, key, origin=ORIGIN, key_name=ORIGIN)


def _disk(engine: sqlalchemy.Engine) -> tuple[int, int, int]:
    """Return the bytes of the database and of the two ledger tables, indexes included."""
    query = sqlalchemy.text(
        "SELECT pg_database_size(current_database()), "
        "pg_total_relation_size('ledger_entries'), pg_total_relation_size('ledger_nodes')"
    )
    with engine.connect() as connection:
        database, entries_bytes, nodes_bytes = connection.execute(query).one()
    return int(database), int(entries_bytes), int(nodes_bytes)


def _appends(
    sessions: sessionmaker[Session],
    key: Ed25519PrivateKey,
    filled: ledger_fill.Filled,
    count: int,
    repeats: int,
) -> tuple[dict[str, Measurement], dict[str, list[float]]]:
    """Time ``repeats`` rounds of appends a side; check the tree they grew; return the times."""
    per_round = max(1, count // repeats)
    start = filled.fold.size
    made = entries(inputs.SEED, ledger_fill.persons(filled.size), start, WARM + per_round * repeats)
    prepared = [prepare(entry) for entry in made]
    appended: list[int] = []

    def ours(first: int, last: int) -> list[float]:
        def one(number: int) -> None:
            with unit_of_work(sessions) as session:
                appended.append(_service(session, key).append(made[number]).index)

        return _each(one, first, last)

    def baseline(first: int, last: int) -> list[float]:
        def one(number: int) -> None:
            with unit_of_work(sessions) as session:
                session.execute(insert(_PLAIN), _row(start + number, prepared[number]))

        return _each(one, first, last)

    sides: dict[str, Callable[[int, int], list[float]]] = {"ours": ours, "baseline": baseline}
    for side in sides.values():
        side(0, WARM)
    seconds: dict[str, list[float]] = {"ours": [], "baseline": []}
    latency: dict[str, list[float]] = {"ours": [], "baseline": []}
    for round_number in range(repeats):
        first = WARM + round_number * per_round
        order = ("ours", "baseline") if round_number % 2 == 0 else ("baseline", "ours")
        for name in order:
            calls = sides[name](first, first + per_round)
            seconds[name].append(sum(calls))
            latency[name] += calls
        print(
            f"  round {round_number + 1}/{repeats}: {per_round:,} appends, ours "
            f"{sum(latency['ours'][-per_round:]) / per_round * 1e3:.2f} ms, baseline "
            f"{sum(latency['baseline'][-per_round:]) / per_round * 1e3:.2f} ms each",
            flush=True,
        )
    if appended != list(range(start, start + len(prepared))):
        msg = "ours appended at other indexes than the next ones"
        raise SystemExit(msg)
    _check_tree(sessions, key, filled, [entry.leaf_hash for entry in prepared])
    return {
        name: Measurement(f"ledger of {filled.size:,}: appends, {name}", per_round, tuple(times))
        for name, times in seconds.items()
    }, latency


def _each(one: Callable[[int], None], first: int, last: int) -> list[float]:
    """Call ``one`` for every number from ``first`` to ``last``; return each call's seconds."""
    times = []
    gc.collect()
    gc.disable()
    try:
        for number in range(first, last):
            began = time.perf_counter()
            one(number)
            times.append(time.perf_counter() - began)
    finally:
        gc.enable()
    return times


def _row(index: int, prepared: Prepared) -> dict[str, Any]:
    """Return the baseline's row for entry ``index``: what ours stores, computed beforehand."""
    return {
        "index": index,
        "entry": prepared.data,
        "leaf_hash": prepared.leaf_hash,
        "disclosure_code": prepared.code,
        "kind": prepared.kind,
        "appended_at": datetime.now(UTC),
    }


def _check_tree(
    sessions: sessionmaker[Session],
    key: Ed25519PrivateKey,
    filled: ledger_fill.Filled,
    leaves: Sequence[bytes],
) -> None:
    """Stop the run unless the appends of ``leaves`` grew the tree right, and the plain table."""
    for leaf in leaves:
        filled.fold.add(leaf)
    with sessions() as session:
        root = _service(session, key).root()
        last = session.scalar(select(sqlalchemy.func.max(_PLAIN.c.index)))
        plain = -1 if last is None else last + 1
    problems = []
    if root != filled.fold.root():
        problems.append(f"the root after the appends is {root.hex()}, not the fold's")
    if plain != filled.fold.size:
        problems.append(f"the baseline's table ends at {plain:,} rows, not {filled.fold.size:,}")
    if problems:
        msg = "ledger appends went wrong: " + "; ".join(problems)
        raise SystemExit(msg)


def _check_proofs(
    sessions: sessionmaker[Session], key: Ed25519PrivateKey, filled: ledger_fill.Filled
) -> None:
    """Stop the run unless proofs of random entries and sizes verify against the checkpoint."""
    rng = random.Random(inputs.SEED)
    size = filled.fold.size
    with sessions() as session:
        ledger = _service(session, key)
        signed = ledger.signed_inclusion(0)
        head = open_checkpoint(signed.checkpoint, {ORIGIN: key.public_key()})
        if (head.size, head.root_hash) != (size, filled.fold.root()):
            msg = "the signed checkpoint is not of the ledger the bench built"
            raise SystemExit(msg)
        for _ in range(CHECKED_PROOFS):
            index, old = rng.randrange(size), rng.randrange(1, size)
            row = session.execute(select(_ENTRIES).where(_ENTRIES.c.index == index)).one()
            if leaf_hash(row.entry) != row.leaf_hash:
                msg = f"entry {index}'s stored leaf hash is not the hash of its bytes"
                raise SystemExit(msg)
            proof = ledger.signed_inclusion(index).proof
            verify_inclusion(row.leaf_hash, index, size, proof, head.root_hash)
            proof = ledger.signed_consistency(old).proof
            verify_consistency(old, size, ledger.root(old), head.root_hash, proof)


def _proofs(
    sessions: sessionmaker[Session],
    key: Ed25519PrivateKey,
    filled: ledger_fill.Filled,
    count: int,
    label: str,
) -> dict[str, Measurement]:
    """Time ``count`` calls of each kind, taking turns; return every call's latency."""
    rng = random.Random(inputs.SEED + 1)
    size = filled.fold.size

    def inclusion() -> None:
        with unit_of_work(sessions) as session:
            _service(session, key).signed_inclusion(rng.randrange(size))

    def consistency() -> None:
        with unit_of_work(sessions) as session:
            _service(session, key).signed_consistency(rng.randrange(1, size))

    def lookup() -> None:
        with unit_of_work(sessions) as session:
            session.execute(select(_ENTRIES).where(_ENTRIES.c.index == rng.randrange(size))).one()

    calls = {"inclusion": inclusion, "consistency": consistency, "lookup": lookup}
    names = list(calls)
    latency: dict[str, list[float]] = {name: [] for name in names}
    print(f"{label}: {count:,} calls of each: inclusion, consistency, lookup", flush=True)
    gc.collect()
    gc.disable()
    try:
        for number in range(WARM + count):
            turn = names[number % 3 :] + names[: number % 3]
            for name in turn if number % 2 else reversed(turn):
                began = time.perf_counter()
                calls[name]()
                if number >= WARM:
                    latency[name].append(time.perf_counter() - began)
    finally:
        gc.enable()
    for name in names:
        p50, p95 = percentiles(latency[name])
        print(f"  {name}: p50 {p50 * 1e3:.2f} ms, p95 {p95 * 1e3:.2f} ms", flush=True)
    return {
        name: Measurement(f"ledger of {filled.size:,}: {name}, per call", 1, tuple(times))
        for name, times in latency.items()
    }
