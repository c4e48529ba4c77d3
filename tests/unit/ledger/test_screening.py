"""What the ledger admits: numbers are kept out, and codes, hashes, times and amounts let in."""

import hashlib

import pytest

from mynumber.ledger.exceptions import MalformedEntry
from mynumber.ledger.screening import (
    EntryTooLarge,
    NumberInEntry,
    number_path,
    prepare_entry,
    refuse_numbers,
)

CODE = "0123456789ABCDEFGHJKMNPQRS"


@pytest.mark.parametrize(
    ("value", "where"),
    [
        ("621498320257", "$"),
        ({"a": {"b": ["x", "tel 6214 9832 0257"]}}, "$.a.b[1]"),
        ({"a": "6214-9832-0257"}, "$.a"),
        ({"a": "６２１４９８３２０２５７"}, "$.a"),
        ({"a": 621498320257}, "$.a"),
        ({"a": -621498320257}, "$.a"),
        ({"x": {"621498320257": 1}}, "$.x (a key)"),
        (["abc621498320257def"], "$[0]"),
    ],
)
def test_anything_like_a_number_is_found_by_its_path(value: object, where: str) -> None:
    """Twelve digits, straight, grouped, full-width, as an integer or a key, are found."""
    assert number_path(value) == where
    with pytest.raises(NumberInEntry) as refused:
        refuse_numbers(value)
    assert "6214" not in str(refused.value)


@pytest.mark.parametrize(
    "value",
    [
        {"code": CODE},
        {"code": "ABCDEFGHJKMN621498320257PQ"},  # a code may hold twelve digits by chance
        {"hash": hashlib.sha256(b"x").hexdigest()},
        {"at": "2026-11-27T09:30:00+09:00"},
        {"corporate": "1234567890123"},  # 13 digits: a corporate number (法人番号)
        {"short": "12345678901"},
        {"amount": 12_000_000, "flag": True, "none": None},
        {"id": "6214 98320257"},  # not a 4-4-4 grouping
    ],
)
def test_codes_hashes_times_and_amounts_pass(value: object) -> None:
    """Values that only contain digits are not numbers: none of these is refused."""
    assert number_path(value) is None


def test_prepare_entry_gives_canonical_bytes_kind_and_code() -> None:
    """An admitted entry comes back as its canonical bytes, its kind and its code."""
    data, kind, code = prepare_entry({"kind": "exchange", "disclosure_code": CODE, "b": [1]})
    assert data == b'{"b":[1],"disclosure_code":"' + CODE.encode() + b'","kind":"exchange"}'
    assert (kind, code) == ("exchange", CODE)


@pytest.mark.parametrize(
    ("entry", "error"),
    [
        ([1], MalformedEntry),
        ({"kind": "", "disclosure_code": CODE}, MalformedEntry),
        ({"kind": "k" * 65, "disclosure_code": CODE}, MalformedEntry),
        ({"kind": "exchange", "disclosure_code": CODE.lower()}, MalformedEntry),
        ({"kind": "exchange", "disclosure_code": "621498320257"}, NumberInEntry),
        ({"kind": "exchange", "disclosure_code": CODE, "x": "y" * 65_536}, EntryTooLarge),
    ],
)
def test_prepare_entry_refuses_what_the_ledger_does_not_take(
    entry: object, error: type[MalformedEntry]
) -> None:
    """A non-object, a bad kind or code, a number, or too many bytes is refused."""
    with pytest.raises(error):
        prepare_entry(entry)
