"""Node-kind tags on tables, the metadata of one node kind, and UTC timestamps."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy
from sqlalchemy import Column, Integer, MetaData, Table
from sqlalchemy.engine import Dialect

from mynumber.deployment import NodeKind
from mynumber.storage import MigrationError, UTCDateTime, metadata_for, node_kinds, tables_for

#: Naive on purpose: what SQLite stores and hands back for a UTC time.
NAIVE_NEW_YEAR = datetime(2026, 1, 1)  # noqa: DTZ001


def _dialect(url: str) -> Dialect:
    """Return a fresh dialect of ``url``'s backend (no connection is made)."""
    return sqlalchemy.create_engine(url).dialect


@pytest.mark.parametrize("kind", list(NodeKind))
def test_every_node_kind_has_node_meta(kind: NodeKind) -> None:
    """The node_meta table is part of every node kind's schema."""
    assert "node_meta" in metadata_for(kind).tables


def test_tables_are_filtered_by_node_kind() -> None:
    """A table tagged for the registry is in the registry's schema and not in the hub's."""
    metadata = MetaData()
    Table(
        "residents",
        metadata,
        Column("id", Integer, primary_key=True),
        info=node_kinds(NodeKind.REGISTRY),
    )
    assert [t.name for t in tables_for(NodeKind.REGISTRY, metadata)] == ["residents"]
    assert tables_for(NodeKind.HUB, metadata) == []


def test_an_untagged_table_is_an_error() -> None:
    """A table that names no node kind is refused rather than silently never migrated."""
    metadata = MetaData()
    Table("orphans", metadata, Column("id", Integer, primary_key=True))
    with pytest.raises(MigrationError, match="table orphans does not say which node kinds"):
        metadata_for(NodeKind.REGISTRY, metadata)


def test_a_table_must_belong_to_some_kind() -> None:
    """Tagging a table with no node kind at all is refused."""
    with pytest.raises(ValueError, match="at least one node kind"):
        node_kinds()


def test_constraints_follow_the_naming_convention() -> None:
    """Constraint names are derived from the convention, so migrations can refer to them."""
    table = metadata_for(NodeKind.HUB).tables["node_meta"]
    names = {constraint.name for constraint in table.constraints}
    assert {"pk_node_meta", "ck_node_meta_singleton", "ck_node_meta_node_kind"} <= names


def test_naive_datetimes_are_refused() -> None:
    """A datetime without a time zone is refused: nobody can tell which clock it came from."""
    with pytest.raises(ValueError, match="naive datetime"):
        UTCDateTime().process_bind_param(NAIVE_NEW_YEAR, _dialect("postgresql+psycopg://"))


def test_datetimes_are_stored_in_utc() -> None:
    """A Tokyo time is stored as the same instant in UTC (without zone on SQLite)."""
    tokyo = datetime(2026, 1, 1, 9, 0, tzinfo=timezone(timedelta(hours=9)))
    assert UTCDateTime().process_bind_param(tokyo, _dialect("postgresql+psycopg://")) == datetime(
        2026, 1, 1, tzinfo=UTC
    )
    assert UTCDateTime().process_bind_param(tokyo, _dialect("sqlite://")) == NAIVE_NEW_YEAR


def test_loaded_datetimes_are_aware_utc() -> None:
    """A zone-less value read from SQLite comes back as an aware UTC datetime."""
    loaded = UTCDateTime().process_result_value(NAIVE_NEW_YEAR, _dialect("sqlite://"))
    assert loaded == datetime(2026, 1, 1, tzinfo=UTC)
    assert loaded is not None
    assert loaded.tzinfo is UTC
