"""Sealed entries: only the commission's key opens them, after their date, and nothing leaks."""

from __future__ import annotations

import base64
import copy
import itertools
from datetime import UTC, date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from hypothesis import assume, given
from hypothesis import strategies as st

from mynumber.ledger.entries import MAX_INTEGER, canonical_json
from mynumber.ledger.exceptions import LedgerError, MalformedEntry, StillSealed, UnsealFailed
from mynumber.ledger.screening import NumberInEntry, number_path, prepare_entry
from mynumber.ledger.sealing import (
    ALGORITHM,
    MAX_ATTEMPTS,
    SealedCount,
    count_sealed,
    is_sealed,
    read_sealed,
    seal_entry,
    unseal_entry,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

CODE = "0123456789ABCDEFGHJKMNPQRS"
JST = timezone(timedelta(hours=9))
AT = datetime(2026, 11, 27, 8, 30, 15, 123456, tzinfo=JST)
UNSEAL_ON = date(2027, 11, 27)
BODY: dict[str, object] = {
    "case": "令和8年(捜)第77号",
    "officer": "Sergeant Kuroda",
    "asked_for": ["address-history", "employer"],
    "reason": "suspected fraud against the child allowance",
    "pages": 3,
}
RAW = serialization.Encoding.Raw, serialization.PublicFormat.Raw
#: Nonces spelled in base64url as twelve digits in a row, or as 4-4-4 digits split by '-'.
NUMBER_LIKE_SPELLINGS = ["123456789012AAAA", "1234-5678-9012AA"]
NUMBER_LIKE_NONCE = base64.urlsafe_b64decode(NUMBER_LIKE_SPELLINGS[0])


@pytest.fixture(scope="module")
def commission() -> X25519PrivateKey:
    """Return the oversight commission's private key."""
    return X25519PrivateKey.generate()


def _seal(
    recipient: X25519PrivateKey, body: dict[str, object] | None = None, **changes: Any
) -> dict[str, object]:
    """Seal ``body`` (BODY by default) to ``recipient`` with the test's outer fields."""
    fields: dict[str, Any] = {
        "disclosure_code": CODE,
        "requester": "police-tokyo",
        "unseal_on": UNSEAL_ON,
        "at": AT,
        **changes,
    }
    return seal_entry(BODY if body is None else body, recipient.public_key(), **fields)


def _scripted(*draws: bytes) -> Callable[[int], bytes]:
    """Return a random source that hands out ``draws`` in turn, then repeats the last."""
    queue: Iterator[bytes] = itertools.chain(draws, itertools.repeat(draws[-1]))

    def random_bytes(size: int) -> bytes:
        draw = next(queue)
        assert len(draw) == size
        return draw

    return random_bytes


def test_a_sealed_entry_opens_with_the_commission_key(commission: X25519PrivateKey) -> None:
    """The body comes back equal; the outer fields are UTC, to the second, with the month."""
    entry = _seal(commission)
    assert unseal_entry(entry, commission) == BODY
    assert unseal_entry(entry, commission, today=UNSEAL_ON) == BODY
    assert {k: v for k, v in entry.items() if k != "sealed"} == {
        "kind": "sealed",
        "disclosure_code": CODE,
        "requester": "police-tokyo",
        "at": "2026-11-26T23:30:15Z",
        "month": "2026-11",
        "unseal_on": "2027-11-27",
    }
    sealed = entry["sealed"]
    assert isinstance(sealed, dict)
    assert sealed["alg"] == ALGORITHM
    assert not any("=" in sealed[name] for name in ("ephemeral_key", "nonce", "ciphertext"))
    assert is_sealed(entry)
    assert not is_sealed(BODY)


def test_the_construction_matches_its_description(commission: X25519PrivateKey) -> None:
    """Rebuilt from the spec alone -- X25519, HKDF salt eph||recipient, AAD outer -- it agrees."""
    ephemeral_bytes, nonce = bytes(range(32)), bytes(range(100, 112))
    entry = _seal(commission, random_bytes=_scripted(ephemeral_bytes + nonce))
    ephemeral = X25519PrivateKey.from_private_bytes(ephemeral_bytes)
    salt = ephemeral.public_key().public_bytes(*RAW) + commission.public_key().public_bytes(*RAW)
    key = HKDF(hashes.SHA256(), 32, salt=salt, info=b"mynumber/sealed-entry/v1").derive(
        ephemeral.exchange(commission.public_key())
    )
    outer = {k: v for k, v in entry.items() if k != "sealed"}
    expected = AESGCM(key).encrypt(nonce, canonical_json(BODY), canonical_json(outer))

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    assert entry["sealed"] == {
        "alg": ALGORITHM,
        "ephemeral_key": b64(ephemeral.public_key().public_bytes(*RAW)),
        "nonce": b64(nonce),
        "ciphertext": b64(expected),
    }


def test_another_key_does_not_open_it(commission: X25519PrivateKey) -> None:
    """A key the entry was not sealed to is refused."""
    with pytest.raises(UnsealFailed, match="does not open with this key"):
        unseal_entry(_seal(commission), X25519PrivateKey.generate())


@pytest.mark.parametrize("field", ["ciphertext", "nonce", "ephemeral_key"])
@pytest.mark.parametrize("position", [0, 5, -1])
def test_a_flipped_byte_in_the_sealed_part_is_refused(
    commission: X25519PrivateKey, field: str, position: int
) -> None:
    """Any one flipped byte of the ciphertext (tag included), nonce or ephemeral key fails."""
    entry = _seal(commission)
    sealed = entry["sealed"]
    assert isinstance(sealed, dict)
    data = bytearray(base64.urlsafe_b64decode(sealed[field] + "=="))
    data[position] ^= 0x01
    sealed[field] = base64.urlsafe_b64encode(bytes(data)).rstrip(b"=").decode()
    with pytest.raises(UnsealFailed):
        unseal_entry(entry, commission)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("unseal_on", "2026-12-01"),
        ("requester", "police-osaka"),
        ("disclosure_code", "ABCDEFGHJKMNPQRS0123456789"),
        ("at", "2026-11-02T00:00:00Z"),
    ],
)
def test_a_changed_outer_field_is_refused(
    commission: X25519PrivateKey, field: str, value: str
) -> None:
    """The ciphertext is bound to the outer fields: an earlier date, another body or person."""
    entry = {**_seal(commission), field: value}
    with pytest.raises(UnsealFailed):
        unseal_entry(entry, commission)


def test_it_stays_sealed_until_its_date(commission: X25519PrivateKey) -> None:
    """The day before the unsealing date is refused, naming the date; the day itself opens."""
    entry = _seal(commission)
    with pytest.raises(StillSealed, match="sealed until 2027-11-27"):
        unseal_entry(entry, commission, today=UNSEAL_ON - timedelta(days=1))
    assert unseal_entry(entry, commission, today=UNSEAL_ON) == BODY


@pytest.mark.parametrize(
    "body",
    [
        {"note": "番号 6214 9832 0257"},
        {"nested": [{"n": 621498320257}]},
        {"621498320257": "as a key"},
    ],
)
def test_a_body_with_a_number_is_refused_before_encryption(
    commission: X25519PrivateKey, body: dict[str, object]
) -> None:
    """Once sealed nobody could see a number in it: refused first, no randomness drawn."""

    def no_randomness(size: int) -> bytes:
        pytest.fail(f"{size} random bytes drawn for a body that must be refused")

    with pytest.raises(NumberInEntry) as refused:
        _seal(commission, body, random_bytes=no_randomness)
    assert isinstance(refused.value, MalformedEntry)
    assert "6214" not in str(refused.value)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"requester": "Police Tokyo"}, "not a body id"),
        ({"requester": "621498320257"}, "12 digits in a row"),
        ({"disclosure_code": "not-a-code"}, "disclosure code"),
        ({"at": datetime(2026, 11, 27, 9, 0)}, "no time zone"),  # noqa: DTZ001 -- the point
        ({"unseal_on": datetime(2027, 1, 1, tzinfo=UTC)}, "calendar date"),
    ],
)
def test_bad_outer_fields_are_refused(
    commission: X25519PrivateKey, changes: dict[str, Any], reason: str
) -> None:
    """A requester that is no body id, a bad code, a naive time, a datetime as the date."""
    with pytest.raises(MalformedEntry, match=reason):
        _seal(commission, **changes)


def test_a_body_that_is_not_canonical_json_is_refused(commission: X25519PrivateKey) -> None:
    """A float cannot be sealed any more than it can be appended."""
    with pytest.raises(MalformedEntry, match="floats are not allowed"):
        _seal(commission, {"amount": 1.5})


def test_the_sealed_entry_passes_the_ledger_screening(commission: X25519PrivateKey) -> None:
    """prepare_entry admits it as kind 'sealed' for the person's disclosure code."""
    entry = _seal(commission)
    data, kind, code = prepare_entry(entry)
    assert (kind, code) == ("sealed", CODE)
    assert data == canonical_json(entry)


def test_nothing_of_the_body_shows_in_the_sealed_entry(commission: X25519PrivateKey) -> None:
    """No key or text of the body, nor any 6-character piece of it, is in the entry's bytes."""
    data = canonical_json(_seal(commission))
    texts = [*BODY, "Sergeant Kuroda", "address-history", "employer", "suspected fraud"]
    texts += ["令和8年", "第77号", "捜"]
    for text in texts:
        assert f'"{text}'.encode() not in data
        assert text.encode() not in data
        pieces = [text[i : i + 6] for i in range(len(text) - 5)]
        assert not [piece for piece in pieces if piece.encode() in data], text


@pytest.mark.parametrize("spelling", NUMBER_LIKE_SPELLINGS)
def test_a_seal_that_looks_like_a_number_is_drawn_again(
    commission: X25519PrivateKey, spelling: str
) -> None:
    """A nonce spelled like a number would be refused by the ledger; a fresh draw replaces it."""
    assert number_path({"nonce": spelling}) == "$.nonce"
    first = bytes(32) + base64.urlsafe_b64decode(spelling)
    entry = _seal(commission, random_bytes=_scripted(first, bytes(range(1, 45))))
    prepare_entry(entry)
    sealed = entry["sealed"]
    assert isinstance(sealed, dict)
    assert sealed["nonce"] == base64.urlsafe_b64encode(bytes(range(33, 45))).decode()
    assert unseal_entry(entry, commission) == BODY


def test_a_random_source_that_never_changes_is_refused(commission: X25519PrivateKey) -> None:
    """If every draw looks like a number, sealing stops after MAX_ATTEMPTS rather than loop."""
    draws: list[int] = []

    def stuck(size: int) -> bytes:
        draws.append(size)
        return bytes(32) + NUMBER_LIKE_NONCE

    with pytest.raises(LedgerError, match="not random"):
        _seal(commission, random_bytes=stuck)
    assert len(draws) == MAX_ATTEMPTS


def _with(entry: dict[str, object], path: tuple[str, ...], value: object) -> dict[str, object]:
    """Return a deep copy of ``entry`` with the member at ``path`` set (or removed: ``...``)."""
    changed = copy.deepcopy(entry)
    parent: Any = changed
    for name in path[:-1]:
        parent = parent[name]
    if value is ...:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return changed


@pytest.mark.parametrize(
    ("path", "value", "reason"),
    [
        (("kind",), "exchange", "not sealed"),
        (("note",), "added in clear", "exactly the fields"),
        (("month",), ..., "exactly the fields"),
        (("month",), "2026-12", "outer fields are malformed"),
        (("at",), "2026-11-26 23:30:15", "outer fields are malformed"),
        (("unseal_on",), "2027-02-30", "not a real date"),
        (("requester",), 7, "outer fields are malformed"),
        (("sealed", "alg"), "X25519-HKDF-SHA256-CHACHA20", "`alg`"),
        (("sealed", "extra"), "x", "`alg`"),
        (("sealed", "nonce"), "AAAAAAAAAAAAAAAA==", "not base64url"),
        (("sealed", "nonce"), "AAAAAAAAAAAAAAA+", "not base64url"),
        (("sealed", "nonce"), "AAAAAAAAAAAAAAAAB", "not base64url"),
        (("sealed", "nonce"), "AAAAAAAAAAAAAAAAAB", "not base64url"),
        (("sealed", "nonce"), "AAAAAAAAAAAAAAAAAAAA", "wrong length"),
        (("sealed", "ephemeral_key"), "AAAA", "wrong length"),
    ],
)
def test_a_malformed_sealed_entry_is_refused(
    commission: X25519PrivateKey, path: tuple[str, ...], value: object, reason: str
) -> None:
    """Only a well-formed sealed entry is opened: no clear-text extras, no other algorithm."""
    entry = _with(_seal(commission), path, value)
    with pytest.raises(MalformedEntry, match=reason):
        unseal_entry(entry, commission)


def test_sealed_entries_are_counted_by_month_and_body(commission: X25519PrivateKey) -> None:
    """Counts group by month then requester; other entries and broken seals do not count."""
    november = _seal(commission)
    december = _seal(commission, at=datetime(2026, 12, 1, tzinfo=UTC))
    osaka = _seal(commission, requester="police-osaka")
    others = [
        {"kind": "exchange", "disclosure_code": CODE},
        {"kind": "sealed", "disclosure_code": CODE, "requester": "police-tokyo"},
    ]
    entries = [november, december, osaka, november, *others]
    assert count_sealed(canonical_json(entry) for entry in entries) == [
        SealedCount(requester="police-osaka", month="2026-11", count=1),
        SealedCount(requester="police-tokyo", month="2026-11", count=2),
        SealedCount(requester="police-tokyo", month="2026-12", count=1),
    ]
    assert read_sealed(osaka).outer["requester"] == "police-osaka"


_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=20)
_values = st.recursive(
    st.none() | st.booleans() | st.integers(-MAX_INTEGER, MAX_INTEGER) | _text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_text, children, max_size=4),
    max_leaves=20,
)


@given(body=st.dictionaries(_text, _values, max_size=6))
def test_any_json_body_round_trips(commission: X25519PrivateKey, body: dict[str, Any]) -> None:
    """Every JSON object without a number seals to an admissible entry that opens to itself."""
    assume(number_path(body) is None)
    entry = _seal(commission, body)
    prepare_entry(entry)
    assert unseal_entry(entry, commission) == body
