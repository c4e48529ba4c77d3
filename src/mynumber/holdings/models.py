"""The registry's tables of number holdings and of refused collections.

``number_holdings`` is the holder list (個人番号の保管者一覧) of every person on the register: which
body holds the number, for which task, since when, until when, and -- once deleted -- when, with
the signed deletion receipt. The body's names and kind are copied from the hub when the number is
collected, so the list reads the same after the body is renamed. A body holds a person's number
at most once per task while the holding lives (a partial unique index), and an identity receipt
makes at most one holding.

``number_locks`` holds the residents who locked their number at the portal: while locked, no
body may collect it (a collection is refused and recorded as such), until the resident unlocks it
with their card.

``collection_refusals`` keeps every refused collection, with the person when the number presented
was someone's on this register, and without one when it was not; a refusal that names a person is
also in the hub's ledger (``ledger_index``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mynumber.register.models import REGISTRY, Resident
from mynumber.storage.models import Base


class NumberHolding(Base):
    """A body's holding of a person's number for one task, from collection to deletion."""

    __tablename__ = "number_holdings"
    __table_args__ = (
        Index(
            "uq_number_holdings_one_live",
            "resident_id",
            "body_id",
            "task",
            unique=True,
            sqlite_where=text("deleted_at IS NULL"),
            postgresql_where=text("deleted_at IS NULL"),
        ),
        {"info": REGISTRY},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    #: The body as the hub registers it (機関), with its names and kind at the time of collection.
    body_id: Mapped[str] = mapped_column(String(64))
    body_name_en: Mapped[str] = mapped_column(String(200))
    body_name_ja: Mapped[str] = mapped_column(String(200))
    body_kind: Mapped[str] = mapped_column(String(32))
    #: The task id (``employer:withholding-slip``) the number was collected for.
    task: Mapped[str] = mapped_column(String(100))
    #: The staff member of the body who recorded the collection.
    staff: Mapped[str] = mapped_column(String(64))
    #: How the identity was confirmed: ``card`` or ``documents``.
    method: Mapped[str] = mapped_column(String(10))
    collected_at: Mapped[datetime]
    #: The last day the body may keep the number.
    retention_until: Mapped[date] = mapped_column(index=True)
    #: The identity receipt redeemed for this collection (one holding per receipt).
    receipt_id: Mapped[str] = mapped_column(String(36), unique=True)
    #: The body's code for the person (機関別符号), as the hub issued it.
    code: Mapped[str] = mapped_column(String(26))
    #: The index of the collection's entry in the hub's ledger.
    ledger_index: Mapped[int] = mapped_column(BigInteger)
    deleted_at: Mapped[datetime | None]
    #: The signed deletion receipt (:mod:`mynumber.holdings.receipts`).
    deletion_receipt: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    resident: Mapped[Resident] = relationship()


class CollectionRefusal(Base):
    """A refused request to record a collection, with whatever of it could be named."""

    __tablename__ = "collection_refusals"
    __table_args__ = ({"info": REGISTRY},)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The person whose current number was presented, if it was anyone's on this register.
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), index=True)
    #: The body, when its API key was good; None when the request could not be authenticated.
    body_id: Mapped[str | None] = mapped_column(String(64))
    #: The staff member and the task as the request named them (cut to the column's length).
    staff: Mapped[str | None] = mapped_column(String(64))
    task: Mapped[str | None] = mapped_column(String(100))
    #: The refusal's problem code (``collection-refused``) and its message.
    code: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(1000))
    at: Mapped[datetime]
    #: The index of the refusal's entry in the hub's ledger, when it named a person and the hub
    #: recorded it.
    ledger_index: Mapped[int | None] = mapped_column(BigInteger)


class NumberLock(Base):
    """A resident's lock on their number: no body may collect it while it stands."""

    __tablename__ = "number_locks"
    __table_args__ = ({"info": REGISTRY},)

    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), primary_key=True)
    locked_at: Mapped[datetime]
