"""What the ledger accepts as an entry, and keeping Individual Numbers out of it.

:func:`prepare_entry` admits an entry: a JSON object with a ``kind`` and the person's
``disclosure_code``, canonical JSON of at most 64 KiB, holding nothing that looks like a number.

The number never sits in the ledger (docs/architecture.md, "What never happens"): entries name the
person by a disclosure code (開示システム用符号). This check is the net under that rule, for the
mistake of a caller who copies a number into an entry; it looks at every key and every value:

* an integer of exactly 12 digits;
* a string holding a run of exactly 12 digits -- not part of a longer run -- written straight
  (``621498320257``) or in three groups of four split by a space or a hyphen (``6214 9832 0257``),
  full-width digits (``６２１４…``) and separators included.

The check digit is not consulted: a mistyped number is still a number. Two kinds of string are
not numbers whatever digits they hold, and are let through whole: a well-formed per-body or
disclosure code (26 characters of Crockford base32, :mod:`mynumber.network.codes`), and a hash
written as lowercase hexadecimal of at least 32 characters. Times are written in ISO 8601 with
separators (``2026-11-26T09:30:00+09:00``), never as twelve digits in a row.

>>> number_path({"kind": "query", "who": "6214 9832 0257"})
'$.who'
>>> number_path({"amount": 120000, "on": "2026-11-26"}) is None
True
"""

import re
import unicodedata
from collections.abc import Iterator, Mapping
from typing import Final

from mynumber.ledger.entries import canonical_json
from mynumber.ledger.exceptions import MalformedEntry
from mynumber.network.codes import is_well_formed_code

__all__ = [
    "MAX_ENTRY_BYTES",
    "MAX_KIND_LENGTH",
    "EntryTooLarge",
    "NumberInEntry",
    "number_path",
    "prepare_entry",
    "refuse_numbers",
]

#: The largest entry, in canonical bytes: an entry records an exchange, it does not carry data.
MAX_ENTRY_BYTES: Final = 64 * 1024
#: The longest ``kind`` an entry may have.
MAX_KIND_LENGTH: Final = 64

#: Twelve digits, alone or as three groups of four, not inside a longer run of digits.
_NUMBER_LIKE: Final = re.compile(r"(?<!\d)\d{4}([ \-]?)\d{4}\1\d{4}(?!\d)")
#: A hash in lowercase hexadecimal: what entries use to commit to data they do not hold.
_HEX_DIGEST: Final = re.compile(r"[0-9a-f]{32,}")
_SMALLEST, _LARGEST = 10**11, 10**12 - 1


class EntryTooLarge(MalformedEntry):
    """An entry is larger than the ledger accepts."""

    code = "entry-too-large"


class NumberInEntry(MalformedEntry):
    """An entry holds something that looks like an Individual Number; the ledger never does."""

    code = "number-in-entry"


def _looks_like_number(text: str) -> bool:
    """Say whether ``text`` holds twelve digits in a row (or in groups of four)."""
    if is_well_formed_code(text) or _HEX_DIGEST.fullmatch(text):
        return False
    normal = unicodedata.normalize("NFKC", text)
    return _NUMBER_LIKE.search(normal) is not None


def _is_number_like(value: object) -> bool:
    """Say whether a scalar looks like a number: a 12-digit integer, or text holding one."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return _SMALLEST <= abs(value) <= _LARGEST
    return isinstance(value, str) and _looks_like_number(value)


def _children(value: object, path: str) -> Iterator[tuple[str, object]]:
    """Yield the members of an object or array with their JSONPaths."""
    if isinstance(value, Mapping):
        for key, member in value.items():
            yield (f"{path}.{key}" if isinstance(key, str) else path), member
    elif isinstance(value, list | tuple):
        for position, item in enumerate(value):
            yield f"{path}[{position}]", item


def number_path(value: object, path: str = "$") -> str | None:
    """Return the JSONPath of the first key or value that looks like a number, or None.

    A key that looks like one is reported by the path of its object, never by its text.
    """
    if _is_number_like(value):
        return path
    if isinstance(value, Mapping) and any(_is_number_like(key) for key in value):
        return f"{path} (a key)"
    for where, child in _children(value, path):
        found = number_path(child, where)
        if found is not None:
            return found
    return None


def refuse_numbers(value: object) -> None:
    """Raise :class:`NumberInEntry` if anything in ``value`` looks like an Individual Number.

    The message names where, never what: the value may be someone's number.

    >>> refuse_numbers({"note": "番号は621498320257"})
    Traceback (most recent call last):
    ...
    mynumber.ledger.screening.NumberInEntry: the entry holds 12 digits in a row at $.note, ...
    """
    where = number_path(value)
    if where is not None:
        message = (
            f"the entry holds 12 digits in a row at {where}, which looks like an Individual "
            "Number; the ledger never holds one: name the person by the disclosure code"
        )
        raise NumberInEntry(message)


def prepare_entry(entry: object) -> tuple[bytes, str, str]:
    """Return an entry's canonical bytes, kind and disclosure code, or refuse it."""
    if not isinstance(entry, Mapping):
        message = "an entry is a JSON object with a `kind` and a `disclosure_code`"
        raise MalformedEntry(message)
    refuse_numbers(entry)
    kind, code = entry.get("kind"), entry.get("disclosure_code")
    if not isinstance(kind, str) or not 1 <= len(kind) <= MAX_KIND_LENGTH:
        message = f"an entry needs `kind`: a string of 1 to {MAX_KIND_LENGTH} characters"
        raise MalformedEntry(message)
    if not isinstance(code, str) or not is_well_formed_code(code):
        message = (
            "an entry needs `disclosure_code`: the person's disclosure code, 26 characters "
            "exactly as the hub issued it"
        )
        raise MalformedEntry(message)
    data = canonical_json(entry)
    if len(data) > MAX_ENTRY_BYTES:
        message = f"the entry is {len(data)} bytes; the ledger takes at most {MAX_ENTRY_BYTES}"
        raise EntryTooLarge(message)
    return data, kind, code
