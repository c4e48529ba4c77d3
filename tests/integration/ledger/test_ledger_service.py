"""The hub's ledger over a real database: appends, roots, proofs and checkpoints, fail closed."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select, text
from tests.integration.ledger.conftest import disclosure_code, exchange

from mynumber.deployment import NodeKind
from mynumber.ledger import merkle
from mynumber.ledger.checkpoints import open_checkpoint
from mynumber.ledger.entries import canonical_json
from mynumber.ledger.exceptions import InvalidRange, MalformedEntry, UnverifiedCheckpoint
from mynumber.ledger.models import LedgerCheckpoint, LedgerEntry, LedgerNode
from mynumber.ledger.screening import MAX_ENTRY_BYTES, EntryTooLarge, NumberInEntry
from mynumber.ledger.services import CheckpointNotFound, EntryNotFound, LedgerService
from mynumber.ledger.verification import LedgerVerifier
from mynumber.storage import (
    TransactionFailedError,
    create_engine,
    session_factory,
    unit_of_work,
    upgrade,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    import sqlalchemy
    from sqlalchemy.orm import Session, sessionmaker

    from mynumber.storage import FieldKeys

ORIGIN = "hub.example.jp/ledger"
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


@pytest.fixture
def signing_key() -> Ed25519PrivateKey:
    """Return a fresh hub signing key."""
    return Ed25519PrivateKey.generate()


def _ledger(session: Session, key: Ed25519PrivateKey) -> LedgerService:
    return LedgerService(session, key, origin=ORIGIN, key_name=ORIGIN, clock=lambda: NOW)


def _append_all(sessions: sessionmaker[Session], key: Ed25519PrivateKey, count: int) -> list[bytes]:
    """Append ``count`` entries, one unit of work each; return their leaf hashes."""
    leaves = []
    for number in range(count):
        with unit_of_work(sessions) as session:
            appended = _ledger(session, key).append(exchange(number))
        assert appended.index == number
        leaves.append(appended.leaf_hash)
    return leaves


def _counts(sessions: sessionmaker[Session]) -> tuple[int, int, int]:
    with unit_of_work(sessions) as session:
        return tuple(  # type: ignore[return-value]
            session.scalar(select(func.count()).select_from(model)) or 0
            for model in (LedgerEntry, LedgerNode, LedgerCheckpoint)
        )


def test_appends_get_consecutive_indexes(
    sessions: sessionmaker[Session], signing_key: Ed25519PrivateKey
) -> None:
    """Each append takes the next index; the entry's bytes and leaf hash are stored as hashed."""
    leaves = _append_all(sessions, signing_key, 5)
    with unit_of_work(sessions) as session:
        ledger = _ledger(session, signing_key)
        assert ledger.size() == 5
        for number in range(5):
            stored = ledger.entry(number)
            assert stored.entry == canonical_json(exchange(number))
            assert stored.leaf_hash == leaves[number] == merkle.leaf_hash(stored.entry)
            assert stored.appended_at == NOW
    assert _counts(sessions)[1] == 5 + 2 + 1  # leaves, two pairs, one quad


def test_roots_and_proofs_equal_the_list_based_core(
    sessions: sessionmaker[Session], signing_key: Ed25519PrivateKey
) -> None:
    """For every size up to 40, roots and every proof equal the RFC's list-based definitions."""
    leaves = _append_all(sessions, signing_key, 40)
    with unit_of_work(sessions) as session:
        ledger = _ledger(session, signing_key)
        for size in range(41):
            prefix = leaves[:size]
            assert ledger.root(size) == merkle.root(prefix)
            for index in range(size):
                assert ledger.inclusion(index, size) == merkle.inclusion_proof(prefix, index)
            for old in range(size + 1):
                assert ledger.consistency(old, size) == merkle.consistency_proof(prefix, old)


@pytest.mark.parametrize(
    "smuggled",
    [
        {"note": "621498320257"},
        {"note": "番号 6214-9832-0257 を照会"},
        {"note": "６２１４ ９８３２ ０２５７"},
        {"amount": 621498320257},
        {"621498320257": "as a key"},
        {"nested": [{"deep": ["x", "123456789012"]}]},
    ],
)
def test_a_number_bearing_entry_is_refused_and_nothing_stored(
    sessions: sessionmaker[Session], signing_key: Ed25519PrivateKey, smuggled: dict[str, object]
) -> None:
    """Anything that looks like a 12-digit number is refused, and the ledger stays as it was."""
    _append_all(sessions, signing_key, 1)
    before = _counts(sessions)
    with (
        pytest.raises(NumberInEntry, match="looks like an Individual Number"),
        unit_of_work(sessions) as session,
    ):
        _ledger(session, signing_key).append({**exchange(1), **smuggled})
    assert _counts(sessions) == before


@pytest.mark.parametrize(
    ("entry", "refusal"),
    [
        ({"disclosure_code": disclosure_code(1)}, "needs `kind`"),
        ({"kind": "exchange"}, "needs `disclosure_code`"),
        ({"kind": "exchange", "disclosure_code": "not-a-code"}, "needs `disclosure_code`"),
        ({**exchange(0), "amount": 1.5}, "floats are not allowed"),
        ({**exchange(0), "blob": "x" * MAX_ENTRY_BYTES}, "at most 65536"),
    ],
)
def test_a_malformed_entry_is_refused_and_nothing_stored(
    sessions: sessionmaker[Session],
    signing_key: Ed25519PrivateKey,
    entry: dict[str, object],
    refusal: str,
) -> None:
    """An entry without kind or code, not canonical JSON, or too large, is refused whole."""
    with pytest.raises(MalformedEntry, match=refusal), unit_of_work(sessions) as session:
        _ledger(session, signing_key).append(entry)
    assert _counts(sessions) == (0, 0, 0)
    assert issubclass(EntryTooLarge, MalformedEntry)


@pytest.fixture
def one_by_one(tmp_path: Path, field_keys: FieldKeys) -> Iterator[sessionmaker[Session]]:
    """Yield sessions of a second hub database (SQLite), to append to one entry at a time."""
    engine = create_engine(f"sqlite:///{tmp_path / 'one-by-one.sqlite3'}", field_keys)
    try:
        upgrade(engine, NodeKind.HUB)
        yield session_factory(engine)
    finally:
        engine.dispose()


#: Batch sizes that start and end at odd sizes, cross powers of two, and include an empty batch.
BATCHES = (1, 3, 6, 0, 16, 5, 2)


def test_a_batch_appends_as_appending_one_by_one_does(
    sessions: sessionmaker[Session],
    one_by_one: sessionmaker[Session],
    signing_key: Ed25519PrivateKey,
) -> None:
    """Entries appended in batches get the indexes, leaves, roots and proofs of single appends."""
    total = sum(BATCHES)
    leaves = _append_all(one_by_one, signing_key, total)
    first = 0
    for count in BATCHES:
        numbers = range(first, first + count)
        with unit_of_work(sessions) as session:
            appended = _ledger(session, signing_key).append_many([exchange(n) for n in numbers])
        assert [(each.index, each.leaf_hash) for each in appended] == [
            (n, leaves[n]) for n in numbers
        ]
        first += count
    with unit_of_work(sessions) as session, unit_of_work(one_by_one) as single_session:
        batched, single = _ledger(session, signing_key), _ledger(single_session, signing_key)
        assert batched.size() == single.size() == total
        for size in range(total + 1):
            assert batched.root(size) == single.root(size)
            for index in range(size):
                assert batched.inclusion(index, size) == single.inclusion(index, size)
            assert batched.consistency(size // 3, size) == single.consistency(size // 3, size)
        for index in range(total):
            assert batched.entry(index).entry == single.entry(index).entry
        assert batched.checkpoint() == single.checkpoint()
    assert _counts(sessions) == _counts(one_by_one)


@pytest.mark.parametrize(
    ("malformed", "refusal"),
    [
        ({**exchange(5), "note": "番号 621498320257 を照会"}, NumberInEntry),
        ({"kind": "exchange", "sequence": 5}, MalformedEntry),
    ],
    ids=["twelve-digits", "no-disclosure-code"],
)
def test_one_malformed_entry_refuses_the_whole_batch(
    sessions: sessionmaker[Session],
    signing_key: Ed25519PrivateKey,
    malformed: dict[str, object],
    refusal: type[Exception],
) -> None:
    """A batch with one bad entry raises before writing any of it, even if the caller commits."""
    _append_all(sessions, signing_key, 3)
    before = _counts(sessions)
    good = [exchange(3), exchange(4), exchange(6)]
    with unit_of_work(sessions) as session:
        ledger = _ledger(session, signing_key)
        root = ledger.root()
        with pytest.raises(refusal):
            ledger.append_many([*good[:2], malformed, good[2]])
        assert (ledger.size(), ledger.root()) == (3, root)
        assert ledger.append_many([]) == []
    assert _counts(sessions) == before
    with unit_of_work(sessions) as session:
        appended = _ledger(session, signing_key).append_many(good)
    assert [each.index for each in appended] == [3, 4, 5]


def test_checkpoints_verify_with_the_hub_key_and_are_reused(
    sessions: sessionmaker[Session], signing_key: Ed25519PrivateKey
) -> None:
    """A checkpoint opens with the hub's key, signs the root, and is reused until the log grows."""
    with unit_of_work(sessions) as session:
        empty = _ledger(session, signing_key).checkpoint()
    assert open_checkpoint(empty, {ORIGIN: signing_key.public_key()}).size == 0
    leaves = _append_all(sessions, signing_key, 3)
    with unit_of_work(sessions) as session:
        first = _ledger(session, signing_key).checkpoint()
    with unit_of_work(sessions) as session:
        again = _ledger(session, signing_key).checkpoint()
    assert again == first
    assert _counts(sessions)[2] == 2
    head = open_checkpoint(first, {ORIGIN: signing_key.public_key()})
    assert (head.origin, head.size, head.root_hash) == (ORIGIN, 3, merkle.root(leaves))
    with pytest.raises(UnverifiedCheckpoint):
        open_checkpoint(first, {ORIGIN: Ed25519PrivateKey.generate().public_key()})


def test_proofs_are_served_only_against_signed_checkpoints(
    sessions: sessionmaker[Session], signing_key: Ed25519PrivateKey
) -> None:
    """Signed proofs need a checkpoint of that size; the latest is the default."""
    _append_all(sessions, signing_key, 6)
    with unit_of_work(sessions) as session:
        ledger = _ledger(session, signing_key)
        with pytest.raises(CheckpointNotFound, match="no signed checkpoint yet"):
            ledger.signed_inclusion(0)
        note = ledger.checkpoint()
        signed = ledger.signed_inclusion(2)
        assert (signed.size, signed.checkpoint) == (6, note)
        assert signed.proof == ledger.inclusion(2, 6)
        for too_big in (7, 4, 2**70):
            with pytest.raises(CheckpointNotFound, match=f"no checkpoint of {too_big} entries"):
                ledger.signed_consistency(1, too_big)
        with pytest.raises(InvalidRange):
            ledger.signed_consistency(7)


def test_entries_are_found_by_index_and_by_person(
    sessions: sessionmaker[Session], signing_key: Ed25519PrivateKey
) -> None:
    """An entry is read back by its index and among its person's entries; others are refused."""
    _append_all(sessions, signing_key, 12)
    with unit_of_work(sessions) as session:
        ledger = _ledger(session, signing_key)
        assert [e.index for e in ledger.entries_of(disclosure_code(2))] == [2, 7]
        assert ledger.entries_of(disclosure_code(99)) == []
        with pytest.raises(EntryNotFound, match="there is no entry 12"):
            ledger.entry(12)
        with pytest.raises(InvalidRange):
            ledger.entry(-1)


def _write_then_append(ledger: LedgerService) -> None:
    """Write something of the caller's own (a checkpoint), then append, in one transaction."""
    ledger.checkpoint()
    ledger.append(exchange(0))


def test_a_failed_append_fails_the_callers_whole_transaction(
    sessions: sessionmaker[Session], signing_key: Ed25519PrivateKey
) -> None:
    """If the append cannot be written, nothing the caller did in its transaction is kept."""
    with unit_of_work(sessions) as session:  # a stray node where the first leaf must go
        session.execute(
            text('INSERT INTO ledger_nodes (level, "index", hash) VALUES (0, 0, :hash)'),
            {"hash": bytes(32)},
        )
    with pytest.raises(TransactionFailedError), unit_of_work(sessions) as session:
        _write_then_append(_ledger(session, signing_key))
    assert _counts(sessions) == (0, 1, 0)


def test_concurrent_appends_never_fork_the_log(
    migrated_engine: sqlalchemy.Engine,
    sessions: sessionmaker[Session],
    signing_key: Ed25519PrivateKey,
) -> None:
    """Appends racing from several threads end as one gapless, verifiable log."""
    done: list[int] = []

    def worker(first: int) -> None:
        for number in range(first, first + 10):
            try:
                with unit_of_work(sessions) as session:
                    done.append(_ledger(session, signing_key).append(exchange(number)).index)
            except TransactionFailedError:  # SQLite: a writer that read a stale snapshot
                continue

    threads = [threading.Thread(target=worker, args=(first,)) for first in range(0, 40, 10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(done) == list(range(len(done)))
    if migrated_engine.dialect.name == "postgresql":
        assert len(done) == 40
    with unit_of_work(sessions) as session:
        _ledger(session, signing_key).checkpoint()
        report = LedgerVerifier(session, {ORIGIN: signing_key.public_key()}).verify()
    assert report.entries == len(done)
