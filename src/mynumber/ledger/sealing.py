"""Sealed ledger entries: police access recorded so that only the oversight commission can read it.

Police investigative access (捜査機関による照会) goes into the exchange ledger like any exchange,
but sealed: the entry's body is encrypted to the oversight commission's X25519 public key, and only
its outer fields stay readable -- the person's disclosure code, the body that asked (``requester``,
a body id), when (``at``, UTC, and its ``month``) and the date it may be opened (``unseal_on``).
The leaf hashes all of them and the ciphertext, so the count of sealed entries per body per month
is public (:func:`count_sealed`) and the body cannot be swapped later. A sealed entry::

    {"kind": "sealed", "disclosure_code": "...", "requester": "police-tokyo",
     "at": "2026-11-27T00:30:00Z", "month": "2026-11", "unseal_on": "2027-11-27",
     "sealed": {"alg": "X25519-HKDF-SHA256-AES-256-GCM",
                "ephemeral_key": "...", "nonce": "...", "ciphertext": "..."}}

The encryption is the ECIES shape of HPKE's base mode (RFC 9180) without its framing: a fresh
ephemeral X25519 key per entry (RFC 7748); HKDF-SHA256 (RFC 5869) of the shared secret, salt =
ephemeral public key || recipient public key, info ``b"mynumber/sealed-entry/v1"``, gives the
AES-256-GCM key; the 96-bit nonce is random; the plaintext is the canonical JSON of the body and
the associated data the canonical JSON of the outer fields (``kind`` to ``unseal_on``), so an
entry whose requester, dates or person were changed no longer opens. Binary fields are base64url
without padding (RFC 4648, section 5).

The body is screened for Individual Numbers before it is encrypted (:mod:`.screening`): once
sealed, nobody but the commission could see one. Randomness comes from ``random_bytes``
(``os.urandom`` unless a test hands in its own).
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from mynumber.ledger.entries import canonical_json, parse_entry
from mynumber.ledger.exceptions import LedgerError, MalformedEntry, StillSealed, UnsealFailed
from mynumber.ledger.screening import number_path, prepare_entry, refuse_numbers
from mynumber.network.codes import is_well_formed_code

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

__all__ = [
    "ALGORITHM",
    "SEALED_KIND",
    "UNSEALING_ZONE",
    "SealedCount",
    "SealedEntry",
    "count_sealed",
    "is_sealed",
    "read_sealed",
    "seal_entry",
    "unseal_entry",
]

#: The ``kind`` of a sealed entry.
SEALED_KIND: Final = "sealed"
#: The one sealing algorithm, named in every sealed entry so that a later one can be told apart.
ALGORITHM: Final = "X25519-HKDF-SHA256-AES-256-GCM"
#: Unsealing dates are calendar dates in Japan: an entry opens at midnight Japan time (UTC+9).
UNSEALING_ZONE: Final = timezone(timedelta(hours=9), "JST")
#: HKDF's info: binds the key to this use and version.
INFO: Final = b"mynumber/sealed-entry/v1"
#: How many times a seal is redrawn before the randomness itself is blamed (see seal_entry).
MAX_ATTEMPTS: Final = 8

_NONCE_BYTES: Final = 12
_KEY_BYTES: Final = 32
_TAG_BYTES: Final = 16
_RAW: Final = serialization.Encoding.Raw, serialization.PublicFormat.Raw
_OUTER: Final = ("kind", "disclosure_code", "requester", "at", "month", "unseal_on")
_SEALED: Final = frozenset({"alg", "ephemeral_key", "nonce", "ciphertext"})
#: Body ids are node ids, as in mynumber.network.codes: lower-case letters, digits, inner hyphens.
_BODY_ID: Final = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")
_AT: Final = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
_DAY: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
_BASE64URL: Final = re.compile(r"[A-Za-z0-9_-]*")


@dataclass(frozen=True)
class SealedCount:
    """How many sealed entries one body (``requester``) made in one month (``YYYY-MM``)."""

    requester: str
    month: str
    count: int


@dataclass(frozen=True)
class SealedEntry:
    """A sealed entry read and checked: its outer fields, and its sealed part decoded."""

    outer: dict[str, str]
    unseal_on: date
    ephemeral_key: bytes
    nonce: bytes
    ciphertext: bytes

    @property
    def associated_data(self) -> bytes:
        """Return what the ciphertext is bound to: the canonical JSON of the outer fields."""
        return canonical_json(self.outer)


def is_sealed(entry: object) -> bool:
    """Say whether ``entry`` claims to be sealed (its ``kind`` is ``sealed``); never raises.

    >>> is_sealed({"kind": "sealed"}), is_sealed({"kind": "exchange"}), is_sealed(["sealed"])
    (True, False, False)
    """
    return isinstance(entry, Mapping) and entry.get("kind") == SEALED_KIND


def _b64(data: bytes) -> str:
    """Return ``data`` in base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: object, field: str) -> bytes:
    """Decode a base64url field written without padding, refusing any other spelling."""
    if isinstance(text, str) and _BASE64URL.fullmatch(text):
        try:
            data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        except (binascii.Error, ValueError):
            data = None
        if data is not None and _b64(data) == text:
            return data
    message = f"the sealed entry's `{field}` is not base64url without padding"
    raise MalformedEntry(message)


def _aead_key(shared: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
    """Derive the AES-256-GCM key from an X25519 shared secret and the two public keys."""
    hkdf = HKDF(hashes.SHA256(), _KEY_BYTES, salt=ephemeral + recipient, info=INFO)
    return hkdf.derive(shared)


def _outer_fields(
    disclosure_code: str, requester: str, unseal_on: date, at: datetime
) -> dict[str, str]:
    """Return a sealed entry's outer fields, refusing any that cannot go into the ledger."""
    if not is_well_formed_code(disclosure_code):
        message = "a sealed entry needs the person's disclosure code, 26 characters as issued"
        raise MalformedEntry(message)
    if not _BODY_ID.fullmatch(requester):
        message = f"the requester {requester!r} is not a body id (lower-case letters, digits, -)"
        raise MalformedEntry(message)
    if at.tzinfo is None or at.utcoffset() is None:
        message = "`at` has no time zone: give an aware datetime, e.g. in UTC or JST"
        raise MalformedEntry(message)
    if isinstance(unseal_on, datetime):
        message = "`unseal_on` is a calendar date, not a datetime"
        raise MalformedEntry(message)
    when = at.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"
    outer = {
        "kind": SEALED_KIND,
        "disclosure_code": disclosure_code,
        "requester": requester,
        "at": when,
        "month": when[:7],
        "unseal_on": unseal_on.isoformat(),
    }
    refuse_numbers(outer)
    return outer


def _encrypt(
    plaintext: bytes, outer: dict[str, str], recipient: X25519PublicKey, draw: bytes
) -> dict[str, str]:
    """Seal ``plaintext`` to ``recipient`` with one draw of randomness; return the sealed part."""
    ephemeral = X25519PrivateKey.from_private_bytes(draw[:_KEY_BYTES])
    nonce = draw[_KEY_BYTES:]
    ephemeral_public = ephemeral.public_key().public_bytes(*_RAW)
    key = _aead_key(ephemeral.exchange(recipient), ephemeral_public, recipient.public_bytes(*_RAW))
    ciphertext = AESGCM(key).encrypt(nonce, plaintext, canonical_json(outer))
    return {
        "alg": ALGORITHM,
        "ephemeral_key": _b64(ephemeral_public),
        "nonce": _b64(nonce),
        "ciphertext": _b64(ciphertext),
    }


def seal_entry(  # noqa: PLR0913 -- the entry's fields, by keyword, and the randomness seam
    body: Mapping[str, object],
    recipient: X25519PublicKey,
    *,
    disclosure_code: str,
    requester: str,
    unseal_on: date,
    at: datetime,
    random_bytes: Callable[[int], bytes] = os.urandom,
) -> dict[str, object]:
    """Return a sealed ledger entry carrying ``body`` encrypted to ``recipient``.

    ``body`` must be an entry's worth of canonical JSON holding nothing like a number; a
    :class:`MalformedEntry` (:class:`.NumberInEntry` for a number) is raised before anything is
    encrypted. The result passes :func:`.prepare_entry`, ready for ``LedgerService.append``.
    """
    refuse_numbers(body)
    plaintext = canonical_json(body)
    outer = _outer_fields(disclosure_code, requester, unseal_on, at)
    # base64url has ten digits and '-' among its 64 characters, so an encoded key, nonce or
    # ciphertext can hold twelve digits in a row (or 4-4-4 split by '-') by chance, about once
    # in 5 * 10**9 characters. The ledger would refuse that entry as holding a number, so such a
    # draw is thrown away and the body sealed again under a fresh ephemeral key and nonce.
    for _ in range(MAX_ATTEMPTS):
        sealed = _encrypt(plaintext, outer, recipient, random_bytes(_KEY_BYTES + _NONCE_BYTES))
        if number_path(sealed) is None:
            entry: dict[str, object] = {**outer, "sealed": sealed}
            prepare_entry(entry)  # the size limit, and the ledger's own check once more
            return entry
    message = (
        f"{MAX_ATTEMPTS} seals in a row looked like they held a number: the random source "
        "is not random; nothing was sealed"
    )
    raise LedgerError(message)


def _outer_of(entry: Mapping[str, object]) -> dict[str, str]:
    """Return the outer fields of a sealed entry, checked, or refuse the entry."""
    if set(entry) != {*_OUTER, "sealed"}:
        fields = ", ".join(f"`{name}`" for name in (*_OUTER, "sealed"))
        message = f"a sealed entry has exactly the fields {fields}"
        raise MalformedEntry(message)
    outer = {name: entry[name] for name in _OUTER}
    texts = {name: value for name, value in outer.items() if isinstance(value, str)}
    at, month, day = texts.get("at", ""), texts.get("month", ""), texts.get("unseal_on", "")
    if (
        len(texts) != len(_OUTER)
        or not _BODY_ID.fullmatch(texts["requester"])
        or not is_well_formed_code(texts["disclosure_code"])
        or not _AT.fullmatch(at)
        or month != at[:7]
        or not _DAY.fullmatch(day)
    ):
        message = (
            "a sealed entry's outer fields are malformed: `requester` a body id, `at` as "
            "YYYY-MM-DDTHH:MM:SSZ, `month` its YYYY-MM, `unseal_on` as YYYY-MM-DD"
        )
        raise MalformedEntry(message)
    return texts


def read_sealed(entry: Mapping[str, object]) -> SealedEntry:
    """Return a sealed entry's outer fields and sealed part, or raise :class:`MalformedEntry`."""
    if not is_sealed(entry):
        message = f"the entry's kind is {entry.get('kind')!r}, not 'sealed': it is not sealed"
        raise MalformedEntry(message)
    outer = _outer_of(entry)
    sealed = entry["sealed"]
    if not isinstance(sealed, Mapping) or set(sealed) != _SEALED or sealed["alg"] != ALGORITHM:
        message = f"a sealed entry's `sealed` holds `alg` ({ALGORITHM}), `ephemeral_key`, "
        message += "`nonce` and `ciphertext`, and nothing else"
        raise MalformedEntry(message)
    try:
        unseal_on = date.fromisoformat(outer["unseal_on"])
        datetime.fromisoformat(outer["at"])
    except ValueError as exc:
        message = "a sealed entry's `at` or `unseal_on` is not a real date"
        raise MalformedEntry(message) from exc
    parts = {name: _unb64(sealed[name], name) for name in ("ephemeral_key", "nonce", "ciphertext")}
    if (
        len(parts["ephemeral_key"]) != _KEY_BYTES
        or len(parts["nonce"]) != _NONCE_BYTES
        or len(parts["ciphertext"]) < _TAG_BYTES
    ):
        message = "a sealed entry's key, nonce or ciphertext has the wrong length"
        raise MalformedEntry(message)
    return SealedEntry(outer, unseal_on, **parts)


def unseal_entry(
    entry: Mapping[str, object], private_key: X25519PrivateKey, *, today: date | None = None
) -> dict[str, object]:
    """Return the body of a sealed entry, opened with the oversight commission's key.

    With ``today``, an entry whose unsealing date has not come is refused (:class:`StillSealed`)
    before anything is decrypted. Another key, or an altered ciphertext or outer field, raises
    :class:`UnsealFailed`; an entry that is not a well-formed sealed entry, :class:`MalformedEntry`.
    """
    sealed = read_sealed(entry)
    if today is not None and today < sealed.unseal_on:
        message = (
            f"the entry is sealed until {sealed.unseal_on.isoformat()}: it can be opened on "
            "that day or later"
        )
        raise StillSealed(message)
    recipient = private_key.public_key().public_bytes(*_RAW)
    try:
        shared = private_key.exchange(X25519PublicKey.from_public_bytes(sealed.ephemeral_key))
        key = _aead_key(shared, sealed.ephemeral_key, recipient)
        plaintext = AESGCM(key).decrypt(sealed.nonce, sealed.ciphertext, sealed.associated_data)
    except (InvalidTag, ValueError) as exc:
        message = (
            "the sealed entry does not open with this key: it was sealed to another key, or its "
            "ciphertext or outer fields were altered"
        )
        raise UnsealFailed(message) from exc
    return parse_entry(plaintext)


def count_sealed(entries: Iterable[bytes]) -> list[SealedCount]:
    """Count sealed entries (canonical bytes) by requester and month, sorted by month, requester.

    Entries that are not well-formed sealed entries are not counted: nothing says who made
    them or when.
    """
    counts: Counter[tuple[str, str]] = Counter()
    for data in entries:
        try:
            sealed = read_sealed(parse_entry(data))
        except MalformedEntry:
            continue
        counts[sealed.outer["month"], sealed.outer["requester"]] += 1
    return [
        SealedCount(requester=requester, month=month, count=count)
        for (month, requester), count in sorted(counts.items())
    ]
