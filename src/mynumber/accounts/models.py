"""The registry's tables of accounts: the benefit account, and deposit accounts linked to a number.

Account numbers are stored encrypted. A linked deposit account also keeps a keyed blind index of
the whole account (bank, branch, kind and number), so that linking it twice is found by comparing
indexes in SQL, never by decrypting rows.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mynumber.register.models import REGISTRY
from mynumber.storage.fields import BlindIndex, EncryptedString
from mynumber.storage.models import Base


class BenefitAccount(Base):
    """The one account a resident has registered for public benefits (公金受取口座)."""

    __tablename__ = "benefit_accounts"
    __table_args__ = ({"info": REGISTRY},)

    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), primary_key=True)
    bank: Mapped[str] = mapped_column(String(4))
    branch: Mapped[str] = mapped_column(String(3))
    kind: Mapped[str] = mapped_column(String(10))
    number: Mapped[str] = mapped_column(EncryptedString())
    holder_kana: Mapped[str] = mapped_column(String(200))
    registered_at: Mapped[datetime]


class DepositLink(Base):
    """A deposit account the resident linked to their number (預貯金口座付番): many per resident."""

    __tablename__ = "deposit_links"
    __table_args__ = (
        UniqueConstraint("resident_id", "account_index", name="uq_deposit_links_resident_account"),
        {"info": REGISTRY},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The resident (the unique constraint, which starts with it, indexes it too).
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    bank: Mapped[str] = mapped_column(String(4))
    branch: Mapped[str] = mapped_column(String(3))
    kind: Mapped[str] = mapped_column(String(10))
    number: Mapped[str] = mapped_column(EncryptedString())
    #: The keyed blind index of the account's key (:func:`mynumber.accounts.services.account_key`).
    account_index: Mapped[str | bytes] = mapped_column(BlindIndex())
    holder_kana: Mapped[str] = mapped_column(String(200))
    linked_at: Mapped[datetime]
