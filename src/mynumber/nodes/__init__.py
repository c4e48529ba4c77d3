"""The node skeleton: each node a FastAPI app with its own database and keys.

See docs/architecture.md, "Nodes".

:func:`create_node_app` makes one node; :func:`create_host_app` serves several in one process,
each at the path of its ``base_url``; :class:`NodeClients` is how nodes call each other; and
:mod:`mynumber.nodes.directory` creates, opens and migrates a deployment directory.
"""

from mynumber.nodes.app import create_node_app
from mynumber.nodes.client import NodeClients
from mynumber.nodes.exceptions import NodeError, NodeUnavailable, NodeUnhealthyError
from mynumber.nodes.host import create_host_app

__all__ = [
    "NodeClients",
    "NodeError",
    "NodeUnavailable",
    "NodeUnhealthyError",
    "create_host_app",
    "create_node_app",
]
