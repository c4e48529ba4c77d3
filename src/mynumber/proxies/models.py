"""The registry's tables of proxies: appointments, and each time a proxy began to act."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from mynumber.register.models import REGISTRY
from mynumber.storage.models import Base


class ProxyAppointment(Base):
    """A resident's appointment of a proxy: invited with a code, active once the proxy accepts."""

    __tablename__ = "proxy_appointments"
    __table_args__ = ({"info": REGISTRY},)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The resident the proxy acts for.
    principal_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    #: The proxy, once they have accepted with their own card.
    proxy_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), index=True)
    #: ``guardian`` (a legal guardian of a minor) or ``voluntary``.
    kind: Mapped[str] = mapped_column(String(10))
    #: ``invited``, ``active`` or ``revoked``.
    state: Mapped[str] = mapped_column(String(10))
    #: SHA-256 (hex) of the one-time code, while the invitation is open.
    code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    invited_at: Mapped[datetime]
    #: When the invitation's code stops working.
    code_expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class ProxyUse(Base):
    """A proxy began to act for the resident, in the portal."""

    __tablename__ = "proxy_uses"
    __table_args__ = ({"info": REGISTRY},)

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("proxy_appointments.id"), index=True)
    at: Mapped[datetime]
