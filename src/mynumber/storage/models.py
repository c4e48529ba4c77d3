"""The declarative base every node's models share, and the table every node database has.

Each node owns its own database (docs/architecture.md, "Nodes"), so each table says which node
kinds have it, in ``Table.info``::

    class Resident(Base):
        __tablename__ = "residents"
        __table_args__ = {"info": node_kinds(NodeKind.REGISTRY)}

:func:`metadata_for` then gives the schema of one kind of node, which is what its migrations
must build ("models and migrations agree").
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Enum, MetaData, String, Table
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from mynumber.deployment import NodeKind
from mynumber.storage.exceptions import MigrationError
from mynumber.storage.types import UTCDateTime

__all__ = [
    "NAMING_CONVENTION",
    "NODE_KINDS_INFO_KEY",
    "Base",
    "NodeMeta",
    "metadata_for",
    "node_kinds",
    "tables_for",
]

#: Constraint names are derived, never left to the database, so migrations can name them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
#: The key in ``Table.info`` under which a table lists the node kinds that have it.
NODE_KINDS_INFO_KEY = "node_kinds"


class Base(DeclarativeBase):
    """The declarative base of every mynumber model; ``datetime`` columns are UTC-aware."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}  # noqa: RUF012 -- SQLAlchemy reads it once, at class creation


def node_kinds(*kinds: NodeKind) -> dict[str, frozenset[NodeKind]]:
    """Return the ``Table.info`` that tags a table with the node kinds whose databases have it."""
    if not kinds:
        msg = "a table must belong to at least one node kind"
        raise ValueError(msg)
    return {NODE_KINDS_INFO_KEY: frozenset(kinds)}


def tables_for(kind: NodeKind, metadata: MetaData | None = None) -> list[Table]:
    """Return the tables of ``metadata`` (the models' by default) that nodes of ``kind`` have.

    A table without a node-kind tag is an error: left out silently, it would never be migrated.
    """
    source = Base.metadata if metadata is None else metadata
    tables = []
    for table in source.sorted_tables:
        tagged: Any = table.info.get(NODE_KINDS_INFO_KEY)
        if not tagged:
            msg = (
                f"table {table.name} does not say which node kinds have it; "
                "give it __table_args__ = {'info': node_kinds(...)}"
            )
            raise MigrationError(msg)
        if kind in tagged:
            tables.append(table)
    return tables


def metadata_for(kind: NodeKind, metadata: MetaData | None = None) -> MetaData:
    """Return a copy of the schema that a node of ``kind`` has in its database."""
    target = MetaData(naming_convention=NAMING_CONVENTION)
    for table in tables_for(kind, metadata):
        table.to_metadata(target)
    return target


class NodeMeta(Base):
    """Whose database this is: the node's identity and the fingerprints of its field keys.

    There is exactly one row (``id = 1``). :func:`mynumber.storage.claim_database` writes it on
    first use and checks it on every start, so a node never opens another node's database, nor
    its own with the wrong keys.
    """

    __tablename__ = "node_meta"
    __table_args__ = (
        CheckConstraint("id = 1", name="singleton"),
        {"info": node_kinds(*NodeKind)},
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    node_id: Mapped[str] = mapped_column(String(64))
    node_kind: Mapped[NodeKind] = mapped_column(
        Enum(
            NodeKind,
            name="node_kind",
            native_enum=False,
            create_constraint=True,
            length=16,
            values_callable=lambda kinds: [kind.value for kind in kinds],
            validate_strings=True,
        ),
    )
    created_at: Mapped[datetime]
    encryption_key_fingerprint: Mapped[str] = mapped_column(String(16))
    blind_index_key_fingerprint: Mapped[str] = mapped_column(String(16))
