"""The number generator (番号法 第8条): resident record code + generation -> FF1 -> number.

Every issued number validates; distinct (code, generation) pairs never share a number; the ten
generations of a code give ten numbers; another key gives other numbers; the batch path gives
what the scalar path gives; and what cannot be converted is refused with a message.
"""

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from mynumber.numbers import bulk, individual, resident_code
from mynumber.numbers.exceptions import InvalidChecksum, InvalidFormat, InvalidLength
from mynumber.numbers.generator import GENERATIONS, NumberGenerator

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
BATCH = 1_000_000


def _codes(random_digits: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """Return the resident record codes (check digit appended) of 10-digit random parts."""
    return random_digits * np.uint64(10) + bulk.resident_code_check_digits(random_digits)


def _code_text(random_digits: int) -> str:
    """Return the resident record code of a 10-digit random part, as text."""
    text = f"{random_digits:010d}"
    return text + resident_code.calc_check_digit(text)


@pytest.fixture(scope="module")
def batch() -> tuple[NDArray[np.uint64], NDArray[np.uint64]]:
    """Return a million distinct valid resident record codes and their generation-0 numbers."""
    rng = np.random.default_rng(8)
    random_digits = rng.choice(10**10, size=BATCH, replace=False, shuffle=False)
    codes = _codes(random_digits.astype(np.uint64))
    return codes, NumberGenerator(KEY).numbers_for(codes)


def test_a_million_codes_give_a_million_distinct_valid_numbers(
    batch: tuple[NDArray[np.uint64], NDArray[np.uint64]],
) -> None:
    """A batch of 10**6 distinct codes gives 10**6 numbers, no duplicate, every one valid."""
    codes, numbers = batch
    assert np.unique(codes).size == BATCH
    assert bulk.resident_code_is_valid(codes).all()
    assert numbers.dtype == np.uint64
    assert numbers.shape == (BATCH,)
    assert np.unique(numbers).size == BATCH
    assert int(numbers.max()) < 10**12
    assert bulk.individual_is_valid(numbers).all()
    as_text = np.char.zfill(numbers.astype("U12"), 12)
    assert bulk.individual_is_valid(as_text).all()


def test_numbers_do_not_carry_the_code_over(
    batch: tuple[NDArray[np.uint64], NDArray[np.uint64]],
) -> None:
    """The number's first 10 digits are not the code's 10 random digits (no visible regularity)."""
    codes, numbers = batch
    same = np.count_nonzero(numbers // np.uint64(100) == codes // np.uint64(10))
    assert same <= 1
    # Leading digits are spread over 0-9: numbers under 10**11 (a leading zero) are about a tenth.
    assert 0.09 < np.mean(numbers < 10**11) < 0.11


def test_the_batch_equals_number_for_on_a_sample(
    batch: tuple[NDArray[np.uint64], NDArray[np.uint64]],
) -> None:
    """numbers_for gives, code by code, the number number_for gives for the code as text."""
    codes, numbers = batch
    generator = NumberGenerator(KEY)
    picks = [0, 1, BATCH - 1, *np.random.default_rng(3).integers(0, BATCH, 300).tolist()]
    for index in picks:
        code = f"{int(codes[index]):011d}"
        assert generator.number_for(code) == f"{int(numbers[index]):012d}", code


@pytest.mark.parametrize("generation", [0, 1, 5, 9])
def test_the_batch_equals_number_for_at_every_generation(generation: int) -> None:
    """numbers_for at generation g equals number_for(code, g)."""
    rng = np.random.default_rng(generation)
    codes = _codes(rng.integers(0, 10**10, 200, dtype=np.uint64))
    generator = NumberGenerator(KEY)
    numbers = generator.numbers_for(codes, generation)
    expected = [generator.number_for(f"{code:011d}", generation) for code in codes.tolist()]
    assert [f"{number:012d}" for number in numbers.tolist()] == expected


def test_the_known_answer_of_the_documented_key() -> None:
    """Key bytes 0..31 and code 12345678903 give 352057464201, through both paths."""
    generator = NumberGenerator(KEY)
    assert generator.number_for("12345678903") == "352057464201"
    assert generator.number_for("12345-67890-3") == "352057464201"
    assert generator.number_for("１２３４５６７８９０３") == "352057464201"
    codes = np.array([12345678903], dtype=np.uint64)
    assert generator.numbers_for(codes).tolist() == [352057464201]


def test_ten_generations_of_one_code_give_ten_distinct_numbers() -> None:
    """Generations 0..9 of a code give ten different valid numbers, the same on each call."""
    generator = NumberGenerator(KEY)
    for code in ("12345678903", "00000000000", _code_text(9_999_999_999)):
        numbers = [generator.number_for(code, generation) for generation in range(GENERATIONS)]
        assert len(set(numbers)) == GENERATIONS
        assert all(individual.is_valid(number) for number in numbers)
        assert numbers == [generator.number_for(code, g) for g in range(GENERATIONS)]


def test_different_keys_give_different_numbers() -> None:
    """The same codes under another key give other numbers: the conversion depends on the key."""
    codes = _codes(np.arange(10**9, 10**9 + 10_000, dtype=np.uint64))
    first = NumberGenerator(KEY).numbers_for(codes)
    second = NumberGenerator(OTHER_KEY).numbers_for(codes)
    assert np.count_nonzero(first == second) <= 1
    assert NumberGenerator(KEY).number_for("12345678903") != NumberGenerator(OTHER_KEY).number_for(
        "12345678903"
    )


def test_consecutive_codes_give_unrelated_numbers() -> None:
    """Codes one apart give numbers far apart: no regularity recovers one from the other."""
    codes = _codes(np.arange(5 * 10**9, 5 * 10**9 + 1000, dtype=np.uint64))
    numbers = NumberGenerator(KEY).numbers_for(codes).astype(np.int64)
    steps = np.abs(np.diff(numbers))
    assert np.count_nonzero(steps < 10**6) <= 2


@pytest.mark.parametrize("generation", [-1, 10, 11, 100])
def test_a_generation_outside_0_to_9_is_refused(generation: int) -> None:
    """Generations outside 0..9 raise InvalidFormat saying a person holds at most 10 numbers."""
    generator = NumberGenerator(KEY)
    message = rf"generation {generation} does not exist: a person holds at most 10 numbers"
    with pytest.raises(InvalidFormat, match=message):
        generator.number_for("12345678903", generation)
    with pytest.raises(InvalidFormat, match=message):
        generator.numbers_for(np.array([12345678903], dtype=np.uint64), generation)


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("12345678904", InvalidChecksum),
        ("1234567890", InvalidLength),
        ("123456789030", InvalidLength),
        ("1234567890X", InvalidFormat),
        ("", InvalidLength),
    ],
)
def test_number_for_refuses_an_invalid_code(code: str, error: type[Exception]) -> None:
    """number_for validates the resident record code first, with the format's own error."""
    with pytest.raises(error, match="resident record code"):
        NumberGenerator(KEY).number_for(code)


def test_numbers_for_refuses_a_batch_holding_an_invalid_code() -> None:
    """A batch with invalid codes is refused whole, naming how many and the first one."""
    codes = _codes(np.arange(10**9, 10**9 + 10, dtype=np.uint64))
    ten = np.uint64(10)
    codes[3] = codes[3] - codes[3] % ten + (codes[3] + np.uint64(1)) % ten  # another check digit
    codes[7] = np.uint64(10**11)
    message = (
        rf"2 of the resident record codes are not valid, the first at position 3 "
        rf"\({int(codes[3]):011d}\): fix or remove them"
    )
    with pytest.raises(InvalidChecksum, match=message):
        NumberGenerator(KEY).numbers_for(codes)


@pytest.mark.parametrize(
    "codes",
    [
        np.array([12345678903], dtype=np.int64),
        np.array([[12345678903]], dtype=np.uint64),
        np.array(["12345678903"]),
        [12345678903],
    ],
    ids=["int64", "2-d", "str", "list"],
)
def test_numbers_for_takes_only_a_uint64_vector(codes: object) -> None:
    """Codes must come as a one-dimensional uint64 array; anything else is an InvalidFormat."""
    with pytest.raises(InvalidFormat, match="one-dimensional uint64 array"):
        NumberGenerator(KEY).numbers_for(codes)  # type: ignore[arg-type]


def test_an_empty_batch_gives_no_numbers() -> None:
    """numbers_for of no codes gives an empty uint64 array, not an error."""
    numbers = NumberGenerator(KEY).numbers_for(np.array([], dtype=np.uint64))
    assert numbers.dtype == np.uint64
    assert numbers.tolist() == []


def test_the_key_must_be_an_aes_key() -> None:
    """A key of other than 16, 24 or 32 bytes is refused when the generator is made."""
    with pytest.raises(ValueError, match=re.escape("16, 24 or 32 bytes")):
        NumberGenerator(bytes(20))


@settings(deadline=None, max_examples=50)
@given(
    st.lists(
        st.tuples(st.integers(0, 10**10 - 1), st.integers(0, GENERATIONS - 1)),
        min_size=1,
        max_size=60,
        unique=True,
    ),
    st.binary(min_size=16, max_size=16) | st.binary(min_size=32, max_size=32),
)
def test_issued_numbers_validate_and_never_collide(
    pairs: list[tuple[int, int]], key: bytes
) -> None:
    """For any key and distinct (code, generation) pairs: all numbers valid, no two the same."""
    generator = NumberGenerator(key)
    numbers = [generator.number_for(_code_text(digits), g) for digits, g in pairs]
    assert all(individual.is_valid(number) for number in numbers)
    assert len(set(numbers)) == len(pairs)


@settings(deadline=None, max_examples=30)
@given(
    st.lists(st.integers(0, 10**10 - 1), min_size=1, max_size=200, unique=True),
    st.integers(0, GENERATIONS - 1),
)
def test_batches_validate_never_collide_and_match_the_scalar_path(
    random_digits: list[int], generation: int
) -> None:
    """Random batches: every number valid, all distinct, each equal to number_for's."""
    generator = NumberGenerator(KEY)
    codes = _codes(np.array(random_digits, dtype=np.uint64))
    numbers = generator.numbers_for(codes, generation)
    assert bulk.individual_is_valid(numbers).all()
    assert np.unique(numbers).size == len(random_digits)
    first = f"{int(codes[0]):011d}"
    assert f"{int(numbers[0]):012d}" == generator.number_for(first, generation)
