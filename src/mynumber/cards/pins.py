"""The four PINs (暗証番号) of the Individual Number Card and their retry counters.

The rules are those of SPEC.md section 3 ("PINs"):

- the signature PIN (署名用電子証明書の暗証番号) is 6 to 16 characters, upper-case letters A-Z and
  digits 0-9, with at least one letter and at least one digit; it locks after 5 wrong tries;
- the three 4-digit PINs -- user authentication (利用者証明用電子証明書の暗証番号), resident
  register (住民基本台帳用) and card-face text (券面事項入力補助用) -- lock after 3 wrong tries;
- only a correct entry resets a counter; time never does;
- a locked PIN is reset at the municipal office with photo ID or, for the two certificate PINs,
  with the other certificate's PIN if the holder still knows it.

PINs are NFKC-normalised first, so that full-width digits and letters typed on a Japanese input
method are the ASCII characters the card stores. No message ever repeats the PIN.

>>> check_new_pin(PinKind.SIGNATURE, "ＡＢＣ１２３")
'ABC123'
>>> counter = PinCounter.fresh(PinKind.AUTHENTICATION)
>>> counter = attempt(counter, correct=False)
>>> print(wrong_pin_error(counter))
wrong authentication PIN: 2 tries left
>>> attempt(counter, correct=True).remaining
3
"""

import string
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from types import MappingProxyType
from typing import Final, Self

from mynumber.cards.exceptions import CardError, InvalidPin, PinLocked, WrongPin


class PinKind(StrEnum):
    """Which of the card's four PINs."""

    #: 署名用電子証明書の暗証番号: 6-16 upper-case letters and digits.
    SIGNATURE = "signature"
    #: 利用者証明用電子証明書の暗証番号: 4 digits.
    AUTHENTICATION = "authentication"
    #: 住民基本台帳用の暗証番号: 4 digits.
    RESIDENT_REGISTER = "resident-register"
    #: 券面事項入力補助用の暗証番号: 4 digits.
    CARD_FACE = "card-face"


#: Wrong tries in a row after which each PIN locks.
RETRY_LIMITS: Final[Mapping[PinKind, int]] = MappingProxyType(
    {
        PinKind.SIGNATURE: 5,
        PinKind.AUTHENTICATION: 3,
        PinKind.RESIDENT_REGISTER: 3,
        PinKind.CARD_FACE: 3,
    },
)

SIGNATURE_MIN_LENGTH: Final = 6
SIGNATURE_MAX_LENGTH: Final = 16
DIGIT_PIN_LENGTH: Final = 4

_DIGITS: Final = frozenset(string.digits)
_UPPER: Final = frozenset(string.ascii_uppercase)
_LOWER: Final = frozenset(string.ascii_lowercase)
_NOT_TRIED: Final = "it was not tried against the card and no try was counted"


def _normalise(pin: str) -> str:
    """Return ``pin`` NFKC-normalised: full-width digits and letters become ASCII."""
    return unicodedata.normalize("NFKC", pin)


def _digit_problem(kind: PinKind, pin: str) -> str | None:
    """Say why ``pin`` (normalised) cannot be a 4-digit ``kind`` PIN, or None if it can."""
    if not set(pin) <= _DIGITS:
        return f"the {kind} PIN takes digits 0-9 only, no letters, spaces or symbols"
    if len(pin) != DIGIT_PIN_LENGTH:
        return f"the {kind} PIN is exactly {DIGIT_PIN_LENGTH} digits, not {len(pin)}"
    return None


def _signature_problem(pin: str) -> str | None:
    """Say why ``pin`` (normalised) cannot be a signature PIN by length or characters, or None."""
    if set(pin) & _LOWER:
        return "the signature PIN takes upper-case letters only: type A-Z, not a-z"
    if not set(pin) <= _UPPER | _DIGITS:
        return "the signature PIN takes letters A-Z and digits 0-9 only, no spaces or symbols"
    if not SIGNATURE_MIN_LENGTH <= len(pin) <= SIGNATURE_MAX_LENGTH:
        return (
            f"the signature PIN is {SIGNATURE_MIN_LENGTH} to {SIGNATURE_MAX_LENGTH} characters,"
            f" not {len(pin)}"
        )
    return None


def _shape_problem(kind: PinKind, pin: str) -> str | None:
    """Say why ``pin`` (normalised) cannot be a ``kind`` PIN by its length or characters."""
    if kind is PinKind.SIGNATURE:
        return _signature_problem(pin)
    return _digit_problem(kind, pin)


def check_new_pin(kind: PinKind, pin: str) -> str:
    """Return ``pin`` as the card stores it, or raise InvalidPin saying which rule it breaks.

    >>> check_new_pin(PinKind.CARD_FACE, "０４２７")
    '0427'
    >>> check_new_pin(PinKind.SIGNATURE, "PASSWORD")
    Traceback (most recent call last):
        ...
    mynumber.cards.exceptions.InvalidPin: the signature PIN needs at least one digit 0-9 ...
    >>> check_new_pin(PinKind.SIGNATURE, "abc123")
    Traceback (most recent call last):
        ...
    mynumber.cards.exceptions.InvalidPin: the signature PIN takes upper-case letters only: ...
    >>> check_new_pin(PinKind.RESIDENT_REGISTER, "12345")
    Traceback (most recent call last):
        ...
    mynumber.cards.exceptions.InvalidPin: the resident-register PIN is exactly 4 digits, not 5; ...
    """
    normalised = _normalise(pin)
    problem = _shape_problem(kind, normalised)
    if problem is None and kind is PinKind.SIGNATURE:
        if not set(normalised) & _UPPER:
            problem = "the signature PIN needs at least one letter A-Z as well as digits"
        elif not set(normalised) & _DIGITS:
            problem = "the signature PIN needs at least one digit 0-9 as well as letters"
    if problem is not None:
        msg = f"{problem}; choose another PIN"
        raise InvalidPin(msg)
    return normalised


def check_entered_pin(kind: PinKind, pin: str) -> str:
    """Return an entered ``pin`` normalised, or raise InvalidPin if it cannot possibly be right.

    Only the length and the characters are checked: an entry refused here is never sent to the
    card and does NOT count as a try, so the caller must not call :func:`attempt` for it. The
    letter-and-digit mix of the signature PIN is a rule for choosing a PIN, not for typing one:
    an entry that breaks only that rule goes to the card and counts like any other wrong PIN.

    >>> check_entered_pin(PinKind.AUTHENTICATION, "１２３４")
    '1234'
    >>> check_entered_pin(PinKind.SIGNATURE, "123456")
    '123456'
    >>> check_entered_pin(PinKind.AUTHENTICATION, "123")
    Traceback (most recent call last):
        ...
    mynumber.cards.exceptions.InvalidPin: the authentication PIN is exactly 4 digits, not 3; ...
    """
    normalised = _normalise(pin)
    problem = _shape_problem(kind, normalised)
    if problem is not None:
        msg = f"{problem}; {_NOT_TRIED}"
        raise InvalidPin(msg)
    return normalised


def unlocking_pin(locked: PinKind) -> PinKind | None:
    """Return the other certificate's PIN that may reset ``locked``, or None if only the office can.

    >>> unlocking_pin(PinKind.SIGNATURE)
    <PinKind.AUTHENTICATION: 'authentication'>
    >>> unlocking_pin(PinKind.AUTHENTICATION)
    <PinKind.SIGNATURE: 'signature'>
    >>> unlocking_pin(PinKind.CARD_FACE) is None
    True
    """
    if locked is PinKind.SIGNATURE:
        return PinKind.AUTHENTICATION
    if locked is PinKind.AUTHENTICATION:
        return PinKind.SIGNATURE
    return None


def _locked_message(kind: PinKind) -> str:
    """Say that the ``kind`` PIN is locked and how the holder gets it reset."""
    office = "at the municipal office, bringing photo ID"
    other = unlocking_pin(kind)
    how = office if other is None else f"{office}, or with the {other} PIN if you still know it"
    return f"the {kind} PIN is locked after {RETRY_LIMITS[kind]} wrong tries: reset it {how}"


@dataclass(frozen=True)
class PinCounter:
    """How many wrong tries a PIN has left before it locks; zero means locked."""

    kind: PinKind
    remaining: int

    def __post_init__(self) -> None:
        """Refuse a count the card cannot hold (below 0 or above the PIN's limit)."""
        limit = RETRY_LIMITS[self.kind]
        if not 0 <= self.remaining <= limit:
            msg = f"a {self.kind} PIN has 0 to {limit} tries left, not {self.remaining}"
            raise ValueError(msg)

    @classmethod
    def fresh(cls, kind: PinKind) -> Self:
        """Return the counter of a PIN just set or correctly entered: every try left.

        >>> PinCounter.fresh(PinKind.SIGNATURE).remaining
        5
        """
        return cls(kind, RETRY_LIMITS[kind])

    @property
    def locked(self) -> bool:
        """Whether no try is left.

        >>> PinCounter(PinKind.CARD_FACE, 0).locked
        True
        """
        return self.remaining == 0


def attempt(counter: PinCounter, *, correct: bool) -> PinCounter:
    """Return the counter after one entry the card checked; raise PinLocked if it was locked.

    A correct entry gives every try back; a wrong one takes one away. Nothing else resets a
    counter: no amount of time does, and a locked PIN stays locked even for the right PIN.

    >>> counter = PinCounter(PinKind.RESIDENT_REGISTER, 1)
    >>> attempt(counter, correct=False).locked
    True
    >>> attempt(PinCounter(PinKind.RESIDENT_REGISTER, 0), correct=True)
    Traceback (most recent call last):
        ...
    mynumber.cards.exceptions.PinLocked: the resident-register PIN is locked after 3 wrong ...
    """
    if counter.locked:
        raise PinLocked(_locked_message(counter.kind))
    if correct:
        return PinCounter.fresh(counter.kind)
    return replace(counter, remaining=counter.remaining - 1)


def wrong_pin_error(counter_after: PinCounter) -> CardError:
    """Return the error to show after a wrong entry: WrongPin, or PinLocked if that try locked it.

    >>> error = wrong_pin_error(PinCounter(PinKind.SIGNATURE, 4))
    >>> print(error)
    wrong signature PIN: 4 tries left
    >>> error.remaining
    4
    >>> print(wrong_pin_error(PinCounter(PinKind.SIGNATURE, 1)))
    wrong signature PIN: 1 try left
    >>> print(wrong_pin_error(PinCounter(PinKind.SIGNATURE, 0)))
    wrong signature PIN: the signature PIN is locked after 5 wrong tries: reset it at the ...
    """
    kind = counter_after.kind
    if counter_after.locked:
        return PinLocked(f"wrong {kind} PIN: {_locked_message(kind)}")
    left = counter_after.remaining
    tries = "try" if left == 1 else "tries"
    return WrongPin(f"wrong {kind} PIN: {left} {tries} left", remaining=left)
