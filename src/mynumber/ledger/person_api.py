"""A resident's own ledger entries, read through the portal on the resident's authority.

* ``GET /api/ledger/mine?offset=&limit=&kind=``: the entries about the resident, newest first,
  ``limit`` (at most 500) from ``offset``, optionally of one ``kind``; with the number of them.
* ``GET /api/ledger/mine/{index}/proof``: entry ``index`` (base64 of its bytes), its inclusion
  proof (hex hashes) and the signed checkpoint it leads to -- signed afresh if the ledger has grown
  -- and the verifier key, so that the resident's browser checks it all itself.

Only the deployment's portal node may call these routes (its signature), and only with the grant
the registry signed when the resident logged in with their card (``X-Resident-Grant``,
:mod:`mynumber.grants`), checked with the registry's public key from ``deployment.toml``. The
grant names the resident by disclosure code, so no one can read another person's entries by
changing a parameter: an entry about someone else is not found.
"""

from __future__ import annotations

import base64
import functools
import json
import time
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Final, Protocol

import anyio.to_thread
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi import APIRouter, Depends, Header, Query, Request
from pydantic import BaseModel

from mynumber.deployment import NodeKind
from mynumber.grants import Grant, read_grant
from mynumber.ledger.notes import verifier_key
from mynumber.ledger.services import EntryNotFound, hub_ledger, log_origin
from mynumber.settings import ConfigurationError
from mynumber.storage import unit_of_work

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from mynumber.deployment import Deployment, NodeSpec
    from mynumber.keys import NodeKeys

router = APIRouter(prefix="/api/ledger/mine", tags=["ledger"])

#: The most entries one page answers.
MAX_PAGE: Final = 500


class HubNode(Protocol):
    """What these routes use of the hub's node context; see :mod:`mynumber.ledger.api`."""

    @property
    def spec(self) -> NodeSpec:
        """Who the node is and where it answers."""

    @property
    def deployment(self) -> Deployment:
        """The deployment: the registry's public key is in it."""

    @property
    def keys(self) -> NodeKeys:
        """The node's keys, the ledger's signing key among them."""

    @property
    def sessions(self) -> sessionmaker[Session]:
        """Sessions of the node's database."""

    async def calling_node(self, request: Request, *kinds: NodeKind) -> NodeSpec:
        """Return the node of ``kinds`` that signed ``request``, or refuse it (401, 403)."""


class MineView(BaseModel):
    """One entry about the resident: where it is, what it says, when it was appended."""

    index: int
    appended_at: datetime
    entry: dict[str, Any]


class PageView(BaseModel):
    """A page of the resident's entries, newest first, and how many there are in all."""

    total: int
    offset: int
    entries: list[MineView]


class ProofView(BaseModel):
    """An entry with what proves it is in the ledger: proof, signed checkpoint, verifier key."""

    index: int
    entry: str
    size: int
    proof: list[str]
    checkpoint: str
    verifier_key: str


def _hub(request: Request) -> HubNode:
    """Return the context of the hub node that received ``request``."""
    node: HubNode = request.app.state.node
    return node


Hub = Annotated[HubNode, Depends(_hub)]
GrantHeader = Annotated[str | None, Header(alias="X-Resident-Grant")]


async def _resident(request: Request, hub: HubNode, token: str | None) -> Grant:
    """Return the grant of the resident a portal request is made for, or refuse it."""
    await hub.calling_node(request, NodeKind.PORTAL)
    registries = hub.deployment.of_kind(NodeKind.REGISTRY)
    if not registries:
        msg = "the deployment has no registry node to vouch for residents"
        raise ConfigurationError(msg)
    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(registries[0].public_key))
    return read_grant(public, token, now=time.time())


def _page(hub: HubNode, code: str, offset: int, limit: int, kind: str | None) -> PageView:
    """Return a page of the entries about the person ``code`` names."""
    with unit_of_work(hub.sessions) as session:
        ledger = hub_ledger(session, hub.keys, hub.spec.base_url)
        total, found = ledger.entries_page(code, offset=offset, limit=limit, kind=kind)
        return PageView(
            total=total,
            offset=offset,
            entries=[
                MineView(
                    index=entry.index,
                    appended_at=entry.appended_at,
                    entry=json.loads(entry.entry),
                )
                for entry in found
            ],
        )


def _proof(hub: HubNode, code: str, index: int) -> ProofView:
    """Return entry ``index`` of the person ``code`` names, with its proof, or say not found."""
    signing = hub.keys.ledger_signing
    if signing is None:
        msg = f"node '{hub.spec.id}' has no ledger signing key: ask the hub"
        raise ConfigurationError(msg)
    with unit_of_work(hub.sessions) as session:
        ledger = hub_ledger(session, hub.keys, hub.spec.base_url)
        found = ledger.entry(index)
        if found.disclosure_code != code:
            msg = f"there is no entry {index} about you"
            raise EntryNotFound(msg)
        ledger.checkpoint()
        signed = ledger.signed_inclusion(index)
        return ProofView(
            index=index,
            entry=base64.b64encode(found.entry).decode("ascii"),
            size=signed.size,
            proof=[value.hex() for value in signed.proof],
            checkpoint=signed.checkpoint.decode("utf-8"),
            verifier_key=verifier_key(log_origin(hub.spec.base_url), signing.public_key()),
        )


@router.get("", summary="The resident's own entries (portal only)")
async def mine(  # noqa: PLR0913 -- the request, the grant, and the page asked for
    request: Request,
    hub: Hub,
    *,
    grant: GrantHeader = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    kind: Annotated[str | None, Query(max_length=64)] = None,
) -> PageView:
    """Answer a page of the entries about the resident whose grant comes with the request."""
    holder = await _resident(request, hub, grant)
    return await anyio.to_thread.run_sync(
        functools.partial(_page, hub, holder.disclosure_code, offset, limit, kind)
    )


@router.get("/{index}/proof", summary="One of the resident's entries with its proof")
async def proof(index: int, request: Request, hub: Hub, grant: GrantHeader = None) -> ProofView:
    """Answer the entry, its inclusion proof and the signed checkpoint; another's is not found."""
    holder = await _resident(request, hub, grant)
    return await anyio.to_thread.run_sync(
        functools.partial(_proof, hub, holder.disclosure_code, index)
    )
