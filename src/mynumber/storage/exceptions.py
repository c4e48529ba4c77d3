"""The errors the storage layer raises on purpose.

Every one is a :class:`StorageError`, itself a :class:`~mynumber.errors.MyNumberError`, so an edge
maps them through its one error table. Failures of SQLAlchemy, Alembic or the database driver are
wrapped with ``raise ... from exc``; the original stays available as ``__cause__``::

    StorageError
     +-- UnsupportedDatabaseURLError   the URL names a database mynumber does not run on
     +-- DatabaseUnavailableError      the database cannot be reached or its file be made
     +-- InvalidFieldKeyError          a field key has the wrong type or length
     +-- FieldKeysNotBoundError        the engine was not made by storage.create_engine
     +-- FieldDecryptionError          a stored ciphertext does not open with the key
     +-- InvalidBlindIndexValueError   a blind-index value is neither text nor a digest
     +-- MigrationError                the schema cannot reach the node kind's head
     |    +-- DatabaseNotMigratedError the node's tables are missing: `mynumber db upgrade`
     +-- DatabaseClaimError            the database belongs to someone else
     |    +-- ForeignDatabaseError     ... to another node, or a node of another kind
     |    +-- FieldKeyMismatchError    ... or was written with other field keys
     +-- TransactionFailedError        a unit of work failed; nothing was saved
"""

from mynumber.errors import MyNumberError


class StorageError(MyNumberError):
    """The node's database could not do what was asked."""

    code = "storage-error"


class UnsupportedDatabaseURLError(StorageError):
    """The database URL names a backend or driver mynumber does not support."""

    code = "storage-unsupported-url"


class DatabaseUnavailableError(StorageError):
    """The database server does not answer, or the database file cannot be created."""

    code = "storage-unavailable"


class InvalidFieldKeyError(StorageError):
    """A field-encryption or blind-index key is not 32 bytes."""

    code = "storage-invalid-field-key"


class FieldKeysNotBoundError(StorageError):
    """An encrypted or blind-index column was used through an engine that has no field keys."""

    code = "storage-field-keys-not-bound"


class FieldDecryptionError(StorageError):
    """A stored ciphertext failed authentication: wrong key, or the bytes were altered."""

    code = "storage-field-decryption-failed"


class InvalidBlindIndexValueError(StorageError):
    """A value given to a blind-index column is neither text nor a 32-byte digest."""

    code = "storage-invalid-blind-index-value"


class MigrationError(StorageError):
    """The database schema cannot be brought to the head of the node kind's migrations."""

    code = "storage-migration-failed"


class DatabaseNotMigratedError(MigrationError):
    """The node's tables do not exist yet."""

    code = "storage-not-migrated"


class DatabaseClaimError(StorageError):
    """The database was claimed by another node or with other keys."""

    code = "storage-claim-refused"


class ForeignDatabaseError(DatabaseClaimError):
    """The database belongs to another node (or to a node of another kind)."""

    code = "storage-foreign-database"


class FieldKeyMismatchError(DatabaseClaimError):
    """The field keys in use are not the ones the database was created with."""

    code = "storage-field-key-mismatch"


class TransactionFailedError(StorageError):
    """The database failed or refused a unit of work, which was rolled back."""

    code = "storage-transaction-failed"
