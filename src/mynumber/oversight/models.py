"""The oversight node's cases: a resident's report of a record of use, with its evidence.

A case keeps the ledger entry as the ledger holds it, its inclusion proof and the signed
checkpoint it leads to, all checked when the case was opened: the commission starts from evidence
that the record is in the ledger and is about the person who reported it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from mynumber.deployment import NodeKind
from mynumber.storage.fields import EncryptedString
from mynumber.storage.models import Base, node_kinds

OVERSIGHT = node_kinds(NodeKind.OVERSIGHT)


class OversightCase(Base):
    """A resident's report that they do not recognise a record of use of their data."""

    __tablename__ = "oversight_cases"
    __table_args__ = ({"info": OVERSIGHT},)

    id: Mapped[int] = mapped_column(primary_key=True)
    opened_at: Mapped[datetime]
    #: The person, as the ledger names them.
    disclosure_code: Mapped[str] = mapped_column(String(26), index=True)
    ledger_index: Mapped[int] = mapped_column(BigInteger)
    #: The entry's canonical bytes, base64, as the ledger holds them.
    entry: Mapped[str] = mapped_column(Text)
    #: The inclusion proof (base64 hashes, JSON), the signed checkpoint and its verifier key.
    proof: Mapped[str] = mapped_column(Text)
    checkpoint: Mapped[str] = mapped_column(Text)
    verifier_key: Mapped[str] = mapped_column(String(200))
    #: What the resident wrote, if anything (encrypted).
    statement: Mapped[str | None] = mapped_column(EncryptedString())
    state: Mapped[str] = mapped_column(String(16))
