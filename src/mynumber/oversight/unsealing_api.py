"""The oversight node's route that opens a sealed record to its person, through the portal.

* ``POST /api/unsealings``: the portal, signed, with the resident's grant (``X-Resident-Grant``,
  checked with the registry's public key), sends a sealed record of police access with its proof
  and checkpoint, as for a case (:mod:`mynumber.oversight.api`). The commission checks the
  evidence the same way -- in the ledger under the hub's signed checkpoint, about the person the
  grant names -- and, once the record's unsealing date has come (today, in Japan), opens it with its
  ``sealed-entries.key`` and answers what it says (200): the body that asked, when, for which task
  and case, which data items were disclosed, and by whom.

An entry whose date has not come is refused (``still-sealed``, with the date); an entry that is
not sealed, or evidence that does not hold, is refused (422). Nothing is written.
"""

from datetime import date, datetime
from typing import Annotated

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from fastapi import APIRouter, Header, Request
from pydantic import BaseModel, ConfigDict, ValidationError

from mynumber.deployment import NodeKind
from mynumber.keys import SEALED_ENTRIES
from mynumber.ledger.exceptions import MalformedEntry
from mynumber.ledger.sealing import UNSEALING_ZONE
from mynumber.nodes.context import Node, NodeContext
from mynumber.oversight.api import EvidenceForm, hub_ledger_key, resident_grant
from mynumber.oversight.cases import unseal_record
from mynumber.settings import ConfigurationError

router = APIRouter(prefix="/api/unsealings", tags=["oversight"])


class UnsealedView(BaseModel):
    """A sealed record of police access, opened: who asked, when, why, and what they were given."""

    model_config = ConfigDict(frozen=True)

    #: The police body that asked (a body id).
    requester: str
    at: datetime
    unseal_on: date
    #: The task the access was for (``police:criminal-investigation``).
    task: str
    #: Who at the body asked.
    staff: str
    #: The body's case reference.
    case: str
    #: The data items the registry disclosed.
    disclosed: list[str]


def _sealing_key(node: NodeContext) -> X25519PrivateKey:
    """Return the commission's key that opens sealed entries, or refuse to run without it."""
    if node.keys.sealing is None:
        msg = f"the oversight node has no {SEALED_ENTRIES}: it cannot open sealed records"
        raise ConfigurationError(msg)
    return node.keys.sealing


@router.post("", summary="Open a sealed record whose unsealing date has come (portal)")
async def unseal(
    form: EvidenceForm,
    request: Request,
    node: Node,
    grant: Annotated[str | None, Header(alias="X-Resident-Grant")] = None,
) -> UnsealedView:
    """Check the record's evidence and the resident's grant; answer the record opened."""
    await node.calling_node(request, NodeKind.PORTAL)
    holder = resident_grant(node, grant)
    ledger_key = await hub_ledger_key(node)
    today = datetime.now(UNSEALING_ZONE).date()
    record = unseal_record(
        form.evidence(), holder.disclosure_code, ledger_key, _sealing_key(node), today=today
    )
    fields = {name: record.outer[name] for name in ("requester", "at", "unseal_on")}
    try:
        return UnsealedView.model_validate({**record.body, **fields})
    except ValidationError as exc:
        msg = "the sealed record does not hold a police access: its task, staff, case, disclosed"
        raise MalformedEntry(msg) from exc
