"""The inputs the figures are measured on, drawn from one seeded generator.

Every run sees the same inputs, so two runs differ only by the machine's noise. Random digit
strings are what a validator meets in the worst honest case: about one in ten passes the check
digit, the rest fail only at the last step.
"""

import numpy as np
from numpy.typing import NDArray

from mynumber.numbers import bulk

#: The seed of every input; change it and every figure is measured on other numbers.
SEED = 2_0250_0002
#: Random digits of a resident record code (住民票コード), before its check digit.
RESIDENT_RANDOM_DIGITS = 10


def generator() -> np.random.Generator:
    """Return the seeded random generator every input is drawn from."""
    return np.random.default_rng(SEED)


def random_numbers(rng: np.random.Generator, count: int, digits: int) -> NDArray[np.uint64]:
    """Return ``count`` uniformly random values of at most ``digits`` decimal digits."""
    return rng.integers(0, 10**digits, size=count, dtype=np.uint64)


def as_text(values: NDArray[np.uint64], digits: int) -> list[str]:
    """Return every value as a plain string of ``digits`` ASCII digits, leading zeros kept.

    >>> as_text(np.array([42, 621498320257], dtype=np.uint64), 12)
    ['000000000042', '621498320257']
    """
    return [f"{value:0{digits}d}" for value in values.tolist()]


def as_printed(numbers: list[str]) -> list[str]:
    """Return 12-digit numbers the way the card prints them: three groups of four, spaced.

    >>> as_printed(["621498320257"])
    ['6214 9832 0257']
    """
    return [f"{number[:4]} {number[4:8]} {number[8:]}" for number in numbers]


def resident_codes(rng: np.random.Generator, count: int) -> NDArray[np.uint64]:
    """Return ``count`` distinct valid resident record codes (11 digits) as integers."""
    random_digits = rng.choice(10**RESIDENT_RANDOM_DIGITS, size=count, replace=False)
    random_digits = random_digits.astype(np.uint64)
    return random_digits * np.uint64(10) + bulk.resident_code_check_digits(random_digits)
