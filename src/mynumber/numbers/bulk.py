"""Validation and check digits over NumPy arrays: millions of numbers in one call.

The functions take a one-dimensional array (or anything ``numpy.asarray`` turns into one) of text
(``str_`` or ``bytes_``) or of non-negative integers (the number's digits, leading zeros implied)
and answer for every element at once. Text that is exactly the number's ASCII digits goes through
the vector path; any other element (separators, full-width digits, a wrong length) is answered by
the format's scalar ``is_valid``, so both paths always agree.

Text is packed into 32-bit words, four ASCII digits a word, and worked on a word at a time: one
test finds every byte that is not an ASCII digit, and one multiplication forms the weighted digit
sum of the word in its top byte (each digit is at most 9 and each weight at most 7, so no partial
sum overflows a byte). Integers are cut into chunks of four digits whose weighted sums come from
tables. The rules are those of the format modules ``individual``, ``corporate`` and
``resident_code``.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mynumber.numbers import corporate, individual, resident_code
from mynumber.numbers.exceptions import InvalidFormat

_Scalar = Callable[[str], bool]
_WORD = np.dtype("<u4")
_ZEROS = np.uint32(0x30303030)
_HIGH_BITS = np.uint32(0x80808080)
_CHUNK = 10_000


@dataclass(frozen=True)
class _Format:
    """Where a format's check digit sits, the weights of its base digits and its rule."""

    base_weights: tuple[int, ...]
    check_first: bool
    modulus: int

    @property
    def length(self) -> int:
        """Return the number of digits, check digit included."""
        return len(self.base_weights) + 1

    @property
    def words(self) -> int:
        """Return how many 4-digit words hold the number."""
        return (self.length + 3) // 4

    @property
    def padding(self) -> int:
        """Return how many '0' bytes pad the number on the left to whole words."""
        return 4 * self.words - self.length

    @property
    def check_index(self) -> int:
        """Return the byte of the check digit in the padded text."""
        return self.padding if self.check_first else 4 * self.words - 1

    @cached_property
    def text_weights(self) -> tuple[int, ...]:
        """Return the weight of every byte of the padded text (0 for padding and check digit)."""
        if self.check_first:
            return (0,) * (self.padding + 1) + self.base_weights
        return (0,) * self.padding + self.base_weights + (0,)

    @cached_property
    def chunk_sums(self) -> list[NDArray[np.uint32]]:
        """Return, per 4-digit chunk of the base digits, the weighted sum of each value 0..9999."""
        width = 4 * ((len(self.base_weights) + 3) // 4)
        weights = (0,) * (width - len(self.base_weights)) + self.base_weights
        digits = np.arange(_CHUNK)[:, None] // 10 ** np.arange(3, -1, -1) % 10
        return [
            (digits @ np.array(weights[start : start + 4])).astype(np.uint32)
            for start in range(0, width, 4)
        ]

    @cached_property
    def _check_by_sum(self) -> NDArray[np.uint32]:
        """Return the check digit for every possible weighted sum of the base digits."""
        sums = np.arange(9 * sum(self.base_weights) + 1)
        remainder = sums % self.modulus
        # Corporate Number: 9 - r; the mod 11 formats: 0 when r <= 1, else 11 - r.
        checks = 9 - remainder if self.modulus == 9 else np.where(remainder <= 1, 0, 11 - remainder)
        return checks.astype(np.uint32)

    def expected_check(self, sums: NDArray[np.uint32]) -> NDArray[np.uint32]:
        """Return the check digit the rule gives for the weighted sums of the base digits.

        Where the digits were not all digits the sum may exceed the table; those elements are
        invalid anyway and get an arbitrary answer.
        """
        table = self._check_by_sum
        return table.take(sums, mode="clip")


INDIVIDUAL = _Format(individual.WEIGHTS, check_first=False, modulus=11)
CORPORATE = _Format(corporate.WEIGHTS, check_first=True, modulus=9)
RESIDENT_CODE = _Format(resident_code.WEIGHTS, check_first=False, modulus=11)


def individual_is_valid(numbers: ArrayLike) -> NDArray[np.bool_]:
    """Say for every element whether it is a valid Individual Number.

    >>> texts = ["621498320257", "621498320258", "6214 9832 0257", "６２１４９８３２０２５７"]
    >>> individual_is_valid(texts).tolist()
    [True, False, True, True]
    >>> integers = np.array([23456789013, 23456789014, 10**12 + 7], dtype=np.uint64)
    >>> individual_is_valid(integers).tolist()
    [True, False, False]
    """
    return _is_valid(numbers, INDIVIDUAL, individual.is_valid)


def corporate_is_valid(numbers: ArrayLike) -> NDArray[np.bool_]:
    """Say for every element whether it is a valid Corporate Number.

    >>> corporate_is_valid(np.array([b"5835678256246", b"2835678256246"])).tolist()
    [True, False]
    """
    return _is_valid(numbers, CORPORATE, corporate.is_valid)


def resident_code_is_valid(codes: ArrayLike) -> NDArray[np.bool_]:
    """Say for every element whether it is a valid resident record code.

    >>> resident_code_is_valid(np.array([12345678903, 12345678904], dtype=np.uint64)).tolist()
    [True, False]
    """
    return _is_valid(codes, RESIDENT_CODE, resident_code.is_valid)


def individual_check_digits(bases: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """Return the check digit of every 11-digit base of an Individual Number.

    >>> individual_check_digits(np.array([62149832025, 2345678901], dtype=np.uint64)).tolist()
    [7, 3]
    """
    return _check_digits(bases, INDIVIDUAL)


def resident_code_check_digits(random_digits: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """Return the check digit of every 10 random digits of a resident record code.

    >>> resident_code_check_digits(np.array([1234567890], dtype=np.uint64)).tolist()
    [3]
    """
    return _check_digits(random_digits, RESIDENT_CODE)


def _check_digits(bases: NDArray[np.uint64], spec: _Format) -> NDArray[np.uint64]:
    """Return the check digit of every base under the format's rule; refuse a base out of range."""
    array = np.asarray(bases).reshape(-1)
    digits = len(spec.base_weights)
    if array.dtype.kind not in "iu":
        msg = f"check digits are computed from integer arrays, not from {array.dtype} arrays"
        raise InvalidFormat(msg)
    if array.size and (int(array.min()) < 0 or int(array.max()) >= 10**digits):
        msg = f"a base is {digits} digits (0 to {10**digits - 1}); the array holds other values"
        raise InvalidFormat(msg)
    sums = _sums_of_integers(array.astype(np.uint64, copy=False), spec)
    return spec.expected_check(sums).astype(np.uint64)


def _is_valid(values: ArrayLike, spec: _Format, scalar: _Scalar) -> NDArray[np.bool_]:
    """Validate every element: the vector path for plain digits, ``scalar`` for the rest."""
    array = np.asarray(values).reshape(-1)
    if isinstance(values, list | tuple) and array.dtype.kind not in "iuSU":
        # NumPy made floats (ints past 64 bits) or objects of the list: keep the elements as given.
        array = np.fromiter(values, dtype=object, count=len(values))
    if array.dtype.kind in "iu":
        return _integers_valid(array, spec)
    elements: Sequence[object] | NDArray[np.generic] = array
    if array.dtype.kind in "SU":
        words, regular = _words_of_text(array, spec)
        if isinstance(values, list | tuple) and len(values) == array.size:
            # NumPy drops trailing NUL characters: text that lost some goes to the scalar path.
            regular &= _kept_whole(values, array)
            elements = values
        valid = regular & _words_valid(words, spec)
    else:
        regular = np.zeros(array.shape, dtype=np.bool_)
        valid = regular.copy()
    for index in np.flatnonzero(~regular):
        valid[index] = _scalar_answer(elements[int(index)], spec, scalar)
    return valid


def _kept_whole(
    values: Sequence[object], array: NDArray[np.str_] | NDArray[np.bytes_]
) -> NDArray[np.bool_]:
    """Say which elements of ``values`` the text array holds whole (nothing dropped)."""
    lengths = np.fromiter(
        (len(value) if isinstance(value, str | bytes) else -1 for value in values),
        dtype=np.int64,
        count=len(values),
    )
    kept: NDArray[np.bool_] = lengths == np.strings.str_len(array)
    return kept


def _integers_valid(array: NDArray[np.integer], spec: _Format) -> NDArray[np.bool_]:
    """Validate integers: in range, and the check digit matches the base digits."""
    in_range = (array >= 0) & (array < 10**spec.length)
    values = array.astype(np.uint64, copy=False)
    if not in_range.all():
        values = np.where(in_range, values, np.uint64(0))
    if spec.check_first:
        check, base = np.divmod(values, np.uint64(10 ** (spec.length - 1)))
    else:
        base, check = np.divmod(values, np.uint64(10))
    valid: NDArray[np.bool_] = in_range & (
        check == spec.expected_check(_sums_of_integers(base, spec))
    )
    return valid


def _sums_of_integers(bases: NDArray[np.uint64], spec: _Format) -> NDArray[np.uint32]:
    """Return the weighted digit sum of every base, four digits at a time from the right."""
    tables = spec.chunk_sums
    total = np.zeros(bases.shape[0], dtype=np.uint32)
    rest = bases
    for table in reversed(tables):
        quotient = rest // np.uint64(_CHUNK)
        total += table.take(rest - quotient * np.uint64(_CHUNK))
        rest = quotient
    return total


def _words_valid(words: NDArray[np.uint32], spec: _Format) -> NDArray[np.bool_]:
    """Say for every number (a column of words) whether it is all digits with a matching check."""
    invalid = np.zeros(words.shape[1], dtype=np.uint32)
    total = np.zeros(words.shape[1], dtype=np.uint32)
    for index, row in enumerate(words):
        # A byte c is an ASCII digit when c < 0x80, (c & 0x7f) + 0x46 < 0x80 (c <= '9') and
        # (c | 0x80) - 0x30 >= 0x80 (c >= '0'); none of these carries into the next byte.
        above_nine = (row & np.uint32(0x7F7F7F7F)) + np.uint32(0x46464646)
        below_zero = ~((row | _HIGH_BITS) - _ZEROS)
        invalid |= (row | above_nine | below_zero) & _HIGH_BITS
        w0, w1, w2, w3 = spec.text_weights[4 * index : 4 * index + 4]
        # Little-endian words: the first digit is the low byte, its weight the factor's top byte.
        total += ((row - _ZEROS) * np.uint32(w3 | w2 << 8 | w1 << 16 | w0 << 24)) >> np.uint32(24)
    word, byte = divmod(spec.check_index, 4)
    check = (words[word] >> np.uint32(8 * byte)) & np.uint32(0xFF)
    valid: NDArray[np.bool_] = (invalid == 0) & (
        check - np.uint32(0x30) == spec.expected_check(total)
    )
    return valid


def _words_of_text(
    array: NDArray[np.str_] | NDArray[np.bytes_], spec: _Format
) -> tuple[NDArray[np.uint32], NDArray[np.bool_]]:
    """Pack text into words, one column per element; say which elements are ``length`` bytes."""
    size = array.shape[0]
    contiguous = np.ascontiguousarray(array)
    regular = np.ones(size, dtype=np.bool_)
    codes: NDArray[np.uint8] | NDArray[np.uint32]
    if array.dtype.kind == "U":
        codes = contiguous.view(np.uint32).reshape(size, array.dtype.itemsize // 4)
        if codes.shape[1] >= spec.length:
            # Any code point above 0x7f would be cut down to a byte: leave those to the scalar path.
            # The flags of a row, four to a word, are OR-ed a word column at a time.
            wide = np.zeros((size, 4 * spec.words), dtype=np.bool_)
            np.greater(codes[:, : spec.length], 0x7F, out=wide[:, : spec.length])
            flags = wide.view(_WORD)
            for column in flags.T:
                regular &= column == 0
    else:
        codes = contiguous.view(np.uint8).reshape(size, array.dtype.itemsize)
    if codes.shape[1] < spec.length:
        return np.zeros((spec.words, size), dtype=_WORD), np.zeros(size, dtype=np.bool_)
    if codes.shape[1] > spec.length:
        regular &= ~codes[:, spec.length :].any(axis=1)  # longer text: not for the vector path
    regular &= codes[:, spec.length - 1] != 0  # shorter text ends in NUL padding
    padded = np.full((size, 4 * spec.words), 0x30, dtype=np.uint8)
    padded[:, spec.padding :] = codes[:, : spec.length]
    return np.ascontiguousarray(padded.view(_WORD).T), regular


def _scalar_answer(element: object, spec: _Format, scalar: _Scalar) -> bool:
    """Answer for one element the vector path left: text, bytes, an integer or anything else."""
    if isinstance(element, bytes):
        return scalar(element.decode("ascii", errors="replace"))
    if isinstance(element, bool | np.bool_):  # a truth value is not a number
        return False
    if isinstance(element, int | np.integer):  # an integer is its digits, leading zeros implied
        value = int(element)
        return 0 <= value < 10**spec.length and scalar(f"{value:0{spec.length}d}")
    return scalar(element)  # type: ignore[arg-type]  # the scalar path says False to non-text
