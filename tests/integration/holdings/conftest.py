"""A registry and a hub in one process, each with its own database, and the bodies of the demo.

``holdings`` starts the deployment's registry and hub in one host app (the embedded default: the
registry calls the hub in-process, with the same signed requests it sends over a network). The
registry's database is the test's own (``database_url``: SQLite, then PostgreSQL) and the hub's is
a second one on the same backend (another SQLite file, or another schema of the run's PostgreSQL
database). Every body of ``network/profiles.toml`` is registered on the hub with one staff member
(:data:`STAFF`). :class:`Holdings` hands out what a test needs: residents with their numbers,
identity receipts made at the registry's counter API, requests as a body sends them, and
sessions of either database.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx
import psycopg
import pytest
from psycopg import sql
from sqlalchemy import select
from sqlalchemy.engine import make_url
from tests.integration.conftest import place_databases

from mynumber.cards.registry import register_service
from mynumber.ledger.entries import parse_entry
from mynumber.ledger.models import LedgerEntry
from mynumber.network.codes import derive_disclosure_code
from mynumber.network.profiles import load_profiles
from mynumber.network.services import BodyRegistry
from mynumber.nodes.directory import (
    OpenDeployment,
    init_deployment,
    node_session,
    open_deployment,
    upgrade_databases,
)
from mynumber.nodes.host import create_host_app
from mynumber.register.models import EventKind
from mynumber.register.records import ResidentRecord, Sex
from mynumber.register.services import Clerk, active_number
from mynumber.settings import load_settings

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator
    from contextlib import AbstractContextManager
    from pathlib import Path

    from sqlalchemy.orm import Session

EMPLOYER = "employer-kasumi-seiki"
SHOP = "video-rental-shop-tsukiyo"
STAFF = "clerk-1"
HOST_URL = "http://127.0.0.1:8000"
HOLDINGS = "/registry/api/holdings"
#: A named clerk, percent-encoded as the X-Clerk header carries names outside ASCII.
CLERK = {"X-Clerk": quote("窓口 花子")}
TODAY = datetime.now(UTC).date()


@dataclass(frozen=True)
class Person:
    """A resident on the register: their id there, resident record code and current number."""

    id: int
    resident_record_code: str
    number: str


@dataclass
class Holdings:
    """The running registry and hub, and what the tests need of them."""

    opened: OpenDeployment
    client: httpx.AsyncClient
    api_keys: dict[str, str]

    def session(self, node_id: str) -> AbstractContextManager[Session]:
        """Return a unit of work on node ``node_id``'s database, committed at the end."""
        return node_session(self.opened, node_id)

    def person(self) -> Person:
        """Register a new resident (born today, a name of their own); return them."""
        keys = self.opened.keys["registry"]
        base_url = self.opened.deployment.node("registry").base_url
        record = ResidentRecord(
            family_name="山田",
            given_name=f"太郎{secrets.token_hex(3)}",
            family_name_kana="ヤマダ",
            given_name_kana="タロウ",
            date_of_birth=date(1985, 1, 2),
            sex=Sex.MALE,
            municipality_code="131016",
            postal_code="1000001",
            address="東京都千代田区千代田1番1号",
        )
        with self.session("registry") as session:
            resident = register_service(session, keys, base_url).register(
                record, event=EventKind.BIRTH, occurred_on=TODAY, clerk=Clerk("窓口 花子")
            )
            session.flush()
            return Person(
                resident.id, resident.resident_record_code, active_number(resident).number
            )

    async def receipt(self, person: Person, body: str, *, staff: str = STAFF) -> str:
        """Have ``body``'s staff check the person's card in person; return the receipt id."""
        response = await self.client.post(
            "/registry/api/identity/document-confirmations",
            json={
                "body": body,
                "staff": staff,
                "task": "源泉徴収票の作成",
                "number": person.number,
                "documents": ["individual-number-card"],
            },
        )
        assert response.status_code == 200, response.text
        receipt_id: str = response.json()["receipt"]["receipt_id"]
        return receipt_id

    def headers(self, body: str, *, staff: str | None = STAFF) -> dict[str, str]:
        """Return the headers of a request by ``body``'s staff member ``staff`` (none if None)."""
        headers = {"Authorization": f"Bearer {self.api_keys[body]}"}
        if staff is not None:
            headers["X-Staff"] = staff
        return headers

    async def collect(
        self, body: str, form: dict[str, Any], *, staff: str | None = STAFF
    ) -> httpx.Response:
        """Send ``form`` to the registry as ``body``'s request to record a collection."""
        return await self.client.post(HOLDINGS, json=form, headers=self.headers(body, staff=staff))

    def ledger(self) -> list[dict[str, Any]]:
        """Return every entry of the hub's ledger, oldest first."""
        with self.session("hub") as session:
            rows = session.scalars(select(LedgerEntry).order_by(LedgerEntry.index))
            return [parse_entry(row.entry) for row in rows]

    def disclosure_code(self, person: Person) -> str:
        """Return the person's disclosure code, as the hub derives it."""
        key = self.opened.keys["hub"].institution_codes
        assert key is not None
        return derive_disclosure_code(key, person.resident_record_code)


@pytest.fixture
def hub_database_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """Yield a second empty database on the backend of ``database_url``, for the hub."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'hub.sqlite3'}"
        return
    run_database = url.difference_update_query(["options"])
    schema = f"test_{secrets.token_hex(6)}"
    conninfo = run_database.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        yield run_database.update_query_dict(
            {"options": f"-csearch_path={schema}"}
        ).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(conninfo, autocommit=True) as admin:
            admin.execute("SET lock_timeout = '10s'")
            admin.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture
def holdings_home(tmp_path: Path, database_url: str, hub_database_url: str) -> Path:
    """Return a deployment without institutions, its registry's and hub's databases the test's."""
    home = tmp_path / "deployment"
    init_deployment(home, institutions=())
    place_databases(home, {"registry": database_url, "hub": hub_database_url})
    return home


@pytest.fixture
async def holdings(holdings_home: Path, anyio_backend: str) -> AsyncIterator[Holdings]:
    """Start the deployment's nodes in one host; register the demo's bodies on the hub."""
    del anyio_backend
    settings = load_settings(home=holdings_home)
    opened = open_deployment(settings, ["registry", "hub"])
    upgrade_databases(opened)
    api_keys: dict[str, str] = {}
    running = Holdings(opened, httpx.AsyncClient(), api_keys)
    with running.session("hub") as session:
        registry = BodyRegistry(session)
        for application in load_profiles():
            body, api_keys[application.id] = registry.register_body(application, registered_by="t")
            registry.add_staff(body.id, STAFF, "テスト 担当", "clerk", added_by="t")
    app = create_host_app(opened, settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=HOST_URL) as client:
            running.client = client
            yield running
