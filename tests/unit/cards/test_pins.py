"""The card's four PINs: the rules for setting one, entering one, and the retry counters."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mynumber.cards.exceptions import InvalidPin, PinLocked, WrongPin
from mynumber.cards.pins import (
    RETRY_LIMITS,
    PinCounter,
    PinKind,
    attempt,
    check_entered_pin,
    check_new_pin,
    unlocking_pin,
    wrong_pin_error,
)

DIGIT_KINDS = [PinKind.AUTHENTICATION, PinKind.RESIDENT_REGISTER, PinKind.CARD_FACE]


def _wrong_tries(kind: PinKind, tries: int) -> PinCounter:
    """Return a fresh ``kind`` counter after ``tries`` wrong entries."""
    counter = PinCounter.fresh(kind)
    for _ in range(tries):
        counter = attempt(counter, correct=False)
    return counter


def test_retry_limits() -> None:
    """The signature PIN allows 5 wrong tries, the three 4-digit PINs 3."""
    assert dict(RETRY_LIMITS) == {
        PinKind.SIGNATURE: 5,
        PinKind.AUTHENTICATION: 3,
        PinKind.RESIDENT_REGISTER: 3,
        PinKind.CARD_FACE: 3,
    }


@pytest.mark.parametrize(
    ("kind", "limit"), [(PinKind.SIGNATURE, 5), *((k, 3) for k in DIGIT_KINDS)]
)
def test_locks_after_exactly_the_limit(kind: PinKind, limit: int) -> None:
    """A PIN is still usable after limit - 1 wrong tries and locked after exactly limit."""
    almost = _wrong_tries(kind, limit - 1)
    assert not almost.locked
    assert almost.remaining == 1
    assert _wrong_tries(kind, limit).locked


@pytest.mark.parametrize("kind", list(PinKind))
def test_correct_entry_resets_the_counter(kind: PinKind) -> None:
    """A correct entry after some wrong ones gives every try back."""
    counter = _wrong_tries(kind, RETRY_LIMITS[kind] - 1)
    assert attempt(counter, correct=True) == PinCounter.fresh(kind)


@pytest.mark.parametrize("kind", list(PinKind))
def test_locked_stays_locked_even_for_the_right_pin(kind: PinKind) -> None:
    """Once locked, even a correct entry is refused with PinLocked and nothing resets."""
    locked = _wrong_tries(kind, RETRY_LIMITS[kind])
    with pytest.raises(PinLocked, match="municipal office"):
        attempt(locked, correct=True)
    with pytest.raises(PinLocked):
        attempt(locked, correct=False)


@pytest.mark.parametrize(
    ("kind", "other"),
    [(PinKind.SIGNATURE, "authentication"), (PinKind.AUTHENTICATION, "signature")],
)
def test_locked_certificate_pin_message_names_the_other_pin(kind: PinKind, other: str) -> None:
    """The lock message of a certificate PIN offers the other certificate's PIN as a way out."""
    with pytest.raises(PinLocked, match=f"with the {other} PIN"):
        attempt(_wrong_tries(kind, RETRY_LIMITS[kind]), correct=True)


def test_locked_four_digit_pin_message_names_only_the_office() -> None:
    """The lock message of a counter-only PIN sends the holder to the office with photo ID."""
    with pytest.raises(PinLocked, match="photo ID") as caught:
        attempt(_wrong_tries(PinKind.CARD_FACE, 3), correct=False)
    assert "PIN if you still know it" not in str(caught.value)


def test_cross_pin_pairing() -> None:
    """Signature and authentication unlock each other; the other two only at the office."""
    assert unlocking_pin(PinKind.SIGNATURE) is PinKind.AUTHENTICATION
    assert unlocking_pin(PinKind.AUTHENTICATION) is PinKind.SIGNATURE
    assert unlocking_pin(PinKind.RESIDENT_REGISTER) is None
    assert unlocking_pin(PinKind.CARD_FACE) is None


def test_wrong_pin_error_counts_down() -> None:
    """A wrong try that leaves tries is a WrongPin carrying how many remain."""
    error = wrong_pin_error(_wrong_tries(PinKind.AUTHENTICATION, 1))
    assert isinstance(error, WrongPin)
    assert error.remaining == 2
    assert str(error) == "wrong authentication PIN: 2 tries left"


def test_wrong_pin_error_on_the_locking_try() -> None:
    """The wrong try that locks the PIN is reported as PinLocked, not WrongPin."""
    error = wrong_pin_error(_wrong_tries(PinKind.SIGNATURE, 5))
    assert isinstance(error, PinLocked)
    assert str(error).startswith("wrong signature PIN: the signature PIN is locked")


def test_counter_refuses_impossible_counts() -> None:
    """A counter below zero or above its PIN's limit cannot be made."""
    with pytest.raises(ValueError, match="0 to 3"):
        PinCounter(PinKind.CARD_FACE, 4)
    with pytest.raises(ValueError, match="0 to 5"):
        PinCounter(PinKind.SIGNATURE, -1)


@given(
    kind=st.sampled_from(PinKind),
    data=st.data(),
    entries=st.lists(st.booleans(), max_size=20),
)
def test_attempt_stays_within_the_limit(
    kind: PinKind, data: st.DataObject, entries: list[bool]
) -> None:
    """Whatever the entries, the counter stays in 0..limit and only a lock stops it."""
    limit = RETRY_LIMITS[kind]
    counter = PinCounter(kind, data.draw(st.integers(min_value=0, max_value=limit)))
    for correct in entries:
        if counter.locked:
            with pytest.raises(PinLocked):
                attempt(counter, correct=correct)
            return
        after = attempt(counter, correct=correct)
        assert 0 <= after.remaining <= limit
        assert after.remaining == (limit if correct else counter.remaining - 1)
        counter = after


@pytest.mark.parametrize("pin", ["A12345", "123ABC", "ZZZZZZZZZZZZZZZ9", "ＡＢＣ１２３"])
def test_signature_pin_accepted(pin: str) -> None:
    """Signature PINs of 6-16 upper-case letters and digits, with both, are accepted as ASCII."""
    stored = check_new_pin(PinKind.SIGNATURE, pin)
    assert stored.isascii()
    assert stored.isalnum()


def test_full_width_signature_pin_is_stored_as_ascii() -> None:
    """Full-width letters and digits are stored as the ASCII characters they stand for."""
    assert check_new_pin(PinKind.SIGNATURE, "ＭＹ２０２５ＮＵ") == "MY2025NU"


@pytest.mark.parametrize(
    ("pin", "rule"),
    [
        ("123456", "at least one letter"),
        ("ABCDEF", "at least one digit"),
        ("abc123", "upper-case letters only"),
        ("Abc123", "upper-case letters only"),
        ("ａｂｃ１２３", "upper-case letters only"),
        ("ABC12", "6 to 16 characters, not 5"),
        ("ABCDEFGH123456789", "6 to 16 characters, not 17"),
        ("ABC-123", "no spaces or symbols"),
        ("ABC 123", "no spaces or symbols"),
        ("ABC!123", "no spaces or symbols"),
        ("ÄBC123", "no spaces or symbols"),
    ],
)
def test_signature_pin_rules(pin: str, rule: str) -> None:
    """Each broken signature-PIN rule is refused with a message naming it, never the PIN."""
    with pytest.raises(InvalidPin, match=rule) as caught:
        check_new_pin(PinKind.SIGNATURE, pin)
    assert pin not in str(caught.value)


@pytest.mark.parametrize("kind", DIGIT_KINDS)
def test_four_digit_pin_accepted(kind: PinKind) -> None:
    """A 4-digit PIN is four ASCII digits; full-width digits become ASCII."""
    assert check_new_pin(kind, "0427") == "0427"
    assert check_new_pin(kind, "０４２７") == "0427"


@pytest.mark.parametrize(
    ("pin", "rule"),
    [
        ("123", "exactly 4 digits, not 3"),
        ("12345", "exactly 4 digits, not 5"),
        ("12a4", "digits 0-9 only"),
        ("12 4", "digits 0-9 only"),
        ("١٢٣٤", "digits 0-9 only"),
    ],
)
@pytest.mark.parametrize("kind", DIGIT_KINDS)
def test_four_digit_pin_rules(kind: PinKind, pin: str, rule: str) -> None:
    """A 4-digit PIN of the wrong length or with other characters is refused, set or entered."""
    with pytest.raises(InvalidPin, match=rule) as caught:
        check_new_pin(kind, pin)
    assert pin not in str(caught.value)
    with pytest.raises(InvalidPin, match="no try was counted"):
        check_entered_pin(kind, pin)


def test_entered_signature_pin_checks_only_length_and_characters() -> None:
    """An entry lacking a letter or a digit goes to the card: it might be counted, not refused."""
    assert check_entered_pin(PinKind.SIGNATURE, "123456") == "123456"
    assert check_entered_pin(PinKind.SIGNATURE, "ＡＢＣＤＥＦ") == "ABCDEF"


@pytest.mark.parametrize("pin", ["ABC12", "ABCDEFGH123456789", "abc123", "ABC!123"])
def test_entered_signature_pin_that_cannot_be_right_is_refused(pin: str) -> None:
    """A signature-PIN entry of impossible length or characters is refused without a try."""
    with pytest.raises(InvalidPin, match="no try was counted") as caught:
        check_entered_pin(PinKind.SIGNATURE, pin)
    assert pin not in str(caught.value)
