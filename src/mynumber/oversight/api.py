"""The oversight node's routes for residents' reports, through the portal.

* ``POST /api/cases``: the portal, signed, with the resident's grant (``X-Resident-Grant``, checked
  with the registry's public key), sends a record the resident does not recognise with its proof
  and checkpoint, and what the resident wrote; the commission checks the evidence
  (:mod:`mynumber.oversight.cases`) against the ledger key it asks the hub for, and answers the
  case's number (201). Evidence that does not hold is refused (422) and opens nothing.

:class:`EvidenceForm`, :func:`resident_grant` and :func:`hub_ledger_key` are shared with the
routes that open sealed records (:mod:`mynumber.oversight.unsealing_api`).
"""

import base64
import functools
import time
from datetime import datetime
from http import HTTPStatus
from typing import Annotated

import anyio.to_thread
import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi import APIRouter, Header, Request
from pydantic import BaseModel, ConfigDict, Field

from mynumber.deployment import NodeKind
from mynumber.grants import Grant, read_grant
from mynumber.nodes.context import Node, NodeContext
from mynumber.nodes.exceptions import NodeUnavailable
from mynumber.oversight.cases import STATEMENT_LENGTH, CaseService, Evidence, case_number
from mynumber.storage import unit_of_work

router = APIRouter(prefix="/api/cases", tags=["oversight"])


class EvidenceForm(BaseModel):
    """A record of use, as the portal sends it, with what proves it is in the ledger."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    index: Annotated[int, Field(ge=0)]
    entry: Annotated[str, Field(min_length=1, max_length=100_000)]
    proof: Annotated[list[Annotated[str, Field(max_length=64)]], Field(max_length=64)]
    checkpoint: Annotated[str, Field(min_length=1, max_length=10_000)]
    verifier_key: Annotated[str, Field(min_length=1, max_length=200)]

    def evidence(self) -> Evidence:
        """Return the evidence the commission checks."""
        return Evidence(
            index=self.index,
            entry=self.entry,
            proof=tuple(self.proof),
            checkpoint=self.checkpoint,
            verifier_key=self.verifier_key,
        )


class CaseForm(EvidenceForm):
    """A record the resident does not recognise, its proof, and what they say about it."""

    statement: Annotated[str | None, Field(max_length=STATEMENT_LENGTH)] = None


class CaseView(BaseModel):
    """The case opened: its number and when."""

    case: str
    opened_at: datetime


def resident_grant(node: NodeContext, token: str | None) -> Grant:
    """Return the resident's grant, checked with the registry's key from ``deployment.toml``.

    A grant the registry did not sign, or one that has expired, is refused (401).
    """
    registry = node.deployment.of_kind(NodeKind.REGISTRY)[0]
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(registry.public_key))
    return read_grant(key, token, now=time.time())


async def hub_ledger_key(node: NodeContext) -> str:
    """Return the hub's ledger verifier key, as the hub itself answers it."""
    hub = node.deployment.of_kind(NodeKind.HUB)[0].id
    try:
        answer = await node.clients.client(hub).get("api/ledger/key")
    except httpx.HTTPError as exc:
        raise NodeUnavailable(hub, f"it did not answer ({type(exc).__name__})") from exc
    if not answer.is_success:
        raise NodeUnavailable(hub, f"api/ledger/key answered {answer.status_code}")
    return answer.text.strip()


def _open(node: NodeContext, form: CaseForm, disclosure_code: str, key: str) -> CaseView:
    """Open the case in the commission's database."""
    with unit_of_work(node.sessions) as session:
        case = CaseService(session).open_case(form.evidence(), disclosure_code, key, form.statement)
        return CaseView(case=case_number(case), opened_at=case.opened_at)


@router.post("", status_code=HTTPStatus.CREATED, summary="Open a case about a record (portal)")
async def open_case(
    form: CaseForm,
    request: Request,
    node: Node,
    grant: Annotated[str | None, Header(alias="X-Resident-Grant")] = None,
) -> CaseView:
    """Check the record's evidence and the resident's grant; open the case."""
    await node.calling_node(request, NodeKind.PORTAL)
    holder = resident_grant(node, grant)
    key = await hub_ledger_key(node)
    return await anyio.to_thread.run_sync(
        functools.partial(_open, node, form, holder.disclosure_code, key)
    )
