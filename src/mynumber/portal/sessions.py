"""Residents' sessions on the portal: a login bound to one browser, then a short-lived session.

A login starts when a browser opens the login page: the portal asks the registry for a one-time
challenge and binds it to a random pre-login cookie, so only that browser can finish the login --
a page elsewhere cannot post someone else's card answer into it. Finishing the login swaps the
pre-login cookie for a session cookie, always a new token (no fixation).

A session ends at the first of: the resident logging out; :data:`IDLE` without a request
(:data:`KIOSK_IDLE` at a shared counter terminal); the end of the registry's grant. A kiosk
session also ends after each task (the pages say which). Ending deletes it: the next person at the
same browser finds nothing. The tokens themselves are never stored, only their SHA-256.

The service works in the caller's session and never commits.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Final

from sqlalchemy import delete

from mynumber.portal.models import PendingLogin, PortalSession

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.orm import Session

#: How long a resident may be idle before the session ends, at home and at a counter terminal.
IDLE: Final = timedelta(minutes=10)
KIOSK_IDLE: Final = timedelta(minutes=2)
#: How long a login page's challenge waits for the card (as long as the registry's challenge).
LOGIN_WAIT: Final = timedelta(minutes=5)


def _now() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


def token_hash(token: str) -> str:
    """Return the SHA-256 (hex) under which a token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class PortalSessions:
    """Logins under way and residents' sessions, over the caller's session."""

    def __init__(self, session: Session, clock: Callable[[], datetime] = _now) -> None:
        """Work in ``session``; ``clock`` tells the time."""
        self._session = session
        self._clock = clock

    def begin_login(self, challenge: str, *, kiosk: bool) -> str:
        """Keep ``challenge`` for a browser; return the token of its pre-login cookie."""
        now = self._clock()
        self._session.execute(delete(PendingLogin).where(PendingLogin.expires_at < now))
        token = secrets.token_urlsafe(32)
        self._session.add(
            PendingLogin(
                token_hash=token_hash(token),
                challenge=challenge,
                kiosk=kiosk,
                expires_at=now + LOGIN_WAIT,
            )
        )
        self._session.flush()
        return token

    def pending(self, token: str | None) -> PendingLogin | None:
        """Return the login under way for the pre-login cookie ``token``, if it has not expired."""
        if not token:
            return None
        found = self._session.get(PendingLogin, token_hash(token))
        if found is None or found.expires_at < self._clock():
            return None
        return found

    def start(
        self,
        login: PendingLogin,
        *,
        grant: str,
        certificate: str,
        grant_expires_at: datetime,
        pins: str | None = None,
    ) -> tuple[str, PortalSession]:
        """End the login under way and start the resident's session; return its new token."""
        now = self._clock()
        token = secrets.token_urlsafe(32)
        started = PortalSession(
            token_hash=token_hash(token),
            grant=grant,
            certificate=certificate,
            form_token=secrets.token_urlsafe(32),
            kiosk=login.kiosk,
            started_at=now,
            last_seen_at=now,
            expires_at=grant_expires_at,
            pins=pins,
        )
        self._session.delete(login)
        self._session.add(started)
        self._session.flush()
        return token, started

    def current(self, token: str | None) -> PortalSession | None:
        """Return the live session of cookie ``token`` and mark it seen; end an expired one."""
        if not token:
            return None
        found = self._session.get(PortalSession, token_hash(token))
        if found is None:
            return None
        now = self._clock()
        idle = KIOSK_IDLE if found.kiosk else IDLE
        if found.expires_at <= now or found.last_seen_at + idle <= now:
            self._session.delete(found)
            self._session.flush()
            return None
        found.last_seen_at = now
        return found

    def act_for(self, token: str | None, grant: str, name: str) -> bool:
        """Have the session of ``token`` act for a resident with a proxy's ``grant``.

        The session's own grant is kept to return to; say whether there was such a session.
        """
        found = None if not token else self._session.get(PortalSession, token_hash(token))
        if found is None:
            return False
        if found.own_grant is None:
            found.own_grant = found.grant
        found.grant, found.acting_for = grant, name
        self._session.flush()
        return True

    def stop_acting(self, token: str | None) -> None:
        """Return the session of ``token`` to its own grant, if it was acting for someone."""
        found = None if not token else self._session.get(PortalSession, token_hash(token))
        if found is None or found.own_grant is None:
            return
        found.grant, found.own_grant, found.acting_for = found.own_grant, None, None
        self._session.flush()

    def end(self, token: str | None) -> bool:
        """End the session of cookie ``token``; say whether it was a counter terminal's."""
        found = None if not token else self._session.get(PortalSession, token_hash(token))
        if found is None:
            return False
        kiosk = found.kiosk
        self._session.delete(found)
        self._session.flush()
        return kiosk
