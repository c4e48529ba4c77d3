"""The exchanges figure's checks: the flow answers right before timing, and adds up after.

Before timing: a few exchanges made and collected, singly and in a batch, each answer the
provider's copy; a request with an API key the hub never issued refused (401, a problem); the
no-op app answering ``{}``. After: the hub holds exactly one completed and collected exchange per
exchange made (single or in a batch) and no other, the ledger one ``exchange`` entry for each, the
city one requester's record with its answer for each, the former city one provider's record for
each, and the hub the one refusal made on purpose. Any difference stops the run.
"""

import asyncio
from typing import TYPE_CHECKING, Protocol

import httpx
from sqlalchemy import func, select
from sqlalchemy.sql.elements import ColumnElement

from exchanges_setup import CITY, FORMER_CITY, HUB, Deployed, session
from load import Failures
from mynumber.institution.models import ExchangeRecord
from mynumber.ledger.models import LedgerEntry
from mynumber.network.models import Exchange, NetworkRefusal

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

#: Exchanges made and checked before timing.
CHECKED = 3
#: The refusals the checks cause on purpose: the request with a wrong API key.
REFUSALS = 1


class Asking(Protocol):
    """What the checks use of ``exchanges.Requests``."""

    def headers(self, *, api_key: str | None = None) -> dict[str, str]:
        """Return a staff member's headers."""

    async def exchange(
        self, client: httpx.AsyncClient, index: int, failures: Failures
    ) -> dict[str, float] | None:
        """Make and check one exchange."""

    async def batch(
        self, client: httpx.AsyncClient, index: int, failures: Failures, *, size: int
    ) -> dict[str, float] | None:
        """Make and check one batch of ``size`` exchanges."""


def before_timing(deployed: Deployed, requests: Asking, noop_url: str) -> None:
    """Stop the run unless exchanges answer right, a wrong key is refused and the no-op answers."""
    asyncio.run(_exchanges(deployed, requests))
    with httpx.Client(base_url=deployed.base_url(CITY) + "/", trust_env=False) as client:
        form = {"code": deployed.persons[0].code, "row": "r", "item": "i", "provider": FORMER_CITY}
        refused = client.post(
            "api/exchanges", json=form, headers=requests.headers(api_key="not-a-key")
        )
        if refused.status_code != 401 or "problem" not in refused.headers["content-type"]:
            msg = f"a request with a wrong API key was not refused with 401 ({refused.status_code})"
            raise SystemExit(msg)
        answer = client.get(noop_url)
        if answer.status_code != 200 or answer.json() != {}:
            msg = f"the no-op app answered {answer.status_code}: {answer.text}"
            raise SystemExit(msg)


async def _exchanges(deployed: Deployed, requests: Asking) -> None:
    """Make ``CHECKED`` exchanges one after another, then a batch of as many; stop at a failure."""
    failures = Failures()
    async with httpx.AsyncClient(base_url=deployed.base_url(CITY), trust_env=False) as client:
        for index in range(CHECKED):
            await requests.exchange(client, index, failures)
        await requests.batch(client, 1, failures, size=CHECKED)
    if failures.count:
        msg = f"an exchange failed before timing: {failures.first}"
        raise SystemExit(msg)


def verify(deployed: Deployed, made: int) -> None:
    """Stop the run unless every node's records add up to ``made`` exchanges (see the module)."""
    opened = deployed.opened
    with session(opened, HUB) as hub:
        found = {
            "exchanges on the hub": _count(hub, Exchange),
            "completed and collected exchanges on the hub": _count(
                hub,
                Exchange,
                Exchange.status == "completed",
                Exchange.collected_at.is_not(None),
                Exchange.answer.is_(None),
            ),
            "ledger entries": _count(hub, LedgerEntry),
            "ledger entries of exchanges": _count(hub, LedgerEntry, LedgerEntry.kind == "exchange"),
        }
        refusals = _count(hub, NetworkRefusal)
    with session(opened, CITY) as city:
        found["the city's records, answered"] = _count(
            city,
            ExchangeRecord,
            ExchangeRecord.role == "requester",
            ExchangeRecord.answer.is_not(None),
        )
        found["the city's records"] = _count(city, ExchangeRecord)
    with session(opened, FORMER_CITY) as former:
        found["the former city's records"] = _count(former, ExchangeRecord)
    wrong = [f"{name}: {count:,}" for name, count in found.items() if count != made]
    if refusals != REFUSALS:
        wrong.append(f"refusals on the hub: {refusals:,}, not {REFUSALS}")
    if wrong:
        msg = f"{made:,} exchanges were made, but " + "; ".join(wrong)
        raise SystemExit(msg)
    print(f"  checked: {made:,} exchanges completed, collected, logged and recorded", flush=True)


def _count(db: "Session", model: type, *where: ColumnElement[bool]) -> int:
    """Return how many rows of ``model`` match every condition of ``where``."""
    return db.scalar(select(func.count()).select_from(model).where(*where)) or 0
