"""Which node sent a request: routes that answer the other nodes of the deployment only.

A route takes :data:`CallingNode` to be called by any node of its deployment, or a dependency
made by :func:`node_of_kind` to be called by nodes of some kinds only::

    Registry = Annotated[NodeSpec, Depends(node_of_kind(NodeKind.REGISTRY))]

    @router.post("/codes")
    def issue_code(form: CodeForm, caller: Registry) -> CodeView: ...

The request must carry the headers of :mod:`mynumber.nodes.signatures`, signed by the key whose
public half ``deployment.toml`` lists for the node that ``X-Node-Id`` names, for this node, over
the method, path, body and a date within five minutes of this node's clock. A request that does
not prove its sender is refused with 401 (:class:`NodeSignatureRefused`); a node of another kind,
with 403 (:class:`CallingNodeRefused`); either way the route does nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Final
from urllib.parse import quote

from fastapi import Depends, Request

from mynumber.deployment import Deployment, NodeKind, NodeSpec, UnknownNodeError
from mynumber.nodes.exceptions import CallingNodeRefused, NodeSignatureRefused
from mynumber.nodes.signatures import (
    DATE_HEADER,
    NODE_ID_HEADER,
    SIGNATURE_HEADER,
    NodeRequest,
    verify_request,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from starlette.types import Scope

    from mynumber.nodes.context import NodeContext

_HOW_TO_CALL: Final = "a node calls another through its NodeClients, which signs every request"


async def verify_caller(
    request: Request,
    receiver: NodeSpec,
    deployment: Deployment,
    kinds: tuple[NodeKind, ...] = (),
    *,
    now: float,
) -> NodeSpec:
    """Return the node of ``deployment`` that signed ``request`` to ``receiver``, or refuse it.

    With ``kinds``, a node of another kind is refused too. ``now`` is the receiver's clock.
    """
    sender, date, signature = (
        request.headers.get(name) for name in (NODE_ID_HEADER, DATE_HEADER, SIGNATURE_HEADER)
    )
    if sender is None or date is None or signature is None:
        msg = (
            f"only the nodes of this deployment may make this request, and it does not say "
            f"which node sends it: it needs the {NODE_ID_HEADER}, {DATE_HEADER} and "
            f"{SIGNATURE_HEADER} headers; {_HOW_TO_CALL}"
        )
        raise NodeSignatureRefused(msg)
    try:
        caller = deployment.node(sender)
    except UnknownNodeError as exc:
        msg = (
            f"the {NODE_ID_HEADER} header names {sender!r}, which is not a node of this "
            f"deployment; only its nodes may make this request"
        )
        raise NodeSignatureRefused(msg) from exc
    sent = NodeRequest(
        method=request.method,
        target=receiver.id,
        path=path_as_sent(request.scope),
        date=date,
        body=await request.body(),  # Starlette keeps it: the route still reads it
    )
    verify_request(sent, signature, caller.public_key, now=now)
    if kinds and caller.kind not in kinds:
        allowed = " or ".join(kind.value for kind in kinds)
        msg = (
            f"node '{caller.id}' ({caller.kind.value}) may not {request.method} "
            f"{request.url.path}: only {allowed} nodes may"
        )
        raise CallingNodeRefused(msg)
    return caller


def path_as_sent(scope: Scope) -> bytes:
    """Return the raw path and query string of a request as its sender wrote and signed them.

    ``raw_path`` is the whole path as sent, also in an app mounted at its node's path, where
    ``root_path`` is the mount path and ``path`` still begins with it (so the two must not be
    joined). Servers that give no ``raw_path`` are answered with ``path`` quoted again.
    """
    raw: bytes = scope.get("raw_path") or quote(scope["path"]).encode("ascii")
    query: bytes = scope.get("query_string", b"")
    return raw + b"?" + query if query else raw


async def calling_node(request: Request) -> NodeSpec:
    """Return the node of this deployment that signed ``request``, or refuse it (401)."""
    node: NodeContext = request.app.state.node
    return await node.calling_node(request)


def node_of_kind(*kinds: NodeKind) -> Callable[[Request], Awaitable[NodeSpec]]:
    """Return a dependency like :func:`calling_node` that also refuses other kinds (403)."""
    if not kinds:
        msg = "node_of_kind() needs the kinds of node that may call the route; name at least one"
        raise TypeError(msg)

    async def of_kind(request: Request) -> NodeSpec:
        node: NodeContext = request.app.state.node
        return await node.calling_node(request, *kinds)

    return of_kind


#: The node of the deployment that sent the request, which proved it with its signature.
CallingNode = Annotated[NodeSpec, Depends(calling_node)]
