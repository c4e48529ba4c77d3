"""The demo's flows: the network at work, through the very HTTP requests the nodes serve.

Run once, after the town, the cards and the bodies exist (DESIGN.md, "Flows"):

1. An employer hires: the employee's card signs the registry's challenge, the registry confirms
   number and identity, the employer records the number for withholding-tax slips and keeps its
   own code for the person.
2. A city desk decides child allowance: the applicant moved from another city, whose tax desk
   holds the income; the city asks the hub, with its own code and the table's row, and the
   former city's node answers with its copy.
3. A health insurer approves a dependant: it asks the city where the dependant lives for the
   taxation status.
4. Refused: a video rental shop tries to record a customer's number; a city desk asks for data
   under a row of the table that is not its own.
5. The police ask the register for a person in a case: answered, and recorded in the ledger as a
   sealed entry that only the oversight commission can open, from the unsealing date on.

Each step goes through the host app in-process (``httpx.ASGITransport``), so every check the
nodes make in production is made here. The lines returned say what happened, for the terminal.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

import httpx
from sqlalchemy import select

from mynumber.cards.app import answer_challenge
from mynumber.cards.models import Card
from mynumber.cards.pins import PinKind
from mynumber.cards.virtual import VirtualCard
from mynumber.cli.demo_bodies import DEMO_STAFF
from mynumber.cli.demo_cards import DEMO_PINS
from mynumber.institution.services import InstitutionRecords
from mynumber.nodes.directory import node_session
from mynumber.nodes.host import create_host_app
from mynumber.register.models import IndividualNumberRecord, NumberState, Resident

if TYPE_CHECKING:
    from contextlib import AbstractContextManager
    from pathlib import Path

    from sqlalchemy.orm import Session

    from mynumber.nodes.directory import OpenDeployment
    from mynumber.settings import Settings

CITY: Final = "city-office-shinonomedai"
FORMER_CITY: Final = "city-office-kasumigaoka"
EMPLOYER: Final = "employer-kasumi-seiki"
INSURER: Final = "health-insurer-kasumi-seiki"
VIDEO_SHOP: Final = "video-rental-shop-tsukiyo"
POLICE: Final = "police-shinonomedai"
#: The demo's police case, and how long the record of the police request stays sealed.
CASE: Final = "SDP-2026-0042"
SEAL: Final = timedelta(days=180)
#: Documents a clerk checks in person when the person has no card with them.
DOCUMENTS: Final = ("resident-record-with-number", "driving-licence")
#: The file whose presence says the flows have run.
DONE: Final = "flows.done"
_HOST: Final = "http://127.0.0.1"
#: What the former city's tax desk holds about the applicant's income.
DEMO_INCOME: Final = {"fiscal_year": 2025, "taxable_income_yen": 3_120_000, "dependants": 2}


class FlowFailed(RuntimeError):
    """A step of a demo flow did not answer as the flow expects."""


@dataclass(frozen=True)
class Person:
    """A resident the flows act for: their number, and their card file if they have one."""

    resident_id: int
    number: str
    card: Path | None = None


class Flows:
    """The demo's requests, made as each body's staff member makes them."""

    def __init__(self, client: httpx.AsyncClient, opened: OpenDeployment, home: Path) -> None:
        """Call the host through ``client``; read API keys and node databases under ``home``."""
        self._client = client
        self._opened = opened
        self._keys = {
            path.stem: path.read_text(encoding="utf-8").strip()
            for path in (home / "bodies").glob("*.key")
        }

    def headers(self, body: str) -> dict[str, str]:
        """Return the headers of a request by ``body``'s demo staff member."""
        return {
            "Authorization": f"Bearer {self._keys[body]}",
            "X-Staff": DEMO_STAFF,
            "Idempotency-Key": secrets.token_urlsafe(16),
        }

    async def card_receipt(self, body: str, task: str, person: Person) -> str:
        """Confirm ``person`` with their card for ``body``'s task; return the receipt id."""
        assert person.card is not None  # noqa: S101 -- the flows pick card holders for this
        asked = await self.ok(
            "POST",
            "/registry/api/identity/challenges",
            json={"body": body, "staff": DEMO_STAFF, "task": task},
        )
        answer = answer_challenge(
            VirtualCard.open(person.card),
            asked["challenge"],
            authentication_pin=DEMO_PINS[PinKind.AUTHENTICATION],
            card_face_pin=DEMO_PINS[PinKind.CARD_FACE],
        )
        receipt = await self.ok(
            "POST", "/registry/api/identity/card-confirmations", json=answer.to_json()
        )
        return str(receipt["receipt"]["receipt_id"])

    async def documents_receipt(self, body: str, task: str, person: Person) -> str:
        """Record an in-person documents check of ``person``; return the receipt id."""
        receipt = await self.ok(
            "POST",
            "/registry/api/identity/document-confirmations",
            json={
                "body": body,
                "staff": DEMO_STAFF,
                "task": task,
                "number": person.number,
                "documents": list(DOCUMENTS),
            },
        )
        return str(receipt["receipt"]["receipt_id"])

    async def collect(self, body: str, task: str, person: Person, receipt: str) -> str:
        """Have ``body`` record the person's number for ``task``; return its code for them."""
        held = await self.ok(
            "POST",
            f"/institutions/{body}/api/numbers",
            json={"number": person.number, "receipt_id": receipt, "task": task},
            headers=self.headers(body),
        )
        return str(held["code"])

    async def exchange(self, body: str, form: dict[str, str]) -> dict[str, Any]:
        """Ask through ``body``'s node; collect the answer; return the collected exchange."""
        asked = await self.ok(
            "POST", f"/institutions/{body}/api/exchanges", json=form, headers=self.headers(body)
        )
        return await self.ok(
            "GET",
            f"/institutions/{body}/api/exchanges/{asked['serial']}",
            headers=self.headers(body),
        )

    async def refused(self, method: str, path: str, **request: Any) -> dict[str, Any]:  # noqa: ANN401 -- httpx's keyword arguments
        """Make a request that must be refused; return its problem details."""
        response = await self._client.request(method, path, **request)
        if response.is_success:
            msg = f"{method} {path} was accepted, but the demo expects it refused"
            raise FlowFailed(msg)
        problem: dict[str, Any] = response.json()
        return problem

    def keep(self, body: str, code: str, item: str, data: dict[str, Any]) -> None:
        """Keep a shareable copy at ``body``'s node, as its own systems load one."""
        with self._session(body) as session:
            InstitutionRecords(session).put_shareable(code, item, data)

    async def ok(self, method: str, path: str, **request: Any) -> dict[str, Any]:  # noqa: ANN401 -- httpx's keyword arguments
        """Make a request that must succeed; return its JSON body."""
        response = await self._client.request(method, path, **request)
        if not response.is_success:
            msg = f"{method} {path} answered {response.status_code}: {response.text[:300]}"
            raise FlowFailed(msg)
        body: dict[str, Any] = response.json()
        return body

    def _session(self, node_id: str) -> AbstractContextManager[Session]:
        """Return a unit of work on node ``node_id``'s database."""
        return node_session(self._opened, node_id)


def _number(session: Session, resident_id: int) -> str:
    """Return the active number of resident ``resident_id``."""
    number = session.scalar(
        select(IndividualNumberRecord.number).where(
            IndividualNumberRecord.resident_id == resident_id,
            IndividualNumberRecord.state == NumberState.ACTIVE.value,
        )
    )
    if number is None:
        msg = f"resident {resident_id} has no active number; run the demo in a fresh directory"
        raise FlowFailed(msg)
    return number


def people(opened: OpenDeployment, home: Path) -> tuple[Person, Person, Person]:
    """Return the employee, the child-allowance applicant and the employee's dependant.

    The first two hold the demo's first two cards; the dependant lives in the employee's
    household (or, in a town of one-person households, is the applicant).
    """
    with node_session(opened, "registry") as session:
        cards = list(
            session.execute(
                select(Card.resident_id, Card.manufacturing_number).order_by(Card.id).limit(2)
            )
        )
        if len(cards) < 2:
            msg = "the demo flows need two card holders; the demo hands over three cards"
            raise FlowFailed(msg)
        employee, applicant = (
            Person(rid, _number(session, rid), home / "cards" / f"{serial}.json")
            for rid, serial in cards
        )
        head = session.get(Resident, employee.resident_id)
        relative = (
            None
            if head is None
            else session.scalar(
                select(Resident.id)
                .where(Resident.household_id == head.household_id, Resident.id != head.id)
                .order_by(Resident.id)
                .limit(1)
            )
        )
        dependant = applicant if relative is None else Person(relative, _number(session, relative))
    return employee, applicant, dependant


async def employer_hires(flows: Flows, employee: Person) -> list[str]:
    """Flow 3: the employer confirms the employee with the card and records the number."""
    task = "employer:withholding-slip"
    receipt = await flows.card_receipt(EMPLOYER, task, employee)
    await flows.collect(EMPLOYER, task, employee, receipt)
    return [
        f"{EMPLOYER} hired resident {employee.resident_id}: card checked, number kept for {task}"
    ]


async def child_allowance(flows: Flows, applicant: Person) -> list[str]:
    """Flow 4: the city decides child allowance with the former city's income information."""
    former_receipt = await flows.documents_receipt(
        FORMER_CITY, "city-office:resident-tax", applicant
    )
    former_code = await flows.collect(
        FORMER_CITY, "city-office:resident-tax", applicant, former_receipt
    )
    flows.keep(FORMER_CITY, former_code, "local-tax-income", DEMO_INCOME)
    task = "city-office:child-allowance"
    receipt = await flows.card_receipt(CITY, task, applicant)
    code = await flows.collect(CITY, task, applicant, receipt)
    exchange = await flows.exchange(
        CITY,
        {
            "code": code,
            "row": "child-allowance-income-from-former-city",
            "item": "local-tax-income",
            "provider": FORMER_CITY,
        },
    )
    income = exchange["answer"]["data"]["taxable_income_yen"]
    return [
        (
            f"{CITY} asked {FORMER_CITY} for the income of resident {applicant.resident_id} "
            f"(exchange {exchange['serial']}, ledger entry {exchange['ledger_index']}): "
            f"{income:,} yen taxable"
        )
    ]


async def dependant_approval(flows: Flows, dependant: Person) -> list[str]:
    """Approve a dependant at the insurer, with the city's taxation status."""
    city_receipt = await flows.documents_receipt(CITY, "city-office:resident-tax", dependant)
    city_code = await flows.collect(CITY, "city-office:resident-tax", dependant, city_receipt)
    flows.keep(CITY, city_code, "taxation-status", {"fiscal_year": 2025, "taxed": False})
    task = "health-insurer:dependant-approval"
    receipt = await flows.documents_receipt(INSURER, task, dependant)
    code = await flows.collect(INSURER, task, dependant, receipt)
    exchange = await flows.exchange(
        INSURER,
        {
            "code": code,
            "row": "dependant-approval-from-city",
            "item": "taxation-status",
            "provider": CITY,
        },
    )
    taxed = exchange["answer"]["data"]["taxed"]
    return [
        (
            f"{INSURER} asked {CITY} whether dependant {dependant.resident_id} is taxed "
            f"(exchange {exchange['serial']}): {'taxed' if taxed else 'not taxed'}"
        )
    ]


async def refusals(flows: Flows, employee: Person, applicant: Person) -> list[str]:
    """Make the refused requests: a video shop keeping a number; a task outside the table."""
    receipt = await flows.documents_receipt(VIDEO_SHOP, "membership", applicant)
    shop = await flows.refused(
        "POST",
        "/registry/api/holdings",
        json={
            "number": applicant.number,
            "receipt_id": receipt,
            "task": "employer:withholding-slip",
        },
        headers=flows.headers(VIDEO_SHOP),
    )
    city_receipt = await flows.card_receipt(CITY, "city-office:resident-tax", employee)
    city_code = await flows.collect(CITY, "city-office:resident-tax", employee, city_receipt)
    outside = await flows.refused(
        "POST",
        f"/institutions/{CITY}/api/exchanges",
        json={
            "code": city_code,
            "row": "dependant-approval-from-city",
            "item": "taxation-status",
            "provider": CITY,
        },
        headers=flows.headers(CITY),
    )
    return [
        f"refused: {VIDEO_SHOP} keeping a customer's number ({shop['status']}: {shop['detail']})",
        f"refused: {CITY} asking under an insurer's row ({outside['status']}: {outside['detail']})",
    ]


async def police_request(flows: Flows, suspect: Person) -> list[str]:
    """Ask the register for a person as the police; the request is sealed for half a year."""
    unseal_on = datetime.now(UTC).date() + SEAL
    attributes = await flows.ok(
        "POST",
        "/registry/api/investigations",
        json={"number": suspect.number, "case_reference": CASE, "unseal_on": str(unseal_on)},
        headers=flows.headers(POLICE),
    )
    del attributes  # the police have them; the demo does not print them
    return [f"{POLICE} asked for a person in case {CASE}: sealed in the ledger until {unseal_on}"]


async def run_demo_flows(opened: OpenDeployment, settings: Settings) -> list[str]:
    """Run every flow once through an in-process host; return what happened, line by line."""
    done = settings.home / DONE
    if done.exists():
        return []
    employee, applicant, dependant = people(opened, settings.home)
    app = create_host_app(opened, settings)
    lines: list[str] = []
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=_HOST) as client:
            flows = Flows(client, opened, settings.home)
            lines += await employer_hires(flows, employee)
            lines += await child_allowance(flows, applicant)
            lines += await dependant_approval(flows, dependant)
            lines += await refusals(flows, employee, applicant)
            lines += await police_request(flows, applicant)
    done.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return lines
