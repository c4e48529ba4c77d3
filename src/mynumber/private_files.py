"""Private files written whole or not at all: keys, card files, notices.

A file is written to a temporary name in its own directory (mode 0600), flushed to disk, then
given its name -- by a hard link when it must not replace anything (the link fails if the name is
taken), by a rename otherwise -- and the directory entry is flushed too. A crash leaves the old
file or the new one, never half of one; no other user can read it at any moment.
"""

import os
import secrets
from pathlib import Path


def write_private(path: Path, data: bytes, *, overwrite: bool) -> None:
    """Write ``data`` to ``path`` with mode 0600, atomically.

    Raises :class:`FileExistsError` when ``overwrite`` is false and ``path`` exists, and
    :class:`OSError` for any other failure; the caller says what it was writing.
    """
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as stream:
            os.fchmod(stream.fileno(), 0o600)
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        if overwrite:
            temporary.replace(path)
        else:
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    _sync_directory(path.parent)


def _sync_directory(path: Path) -> None:
    """Flush a directory's entries to disk, so that a new name survives a crash."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
