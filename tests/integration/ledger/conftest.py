"""Fixtures of the ledger tests: the hub's database, its ledger, the hub node and the CLI.

``migrated_engine`` (tests/conftest.py) is migrated as a hub here, once on SQLite and once on
PostgreSQL. ``hub_home`` is a deployment directory with the hub's keys whose hub database is the
test's; ``hub`` runs the hub node on it in-process, reached through ``httpx.ASGITransport`` at the
hub's own path, as the other nodes reach it in the embedded default.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import httpx
import pytest

from mynumber.cli.main import main
from mynumber.deployment import NodeKind, default_deployment, read_deployment, write_deployment
from mynumber.keys import NodeKeys, create_node_keys, load_node_keys
from mynumber.ledger.services import LedgerService, hub_ledger
from mynumber.network.codes import ALPHABET
from mynumber.nodes.app import create_node_app
from mynumber.settings import Settings, load_settings
from mynumber.storage import create_engine, session_factory, unit_of_work, upgrade

if TYPE_CHECKING:
    from pathlib import Path

    import sqlalchemy
    from sqlalchemy.orm import Session, sessionmaker


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


@dataclass(frozen=True)
class Result:
    """What one run of ``mynumber`` printed and how it exited."""

    code: int
    out: str
    err: str


Run = Callable[..., Result]


@pytest.fixture
def node_kind() -> NodeKind:
    """Migrate ``migrated_engine`` as the hub's database."""
    return NodeKind.HUB


@pytest.fixture
def sessions(migrated_engine: sqlalchemy.Engine) -> sessionmaker[Session]:
    """Return sessions of the migrated hub database."""
    return session_factory(migrated_engine)


@pytest.fixture
def hub_home(tmp_path: Path, database_url: str) -> Path:
    """Return a deployment directory with the hub's keys; the hub's database is the test's."""
    home = tmp_path / "deployment"
    create_node_keys(home, "hub", NodeKind.HUB)
    deployment = default_deployment()
    nodes = tuple(
        replace(spec, database_url=database_url) if spec.id == "hub" else spec
        for spec in deployment.nodes
    )
    write_deployment(home, replace(deployment, nodes=nodes))
    return home


@pytest.fixture
def hub_keys(hub_home: Path) -> NodeKeys:
    """Return the hub's keys, as the node loads them."""
    return load_node_keys(hub_home, "hub", NodeKind.HUB, demo_allowed=False)


@pytest.fixture
def hub_sessions(hub_home: Path, hub_keys: NodeKeys) -> Iterator[sessionmaker[Session]]:
    """Yield sessions of the hub's database, migrated."""
    spec = read_deployment(hub_home).node("hub")
    engine = create_engine(spec.resolved_database_url(hub_home), hub_keys.field_keys)
    try:
        upgrade(engine, NodeKind.HUB)
        yield session_factory(engine)
    finally:
        engine.dispose()


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


@pytest.fixture
def mynumber(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    """Return a function that runs ``mynumber ARGS`` through its entry point, as the script does."""
    for name in Settings.model_fields:
        monkeypatch.delenv(f"MYNUMBER_{name.upper()}", raising=False)

    def run(*args: object) -> Result:
        monkeypatch.setattr(sys, "argv", ["mynumber", *map(str, args)])
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture
def anyio_backend() -> str:
    """Run the async tests on asyncio, the loop uvicorn uses."""
    return "asyncio"


@pytest.fixture
async def hub(
    hub_home: Path, hub_keys: NodeKeys, hub_sessions: sessionmaker[Session], anyio_backend: str
) -> AsyncIterator[httpx.AsyncClient]:
    """Yield a client of the hub node, on SQLite and then on PostgreSQL, called in-process."""
    del hub_sessions, anyio_backend  # migrated; the asyncio loop
    deployment = read_deployment(hub_home)
    spec = deployment.node("hub")
    app = create_node_app(
        spec, replace(deployment, nodes=(spec,)), hub_keys, settings=load_settings(home=hub_home)
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, root_path=spec.path)
        async with httpx.AsyncClient(transport=transport, base_url=spec.base_url) as client:
            yield client
