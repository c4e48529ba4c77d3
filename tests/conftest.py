"""Fixtures every test suite may use: real databases, never stand-ins.

``postgres_url``
    A throw-away PostgreSQL database made for this test run (one per pytest-xdist worker, named
    with a random suffix, dropped at the end), on the server named by MYNUMBER_TEST_POSTGRES_URL,
    or, when CI=true and that is unset, ``postgresql+psycopg://postgres@127.0.0.1:5432/test``.
    Without CI and without MYNUMBER_TEST_POSTGRES_URL the test is skipped; with CI=true (or with
    the variable set) a server that does not answer fails the test.

``database_url``
    An empty database, once per backend: ``sqlite`` (a file in ``tmp_path``) and ``postgresql``
    (a fresh schema in the run's database, dropped after the test; marked ``postgres``).

``migrated_engine``
    A :func:`mynumber.storage.create_engine` engine on ``database_url``, migrated for
    ``node_kind`` (registry unless a test parametrises ``node_kind``), with ``field_keys``.

Storage is imported inside the fixtures so that suites which never touch a database keep
running even when the storage package is broken.
"""

from __future__ import annotations

import os
import secrets
from typing import TYPE_CHECKING

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import URL, make_url

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    import sqlalchemy

    from mynumber.deployment import NodeKind
    from mynumber.storage import FieldKeys

POSTGRES_URL_VARIABLE = "MYNUMBER_TEST_POSTGRES_URL"
CI_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _postgres_server() -> tuple[URL | None, bool]:
    """Return the server to test against (if any) and whether a dead server is a failure."""
    configured = os.environ.get(POSTGRES_URL_VARIABLE)
    in_ci = os.environ.get("CI", "").lower() == "true"
    if configured:
        return make_url(configured), True
    if in_ci:
        return make_url(CI_POSTGRES_URL), True
    return None, False


def _connect(url: URL) -> psycopg.Connection[tuple[object, ...]]:
    """Open an autocommit psycopg connection to ``url`` (a SQLAlchemy URL)."""
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    return psycopg.connect(conninfo, autocommit=True, connect_timeout=10)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """Yield the URL of a PostgreSQL database that exists only for this test run."""
    server, must_answer = _postgres_server()
    if server is None:
        pytest.skip(
            f"PostgreSQL tests need a server: set {POSTGRES_URL_VARIABLE}="
            "postgresql+psycopg://USER@HOST:PORT/DB (or run with CI=true)"
        )
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"mynumber_test_{worker}_{secrets.token_hex(4)}"
    try:
        with _connect(server) as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.OperationalError as exc:
        where = server.render_as_string(hide_password=True)
        message = f"the PostgreSQL server at {where} does not answer: {exc}"
        if must_answer:
            pytest.fail(message)
        pytest.skip(message)  # pragma: no cover -- must_answer is True whenever a URL is known
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with _connect(server) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Yield the URL of an empty database, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'node.sqlite3'}"
        return
    run_database = make_url(request.getfixturevalue("postgres_url"))
    schema = f"test_{secrets.token_hex(6)}"
    with _connect(run_database) as admin:
        admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        # Every connection made from this URL sees only the test's own schema.
        yield run_database.update_query_dict(
            {"options": f"-csearch_path={schema}"}
        ).render_as_string(hide_password=False)
    finally:
        with _connect(run_database) as admin:
            admin.execute("SET lock_timeout = '10s'")
            admin.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture
def field_keys() -> FieldKeys:
    """Return fresh random field keys."""
    from mynumber.storage import FieldKeys  # noqa: PLC0415 -- see the module docstring

    return FieldKeys.generate()


@pytest.fixture
def node_kind() -> NodeKind:
    """Return the node kind ``migrated_engine`` migrates for; parametrise to change it."""
    from mynumber.deployment import NodeKind  # noqa: PLC0415 -- see the module docstring

    return NodeKind.REGISTRY


@pytest.fixture
def migrated_engine(
    database_url: str, field_keys: FieldKeys, node_kind: NodeKind
) -> Iterator[sqlalchemy.Engine]:
    """Yield an engine on ``database_url`` migrated to the head of ``node_kind``'s schema."""
    from mynumber.storage import create_engine, upgrade  # noqa: PLC0415 -- see the module docstring

    engine = create_engine(database_url, field_keys)
    try:
        upgrade(engine, node_kind)
        yield engine
    finally:
        engine.dispose()
