"""The registry node's tables: residents, households, numbers and the history of each resident.

The basic resident register (住民基本台帳法 第7条) records, per resident, the four basic attributes
(name, date of birth, sex, address), the household, the resident record code and, since 2015, the
Individual Number (番号法 第7条). Numbers are stored only encrypted, beside a keyed blind index
(docs/architecture.md, "What never happens"); a number, once issued, keeps its row for ever, so a
replaced number stays dead and is never issued again.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mynumber.deployment import NodeKind
from mynumber.storage import BlindIndex, EncryptedString
from mynumber.storage.models import Base, node_kinds

REGISTRY = node_kinds(NodeKind.REGISTRY)


class ResidentState(StrEnum):
    """Where a resident's record stands."""

    #: Living in the municipality: the record is current.
    RESIDENT = "resident"
    #: Moved out of the municipality (転出): the record is kept, removed from the register.
    MOVED_OUT = "moved-out"
    #: Died: the record is kept, removed from the register.
    DECEASED = "deceased"


class NumberState(StrEnum):
    """Whether a number is the resident's current one."""

    ACTIVE = "active"
    #: Replaced after a leak (番号法 第7条第2項): dead for every lookup, never issued again.
    REPLACED = "replaced"


class EventKind(StrEnum):
    """The life events the register records (住民基本台帳法 第22条-第25条 and 番号法 第7条第2項)."""

    BIRTH = "birth"
    MOVE_IN = "move-in"
    MOVE_IN_FROM_ABROAD = "move-in-from-abroad"
    ADDRESS_CHANGE = "address-change"
    NAME_CHANGE = "name-change"
    MOVE_OUT = "move-out"
    DEATH = "death"
    NUMBER_CHANGE = "number-change"


class Household(Base):
    """A household (世帯) of the register; its head is one of its residents."""

    __tablename__ = "households"
    __table_args__ = (
        UniqueConstraint("batch_id", "batch_key", name="uq_households_batch_key"),
        {"info": REGISTRY},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_code: Mapped[str] = mapped_column(String(6))
    #: The import batch and the household's key in it, so members in later chunks join it.
    batch_id: Mapped[str | None] = mapped_column(String(64))
    batch_key: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]

    members: Mapped[list[Resident]] = relationship(back_populates="household")


class Resident(Base):
    """A resident record (住民票): the person's attributes as the register holds them now."""

    __tablename__ = "residents"
    __table_args__ = (
        CheckConstraint("state in ('resident', 'moved-out', 'deceased')", name="state"),
        CheckConstraint("sex in ('male', 'female')", name="sex"),
        Index("ix_residents_birth_name", "date_of_birth", "name_key"),
        Index("ix_residents_birth_kana", "date_of_birth", "kana_key"),
        UniqueConstraint("batch_id", "batch_row", name="uq_residents_batch_row"),
        {"info": REGISTRY},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: 住民票コード: 11 digits, unique in the country, never reused.
    resident_record_code: Mapped[str] = mapped_column(String(11), unique=True)
    family_name: Mapped[str] = mapped_column(String(100))
    given_name: Mapped[str] = mapped_column(String(100))
    family_name_kana: Mapped[str] = mapped_column(String(200))
    given_name_kana: Mapped[str] = mapped_column(String(200))
    latin_name: Mapped[str | None] = mapped_column(String(200))
    former_surname: Mapped[str | None] = mapped_column(String(100))
    alias: Mapped[str | None] = mapped_column(String(200))
    date_of_birth: Mapped[date]
    sex: Mapped[str] = mapped_column(String(6))
    nationality: Mapped[str] = mapped_column(String(2))
    resident_status: Mapped[str | None] = mapped_column(String(100))
    period_of_stay_until: Mapped[date | None]
    municipality_code: Mapped[str] = mapped_column(String(6))
    postal_code: Mapped[str] = mapped_column(String(7))
    address: Mapped[str] = mapped_column(String(300))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    household_head: Mapped[bool]
    preferred_language: Mapped[str] = mapped_column(String(2))
    #: DV support measures (DV等支援措置): the address is withheld from every lookup but the
    #: resident's own and the municipality's, and from everything sent elsewhere.
    address_protected: Mapped[bool] = mapped_column(default=False)
    state: Mapped[str] = mapped_column(String(10), default=ResidentState.RESIDENT.value)
    #: Normalised name, kana reading and address for the four-attribute lookup.
    name_key: Mapped[str] = mapped_column(String(200))
    kana_key: Mapped[str] = mapped_column(String(400))
    address_key: Mapped[str] = mapped_column(String(300))
    #: The import batch and row a resident came from, so an interrupted batch resumes exactly.
    batch_id: Mapped[str | None] = mapped_column(String(64))
    batch_row: Mapped[int | None]
    registered_at: Mapped[datetime]

    household: Mapped[Household] = relationship(back_populates="members")
    numbers: Mapped[list[IndividualNumberRecord]] = relationship(
        back_populates="resident", order_by="IndividualNumberRecord.generation"
    )
    events: Mapped[list[LifeEvent]] = relationship(
        back_populates="resident", order_by="LifeEvent.id"
    )


class IndividualNumberRecord(Base):
    """An Individual Number issued to a resident: encrypted, found by its blind index.

    A resident has one row per generation; exactly one is active while the resident is on the
    register. Rows are never deleted: a replaced number stays here, dead, so it is never issued
    again and never found again.
    """

    __tablename__ = "individual_numbers"
    __table_args__ = (
        UniqueConstraint("resident_id", "generation", name="uq_individual_numbers_generation"),
        CheckConstraint("generation >= 0 and generation <= 9", name="generation"),
        CheckConstraint("state in ('active', 'replaced')", name="state"),
        Index(
            "uq_individual_numbers_one_active",
            "resident_id",
            unique=True,
            sqlite_where=text("state = 'active'"),
            postgresql_where=text("state = 'active'"),
        ),
        {"info": REGISTRY},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    generation: Mapped[int]
    number: Mapped[str] = mapped_column(EncryptedString())
    number_index: Mapped[str | bytes] = mapped_column(BlindIndex(), unique=True)
    state: Mapped[str] = mapped_column(String(10), default=NumberState.ACTIVE.value)
    issued_at: Mapped[datetime]
    replaced_at: Mapped[datetime | None]

    resident: Mapped[Resident] = relationship(back_populates="numbers")


class LifeEvent(Base):
    """One entry of a resident's history: what happened, when, who recorded it. Append-only."""

    __tablename__ = "life_events"
    __table_args__ = ({"info": REGISTRY},)

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    occurred_on: Mapped[date]
    recorded_at: Mapped[datetime]
    recorded_by: Mapped[str] = mapped_column(String(100))
    #: What changed: the values before and after, and for a number change its reason. Never a
    #: number: numbers are referred to by their generation.
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    resident: Mapped[Resident] = relationship(back_populates="events")


class AttributeLookup(Base):
    """A lookup of a number by the four basic attributes: who asked, for which task, the outcome.

    Every lookup is recorded, found or not (SPEC 8: the 2023 review; 番号法 第14条第2項 lets a
    number-using body ask for a person's number). The attributes asked with are not kept: the
    record says who looked up whom, not what they typed.
    """

    __tablename__ = "attribute_lookups"
    __table_args__ = ({"info": REGISTRY},)

    id: Mapped[int] = mapped_column(primary_key=True)
    asked_by: Mapped[str] = mapped_column(String(200))
    task: Mapped[str] = mapped_column(String(200))
    asked_at: Mapped[datetime]
    outcome: Mapped[str] = mapped_column(String(16))
    matches: Mapped[int]
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), index=True)


class AlternateAddressReason(StrEnum):
    """Why a resident does not live at the registered address (居所情報登録の理由)."""

    #: Fleeing domestic violence, stalking or abuse (DV等被害者).
    DOMESTIC_VIOLENCE = "domestic-violence"
    #: Evacuated from a disaster (東日本大震災等による避難者).
    DISASTER = "disaster"
    #: A long stay in hospital or in a care facility (長期入院・施設入所).
    HOSPITAL_OR_CARE = "hospital-or-care"
    #: Any other reason, which the request spells out.
    OTHER = "other"


class NoticeBatch(Base):
    """A run of notices of the number (個人番号通知書) for the residents of one municipality.

    Residents may ask, until ``alternate_address_deadline``, for their notice to go where they
    actually live (居所情報登録).
    """

    __tablename__ = "notice_batches"
    __table_args__ = ({"info": REGISTRY},)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_code: Mapped[str] = mapped_column(String(6))
    created_at: Mapped[datetime]
    #: The last day (Japan time) an alternate notice address may be filed for this batch.
    alternate_address_deadline: Mapped[date]
    issued_by: Mapped[str] = mapped_column(String(100))

    notices: Mapped[list[Notice]] = relationship(back_populates="batch")


class Notice(Base):
    """The notice of one resident's number, with the 申請書ID of the card application form."""

    __tablename__ = "notices"
    __table_args__ = ({"info": REGISTRY},)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: One notice per resident: a resident who has one is left out of later batches.
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), unique=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("notice_batches.id"), index=True)
    #: 申請書ID: 23 random digits, the id of the card application form sent with the notice.
    application_id: Mapped[str] = mapped_column(String(23), unique=True)
    #: Where the notice goes instead of the registered address, when a request was filed in time.
    mailing_postal_code: Mapped[str | None] = mapped_column(String(7))
    mailing_address: Mapped[str | None] = mapped_column(String(300))
    printed_at: Mapped[datetime | None]

    batch: Mapped[NoticeBatch] = relationship(back_populates="notices")
    resident: Mapped[Resident] = relationship()


class AlternateAddressRequest(Base):
    """A request that a resident's notice go to where they live (居所情報登録申請). Append-only."""

    __tablename__ = "alternate_address_requests"
    __table_args__ = (
        CheckConstraint(
            "reason in ('domestic-violence', 'disaster', 'hospital-or-care', 'other')",
            name="reason",
        ),
        {"info": REGISTRY},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("notice_batches.id"), index=True)
    postal_code: Mapped[str] = mapped_column(String(7))
    address: Mapped[str] = mapped_column(String(300))
    reason: Mapped[str] = mapped_column(String(20))
    #: The reason in the resident's words; required when ``reason`` is "other".
    reason_text: Mapped[str | None] = mapped_column(String(500))
    filed_at: Mapped[datetime]
    filed_by: Mapped[str] = mapped_column(String(100))
