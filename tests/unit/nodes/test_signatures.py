"""Signed node requests: a good signature verifies; any change to what it covers is refused."""

import base64
import dataclasses

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mynumber.keys import public_keys_of
from mynumber.nodes.exceptions import NodeSignatureRefused
from mynumber.nodes.signatures import (
    MAX_SKEW_SECONDS,
    NodeRequest,
    format_date,
    sign_request,
    signature_headers,
    verify_request,
)

REGISTRY_KEY = Ed25519PrivateKey.generate()
REGISTRY_PUBLIC = public_keys_of(REGISTRY_KEY).signing
NOW = 1_767_225_600.0
SENT = NodeRequest(
    method="POST",
    target="hub",
    path=b"/hub/api/codes?x=1",
    date=format_date(NOW),
    body=b'{"resident_record_code":"12345678901","body_id":"city-office"}',
)
SIGNATURE = sign_request(SENT, REGISTRY_KEY)
MISMATCH = "the signature does not match this request"


def test_a_request_signed_by_the_sender_verifies() -> None:
    """The sender's signature over the request as sent verifies with its public key."""
    verify_request(SENT, SIGNATURE, REGISTRY_PUBLIC, now=NOW)


def test_the_canonical_request_is_the_documented_text() -> None:
    """The signed bytes are the scheme, method, target, path, date and body hash, one a line."""
    sent = dataclasses.replace(SENT, body=b"abc")  # SHA-256 of "abc": FIPS 180-2, appendix B.1
    assert sent.canonical() == (
        b"mynumber-node-request/v1\nPOST\nhub\n/hub/api/codes?x=1\n1767225600\n"
        b"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )


def test_the_headers_name_the_sender_the_date_and_the_signature() -> None:
    """X-Node-Id, X-Node-Date and X-Node-Signature carry what the receiver needs."""
    assert signature_headers("registry", SENT, REGISTRY_KEY) == {
        "X-Node-Id": "registry",
        "X-Node-Date": "1767225600",
        "X-Node-Signature": SIGNATURE,
    }
    assert len(base64.b64decode(SIGNATURE)) == 64


@pytest.mark.parametrize(
    "changes",
    [
        {"method": "PUT"},
        {"path": b"/hub/api/codes?x=2"},
        {"path": b"/hub/api/bodies"},
        {"body": b'{"resident_record_code":"12345678902","body_id":"city-office"}'},
        {"date": format_date(NOW + 1)},
        {"target": "portal"},
    ],
    ids=["method", "query", "path", "body", "date", "target"],
)
def test_a_changed_request_is_refused(changes: dict[str, object]) -> None:
    """Changing any part the signature covers makes it fail: method, path, body, date, target."""
    changed = dataclasses.replace(SENT, **changes)  # type: ignore[arg-type]
    with pytest.raises(NodeSignatureRefused, match=MISMATCH):
        verify_request(changed, SIGNATURE, REGISTRY_PUBLIC, now=NOW)


def test_a_request_signed_with_another_nodes_key_is_refused() -> None:
    """A signature by another key does not verify with the sender's listed public key."""
    forged = sign_request(SENT, Ed25519PrivateKey.generate())
    with pytest.raises(NodeSignatureRefused, match=MISMATCH):
        verify_request(SENT, forged, REGISTRY_PUBLIC, now=NOW)


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (MAX_SKEW_SECONDS + 1, r"dated 301 seconds behind the receiving node's clock"),
        (-(MAX_SKEW_SECONDS + 1), r"dated 301 seconds ahead of the receiving node's clock"),
        (600, r"dated 600 seconds behind .*cannot be replayed; send a fresh one"),
    ],
    ids=["stale", "future", "replayed"],
)
def test_a_date_too_far_from_the_receivers_clock_is_refused(offset: int, expected: str) -> None:
    """A request more than five minutes old (or ahead) is refused, even correctly signed."""
    with pytest.raises(NodeSignatureRefused, match=expected):
        verify_request(SENT, SIGNATURE, REGISTRY_PUBLIC, now=NOW + offset)


@pytest.mark.parametrize("offset", [-MAX_SKEW_SECONDS, MAX_SKEW_SECONDS])
def test_a_date_at_the_edge_of_the_allowed_skew_verifies(offset: int) -> None:
    """Clocks five minutes apart, either way, still agree."""
    verify_request(SENT, SIGNATURE, REGISTRY_PUBLIC, now=NOW + offset)


@pytest.mark.parametrize(
    ("date", "signature", "expected"),
    [
        ("yesterday", SIGNATURE, "X-Node-Date header must be UTC unix seconds"),
        ("-1767225600", SIGNATURE, "X-Node-Date header must be UTC unix seconds"),
        (format_date(NOW), "not base64!", "X-Node-Signature header is not the base64"),
        (format_date(NOW), base64.b64encode(b"short").decode(), "of a 64-byte Ed25519"),
    ],
    ids=["words", "negative", "not-base64", "short"],
)
def test_malformed_headers_are_refused_saying_which(
    date: str, signature: str, expected: str
) -> None:
    """A date that is not digits or a signature that is not 64 bytes is named in the refusal."""
    with pytest.raises(NodeSignatureRefused, match=expected):
        verify_request(dataclasses.replace(SENT, date=date), signature, REGISTRY_PUBLIC, now=NOW)
