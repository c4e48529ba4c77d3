"""Fixtures of the ledger tests: the hub's database, its ledger, the hub node and the CLI.

``migrated_engine`` (tests/conftest.py) is migrated as a hub here, once on SQLite and once on
PostgreSQL. ``hub_home`` is a deployment directory with the hub's keys whose hub database is the
test's; ``hub`` runs the hub node on it in-process, reached through ``httpx.ASGITransport`` at the
hub's own path, as the other nodes reach it in the embedded default.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import pytest

from mynumber.deployment import NodeKind, read_deployment
from mynumber.ledger.services import LedgerService, hub_ledger
from mynumber.network.codes import ALPHABET
from mynumber.storage import session_factory, unit_of_work

if TYPE_CHECKING:
    from pathlib import Path

    import sqlalchemy
    from sqlalchemy.orm import Session, sessionmaker

    from mynumber.keys import NodeKeys


def disclosure_code(person: int) -> str:
    """Return a well-formed disclosure code for test person ``person`` (26 base32 characters)."""
    digest = hashlib.sha256(f"person {person}".encode()).digest()
    return "".join(ALPHABET[byte % len(ALPHABET)] for byte in digest[:26])


def exchange(number: int, *, person: int | None = None) -> dict[str, object]:
    """Return a plausible entry: an exchange between two bodies about one person."""
    return {
        "kind": "exchange",
        "disclosure_code": disclosure_code(number % 5 if person is None else person),
        "requester": "city-office",
        "provider": "tax-office",
        "task": "child-allowance",
        "sequence": number,
        "at": f"2026-11-27T09:{number % 60:02d}:00+09:00",
        "note": "所得情報の照会",
    }


@pytest.fixture
def node_kind() -> NodeKind:
    """Migrate ``migrated_engine`` as the hub's database."""
    return NodeKind.HUB


@pytest.fixture
def sessions(migrated_engine: sqlalchemy.Engine) -> sessionmaker[Session]:
    """Return sessions of the migrated hub database."""
    return session_factory(migrated_engine)


def hub_service(session: Session, home: Path, keys: NodeKeys) -> LedgerService:
    """Return the ledger of the deployment's hub over ``session``, as the hub node makes it."""
    return hub_ledger(session, keys, read_deployment(home).node("hub").base_url)


def fill(sessions: sessionmaker[Session], home: Path, keys: NodeKeys, count: int) -> None:
    """Append ``count`` entries, one unit of work each, checkpointing every tenth size."""
    for number in range(count):
        with unit_of_work(sessions) as session:
            ledger = hub_service(session, home, keys)
            ledger.append(exchange(number))
            if (number + 1) % 10 == 0 or number + 1 == count:
                ledger.checkpoint()
