"""Figure 9's setup, untimed: a registry, a hub and the portal on PostgreSQL, and a cardholder.

As ``tests/integration/portal/conftest.py`` sets the portal up, but with every hop over real
HTTP: ``init_deployment`` (no institutions) into a temporary directory; ``deployment.toml``
rewritten so that the registry, the hub and the portal each have their own PostgreSQL database
(``bench_<random>_<node>``, created on the server for the run and dropped after, as figure 8
does) and their own port; the oversight node stays on its SQLite file (the portal never reads
it). The databases are migrated, one resident registered and their card handed over (the card
file written, the demo's PINs set), and the hub's ledger filled (``portal_entries``): the
resident's records among other persons', appended with ``LedgerService.append_many`` in
batches, then ``VACUUM ANALYZE``. :func:`network` serves the three nodes, each with ``mynumber
serve --node ID`` in a process of its own; :func:`log_in` logs the resident in through the
portal's pages with their card, as a browser does, and returns the session's cookie.
"""

import json
import re
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import psycopg
from sqlalchemy.engine import make_url

import portal_entries
from exchanges_setup import MYNUMBER, PROFILED_SERVE, databases, place, server_version
from mynumber.cards import app as card_app
from mynumber.cards.models import ApplicationReason
from mynumber.cards.registry import card_service, register_service
from mynumber.cards.virtual import VirtualCard
from mynumber.cli.demo_cards import DEMO_PHOTO, DEMO_PINS
from mynumber.ledger.services import hub_ledger
from mynumber.network.codes import derive_disclosure_code
from mynumber.nodes.directory import (
    OpenDeployment,
    init_deployment,
    node_session,
    open_deployment,
    upgrade_databases,
)
from mynumber.register.models import EventKind
from mynumber.register.records import ResidentRecord, Sex
from mynumber.register.services import Clerk
from mynumber.settings import load_settings
from mynumber.storage import create_engine, session_factory, unit_of_work
from servers import Server, served

#: The figure's number on the page (and in the progress lines).
FIGURE = 9
REGISTRY = "registry"
HUB = "hub"
PORTAL = "portal"
#: The nodes served, each in its own process: the registry for the login, the hub, the portal.
SERVED = (REGISTRY, HUB, PORTAL)
#: The portal's session cookie (``mynumber.portal.visits.SESSION_COOKIE``).
SESSION_COOKIE = "mynumber_portal_session"
#: The card's authentication PIN, as the demo sets it at handover.
PIN = next(pin for kind, pin in DEMO_PINS.items() if kind.value == "authentication")
#: Entries appended in one ``append_many``, in one transaction.
BATCH = 5_000
#: Entries per other person, on average: how many other persons the other entries are about.
ENTRIES_PER_OTHER = 10
SEED = 9
_CHALLENGE = re.compile(r'<code id="challenge">([0-9a-f]+)</code>')
_CLERK = Clerk("窓口 花子")


@dataclass(frozen=True)
class Deployed:
    """The deployment, ready to serve: where it lives, the resident, and their ledger."""

    home: Path
    opened: OpenDeployment
    #: The resident's card file, and their disclosure code (whom their entries are about).
    card: Path
    code: str
    #: Entries about the resident, and about other persons, in the hub's ledger.
    records: int
    others: int
    #: The database server, as the page describes it, and the hub's database (SQLAlchemy URL).
    server: str
    hub_database: str
    #: Seconds the ledger's fill took, ``VACUUM ANALYZE`` included.
    fill_seconds: float

    def base_url(self, node: str) -> str:
        """Return where ``node`` answers."""
        return self.opened.deployment.node(node).base_url


@contextmanager
def deployed(server_url: str, records: int, others: int) -> Iterator[Deployed]:
    """Yield a migrated deployment whose resident has ``records`` entries among ``others``.

    Drop its databases after.
    """
    server = make_url(server_url)
    version = server_version(server)
    with tempfile.TemporaryDirectory(prefix="mynumber-bench-portal-") as directory:
        home = Path(directory) / "network"
        init_deployment(home, institutions=())
        with databases(server, SERVED) as urls:
            place(home, urls)
            opened = open_deployment(load_settings(home=home))
            upgrade_databases(opened)
            card, code = _holder(opened, Path(directory))
            print(
                f"[{FIGURE}] portal: {records:,} records of the resident among {others:,} "
                "other entries",
                flush=True,
            )
            start = time.perf_counter()
            _fill(opened, code, records, others)
            _vacuum(urls[HUB])
            seconds = time.perf_counter() - start
            where = f"{server.host or 'local socket'}:{server.port or 5432}"
            yield Deployed(
                home,
                opened,
                card,
                code,
                records,
                others,
                f"PostgreSQL {version} at {where}",
                urls[HUB],
                seconds,
            )


@contextmanager
def network(
    deployed: Deployed,
    logs: Path,
    *,
    profiles: Path | None = None,
    profiled: Sequence[str] = SERVED,
) -> Iterator[dict[str, Server]]:
    """Serve the registry, the hub and the portal, each with ``mynumber serve --node ID``.

    With ``profiles``, the ``profiled`` nodes run under cProfile (``profiled_serve``) and write
    their stats there, as ``<node>.prof``, when they stop.
    """
    with ExitStack() as stack:
        running = {}
        for node in SERVED:
            command = [MYNUMBER]
            if profiles is not None and node in profiled:
                command = [sys.executable, str(PROFILED_SERVE), str(profiles / f"{node}.prof")]
            base_url = deployed.base_url(node)
            port = str(urlsplit(base_url).port)
            argv = [*command, "serve", "--dir", str(deployed.home), "--node", node, "--port", port]
            log = logs / f"{node}{'-profiled' if profiles else ''}.log"
            running[node] = stack.enter_context(served(node, argv, f"{base_url}/health", log))
        yield running


def log_in(deployed: Deployed) -> str:
    """Log the resident in through the portal's pages with their card; return the cookie.

    As a browser and the card app do it: ``GET /login`` shows a challenge (and sets the
    pre-login cookie), the card signs it after its PIN, ``POST /login`` sends the answer, and
    the portal answers 303 with the session's cookie.
    """
    with httpx.Client(base_url=f"{deployed.base_url(PORTAL)}/", trust_env=False) as browser:
        page = browser.get("login")
        found = _CHALLENGE.search(page.text)
        if page.status_code != 200 or found is None:
            msg = f"the portal's login page showed no challenge ({page.status_code}): {page.text}"
            raise SystemExit(msg[:600])
        answer = card_app.answer_login(
            VirtualCard.open(deployed.card), found.group(1), authentication_pin=PIN
        )
        done = browser.post("login", data={"answer": json.dumps(answer.to_json())})
        token = browser.cookies.get(SESSION_COOKIE)
        if done.status_code != 303 or not token:
            msg = f"the portal refused the card's login ({done.status_code}): {done.text}"
            raise SystemExit(msg[:600])
        return token


def _holder(opened: OpenDeployment, directory: Path) -> tuple[Path, str]:
    """Register a resident and hand over their card; return the card file and disclosure code."""
    keys = opened.keys[REGISTRY]
    base_url = opened.deployment.node(REGISTRY).base_url
    record = ResidentRecord(
        family_name="佐藤",
        given_name="花子",
        family_name_kana="サトウ",
        given_name_kana="ハナコ",
        date_of_birth=date(1980, 4, 5),
        sex=Sex.FEMALE,
        municipality_code="131016",
        postal_code="1000001",
        address="東京都千代田区千代田1番1号",
    )
    path = directory / "card.json"
    with node_session(opened, REGISTRY) as session:
        resident = register_service(session, keys, base_url).register(
            record, event=EventKind.BIRTH, occurred_on=date(1980, 4, 5), clerk=_CLERK
        )
        session.flush()
        cards = card_service(session, keys, base_url)
        application = cards.apply_at_counter(
            resident, DEMO_PHOTO, _CLERK, reason=ApplicationReason.FIRST
        )
        card = cards.manufacture(application)
        cards.hand_over(
            card, clerk=_CLERK, identity_check="driving licence", pins=DEMO_PINS, path=path
        )
        resident_record_code = resident.resident_record_code
    key = opened.keys[HUB].institution_codes
    if key is None:
        msg = "the hub has no institution-code key; check the deployment"
        raise SystemExit(msg)
    return path, derive_disclosure_code(key, resident_record_code)


def _fill(opened: OpenDeployment, code: str, records: int, others: int) -> None:
    """Append the resident's ``records`` entries among ``others``, ``BATCH`` at a time."""
    spec, keys = opened.deployment.node(HUB), opened.keys[HUB]
    about = portal_entries.layout(SEED, records, others)
    persons = max(1, others // ENTRIES_PER_OTHER)
    made = portal_entries.entries(SEED, code, about, persons)
    engine = create_engine(spec.resolved_database_url(opened.home), keys.field_keys)
    try:
        sessions = session_factory(engine)
        while batch := [entry for _, entry in zip(range(BATCH), made, strict=False)]:
            with unit_of_work(sessions) as session:
                hub_ledger(session, keys, spec.base_url).append_many(batch)
    finally:
        engine.dispose()


def _vacuum(url: str) -> None:
    """``VACUUM ANALYZE`` the hub's ledger, as autovacuum would after the inserts, but now."""
    with psycopg.connect(conninfo(url), autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE ledger_entries")
        connection.execute("VACUUM ANALYZE ledger_nodes")


def conninfo(url: str) -> str:
    """Return the psycopg connection string of a SQLAlchemy database URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
