"""The hub's keyed person reference: stable, keyed, apart from every code, never the code itself."""

import pytest

from mynumber.network.codes import derive_disclosure_code, derive_institution_code
from mynumber.network.exceptions import InvalidCodeKey
from mynumber.network.references import person_reference

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
CODE = "12345678903"


def test_a_reference_is_stable_and_depends_on_key_and_person() -> None:
    """The same key and code give the same 64 hex digits; another key or person, another."""
    reference = person_reference(KEY, "12345 67890 3")
    assert reference == person_reference(KEY, CODE)
    assert len(reference) == 64
    assert int(reference, 16) >= 0
    assert reference != person_reference(OTHER_KEY, CODE)
    assert reference != person_reference(KEY, "00000000078")


def test_a_reference_shares_nothing_with_the_codes() -> None:
    """The reference holds neither the resident record code nor any code of the person."""
    reference = person_reference(KEY, CODE)
    assert CODE not in reference
    codes = {derive_institution_code(KEY, CODE, "city-office"), derive_disclosure_code(KEY, CODE)}
    assert all(code.lower() not in reference for code in codes)


def test_a_short_key_is_refused() -> None:
    """A key that is not 32 bytes is refused with how to fix it."""
    with pytest.raises(InvalidCodeKey, match="must be 32 bytes"):
        person_reference(KEY[:16], CODE)
