r"""Signed checkpoints (C2SP tlog-checkpoint): the ledger's tree head, signed by log and witness.

A checkpoint's text is three lines, each ending in a newline: the origin (the log's name), the tree
size in ASCII decimal without leading zeros, and the root hash in standard base64. It travels as a
signed note (:mod:`mynumber.ledger.notes`): the log signs it, and the oversight node, as witness,
adds its cosignature over the same text once it has checked the new tree is consistent with the
last one it signed.

The spec allows extension lines after the root; they are not auditable, this ledger writes none,
and :func:`open_checkpoint` refuses them so that a signature never vouches for text we do not read.
The origin is only required to be non-empty (the spec recommends, and we do not require, a
schema-less URL without spaces or plus signs); the log's key name should equal it.

>>> from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
>>> from mynumber.ledger.merkle import EMPTY_ROOT
>>> key = Ed25519PrivateKey.from_private_bytes(bytes(32))
>>> head = Checkpoint("example.org/ledger", 0, EMPTY_ROOT)
>>> head.body()
b'example.org/ledger\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n'
>>> note = sign_checkpoint(head, "example.org/ledger", key)
>>> open_checkpoint(note, {"example.org/ledger": key.public_key()}) == head
True
"""

import base64
import re
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mynumber.ledger.exceptions import InvalidCheckpointBody
from mynumber.ledger.merkle import EMPTY_ROOT, HASH_SIZE
from mynumber.ledger.notes import (
    Verifiers,
    add_signature,
    open_note,
    parse_note,
    sign_note,
    verifier_key,
)

__all__ = [
    "MAX_TREE_SIZE",
    "Checkpoint",
    "add_cosignature",
    "open_checkpoint",
    "sign_checkpoint",
    "verifier_key",
]

#: Tree sizes are unsigned 64-bit integers, as in the other implementations of the format.
MAX_TREE_SIZE = 2**64 - 1

_DECIMAL = re.compile(r"0|[1-9][0-9]*", re.ASCII)


@dataclass(frozen=True)
class Checkpoint:
    """A tree head: which log, how many leaves, and the root hash over them."""

    origin: str
    size: int
    root_hash: bytes

    def __post_init__(self) -> None:
        """Refuse a tree head that no well-formed checkpoint could carry."""
        if not self.origin or any(char < " " for char in self.origin):
            message = f"the origin {self.origin!r} is empty or holds a control character"
            raise InvalidCheckpointBody(message)
        if isinstance(self.size, bool) or not 0 <= self.size <= MAX_TREE_SIZE:
            message = f"the tree size {self.size!r} is not an integer from 0 to 2**64 - 1"
            raise InvalidCheckpointBody(message)
        if len(self.root_hash) != HASH_SIZE:
            message = f"the root hash is {len(self.root_hash)} bytes; SHA-256 hashes are 32"
            raise InvalidCheckpointBody(message)
        if self.size == 0 and self.root_hash != EMPTY_ROOT:
            message = "an empty tree's root hash is SHA-256 of nothing, e3b0c442...b855"
            raise InvalidCheckpointBody(message)

    def body(self) -> bytes:
        """Return the note text: origin, size and base64 root, each line ending in a newline."""
        encoded = base64.b64encode(self.root_hash).decode("ascii")
        return f"{self.origin}\n{self.size}\n{encoded}\n".encode()

    @classmethod
    def from_body(cls, text: str) -> "Checkpoint":
        """Parse a checkpoint's text strictly: exactly three lines, each ending in a newline."""
        lines = text.split("\n")
        if lines[-1] != "":
            message = "the checkpoint text does not end in a newline"
            raise InvalidCheckpointBody(message)
        lines.pop()
        if len(lines) < 3:
            message = f"a checkpoint has 3 lines (origin, tree size, root hash), not {len(lines)}"
            raise InvalidCheckpointBody(message)
        if len(lines) > 3:
            message = (
                f"the checkpoint has {len(lines) - 3} extension lines; this ledger accepts none"
            )
            raise InvalidCheckpointBody(message)
        origin, size_line, root_line = lines
        return cls(origin, _parse_size(size_line), _parse_root(root_line))


def _parse_size(line: str) -> int:
    """Parse the tree size line: ASCII decimal, no sign and no leading zeros."""
    if not _DECIMAL.fullmatch(line) or len(line) > len(str(MAX_TREE_SIZE)):
        message = f"the tree size {line!r} is not a decimal number without leading zeros"
        raise InvalidCheckpointBody(message)
    return int(line)


def _parse_root(line: str) -> bytes:
    """Parse the root hash line: canonical standard base64 of exactly 32 bytes."""
    try:
        root_hash = base64.b64decode(line, validate=True)
    except ValueError as exc:
        message = f"the root hash {line!r} is not standard base64"
        raise InvalidCheckpointBody(message) from exc
    if len(root_hash) != HASH_SIZE or base64.b64encode(root_hash).decode("ascii") != line:
        message = f"the root hash {line!r} is not the base64 of 32 bytes"
        raise InvalidCheckpointBody(message)
    return root_hash


def sign_checkpoint(checkpoint: Checkpoint, key_name: str, private_key: Ed25519PrivateKey) -> bytes:
    """Return the checkpoint as a note signed by the log's key (``key_name``: the origin)."""
    return sign_note(checkpoint.body().decode("utf-8"), key_name, private_key)


def add_cosignature(note: bytes, key_name: str, private_key: Ed25519PrivateKey) -> bytes:
    """Return the note with a witness's signature over the same checkpoint text added.

    The text must be a well-formed checkpoint; the existing signatures are not checked here: a
    witness opens the note with :func:`open_checkpoint` and checks consistency first.
    """
    Checkpoint.from_body(parse_note(note).text)
    return add_signature(note, key_name, private_key)


def open_checkpoint(note: bytes, verifiers: Verifiers, *, required: int = 1) -> Checkpoint:
    """Return the checkpoint a note carries once ``required`` trusted keys have signed it.

    ``verifiers`` maps key names to Ed25519 public keys, or lists verifier key strings (see
    :func:`verifier_key`); an empty one raises :class:`~mynumber.ledger.exceptions.NoVerifiers`.
    Signatures by other keys are ignored; a trusted key's signature that fails rejects the note.
    The text is parsed only after the signatures verify.
    """
    return Checkpoint.from_body(open_note(note, verifiers, required=required))
