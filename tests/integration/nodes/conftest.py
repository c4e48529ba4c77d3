"""Fixtures of the node integration tests: a real deployment directory, migrated SQLite files."""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from mynumber.nodes.directory import (
    OpenDeployment,
    init_deployment,
    open_deployment,
    upgrade_databases,
)
from mynumber.nodes.host import create_host_app
from mynumber.settings import Settings, load_settings

#: Where the tests pretend the host listens; in-process calls never touch the network.
HOST_URL = "http://127.0.0.1:8000"


@pytest.fixture
def anyio_backend() -> str:
    """Run the async tests on asyncio, the loop uvicorn uses."""
    return "asyncio"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """Return a fresh deployment directory made as `mynumber init` makes it."""
    home = tmp_path / "deployment"
    init_deployment(home)
    return home


@pytest.fixture
def settings(home: Path) -> Settings:
    """Return the settings of a process serving ``home``."""
    return load_settings(home=home)


@pytest.fixture
def opened(settings: Settings) -> OpenDeployment:
    """Return the deployment at ``home`` with every node's keys and migrated database."""
    opened = open_deployment(settings)
    upgrade_databases(opened)
    return opened


@pytest.fixture
async def host_app(
    opened: OpenDeployment, settings: Settings, anyio_backend: str
) -> AsyncIterator[FastAPI]:
    """Start every node in one host app, as `mynumber serve` does, and yield it."""
    del anyio_backend
    app = create_host_app(opened, settings)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def host(host_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Yield a client that calls the host in-process, as a client over the network would."""
    transport = httpx.ASGITransport(app=host_app)
    async with httpx.AsyncClient(transport=transport, base_url=HOST_URL) as client:
        yield client
