"""An institution node's tables: its shareable copies, its record of exchanges, numbers it holds.

Each body keeps its own data (distributed management); the network never pools it. What a body
may give other bodies through the hub it keeps here as *shareable copies* (副本), keyed by its own
code for the person (機関別符号) -- never by number -- so the node answers the hub without a
number ever travelling. ``exchange_records`` is the body's own record of every exchange it took
part in, as requester or provider: the hub's ledger is not the only witness. ``held_numbers``
holds the numbers the body collected, encrypted, with the task they were collected for and the
body's code for the person (looked up through a keyed blind index, never in the clear).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mynumber.deployment import NodeKind
from mynumber.storage.fields import BlindIndex, EncryptedString
from mynumber.storage.models import Base, node_kinds

INSTITUTION = node_kinds(NodeKind.INSTITUTION)


class ShareableRecord(Base):
    """A shareable copy (副本) of one data item about a person, under the body's own code."""

    __tablename__ = "shareable_records"
    __table_args__ = (
        UniqueConstraint("code", "item", name="uq_shareable_records_code_item"),
        {"info": INSTITUTION},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The body's own code for the person.
    code: Mapped[str] = mapped_column(String(26))
    #: The data item id of the table of permitted exchanges, e.g. ``local-tax-income``.
    item: Mapped[str] = mapped_column(String(100))
    #: The item's content as a JSON object, encrypted.
    data: Mapped[str] = mapped_column(EncryptedString())
    updated_at: Mapped[datetime]


class ExchangeRecord(Base):
    """The body's own record of one exchange, as requester or as provider (情報提供等記録)."""

    __tablename__ = "exchange_records"
    __table_args__ = (
        UniqueConstraint("serial", "role", name="uq_exchange_records_serial_role"),
        {"info": INSTITUTION},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The hub's transaction serial number.
    serial: Mapped[str] = mapped_column(String(32))
    #: ``requester`` or ``provider``.
    role: Mapped[str] = mapped_column(String(16))
    #: The other body.
    counterpart: Mapped[str] = mapped_column(String(64))
    row_id: Mapped[str] = mapped_column(String(100))
    item: Mapped[str] = mapped_column(String(100))
    #: The body's own code for the person.
    code: Mapped[str] = mapped_column(String(26), index=True)
    #: Who asked (requester side only).
    staff_id: Mapped[str | None] = mapped_column(String(64))
    #: ``pending`` or ``completed`` (requester side); ``provided`` or ``not-held``.
    status: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str | None] = mapped_column(String(16))
    recorded_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    #: The answer received (requester side) or given (provider side), as JSON, encrypted.
    answer: Mapped[str | None] = mapped_column(EncryptedString())


class HeldNumber(Base):
    """A number the body collected for a task, with its code for the person."""

    __tablename__ = "held_numbers"
    __table_args__ = (
        UniqueConstraint("code", "task", name="uq_held_numbers_code_task"),
        {"info": INSTITUTION},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(26), index=True)
    number: Mapped[str] = mapped_column(EncryptedString())
    number_index: Mapped[bytes] = mapped_column(BlindIndex(), index=True)
    task: Mapped[str] = mapped_column(String(100))
    staff_id: Mapped[str] = mapped_column(String(64))
    collected_at: Mapped[datetime]
    retention_until: Mapped[date]
