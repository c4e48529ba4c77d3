"""Addresses as matching keys: the form two notations of one address share.

SPEC.md 8: address notation (2丁目1番地2号 against 2-1-2) was one of the differences that made
strict matching fail in the 2023 review. Where 住居表示 applies (住居表示に関する法律, 昭和37年
法律第119号) the block part of an address is N丁目 M番 K号 (district, 街区符号, 住居番号); elsewhere
it is a land-lot number (地番), M番地 with an optional sub-number K (M番地のK, M番地K). Either is
commonly written hyphenated, and people mix the two. :func:`normalize_address` reduces each of

    2丁目1番地2号   2丁目1番2号   2-1-2   ２－１－２   2丁目1-2   二丁目一番地二号

to ``2-1-2``, and ``1番地2``, ``1番地の2``, ``1番2``, ``1の2`` to ``1-2``, in these steps:

1. NFKC (full-width digits and hyphens, half-width katakana), case folding, white space removed
   (between two digits it becomes ``-``: ``2-1-2 101`` is ``2-1-2-101``, not ``2-1-2101``);
   every dash (‐ ‑ ‒ – — ― − －, and ー between two digits) made ``-``.
2. A leading prefecture name (one of the 47, with its 都/道/府/県) removed: the prefecture is
   optional, since the municipality already names it.
3. 大字 and 字 (names of old village areas, often left out) removed: 大字 wherever it stands, 字
   where it starts the rest of the address, follows an 大字 name, or follows 都道府県市区町村郡.
4. Kanji numerals of the block part in Arabic digits (二丁目 -> 2丁目, 十二番地 -> 12番地,
   二十三号 -> 23号, 十二番地の三 -> 12番地の3). Numerals in place names stay: 四日市, 八王子,
   千代田, and 一番町 (a 番 followed by 町, 丁, 街 or 館 is part of a name).
5. The block forms hyphenated: N丁目 -> N-, M番地 / M番 / M番地の / M番の -> M-, MのK -> M-K,
   a 号 after a number dropped (``-`` when a number follows; kept in 号室, 号棟, 号館), and a
   hyphen that no digit follows dropped, so that ``2丁目1番`` is ``2-1``.
6. ケ ヶ が ガ between two kanji made ケ (霞が関, 霞ヶ関, 霞ケ関), and の ノ between two kanji made
   ノ (井の頭, 井ノ頭): one place name in the spellings people use for one another.

The dashes of step 1 and steps 2-6 repeat until they change nothing, so that a key is a fixed
point even of odd input (``-字...``: dropping the hyphen in step 5 leaves a 字 that step 3 drops
in the next round; 0ー十号: the ー is between digits once 十 is 10). They end: a round turns kanji
numerals into digits (nothing makes new ones), turns dashes into ``-`` (nothing makes new dashes),
or shortens the text (NFKC after removals only composes).

Distinct addresses stay distinct: 2-1-2, 2-1-3 and 2-12 are three addresses. One known collision:
without the prefecture, the few municipality names used in two prefectures (府中市 in 東京都 and
広島県, 伊達市 in 北海道 and 福島県) give one key; matching then also needs the same name and date
of birth, and two people agreeing on all of it come out ambiguous, never linked.

>>> normalize_address("東京都千代田区霞が関2丁目1番地2号")
'千代田区霞ケ関2-1-2'
>>> normalize_address("千代田区霞ヶ関２－１－２")
'千代田区霞ケ関2-1-2'
"""

import re
import unicodedata
from functools import lru_cache

from mynumber.register.notation import KANJI_NUMERAL, arabic_numerals, compatibility_fold

#: The 47 prefectures (都道府県), as written at the start of an address.
PREFECTURES = (
    "北海道",
    *("青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県"),
    *("茨城県", "栃木県", "群馬県", "埼玉県", "千葉県", "東京都", "神奈川県"),
    *("新潟県", "富山県", "石川県", "福井県", "山梨県", "長野県", "岐阜県", "静岡県", "愛知県"),
    *("三重県", "滋賀県", "京都府", "大阪府", "兵庫県", "奈良県", "和歌山県"),
    *("鳥取県", "島根県", "岡山県", "広島県", "山口県"),
    *("徳島県", "香川県", "愛媛県", "高知県"),
    *("福岡県", "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県", "鹿児島県", "沖縄県"),
)

_KANJI = "\u3005\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_DASHES = re.compile("[\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d]|(?<=\\d)ー(?=\\d)")
_SPACE_BETWEEN_DIGITS = re.compile(r"(?<=\d)\s+(?=\d)")
_PREFECTURE = re.compile("^(?:" + "|".join(PREFECTURES) + ")")
_OAZA_WITH_AZA = re.compile(r"大字([^\d字-]+?)字")
_AZA = re.compile("(?:^|(?<=[都道府県市区町村郡]))字")
#: A kanji numeral followed by a block marker.
_NUMERAL_BEFORE_MARKER = re.compile(f"({KANJI_NUMERAL})(?=丁目|番地|番(?![町丁街館])|号)")
#: A kanji numeral after a block marker, ending the block part (十二番地の三, 一番二).
_NUMERAL_AFTER_MARKER = re.compile(
    "(?:(?<=丁目)|(?<=番地)|(?<=番)|(?<=番の)|(?<=地の)|(?<=\\dの)|(?<=\\d-))"
    f"({KANJI_NUMERAL})(?=号|-|の|$)"
)
_BLOCK_FORMS = (
    (re.compile(r"(\d+)丁目"), r"\1-"),
    (re.compile(r"(\d+)番(?![町丁街館])地?の?"), r"\1-"),
    (re.compile(r"(\d+)号(?=\d)"), r"\1-"),
    (re.compile(r"(\d+)号(?![室棟館])"), r"\1"),
    (re.compile(r"(\d)の(?=\d)"), r"\1-"),
    (re.compile(r"-+(?!\d)"), ""),
    (re.compile(r"-{2,}"), "-"),
)
_KE = re.compile(f"(?<=[{_KANJI}])[ケヶがガ](?=[{_KANJI}])")
_NO = re.compile(f"(?<=[{_KANJI}])[のノ](?=[{_KANJI}])")


@lru_cache(maxsize=4096)
def normalize_address(text: str) -> str:
    """Return the matching key of an address: the steps of the module docstring, to a fixed point.

    The members of a household share an address and arrive together in a batch, so the last few
    thousand keys are kept.

    >>> normalize_address("大字上野字中原十二番地の三")
    '上野中原12-3'
    """
    address = _SPACE_BETWEEN_DIGITS.sub("-", unicodedata.normalize("NFKC", text))
    address = compatibility_fold(address, re.compile(r"\s+"))
    while (steps := _block_steps(address)) != address:
        address = steps
    return address


def _block_steps(address: str) -> str:
    """Return ``address`` after the dashes of step 1 and steps 2-6, once."""
    address = _without_aza(_without_prefecture(_DASHES.sub("-", address)))
    address = arabic_numerals(address, _NUMERAL_BEFORE_MARKER)
    address = arabic_numerals(address, _NUMERAL_AFTER_MARKER)
    for pattern, replacement in _BLOCK_FORMS:
        address = pattern.sub(replacement, address)
    address = _NO.sub("ノ", _KE.sub("ケ", address))
    # A removal can bring a combining mark next to the letter it composes with (カ-゛ -> ガ).
    return unicodedata.normalize("NFKC", address)


def _without_prefecture(address: str) -> str:
    """Return ``address`` without the prefecture names it starts with."""
    while (match := _PREFECTURE.match(address)) is not None:
        address = address[match.end() :]
    return address


def _without_aza(address: str) -> str:
    """Return ``address`` without 大字 and the 字 that mark old village areas."""
    address = _OAZA_WITH_AZA.sub(r"\1", address).replace("大字", "")
    return _without_prefecture(_AZA.sub("", address))
