"""Throw-away registry databases for the issuance figure: one fresh, migrated database per run.

SQLite: a file in a temporary directory, removed afterwards. PostgreSQL: a database created on
the server for the run (``CREATE DATABASE mynumber_bench_<random>``) and dropped afterwards, so
the server's own databases are never touched. Both are migrated with the registry's own Alembic
branch, so ours and the baseline write into exactly the same tables, indexes and constraints.
"""

import secrets
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import sqlalchemy
from psycopg import sql
from sqlalchemy.engine import URL, make_url

from mynumber.deployment import NodeKind
from mynumber.storage import FieldKeys, create_engine, upgrade

#: The server the PostgreSQL figures run on unless --postgres-url names another; its database
#: is only used to create and drop the run's own databases.
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@dataclass(frozen=True)
class Backend:
    """A database system the register runs on, and how to get an empty database of it."""

    name: str
    #: Residents issued per timed round on this backend.
    residents: int
    #: A context manager that yields the URL of an empty database and removes it on exit.
    empty_database: Callable[[], AbstractContextManager[str]]
    #: What the machine table says about this backend's server.
    description: str


def sqlite_backend(residents: int) -> Backend:
    """Return the SQLite backend: a file per run in a temporary directory."""
    return Backend(
        "SQLite",
        residents,
        _sqlite_file,
        f"SQLite {sqlite3.sqlite_version}, in process, WAL journal, file in a temporary directory",
    )


def postgres_backend(residents: int, server_url: str) -> Backend:
    """Return the PostgreSQL backend on ``server_url``, or stop the run if it does not answer."""
    server = make_url(server_url)
    try:
        with _admin(server) as admin:
            row = admin.execute("SHOW server_version").fetchone()
    except psycopg.OperationalError as exc:
        where = server.render_as_string(hide_password=True)
        msg = (
            f"the PostgreSQL server at {where} does not answer ({exc}); start it, name another "
            "with --postgres-url, or leave PostgreSQL out with --no-postgres"
        )
        raise SystemExit(msg) from exc
    version = row[0] if row else "unknown version"
    host = f"{server.host or 'local socket'}:{server.port or 5432}"
    return Backend(
        "PostgreSQL",
        residents,
        lambda: _postgres_database(server),
        f"PostgreSQL {version} at {host}, default settings, a database created for each run",
    )


@contextmanager
def registry(backend: Backend, keys: FieldKeys) -> Iterator[sqlalchemy.Engine]:
    """Yield an engine on a fresh database of ``backend``, migrated as a registry node."""
    with backend.empty_database() as url:
        engine = create_engine(url, keys)
        try:
            upgrade(engine, NodeKind.REGISTRY)
            yield engine
        finally:
            engine.dispose()


@contextmanager
def _sqlite_file() -> Iterator[str]:
    """Yield the URL of a new SQLite file; remove its directory afterwards."""
    with tempfile.TemporaryDirectory(prefix="mynumber-bench-") as directory:
        yield f"sqlite:///{Path(directory) / 'registry.sqlite3'}"


@contextmanager
def _postgres_database(server: URL) -> Iterator[str]:
    """Create a database on ``server`` for one run, yield its URL, drop it afterwards."""
    name = f"mynumber_bench_{secrets.token_hex(4)}"
    with _admin(server) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with _admin(server) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def _admin(server: URL) -> psycopg.Connection[tuple[object, ...]]:
    """Open an autocommit connection to the server's own database, to create and drop ours."""
    conninfo = server.set(drivername="postgresql").render_as_string(hide_password=False)
    return psycopg.connect(conninfo, autocommit=True, connect_timeout=10)
