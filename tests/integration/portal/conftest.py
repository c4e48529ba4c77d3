"""The registry, hub, portal and oversight in one process, each with its database; cardholders.

``portal`` starts the four nodes in one host app (the embedded default: the portal calls the
registry and the hub in-process, with the same signed requests it sends over a network). The
registry's database is the test's own (``database_url``: SQLite, then PostgreSQL); the hub and the
portal have SQLite files of their own. :class:`Portal` hands out residents with a card handed over
(the card file written, the demo's PINs set), ledger entries about a resident, and a browser-like
client that keeps cookies.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey
from fastapi import FastAPI
from starlette.routing import Mount
from tests.integration.conftest import place_databases

from mynumber.cards import app as card_app
from mynumber.cards.models import ApplicationReason
from mynumber.cards.pins import PinKind
from mynumber.cards.registry import card_service, register_service
from mynumber.cards.virtual import VirtualCard
from mynumber.cli.demo_cards import DEMO_PHOTO, DEMO_PINS
from mynumber.ledger.sealing import seal_entry
from mynumber.ledger.services import hub_ledger
from mynumber.network.codes import derive_disclosure_code
from mynumber.nodes.directory import (
    OpenDeployment,
    init_deployment,
    node_session,
    open_deployment,
    upgrade_databases,
)
from mynumber.nodes.host import create_host_app
from mynumber.register.models import EventKind, Resident
from mynumber.register.records import ResidentRecord, Sex
from mynumber.register.services import Clerk
from mynumber.settings import load_settings

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from contextlib import AbstractContextManager
    from pathlib import Path

    from sqlalchemy.orm import Session

    from mynumber.nodes.context import NodeContext

HOST_URL = "http://127.0.0.1:8000"
PORTAL = "/portal"
PIN = DEMO_PINS[next(kind for kind in DEMO_PINS if kind.value == "authentication")]
CLERK = Clerk("窓口 花子")
_CHALLENGE = re.compile(r'<code id="challenge">([0-9a-f]+)</code>')


@dataclass(frozen=True)
class Holder:
    """A resident with a card: their register id, record code, name and card file."""

    id: int
    resident_record_code: str
    given_name: str
    card: Path


@dataclass
class Portal:
    """The running nodes, and what the tests need of them."""

    opened: OpenDeployment
    app: Any
    home: Path

    def session(self, node_id: str) -> AbstractContextManager[Session]:
        """Return a unit of work on node ``node_id``'s database, committed at the end."""
        return node_session(self.opened, node_id)

    def node(self, node_id: str) -> NodeContext:
        """Return the context of node ``node_id``, mounted in the host."""
        for route in self.app.routes:
            if (
                isinstance(route, Mount)
                and route.name == node_id
                and isinstance(route.app, FastAPI)
            ):
                context: NodeContext = route.app.state.node
                return context
        raise LookupError(node_id)

    def browser(self, *, language: str = "en") -> httpx.AsyncClient:
        """Return a new client that keeps cookies, as one browser does."""
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app),
            base_url=HOST_URL,
            headers={"Accept-Language": language},
        )

    def holder(
        self, *, born: date = date(1980, 4, 5), household_of: Holder | None = None
    ) -> Holder:
        """Register a resident and hand over their card; return them.

        ``born`` is their date of birth; ``household_of`` puts them in that holder's household.
        """
        keys = self.opened.keys["registry"]
        base_url = self.opened.deployment.node("registry").base_url
        given = f"花子{secrets.token_hex(3)}"
        record = ResidentRecord(
            family_name="佐藤",
            given_name=given,
            family_name_kana="サトウ",
            given_name_kana="ハナコ",
            date_of_birth=born,
            sex=Sex.FEMALE,
            municipality_code="131016",
            postal_code="1000001",
            address="東京都千代田区千代田1番1号",
        )
        path = self.home / f"card-{given}.json"
        # Under 15, a card has no signature certificate, so no signature PIN.
        pins = {
            kind: pin
            for kind, pin in DEMO_PINS.items()
            if kind != PinKind.SIGNATURE or born.year < datetime.now(UTC).year - 15
        }
        with self.session("registry") as session:
            household = None
            if household_of is not None:
                member = session.get(Resident, household_of.id)
                assert member is not None
                household = member.household
            resident = register_service(session, keys, base_url).register(
                record,
                event=EventKind.BIRTH,
                occurred_on=max(born, date(2026, 1, 5)),
                clerk=CLERK,
                household=household,
            )
            session.flush()
            cards = card_service(session, keys, base_url)
            application = cards.apply_at_counter(
                resident, DEMO_PHOTO, CLERK, reason=ApplicationReason.FIRST
            )
            card = cards.manufacture(application)
            cards.hand_over(
                card, clerk=CLERK, identity_check="driving licence", pins=pins, path=path
            )
            return Holder(resident.id, resident.resident_record_code, given, path)

    def disclosure_code(self, holder: Holder) -> str:
        """Return the holder's disclosure code, as the hub derives it."""
        key = self.opened.keys["hub"].institution_codes
        assert key is not None
        return derive_disclosure_code(key, holder.resident_record_code)

    def record(self, holder: Holder, kind: str = "collection", **fields: str) -> int:
        """Append an entry about ``holder`` to the hub's ledger; return its index."""
        entry: dict[str, Any] = {
            "kind": kind,
            "disclosure_code": self.disclosure_code(holder),
            "at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "body": "employer-kasumi-seiki",
            "staff": "clerk-1",
            "task": "employer:withholding-slip",
            **fields,
        }
        hub = self.opened.deployment.node("hub")
        with self.session("hub") as session:
            ledger = hub_ledger(session, self.opened.keys["hub"], hub.base_url)
            return ledger.append(entry).index

    def sealed(
        self,
        holder: Holder,
        *,
        unseal_on: date,
        case: str = "R8-77",
        recipient: X25519PublicKey | None = None,
    ) -> int:
        """Append a sealed entry of police access about ``holder``; return its index.

        It holds the body the hub's investigation service writes, sealed to ``recipient`` (the
        deployment's oversight ``sealing_key`` unless given); ``unseal_on`` may lie in the past,
        which that service refuses.
        """
        if recipient is None:
            sealing_key = self.opened.deployment.node("oversight").sealing_key
            assert sealing_key is not None
            recipient = X25519PublicKey.from_public_bytes(base64.b64decode(sealing_key))
        entry = seal_entry(
            {
                "task": "police:criminal-investigation",
                "staff": "inspector-kuroda",
                "case": case,
                "disclosed": ["name", "date_of_birth", "sex", "address"],
            },
            recipient,
            disclosure_code=self.disclosure_code(holder),
            requester="police-shinonomedai",
            unseal_on=unseal_on,
            at=datetime.now(UTC),
        )
        hub = self.opened.deployment.node("hub")
        with self.session("hub") as session:
            return hub_ledger(session, self.opened.keys["hub"], hub.base_url).append(entry).index

    async def log_in(
        self, browser: httpx.AsyncClient, holder: Holder, *, kiosk: bool = False
    ) -> httpx.Response:
        """Log ``holder`` in through the login page with their card; return the answer."""
        page = await browser.get(f"{PORTAL}/login", params={"kiosk": "true"} if kiosk else None)
        challenge = challenge_of(page)
        answer = card_app.answer_login(
            VirtualCard.open(holder.card), challenge, authentication_pin=PIN
        )
        return await browser.post(f"{PORTAL}/login", data={"answer": json.dumps(answer.to_json())})


def challenge_of(page: httpx.Response) -> str:
    """Return the challenge a login page shows."""
    assert page.status_code in {200, 400, 401}, page.text
    found = _CHALLENGE.search(page.text)
    assert found is not None, page.text
    return found.group(1)


@pytest.fixture
async def portal(tmp_path: Path, database_url: str, anyio_backend: str) -> AsyncIterator[Portal]:
    """Start the registry, the hub and the portal in one host."""
    del anyio_backend
    home = tmp_path / "deployment"
    init_deployment(home, institutions=())
    place_databases(home, {"registry": database_url})
    settings = load_settings(home=home)
    opened = open_deployment(settings, ["registry", "hub", "portal", "oversight"])
    upgrade_databases(opened)
    app = create_host_app(opened, settings)
    async with app.router.lifespan_context(app):
        yield Portal(opened, app, tmp_path)
