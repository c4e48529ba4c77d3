"""Our validators agree with python-stdnum's ``jp.in_`` and ``jp.cn``, except where we mean not to.

For a million random inputs per format (made from a fixed seed: valid numbers, random digit
strings of the right and nearby lengths, single-digit typos and transpositions, numbers with
spaces, hyphens, full-width digits or surrounding whitespace, letters and punctuation, digits of
other scripts, random Unicode), ``is_valid`` gives stdnum's answer and ``validate`` raises the
exception of the same name (InvalidLength, InvalidFormat, InvalidChecksum), and the bulk path on
the whole array gives ``is_valid``'s answers.

Where we deliberately differ (stdnum 2.2, ``stdnum.util._char_map``):

* stdnum folds the mathematical alphanumeric digits U+1D7CE..U+1D7FF (bold, double-struck,
  sans-serif, sans-serif bold, monospace) into ASCII digits; we reject them like every other
  non-ASCII digit but the full-width ones (InvalidFormat).
* stdnum folds these dash look-alikes into a hyphen and drops it: ARMENIAN HYPHEN, HEBREW
  PUNCTUATION MAQAF, MONGOLIAN NIRUGU, OVERLINE, HYPHEN BULLET, MACRON, MODIFIER LETTER MINUS
  SIGN, FULLWIDTH MACRON, OGHAM SPACE MARK, SUPERSCRIPT MINUS, SUBSCRIPT MINUS, HORIZONTAL LINE
  EXTENSION, HORIZONTAL SCAN LINE-1, -3, -7 and -9, STRAIGHTNESS. We keep them as characters
  of the number, so a number holding one is an InvalidLength (an InvalidFormat when the count of
  characters still comes out right). OGHAM SPACE MARK is Unicode whitespace: at either end of
  the text both libraries strip it and accept the number; between digits only stdnum does.
* stdnum's ``compact`` joins any iterable of characters, so it accepts a list of digit
  characters; we accept only ``str`` and answer InvalidFormat.

Full-width digits (U+FF10..U+FF19), the full-width hyphen, the minus sign, the Unicode spaces and
the dashes both libraries know are accepted by both: no difference there. The list of
characters we differ on is written out below, not imported from the code under test.
"""

import string
import unicodedata
from collections import Counter
from collections.abc import Callable
from functools import partial
from types import ModuleType

import numpy as np
import pytest
import stdnum.jp.cn
import stdnum.jp.in_
import stdnum.util
from numpy.typing import NDArray

from mynumber.numbers import bulk, corporate, individual
from mynumber.numbers.exceptions import InvalidFormat, InvalidLength

#: Dash look-alikes stdnum 2.2 turns into "-" (and so drops) and we keep, by code point.
DASH_LOOKALIKES = {
    "\u058a": "ARMENIAN HYPHEN",
    "\u05be": "HEBREW PUNCTUATION MAQAF",
    "\u180a": "MONGOLIAN NIRUGU",
    "\u203e": "OVERLINE",
    "\u2043": "HYPHEN BULLET",
    "\u00af": "MACRON",
    "\u02d7": "MODIFIER LETTER MINUS SIGN",
    "\uffe3": "FULLWIDTH MACRON",
    "\u1680": "OGHAM SPACE MARK",
    "\u207b": "SUPERSCRIPT MINUS",
    "\u208b": "SUBSCRIPT MINUS",
    "\u23af": "HORIZONTAL LINE EXTENSION",
    "\u23ba": "HORIZONTAL SCAN LINE-1",
    "\u23bb": "HORIZONTAL SCAN LINE-3",
    "\u23bc": "HORIZONTAL SCAN LINE-7",
    "\u23bd": "HORIZONTAL SCAN LINE-9",
    "\u23e4": "STRAIGHTNESS",
}
#: Mathematical alphanumeric digits stdnum 2.2 turns into ASCII digits and we reject: five fonts.
MATH_DIGITS = "".join(chr(code) for code in range(0x1D7CE, 0x1D800))
DIFFERING = "".join(DASH_LOOKALIKES) + MATH_DIGITS
#: What stdnum folds the differing characters into.
STDNUM_FOLDING = str.maketrans(
    {**dict.fromkeys(DASH_LOOKALIKES, "-"), **{c: str(i % 10) for i, c in enumerate(MATH_DIGITS)}}
)
#: How we read the differing characters: as foreign ones. OGHAM SPACE MARK is whitespace, so it
#: reads like LINE SEPARATOR (whitespace that neither library drops); the rest like a letter.
OUR_READING = str.maketrans({**dict.fromkeys(DIFFERING, "X"), "\u1680": "\u2028"})

#: Separators both libraries drop: spaces and the dashes both know.
SEPARATORS = (
    " -\u3000\uff0d\u2212\u2010\u2011\u2012\u2013\u2014\u2015\ufe63\u00a0"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f"
)
#: Whitespace put around numbers (str.strip removes it in both libraries).
WHITESPACE = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\u00a0\u2028\u2029\u3000\u2003"
#: Letters and punctuation, some of which stdnum maps to other punctuation (never to a digit).
FOREIGN = (
    string.ascii_letters
    + string.punctuation.replace("-", "")
    + "\t．，／：＊・\u2019\u00b7\u2022\u3001\u3002あ番ＡｚⅣ\u200b\ufeff\u00ad"
)
#: Digits of other scripts, Python's isdigit() says yes to all of them.
OTHER_DIGITS = [
    "٠١٢٣٤٥٦٧٨٩",
    "۰۱۲۳۴۵۶۷۸۹",
    "०१२३४५६७८९",
    "০১২৩৪৫৬৭৮৯",
    "๐๑๒๓๔๕๖๗๘๙",
    "⁰¹²³⁴⁵⁶⁷⁸⁹",
    "₀₁₂₃₄₅₆₇₈₉",
    "⓪①②③④⑤⑥⑦⑧⑨",
    "߀߁߂߃߄߅߆߇߈߉",
    "᠐᠑᠒᠓᠔᠕᠖᠗᠘᠙",
]
INPUTS = 1_000_000
SEED = 20_240_601


def _codes(text: str) -> NDArray[np.uint32]:
    """Return the code points of ``text``."""
    return np.array([ord(char) for char in text], dtype=np.uint32)


def _error(validate: Callable[[str], str], text: object) -> str | None:
    """Return the name of the exception ``validate`` raises, or None if it accepts ``text``."""
    try:
        validate(text)  # type: ignore[arg-type]
    except ValueError as exc:
        return type(exc).__name__
    return None


class _Inputs:
    """A million random inputs of one format, built as a matrix of code points with numpy.

    Columns: two leading whitespace slots, then for each of ``length + 3`` digit positions a
    separator slot and a digit slot, then two trailing whitespace slots. Code point 0 marks an
    empty slot; rows are compacted at the end, so strings come out of different lengths.
    """

    def __init__(self, length: int, weights: tuple[int, ...], *, check_first: bool) -> None:
        """Make the inputs of a format of ``length`` digits with the given check-digit rule."""
        self.rng = np.random.default_rng(SEED + length)
        self.length = length
        self.positions = length + 3
        self.digits = np.zeros((INPUTS, self.positions), dtype=np.uint32)
        self.slots = np.zeros((INPUTS, self.positions + 1), dtype=np.uint32)
        self.edges = np.zeros((INPUTS, 4), dtype=np.uint32)
        self.counts = np.full(INPUTS, length)
        self._valid_numbers(np.array(weights), check_first=check_first)
        self._content()
        self._decorate()

    def _rows(self, share: float) -> NDArray[np.intp]:
        """Return a random ``share`` of the rows."""
        return np.flatnonzero(self.rng.random(INPUTS) < share)

    def _valid_numbers(self, weights: NDArray[np.int64], *, check_first: bool) -> None:
        """Fill every row with a valid number, computed by the rule of SPEC.md section 1."""
        base = self.rng.integers(0, 10, size=(INPUTS, self.length - 1))
        total = base @ weights
        if check_first:  # Corporate Number: 9 - (sum mod 9), in front
            number = np.column_stack([9 - total % 9, base])
        else:  # Individual Number: 0 if r <= 1 else 11 - r, at the end
            remainder = total % 11
            number = np.column_stack([base, np.where(remainder <= 1, 0, 11 - remainder)])
        self.digits[:, : self.length] = number + ord("0")

    def _content(self) -> None:
        """Turn some valid numbers into random digits, other lengths, typos, transpositions."""
        choice = self.rng.choice(5, size=INPUTS, p=[0.46, 0.15, 0.12, 0.15, 0.12])
        rows = np.flatnonzero(choice == 1)  # random digits of the right length
        self.digits[rows, : self.length] = self.rng.integers(48, 58, (rows.size, self.length))
        rows = np.flatnonzero(choice == 2)  # random digits, 1..3 too few or too many
        lengths = self.length + self.rng.choice([-3, -2, -1, 1, 2, 3], size=rows.size)
        filled = np.arange(self.positions) < lengths[:, None]
        random = self.rng.integers(48, 58, (rows.size, self.positions))
        self.digits[rows] = np.where(filled, random, 0)
        self.counts[rows] = lengths
        rows = np.flatnonzero(choice == 3)  # one digit changed
        where = self.rng.integers(0, self.length, rows.size)
        changed = (self.digits[rows, where] - 48 + self.rng.integers(1, 10, rows.size)) % 10
        self.digits[rows, where] = changed + 48
        rows = np.flatnonzero(choice == 4)  # two neighbouring digits swapped
        where = self.rng.integers(0, self.length - 1, rows.size)
        left = self.digits[rows, where].copy()
        self.digits[rows, where] = self.digits[rows, where + 1]
        self.digits[rows, where + 1] = left

    def _decorate(self) -> None:
        """Add, each to a random share of the rows, the ways people and programs mangle numbers."""
        present = self.digits != 0
        rows = self._rows(0.2)  # full-width digits, each digit with probability 1/2
        flip = present[rows] & (self.rng.random((rows.size, self.positions)) < 0.5)
        self.digits[rows] += np.where(flip, 0xFF10 - 0x30, 0).astype(np.uint32)
        rows = self._rows(0.06)  # digits of another script: one digit or all of them
        script = np.array([_codes(digits) for digits in OTHER_DIGITS])[
            self.rng.integers(0, len(OTHER_DIGITS), rows.size)
        ]
        value = (self.digits[rows] - 0x30) % (0xFF10 - 0x30)  # ASCII or full-width digit value
        every = self.rng.random(rows.size) < 0.5
        one = np.arange(self.positions) == self.rng.integers(0, self.length - 3, rows.size)[:, None]
        replace = present[rows] & (every[:, None] | one)
        chosen = np.take_along_axis(script, np.minimum(value, 9).astype(np.intp), axis=1)
        self.digits[rows] = np.where(replace, chosen, self.digits[rows])
        rows = self._rows(0.25)  # separators between or around the digits
        pool = _codes(SEPARATORS)
        put = self.rng.random((rows.size, self.positions + 1)) < 0.3
        self.slots[rows] = np.where(put, self.rng.choice(pool, put.shape), 0)
        rows = self._rows(0.15)  # surrounding whitespace
        pool = _codes(WHITESPACE)
        put = self.rng.random((rows.size, 4)) < 0.5
        self.edges[rows] = np.where(put, self.rng.choice(pool, put.shape), 0)
        rows = self._rows(0.08)  # a letter or punctuation mark, in a digit's place or between
        pool = _codes(FOREIGN)
        where = self.rng.integers(0, self.length, rows.size)
        between = self.rng.random(rows.size) < 0.5
        self.slots[rows[between], where[between]] = self.rng.choice(pool, between.sum())
        self.digits[rows[~between], where[~between]] = self.rng.choice(pool, (~between).sum())
        self._differing(self._rows(0.06))
        self._noise(self._rows(0.02))

    def _differing(self, rows: NDArray[np.intp]) -> None:
        """Put a character we differ on strictly between two digits, or in a digit's place."""
        dash = self.rng.random(rows.size) < 0.5
        dashes = rows[dash]
        where = self.rng.integers(1, self.counts[dashes])  # slot i sits before digit i
        self.slots[dashes, where] = self.rng.choice(_codes("".join(DASH_LOOKALIKES)), dashes.size)
        math = rows[~dash]
        where = self.rng.integers(0, self.counts[math])
        value = (self.digits[math, where] - 0x30) % (0xFF10 - 0x30)
        font = self.rng.integers(0, 5, math.size)
        digit = np.where(value < 10, value, self.rng.integers(0, 10, math.size))
        self.digits[math, where] = 0x1D7CE + 10 * font + digit

    def _noise(self, rows: NDArray[np.intp]) -> None:
        """Replace rows by random BMP text (no surrogates, none of the characters we differ on)."""
        width = self.positions
        codes = self.rng.integers(1, 0xD800, (rows.size, width)).astype(np.uint32)
        codes[np.isin(codes, _codes(DIFFERING))] = ord("X")
        lengths = self.rng.integers(0, width + 1, rows.size)
        self.digits[rows] = np.where(np.arange(width) < lengths[:, None], codes, 0)
        self.slots[rows] = 0
        self.edges[rows] = 0

    def matrix(self) -> NDArray[np.uint32]:
        """Return the rows as code points, empty slots moved to the end of each row."""
        middle = np.empty((INPUTS, 2 * self.positions + 1), dtype=np.uint32)
        middle[:, 0::2] = self.slots
        middle[:, 1::2] = self.digits
        codes = np.column_stack([self.edges[:, :2], middle, self.edges[:, 2:]])
        order = np.argsort(codes == 0, axis=1, kind="stable")
        return np.ascontiguousarray(np.take_along_axis(codes, order, axis=1))


def _texts(codes: NDArray[np.uint32]) -> NDArray[np.str_]:
    """Return the rows of code points as a numpy array of str (trailing zeros end a string)."""
    return codes.view(f"<U{codes.shape[1]}").reshape(-1)


def _examples(texts: list[str], rows: NDArray[np.intp]) -> str:
    """Show a few of the rows for an assertion message."""
    return ", ".join(ascii(texts[row]) for row in rows[:5].tolist())


@pytest.mark.slow
@pytest.mark.parametrize(
    ("ours", "theirs", "inputs"),
    [
        pytest.param(
            individual,
            stdnum.jp.in_,
            lambda: _Inputs(12, individual.WEIGHTS, check_first=False),
            id="individual-in_",
        ),
        pytest.param(
            corporate,
            stdnum.jp.cn,
            lambda: _Inputs(13, corporate.WEIGHTS, check_first=True),
            id="corporate-cn",
        ),
    ],
)
def test_a_million_random_inputs_agree_with_stdnum(
    ours: ModuleType, theirs: ModuleType, inputs: Callable[[], _Inputs]
) -> None:
    """On 10**6 seeded inputs our is_valid, validate's error and the bulk path agree with stdnum."""
    codes = inputs().matrix()
    array = _texts(codes)
    texts: list[str] = array.tolist()
    our_valid = np.fromiter(map(ours.is_valid, texts), dtype=np.bool_, count=INPUTS)
    their_valid = np.fromiter(map(theirs.is_valid, texts), dtype=np.bool_, count=INPUTS)
    our_errors = np.array(list(map(partial(_error, ours.validate), texts)), dtype=object)
    # stdnum's is_valid is "validate did not raise", so only the inputs it refuses have an error.
    their_errors = np.full(INPUTS, None, dtype=object)
    refused = np.flatnonzero(~their_valid)
    their_errors[refused] = [_error(theirs.validate, texts[row]) for row in refused.tolist()]
    differing = np.isin(codes, _codes(DIFFERING)).any(axis=1)

    # Everywhere we do not mean to differ, both answers are the same.
    same = ~differing
    wrong = np.flatnonzero(same & (our_valid != their_valid))
    assert wrong.size == 0, f"is_valid differs on {wrong.size}: {_examples(texts, wrong)}"
    wrong = np.flatnonzero(same & (our_errors != their_errors))
    assert wrong.size == 0, f"validate differs on {wrong.size}: {_examples(texts, wrong)}"
    assert np.array_equal(our_valid, our_errors == None)  # noqa: E711 - elementwise comparison

    # Where we differ, stdnum reads the folded text and we read foreign characters.
    rows = np.flatnonzero(differing).tolist()
    assert not our_valid[differing].any()
    assert set(our_errors[differing].tolist()) <= {"InvalidFormat", "InvalidLength"}
    read_foreign = [_error(theirs.validate, texts[row].translate(OUR_READING)) for row in rows]
    assert our_errors[differing].tolist() == read_foreign
    read_folded = [ours.is_valid(texts[row].translate(STDNUM_FOLDING)) for row in rows]
    assert their_valid[differing].tolist() == read_folded

    # The bulk path, over the whole array at once, gives is_valid's answer for every input.
    bulk_valid = {individual: bulk.individual_is_valid, corporate: bulk.corporate_is_valid}[ours]
    wrong = np.flatnonzero(bulk_valid(array) != our_valid)
    assert wrong.size == 0, f"the bulk path differs on {wrong.size}: {_examples(texts, wrong)}"

    # The inputs are a real mix: plenty of each answer, and of the inputs we differ on.
    errors = Counter(our_errors.tolist())
    assert 0.25 * INPUTS < errors[None] < 0.6 * INPUTS, errors
    for name in ("InvalidLength", "InvalidFormat", "InvalidChecksum"):
        assert errors[name] > 0.04 * INPUTS, errors
    assert differing.sum() > 0.05 * INPUTS
    assert their_valid[differing].sum() > 0.015 * INPUTS


@pytest.mark.parametrize(("char", "name"), DASH_LOOKALIKES.items())
def test_the_dash_look_alikes_are_named_right_and_folded_by_stdnum(char: str, name: str) -> None:
    """Each documented dash look-alike has its Unicode name, stdnum accepts it and we refuse it."""
    assert unicodedata.name(char) == name
    number = f"6214{char}9832{char}0257"
    assert stdnum.jp.in_.validate(number) == "621498320257"
    assert stdnum.jp.cn.validate(f"5{char}8356{char}7825{char}6246") == "5835678256246"
    assert not individual.is_valid(number)
    with pytest.raises(InvalidLength):
        individual.validate(number)
    assert not corporate.is_valid(f"5{char}8356{char}7825{char}6246")
    assert not individual.is_valid(f"6214-9832{char}0257")


@pytest.mark.parametrize("font", range(5))
def test_mathematical_digits_are_folded_by_stdnum_and_refused_by_us(font: int) -> None:
    """A number in any of the five mathematical digit fonts: stdnum accepts it, we InvalidFormat."""
    digits = MATH_DIGITS[10 * font : 10 * font + 10]
    assert [unicodedata.digit(char) for char in digits] == list(range(10))
    number = "621498320257".translate(str.maketrans(string.digits, digits))
    assert stdnum.jp.in_.validate(number) == "621498320257"
    assert not individual.is_valid(number)
    with pytest.raises(InvalidFormat):
        individual.validate(number)
    one = "583567825624" + digits[6]
    assert stdnum.jp.cn.is_valid(one)
    assert not corporate.is_valid(one)
    with pytest.raises(InvalidFormat):
        corporate.validate(one)


def test_every_character_stdnum_folds_into_a_digit_or_separator_is_accounted_for() -> None:
    """What stdnum folds into a digit, space or hyphen, we accept too or list as a difference."""
    folds = stdnum.util._char_map  # noqa: SLF001 - the table whose differences we document
    undocumented = []
    for char, ascii_char in folds.items():
        if ascii_char not in string.digits + " -":
            continue
        text = "6214" + char + "98320257" if ascii_char in " -" else "62149832025" + char
        expected = "621498320257" if ascii_char in " -" else "62149832025" + ascii_char
        assert stdnum.jp.in_.compact(text) == expected
        if individual.compact(text) != expected and char not in DIFFERING:
            undocumented.append(unicodedata.name(char))
        if char in DIFFERING:
            assert individual.compact(text) != expected, unicodedata.name(char)
    assert undocumented == []
    assert set(DIFFERING) <= set(folds)


@pytest.mark.parametrize(
    "text", ["\u1680621498320257", "621498320257\u1680", " 6214 9832 0257\u1680\n"]
)
def test_ogham_space_mark_at_the_ends_is_whitespace_for_both(text: str) -> None:
    """OGHAM SPACE MARK is Unicode whitespace: around a number both libraries strip it."""
    assert stdnum.jp.in_.is_valid(text)
    assert individual.is_valid(text)


def test_ogham_space_mark_between_digits_is_refused_by_us_only() -> None:
    """Between digits, stdnum drops OGHAM SPACE MARK as a hyphen; we count it: InvalidLength."""
    text = "6214\u16809832\u16800257"
    assert stdnum.jp.in_.is_valid(text)
    assert _error(individual.validate, text) == "InvalidLength"


@pytest.mark.parametrize(
    ("ours", "theirs", "number"),
    [(individual, stdnum.jp.in_, "621498320257"), (corporate, stdnum.jp.cn, "5835678256246")],
    ids=["individual", "corporate"],
)
def test_a_list_of_digit_characters_is_text_to_stdnum_only(
    ours: ModuleType, theirs: ModuleType, number: str
) -> None:
    """A list of digit characters is accepted by stdnum; we want a str and raise InvalidFormat."""
    assert theirs.is_valid(list(number))
    assert not ours.is_valid(list(number))
    assert _error(ours.validate, list(number)) == "InvalidFormat"
    assert _error(theirs.validate, list(number)) is None


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [(individual, stdnum.jp.in_), (corporate, stdnum.jp.cn)],
    ids=["individual", "corporate"],
)
@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "６２１４９８３２０２５７",
        "５８３５６７８２５６２４６",
        "6214 9832 0257",
        "5-8356-7825-6246",
        "\u3000６２１４\uff0d９８３２\u2212０２５７\u3000",
        "62149832025７",
        "621498320257\x00",
        "0000000000000",
        "000000000000",
        "621498320257\u200b",
    ],
)
def test_hand_picked_inputs_agree_with_stdnum(
    ours: ModuleType, theirs: ModuleType, text: str
) -> None:
    """Full-width digits, ideographic spaces, NUL and zero-width space: same answers as stdnum."""
    assert ours.is_valid(text) == theirs.is_valid(text)
    assert _error(ours.validate, text) == _error(theirs.validate, text)
