"""The oversight node's view of the federation: ``GET /nodes`` asks every node how it is.

The commission watches every node: for each node of the deployment, oversight calls its
``/health`` and ``/version`` through :class:`~mynumber.nodes.client.NodeClients` (in-process or
over the network, as the node is hosted) and reports what it found.
"""

import asyncio

from fastapi import APIRouter
from pydantic import BaseModel, ValidationError

from mynumber.deployment import NodeKind, NodeSpec
from mynumber.nodes.client import NodeClients
from mynumber.nodes.context import Node
from mynumber.nodes.exceptions import NodeUnavailable
from mynumber.nodes.routes import Version

router = APIRouter(tags=["oversight"])


class NodeStatus(BaseModel):
    """What oversight found when it called one node."""

    id: str
    kind: NodeKind
    base_url: str
    #: True when the node is served by the same process as oversight.
    in_process: bool
    healthy: bool
    version: str | None = None
    migration_head: str | None = None
    #: Why the node is not healthy; None when it is.
    detail: str | None = None


class FederationStatus(BaseModel):
    """Every node of the deployment as oversight sees it."""

    healthy: bool
    nodes: list[NodeStatus]


@router.get("/nodes", summary="Call every node's /health and /version and report each one")
async def nodes(node: Node) -> FederationStatus:
    """Report, for every node of the deployment, whether it answers and what it runs."""
    found = await asyncio.gather(
        *(_probe(node.clients, spec) for spec in node.deployment.nodes),
    )
    return FederationStatus(healthy=all(entry.healthy for entry in found), nodes=list(found))


async def _probe(clients: NodeClients, spec: NodeSpec) -> NodeStatus:
    """Call one node's /version and /health; a failure is reported, not raised."""
    status = NodeStatus(
        id=spec.id,
        kind=spec.kind,
        base_url=spec.base_url,
        in_process=clients.is_in_process(spec.id),
        healthy=False,
    )
    try:
        version = Version.model_validate(await clients.get_json(spec.id, "/version"))
        status = status.model_copy(
            update={"version": version.version, "migration_head": version.migration_head},
        )
        await clients.get_json(spec.id, "/health")
    except NodeUnavailable as exc:
        return status.model_copy(update={"detail": exc.reason})
    except ValidationError:
        return status.model_copy(update={"detail": "/version answered something else"})
    return status.model_copy(update={"healthy": True})
