"""Names and kana readings as matching keys: the form two notations of one name share.

SPEC.md 8 (the 2023 mis-linking review): spelling variants (渡辺/渡邊), kana readings and
full-/half-width differences made strict matching fail, and staff then relaxed it until namesakes
were linked. These keys absorb the notation differences so that matching can stay strict about the
attributes themselves. They are keys, never display forms: the register keeps what was written.

Names (:func:`normalize_name`): Unicode NFKC (UAX #15: full-width Latin letters and digits,
half-width katakana, compatibility ideographs), Latin letters case-folded, white space (ASCII and
the ideographic space U+3000) and the middle dot ・ of foreign names removed, variation selectors
(IVS) removed, variant kanji folded by :mod:`mynumber.register.kanji_variants` (the project's own
table, not an official one).

Kana readings (:func:`normalize_kana`): NFKC (half-width katakana to full width), hiragana to
katakana and NFKC once more (ワ and a combining ゛ compose to ヷ only in katakana), white space and
・ removed, every dash typed for the long-vowel mark (ー ｰ - ‐ ‑ ‒ – — ― − －) made ー; small kana
are kept (キャ is not キヤ). The project's own choice, documented here: it folds spellings of one
sound that the 国語 rules let people write either way -- ヴ -> ブ (ヴァ ヴィ ヴェ ヴォ and ヷ ヸ ヹ
ヺ -> バ ビ ベ ボ; 外来語の表記, 平成3年内閣告示第2号, gives both), ヂ -> ジ and ヅ -> ズ
(現代仮名遣い, 昭和61年内閣告示第1号: the same sounds, spelled by etymology), and the obsolete kana
ヰ ヱ -> イ エ. Two people's readings never differ only by these in practice, so the folds make
readings typed differently agree without making different readings equal.

>>> normalize_name("渡邊　ﾀﾛｳ ")
'渡辺タロウ'
>>> normalize_kana("わたなべ ｼﾞｭﾝｲﾁ")
'ワタナベジュンイチ'
>>> normalize_kana("ヴィヴァルディ") == normalize_kana("ビバルディ")
True
"""

import re
import unicodedata

import jaconv

from mynumber.register.exceptions import RegisterError
from mynumber.register.kanji_variants import fold_kanji


class InvalidAttribute(RegisterError, ValueError):
    """One of the four basic attributes (基本4情報) cannot be used as given."""

    code = "invalid-attribute"


#: Variation selectors: standardized (U+FE00-FE0F) and ideographic (IVS, U+E0100-E01EF).
_VARIATION_SELECTORS = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]")
#: Separators inside a name that carry no identity: white space and the katakana middle dot.
_SEPARATORS = re.compile(r"[\s・]+")
#: What people type for the long-vowel mark ー (after NFKC, which already maps ｰ and －).
_LONG_VOWEL_MARKS = re.compile("[-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\uff0d\uff70]")
#: Kana spelling variants of one reading, longest first (ヴァ before ヴ).
_KANA_VARIANTS = (
    ("ヴァ", "バ"),
    ("ヴィ", "ビ"),
    ("ヴェ", "ベ"),
    ("ヴォ", "ボ"),
    ("ヴ", "ブ"),
    ("ヷ", "バ"),
    ("ヸ", "ビ"),
    ("ヹ", "ベ"),
    ("ヺ", "ボ"),
    ("ヂ", "ジ"),
    ("ヅ", "ズ"),
    ("ヰ", "イ"),
    ("ヱ", "エ"),
)


def compatibility_fold(text: str, separators: re.Pattern[str] = _SEPARATORS) -> str:
    """Return NFKC, case-folded ``text`` without ``separators`` or variation selectors.

    NFKC runs again after the removals: taking out a space can bring a combining mark next to the
    letter it composes with (``"a ̈"`` -> ``"ä"``), and case folding can undo NFKC. The result is
    a fixed point: folding it again changes nothing.

    >>> compatibility_fold("ＳＭＩＴＨ　Ｊｏｈｎ")
    'smithjohn'
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    folded = _VARIATION_SELECTORS.sub("", separators.sub("", folded))
    return unicodedata.normalize("NFKC", folded)


def normalize_name(text: str) -> str:
    """Return the matching key of a written name (kanji, kana or Latin script).

    >>> normalize_name("齋藤 眞") == normalize_name("斎藤真")
    True
    >>> normalize_name("Ｍüller  ANNA")
    'mülleranna'
    """
    return fold_kanji(compatibility_fold(text))


def normalize_kana(text: str) -> str:
    """Return the matching key of a kana reading: full-width katakana, variants folded.

    >>> normalize_kana("ｻｲﾄｳ ﾕｰｺ") == normalize_kana("さいとう ゆ-こ")
    True
    """
    kana = unicodedata.normalize("NFKC", jaconv.hira2kata(compatibility_fold(text)))
    kana = _LONG_VOWEL_MARKS.sub("ー", kana)
    for variant, common in _KANA_VARIANTS:
        kana = kana.replace(variant, common)
    return kana


_KANJI_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4}
_KANJI_DIGITS |= {"五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_KANJI_UNITS = {"十": 10, "百": 100, "千": 1000}
#: One or more characters of a number written in kanji.
KANJI_NUMERAL = "[〇零一二三四五六七八九十百千]+"


def kanji_numeral_value(text: str) -> int:
    """Return the value of a number written in kanji, with units (二十三) or digit by digit (二三).

    >>> [kanji_numeral_value(t) for t in ("二", "十二", "二十三", "百", "千二百三十四", "二〇一")]
    [2, 12, 23, 100, 1234, 201]
    """
    if not text or any(char not in _KANJI_DIGITS and char not in _KANJI_UNITS for char in text):
        message = f"{text!r} is not a number written in kanji"
        raise InvalidAttribute(message)
    total = pending = 0
    for char in text:
        if char in _KANJI_UNITS:
            total += (pending or 1) * _KANJI_UNITS[char]
            pending = 0
        else:
            pending = pending * 10 + _KANJI_DIGITS[char]
    return total + pending


def arabic_numerals(text: str, pattern: re.Pattern[str]) -> str:
    """Return ``text`` with every match of ``pattern`` (one kanji-numeral group) in Arabic digits.

    >>> arabic_numerals("十二番地", re.compile(f"({KANJI_NUMERAL})(?=番)"))
    '12番地'
    """
    return pattern.sub(lambda match: str(kanji_numeral_value(match.group(1))), text)
