"""A network in one process: the hub and four institution nodes, each with its own database.

``network`` starts the deployment's nodes in one host app (the embedded default: nodes call each
other in-process, through the same HTTP requests they make over a network). The hub's database is
the test's own (``database_url``: SQLite, then PostgreSQL); every other node has its own SQLite
file. The demo's bodies of these nodes are registered on the hub, each with a staff member, and
:class:`Network` hands out what a test needs: API keys, codes issued as the registry would have
them issued, shareable copies kept by a provider, and sessions of each node's database.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from tests.integration.conftest import place_databases

from mynumber.institution.services import InstitutionRecords
from mynumber.network.profiles import load_profiles
from mynumber.network.services import BodyRegistry, CodeService
from mynumber.nodes.directory import (
    OpenDeployment,
    init_deployment,
    node_session,
    open_deployment,
    upgrade_databases,
)
from mynumber.nodes.host import create_host_app
from mynumber.numbers import resident_code
from mynumber.settings import load_settings

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from contextlib import AbstractContextManager
    from pathlib import Path

    from sqlalchemy.orm import Session

CITY = "city-office-shinonomedai"
FORMER_CITY = "city-office-kasumigaoka"
INSURER = "health-insurer-kasumi-seiki"
EMPLOYER = "employer-kasumi-seiki"
INSTITUTIONS = (CITY, FORMER_CITY, INSURER, EMPLOYER)
STAFF = "clerk-1"
HOST_URL = "http://127.0.0.1:8000"


def person() -> str:
    """Return a fresh, valid resident record code (住民票コード)."""
    body = f"{secrets.randbelow(10**10):010d}"
    return body + resident_code.calc_check_digit(body)


@dataclass
class Network:
    """The running network and what the tests need of it."""

    opened: OpenDeployment
    client: httpx.AsyncClient
    api_keys: dict[str, str]

    def headers(self, body: str, *, key: str | None = None, staff: str = STAFF) -> dict[str, str]:
        """Return the headers of a request by ``body``'s staff member, with an idempotency key."""
        return {
            "Authorization": f"Bearer {self.api_keys[body]}",
            "X-Staff": staff,
            "Idempotency-Key": key or secrets.token_urlsafe(16),
        }

    def session(self, node_id: str) -> AbstractContextManager[Session]:
        """Return a unit of work on node ``node_id``'s database, committed at the end."""
        return node_session(self.opened, node_id)

    def code(self, resident_record_code: str, body: str) -> str:
        """Have the hub issue the person's code at ``body``, as the registry asks it to."""
        key = self.opened.keys["hub"].institution_codes
        assert key is not None
        with self.session("hub") as session:
            return CodeService(session, key).issue_code(resident_record_code, body)

    def keep(self, body: str, code: str, item: str, data: dict[str, Any]) -> None:
        """Keep a shareable copy of ``item`` at ``body`` under its code for the person."""
        with self.session(body) as session:
            InstitutionRecords(session).put_shareable(code, item, data)

    async def ask(self, body: str, form: dict[str, str], **headers: str) -> httpx.Response:
        """Send ``form`` to ``body``'s own node as a request for an exchange."""
        path = f"/institutions/{body}/api/exchanges"
        return await self.client.post(path, json=form, headers=self.headers(body, **headers))


@pytest.fixture
def network_home(tmp_path: Path, database_url: str) -> Path:
    """Return a deployment with the four institutions; the hub's database is the test's."""
    home = tmp_path / "deployment"
    init_deployment(home, institutions=INSTITUTIONS)
    place_databases(home, {"hub": database_url})
    return home


@pytest.fixture
async def network(network_home: Path, anyio_backend: str) -> AsyncIterator[Network]:
    """Start the hub and the institutions in one host; register their bodies on the hub."""
    del anyio_backend
    settings = load_settings(home=network_home)
    opened = open_deployment(settings)
    upgrade_databases(opened)
    api_keys: dict[str, str] = {}
    network = Network(opened, httpx.AsyncClient(), api_keys)
    with network.session("hub") as session:
        registry = BodyRegistry(session)
        for application in load_profiles():
            body, api_keys[application.id] = registry.register_body(application, registered_by="t")
            registry.add_staff(body.id, STAFF, "テスト 担当", "clerk", added_by="t")
    app = create_host_app(opened, settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=HOST_URL) as client:
            network.client = client
            yield network
