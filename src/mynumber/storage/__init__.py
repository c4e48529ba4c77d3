"""A node's own database: engines, sessions, encrypted columns, migrations and ownership.

Every node owns its database and keys (docs/architecture.md, "Nodes"). Open it with
:func:`create_engine` (SQLite in the embedded default, PostgreSQL in production), migrate it with
:func:`upgrade`, make sure it is this node's with :func:`claim_database`, and run each request or
command in one :func:`unit_of_work`. Numbers at rest live in :class:`EncryptedString` columns and
are found through :class:`BlindIndex` columns, never stored in plaintext.
"""

from mynumber.storage.engine import SUPPORTED_SCHEMES, create_engine, session_factory
from mynumber.storage.exceptions import (
    DatabaseClaimError,
    DatabaseNotMigratedError,
    DatabaseUnavailableError,
    FieldDecryptionError,
    FieldKeyMismatchError,
    FieldKeysNotBoundError,
    ForeignDatabaseError,
    InvalidBlindIndexValueError,
    InvalidFieldKeyError,
    MigrationError,
    StorageError,
    TransactionFailedError,
    UnsupportedDatabaseURLError,
)
from mynumber.storage.fields import BlindIndex, EncryptedString, FieldKeys, blind_index
from mynumber.storage.migrate import claim_database, current_heads, upgrade
from mynumber.storage.models import Base, NodeMeta, metadata_for, node_kinds, tables_for
from mynumber.storage.types import UTCDateTime
from mynumber.storage.unit_of_work import unit_of_work

__all__ = [
    "SUPPORTED_SCHEMES",
    "Base",
    "BlindIndex",
    "DatabaseClaimError",
    "DatabaseNotMigratedError",
    "DatabaseUnavailableError",
    "EncryptedString",
    "FieldDecryptionError",
    "FieldKeyMismatchError",
    "FieldKeys",
    "FieldKeysNotBoundError",
    "ForeignDatabaseError",
    "InvalidBlindIndexValueError",
    "InvalidFieldKeyError",
    "MigrationError",
    "NodeMeta",
    "StorageError",
    "TransactionFailedError",
    "UTCDateTime",
    "UnsupportedDatabaseURLError",
    "blind_index",
    "claim_database",
    "create_engine",
    "current_heads",
    "metadata_for",
    "node_kinds",
    "session_factory",
    "tables_for",
    "unit_of_work",
    "upgrade",
]
