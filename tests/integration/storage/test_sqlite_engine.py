"""What an SQLite engine made by storage.create_engine really does to its connections."""

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy
from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table, insert, select, text
from sqlalchemy.exc import IntegrityError

from mynumber.storage import FieldKeys
from mynumber.storage.engine import SQLITE_BUSY_TIMEOUT_MS

MakeEngine = Callable[[str, FieldKeys], sqlalchemy.Engine]


@pytest.fixture
def engine(tmp_path: Path, make_engine: MakeEngine) -> sqlalchemy.Engine:
    """Return an SQLite engine on a file in a directory that does not exist yet."""
    return make_engine(f"sqlite:///{tmp_path / 'data' / 'registry.sqlite3'}", FieldKeys.generate())


def test_the_parent_directory_is_created(engine: sqlalchemy.Engine, tmp_path: Path) -> None:
    """The database file's directory is made, and the file appears on first connection."""
    assert (tmp_path / "data").is_dir()
    with engine.connect():
        pass
    assert (tmp_path / "data" / "registry.sqlite3").is_file()


def test_pragmas_are_on_for_every_connection(engine: sqlalchemy.Engine) -> None:
    """WAL journaling, foreign keys and the busy timeout are set on each new connection."""
    with engine.connect() as first, engine.connect() as second:
        for connection in (first, second):
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert (
                connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == SQLITE_BUSY_TIMEOUT_MS
            )


def test_foreign_keys_are_enforced(engine: sqlalchemy.Engine) -> None:
    """A row that refers to a missing parent is refused by SQLite itself."""
    metadata = MetaData()
    Table("parents", metadata, Column("id", Integer, primary_key=True))
    children = Table(
        "children",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("parent_id", ForeignKey("parents.id"), nullable=False),
    )
    metadata.create_all(engine)
    with pytest.raises(IntegrityError, match="FOREIGN KEY constraint failed"), engine.begin() as c:
        c.execute(insert(children).values(id=1, parent_id=42))


def test_transactions_cover_ddl_and_savepoints(engine: sqlalchemy.Engine) -> None:
    """A rolled-back transaction undoes its CREATE TABLE, and a savepoint rolls back alone."""
    with engine.connect() as connection:
        connection.execute(text("CREATE TABLE undone (id INTEGER PRIMARY KEY)"))
        connection.rollback()
    assert not sqlalchemy.inspect(engine).has_table("undone")

    metadata = MetaData()
    kept = Table("kept", metadata, Column("id", Integer, primary_key=True))
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(insert(kept).values(id=1))
        savepoint = connection.begin_nested()
        connection.execute(insert(kept).values(id=2))
        savepoint.rollback()
    with engine.connect() as connection:
        assert connection.execute(select(kept.c.id)).scalars().all() == [1]
