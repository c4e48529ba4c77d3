"""General column types shared by every node's models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

if TYPE_CHECKING:
    from sqlalchemy.engine import Dialect

__all__ = ["UTCDateTime"]


class UTCDateTime(TypeDecorator[datetime]):
    """A point in time, stored in UTC and always loaded timezone-aware.

    PostgreSQL keeps it as ``timestamp with time zone``; SQLite, which has no time zones, keeps
    the UTC wall-clock time, and the type puts the zone back on load. A naive datetime is
    refused: the code that made it did not say which clock it read.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self) -> type[datetime]:
        """Values are :class:`datetime.datetime`."""
        return datetime

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert an aware datetime to UTC (naive UTC for SQLite); refuse a naive one."""
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            msg = f"refusing to store the naive datetime {value.isoformat()}: give it a time zone"
            raise ValueError(msg)
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:  # noqa: ARG002 -- the signature is SQLAlchemy's
        """Return the stored time as an aware UTC datetime."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
