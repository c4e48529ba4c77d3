"""The bulk path: whole NumPy arrays validated at once, with the scalar ``is_valid``'s answers.

Text arrays (str and bytes, any width), integer arrays (the number's digits, leading zeros
implied), object arrays and lists; regular elements take the vector path, the others the scalar
one, and every element must get exactly what the format's ``is_valid`` says.
"""

import string
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.typing import NDArray

from mynumber.numbers import bulk, corporate, individual, resident_code

_Bulk = Callable[[Any], NDArray[np.bool_]]
FORMATS: list[tuple[ModuleType, _Bulk]] = [
    (individual, bulk.individual_is_valid),
    (corporate, bulk.corporate_is_valid),
    (resident_code, bulk.resident_code_is_valid),
]
FORMAT_IDS = ["individual", "corporate", "resident_code"]
VALID = {individual: "621498320257", corporate: "5835678256246", resident_code: "12345678903"}

#: Regular and irregular elements of every format: each must get the scalar answer.
IRREGULAR = [
    "621498320257",
    "621498320258",
    "023456789013",
    "123456789018",
    "983205673214",
    "5835678256246",
    "4011001098993",
    "7123456789012",
    "2835678256246",
    "0835678256246",
    "12345678903",
    "12345678904",
    "6214 9832 0257",
    "6214-9832-0257",
    "5-8356-7825-6246",
    "1234-5678-903",
    " 621498320257",
    "621498320257 ",
    "\t5835678256246\n",
    "６２１４９８３２０２５７",
    "６２１４　９８３２　０２５７",
    "５－８３５６－７８２５－６２４６",
    "１２３４５６７８９０３",
    "62149832025７",
    "",
    " ",
    "6",
    "62149832025",
    "6214983202570",
    "58356782562460",
    "0000000000000000000000",
    "62149832025X",
    "X21498320257",
    "583567825624X",
    "1234567890X",
    "٦٢١٤٩٨٣٢٠٢٥٧",
    "６２１４９８３２０２５٧",
    "6214\u16809832\u16800257",
    "62149832025\U0001d7d5",
    "621498320257\u3000",
    "000000000000",
    "0000000000000",
    "00000000000",
    "12345678903\u200b",
    "1" * 11,
    "9" * 13,
]


def _scalar(module: ModuleType, elements: list[Any]) -> list[bool]:
    """Return the scalar ``is_valid`` of every element."""
    return [module.is_valid(element) for element in elements]


def _of_bytes(module: ModuleType, elements: list[bytes]) -> list[bool]:
    """Return the answer for bytes: the ``is_valid`` of their ASCII text; non-ASCII is invalid."""
    return [element.isascii() and module.is_valid(element.decode("ascii")) for element in elements]


@pytest.mark.parametrize(("module", "is_valid"), FORMATS, ids=FORMAT_IDS)
def test_str_arrays_get_the_scalar_answer(module: ModuleType, is_valid: _Bulk) -> None:
    """A str (U) array of regular and irregular elements gets is_valid's answer for each element."""
    answers = is_valid(np.array(IRREGULAR))
    assert answers.dtype == np.bool_
    assert answers.tolist() == _scalar(module, IRREGULAR)
    assert sum(answers.tolist()) >= 4


@pytest.mark.parametrize("width", [None, 1, 11, 12, 13, 14, 40])
@pytest.mark.parametrize(("module", "is_valid"), FORMATS, ids=FORMAT_IDS)
def test_str_arrays_of_any_width_get_the_scalar_answer(
    module: ModuleType, is_valid: _Bulk, width: int | None
) -> None:
    """U arrays narrower or wider than the number (numpy cuts the rest) answer as is_valid does."""
    array = np.array(IRREGULAR, dtype=None if width is None else f"U{width}")
    assert is_valid(array).tolist() == _scalar(module, array.tolist())


@pytest.mark.parametrize("width", [None, 1, 10, 11, 12, 13, 16, 40])
@pytest.mark.parametrize(("module", "is_valid"), FORMATS, ids=FORMAT_IDS)
def test_bytes_arrays_of_any_width_get_the_scalar_answer(
    module: ModuleType, is_valid: _Bulk, width: int | None
) -> None:
    """S arrays answer as is_valid does for their ASCII text, whatever the array's width."""
    elements = [text.encode("ascii") for text in IRREGULAR if text.isascii()]
    array = np.array(elements, dtype=None if width is None else f"S{width}")
    assert is_valid(array).tolist() == _of_bytes(module, array.tolist())


#: Every ASCII character, and code points just above ASCII and around the full-width digits.
_SUBSTITUTES = [chr(code) for code in range(1, 0x80)] + [
    "\x80",
    "\xb0",
    "\xb9",
    "\u0130",
    "\u0139",
    "\u0230",
    "\u3030",
    "\uff0f",
    "\uff10",
    "\uff19",
    "\uff1a",
    "\U00010030",
]


@pytest.mark.parametrize(("module", "is_valid"), FORMATS, ids=FORMAT_IDS)
def test_every_single_character_substitution_gets_the_scalar_answer(
    module: ModuleType, is_valid: _Bulk
) -> None:
    """One character of a valid number replaced by ASCII or an edge code point: scalar answer."""
    number = VALID[module]
    texts = [
        number[:index] + char + number[index + 1 :]
        for index in range(module.LENGTH)
        for char in _SUBSTITUTES
    ]
    expected = _scalar(module, texts)
    assert is_valid(np.array(texts)).tolist() == expected
    encoded = [text.encode() for text in texts]
    assert is_valid(np.array(encoded)).tolist() == _of_bytes(module, encoded)
    assert sum(expected) >= module.LENGTH  # at least the original digit back in its place


@pytest.mark.parametrize(("module", "is_valid"), FORMATS, ids=FORMAT_IDS)
def test_non_ascii_bytes_are_invalid(module: ModuleType, is_valid: _Bulk) -> None:
    """Bytes that are not ASCII (UTF-8 full-width digits, Latin-1 no-break space) are invalid."""
    number = VALID[module]
    elements = [
        number.encode("ascii"),
        "６".encode() + number[1:].encode("ascii"),
        number[:4].encode("ascii") + b"\xa0" + number[4:].encode("ascii"),
        b"\xff" * len(number),
    ]
    assert is_valid(np.array(elements)).tolist() == [True, False, False, False]


@pytest.mark.parametrize(("module", "is_valid"), FORMATS, ids=FORMAT_IDS)
def test_lists_and_object_arrays_get_the_scalar_answer(module: ModuleType, is_valid: _Bulk) -> None:
    """Lists of str, and object arrays of str, None, floats and containers, answer as is_valid."""
    assert is_valid(IRREGULAR).tolist() == _scalar(module, IRREGULAR)
    mixed = [*IRREGULAR, None, 3.5, ["621498320257"], {"number": "621498320257"}]
    objects = np.empty(len(mixed), dtype=object)
    objects[:] = mixed
    assert is_valid(objects).tolist() == _scalar(module, mixed)


@pytest.mark.parametrize(
    "dtype", [np.int64, np.uint64, ">i8", "<u8", np.int32, np.uint32, np.int16, np.uint8]
)
@pytest.mark.parametrize(("module", "is_valid"), FORMATS, ids=FORMAT_IDS)
def test_integer_arrays_read_as_zero_padded_digits(
    module: ModuleType, is_valid: _Bulk, dtype: Any
) -> None:
    """An integer is the digits with leading zeros implied; negative or too long is invalid."""
    length = module.LENGTH
    limit = np.iinfo(np.dtype(dtype)).max
    candidates = [
        int(VALID[module]),
        int(VALID[module]) + 1,
        10**length + int(VALID[module]),
        10**length - 1,
        10**length,
        23456789013,
        12345678903,
        0,
        1,
        5,
        9,
        98,
        -int(VALID[module]),
        -1,
        -(10**length) + 1,
        2**63 - 1,
        2**64 - 1,
    ]
    signed = np.dtype(dtype).kind == "i"
    values = [v for v in candidates if (v >= 0 or signed) and v <= limit and v >= -limit - 1]
    answers = is_valid(np.array(values, dtype=dtype))
    expected = [0 <= v < 10**length and module.is_valid(f"{v:0{length}d}") for v in values]
    assert answers.tolist() == expected


@pytest.mark.parametrize(("module", "is_valid"), FORMATS, ids=FORMAT_IDS)
def test_random_integer_arrays_get_the_answer_of_their_digits(
    module: ModuleType, is_valid: _Bulk
) -> None:
    """200,000 random integers around the number's range answer as is_valid on their digits."""
    rng = np.random.default_rng(module.LENGTH)
    values = rng.integers(-(10**5), 10 ** (module.LENGTH) + 10**5, size=200_000, dtype=np.int64)
    answers = is_valid(values)
    expected = [
        0 <= v < 10**module.LENGTH and module.is_valid(f"{v:0{module.LENGTH}d}")
        for v in values.tolist()
    ]
    assert answers.tolist() == expected
    assert 0.05 < answers.mean() < 0.2


@pytest.mark.parametrize(("module", "is_valid"), FORMATS, ids=FORMAT_IDS)
def test_random_digit_strings_get_the_scalar_answer(module: ModuleType, is_valid: _Bulk) -> None:
    """200,000 random digit strings (U and S arrays) get is_valid's answer; about 1 in 10 valid."""
    rng = np.random.default_rng(module.LENGTH + 100)
    codes = rng.integers(ord("0"), ord("9") + 1, size=(200_000, module.LENGTH), dtype=np.uint8)
    as_bytes = codes.view(f"S{module.LENGTH}").reshape(-1)
    as_str = as_bytes.astype(f"U{module.LENGTH}")
    expected = _scalar(module, as_str.tolist())
    assert is_valid(as_str).tolist() == expected
    assert is_valid(as_bytes).tolist() == expected
    assert 0.08 < np.mean(expected) < 0.14


@pytest.mark.parametrize(("module", "is_valid"), FORMATS, ids=FORMAT_IDS)
def test_a_strided_array_gets_the_scalar_answer(module: ModuleType, is_valid: _Bulk) -> None:
    """A view of every other element (not contiguous) is validated like a copy of it."""
    number = VALID[module]
    for array in (np.array([number, "x"] * 3), np.array([number.encode(), b"x"] * 3)):
        view = array[::2]
        assert is_valid(view).tolist() == [True, True, True]


@pytest.mark.parametrize("dtype", ["U12", "S12", "U1", np.int64, np.uint64, object])
@pytest.mark.parametrize(("module", "is_valid"), FORMATS, ids=FORMAT_IDS)
def test_an_empty_array_gives_an_empty_answer(
    module: ModuleType, is_valid: _Bulk, dtype: Any
) -> None:
    """No elements, no answers: an empty array of any kind gives an empty boolean array."""
    del module
    answers = is_valid(np.array([], dtype=dtype))
    assert answers.dtype == np.bool_
    assert answers.tolist() == []


@pytest.mark.parametrize(("module", "is_valid"), FORMATS, ids=FORMAT_IDS)
def test_a_trailing_nul_is_not_ignored(module: ModuleType, is_valid: _Bulk) -> None:
    """A valid number followed by NUL is invalid in bulk as it is for is_valid."""
    text = VALID[module] + "\x00"
    assert not module.is_valid(text)
    assert is_valid([text]).tolist() == [False]
    assert is_valid(np.array([text.encode()], dtype=object)).tolist() == [False]


@pytest.mark.parametrize(("module", "is_valid"), FORMATS, ids=FORMAT_IDS)
def test_numpy_float_and_bool_arrays_are_invalid(module: ModuleType, is_valid: _Bulk) -> None:
    """Float and boolean arrays are not numbers: every element is invalid, nothing raises."""
    del module
    assert is_valid(np.array([621498320257.0, 5835678256246.0])).tolist() == [False, False]
    assert is_valid(np.array([True, False])).tolist() == [False, False]


_DIGIT_LIKE = st.text(
    alphabet=st.sampled_from("0123456789０１２３４５６７８９ -－\u3000\t٣x"), max_size=16
)


@given(st.lists(st.one_of(st.text(), _DIGIT_LIKE), max_size=30))
def test_any_text_gets_the_scalar_answer(texts: list[str]) -> None:
    """For lists of arbitrary text the bulk path answers as is_valid, element by element."""
    for module, is_valid in FORMATS:
        assert is_valid(texts).tolist() == _scalar(module, texts)
        assert is_valid(np.array(texts, dtype=object)).tolist() == _scalar(module, texts)


@st.composite
def _near_valid(draw: st.DrawFn) -> str:
    """Draw a valid number of a random format, maybe mangled by one digit, separators or width."""
    module = draw(st.sampled_from([individual, corporate, resident_code]))
    digits = draw(
        st.text(alphabet=string.digits, min_size=module.LENGTH - 1, max_size=module.LENGTH - 1)
    )
    check: str = module.calc_check_digit(digits)
    number = check + digits if module is corporate else digits + check
    if draw(st.booleans()):
        index = draw(st.integers(0, module.LENGTH - 1))
        number = number[:index] + draw(st.sampled_from(string.digits)) + number[index + 1 :]
    if draw(st.booleans()):
        index = draw(st.integers(0, module.LENGTH))
        number = number[:index] + draw(st.sampled_from([" ", "-", "０", "\u3000"])) + number[index:]
    return number


@given(st.lists(_near_valid(), min_size=1, max_size=40))
def test_near_valid_numbers_get_the_scalar_answer(texts: list[str]) -> None:
    """Valid numbers and their near misses get the scalar answer as str, bytes and list."""
    for module, is_valid in FORMATS:
        expected = _scalar(module, texts)
        assert is_valid(texts).tolist() == expected
        assert is_valid(np.array(texts)).tolist() == expected
        encoded = [text.encode() for text in texts]
        assert is_valid(np.array(encoded)).tolist() == _of_bytes(module, encoded)


@pytest.mark.parametrize(("module", "is_valid"), FORMATS, ids=FORMAT_IDS)
@pytest.mark.parametrize(
    "others", [[10**20], [-(2**64)], [-1, 2**63]], ids=["10**20", "-2**64", "-1-and-2**63"]
)
def test_an_integer_answer_does_not_depend_on_the_other_integers(
    module: ModuleType, is_valid: _Bulk, others: list[int]
) -> None:
    """A valid number given as an int stays valid in a list with ints that fit no 64-bit type."""
    number = int(VALID[module])
    assert is_valid([number]).tolist() == [True]
    assert is_valid([number, *others]).tolist() == [True] + [False] * len(others)


@pytest.mark.parametrize(
    ("check_digits", "bases"),
    [
        (bulk.individual_check_digits, [62149832025, 10**11 + 62149832025]),
        (bulk.individual_check_digits, [621498320257]),
        (bulk.resident_code_check_digits, [1234567890, 12345678903]),
    ],
    ids=["individual-12-digits", "individual-whole-number", "resident-code-11-digits"],
)
def test_check_digits_refuse_bases_with_too_many_digits(
    check_digits: Callable[[NDArray[np.uint64]], NDArray[np.uint64]], bases: list[int]
) -> None:
    """A base longer than the format's base digits is refused, as calc_check_digit refuses it."""
    with pytest.raises(ValueError, match="digits"):
        check_digits(np.array(bases, dtype=np.uint64))


@given(st.lists(st.integers(0, 10**11 - 1), min_size=1, max_size=50))
def test_individual_check_digits_equal_the_scalar_ones(bases: list[int]) -> None:
    """individual_check_digits gives calc_check_digit of every 11-digit base, leading zeros too."""
    digits = bulk.individual_check_digits(np.array(bases, dtype=np.uint64))
    assert digits.tolist() == [int(individual.calc_check_digit(f"{b:011d}")) for b in bases]


@given(st.lists(st.integers(0, 10**10 - 1), min_size=1, max_size=50))
def test_resident_code_check_digits_equal_the_scalar_ones(codes: list[int]) -> None:
    """resident_code_check_digits gives calc_check_digit of every 10 random digits."""
    digits = bulk.resident_code_check_digits(np.array(codes, dtype=np.uint64))
    assert digits.tolist() == [int(resident_code.calc_check_digit(f"{c:010d}")) for c in codes]


def test_check_digits_of_a_million_bases_make_valid_numbers() -> None:
    """A million random bases with their bulk check digits all validate, as ints and as text."""
    rng = np.random.default_rng(7)
    bases = rng.integers(0, 10**11, size=1_000_000, dtype=np.uint64)
    numbers = bases * np.uint64(10) + bulk.individual_check_digits(bases)
    assert bulk.individual_is_valid(numbers).all()
    ten = np.uint64(10)
    wrong_check = numbers - numbers % ten + (numbers + np.uint64(1)) % ten
    assert not bulk.individual_is_valid(wrong_check).any()
    sample = numbers[:2000].tolist()
    assert all(individual.is_valid(f"{n:012d}") for n in sample)
    codes = rng.integers(0, 10**10, size=1_000_000, dtype=np.uint64)
    full = codes * np.uint64(10) + bulk.resident_code_check_digits(codes)
    assert bulk.resident_code_is_valid(full).all()
    assert bulk.resident_code_is_valid(np.char.zfill(full.astype("U11"), 11)).all()
