"""Signed notes (C2SP signed-note) with Ed25519 keys: the envelope a checkpoint travels in.

A note is a text ending in a newline, a blank line, and one or more signature lines, each
``— <key name> <base64(key ID || signature)>`` and a newline, the dash being the em dash U+2014.
The text is everything before the *last* blank line, its final newline included; a signature
covers exactly those bytes. The key ID is the first four bytes of SHA-256(key name || 0x0A ||
0x01 || the 32-byte Ed25519 public key), 0x01 being signed-note's type byte for Ed25519.

Checking follows the spec: signatures by keys the caller does not trust (a different name or key
ID) are ignored; a trusted key's signature that fails rejects the whole note; too few trusted
signatures reject it too. Stricter than the spec, where it allows a choice: a note with two
signature lines for one key, more than ``MAX_SIGNATURES`` lines, or base64 that is not in its
canonical form is refused as malformed, and a caller who trusts no key gets an error, never a pass.

A verifier key (a "vkey") is written ``<name>+<key ID in 8 hex digits>+<base64(0x01 || public
key)>``. C2SP signed-note fixes the key ID and the type byte but not this text form: it is the one
of Go's golang.org/x/mod/sumdb/note, which the transparency-log tools share; we follow it, and
check the key ID against the key as that package does.

>>> from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
>>> key = Ed25519PrivateKey.from_private_bytes(bytes(32))
>>> verifier_key("example.org/ledger", key.public_key())
'example.org/ledger+e5f2095f+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop'
"""

import base64
import hashlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import TypeAlias

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from mynumber.ledger.exceptions import (
    BadSignature,
    DuplicateSignature,
    InvalidVerifierKey,
    InvalidVerifiers,
    MalformedNote,
    NoVerifiers,
    UnverifiedCheckpoint,
)

EM_DASH = "\u2014"
#: signed-note's signature type byte for Ed25519.
ED25519_TYPE = b"\x01"
KEY_ID_SIZE = 4
ED25519_SIGNATURE_SIZE = 64
#: The most signature lines a note may carry (the spec asks verifiers to accept at least 16).
MAX_SIGNATURES = 32

#: Trusted keys: key name to public key, or verifier key strings.
Verifiers: TypeAlias = Mapping[str, Ed25519PublicKey] | Collection[str]


def _b64decode(text: str) -> bytes | None:
    """Return the bytes of canonical standard base64, or None for anything else."""
    try:
        data = base64.b64decode(text, validate=True)
    except ValueError:
        return None
    return data if base64.b64encode(data).decode("ascii") == text else None


def key_name_problem(name: str) -> str | None:
    """Return what is wrong with a key name, or None if it is well formed."""
    if not name:
        return "a key name must not be empty"
    if any(char.isspace() or char == "+" for char in name):
        return f"the key name {name!r} holds a space or a plus sign"
    if any(char < " " for char in name):
        return f"the key name {name!r} holds a control character"
    return None


def key_id(name: str, public_key: Ed25519PublicKey) -> bytes:
    """Return the 4-byte key ID of an Ed25519 key under ``name``."""
    raw = public_key.public_bytes_raw()
    return hashlib.sha256(name.encode("utf-8") + b"\n" + ED25519_TYPE + raw).digest()[:KEY_ID_SIZE]


@dataclass(frozen=True)
class Verifier:
    """A trusted key: its name, its key ID and the Ed25519 public key."""

    name: str
    key_id: bytes
    public_key: Ed25519PublicKey

    @classmethod
    def from_public_key(cls, name: str, public_key: Ed25519PublicKey) -> "Verifier":
        """Return the verifier for ``public_key`` under ``name``."""
        problem = key_name_problem(name)
        if problem is not None:
            raise InvalidVerifierKey(problem)
        return cls(name, key_id(name, public_key), public_key)

    @classmethod
    def from_vkey(cls, vkey: str) -> "Verifier":
        """Parse a verifier key string ``<name>+<hex key ID>+<base64(0x01 || key)>``."""
        name, _, rest = vkey.partition("+")
        hex_id, _, encoded = rest.partition("+")
        data = _b64decode(encoded)
        problem = key_name_problem(name)
        if problem is None and (len(hex_id) != 2 * KEY_ID_SIZE or hex_id != hex_id.lower()):
            problem = f"the key ID {hex_id!r} is not 8 lowercase hex digits"
        if problem is None and (data is None or len(data) != 33 or data[:1] != ED25519_TYPE):
            problem = "the key is not base64 of 0x01 and a 32-byte Ed25519 public key"
        if problem is not None or data is None:
            message = f"the verifier key {vkey!r} is malformed: {problem}"
            raise InvalidVerifierKey(message)
        verifier = cls.from_public_key(name, Ed25519PublicKey.from_public_bytes(data[1:]))
        if verifier.key_id.hex() != hex_id:
            actual = verifier.key_id.hex()
            message = f"the verifier key {vkey!r} names key ID {hex_id}, its key has {actual}"
            raise InvalidVerifierKey(message)
        return verifier

    def vkey(self) -> str:
        """Return the verifier key string."""
        encoded = base64.b64encode(ED25519_TYPE + self.public_key.public_bytes_raw()).decode(
            "ascii"
        )
        return f"{self.name}+{self.key_id.hex()}+{encoded}"


def verifier_key(key_name: str, public_key: Ed25519PublicKey) -> str:
    """Return the verifier key string of an Ed25519 public key under ``key_name``."""
    return Verifier.from_public_key(key_name, public_key).vkey()


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: the key name, the key ID and the signature bytes."""

    name: str
    key_id: bytes
    signature: bytes


@dataclass(frozen=True)
class Note:
    """A parsed, not yet verified, note: its text and its signatures."""

    text: str
    signatures: tuple[NoteSignature, ...]


def _parse_signature_line(number: int, line: str) -> NoteSignature:
    """Parse signature line ``number`` (from 1) of a note."""
    prefix = EM_DASH + " "
    name, _, encoded = line.removeprefix(prefix).partition(" ")
    data = _b64decode(encoded)
    if not line.startswith(prefix):
        problem = "does not start with an em dash (U+2014) and a space"
    elif key_name_problem(name) is not None or " " in encoded:
        problem = "is not '— <key name> <base64 signature>'"
    elif data is None:
        problem = "does not end in a signature in canonical base64"
    elif len(data) <= KEY_ID_SIZE:
        problem = "holds a key ID but no signature"
    else:
        return NoteSignature(name, data[:KEY_ID_SIZE], data[KEY_ID_SIZE:])
    message = f"signature line {number} {problem}"
    raise MalformedNote(message)


def _split(text: str) -> tuple[str, list[str]]:
    """Split a note into its text and its signature lines, refusing a broken envelope."""
    if not text.endswith("\n"):
        message = "the note does not end in a newline: its last signature line must end in one"
        raise MalformedNote(message)
    control = next((char for char in text if char < " " and char != "\n"), None)
    if control is not None:
        message = f"the note holds the control character U+{ord(control):04X}"
        raise MalformedNote(message)
    separator = text.rfind("\n\n")
    if separator < 0:
        message = "the note has no blank line between its text and its signatures"
        raise MalformedNote(message)
    lines = text[separator + 2 : -1].split("\n")
    if lines == [""]:
        message = "the note has no signature lines after its blank line"
        raise MalformedNote(message)
    if len(lines) > MAX_SIGNATURES:
        message = (
            f"the note has {len(lines)} signature lines; at most {MAX_SIGNATURES} are accepted"
        )
        raise MalformedNote(message)
    return text[: separator + 1], lines


def parse_note(data: bytes) -> Note:
    """Parse a signed note's envelope strictly, without checking any signature."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        message = f"the note is not UTF-8 (byte {exc.start} is invalid)"
        raise MalformedNote(message) from exc
    body, lines = _split(text)
    signatures = tuple(_parse_signature_line(n, line) for n, line in enumerate(lines, 1))
    seen: set[tuple[str, bytes]] = set()
    for signature in signatures:
        if (signature.name, signature.key_id) in seen:
            who = f"{signature.name} {signature.key_id.hex()}"
            message = f"the note carries two signatures by the key {who}"
            raise DuplicateSignature(message)
        seen.add((signature.name, signature.key_id))
    return Note(body, signatures)


def trusted_keys(verifiers: Verifiers, required: int) -> dict[tuple[str, bytes], Verifier]:
    """Return the trusted keys by (name, key ID), refusing a set that cannot decide anything."""
    if isinstance(verifiers, Mapping):
        keys = [Verifier.from_public_key(name, key) for name, key in verifiers.items()]
    else:
        vkeys = [verifiers] if isinstance(verifiers, str) else list(verifiers)
        keys = [Verifier.from_vkey(vkey) for vkey in vkeys]
    if not keys:
        message = "no trusted keys were given, so no signature can be checked: pass the log's key"
        raise NoVerifiers(message)
    by_id = {(key.name, key.key_id): key for key in keys}
    if len(by_id) != len(keys):
        message = "the same trusted key is listed twice"
        raise InvalidVerifiers(message)
    if not 1 <= required <= len(keys):
        message = f"required={required} signatures cannot be met by {len(keys)} trusted keys"
        raise InvalidVerifiers(message)
    return by_id


def open_note(data: bytes, verifiers: Verifiers, *, required: int = 1) -> str:
    """Return a note's text once ``required`` distinct trusted keys have verifiably signed it."""
    keys = trusted_keys(verifiers, required)
    note = parse_note(data)
    message_bytes = note.text.encode("utf-8")
    signed: list[str] = []
    for signature in note.signatures:
        key = keys.get((signature.name, signature.key_id))
        if key is None:
            continue
        try:
            key.public_key.verify(signature.signature, message_bytes)
        except InvalidSignature as exc:
            message = f"the signature by {key.name} does not verify: the note was altered or forged"
            raise BadSignature(message) from exc
        signed.append(key.name)
    if len(signed) < required:
        names = ", ".join(sorted({s.name for s in note.signatures}))
        message = (
            f"the note is signed by {len(signed)} of the {required} trusted keys required;"
            f" its signature lines are by: {names}"
        )
        raise UnverifiedCheckpoint(message)
    return note.text


def signature_line(text: str, key_name: str, private_key: Ed25519PrivateKey) -> str:
    """Return the signature line of ``key_name``'s key over ``text``, newline included."""
    problem = key_name_problem(key_name)
    if problem is not None:
        raise InvalidVerifierKey(problem)
    blob = key_id(key_name, private_key.public_key()) + private_key.sign(text.encode("utf-8"))
    return f"{EM_DASH} {key_name} {base64.b64encode(blob).decode('ascii')}\n"


def sign_note(text: str, key_name: str, private_key: Ed25519PrivateKey) -> bytes:
    r"""Return ``text`` signed as a note; the text must end in a newline.

    >>> key = Ed25519PrivateKey.from_private_bytes(bytes(32))
    >>> sign_note("hello\n", "example.org/ledger", key).decode().splitlines()[:2]
    ['hello', '']
    """
    if not text.endswith("\n") or any(char < " " and char != "\n" for char in text):
        message = "a note's text must end in a newline and hold no other control characters"
        raise MalformedNote(message)
    return (text + "\n" + signature_line(text, key_name, private_key)).encode("utf-8")


def add_signature(data: bytes, key_name: str, private_key: Ed25519PrivateKey) -> bytes:
    """Return the note with one more signature line, by ``key_name``'s key, over the same text."""
    note = parse_note(data)
    new_id = key_id(key_name, private_key.public_key())
    if any((s.name, s.key_id) == (key_name, new_id) for s in note.signatures):
        message = f"the note already carries a signature by {key_name}"
        raise DuplicateSignature(message)
    return data + signature_line(note.text, key_name, private_key).encode("utf-8")
