"""A database belongs to one node and its keys: claim_database on SQLite and PostgreSQL."""

from collections.abc import Callable
from datetime import UTC

import pytest
import sqlalchemy
from sqlalchemy import func, select

from mynumber.deployment import NodeKind
from mynumber.storage import (
    DatabaseNotMigratedError,
    FieldKeyMismatchError,
    FieldKeys,
    ForeignDatabaseError,
    NodeMeta,
    claim_database,
    session_factory,
    unit_of_work,
)

MakeEngine = Callable[[str, FieldKeys], sqlalchemy.Engine]


class CallerFailedError(Exception):
    """The caller's own work failed after the claim."""


def _node_meta_rows(engine: sqlalchemy.Engine) -> int:
    """Count the rows of node_meta."""
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(NodeMeta)).scalar_one()


def test_the_first_claim_records_identity_and_fingerprints(
    migrated_engine: sqlalchemy.Engine, field_keys: FieldKeys
) -> None:
    """The first claim stores the node id, kind, creation time (UTC) and the key fingerprints."""
    claim_database(migrated_engine, "registry-tokyo", NodeKind.REGISTRY, field_keys)
    with unit_of_work(session_factory(migrated_engine)) as session:
        meta = session.scalars(select(NodeMeta)).one()
    assert (meta.node_id, meta.node_kind) == ("registry-tokyo", NodeKind.REGISTRY)
    assert meta.encryption_key_fingerprint == field_keys.encryption_key_fingerprint()
    assert meta.blind_index_key_fingerprint == field_keys.blind_index_key_fingerprint()
    assert meta.created_at.tzinfo is UTC


def test_the_same_node_may_claim_again(
    migrated_engine: sqlalchemy.Engine, field_keys: FieldKeys
) -> None:
    """Restarting the node with the same identity and keys is accepted and changes nothing."""
    first = claim_database(migrated_engine, "registry", NodeKind.REGISTRY, field_keys)
    again = claim_database(migrated_engine, "registry", NodeKind.REGISTRY, field_keys)
    assert again.created_at == first.created_at
    assert _node_meta_rows(migrated_engine) == 1


@pytest.mark.parametrize(
    ("node_id", "kind"), [("registry-osaka", NodeKind.REGISTRY), ("registry", NodeKind.HUB)]
)
def test_another_node_is_refused(
    migrated_engine: sqlalchemy.Engine, field_keys: FieldKeys, node_id: str, kind: NodeKind
) -> None:
    """Another node id, or the same id with another kind, cannot take over the database."""
    claim_database(migrated_engine, "registry", NodeKind.REGISTRY, field_keys)
    with pytest.raises(ForeignDatabaseError, match="belongs to the registry node 'registry'"):
        claim_database(migrated_engine, node_id, kind, field_keys)


def test_a_changed_encryption_key_is_refused(
    migrated_engine: sqlalchemy.Engine, field_keys: FieldKeys
) -> None:
    """Starting with another field-encryption key says to restore the original key file."""
    claim_database(migrated_engine, "registry", NodeKind.REGISTRY, field_keys)
    changed = FieldKeys(encryption_key=bytes(32), blind_index_key=field_keys.blind_index_key)
    with pytest.raises(
        FieldKeyMismatchError,
        match=(
            r"^the field-encryption key does not match the one this database was created with"
            r".*; restore the original key file$"
        ),
    ):
        claim_database(migrated_engine, "registry", NodeKind.REGISTRY, changed)


def test_a_changed_blind_index_key_is_refused(
    migrated_engine: sqlalchemy.Engine, field_keys: FieldKeys
) -> None:
    """Starting with another blind-index key is refused too: every lookup would miss."""
    claim_database(migrated_engine, "registry", NodeKind.REGISTRY, field_keys)
    changed = FieldKeys(encryption_key=field_keys.encryption_key, blind_index_key=bytes(32))
    with pytest.raises(FieldKeyMismatchError, match="the blind-index key does not match"):
        claim_database(migrated_engine, "registry", NodeKind.REGISTRY, changed)


def test_a_claim_in_a_session_is_part_of_the_callers_unit_of_work(
    migrated_engine: sqlalchemy.Engine, field_keys: FieldKeys
) -> None:
    """Claiming through a session commits nothing by itself: a failing caller leaves no claim."""

    def command() -> None:
        with unit_of_work(session_factory(migrated_engine)) as session:
            claim_database(session, "registry", NodeKind.REGISTRY, field_keys)
            raise CallerFailedError

    with pytest.raises(CallerFailedError):
        command()
    assert _node_meta_rows(migrated_engine) == 0


def test_an_unmigrated_database_is_reported(
    database_url: str, field_keys: FieldKeys, make_engine: MakeEngine
) -> None:
    """Claiming a database that was never migrated says to run `mynumber db upgrade`."""
    engine = make_engine(database_url, field_keys)
    with pytest.raises(DatabaseNotMigratedError, match="mynumber db upgrade"):
        claim_database(engine, "registry", NodeKind.REGISTRY, field_keys)
