"""The registry's table of benefit accounts: one per resident, the number encrypted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from mynumber.register.models import REGISTRY
from mynumber.storage.fields import EncryptedString
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
