r"""Canonical JSON for ledger entries: one byte string per value, so one leaf hash per entry.

An entry (情報提供等記録, a record of an information exchange) is a JSON object written in exactly
one way before it is hashed into the ledger:

* UTF-8, with no byte order mark and no whitespace between tokens;
* object keys are strings, unique, sorted by their UTF-16 code units (as RFC 8785, JCS, sorts);
* strings escape only ``"``, ``\`` and the control characters, these as ``\b \t \n \f \r`` or
  ``\u00xx`` (lowercase hex); everything else, Japanese text included, is written as itself;
* numbers are integers within JavaScript's safe range, +-(2**53 - 1): no floats, no exponents, no
  NaN or infinities -- write amounts in yen and dates as strings;
* ``true``, ``false`` and ``null``; arrays and objects nested at most ``MAX_DEPTH`` deep.

For values of this kind the bytes are the RFC 8785 canonical form, so a verifier written with a
JCS library elsewhere (a browser, another language) rebuilds them byte for byte.

>>> canonical_json({"b": 1, "a": [True, None, "x"]})
b'{"a":[true,null,"x"],"b":1}'
>>> canonical_json({"種別": "照会"}).decode()
'{"種別":"照会"}'
>>> parse_entry(b'{"a":1}')
{'a': 1}
"""

import json
from collections.abc import Mapping
from typing import Any, TypeAlias

from mynumber.ledger.exceptions import MalformedEntry

#: The largest integer an entry may hold, and minus it the smallest: JavaScript's safe integers.
MAX_INTEGER = 2**53 - 1

#: How deeply arrays and objects may nest.
MAX_DEPTH = 32

#: What to call a decoded JSON value that is not an object.
_KINDS: dict[type, str] = {
    list: "an array",
    str: "a string",
    int: "a number",
    bool: "true or false",
    type(None): "null",
}

_JSON: TypeAlias = bool | int | str | list["_JSON"] | dict[str, "_JSON"] | None


def _text(value: str) -> str:
    """Return ``value`` as a plain ``str``, refusing lone surrogates that UTF-8 cannot carry."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        message = f"the text {value!r} holds a lone surrogate, which UTF-8 cannot encode"
        raise MalformedEntry(message) from exc
    return str.__str__(value)


def _utf16_order(key: str) -> bytes:
    """Sort key ordering strings by UTF-16 code units, as RFC 8785 does."""
    return key.encode("utf-16-be")


def _object(value: Mapping[object, object], depth: int) -> dict[str, _JSON]:
    """Return a mapping's members normalised and in canonical key order."""
    members: dict[str, object] = {}
    for key, member in value.items():
        if not isinstance(key, str):
            message = f"object keys must be strings, not {type(key).__name__} ({key!r})"
            raise MalformedEntry(message)
        members[_text(key)] = member
    return {key: _normalise(members[key], depth + 1) for key in sorted(members, key=_utf16_order)}


def _integer(value: int) -> int:
    """Return ``value`` as a plain ``int``, refusing integers outside the safe range."""
    if not -MAX_INTEGER <= value <= MAX_INTEGER:
        message = f"the integer {value} is outside +-(2**53 - 1); write it as a string"
        raise MalformedEntry(message)
    return int(value)


def _normalise(value: object, depth: int) -> _JSON:
    """Return ``value`` as plain JSON types with objects in canonical order, or refuse it."""
    if depth > MAX_DEPTH:
        message = f"the value is nested more than {MAX_DEPTH} deep"
        raise MalformedEntry(message)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return _integer(value)
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, float):
        message = f"floats are not allowed ({value!r}): write amounts as integers, or as strings"
        raise MalformedEntry(message)
    if isinstance(value, list | tuple):
        return [_normalise(item, depth + 1) for item in value]
    if isinstance(value, Mapping):
        return _object(value, depth)
    message = (
        f"a {type(value).__name__} cannot go into an entry: use objects, arrays, strings, "
        "integers, true, false or null"
    )
    raise MalformedEntry(message)


def canonical_json(value: object) -> bytes:
    """Return the canonical JSON bytes of ``value``, or raise :class:`MalformedEntry`.

    >>> canonical_json(1.5)
    Traceback (most recent call last):
    ...
    mynumber.ledger.exceptions.MalformedEntry: floats are not allowed (1.5): ...
    """
    normal = _normalise(value, 0)
    text = json.dumps(normal, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.encode("utf-8")


def _refuse_float(text: str) -> float:
    """Refuse a JSON number with a fraction or an exponent."""
    message = f"the number {text} is not an integer: entries hold integers only"
    raise MalformedEntry(message)


def _refuse_constant(text: str) -> float:
    """Refuse NaN, Infinity and -Infinity, which are not JSON."""
    message = f"{text} is not a JSON value"
    raise MalformedEntry(message)


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Build an object, refusing a key that appears twice."""
    members: dict[str, Any] = {}
    for key, value in pairs:
        if key in members:
            message = f"the key {key!r} appears twice in one object"
            raise MalformedEntry(message)
        members[key] = value
    return members


def _decode(data: bytes) -> object:
    """Decode JSON strictly: UTF-8, unique keys, integers only."""
    try:
        text = data.decode("utf-8")
        return json.loads(
            text,
            object_pairs_hook=_unique_members,
            parse_float=_refuse_float,
            parse_constant=_refuse_constant,
        )
    except MalformedEntry:
        raise
    except UnicodeDecodeError as exc:
        message = f"the entry is not UTF-8 (byte {exc.start} is invalid)"
        raise MalformedEntry(message) from exc
    except json.JSONDecodeError as exc:
        message = f"the entry is not JSON: {exc.msg} at character {exc.pos}"
        raise MalformedEntry(message) from exc
    except (ValueError, RecursionError) as exc:
        message = f"the entry is not JSON this ledger can hold: {exc}"
        raise MalformedEntry(message) from exc


def parse_entry(data: bytes) -> dict[str, Any]:
    """Return the JSON object ``data`` encodes, refusing anything not in canonical form.

    >>> parse_entry(b'{"b":1, "a":2}')
    Traceback (most recent call last):
    ...
    mynumber.ledger.exceptions.MalformedEntry: the entry is not in canonical form: ... at byte 2 ...
    """
    value = _decode(data)
    if not isinstance(value, dict):
        message = f"an entry is a JSON object, not {_KINDS.get(type(value), 'that')}"
        raise MalformedEntry(message)
    canonical = canonical_json(value)
    if canonical != data:
        at = next(
            (i for i, (a, b) in enumerate(zip(canonical, data, strict=False)) if a != b),
            min(len(canonical), len(data)),
        )
        message = (
            f"the entry is not in canonical form: it differs from {canonical[:80]!r} at byte {at}"
            " (keys sorted, no spaces, minimal escapes); re-encode it with canonical_json"
        )
        raise MalformedEntry(message)
    return value
