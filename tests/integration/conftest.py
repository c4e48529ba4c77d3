"""Fixtures shared by the integration tests: ``mynumber`` run as the script runs, and the hub.

``mynumber`` runs the command line through its entry point, as the installed script does, with no
``MYNUMBER_*`` variable from outside, and returns what it printed and how it exited.

``hub_home`` is a deployment directory with the hub's keys whose hub database is the test's own
(``database_url``: once on SQLite, once on PostgreSQL); the other nodes are listed with their
public keys only, the registry's being that of ``registry_signing_key``. ``hub_sessions``
migrates it; ``hub_app`` runs the hub node on it, with the registry in its deployment (the one
node allowed to have codes issued); ``hub`` calls it in-process through ``httpx.ASGITransport``
at the hub's own path, unsigned, and ``registry_client`` calls it as the registry node does: a
:class:`~mynumber.nodes.client.NodeClients` client that signs every request with the registry's
key.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from mynumber.cli.main import main
from mynumber.deployment import (
    NodeKind,
    default_deployment,
    default_node_kinds,
    deployment_file,
    read_deployment,
    render_deployment,
    write_deployment,
)
from mynumber.keys import NodeKeys, create_node_keys, load_node_keys, public_keys_of
from mynumber.nodes.app import create_node_app
from mynumber.nodes.client import NodeClients
from mynumber.settings import Settings, load_settings
from mynumber.storage import create_engine, session_factory, upgrade

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator, Mapping
    from pathlib import Path

    from fastapi import FastAPI
    from sqlalchemy.orm import Session, sessionmaker


@dataclass(frozen=True)
class Result:
    """What one run of ``mynumber`` printed and how it exited."""

    code: int
    out: str
    err: str


Run = Callable[..., Result]


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
def registry_signing_key() -> Ed25519PrivateKey:
    """Return the registry's node-signing key; the hub's deployment lists its public half."""
    return Ed25519PrivateKey.generate()


@pytest.fixture
def hub_home(tmp_path: Path, database_url: str, registry_signing_key: Ed25519PrivateKey) -> Path:
    """Return a deployment directory with the hub's keys; the hub's database is the test's."""
    home = tmp_path / "deployment"
    create_node_keys(home, "hub", NodeKind.HUB)
    public = {
        ident: public_keys_of(
            Ed25519PrivateKey.generate(),
            X25519PrivateKey.generate() if kind is NodeKind.OVERSIGHT else None,
        )
        for ident, kind in default_node_kinds().items()
    }
    public["registry"] = public_keys_of(registry_signing_key)
    public["hub"] = load_node_keys(home, "hub", NodeKind.HUB, demo_allowed=False).public
    deployment = default_deployment(public)
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


@pytest.fixture
def anyio_backend() -> str:
    """Run the async tests on asyncio, the loop uvicorn uses."""
    return "asyncio"


@pytest.fixture
async def hub_app(
    hub_home: Path, hub_keys: NodeKeys, hub_sessions: sessionmaker[Session], anyio_backend: str
) -> AsyncIterator[FastAPI]:
    """Yield the hub node, started, on SQLite and then on PostgreSQL."""
    del hub_sessions, anyio_backend  # migrated; the asyncio loop
    deployment = read_deployment(hub_home)
    spec = deployment.node("hub")
    nodes = (spec, *deployment.of_kind(NodeKind.REGISTRY))
    app = create_node_app(
        spec, replace(deployment, nodes=nodes), hub_keys, settings=load_settings(home=hub_home)
    )
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def hub(hub_app: FastAPI, hub_home: Path) -> AsyncIterator[httpx.AsyncClient]:
    """Yield a client of the hub node that sends requests as they are, unsigned, in-process."""
    spec = read_deployment(hub_home).node("hub")
    transport = httpx.ASGITransport(app=hub_app, root_path=spec.path)
    async with httpx.AsyncClient(transport=transport, base_url=spec.base_url) as client:
        yield client


@pytest.fixture
async def registry_client(
    hub_app: FastAPI, hub_home: Path, registry_signing_key: Ed25519PrivateKey
) -> AsyncIterator[httpx.AsyncClient]:
    """Yield the registry node's client of the hub: every request signed with the registry's key."""
    clients = NodeClients(
        read_deployment(hub_home),
        load_settings(home=hub_home),
        node_id="registry",
        signing_key=registry_signing_key,
        in_process={"hub": hub_app},
    )
    try:
        yield clients.client("hub")
    finally:
        await clients.aclose()


def place_databases(home: Path, urls: Mapping[str, str]) -> None:
    """Point the nodes named in ``urls`` at those databases, in ``home``'s deployment.toml."""
    deployment = read_deployment(home)
    nodes = tuple(
        replace(spec, database_url=urls[spec.id]) if spec.id in urls else spec
        for spec in deployment.nodes
    )
    deployment_file(home).write_text(
        render_deployment(replace(deployment, nodes=nodes)), encoding="utf-8"
    )
