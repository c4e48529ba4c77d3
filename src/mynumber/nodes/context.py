"""What a node's routes work with: the :class:`NodeContext` its app keeps on ``app.state``."""

import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from mynumber.deployment import Deployment, NodeKind, NodeSpec
from mynumber.keys import NodeKeys
from mynumber.nodes.callers import verify_caller
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

    async def calling_node(self, request: Request, *kinds: NodeKind) -> NodeSpec:
        """Return the node that signed ``request`` (of ``kinds``, if named), or refuse it.

        Refuses with :class:`~mynumber.nodes.exceptions.NodeSignatureRefused` (401) a request
        that does not prove which node of the deployment sent it to this one, now; with
        :class:`~mynumber.nodes.exceptions.CallingNodeRefused` (403) a node of another kind.
        Routes outside :mod:`mynumber.nodes` reach this through their view of the context.
        """
        return await verify_caller(request, self.spec, self.deployment, kinds, now=time.time())


def node_context(request: Request) -> NodeContext:
    """Return the context of the node that received ``request``."""
    context: NodeContext = request.app.state.node
    return context


#: The dependency through which a route receives its node's context.
Node = Annotated[NodeContext, Depends(node_context)]
