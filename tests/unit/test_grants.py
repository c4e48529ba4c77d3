"""The registry's grants: only the registry's key makes one, and none outlives its hour."""

import base64
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mynumber.grants import Grant, GrantRefused, issue_grant, read_grant

REGISTRY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
GRANT = Grant(resident=42, disclosure_code="Q" * 26, certificate="a1b2", expires_at=1_000)


def test_a_grant_reads_back_as_issued_until_it_expires() -> None:
    """The holder, their code and certificate come back; at the expiry it is refused."""
    token = issue_grant(REGISTRY, GRANT)
    assert read_grant(REGISTRY.public_key(), token, now=999) == GRANT
    with pytest.raises(GrantRefused, match="expired"):
        read_grant(REGISTRY.public_key(), token, now=1_000)


def _altered(token: str, **changes: object) -> str:
    """Return ``token`` with its payload changed and the old signature kept."""
    payload, signature = token.split(".")
    fields = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    fields.update(changes)
    encoded = base64.urlsafe_b64encode(json.dumps(fields).encode()).rstrip(b"=").decode()
    return f"{encoded}.{signature}"


@pytest.mark.parametrize(
    "token",
    [
        None,
        "",
        "no-dot",
        "a.b.c",
        "x" * 2000,
        _altered(issue_grant(REGISTRY, GRANT), resident=43),
        _altered(issue_grant(REGISTRY, GRANT), expires_at=10**9),
        issue_grant(Ed25519PrivateKey.generate(), GRANT),
        issue_grant(REGISTRY, GRANT).split(".")[0] + ".AAAA",
    ],
    ids=[
        "none",
        "empty",
        "no-signature",
        "three-parts",
        "oversized",
        "another-resident",
        "longer-life",
        "another-key",
        "short-signature",
    ],
)
def test_a_grant_not_made_by_the_registry_is_refused(token: str | None) -> None:
    """Missing, malformed, altered, or signed by another key: refused, naming no one."""
    with pytest.raises(GrantRefused) as refused:
        read_grant(REGISTRY.public_key(), token, now=500)
    assert "42" not in str(refused.value)
