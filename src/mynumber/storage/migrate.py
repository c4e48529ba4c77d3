"""Bring a node's database to its schema, and bind the database to the node that owns it.

Each node kind has its own Alembic branch (``registry``, ``hub``, ...), packaged in
``mynumber/storage/migrations``. :func:`upgrade` runs one kind's branch to its head and refuses a
database that already carries another kind's schema; :func:`claim_database` then records (first
run) or checks (every later run) which node owns the database and with which field keys.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError, SQLAlchemyError

from mynumber.deployment import NodeKind
from mynumber.storage.engine import session_factory
from mynumber.storage.exceptions import (
    DatabaseNotMigratedError,
    DatabaseUnavailableError,
    FieldKeyMismatchError,
    ForeignDatabaseError,
    MigrationError,
)
from mynumber.storage.models import NodeMeta, metadata_for
from mynumber.storage.unit_of_work import unit_of_work

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session

    from mynumber.storage.fields import FieldKeys

__all__ = ["MIGRATIONS_DIR", "alembic_config", "claim_database", "current_heads", "upgrade"]

#: Where the packaged migrations live: ``env.py``, ``script.py.mako`` and ``versions/<kind>/``.
MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(connection: Connection, kind: NodeKind) -> Config:
    """Return the Alembic configuration that migrates ``connection`` as a node of ``kind``.

    Every kind's version directory is listed, so revision ids and branch labels resolve across
    kinds; new revisions for a kind go to its own directory (``head=f"{kind}@head"``).
    """
    config = Config()
    locations = os.pathsep.join(str(MIGRATIONS_DIR / "versions" / k.value) for k in NodeKind)
    config.set_main_option("script_location", _escaped(str(MIGRATIONS_DIR)))
    config.set_main_option("version_locations", _escaped(locations))
    config.set_main_option("path_separator", "os")  # Alembic >= 1.16
    config.set_main_option("version_path_separator", "os")  # read by older Alembic only
    config.attributes["connection"] = connection
    config.attributes["node_kind"] = kind
    config.attributes["target_metadata"] = metadata_for(kind)
    return config


def upgrade(engine: Engine, kind: NodeKind) -> tuple[str, ...]:
    """Migrate the database to the head of ``kind``'s schema and return the new heads.

    Running it again is a no-op. A database that holds another kind's schema is refused.
    """
    try:
        with engine.begin() as connection:
            config = alembic_config(connection, kind)
            script = ScriptDirectory.from_config(config)
            heads = MigrationContext.configure(connection).get_current_heads()
            _refuse_other_kinds(script, heads, kind)
            command.upgrade(config, f"{kind.value}@head")
    except CommandError as exc:
        msg = (
            f"cannot migrate the database as a {kind} node: {exc}; if it was migrated by a newer "
            "mynumber, run that version"
        )
        raise MigrationError(msg) from exc
    except OperationalError as exc:
        msg = f"cannot reach the database to migrate it ({type(exc.orig).__name__})"
        raise DatabaseUnavailableError(msg) from exc
    except SQLAlchemyError as exc:
        msg = f"migrating the database as a {kind} node failed ({type(exc).__name__})"
        raise MigrationError(msg) from exc
    return current_heads(engine)


def current_heads(engine: Engine) -> tuple[str, ...]:
    """Return the revision ids the database is at (empty for a database never migrated)."""
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_heads()
    except SQLAlchemyError as exc:
        msg = f"cannot read the database's schema version ({type(exc).__name__})"
        raise DatabaseUnavailableError(msg) from exc


def claim_database(
    session_or_engine: Session | Engine,
    node_id: str,
    kind: NodeKind,
    field_keys: FieldKeys,
) -> NodeMeta:
    """Record on first use, and check on every later use, who owns the database.

    The first claim writes the node's id and kind and the fingerprints of its field keys. A
    later claim by another node, by a node of another kind, or with other field keys is refused
    with :class:`ForeignDatabaseError` or :class:`FieldKeyMismatchError`. Given an engine, the
    claim is its own unit of work; given a session, it is part of the caller's (which commits).
    """
    if isinstance(session_or_engine, Engine):
        with unit_of_work(session_factory(session_or_engine)) as session:
            return claim_database(session, node_id, kind, field_keys)
    session = session_or_engine
    try:
        meta = session.get(NodeMeta, 1)
        if meta is None:
            meta = _first_claim(session, node_id, kind, field_keys)
    except (OperationalError, ProgrammingError) as exc:
        msg = (
            f"the database has no node_meta table ({type(exc.orig).__name__}); "
            f"migrate it first with `mynumber db upgrade`"
        )
        raise DatabaseNotMigratedError(msg) from exc
    _check_claim(meta, node_id, kind, field_keys)
    return meta


def _first_claim(session: Session, node_id: str, kind: NodeKind, keys: FieldKeys) -> NodeMeta:
    """Insert the node's identity; if another process just did, return what it wrote."""
    meta = NodeMeta(
        id=1,
        node_id=node_id,
        node_kind=kind,
        created_at=datetime.now(UTC),
        encryption_key_fingerprint=keys.encryption_key_fingerprint(),
        blind_index_key_fingerprint=keys.blind_index_key_fingerprint(),
    )
    try:
        with session.begin_nested():
            session.add(meta)
    except IntegrityError:
        # A replica starting at the same moment claimed it first: check against its claim.
        winner = session.get(NodeMeta, 1, populate_existing=True)
        if winner is None:  # pragma: no cover -- the insert failed for another reason
            raise
        return winner
    return meta


def _check_claim(meta: NodeMeta, node_id: str, kind: NodeKind, keys: FieldKeys) -> None:
    """Refuse a database that belongs to another node or was written with other keys."""
    if meta.node_id != node_id or meta.node_kind != kind:
        msg = (
            f"this database belongs to the {meta.node_kind} node '{meta.node_id}', not to the "
            f"{kind} node '{node_id}'; point the node at its own database URL"
        )
        raise ForeignDatabaseError(msg)
    fingerprints = (
        ("field-encryption", keys.encryption_key_fingerprint(), meta.encryption_key_fingerprint),
        ("blind-index", keys.blind_index_key_fingerprint(), meta.blind_index_key_fingerprint),
    )
    for name, given, recorded in fingerprints:
        if given != recorded:
            msg = (
                f"the {name} key does not match the one this database was created with "
                f"(fingerprint {given}, expected {recorded}); restore the original key file"
            )
            raise FieldKeyMismatchError(msg)


def _refuse_other_kinds(script: ScriptDirectory, heads: tuple[str, ...], kind: NodeKind) -> None:
    """Refuse to add ``kind``'s schema to a database that has another kind's."""
    for head in heads:
        revision = script.get_revision(head)
        labels = set() if revision is None else revision.branch_labels
        if kind.value not in labels:
            others = ", ".join(sorted(labels)) or "an unknown kind"
            msg = (
                f"this database holds the schema of a {others} node (revision {head}), "
                f"not of a {kind} node; point the node at its own database URL"
            )
            raise MigrationError(msg)


def _escaped(value: str) -> str:
    """Escape ``%`` for Alembic's configparser-backed options."""
    return value.replace("%", "%%")
