"""Killing a provider mid-exchange and retrying with the same idempotency key: one exchange.

The issue's acceptance test, with real processes over real HTTP. A fresh deployment runs three
``mynumber serve --node ID`` processes, each on a port of its own: the hub, the requesting city
(city-office-shinonomedai) and the providing former city (city-office-kasumigaoka), which call
each other at the ``base_url`` that deployment.toml gives them; the former city's is a
:class:`~faults.Relay` in front of its real port. Both bodies are registered in the hub's database
before the servers start; each test then has the hub issue both bodies' codes for a new person and
keeps the former city's shareable copy of the person's local tax income, straight in the nodes'
databases, as the registry and the city's own systems would have.

In each test the provider is killed (SIGKILL) at one moment, started again, and the city's clerk
asks again with the same ``Idempotency-Key``:

* before the request, nothing listening at its address: the hub cannot connect;
* with the hub's request unread in its socket (stopped with SIGSTOP first): the hub gives up after
  its node timeout (``MYNUMBER_NODE_TIMEOUT=2``), then the stopped provider is killed;
* once it has answered, and so committed its own record of the provision, but before the answer
  reached the hub: the relay keeps the answer back.

Each time the first request is left pending with nothing in the ledger, and the retry completes
the same exchange: one row in the hub's ``exchanges``, one ledger entry, one provider record at
the former city and one requester record at the city; the clerk collects the answer once.
"""

import json
import secrets
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mynumber.deployment import deployment_file, read_deployment, render_deployment
from mynumber.institution.models import ExchangeRecord
from mynumber.institution.services import InstitutionRecords
from mynumber.ledger.models import LedgerEntry
from mynumber.network.models import Exchange, NetworkRefusal
from mynumber.network.profiles import load_profiles
from mynumber.network.services import BodyRegistry, CodeService
from mynumber.nodes.directory import (
    OpenDeployment,
    init_deployment,
    node_session,
    open_deployment,
    upgrade_databases,
)
from mynumber.numbers import resident_code
from mynumber.settings import load_settings

from .faults import NodeProcess, Relay
from .test_serve import _free_port

pytestmark = pytest.mark.slow

CITY = "city-office-shinonomedai"
FORMER_CITY = "city-office-kasumigaoka"
#: The nodes that run, each as a process of its own; the registry, portal and oversight do not.
SERVED = ("hub", CITY, FORMER_CITY)
STAFF = "clerk-1"
ROW = "child-allowance-income-from-former-city"
ITEM = "local-tax-income"
INCOME = {"fiscal_year": 2025, "taxable_income_yen": 3_120_000, "dependants": 2}
#: Seconds the hub waits for the provider before it leaves the exchange pending.
HUB_NODE_TIMEOUT = "2"
#: How long the test waits for any one answer.
REQUEST_SECONDS = 30.0


@dataclass
class Town:
    """The deployment and its three running nodes; the relay in front of the former city."""

    opened: OpenDeployment
    nodes: dict[str, NodeProcess]
    relay: Relay
    api_key: str

    @property
    def provider(self) -> NodeProcess:
        """The former city's process."""
        return self.nodes[FORMER_CITY]

    def make_ready(self) -> None:
        """Have the provider running and reachable, as a test that failed may not have left it."""
        self.relay.keep_answers.clear()
        self.relay.answer_kept.clear()
        self.relay.open()
        if self.provider.paused or not self.provider.running():
            self.provider.kill()
            self.provider.restart()

    def output(self) -> str:
        """Return every process's output, for failure messages."""
        return "\n".join(node.output() for node in self.nodes.values())

    def session(self, node_id: str) -> AbstractContextManager[Session]:
        """Return a unit of work on node ``node_id``'s database, committed at the end."""
        return node_session(self.opened, node_id)


@dataclass
class Clerk:
    """The city's clerk asking about one new person, with one idempotency key."""

    town: Town
    #: The city's code for the person, and the former city's.
    code: str
    former_code: str
    key: str
    #: How many ledger entries the hub held before the clerk asked.
    entries_before: int

    def ask(self) -> httpx.Response:
        """Ask, at the city's node, for the person's income from the former city."""
        form = {"code": self.code, "row": ROW, "item": ITEM, "provider": FORMER_CITY}
        with self._client() as client:
            return client.post("/api/exchanges", json=form, headers={"Idempotency-Key": self.key})

    def collect(self, serial: str) -> httpx.Response:
        """Collect exchange ``serial`` at the city's node."""
        with self._client() as client:
            return client.get(f"/api/exchanges/{serial}")

    def _client(self) -> httpx.Client:
        """Return a client of the city's node, sending the clerk's credentials."""
        city = self.town.nodes[CITY]
        return httpx.Client(
            base_url=f"http://127.0.0.1:{city.port}{city.path}",
            headers={"Authorization": f"Bearer {self.town.api_key}", "X-Staff": STAFF},
            timeout=REQUEST_SECONDS,
            trust_env=False,
        )


def _give_addresses(home: Path, ports: Mapping[str, int], default_port: int) -> None:
    """Rewrite deployment.toml: the nodes in ``ports`` at their ports, the others at the default."""
    deployment = read_deployment(home)
    nodes = tuple(
        replace(spec, base_url=f"http://127.0.0.1:{ports.get(spec.id, default_port)}{spec.path}")
        for spec in deployment.nodes
    )
    text = render_deployment(replace(deployment, nodes=nodes))
    deployment_file(home).write_text(text, encoding="utf-8")


def _register_bodies(town: Town) -> None:
    """Register both bodies on the hub, each with the clerk; keep the city's API key."""
    with town.session("hub") as session:
        registry = BodyRegistry(session)
        for application in load_profiles():
            if application.id in {CITY, FORMER_CITY}:
                body, api_key = registry.register_body(application, registered_by="e2e")
                registry.add_staff(body.id, STAFF, "テスト 担当", "clerk", added_by="e2e")
                if body.id == CITY:
                    town.api_key = api_key


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Town]:
    """Yield the deployment with its three nodes running; kill them all at the end."""
    home = tmp_path_factory.mktemp("exchange-retry") / "town"
    init_deployment(home, institutions=(CITY, FORMER_CITY))
    ports = {node_id: _free_port() for node_id in SERVED}
    with ExitStack() as cleanup:
        relay = Relay(ports[FORMER_CITY])
        cleanup.callback(relay.close)
        _give_addresses(home, {**ports, FORMER_CITY: relay.port}, default_port=ports["hub"])
        opened = open_deployment(load_settings(home=home), SERVED)
        upgrade_databases(opened)
        nodes = {}
        for node_id in SERVED:
            environment = {"MYNUMBER_NODE_TIMEOUT": HUB_NODE_TIMEOUT} if node_id == "hub" else {}
            nodes[node_id] = NodeProcess(
                home, node_id, port=ports[node_id], logs=home.parent, environment=environment
            )
            cleanup.callback(nodes[node_id].kill)
        town = Town(opened, nodes, relay, api_key="")
        _register_bodies(town)
        for node in nodes.values():
            node.start()
        for node in nodes.values():
            node.wait_until_healthy()
        yield town


@pytest.fixture
def clerk(town: Town) -> Clerk:
    """Return the clerk of a new person known to both bodies, the former city holding the item."""
    town.make_ready()
    digits = f"{secrets.randbelow(10**10):010d}"
    person = digits + resident_code.calc_check_digit(digits)
    code_key = town.opened.keys["hub"].institution_codes
    assert code_key is not None
    with town.session("hub") as session:
        codes = CodeService(session, code_key)
        city_code, former_code = (
            codes.issue_code(person, CITY),
            codes.issue_code(person, FORMER_CITY),
        )
        entries = session.scalar(select(func.count()).select_from(LedgerEntry)) or 0
    with town.session(FORMER_CITY) as session:
        InstitutionRecords(session).put_shareable(former_code, ITEM, INCOME)
    return Clerk(town, city_code, former_code, f"retry-{secrets.token_hex(8)}", entries)


def _left_pending(clerk: Clerk, response: httpx.Response, cause: str) -> dict[str, Any]:
    """Check the first request's answer: pending, saying why; nothing in the ledger for it."""
    town = clerk.town
    assert response.status_code == 202, f"{response.text}\n{town.output()}"
    view: dict[str, Any] = response.json()
    assert view["status"] == "pending"
    assert view["last_error"] == f"the provider {FORMER_CITY} did not answer ({cause})"
    assert (view["attempts"], view["ledger_index"], view["answer"]) == (1, None, None)
    with town.session("hub") as session:
        assert _exchanges(session, clerk) == [(view["serial"], "pending")]
        assert session.scalar(select(func.count()).select_from(LedgerEntry)) == clerk.entries_before
    return view


def _completed_once(clerk: Clerk, response: httpx.Response, first: dict[str, Any]) -> None:
    """Check that the retry completed the first request's exchange, collected once, logged once."""
    town, serial = clerk.town, first["serial"]
    assert response.status_code == 202, f"{response.text}\n{town.output()}"
    retried = response.json()
    assert retried["serial"] == serial
    assert (retried["status"], retried["outcome"], retried["attempts"]) == (
        "completed",
        "provided",
        2,
    )
    assert retried["last_error"] is None
    assert retried["answer"] is None  # handed over only when collected

    collected = clerk.collect(serial)
    assert collected.status_code == 200, f"{collected.text}\n{town.output()}"
    assert collected.json()["answer"] == {"held": True, "data": INCOME}
    again = clerk.collect(serial).json()
    assert (again["status"], again["answer"]) == ("completed", None)
    assert again["collected_at"] is not None
    _logged_once(clerk, serial, retried["ledger_index"])


def _exchanges(session: Session, clerk: Clerk) -> list[tuple[str, str]]:
    """Return the serial and state of every exchange the clerk's idempotency key names."""
    rows = session.scalars(
        select(Exchange).where(Exchange.requester_id == CITY, Exchange.idempotency_key == clerk.key)
    )
    return [(row.serial, row.status) for row in rows]


def _logged_once(clerk: Clerk, serial: str, ledger_index: int) -> None:
    """One exchange and one ledger entry at the hub, one record at each body, no refusal."""
    with clerk.town.session("hub") as session:
        exchanges = _exchanges(session, clerk)
        entries = {row.index: json.loads(row.entry) for row in session.scalars(select(LedgerEntry))}
        refusals = session.scalar(select(func.count()).select_from(NetworkRefusal))
    assert exchanges == [(serial, "completed")]
    assert len(entries) == clerk.entries_before + 1
    assert [index for index, entry in entries.items() if entry.get("serial") == serial] == [
        ledger_index
    ]
    entry = entries[ledger_index]
    assert (entry["kind"], entry["outcome"], entry["row"]) == ("exchange", "provided", ROW)
    assert (entry["requester"], entry["provider"]) == (CITY, FORMER_CITY)
    assert refusals == 0
    with clerk.town.session(FORMER_CITY) as session:
        provided = session.scalars(select(ExchangeRecord).where(ExchangeRecord.serial == serial))
        assert [(row.role, row.code) for row in provided] == [("provider", clerk.former_code)]
    with clerk.town.session(CITY) as session:
        asked = list(session.scalars(select(ExchangeRecord).where(ExchangeRecord.serial == serial)))
        assert [(row.role, row.code, row.status) for row in asked] == [
            ("requester", clerk.code, "completed")
        ]
        assert json.loads(asked[0].answer or "null") == {"held": True, "data": INCOME}


def test_a_provider_killed_before_the_request_completes_it_once_on_retry(clerk: Clerk) -> None:
    """Nothing at the provider's address: pending; started again, the same key completes it once."""
    town = clerk.town
    town.provider.kill()
    town.relay.close()
    first = _left_pending(clerk, clerk.ask(), cause="ConnectError")

    town.relay.open()
    town.provider.restart()
    _completed_once(clerk, clerk.ask(), first)


def test_a_provider_killed_with_the_request_unread_completes_it_once_on_retry(
    clerk: Clerk,
) -> None:
    """Provider stopped with the request in its socket: the hub times out; killed, retried, once."""
    town = clerk.town
    town.provider.pause()
    first = _left_pending(clerk, clerk.ask(), cause="ReadTimeout")
    town.provider.kill()

    town.provider.restart()
    _completed_once(clerk, clerk.ask(), first)


def test_a_provider_killed_after_answering_completes_it_once_on_retry(clerk: Clerk) -> None:
    """Provider killed once it answered, the answer lost: its record stays one; retry completes."""
    town = clerk.town
    town.relay.keep_answers.set()
    with ThreadPoolExecutor(max_workers=1) as pool:
        asking = pool.submit(clerk.ask)
        assert town.relay.answer_kept.wait(REQUEST_SECONDS), town.output()
        town.provider.kill()  # mid-exchange: it has answered, the hub has not heard it
        first = _left_pending(clerk, asking.result(timeout=REQUEST_SECONDS), "RemoteProtocolError")
    with town.session(FORMER_CITY) as session:
        records = session.scalars(
            select(ExchangeRecord).where(ExchangeRecord.serial == first["serial"])
        )
        assert [record.role for record in records] == ["provider"]

    town.relay.keep_answers.clear()
    town.provider.restart()
    _completed_once(clerk, clerk.ask(), first)
