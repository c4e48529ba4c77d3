"""Each node kind's migrations against real SQLite and PostgreSQL: models and migrations agree."""

from collections.abc import Callable

import pytest
import sqlalchemy
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

import mynumber.schema  # noqa: F401 -- every model, so the schema of each kind is whole
from mynumber.deployment import NodeKind
from mynumber.storage import (
    DatabaseUnavailableError,
    FieldKeys,
    MigrationError,
    create_engine,
    current_heads,
    metadata_for,
    upgrade,
)
from mynumber.storage.migrate import alembic_config

MakeEngine = Callable[[str, FieldKeys], sqlalchemy.Engine]
every_kind = pytest.mark.parametrize("node_kind", list(NodeKind))


def _branch_head(engine: sqlalchemy.Engine, kind: NodeKind) -> str:
    """Return the head revision of ``kind``'s branch, as the packaged scripts define it."""
    with engine.connect() as connection:
        script = ScriptDirectory.from_config(alembic_config(connection, kind))
    head = script.revision_map.get_current_head(kind.value)
    assert head is not None
    return head


@every_kind
def test_a_fresh_database_is_migrated_to_the_kind_head(
    database_url: str, field_keys: FieldKeys, node_kind: NodeKind, make_engine: MakeEngine
) -> None:
    """An empty database ends at the head of its node kind's branch, with that kind's tables."""
    engine = make_engine(database_url, field_keys)
    assert current_heads(engine) == ()
    assert upgrade(engine, node_kind) == (_branch_head(engine, node_kind),)
    assert set(metadata_for(node_kind).tables) <= set(sqlalchemy.inspect(engine).get_table_names())


@every_kind
def test_upgrading_twice_changes_nothing(
    migrated_engine: sqlalchemy.Engine, node_kind: NodeKind
) -> None:
    """A second upgrade of a migrated database succeeds and leaves heads and tables as they were."""
    heads = current_heads(migrated_engine)
    tables = sorted(sqlalchemy.inspect(migrated_engine).get_table_names())
    assert upgrade(migrated_engine, node_kind) == heads
    migrated_engine.dispose()  # a fresh inspector, not one that cached the first answer
    assert sorted(sqlalchemy.inspect(migrated_engine).get_table_names()) == tables


@every_kind
def test_models_and_migrations_agree(
    migrated_engine: sqlalchemy.Engine, node_kind: NodeKind
) -> None:
    """Alembic finds no difference between the migrated schema and the models of that kind."""
    with migrated_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata_for(node_kind)) == []


def test_another_kind_schema_is_refused(migrated_engine: sqlalchemy.Engine) -> None:
    """A registry database is not turned into a hub database by migrating it as one."""
    heads = current_heads(migrated_engine)
    with pytest.raises(MigrationError, match="holds the schema of a registry node"):
        upgrade(migrated_engine, NodeKind.HUB)
    assert current_heads(migrated_engine) == heads


def test_an_unknown_revision_is_reported(migrated_engine: sqlalchemy.Engine) -> None:
    """A database stamped by a newer mynumber (unknown revision) gives a MigrationError."""
    with migrated_engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = 'registry_9999'")
    with pytest.raises(MigrationError, match="registry_9999"):
        upgrade(migrated_engine, NodeKind.REGISTRY)


def test_an_unreachable_database_is_reported(field_keys: FieldKeys) -> None:
    """Migrating a database that does not answer raises a storage error, not a driver error."""
    engine = create_engine("postgresql://nobody@127.0.0.1:9/none?connect_timeout=2", field_keys)
    try:
        with pytest.raises(DatabaseUnavailableError, match="cannot reach the database"):
            upgrade(engine, NodeKind.REGISTRY)
    finally:
        engine.dispose()
