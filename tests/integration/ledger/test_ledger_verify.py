"""`mynumber ledger verify`: a clean ledger passes, and each kind of tampering is named."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text
from tests.integration.ledger.conftest import fill

from mynumber.ledger import merkle
from mynumber.ledger.notes import verifier_key
from mynumber.ledger.verification import LedgerCorrupt, LedgerVerifier
from mynumber.storage import unit_of_work

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.orm import Session, sessionmaker
    from tests.integration.conftest import Result, Run

    from mynumber.keys import NodeKeys

ENTRIES = 45
#: The default deployment's hub answers at http://127.0.0.1:8000/hub.
ORIGIN = "127.0.0.1:8000/hub"
Tamper = Callable[["sessionmaker[Session]"], None]


@pytest.fixture
def ledger(
    hub_home: Path, hub_keys: NodeKeys, hub_sessions: sessionmaker[Session]
) -> sessionmaker[Session]:
    """Return sessions of a hub database whose ledger holds 45 entries and 5 checkpoints."""
    fill(hub_sessions, hub_home, hub_keys, ENTRIES)
    return hub_sessions


@pytest.fixture
def verify(hub_home: Path, database_url: str, mynumber: Run) -> Run:
    """Return ``mynumber ledger verify`` on the test's hub database, with the deployment's key."""

    def run(*extra: object) -> Result:
        return mynumber(
            "ledger", "verify", "--dir", hub_home, "--database-url", database_url, *extra
        )

    return run


def _sql(sessions: sessionmaker[Session], statement: str, **values: object) -> None:
    """Run one raw SQL statement on the hub's database, as someone with database access could."""
    with unit_of_work(sessions) as session:
        session.execute(text(statement), values)


def _entry_bytes(sessions: sessionmaker[Session], index: int) -> bytes:
    with unit_of_work(sessions) as session:
        query = text('SELECT entry FROM ledger_entries WHERE "index" = :index')
        return bytes(session.execute(query, {"index": index}).scalar_one())


def _set_entry(sessions: sessionmaker[Session], index: int, data: bytes) -> None:
    _sql(
        sessions,
        'UPDATE ledger_entries SET entry = :data WHERE "index" = :index',
        data=data,
        index=index,
    )


def test_a_clean_ledger_passes(
    ledger: sessionmaker[Session], hub_home: Path, verify: Run, mynumber: Run
) -> None:
    """The summary gives the entries, the checkpoints and the root of the whole ledger."""
    result = verify("--json")
    assert result.code == 0, result.err
    with unit_of_work(ledger) as session:
        leaves = [
            bytes(row[0])
            for row in session.execute(
                text('SELECT leaf_hash FROM ledger_entries ORDER BY "index"')
            )
        ]
    assert json.loads(result.out) == {
        "entries": ENTRIES,
        "checkpoints": 5,
        "root": merkle.root(leaves).hex(),
    }
    plain = mynumber("ledger", "verify", "--dir", hub_home)
    assert plain.out.startswith(f"ledger verified: {ENTRIES} entries, 5 checkpoints, root ")


def test_a_copy_is_checked_with_the_key_alone(
    ledger: sessionmaker[Session], hub_home: Path, database_url: str, mynumber: Run
) -> None:
    """With --database-url and --key no deployment is needed; another hub's key fails it."""
    del ledger
    key = mynumber("ledger", "key", "--dir", hub_home).out.strip()
    result = mynumber("ledger", "verify", "--database-url", database_url, "--key", key)
    assert result.code == 0, result.err
    stranger = verifier_key(key.split("+")[0], Ed25519PrivateKey.generate().public_key())
    refused = mynumber("ledger", "verify", "--database-url", database_url, "--key", stranger)
    assert refused.code == 1
    assert refused.err.startswith("mynumber: checkpoint of 10 entries: the note is signed by 0")
    assert refused.err.count("\n") == 1


def _flip_a_byte(sessions: sessionmaker[Session]) -> None:
    data = bytearray(_entry_bytes(sessions, 17))
    data[len(data) // 2] ^= 0x01
    _set_entry(sessions, 17, bytes(data))


def _delete_an_entry(sessions: sessionmaker[Session]) -> None:
    _sql(sessions, 'DELETE FROM ledger_entries WHERE "index" = 41')


def _swap_two_entries(sessions: sessionmaker[Session]) -> None:
    third, seventh = _entry_bytes(sessions, 3), _entry_bytes(sessions, 7)
    _set_entry(sessions, 3, seventh)
    _set_entry(sessions, 7, third)


def _alter_a_node(sessions: sessionmaker[Session]) -> None:
    _sql(
        sessions,
        'UPDATE ledger_nodes SET hash = :hash WHERE level = 2 AND "index" = 1',
        hash=bytes(32),
    )


def _alter_a_leaf_node(sessions: sessionmaker[Session]) -> None:
    _sql(
        sessions,
        'UPDATE ledger_nodes SET hash = :hash WHERE level = 0 AND "index" = 9',
        hash=bytes(32),
    )


def _drop_the_last_entry(sessions: sessionmaker[Session]) -> None:
    _sql(sessions, 'DELETE FROM ledger_entries WHERE "index" = 44')


def _drop_a_node(sessions: sessionmaker[Session]) -> None:
    _sql(sessions, 'DELETE FROM ledger_nodes WHERE level = 3 AND "index" = 2')


def _rewrite_a_checkpoint(sessions: sessionmaker[Session]) -> None:
    _sql(
        sessions,
        "UPDATE ledger_checkpoints SET note = replace(note, '\n20\n', '\n19\n') WHERE size = 20",
    )


@pytest.mark.parametrize(
    ("tamper", "named"),
    [
        (_flip_a_byte, "entry 17: "),
        (_delete_an_entry, "entry 41: it is missing (the next stored entry is 42)"),
        (_swap_two_entries, "entry 3: its bytes hash to "),
        (_alter_a_node, "node (2, 1) over entries 4-7: the stored tree node is 0000"),
        (_alter_a_leaf_node, "entry 9: the stored tree node is 0000"),
        (_drop_the_last_entry, "entry 44: the stored tree has a node for it"),
        (_drop_a_node, "node (3, 2) over entries 16-23: its node is missing"),
        (_rewrite_a_checkpoint, "checkpoint of 20 entries: the signature by "),
    ],
)
def test_tampering_is_found_and_named(
    ledger: sessionmaker[Session], verify: Run, tamper: Tamper, named: str
) -> None:
    """Each change made behind the hub's back fails the check with one line naming where."""
    tamper(ledger)
    result = verify()
    assert result.code == 1
    assert result.out == ""
    assert result.err.startswith(f"mynumber: {named}"), result.err
    assert result.err.count("\n") == 1


def test_progress_is_reported_for_long_passes(
    ledger: sessionmaker[Session], hub_keys: NodeKeys
) -> None:
    """The verifier reports each stretch of rows it has checked, pass by pass."""
    calls: list[tuple[str, int, int]] = []
    assert hub_keys.ledger_signing is not None
    with unit_of_work(ledger) as session:
        verifier = LedgerVerifier(
            session,
            {ORIGIN: hub_keys.ledger_signing.public_key()},
            origin=ORIGIN,
            progress=lambda what, done, total: calls.append((what, done, total)),
            progress_every=20,
        )
        assert verifier.verify().entries == ENTRIES
    assert calls[:2] == [("entries", 20, ENTRIES), ("entries", 40, ENTRIES)]
    assert ("tree nodes at level 0", 40, ENTRIES) in calls
    assert ("tree nodes at level 1", 20, 22) in calls


def test_a_checkpoint_of_another_log_is_refused(
    ledger: sessionmaker[Session], hub_keys: NodeKeys
) -> None:
    """A checkpoint signed with the hub's key for another origin does not pass as this log's."""
    assert hub_keys.ledger_signing is not None
    with unit_of_work(ledger) as session:
        verifier = LedgerVerifier(
            session, {ORIGIN: hub_keys.ledger_signing.public_key()}, origin="elsewhere.example"
        )
        with pytest.raises(LedgerCorrupt, match="checkpoint of 10 entries: it names the log"):
            verifier.verify()
