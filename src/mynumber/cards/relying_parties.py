"""Relying parties: the bodies registered to ask whether a certificate is revoked.

Revocation status (CRL, OCSP) is given only to registered relying parties -- government bodies
and certified businesses (SPEC.md 3). Each gets an access token when registered, shown once;
the registry keeps only its SHA-256, so a copy of the database gives no one access.
"""

import hashlib
import secrets
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mynumber.cards.exceptions import CardError
from mynumber.cards.models import RelyingParty


class RelyingPartyRefused(CardError):
    """The caller is not a registered relying party."""

    code = "relying-party-refused"


class RelyingParties:
    """The relying parties of one registry, over the caller's session."""

    def __init__(
        self, session: Session, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        """Work in ``session``."""
        self._session = session
        self._clock = clock

    def register(self, name: str, *, registered_by: str) -> str:
        """Register a relying party; return its access token (shown this once)."""
        name = name.strip()
        if not name:
            msg = "name the relying party: the body that will ask for revocation status"
            raise CardError(msg)
        if self._session.scalar(select(RelyingParty.id).where(RelyingParty.name == name)):
            msg = f"{name!r} is already a relying party"
            raise CardError(msg)
        token = secrets.token_urlsafe(32)
        self._session.add(
            RelyingParty(
                name=name,
                token_hash=_hash(token),
                registered_at=self._clock(),
                registered_by=registered_by,
            )
        )
        self._session.flush()
        return token

    def check(self, authorization: str | None) -> RelyingParty:
        """Return the relying party an ``Authorization: Bearer TOKEN`` header names, or refuse."""
        scheme, _, token = (authorization or "").partition(" ")
        party = None
        if scheme.lower() == "bearer" and token.strip():
            party = self._session.scalar(
                select(RelyingParty).where(RelyingParty.token_hash == _hash(token.strip()))
            )
        if party is None:
            msg = (
                "revocation status is given to registered relying parties only: send "
                "'Authorization: Bearer TOKEN' with the token the registry gave you"
            )
            raise RelyingPartyRefused(msg)
        return party


def _hash(token: str) -> str:
    """Return the SHA-256 of a token, in hexadecimal."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
