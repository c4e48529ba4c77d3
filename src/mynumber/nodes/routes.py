"""What every node serves: ``GET /health`` and ``GET /version``."""

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel

from mynumber import __version__
from mynumber.deployment import NodeKind
from mynumber.nodes.context import Node, NodeContext
from mynumber.nodes.exceptions import NodeUnhealthyError
from mynumber.storage import StorageError, current_heads

router = APIRouter(tags=["node"])


class Health(BaseModel):
    """A node that can query its own, migrated database."""

    status: Literal["ok"]
    node: str
    kind: NodeKind
    migration_head: str


class Version(BaseModel):
    """Which software a node runs and which schema its database is at."""

    version: str
    node: str
    kind: NodeKind
    #: The Alembic revision the database is at; None if it was never migrated.
    migration_head: str | None


@router.get("/health", summary="Check that the node can use its database")
def health(node: Node) -> Health:
    """Answer 200 if the node's database answers and is migrated, else a 503 problem."""
    head = _migration_head(node)
    if head is None:
        msg = (
            f"the database of node '{node.spec.id}' has no schema yet; "
            f"run `mynumber db upgrade --node {node.spec.id}`"
        )
        raise NodeUnhealthyError(msg)
    return Health(status="ok", node=node.spec.id, kind=node.spec.kind, migration_head=head)


@router.get("/version", summary="Report the software version and the database schema")
def version(node: Node) -> Version:
    """Answer the package version, the node's id and kind, and its database's migration head."""
    return Version(
        version=__version__,
        node=node.spec.id,
        kind=node.spec.kind,
        migration_head=_migration_head(node),
    )


def _migration_head(node: NodeContext) -> str | None:
    """Query the database for its revision; a failure makes the node unhealthy."""
    try:
        heads = current_heads(node.engine)
    except StorageError as exc:
        msg = f"node '{node.spec.id}' cannot query its database: {exc}"
        raise NodeUnhealthyError(msg) from exc
    return ",".join(heads) or None
