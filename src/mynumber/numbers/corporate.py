"""Corporate Number (法人番号, hōjin bangō): the 13-digit number of corporations and public bodies.

The check digit comes FIRST, followed by 12 base digits. Rule (法人番号の指定等に関する省令,
財務省令第70号, 第2条; National Tax Agency): number the base digits from the right, n = 1..12;
the weight is 1 for odd n and 2 for even n; the check digit is 9 - (weighted sum mod 9), so it is
1..9 and never 0. Employers, banks and the other bodies of this system are identified by their
Corporate Number.

>>> validate("5-8356-7825-6246")
'5835678256246'
>>> validate("2835678256246")
Traceback (most recent call last):
    ...
mynumber.numbers.exceptions.InvalidChecksum: the check digit ... is wrong (expected 5): ...
>>> format("4011001098993")
'4-0110-0109-8993'
"""

from mynumber.numbers.cleaning import clean, is_ascii_digits
from mynumber.numbers.exceptions import (
    InvalidChecksum,
    InvalidFormat,
    InvalidLength,
)

NAME = "Corporate Number"
LENGTH = 13
#: Weights of the 12 base digits, left to right (2 for even positions counted from the right).
WEIGHTS = (2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1)


def compact(number: str) -> str:
    """Return the number without separators, full-width digits made ASCII.

    >>> compact("７－１２３４－５６７８－９０１２")
    '7123456789012'
    """
    return clean(number)


def _check_digit(base: str) -> str:
    """Return the check digit of 12 ASCII base digits."""
    return str(9 - sum(w * int(d) for w, d in zip(WEIGHTS, base, strict=True)) % 9)


def calc_check_digit(number: str) -> str:
    """Return the check digit of the 12 base digits ``number``.

    >>> calc_check_digit("835678256246")
    '5'
    """
    if len(number) != LENGTH - 1 or not is_ascii_digits(number):
        msg = f"the check digit is computed from the {LENGTH - 1} base digits, not from {number!r}"
        raise InvalidFormat(msg)
    return _check_digit(number)


def validate(number: str) -> str:
    """Return the compact number if it is a valid Corporate Number, else raise InvalidNumber."""
    digits = compact(number)
    if len(digits) != LENGTH:
        msg = f"a {NAME} has {LENGTH} digits, this one has {len(digits)}"
        raise InvalidLength(msg)
    if not is_ascii_digits(digits):
        msg = f"a {NAME} holds only digits, spaces and hyphens: {number!r} holds other characters"
        raise InvalidFormat(msg)
    expected = _check_digit(digits[1:])
    if digits[0] != expected:
        msg = (
            f"the check digit of {NAME} {digits} is wrong (expected {expected}): "
            "check the number for a typing mistake"
        )
        raise InvalidChecksum(msg)
    return digits


def _weighted_chunks(weights: tuple[int, ...]) -> dict[str, int]:
    """Map every chunk of ``len(weights)`` ASCII digits to its weighted digit sum."""
    sums = {"": 0}
    for weight in weights:
        sums = {
            chunk + d: total + weight * int(d)
            for chunk, total in sums.items()
            for d in "0123456789"
        }
    return sums


# Lookup tables for ``is_valid``: the weights repeat every two digits, so one table gives the
# weighted sum of each of the three 4-digit chunks of the base digits; a check digit c matches the
# remainder 9 - c (never 0, so "0" matches none).
_CHUNKS = _weighted_chunks(WEIGHTS[:4])
_REMAINDER_OF_CHECK = {str(check): 9 - check for check in range(1, 10)} | {"0": -1}


def is_valid(number: object) -> bool:
    """Say whether ``number`` is a valid Corporate Number; never raises.

    Gives the same answer as ``validate``, by table for 13 ASCII digits.

    >>> is_valid("4011001098993"), is_valid("4011001098994"), is_valid("4-0110-0109-8993")
    (True, False, True)
    """
    if not isinstance(number, str):
        return False
    digits = number if len(number) == LENGTH and number.isascii() else clean(number)
    try:
        total = _CHUNKS[digits[1:5]] + _CHUNKS[digits[5:9]] + _CHUNKS[digits[9:]]
        return _REMAINDER_OF_CHECK[digits[0]] == total % 9
    except KeyError:  # not 13 ASCII digits
        return False


def format(number: str, separator: str = "-") -> str:  # noqa: A001 - the verb every number module has
    """Return the number as the National Tax Agency prints it: check digit, then groups of four.

    >>> format("5835678256246", separator=" ")
    '5 8356 7825 6246'
    """
    digits = compact(number)
    return separator.join((digits[0], digits[1:5], digits[5:9], digits[9:13]))
