"""Engines and session factories for a node's own database.

Two backends (docs/architecture.md, "Nodes"): SQLite files in the embedded default, one file per
node, and PostgreSQL through psycopg 3 in production. Every engine carries its node's
:class:`FieldKeys`, bound to the engine's dialect so encrypted columns use that node's keys and no
one else's.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy
from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from mynumber.storage.exceptions import DatabaseUnavailableError, UnsupportedDatabaseURLError
from mynumber.storage.fields import FieldKeys, bind_field_keys

if TYPE_CHECKING:
    from sqlalchemy.engine.interfaces import DBAPIConnection
    from sqlalchemy.pool import ConnectionPoolEntry

__all__ = ["SQLITE_BUSY_TIMEOUT_MS", "SUPPORTED_SCHEMES", "create_engine", "session_factory"]

_SQLITE_SCHEMES = frozenset({"sqlite", "sqlite+pysqlite"})
_POSTGRES_SCHEMES = frozenset({"postgresql", "postgresql+psycopg"})
#: The URL schemes :func:`create_engine` accepts.
SUPPORTED_SCHEMES = ("sqlite", "postgresql", "postgresql+psycopg")
#: How long an SQLite connection waits for another writer before giving up.
SQLITE_BUSY_TIMEOUT_MS = 5_000


def create_engine(url: str, field_keys: FieldKeys) -> sqlalchemy.Engine:
    """Open the engine of one node's database, with that node's field keys bound to it.

    ``sqlite:///path/to/node.sqlite3`` makes the parent directory if needed and switches on WAL
    journaling, foreign-key enforcement and a busy timeout on every connection.
    ``postgresql://`` and ``postgresql+psycopg://`` both use psycopg 3. Anything else raises
    :class:`UnsupportedDatabaseURLError`. Bound parameters are kept out of error messages and logs,
    since they may hold numbers before encryption.
    """
    parsed = _parse(url)
    if parsed.drivername in _SQLITE_SCHEMES:
        engine = _sqlite_engine(parsed)
    else:
        engine = sqlalchemy.create_engine(
            parsed.set(drivername="postgresql+psycopg"),
            pool_pre_ping=True,
            hide_parameters=True,
        )
    bind_field_keys(engine.dialect, field_keys)
    return engine


def session_factory(engine: sqlalchemy.Engine) -> sessionmaker[Session]:
    """Return the factory that makes one :class:`Session` per unit of work on ``engine``.

    Objects stay loaded after commit (``expire_on_commit=False``) so an edge can still read the
    result of a command after its unit of work has closed.
    """
    return sessionmaker(bind=engine, expire_on_commit=False)


def _parse(url: str) -> URL:
    """Parse ``url`` and check that its scheme is one we support."""
    supported = ", ".join(f"{scheme}://" for scheme in SUPPORTED_SCHEMES)
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        msg = f"the database URL cannot be parsed; use one of {supported}"
        raise UnsupportedDatabaseURLError(msg) from exc
    if parsed.drivername not in _SQLITE_SCHEMES | _POSTGRES_SCHEMES:
        msg = (
            f"database URLs with the scheme {parsed.drivername}:// are not supported; "
            f"use one of {supported}"
        )
        raise UnsupportedDatabaseURLError(msg)
    return parsed


def _sqlite_engine(url: URL) -> sqlalchemy.Engine:
    """Make an SQLite engine whose connections enforce foreign keys and use WAL."""
    database = url.database
    if database and database != ":memory:" and not database.startswith("file:"):
        try:
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            msg = f"cannot create the directory for the database file {database}: {exc.strerror}"
            raise DatabaseUnavailableError(msg) from exc
    engine = sqlalchemy.create_engine(url.set(drivername="sqlite+pysqlite"), hide_parameters=True)
    event.listen(engine, "connect", _configure_sqlite_connection)
    event.listen(engine, "begin", _begin_sqlite_transaction)
    return engine


def _configure_sqlite_connection(
    dbapi_connection: DBAPIConnection,
    connection_record: ConnectionPoolEntry,  # noqa: ARG001 -- the signature is SQLAlchemy's
) -> None:
    """Set the pragmas every connection needs and take over transaction control.

    Python's sqlite3 module (before 3.16) opens transactions late and not for DDL or SAVEPOINT;
    with its own control switched off, :func:`_begin_sqlite_transaction` opens every transaction,
    so rollbacks, savepoints and migrations behave as on PostgreSQL (SQLAlchemy's documented
    recipe, "Transactions with SQLite and the sqlite3 driver").
    """
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS:d}")
    finally:
        cursor.close()


def _begin_sqlite_transaction(connection: sqlalchemy.Connection) -> None:
    """Open each transaction with a plain (deferred) BEGIN.

    Readers never wait in WAL mode, so a node handling a request can still be read by another
    request in the same process (nodes call each other in-process in the embedded default). A
    writer waits up to the busy timeout for another writer; a transaction whose snapshot went
    stale meanwhile fails ("database is locked") and its unit of work is rolled back.
    """
    connection.exec_driver_sql("BEGIN")
