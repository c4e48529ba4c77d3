"""The portal node's tables: logins under way and residents' sessions.

The portal keeps no one's data: it reads through the registry and the hub on the resident's
authority (the grant the registry signed at login, :mod:`mynumber.grants`), kept encrypted in the
session. A session's token is never stored, only its SHA-256, so a copy of the database opens no
one's session.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from mynumber.deployment import NodeKind
from mynumber.storage.fields import EncryptedString
from mynumber.storage.models import Base, node_kinds

PORTAL = node_kinds(NodeKind.PORTAL)


class PendingLogin(Base):
    """A login under way: the challenge shown to one browser, bound to its pre-login cookie."""

    __tablename__ = "portal_pending_logins"
    __table_args__ = ({"info": PORTAL},)

    #: SHA-256 (hex) of the pre-login cookie's token.
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: The registry's one-time challenge the card must sign.
    challenge: Mapped[str] = mapped_column(String(64))
    #: A shared counter terminal: the session will end after the task.
    kiosk: Mapped[bool]
    expires_at: Mapped[datetime]


class PortalSession(Base):
    """A resident's session, bound to the certificate that logged in."""

    __tablename__ = "portal_sessions"
    __table_args__ = ({"info": PORTAL},)

    #: SHA-256 (hex) of the session cookie's token.
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: The registry's grant, encrypted: the resident's authority for reads at other nodes.
    grant: Mapped[str] = mapped_column(EncryptedString())
    #: The serial (hex) of the authentication certificate that logged in.
    certificate: Mapped[str] = mapped_column(String(64))
    #: The token of the forms of this session (anti-CSRF), random.
    form_token: Mapped[str] = mapped_column(String(64))
    kiosk: Mapped[bool]
    started_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    #: When the grant ends: the session never outlives it.
    expires_at: Mapped[datetime]
    #: The card's PIN counters as its app reported them at login (JSON), if it did.
    pins: Mapped[str | None] = mapped_column(Text)
    #: While a proxy acts for someone, ``grant`` is the acting grant and this the proxy's own.
    own_grant: Mapped[str | None] = mapped_column(EncryptedString())
    #: The name of the resident the proxy acts for, while they do.
    acting_for: Mapped[str | None] = mapped_column(String(200))
