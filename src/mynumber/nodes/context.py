"""What a node's routes work with: the :class:`NodeContext` its app keeps on ``app.state``."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from mynumber.deployment import Deployment, NodeSpec
from mynumber.keys import NodeKeys
from mynumber.nodes.client import NodeClients
from mynumber.settings import Settings


@dataclass(frozen=True)
class NodeContext:
    """Everything one node's routes may use: who it is, its database, keys and clients."""

    spec: NodeSpec
    deployment: Deployment
    keys: NodeKeys
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    clients: NodeClients


def node_context(request: Request) -> NodeContext:
    """Return the context of the node that received ``request``."""
    context: NodeContext = request.app.state.node
    return context


#: The dependency through which a route receives its node's context.
Node = Annotated[NodeContext, Depends(node_context)]
