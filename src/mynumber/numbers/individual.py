"""Individual Number (個人番号, kojin bangō): the 12-digit number of every resident.

Eleven base digits and one check digit at the end. The check digit follows 総務省令第85号
(行政手続における特定の個人を識別するための番号の利用等に関する法律施行規則) 第5条: number the base
digits from the right, n = 1..11; the weight is n + 1 for n <= 6 and n - 5 for n >= 7 (left to
right: 6 5 4 3 2 7 6 5 4 3 2); with r the weighted sum mod 11 the check digit is 0 if r <= 1,
else 11 - r. The check digit catches typing mistakes; it proves nothing about who a number belongs
to (about one random 12-digit string in ten passes).

A number is always text: leading zeros are part of it. The card prints it as three groups of four.

>>> validate("6214 9832 0257")
'621498320257'
>>> validate("6214-9832-0258")
Traceback (most recent call last):
    ...
mynumber.numbers.exceptions.InvalidChecksum: the check digit ... is wrong (expected 7): ...
>>> validate("6214 9832 025")
Traceback (most recent call last):
    ...
mynumber.numbers.exceptions.InvalidLength: an Individual Number has 12 digits, this one has 11
>>> is_valid("０２３４５６７８９０１３")
True
>>> format("123456789018")
'1234 5678 9018'
"""

from mynumber.numbers.cleaning import ASCII_DIGITS, clean, is_ascii_digits
from mynumber.numbers.exceptions import (
    InvalidChecksum,
    InvalidFormat,
    InvalidLength,
)

NAME = "Individual Number"
LENGTH = 12
#: Weights of the 11 base digits, left to right.
WEIGHTS = (6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def compact(number: str) -> str:
    """Return the number without separators, full-width digits made ASCII.

    >>> compact("６２１４ ９８３２ ０２５７")
    '621498320257'
    """
    return clean(number)


def mod11_check_digit(digits: str, weights: tuple[int, ...]) -> str:
    """Return the mod-11 check digit of ``digits`` (ASCII) under ``weights`` (left to right).

    This is the rule of 総務省令第85号 第5条, shared with the resident record code.

    >>> mod11_check_digit("62149832025", WEIGHTS)
    '7'
    """
    remainder = sum(weight * int(digit) for weight, digit in zip(weights, digits, strict=True)) % 11
    return "0" if remainder <= 1 else str(11 - remainder)


def calc_check_digit(number: str) -> str:
    """Return the check digit of the 11 base digits ``number``.

    >>> calc_check_digit("12345678901")
    '8'
    """
    if len(number) != LENGTH - 1 or not is_ascii_digits(number):
        msg = f"the check digit is computed from the {LENGTH - 1} base digits, not from {number!r}"
        raise InvalidFormat(msg)
    return mod11_check_digit(number, WEIGHTS)


def validate(number: str) -> str:
    """Return the compact number if it is a valid Individual Number, else raise InvalidNumber."""
    digits = compact(number)
    if len(digits) != LENGTH:
        msg = f"an {NAME} has {LENGTH} digits, this one has {len(digits)}"
        raise InvalidLength(msg)
    if not is_ascii_digits(digits):
        msg = f"an {NAME} holds only digits, spaces and hyphens: {number!r} holds other characters"
        raise InvalidFormat(msg)
    expected = mod11_check_digit(digits[:-1], WEIGHTS)
    if digits[-1] != expected:
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
            chunk + digit: total + weight * int(digit)
            for chunk, total in sums.items()
            for digit in ASCII_DIGITS
        }
    return sums


def _final_chunks() -> dict[str, tuple[bool, ...]]:
    """Map every last chunk (3 base digits + check digit) to the remainders it completes.

    ``_final_chunks()[chunk][rest]`` is true when base digits whose first eight have a weighted sum
    ``rest`` (mod 11) and whose last three are ``chunk[:3]`` have the check digit ``chunk[3]``.
    """
    completes = {
        (partial, check): tuple(
            check == ("0" if (rest + partial) % 11 <= 1 else str(11 - (rest + partial) % 11))
            for rest in range(11)
        )
        for partial in range(11)
        for check in ASCII_DIGITS
    }
    return {
        chunk + check: completes[partial % 11, check]
        for chunk, partial in _weighted_chunks(WEIGHTS[8:]).items()
        for check in ASCII_DIGITS
    }


# Lookup tables that let ``is_valid`` check a plain 12-digit string with three dictionary look-ups
# instead of eleven digit conversions; they encode exactly the rule of ``mod11_check_digit``.
_HEAD, _MIDDLE, _TAIL = (
    _weighted_chunks(WEIGHTS[:4]),
    _weighted_chunks(WEIGHTS[4:8]),
    _final_chunks(),
)


def is_valid(number: object) -> bool:
    """Say whether ``number`` is a valid Individual Number; never raises.

    Gives the same answer as ``validate``. A string of 12 ASCII characters is looked up as it is
    (if it is not 12 digits, cleaning could only shorten it); anything else is cleaned first.

    >>> is_valid("621498320257"), is_valid("621498320258"), is_valid("6214 9832 0257")
    (True, False, True)
    """
    if not isinstance(number, str):
        return False
    digits = number if len(number) == LENGTH and number.isascii() else clean(number)
    try:
        return _TAIL[digits[8:]][(_HEAD[digits[:4]] + _MIDDLE[digits[4:8]]) % 11]
    except KeyError:  # not 12 ASCII digits
        return False


def format(number: str, separator: str = " ") -> str:  # noqa: A001 - the verb every number module has
    """Return the number as printed on the card: three groups of four digits.

    >>> format("621498320257", separator="-")
    '6214-9832-0257'
    """
    digits = compact(number)
    return separator.join((digits[0:4], digits[4:8], digits[8:12]))
