"""How the number authority makes an Individual Number from a resident record code (番号法 第8条).

The municipality sends only the resident record code; the authority returns the number. The law
asks three things of the conversion (番号法 第8条第2項):

1. the number differs from every number ever issued, replaced ones included;
2. it is obtained by converting the resident record code;
3. it has no regularity from which the code can be recovered.

The authority's conversion: the 10 random digits of the code and a one-digit generation counter
(0 for the first number, one more at each change after a leak, 番号法 第7条第2項) form 11 digits;
FF1 (NIST SP 800-38G) under the authority's secret AES key permutes them into the 11 base digits;
the public check digit completes the number. FF1 is a permutation, so distinct (code, generation)
pairs give distinct numbers: uniqueness holds by construction, with no table of issued numbers to
consult. Without the key the mapping cannot be inverted. A person can hold at most ten numbers
over a lifetime.
"""

import numpy as np
from numpy.typing import NDArray

from mynumber.numbers import bulk, individual, resident_code
from mynumber.numbers.exceptions import InvalidChecksum, InvalidFormat
from mynumber.numbers.ff1 import FF1

#: Numbers a person can be given over a lifetime: the generation digit runs from 0 to 9.
GENERATIONS = 10
_BASE_DIGITS = individual.LENGTH - 1


class NumberGenerator:
    """The number authority's conversion from resident record codes to Individual Numbers."""

    def __init__(self, key: bytes) -> None:
        """Take the authority's secret AES key (16, 24 or 32 bytes)."""
        self._ff1 = FF1(key, radix=10)

    def number_for(self, code: str, generation: int = 0) -> str:
        """Return the Individual Number of the resident record ``code`` at ``generation``.

        >>> NumberGenerator(bytes(range(32))).number_for("12345678903")
        '352057464201'
        """
        _check_generation(generation)
        random_digits = resident_code.validate(code)[:-1]
        base = self._ff1.encrypt(f"{random_digits}{generation}")
        return base + individual.calc_check_digit(base)

    def numbers_for(self, codes: NDArray[np.uint64], generation: int = 0) -> NDArray[np.uint64]:
        """Return the numbers of many resident record codes at once, as 12-digit integers.

        ``codes`` holds the 11-digit codes (check digit included) as integers. Print a result with
        ``f"{number:012d}"``: numbers may start with zeros.

        >>> generator = NumberGenerator(bytes(range(32)))
        >>> generator.numbers_for(np.array([12345678903], dtype=np.uint64)).tolist()
        [352057464201]
        """
        _check_generation(generation)
        codes = np.asarray(codes)
        if codes.dtype != np.uint64 or codes.ndim != 1:
            msg = (
                "resident record codes come as a one-dimensional uint64 array, "
                f"not a {codes.ndim}-d {codes.dtype} array"
            )
            raise InvalidFormat(msg)
        invalid = np.flatnonzero(~bulk.resident_code_is_valid(codes))
        if invalid.size:
            msg = (
                f"{invalid.size} of the resident record codes are not valid, the first at position "
                f"{invalid[0]} ({int(codes[invalid[0]]):011d}): fix or remove them and try again"
            )
            raise InvalidChecksum(msg)
        # (code // 10) drops the check digit; * 10 + generation appends the generation digit.
        inputs = codes - codes % np.uint64(10) + np.uint64(generation)
        bases = self._ff1.encrypt_array(inputs, _BASE_DIGITS)
        return bases * np.uint64(10) + bulk.individual_check_digits(bases)


def _check_generation(generation: int) -> None:
    """Refuse a generation that is not a whole number from 0 to 9."""
    if isinstance(generation, bool) or not isinstance(generation, int | np.integer):
        msg = f"a generation is a whole number from 0 to {GENERATIONS - 1}, not {generation!r}"
        raise InvalidFormat(msg)
    if not 0 <= generation < GENERATIONS:
        msg = (
            f"generation {generation} does not exist: a person holds at most {GENERATIONS} numbers "
            f"over a lifetime (generations 0 to {GENERATIONS - 1})"
        )
        raise InvalidFormat(msg)
