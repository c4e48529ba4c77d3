"""The clerk who records: named by the ``X-Clerk`` header (API) or a signed cookie (pages).

A request that writes without naming a clerk is refused with :class:`ClerkRequired`.
At the counter pages the name is entered at the start page and kept in a signed cookie.

This is not authentication (a real counter logs clerks in through the municipality's directory);
it names the clerk whom the history records, and a cookie nobody can forge without the node's
secret. The cookie holds ``base64url(JSON {name, issued at})`` and an HMAC-SHA256 tag of it. Its
key is derived from the node's field-encryption key with HKDF-SHA256 under a label of its own, so
the field key itself never signs anything and a cookie of one node is worthless at another.
"""

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Final

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from mynumber.keys import NodeKeys
from mynumber.register.exceptions import RegisterError
from mynumber.register.services import Clerk

#: The cookie that holds the signed clerk session.
COOKIE: Final = "mynumber_counter_clerk"
#: A clerk's session lasts one working day at most.
MAX_AGE_SECONDS: Final = 12 * 60 * 60
_LABEL: Final = b"mynumber counter clerk session v1:"
#: The longest clerk name the history records.
CLERK_NAME_LENGTH: Final = 100


class ClerkRequired(RegisterError):
    """The request does not say which clerk makes it."""

    code = "clerk-required"


def clerk_named(name: str | None) -> Clerk:
    """Return the clerk called ``name``, or refuse an empty or overlong name."""
    name = (name or "").strip()
    if not name:
        msg = (
            "say which clerk records this: send the clerk's name in the X-Clerk header "
            "(percent-encoded UTF-8 for names outside ASCII)"
        )
        raise ClerkRequired(msg)
    if len(name) > CLERK_NAME_LENGTH:
        msg = f"a clerk's name has at most {CLERK_NAME_LENGTH} characters"
        raise ClerkRequired(msg)
    return Clerk(name)


def session_key(keys: NodeKeys) -> bytes:
    """Derive the node's cookie-signing key from its field-encryption key (HKDF-SHA256)."""
    hkdf = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=_LABEL + keys.node_id.encode()
    )
    return hkdf.derive(keys.field_encryption)


@dataclass(frozen=True)
class ClerkSessions:
    """Signs and checks clerk session cookies with one node's derived key."""

    key: bytes

    def sign(self, clerk: Clerk, *, now: float) -> str:
        """Return the cookie value naming ``clerk``, issued at ``now`` (seconds since the epoch)."""
        payload = json.dumps({"name": clerk.name, "at": int(now)}, ensure_ascii=False)
        body = _encode(payload.encode())
        return f"{body}.{_encode(self._tag(body))}"

    def verify(self, value: str | None, *, now: float) -> Clerk | None:
        """Return the clerk a cookie names, or None if it is absent, forged, broken or expired."""
        if not value or value.count(".") != 1:
            return None
        body, tag = value.split(".")
        try:
            if not hmac.compare_digest(_decode(tag), self._tag(body)):
                return None
            payload = json.loads(_decode(body))
            name, issued = str(payload["name"]), int(payload["at"])
        except (ValueError, KeyError, TypeError, binascii.Error):
            return None
        if not 0 <= now - issued <= MAX_AGE_SECONDS or not name.strip():
            return None
        return Clerk(name)

    def _tag(self, body: str) -> bytes:
        """Return the HMAC-SHA256 of the cookie body."""
        return hmac.new(self.key, body.encode("ascii"), hashlib.sha256).digest()


def _encode(data: bytes) -> str:
    """Return unpadded base64url text."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _decode(text: str) -> bytes:
    """Read unpadded base64url text; raise ``ValueError`` or ``binascii.Error`` if it is not."""
    return base64.urlsafe_b64decode(text.encode("ascii") + b"=" * (-len(text) % 4))
