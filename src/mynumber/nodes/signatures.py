"""Signed requests between nodes: who sent a request, to whom, and that nothing changed on the way.

A node signs every request it sends to another (:class:`~mynumber.nodes.client.NodeClients`) with
its ``node-signing.key`` (Ed25519); the receiver checks the signature with the sender's
``public_key`` from ``deployment.toml`` (:mod:`mynumber.nodes.callers`). Three headers carry it:

``X-Node-Id``
    the id of the sending node;
``X-Node-Date``
    when it was sent, in UTC unix seconds written as decimal digits;
``X-Node-Signature``
    the base64 Ed25519 signature of the canonical request, the UTF-8 bytes of::

        mynumber-node-request/v1
        METHOD
        target node id
        raw path with query, as sent (e.g. /hub/api/codes?x=1)
        date
        sha256 of the body, lower-case hex

    one per line, joined by line feeds (LF) with none at the end.

The receiver names itself as the target, so a request signed for one node is refused by another,
and refuses a date more than :data:`MAX_SKEW_SECONDS` from its own clock, so a request recorded
today cannot be replayed tomorrow. Pure: no I/O, and the clock is handed in.

>>> from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
>>> from mynumber.keys import public_keys_of
>>> key = Ed25519PrivateKey.generate()
>>> sent = NodeRequest("POST", "hub", b"/hub/api/codes", "1767225600", b"{}")
>>> verify_request(sent, sign_request(sent, key), public_keys_of(key).signing, now=1767225601.5)
"""

import base64
import hashlib
import re
from dataclasses import dataclass, field
from typing import Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from mynumber.nodes.exceptions import NodeSignatureRefused

SCHEME: Final = "mynumber-node-request/v1"
NODE_ID_HEADER: Final = "X-Node-Id"
DATE_HEADER: Final = "X-Node-Date"
SIGNATURE_HEADER: Final = "X-Node-Signature"
#: How far, in seconds, a request's date may be from the receiver's clock, either way.
MAX_SKEW_SECONDS: Final = 300
#: Length in bytes of an Ed25519 signature.
SIGNATURE_LENGTH: Final = 64
_DATE: Final = re.compile(r"[0-9]{1,12}")
_HOW_TO_SIGN: Final = "send it through the node's NodeClients, which signs every request"


@dataclass(frozen=True)
class NodeRequest:
    """What the signature of a request between nodes covers."""

    method: str
    #: The id of the node the request is sent to.
    target: str
    #: The raw path and query string as sent, percent-encoded (``request.url.raw_path``).
    path: bytes
    #: When the request was sent: UTC unix seconds as decimal digits (:func:`format_date`).
    date: str
    body: bytes = field(repr=False)

    def canonical(self) -> bytes:
        """Return the bytes that are signed: see the module's documentation."""
        head = f"{SCHEME}\n{self.method}\n{self.target}\n".encode()
        tail = f"\n{self.date}\n{hashlib.sha256(self.body).hexdigest()}".encode()
        return head + self.path + tail


def format_date(now: float) -> str:
    """Return the ``X-Node-Date`` of a request sent at ``now`` (unix seconds)."""
    return str(int(now))


def sign_request(request: NodeRequest, key: Ed25519PrivateKey) -> str:
    """Return the ``X-Node-Signature`` of ``request`` made with the sending node's ``key``."""
    return base64.b64encode(key.sign(request.canonical())).decode("ascii")


def signature_headers(sender: str, request: NodeRequest, key: Ed25519PrivateKey) -> dict[str, str]:
    """Return the three headers that prove ``sender`` sent ``request``."""
    return {
        NODE_ID_HEADER: sender,
        DATE_HEADER: request.date,
        SIGNATURE_HEADER: sign_request(request, key),
    }


def verify_request(request: NodeRequest, signature: str, public_key: str, *, now: float) -> None:
    """Check that ``signature`` is the sender's over ``request``, sent near ``now``; else refuse.

    ``public_key`` is the sender's, as ``deployment.toml`` lists it; ``now`` is the receiver's
    clock in unix seconds. Raises :class:`NodeSignatureRefused` saying what was wrong.
    """
    _check_date(request.date, now)
    try:
        raw = base64.b64decode(signature, validate=True)
    except ValueError:  # binascii.Error, or text outside ASCII
        raw = b""
    if len(raw) != SIGNATURE_LENGTH:
        msg = (
            f"the {SIGNATURE_HEADER} header is not the base64 of a {SIGNATURE_LENGTH}-byte "
            f"Ed25519 signature; {_HOW_TO_SIGN}"
        )
        raise NodeSignatureRefused(msg)
    try:
        Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key)).verify(
            raw, request.canonical()
        )
    except (InvalidSignature, ValueError) as exc:
        msg = (
            f"the signature does not match this request as {request.target!r} received it: it "
            "was changed on the way, signed for another node or path, or signed with a key "
            "other than the one deployment.toml lists for the sender; sign the request as sent "
            "with the sender's own node-signing.key"
        )
        raise NodeSignatureRefused(msg) from exc


def _check_date(date: str, now: float) -> None:
    """Refuse a date that is not unix seconds, or too far from the receiver's clock."""
    if not _DATE.fullmatch(date):
        msg = f"the {DATE_HEADER} header must be UTC unix seconds in decimal digits; {_HOW_TO_SIGN}"
        raise NodeSignatureRefused(msg)
    skew = int(date) - int(now)
    if abs(skew) > MAX_SKEW_SECONDS:
        direction = "ahead of" if skew > 0 else "behind"
        msg = (
            f"the request is dated {abs(skew)} seconds {direction} the receiving node's clock "
            f"(at most {MAX_SKEW_SECONDS} are allowed): an old request cannot be replayed; "
            "send a fresh one, and if the nodes' clocks differ, synchronise them (NTP)"
        )
        raise NodeSignatureRefused(msg)
