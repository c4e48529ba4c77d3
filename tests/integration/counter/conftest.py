"""Fixtures of the counter tests: the registry node alone, on a migrated database, in-process.

``registry`` runs once on SQLite and once on PostgreSQL (the ``database_url`` fixture);
``counter`` runs on SQLite only, for the pages. Either yields a :class:`Registry`: an httpx client
that calls the node app through ``httpx.ASGITransport`` at the node's own path, and the node's
sessions, for checking what the database holds after a refusal.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from mynumber.deployment import NodeKind
from mynumber.keys import load_node_keys
from mynumber.nodes.app import create_node_app
from mynumber.nodes.directory import init_deployment
from mynumber.settings import load_settings
from mynumber.storage import Base, create_engine, unit_of_work, upgrade

#: 千代田区 (Chiyoda, Tokyo) and two of its postal codes, as Japan Post lists them.
CHIYODA = "131016"
POSTAL_CODE = "1000001"
OTHER_POSTAL_CODE = "1000002"
#: A postal code of 大阪市北区 (Osaka), not in Chiyoda.
OSAKA_POSTAL_CODE = "5300001"


@dataclass(frozen=True)
class Registry:
    """A running registry node: a client that calls it, and its sessions."""

    client: httpx.AsyncClient
    sessions: sessionmaker[Session]

    def count(self, model: type[Base]) -> int:
        """Return how many rows of ``model`` the node's database holds."""
        with unit_of_work(self.sessions) as session:
            return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
def anyio_backend() -> str:
    """Run the async tests on asyncio, the loop uvicorn uses."""
    return "asyncio"


async def _registry(home: Path, database_url: str) -> AsyncIterator[Registry]:
    """Start the registry node of a fresh deployment on ``database_url``, migrated."""
    deployment = init_deployment(home)
    keys = load_node_keys(home, "registry", NodeKind.REGISTRY, demo_allowed=False)
    spec = replace(deployment.node("registry"), database_url=database_url)
    engine = create_engine(database_url, keys.field_keys)
    try:
        upgrade(engine, NodeKind.REGISTRY)
    finally:
        engine.dispose()
    app = create_node_app(
        spec, replace(deployment, nodes=(spec,)), keys, settings=load_settings(home=home)
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, root_path=spec.path)
        async with httpx.AsyncClient(transport=transport, base_url=spec.base_url) as client:
            yield Registry(client, app.state.node.sessions)


@pytest.fixture
async def registry(
    tmp_path: Path, database_url: str, anyio_backend: str
) -> AsyncIterator[Registry]:
    """Yield the registry node on SQLite, then on PostgreSQL."""
    del anyio_backend
    async for running in _registry(tmp_path / "deployment", database_url):
        yield running


@pytest.fixture
async def counter(tmp_path: Path, anyio_backend: str) -> AsyncIterator[Registry]:
    """Yield the registry node on SQLite, for the counter pages."""
    del anyio_backend
    url = f"sqlite:///{tmp_path / 'registry.sqlite3'}"
    async for running in _registry(tmp_path / "deployment", url):
        yield running
