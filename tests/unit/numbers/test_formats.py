"""The three number formats: SPEC.md's known answers, compacting, formatting and the errors.

Individual Number (12 digits, check digit last, mod 11), Corporate Number (13 digits, check digit
first, mod 9) and resident record code (11 digits, the Individual Number's rule over 10 digits).
"""

import string
import unicodedata
from types import ModuleType

import numpy as np
import pytest
import stdnum.jp.cn
import stdnum.jp.in_
from hypothesis import given
from hypothesis import strategies as st

from mynumber.errors import MyNumberError
from mynumber.numbers import corporate, individual, resident_code
from mynumber.numbers.exceptions import (
    InvalidChecksum,
    InvalidFormat,
    InvalidLength,
    InvalidNumber,
)

FORMATS = [individual, corporate, resident_code]
FORMAT_IDS = ["individual", "corporate", "resident_code"]

INDIVIDUAL_VALID = ["621498320257", "123456789018", "983205673214", "023456789013"]
INDIVIDUAL_INVALID = ["621498320258", "123456789019"]
CORPORATE_VALID = ["5835678256246", "4011001098993", "7123456789012"]
CORPORATE_INVALID = ["2835678256246"]
#: The project's own rule (SPEC.md 1): 1234567890 weighs 5+8+9+8+35+36+35+32+27+0 = 195 = 8 mod 11.
RESIDENT_CODE_VALID = ["12345678903"]
RESIDENT_CODE_INVALID = ["12345678904", "12345678900"]

#: A valid example of each format, in the order of FORMATS.
EXAMPLES = {individual: "621498320257", corporate: "5835678256246", resident_code: "12345678903"}

#: Text Python's str.isdigit() calls digits that are neither ASCII nor full-width.
FOREIGN_DIGITS = {
    "ARABIC-INDIC": "٠١٢٣٤٥٦٧٨٩",
    "EXTENDED ARABIC-INDIC": "۰۱۲۳۴۵۶۷۸۹",
    "DEVANAGARI": "०१२३४५६७८९",
    "BENGALI": "০১২৩৪৫৬৭৮৯",
    "THAI": "๐๑๒๓๔๕๖๗๘๙",
    "SUPERSCRIPT": "⁰¹²³⁴⁵⁶⁷⁸⁹",
    "SUBSCRIPT": "₀₁₂₃₄₅₆₇₈₉",
    "CIRCLED": "⓪①②③④⑤⑥⑦⑧⑨",
    "MATHEMATICAL BOLD": "".join(chr(0x1D7CE + i) for i in range(10)),
    "MATHEMATICAL MONOSPACE": "".join(chr(0x1D7F6 + i) for i in range(10)),
}


def _in_script(number: str, digits: str) -> str:
    """Return ``number`` with every ASCII digit replaced by the same digit of ``digits``."""
    return number.translate(str.maketrans(string.digits, digits))


def test_the_foreign_digit_table_is_made_of_digits() -> None:
    """Every foreign 'digit' used below is one Python's isdigit() accepts, with the right value."""
    for name, digits in FOREIGN_DIGITS.items():
        assert digits.isdigit(), name
        assert [unicodedata.digit(char) for char in digits] == list(range(10)), name


@pytest.mark.parametrize("number", INDIVIDUAL_VALID)
def test_spec_individual_numbers_are_valid(number: str) -> None:
    """SPEC.md's valid Individual Numbers validate to themselves; leading zero kept."""
    assert individual.validate(number) == number
    assert individual.is_valid(number)
    assert individual.calc_check_digit(number[:-1]) == number[-1]


@pytest.mark.parametrize(("number", "expected"), [("621498320258", "7"), ("123456789019", "8")])
def test_spec_invalid_individual_numbers_fail_their_checksum(number: str, expected: str) -> None:
    """SPEC.md's invalid Individual Numbers raise InvalidChecksum naming the expected digit."""
    assert not individual.is_valid(number)
    with pytest.raises(InvalidChecksum, match=rf"expected {expected}\)") as caught:
        individual.validate(number)
    assert number in str(caught.value)
    assert "typing mistake" in str(caught.value)


@pytest.mark.parametrize("number", CORPORATE_VALID)
def test_spec_corporate_numbers_are_valid(number: str) -> None:
    """SPEC.md's valid Corporate Numbers validate; their check digit is the first digit."""
    assert corporate.validate(number) == number
    assert corporate.is_valid(number)
    assert corporate.calc_check_digit(number[1:]) == number[0]


def test_spec_invalid_corporate_number_fails_its_checksum() -> None:
    """2835678256246 raises InvalidChecksum, naming 5 as the expected check digit."""
    assert not corporate.is_valid("2835678256246")
    with pytest.raises(InvalidChecksum, match=r"expected 5\)"):
        corporate.validate("2835678256246")


@pytest.mark.parametrize("base", ["000000000000", "999999999999", "000000000009", "900000000000"])
def test_corporate_check_digit_is_never_zero(base: str) -> None:
    """The Corporate Number check digit is 9 - (sum mod 9): 1..9, so a leading 0 never validates."""
    check = corporate.calc_check_digit(base)
    assert check in "123456789"
    assert corporate.is_valid(check + base)
    assert not corporate.is_valid("0" + base)


def test_resident_code_known_answers() -> None:
    """The resident record code uses mod 11 over its 10 digits: 1234567890 takes check digit 3."""
    for code in RESIDENT_CODE_VALID:
        assert resident_code.validate(code) == code
    for code in RESIDENT_CODE_INVALID:
        assert not resident_code.is_valid(code)
        with pytest.raises(InvalidChecksum, match=r"expected 3\)"):
            resident_code.validate(code)


def test_individual_check_digit_wraps_remainders_0_and_1_to_zero() -> None:
    """Remainders 0 and 1 both give check digit 0 (SPEC.md 1): 00000000000 and 00000000006."""
    # 00000000006: 6 * 2 = 12 = 1 mod 11 -> 0; 00000000000: 0 -> 0; 00000000001: 2 -> 9.
    assert individual.calc_check_digit("00000000000") == "0"
    assert individual.calc_check_digit("00000000006") == "0"
    assert individual.calc_check_digit("00000000001") == "9"
    assert individual.is_valid("000000000060")


@given(st.text(alphabet=string.digits, min_size=11, max_size=11))
def test_individual_check_digit_agrees_with_stdnum(base: str) -> None:
    """calc_check_digit equals python-stdnum's jp.in_ for any 11 base digits."""
    assert individual.calc_check_digit(base) == stdnum.jp.in_.calc_check_digit(base)
    assert individual.is_valid(base + individual.calc_check_digit(base))


@given(st.text(alphabet=string.digits, min_size=12, max_size=12))
def test_corporate_check_digit_agrees_with_stdnum(base: str) -> None:
    """calc_check_digit equals python-stdnum's jp.cn for any 12 base digits."""
    assert corporate.calc_check_digit(base) == stdnum.jp.cn.calc_check_digit(base)


@given(st.text(alphabet=string.digits, min_size=10, max_size=10))
def test_resident_code_uses_the_individual_number_rule(code: str) -> None:
    """A code's check digit is the Individual Number's of the same digits after a leading zero."""
    assert resident_code.calc_check_digit(code) == stdnum.jp.in_.calc_check_digit("0" + code)


@given(st.text(alphabet=string.digits, min_size=11, max_size=11), st.integers(1, 9))
def test_every_wrong_check_digit_is_caught(base: str, shift: int) -> None:
    """Of the ten digits that can end 11 base digits, exactly one makes a valid number."""
    check = individual.calc_check_digit(base)
    wrong = str((int(check) + shift) % 10)
    assert individual.is_valid(base + check)
    assert not individual.is_valid(base + wrong)
    with pytest.raises(InvalidChecksum, match=rf"expected {check}\)"):
        individual.validate(base + wrong)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("６２１４９８３２０２５７", "621498320257"),
        ("６２１４　９８３２　０２５７", "621498320257"),
        ("６２１４－９８３２－０２５７", "621498320257"),
        ("6214\u22129832\u22120257", "621498320257"),
        ("6214\u20139832\u20140257", "621498320257"),
        ("6214\u00a09832\u202f0257", "621498320257"),
        ("6214-9832 0257", "621498320257"),
        ("  6214 9832 0257\n", "621498320257"),
        ("\t\u3000621498320257\u3000\r\n", "621498320257"),
        ("6-2-1-4-9-8-3-2-0-2-5-7", "621498320257"),
        ("０2３4５6７8９0１2", "023456789012"),
    ],
)
def test_compact_folds_full_width_digits_and_drops_separators(text: str, expected: str) -> None:
    """Compacting makes full-width digits ASCII, drops spaces, hyphens and outer whitespace."""
    assert individual.compact(text) == expected


@pytest.mark.parametrize(
    "text",
    ["６２１４　９８３２　０２５７", "６２１４－９８３２－０２５７", " 6214\u30009832\uff0d0257 "],
)
def test_pasted_japanese_form_text_validates(text: str) -> None:
    """Full-width digits with ideographic spaces or full-width hyphens validate to ASCII digits."""
    assert individual.validate(text) == "621498320257"
    assert individual.is_valid(text)


def test_compact_keeps_foreign_characters_for_validation_to_reject() -> None:
    """Letters, other digits and unknown punctuation survive compact and are rejected after."""
    assert individual.compact("6214_9832.0257") == "6214_9832.0257"
    assert individual.compact("٦٢١٤٩٨٣٢٠٢٥٧") == "٦٢١٤٩٨٣٢٠٢٥٧"
    with pytest.raises(InvalidFormat):
        individual.validate("6214_9832_02")


@pytest.mark.parametrize(
    ("module", "number", "printed"),
    [
        (individual, "621498320257", "6214 9832 0257"),
        (individual, "６２１４－９８３２－０２５７", "6214 9832 0257"),
        (individual, "023456789013", "0234 5678 9013"),
        (corporate, "4011001098993", "4-0110-0109-8993"),
        (corporate, "５ ８３５６ ７８２５ ６２４６", "5-8356-7825-6246"),
        (resident_code, "1234-5678-903", "12345678903"),
        (resident_code, "１２３４５６７８９０３", "12345678903"),
    ],
)
def test_format_gives_the_printed_form(module: ModuleType, number: str, printed: str) -> None:
    """Formatting gives 4-4-4 (Individual), 1-4-4-4 (Corporate), bare 11 digits (resident code)."""
    assert module.format(number) == printed


def test_format_takes_another_separator() -> None:
    """The separator of the printed groups can be chosen."""
    assert individual.format("621498320257", separator="-") == "6214-9832-0257"
    assert corporate.format("5835678256246", separator=" ") == "5 8356 7825 6246"


@pytest.mark.parametrize(("module", "number"), EXAMPLES.items(), ids=FORMAT_IDS)
def test_formatted_numbers_validate_back(module: ModuleType, number: str) -> None:
    """What format prints, validate reads back as the same number."""
    assert module.validate(module.format(number)) == number


@pytest.mark.parametrize(
    ("module", "text", "length"),
    [
        (individual, "", 0),
        (individual, "62149832025", 11),
        (individual, "6214983202570", 13),
        (individual, "6214 9832 025", 11),
        (individual, "   ", 0),
        (corporate, "583567825624", 12),
        (corporate, "58356782562460", 14),
        (resident_code, "1234567890", 10),
        (resident_code, "123456789030", 12),
    ],
)
def test_wrong_lengths_raise_invalid_length(module: ModuleType, text: str, length: int) -> None:
    """The wrong count of characters after compacting is an InvalidLength saying both counts."""
    assert not module.is_valid(text)
    with pytest.raises(InvalidLength, match=rf"has {module.LENGTH} digits, this one has {length}$"):
        module.validate(text)


@pytest.mark.parametrize(
    ("module", "text"),
    [
        (individual, "62149832025X"),
        (individual, "6214_9832_02"),
        (individual, "a21498320257"),
        (individual, "6214.9832.02"),
        (individual, "62149832025\x00"),
        (individual, "+62149832025"),
        (individual, "621498320\t57"),
        (corporate, "583567825624X"),
        (corporate, "5835678256 4\n6"),
        (resident_code, "1234567890a"),
    ],
)
def test_foreign_characters_raise_invalid_format(module: ModuleType, text: str) -> None:
    """Letters, punctuation, NUL and inner tabs are an InvalidFormat when the length is right."""
    assert not module.is_valid(text)
    with pytest.raises(InvalidFormat, match="holds only digits, spaces and hyphens"):
        module.validate(text)


@pytest.mark.parametrize("script", FOREIGN_DIGITS)
@pytest.mark.parametrize(("module", "number"), EXAMPLES.items(), ids=FORMAT_IDS)
def test_digits_of_other_scripts_are_rejected(module: ModuleType, number: str, script: str) -> None:
    """A valid number written in other Unicode digits, wholly or one digit of it, is rejected."""
    whole = _in_script(number, FOREIGN_DIGITS[script])
    one = number[:-1] + _in_script(number[-1], FOREIGN_DIGITS[script])
    for text in (whole, one):
        assert text.isdigit()
        assert not module.is_valid(text)
        with pytest.raises(InvalidFormat):
            module.validate(text)


@pytest.mark.parametrize("error", [InvalidLength, InvalidFormat, InvalidChecksum])
def test_number_errors_are_value_errors_of_the_project(error: type[InvalidNumber]) -> None:
    """Each number error is an InvalidNumber, a ValueError and a MyNumberError with its own code."""
    assert issubclass(error, InvalidNumber)
    assert issubclass(error, ValueError)
    assert issubclass(error, MyNumberError)
    assert error.code != InvalidNumber.code


def test_number_errors_have_distinct_codes() -> None:
    """The machine-readable codes of the three errors differ (the CLI and the API show them)."""
    codes = {InvalidLength.code, InvalidFormat.code, InvalidChecksum.code}
    assert codes == {"invalid-length", "invalid-format", "invalid-checksum"}


def test_validate_errors_can_be_caught_as_value_errors() -> None:
    """Code written for python-stdnum (``except ValueError``) catches our validation errors."""
    for module, text in ((individual, "621498320258"), (corporate, "1"), (resident_code, "x" * 11)):
        with pytest.raises(ValueError, match=module.NAME):
            module.validate(text)


NON_TEXT = [
    None,
    b"621498320257",
    bytearray(b"5835678256246"),
    621498320257,
    5835678256246,
    12345678903,
    6.2,
    ["6", "2", "1", "4", "9", "8", "3", "2", "0", "2", "5", "7"],
    list("5835678256246"),
    ("621498320257",),
    {"number": "621498320257"},
    object(),
]


@pytest.mark.parametrize("value", NON_TEXT, ids=lambda value: type(value).__name__)
@pytest.mark.parametrize("module", FORMATS, ids=FORMAT_IDS)
def test_is_valid_says_false_for_non_text(module: ModuleType, value: object) -> None:
    """is_valid answers False, never raises, for None, bytes, ints, lists and other non-text."""
    assert module.is_valid(value) is False


@pytest.mark.parametrize(
    "value",
    [np.int64(621498320257), np.uint64(5835678256246), np.float64(12345678903.0), np.bool_(1)],
    ids=["int64", "uint64", "float64", "bool"],
)
@pytest.mark.parametrize("module", FORMATS, ids=FORMAT_IDS)
def test_is_valid_says_false_for_numpy_scalars(module: ModuleType, value: object) -> None:
    """is_valid answers False for NumPy scalars, what iterating over a number array yields."""
    assert module.is_valid(value) is False


@pytest.mark.parametrize("value", [None, b"621498320257", 621498320257, ["621498320257"]])
@pytest.mark.parametrize("module", FORMATS, ids=FORMAT_IDS)
def test_validate_refuses_non_text_with_invalid_format(module: ModuleType, value: object) -> None:
    """Validating non-text raises InvalidFormat (not TypeError): a number must be given as text."""
    with pytest.raises(InvalidFormat, match="must be given as text"):
        module.validate(value)


@pytest.mark.parametrize(
    ("module", "base"),
    [
        (individual, ""),
        (individual, "6214983202"),
        (individual, "621498320257"),
        (individual, "6214983202X"),
        (individual, "６２１４９８３２０２５"),
        (individual, "6214 983202"),
        (individual, "٦٢١٤٩٨٣٢٠٢٥"),
        (corporate, "83567825624"),
        (corporate, "8356782562460"),
        (corporate, "83567825624a"),
        (resident_code, "123456789"),
        (resident_code, "12345678903"),
        (resident_code, "123456789-"),
    ],
)
def test_calc_check_digit_takes_only_the_exact_base_digits(module: ModuleType, base: str) -> None:
    """calc_check_digit refuses anything but exactly the ASCII base digits, with InvalidFormat."""
    with pytest.raises(InvalidFormat, match="check digit is computed from"):
        module.calc_check_digit(base)


@given(st.text(max_size=20))
def test_is_valid_never_raises_and_agrees_with_validate(text: str) -> None:
    """For any text, is_valid is True exactly when validate returns without raising."""
    for module in FORMATS:
        try:
            module.validate(text)
        except InvalidNumber:
            expected = False
        else:
            expected = True
        assert module.is_valid(text) is expected


@given(st.text(alphabet="0123456789０１２３４５６７８９ -－\u3000", max_size=16))
def test_is_valid_agrees_with_validate_on_digit_like_text(text: str) -> None:
    """On digits, full-width digits and separators, is_valid and validate agree too."""
    for module in FORMATS:
        try:
            module.validate(text)
        except InvalidNumber:
            expected = False
        else:
            expected = True
        assert module.is_valid(text) is expected
