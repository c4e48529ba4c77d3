"""The exchange ledger on the hub node: appends from other nodes, checkpoints, entries, proofs.

* ``POST /api/ledger/entries``: a JSON object of at most 64 KiB with ``kind`` and
  ``disclosure_code``; answers 201 with its index and leaf hash (hex). Only the deployment's
  registry may append this way, proved by its signature (:mod:`mynumber.nodes.callers`): an
  entry is a record of use shown to its person, so no one else may write one. The hub's own
  records (exchanges, collections, refusals) are appended by its services, not through here.
* ``GET /api/ledger/checkpoint``: the latest signed checkpoint (a C2SP note, ``text/plain``),
  signed afresh when the ledger has grown since the last one.
* ``GET /api/ledger/entries/{index}``: the entry's canonical bytes (base64) and leaf hash.
* ``GET /api/ledger/proofs/inclusion?index=&size=`` and ``.../consistency?old=&new=``: a proof
  (hex hashes, RFC 9162 order) with the signed checkpoint it was computed against. ``size`` and
  ``new`` name a checkpoint the hub has signed -- the latest when left out -- so every proof
  comes with the signed root it leads to.
* ``GET /api/ledger/key``: the verifier key of the hub's checkpoint signatures.
* ``GET /api/ledger/sealed-counts``: how many sealed entries (police access) each body made each
  month, ``{"counts": [{"requester", "month", "count"}]}`` by month then body. Public, with no
  authentication: the counts are public by design, the bodies sealed
  (:mod:`mynumber.ledger.sealing`).

Refusals are RFC 9457 problems (:mod:`mynumber.nodes.problems`) and append nothing.
"""

from __future__ import annotations

import base64
import json
from functools import partial
from http import HTTPStatus
from typing import TYPE_CHECKING, Annotated, Any, Protocol

import anyio.to_thread
from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel

from mynumber.deployment import NodeKind
from mynumber.ledger.exceptions import MalformedEntry
from mynumber.ledger.notes import verifier_key
from mynumber.ledger.screening import MAX_ENTRY_BYTES, EntryTooLarge
from mynumber.ledger.services import LedgerService, hub_ledger, log_origin
from mynumber.settings import ConfigurationError
from mynumber.storage import unit_of_work

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from mynumber.deployment import NodeSpec
    from mynumber.keys import NodeKeys

router = APIRouter(prefix="/api/ledger", tags=["ledger"])
_TEXT = "text/plain; charset=utf-8"


class HubNode(Protocol):
    """What the ledger's routes use of the hub's node context (``app.state.node``).

    A protocol, not :class:`mynumber.nodes.context.NodeContext` itself: ``mynumber.nodes`` imports
    this router when it is imported, and the ledger never imports the node edges.
    """

    @property
    def spec(self) -> NodeSpec:
        """Who the node is and where it answers."""

    @property
    def keys(self) -> NodeKeys:
        """The node's keys, the ledger's signing key among them."""

    @property
    def sessions(self) -> sessionmaker[Session]:
        """Sessions of the node's database."""

    async def calling_node(self, request: Request, *kinds: NodeKind) -> NodeSpec:
        """Return the node of ``kinds`` that signed ``request``, or refuse it (401, 403)."""


class AppendedView(BaseModel):
    """Where an entry went."""

    index: int
    leaf_hash: str


class EntryView(BaseModel):
    """One entry: its canonical bytes in base64, and its leaf hash in hex."""

    index: int
    entry: str
    leaf_hash: str


class InclusionView(BaseModel):
    """An inclusion proof and the signed checkpoint (of ``size`` entries) it leads to."""

    index: int
    size: int
    proof: list[str]
    checkpoint: str


class ConsistencyView(BaseModel):
    """A consistency proof from ``old`` entries to the signed checkpoint of ``new``."""

    old: int
    new: int
    proof: list[str]
    checkpoint: str


class SealedCountView(BaseModel):
    """How many sealed entries one body made in one month (``YYYY-MM``)."""

    requester: str
    month: str
    count: int


class SealedCountsView(BaseModel):
    """The public counts of sealed entries, by month then body."""

    counts: list[SealedCountView]


def _hub(request: Request) -> HubNode:
    """Return the context of the hub node that received ``request``."""
    node: HubNode = request.app.state.node
    return node


#: The hub's context, as a route dependency.
Hub = Annotated[HubNode, Depends(_hub)]


def _ledger(session: Session, hub: HubNode) -> LedgerService:
    """Return the hub's ledger over ``session``."""
    return hub_ledger(session, hub.keys, hub.spec.base_url)


def _too_large() -> EntryTooLarge:
    """Return the refusal of a body over the limit."""
    message = f"the entry is larger than {MAX_ENTRY_BYTES} bytes, the most the ledger takes"
    return EntryTooLarge(message)


async def _body(request: Request) -> bytes:
    """Read the request body, refusing one larger than an entry may be without reading it all."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_ENTRY_BYTES:
        raise _too_large()
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_ENTRY_BYTES:
            raise _too_large()
    return bytes(body)


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Build a JSON object, refusing a key that appears twice."""
    members: dict[str, Any] = {}
    for key, value in pairs:
        if key in members:
            message = f"the key {key!r} appears twice in one object"
            raise MalformedEntry(message)
        members[key] = value
    return members


def _refuse_constant(text: str) -> None:
    """Refuse NaN and the infinities, which are not JSON."""
    message = f"{text} is not a JSON value"
    raise MalformedEntry(message)


def _decode(body: bytes) -> dict[str, Any]:
    """Decode a request body as one JSON object, strictly."""
    try:
        value = json.loads(
            body.decode("utf-8"),
            object_pairs_hook=_unique_members,
            parse_constant=_refuse_constant,
        )
    except UnicodeDecodeError as exc:
        message = f"the entry is not UTF-8 (byte {exc.start} is invalid)"
        raise MalformedEntry(message) from exc
    except json.JSONDecodeError as exc:
        message = f"the entry is not JSON: {exc.msg} at character {exc.pos}"
        raise MalformedEntry(message) from exc
    except RecursionError as exc:
        message = "the entry is nested too deeply"
        raise MalformedEntry(message) from exc
    if not isinstance(value, dict):
        message = "an entry is a JSON object with a `kind` and a `disclosure_code`"
        raise MalformedEntry(message)
    return value


def _append(hub: HubNode, entry: dict[str, Any]) -> AppendedView:
    """Append ``entry`` in its own unit of work."""
    with unit_of_work(hub.sessions) as session:
        appended = _ledger(session, hub).append(entry)
    return AppendedView(index=appended.index, leaf_hash=appended.leaf_hash.hex())


@router.post("/entries", status_code=HTTPStatus.CREATED, summary="Append an entry")
async def append(request: Request, hub: Hub) -> AppendedView:
    """Append one entry (a JSON object with ``kind`` and ``disclosure_code``); registry only."""
    await hub.calling_node(request, NodeKind.REGISTRY)
    entry = _decode(await _body(request))
    return await anyio.to_thread.run_sync(partial(_append, hub, entry))


@router.get("/checkpoint", summary="The latest signed checkpoint (C2SP note)")
def checkpoint(hub: Hub) -> Response:
    """Answer the signed checkpoint of the ledger as it stands."""
    with unit_of_work(hub.sessions) as session:
        note = _ledger(session, hub).checkpoint()
    return Response(note, media_type=_TEXT)


@router.get("/entries/{index}", summary="One entry")
def entry(index: int, hub: Hub) -> EntryView:
    """Answer entry ``index``: its bytes in base64 and its leaf hash."""
    with unit_of_work(hub.sessions) as session:
        found = _ledger(session, hub).entry(index)
        return EntryView(
            index=found.index,
            entry=base64.b64encode(found.entry).decode("ascii"),
            leaf_hash=found.leaf_hash.hex(),
        )


@router.get("/proofs/inclusion", summary="An inclusion proof, with its checkpoint")
def inclusion(index: int, hub: Hub, size: int | None = None) -> InclusionView:
    """Answer the proof that entry ``index`` is in the checkpoint of ``size`` (the latest)."""
    with unit_of_work(hub.sessions) as session:
        signed = _ledger(session, hub).signed_inclusion(index, size)
    return InclusionView(
        index=index,
        size=signed.size,
        proof=[value.hex() for value in signed.proof],
        checkpoint=signed.checkpoint.decode("utf-8"),
    )


@router.get("/proofs/consistency", summary="A consistency proof, with its checkpoint")
def consistency(old: int, hub: Hub, new: int | None = None) -> ConsistencyView:
    """Answer the proof that the tree of ``old`` entries is a prefix of checkpoint ``new``'s."""
    with unit_of_work(hub.sessions) as session:
        signed = _ledger(session, hub).signed_consistency(old, new)
    return ConsistencyView(
        old=old,
        new=signed.size,
        proof=[value.hex() for value in signed.proof],
        checkpoint=signed.checkpoint.decode("utf-8"),
    )


@router.get("/key", summary="The verifier key of the hub's checkpoint signatures")
def key(hub: Hub) -> Response:
    """Answer the verifier key string (``<name>+<key ID>+<base64 key>``)."""
    if hub.keys.ledger_signing is None:
        message = f"node '{hub.spec.id}' has no ledger signing key: ask the hub"
        raise ConfigurationError(message)
    public = hub.keys.ledger_signing.public_key()
    return Response(verifier_key(log_origin(hub.spec.base_url), public), media_type=_TEXT)


@router.get("/sealed-counts", summary="Sealed entries per body per month (public)")
def sealed_counts(hub: Hub) -> SealedCountsView:
    """Answer how many sealed entries each body made each month; never what they hold."""
    with unit_of_work(hub.sessions) as session:
        counts = _ledger(session, hub).sealed_counts()
    return SealedCountsView(
        counts=[
            SealedCountView(requester=c.requester, month=c.month, count=c.count) for c in counts
        ]
    )
