"""Canonical JSON entries: one byte string per value, and every other spelling refused."""

import json
import random
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mynumber.ledger.entries import MAX_DEPTH, MAX_INTEGER, canonical_json, parse_entry
from mynumber.ledger.exceptions import MalformedEntry

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-MAX_INTEGER, MAX_INTEGER)
    | st.text(st.characters(exclude_categories=["Cs"]))
)
values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(st.characters(exclude_categories=["Cs"])), children, max_size=4)
    ),
    max_leaves=20,
)
entries = st.dictionaries(st.text(st.characters(exclude_categories=["Cs"])), values, max_size=6)


@given(entries)
def test_canonical_json_round_trips_through_parse_entry(entry: dict[str, Any]) -> None:
    """Any entry encodes to bytes that parse back to an equal entry."""
    assert parse_entry(canonical_json(entry)) == entry


@given(entries, st.randoms(use_true_random=False))
def test_key_insertion_order_does_not_change_the_bytes(
    entry: dict[str, Any], shuffler: random.Random
) -> None:
    """The same members inserted in another order encode to the same bytes."""
    keys = list(entry)
    shuffler.shuffle(keys)
    assert canonical_json({key: entry[key] for key in keys}) == canonical_json(entry)


@given(entries.filter(bool))
def test_indented_json_of_any_entry_is_refused(entry: dict[str, Any]) -> None:
    """The same entry written with insignificant whitespace is refused as not canonical."""
    spaced = json.dumps(entry, indent=1, sort_keys=True, ensure_ascii=False).encode()
    with pytest.raises(MalformedEntry, match="not in canonical form"):
        parse_entry(spaced)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"b": 1, "a": [True, False, None]}, b'{"a":[true,false,null],"b":1}'),
        ({"x": '\n\t\x01"\\/'}, b'{"x":"\\n\\t\\u0001\\"\\\\/"}'),
        ({"照会": "住所"}, '{"照会":"住所"}'.encode()),
        ({"\ue000": 1, "\U0001f600": 2}, '{"\U0001f600":2,"\ue000":1}'.encode()),
        ((1, -MAX_INTEGER), b"[1,-9007199254740991]"),
    ],
    ids=["sorted", "escapes", "japanese", "utf16-order", "tuple"],
)
def test_canonical_json_known_answers(value: object, expected: bytes) -> None:
    """Keys sort by UTF-16 code units, only necessary escapes, no spaces, as RFC 8785 writes."""
    assert canonical_json(value) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ({"amount": 1.5}, "floats are not allowed"),
        ({"amount": 1.0}, "floats are not allowed"),
        ({"x": float("nan")}, "floats are not allowed"),
        ({1: "a"}, "keys must be strings, not int"),
        ({None: "a"}, "keys must be strings, not NoneType"),
        ({"x": MAX_INTEGER + 1}, "outside"),
        ({"x": b"bytes"}, "a bytes cannot go into an entry"),
        ({"x": {1, 2}}, "a set cannot go into an entry"),
        ({"x": "\ud800"}, "lone surrogate"),
        ({"\udfff": 1}, "lone surrogate"),
    ],
)
def test_canonical_json_refuses_what_json_cannot_say_one_way(value: object, reason: str) -> None:
    """Floats, NaN, non-string keys, huge integers, other types and lone surrogates are refused."""
    with pytest.raises(MalformedEntry, match=reason):
        canonical_json(value)


def test_nesting_deeper_than_the_limit_is_refused() -> None:
    """A value nested more than MAX_DEPTH deep is refused both ways."""
    deep: object = "leaf"
    for _ in range(MAX_DEPTH + 1):
        deep = [deep]
    with pytest.raises(MalformedEntry, match="nested more than"):
        canonical_json({"x": deep})
    with pytest.raises(MalformedEntry):
        parse_entry(b'{"x":' + b"[" * 100_000 + b"]" * 100_000 + b"}")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b'{"b":1,"a":2}', "not in canonical form"),
        (b'{"a": 1}', "not in canonical form"),
        (b'{"a":1}\n', "not in canonical form"),
        (b'{"a":"\\u3042"}', "not in canonical form"),
        (b'{"a":"\\/"}', "not in canonical form"),
        (b'{"a":-0}', "not in canonical form"),
        (b'{"a":1.0}', "not an integer"),
        (b'{"a":1e3}', "not an integer"),
        (b'{"a":NaN}', "NaN is not a JSON value"),
        (b'{"a":Infinity}', "Infinity is not a JSON value"),
        (b'{"a":1,"a":1}', "appears twice"),
        (b'{"a":9007199254740992}', "outside"),
        (b"\xef\xbb\xbf{}", "not JSON"),
        (b'{"a":"\xff"}', "not UTF-8"),
        (b'{"a":', "not JSON"),
        (b"[1,2]", "not an array"),
        (b'"text"', "not a string"),
        (b"null", "not null"),
    ],
)
def test_parse_entry_refuses_anything_not_canonical(data: bytes, reason: str) -> None:
    """Each other spelling of an entry raises MalformedEntry saying what is wrong."""
    with pytest.raises(MalformedEntry, match=reason):
        parse_entry(data)
