"""Resident grants: the registry's signed word that a resident logged in with their card.

When a resident logs in to the portal, the registry checks the card's signature and answers a
grant: who the resident is to the other nodes (the disclosure code that names them in the ledger,
never the number), which authentication certificate logged in, and until when. When a proxy acts
for a resident (:mod:`mynumber.proxies`), the grant names the resident, the proxy, and the proxy's
certificate. The registry signs it with its ``node-signing.key``; the hub checks it with the
registry's ``public_key`` from ``deployment.toml`` before it shows anyone's ledger entries, so the
portal reads on the resident's authority and cannot ask about anyone else.

A grant travels as ``base64url(canonical JSON) "." base64url(Ed25519 signature)`` in the
``X-Resident-Grant`` header. Pure: no I/O, no clock of its own.

>>> from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
>>> key = Ed25519PrivateKey.from_private_bytes(bytes(32))
>>> grant = Grant(resident=7, disclosure_code="X" * 26, certificate="1f", expires_at=2000)
>>> token = issue_grant(key, grant)
>>> read_grant(key.public_key(), token, now=1999) == grant
True
"""

import base64
import binascii
import json
from dataclasses import asdict, dataclass
from typing import Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from mynumber.errors import MyNumberError

#: The header a grant travels in.
GRANT_HEADER: Final = "X-Resident-Grant"
#: How long a grant lasts: a portal session never outlives it.
GRANT_SECONDS: Final = 60 * 60
_MAX_TOKEN: Final = 1024


class GrantRefused(MyNumberError):
    """The request does not carry a valid resident grant from the registry."""

    code = "grant-refused"


@dataclass(frozen=True, slots=True, kw_only=True)
class Grant:
    """Who logged in, as the registry vouches for it, and until when (unix seconds)."""

    #: The resident's id at the registry.
    resident: int
    #: The code naming the resident in the ledger (開示システム用符号).
    disclosure_code: str
    #: The serial number (hex) of the authentication certificate that logged in.
    certificate: str
    expires_at: int
    #: The resident id of the proxy acting for ``resident``, if one is: their card logged in.
    proxy: int | None = None


def issue_grant(key: Ed25519PrivateKey, grant: Grant) -> str:
    """Return ``grant`` signed with the registry's node-signing ``key``, as a token."""
    payload = json.dumps(asdict(grant), sort_keys=True, separators=(",", ":")).encode()
    return f"{_encode(payload)}.{_encode(key.sign(payload))}"


def read_grant(public_key: Ed25519PublicKey, token: str | None, *, now: float) -> Grant:
    """Return the grant ``token`` carries if the registry signed it and it has not expired."""
    if not token or len(token) > _MAX_TOKEN or token.count(".") != 1:
        msg = "the request carries no resident grant: log in with the card again"
        raise GrantRefused(msg)
    encoded, signature = token.split(".")
    try:
        payload, raw_signature = _decode(encoded), _decode(signature)
        public_key.verify(raw_signature, payload)
        fields = json.loads(payload)
        grant = Grant(
            resident=int(fields["resident"]),
            disclosure_code=str(fields["disclosure_code"]),
            certificate=str(fields["certificate"]),
            expires_at=int(fields["expires_at"]),
            proxy=None if fields.get("proxy") is None else int(fields["proxy"]),
        )
    except (InvalidSignature, ValueError, KeyError, TypeError, binascii.Error) as exc:
        msg = "the resident grant is not one the registry signed: log in with the card again"
        raise GrantRefused(msg) from exc
    if grant.expires_at <= now:
        msg = "the resident grant has expired: log in with the card again"
        raise GrantRefused(msg)
    return grant


def _encode(data: bytes) -> str:
    """Return unpadded base64url."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _decode(text: str) -> bytes:
    """Return the bytes of unpadded base64url."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
