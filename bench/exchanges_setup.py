"""The exchanges figure's setup, untimed: a deployment on PostgreSQL, its bodies and persons.

As ``tests/integration/exchanges/conftest.py`` sets a network up, but with every hop over real
HTTP: ``init_deployment`` with two institution nodes -- the requester (a city office) and the
provider (the former city) -- into a temporary directory; ``deployment.toml`` rewritten so that
the hub and both institutions each have their own PostgreSQL database (``bench_<random>_<node>``,
created on the server for the run and dropped after) and their own port; the registry, the portal
and the oversight node stay on their SQLite files (no exchange touches them). The databases are
migrated (``upgrade_databases``), the demo's bodies registered on the hub with a staff member
each, and every person given a code at both cities by the hub's ``CodeService``, the provider
keeping a shareable ``local-tax-income`` copy for each. :func:`network` then serves the three
nodes, each with ``mynumber serve --node ID`` in a process of its own.
"""

import dataclasses
import secrets
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
from psycopg import sql
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session

from mynumber.deployment import deployment_file, read_deployment, render_deployment
from mynumber.institution.services import InstitutionRecords
from mynumber.network.profiles import load_profiles
from mynumber.network.services import BodyRegistry, CodeService
from mynumber.nodes.directory import (
    OpenDeployment,
    init_deployment,
    open_deployment,
    upgrade_databases,
)
from mynumber.numbers import resident_code
from mynumber.settings import load_settings
from mynumber.storage import create_engine, session_factory, unit_of_work
from servers import Server, free_port, served

#: The figure's number on the page (and in the progress lines).
FIGURE = 8
#: The requester: the city the family moved to, deciding child allowance.
CITY = "city-office-shinonomedai"
#: The provider: the former city, whose tax desk holds the income.
FORMER_CITY = "city-office-kasumigaoka"
HUB = "hub"
#: The nodes served, each in its own process, in the order a request goes through them.
SERVED = (CITY, HUB, FORMER_CITY)
ROW = "child-allowance-income-from-former-city"
ITEM = "local-tax-income"
STAFF = "clerk-1"
#: The console script installed next to this interpreter.
MYNUMBER = str(Path(sys.executable).with_name("mynumber"))
#: The script that runs ``mynumber`` under cProfile, beside this one.
PROFILED_SERVE = Path(__file__).with_name("profiled_serve.py")


@dataclass(frozen=True)
class Person:
    """A person the requester asks about: its code for them, and what the provider holds."""

    code: str
    income: dict[str, Any]


@dataclass(frozen=True)
class Deployed:
    """The deployment, ready to serve: where it lives, its bodies' keys and its persons."""

    home: Path
    opened: OpenDeployment
    api_key: str
    persons: tuple[Person, ...]
    #: The database server, as the page describes it.
    server: str
    #: Seconds the setup of one person took (two codes on the hub, a copy at the provider).
    person_seconds: float

    def base_url(self, node: str) -> str:
        """Return where ``node`` answers."""
        return self.opened.deployment.node(node).base_url


@dataclass(frozen=True)
class Network:
    """The three served nodes; ``requester`` is where the staff member's requests go."""

    requester: Server
    hub: Server
    provider: Server

    @property
    def servers(self) -> tuple[Server, ...]:
        """Return the servers in the order a request goes through them."""
        return (self.requester, self.hub, self.provider)


@contextmanager
def deployed(server_url: str, persons: int) -> Iterator[Deployed]:
    """Yield a migrated deployment with ``persons`` persons; drop its databases after."""
    server = make_url(server_url)
    version = server_version(server)
    with tempfile.TemporaryDirectory(prefix="mynumber-bench-exchanges-") as directory:
        home = Path(directory) / "network"
        init_deployment(home, institutions=(CITY, FORMER_CITY))
        with databases(server, SERVED) as urls:
            place(home, urls)
            opened = open_deployment(load_settings(home=home))
            upgrade_databases(opened)
            api_key = _register_bodies(opened)
            print(f"[{FIGURE}] exchanges: {persons:,} persons with codes and copies", flush=True)
            start = time.perf_counter()
            people = _persons(opened, persons)
            seconds = (time.perf_counter() - start) / max(persons, 1)
            where = f"{server.host or 'local socket'}:{server.port or 5432}"
            yield Deployed(
                home, opened, api_key, people, f"PostgreSQL {version} at {where}", seconds
            )


@contextmanager
def network(deployed: Deployed, logs: Path, *, profiles: Path | None = None) -> Iterator[Network]:
    """Serve the requester, the hub and the provider, each with ``mynumber serve --node ID``.

    With ``profiles``, each node runs under cProfile (``profiled_serve``) and writes its stats
    there, as ``<node>.prof``, when it stops.
    """
    with ExitStack() as stack:
        running = {}
        for node in SERVED:
            command = [MYNUMBER]
            if profiles is not None:
                command = [sys.executable, str(PROFILED_SERVE), str(profiles / f"{node}.prof")]
            base_url = deployed.base_url(node)
            port = str(urlsplit(base_url).port)
            argv = [*command, "serve", "--dir", str(deployed.home), "--node", node, "--port", port]
            log = logs / f"{node}{'-profiled' if profiles else ''}.log"
            running[node] = stack.enter_context(served(node, argv, f"{base_url}/health", log))
        yield Network(running[CITY], running[HUB], running[FORMER_CITY])


def place(home: Path, urls: dict[str, str]) -> None:
    """Give each served node its own database and port in ``deployment.toml``."""
    deployment = read_deployment(home)
    nodes = [
        dataclasses.replace(
            spec,
            base_url=f"http://127.0.0.1:{free_port()}{spec.path}",
            database_url=urls[spec.id],
        )
        if spec.id in urls
        else spec
        for spec in deployment.nodes
    ]
    deployment = dataclasses.replace(deployment, nodes=tuple(nodes))
    deployment_file(home).write_text(render_deployment(deployment), encoding="utf-8")


def _register_bodies(opened: OpenDeployment) -> str:
    """Register the demo's bodies on the hub, each with a staff member; return the city's key."""
    keys = {}
    with session(opened, HUB) as hub:
        registry = BodyRegistry(hub)
        for application in load_profiles():
            body, keys[application.id] = registry.register_body(application, registered_by="bench")
            registry.add_staff(body.id, STAFF, "ベンチ 担当", "clerk", added_by="bench")
    return keys[CITY]


def _persons(opened: OpenDeployment, count: int) -> tuple[Person, ...]:
    """Issue each person a code at both cities; keep the provider's copy of their income."""
    key = opened.keys[HUB].institution_codes
    if key is None:
        msg = "the hub has no institution-code key; check the deployment"
        raise SystemExit(msg)
    people = []
    with session(opened, HUB) as hub, session(opened, FORMER_CITY) as provider:
        codes, records = CodeService(hub, key), InstitutionRecords(provider)
        for index in range(count):
            person = _resident_record_code()
            income = {"fiscal_year": 2025, "taxable_income_yen": 2_000_000 + index, "dependants": 2}
            own, theirs = codes.issue_code(person, CITY), codes.issue_code(person, FORMER_CITY)
            records.put_shareable(theirs, ITEM, income)
            people.append(Person(own, income))
    return tuple(people)


def _resident_record_code() -> str:
    """Return a fresh, valid resident record code (住民票コード)."""
    body = f"{secrets.randbelow(10**10):010d}"
    return body + resident_code.calc_check_digit(body)


@contextmanager
def session(opened: OpenDeployment, node: str) -> Iterator[Session]:
    """Yield a session of ``node``'s database, committed at the end."""
    spec, keys = opened.deployment.node(node), opened.keys[node]
    engine = create_engine(spec.resolved_database_url(opened.home), keys.field_keys)
    try:
        with unit_of_work(session_factory(engine)) as session:
            yield session
    finally:
        engine.dispose()


@contextmanager
def databases(server: URL, nodes: Sequence[str]) -> Iterator[dict[str, str]]:
    """Create a database per node on ``server``; yield their URLs; drop them after."""
    run = secrets.token_hex(4)
    names = {node: f"bench_{run}_{node.replace('-', '_')}" for node in nodes}
    try:
        with _admin(server) as admin:
            for name in names.values():
                admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        yield {
            node: server.set(drivername="postgresql+psycopg", database=name).render_as_string(
                hide_password=False
            )
            for node, name in names.items()
        }
    finally:
        with _admin(server) as admin:
            for name in names.values():
                drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                admin.execute(drop.format(sql.Identifier(name)))


def server_version(server: URL) -> str:
    """Return the server's version, or stop the run if it does not answer."""
    try:
        with _admin(server) as admin:
            row = admin.execute("SHOW server_version").fetchone()
    except psycopg.OperationalError as exc:
        where = server.render_as_string(hide_password=True)
        msg = (
            f"the PostgreSQL server at {where} does not answer ({exc}); start it, or name "
            "another with --postgres-url"
        )
        raise SystemExit(msg) from exc
    return str(row[0]) if row else "unknown version"


def _admin(server: URL) -> psycopg.Connection[tuple[object, ...]]:
    """Open an autocommit connection to the server's own database, to create and drop ours."""
    conninfo = server.set(drivername="postgresql").render_as_string(hide_password=False)
    return psycopg.connect(conninfo, autocommit=True, connect_timeout=10)
