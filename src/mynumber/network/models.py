"""The hub node's tables of the network: bodies, their tasks, staff and keys, per-body codes.

``bodies`` is the register of the bodies (機関) that take part in the information provision
network, each with the tasks (事務) it is registered for in ``body_tasks`` -- only tasks that its
kind may perform -- its staff in ``staff`` and the SHA-256 of its API keys in
``body_credentials`` (a key is shown once, when made, and never kept).

``institution_codes`` maps a person to their per-body code (機関別符号) at each body. The hub never
holds a number, and holds a resident record code (住民票コード) only as ``person_reference``: an
HMAC of it under the hub's code key, with a domain of its own (:mod:`mynumber.network.references`),
so a copy of this table names no one without that key.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mynumber.deployment import NodeKind
from mynumber.storage.fields import EncryptedString
from mynumber.storage.models import Base, node_kinds

HUB = node_kinds(NodeKind.HUB)


class Body(Base):
    """A body registered on the network (its node id, corporate number, names, kind)."""

    __tablename__ = "bodies"
    __table_args__ = (
        CheckConstraint("length(corporate_number) = 13", name="corporate_number_length"),
        {"info": HUB},
    )

    #: The body's node id, e.g. ``city-office-131016``.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: 法人番号: 13 digits, check digit first. Not unique: a city office and the same city as an
    #: employer are two bodies of one corporation.
    corporate_number: Mapped[str] = mapped_column(String(13), index=True)
    name_ja: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    #: A :class:`mynumber.network.bodies.BodyKind` value.
    kind: Mapped[str] = mapped_column(String(32))
    #: A :class:`mynumber.network.bodies.BodyCategory` value, the kind's when registered.
    category: Mapped[str] = mapped_column(String(32))
    registered_at: Mapped[datetime]
    registered_by: Mapped[str] = mapped_column(String(100))


class BodyTask(Base):
    """A task (事務) a body is registered for, by its id in ``mynumber.network.bodies.TASKS``."""

    __tablename__ = "body_tasks"
    __table_args__ = ({"info": HUB},)

    body_id: Mapped[str] = mapped_column(ForeignKey("bodies.id"), primary_key=True)
    task_id: Mapped[str] = mapped_column(String(100), primary_key=True)


class Staff(Base):
    """A member of a body's staff; every request a body makes names one."""

    __tablename__ = "staff"
    __table_args__ = (
        UniqueConstraint("body_id", "staff_id", name="uq_staff_body_staff_id"),
        {"info": HUB},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[str] = mapped_column(ForeignKey("bodies.id"))
    #: The body's own id for the staff member, unique within the body.
    staff_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool]
    added_at: Mapped[datetime]
    added_by: Mapped[str] = mapped_column(String(100))


class BodyCredential(Base):
    """An API key of a body, kept as its SHA-256 only: the key itself is shown once."""

    __tablename__ = "body_credentials"
    __table_args__ = ({"info": HUB},)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[str] = mapped_column(ForeignKey("bodies.id"), index=True)
    #: SHA-256 of the API key, in hexadecimal.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime]


class InstitutionCode(Base):
    """A person's per-body code (機関別符号) at one body; one per person and body."""

    __tablename__ = "institution_codes"
    __table_args__ = (
        UniqueConstraint("person_reference", "body_id", name="uq_institution_codes_person_body"),
        CheckConstraint("length(person_reference) = 64", name="person_reference_length"),
        CheckConstraint("length(code) = 26", name="code_length"),
        {"info": HUB},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: HMAC-SHA256 of the resident record code under the hub's key, in hexadecimal: never the
    #: code itself.
    person_reference: Mapped[str] = mapped_column(String(64))
    body_id: Mapped[str] = mapped_column(ForeignKey("bodies.id"))
    code: Mapped[str] = mapped_column(String(26), unique=True)
    #: The person's disclosure code (開示システム用符号), the same at every body: how the ledger
    #: names the person when an exchange is recorded, where only a per-body code is at hand.
    disclosure_code: Mapped[str] = mapped_column(String(26))
    issued_at: Mapped[datetime]


class Exchange(Base):
    """An exchange of information (情報照会・提供) the hub routes, by its transaction serial number.

    Opened when a body asks (``pending``), finished when the provider answers (``completed``, with
    the ledger entry's index) in the same transaction that appends the ledger entry. The answer is
    kept, encrypted, only until the requester collects it. The pair (requester, idempotency key)
    is unique: a retried request finds its exchange instead of opening another.
    """

    __tablename__ = "exchanges"
    __table_args__ = (
        UniqueConstraint("requester_id", "idempotency_key", name="uq_exchanges_idempotency"),
        {"info": HUB},
    )

    #: The transaction serial number (処理通番) given to the requester.
    serial: Mapped[str] = mapped_column(String(32), primary_key=True)
    requester_id: Mapped[str] = mapped_column(ForeignKey("bodies.id"))
    staff_id: Mapped[str] = mapped_column(String(64))
    idempotency_key: Mapped[str] = mapped_column(String(100))
    #: The row of the table of permitted exchanges, and the data item asked for.
    row_id: Mapped[str] = mapped_column(String(100))
    item: Mapped[str] = mapped_column(String(100))
    provider_id: Mapped[str] = mapped_column(ForeignKey("bodies.id"))
    requester_code: Mapped[str] = mapped_column(String(26))
    provider_code: Mapped[str] = mapped_column(String(26))
    disclosure_code: Mapped[str] = mapped_column(String(26), index=True)
    #: ``pending`` or ``completed``.
    status: Mapped[str] = mapped_column(String(16))
    requested_at: Mapped[datetime]
    #: How many times the hub has tried the provider, and why the last try failed.
    attempts: Mapped[int]
    last_error: Mapped[str | None] = mapped_column(String(500))
    completed_at: Mapped[datetime | None]
    #: ``provided`` or ``not-held`` once completed.
    outcome: Mapped[str | None] = mapped_column(String(16))
    #: The provider's answer as JSON, encrypted; cleared once the requester has collected it.
    answer: Mapped[str | None] = mapped_column(EncryptedString())
    collected_at: Mapped[datetime | None]
    ledger_index: Mapped[int | None] = mapped_column(BigInteger)


class NetworkRefusal(Base):
    """A request the hub refused: who asked (if known), what for, and why.

    Every refusal is kept here, whether or not it names a person; one that does is also entered
    in the ledger under the person's disclosure code.
    """

    __tablename__ = "network_refusals"
    __table_args__ = ({"info": HUB},)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    body_id: Mapped[str | None] = mapped_column(String(64))
    staff_id: Mapped[str | None] = mapped_column(String(64))
    #: What was asked, e.g. ``exchange``.
    action: Mapped[str] = mapped_column(String(32))
    #: The problem code of the refusal, and its explanation.
    code: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(1000))
    ledger_index: Mapped[int | None] = mapped_column(BigInteger)
