"""Resident record code (住民票コード, jūminhyō kōdo): the 11-digit code of a resident record.

Ten random digits and one check digit, assigned by the basic resident register
(住民基本台帳法 第7条第13号, 第30条の2). The register sends only this code to the number authority,
which converts it into the Individual Number (番号法 第8条; see ``mynumber.numbers.generator``).

The real check-digit rule of the code is not published. This project applies the Individual
Number's mod-11 rule (総務省令第85号 第5条) to the 10 random digits, with the weights
5 4 3 2 7 6 5 4 3 2 (n + 1 for n <= 6 and n - 5 above, n counted from the right), and says so.

>>> validate("12345 67890 3")
'12345678903'
>>> is_valid("12345678904")
False
"""

from mynumber.numbers.cleaning import clean, is_ascii_digits
from mynumber.numbers.exceptions import InvalidChecksum, InvalidFormat, InvalidLength, InvalidNumber
from mynumber.numbers.individual import mod11_check_digit

NAME = "resident record code"
LENGTH = 11
#: Weights of the 10 random digits, left to right.
WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def compact(number: str) -> str:
    """Return the code without separators, full-width digits made ASCII."""
    return clean(number)


def calc_check_digit(number: str) -> str:
    """Return the check digit of the 10 random digits ``number``.

    >>> calc_check_digit("1234567890")
    '3'
    """
    if len(number) != LENGTH - 1 or not is_ascii_digits(number):
        msg = (
            f"the check digit is computed from the {LENGTH - 1} random digits, not from {number!r}"
        )
        raise InvalidFormat(msg)
    return mod11_check_digit(number, WEIGHTS)


def validate(number: str) -> str:
    """Return the compact code if it is a valid resident record code, else raise InvalidNumber."""
    digits = compact(number)
    if len(digits) != LENGTH:
        msg = f"a {NAME} has {LENGTH} digits, this one has {len(digits)}"
        raise InvalidLength(msg)
    if not is_ascii_digits(digits):
        msg = f"a {NAME} holds only digits, spaces and hyphens: {number!r} holds other characters"
        raise InvalidFormat(msg)
    expected = mod11_check_digit(digits[:-1], WEIGHTS)
    if digits[-1] != expected:
        msg = (
            f"the check digit of {NAME} {digits} is wrong (expected {expected}): "
            "check the code for a typing mistake"
        )
        raise InvalidChecksum(msg)
    return digits


def is_valid(number: str) -> bool:
    """Say whether ``number`` is a valid resident record code; never raises."""
    try:
        validate(number)
    except InvalidNumber:
        return False
    return True


def format(number: str) -> str:  # noqa: A001 - the verb every number module has
    """Return the code as 11 digits: no grouping is published for it.

    >>> format("1234-5678-903")
    '12345678903'
    """
    return compact(number)
