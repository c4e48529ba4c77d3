"""The errors of the node skeleton: a node cannot serve, reach another, or trust its caller.

::

    NodeError                  (a mynumber.errors.MyNumberError)
     +-- NodeUnhealthyError    this node cannot use its own database (HTTP 503)
     +-- NodeUnavailable       another node did not answer, or answered with an error (HTTP 502)
     +-- NodeSignatureRefused  a request does not prove which node sent it (HTTP 401)
     +-- CallingNodeRefused    a node proved who it is, but may not call this route (HTTP 403)
"""

from mynumber.errors import MyNumberError


class NodeError(MyNumberError):
    """A node cannot do its part in the federation."""

    code = "node-error"


class NodeUnhealthyError(NodeError):
    """This node cannot query its own database."""

    code = "node-unhealthy"


class NodeUnavailable(NodeError):
    """Another node could not be reached, or refused the call.

    ``node_id`` names the node that failed; ``status`` is the HTTP status it answered with, or
    None when it did not answer at all.
    """

    code = "node-unavailable"

    def __init__(self, node_id: str, reason: str, *, status: int | None = None) -> None:
        """Say which node failed and why, and what the operator can check."""
        super().__init__(
            f"node '{node_id}' is unavailable: {reason}; check that it is running and that "
            "its base_url in deployment.toml is right"
        )
        self.node_id = node_id
        self.reason = reason
        self.status = status


class NodeSignatureRefused(NodeError):
    """The request does not prove that a node of this deployment sent it."""

    code = "node-signature-refused"


class CallingNodeRefused(NodeError):
    """The calling node is not of a kind that may make this request."""

    code = "calling-node-refused"
