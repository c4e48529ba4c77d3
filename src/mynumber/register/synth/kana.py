"""Katakana readings of Latin-script names, and Latin-script forms of Korean names.

A foreign resident's name is registered in Latin script with a katakana reading beside it; the
municipality writes the reading the resident gives. Faker gives no reading, and
``jaconv.alphabet2kana`` is no help here: it reads Hepburn romaji, so the consonant clusters of
other languages come out broken (Smith -> ッミッウ, Christopher -> ッッリットフェッ).
``katakana`` spells a name out letter group by letter group (Smith -> スミス, Nguyen ->
グイェン, Christopher -> クリストフェー where a clerk would write クリストファー): an
approximation from the spelling, not the pronunciation, which is all a synthetic register
needs. It gives only katakana.

Korean names (Faker's ko_KR gives Hangul only) are romanised by the Revised Romanization of Korean
(국어의 로마자 표기법, Ministry of Culture and Tourism notice 2000-8), syllable by syllable, without
the sound changes across syllables. Surnames take the spellings Korean passports mostly use (Kim,
Lee, Park, not RR's Gim, I, Bak) and the katakana Japanese writes them in (キム, イ, パク).

>>> katakana("SMITH"), katakana("NGUYEN VAN NAM"), katakana("WANG XIULAN")
('スミス', 'グイェン・ヴァン・ナム', 'ワン・シウラン')
>>> katakana("CHIA-HAO"), katakana("ROBERT"), katakana("O'CONNOR")
('チアハオ', 'ロベルト', 'オコノー')
>>> korean_given_name("민준"), korean_surname("박")
(('MINJUN', 'ミンジュン'), ('PARK', 'パク'))
"""

import re

_VOWELS = "aeiou"
_SMALL = {"a": "ャ", "u": "ュ", "o": "ョ"}
# The kana of a consonant (a row of the syllabary) before a, i, u, e and o.
_ROWS: dict[str, list[str]] = {
    row: kana.split()
    for row, kana in {
        "": "ア イ ウ エ オ",
        "k": "カ キ ク ケ コ",
        "g": "ガ ギ グ ゲ ゴ",
        "s": "サ シ ス セ ソ",
        "z": "ザ ジ ズ ゼ ゾ",
        "t": "タ ティ トゥ テ ト",
        "d": "ダ ディ ドゥ デ ド",
        "n": "ナ ニ ヌ ネ ノ",
        "h": "ハ ヒ フ ヘ ホ",
        "b": "バ ビ ブ ベ ボ",
        "p": "パ ピ プ ペ ポ",
        "m": "マ ミ ム メ モ",
        "y": "ヤ イ ユ イェ ヨ",
        "r": "ラ リ ル レ ロ",
        "l": "ラ リ ル レ ロ",
        "w": "ワ ウィ ウ ウェ ウォ",
        "f": "ファ フィ フ フェ フォ",
        "v": "ヴァ ヴィ ヴ ヴェ ヴォ",
        "j": "ジャ ジ ジュ ジェ ジョ",
        "ch": "チャ チ チュ チェ チョ",
        "sh": "シャ シ シュ シェ ショ",
        "ts": "ツァ ツィ ツ ツェ ツォ",
    }.items()
}
# A consonant with no vowel after it; the others take their u-kana (s -> ス).
_ALONE = {
    "t": "ト",
    "d": "ド",
    "ch": "チ",
    "j": "ジ",
    "sh": "シュ",
    "h": "",
    "y": "イ",
    "n": "ン",
    "l": "ル",
}
# Spellings folded into the rows above before reading, in this order.
_FOLDS = (
    (r"^x", "sh"),  # pinyin Xiulan
    (r"x", "ks"),
    (r"^ng(?=[aeiouy])", "g"),  # Vietnamese Nguyen, Ngoc
    (r"nh$", "n"),
    (r"th$", "s"),  # English Smith
    (r"([bcdfgklmnprstvz])\1", r"\1"),
    (r"tch", "ch"),
    (r"sch", "sh"),
    (r"c(?=[eiy])", "s"),
    (r"qu", "k"),
    (r"q", "ch"),  # pinyin Qiang
    (r"c(?!h)", "k"),
    (r"ph", "f"),
    (r"zh", "j"),
    (r"chr", "kr"),  # English Christopher
    (r"ee", "ii"),  # English Lee, Steele
    (r"oo", "uu"),  # English Moore, Korean Yoo
    (r"([kdbt])h", r"\1"),  # kh, dh, bh, th
    (r"(?<!n)gh", "g"),
)
# Korean Revised Romanization: the initial, medial and final jamo of a Hangul syllable.
_INITIALS = "g kk n d tt r m b pp s ss - j jj ch k t p h".split()  # noqa: SIM905 - tables read best in a row
_MEDIALS = "a ae ya yae eo e yeo ye o wa wae oe yo u wo we wi yu eu ui i".split()  # noqa: SIM905 - tables read best in a row
_FINALS = "- k k k n n n t l k m l l l p l m p p t t ng t t k t p t".split()  # noqa: SIM905 - tables read best in a row
# Korean vowels in Latin letters read the way Japanese writes them (Seojun -> ソジュン).
_KOREAN_VOWELS = (("eo", "o"), ("eu", "u"), ("ae", "e"), ("oe", "we"), ("ui", "i"))
# One entry a surname: Hangul, passport spelling, katakana.
_SURNAMES = {
    hangul: (latin, kana)
    for hangul, latin, kana in (
        entry.split(":")
        for entry in (  # noqa: SIM905 - the table reads best as text
            "김:KIM:キム 이:LEE:イ 박:PARK:パク 정:JUNG:チョン 최:CHOI:チェ 조:CHO:チョ "
            "강:KANG:カン 윤:YOON:ユン 장:JANG:チャン 임:LIM:イム 한:HAN:ハン 오:OH:オ "
            "서:SEO:ソ 신:SHIN:シン 권:KWON:クォン 황:HWANG:ファン 안:AHN:アン 송:SONG:ソン "
            "류:RYU:リュ 전:JEON:チョン 홍:HONG:ホン 고:KO:コ 문:MOON:ムン 양:YANG:ヤン "
            "손:SON:ソン 배:BAE:ペ 백:BAEK:ペク 허:HEO:ホ 유:YOO:ユ 남:NAM:ナム 심:SHIM:シム "
            "노:NOH:ノ 하:HA:ハ 곽:KWAK:クァク 성:SUNG:ソン 차:CHA:チャ 주:JOO:チュ 우:WOO:ウ "
            "구:KOO:ク 나:NA:ナ 민:MIN:ミン 진:JIN:チン 지:JI:チ 엄:EOM:オム"
        ).split()
    )
}


def katakana(latin: str) -> str:
    """Return a katakana reading of a Latin-script name; words are joined by ・."""
    words = re.sub(r"[^a-z -]", "", latin.lower()).split()
    return "・".join("".join(_word(part) for part in word.split("-")) for word in words)


def korean_surname(hangul: str) -> tuple[str, str]:
    """Return the passport spelling and the katakana of a Korean surname."""
    if hangul in _SURNAMES:
        return _SURNAMES[hangul]
    latin = romanize_korean(hangul)
    return latin, _korean_katakana(latin)


def korean_given_name(hangul: str) -> tuple[str, str]:
    """Return the Revised Romanization (upper case) and a katakana reading of a Korean name."""
    latin = romanize_korean(hangul)
    return latin, _korean_katakana(latin)


def romanize_korean(hangul: str) -> str:
    """Return ``hangul`` in the Revised Romanization, upper case, syllable by syllable."""
    parts: list[str] = []
    for character in hangul:
        index = ord(character) - 0xAC00
        if not 0 <= index < 11172:  # not a precomposed Hangul syllable: keep it
            parts.append(character)
            continue
        initial, medial, final = index // 588, index % 588 // 28, index % 28
        parts.extend((_INITIALS[initial], _MEDIALS[medial], _FINALS[final]))
    return "".join(part for part in parts if part != "-").upper()


def _korean_katakana(latin: str) -> str:
    """Read a romanised Korean name with its vowels as Japanese hears them."""
    word = latin.lower()
    for spelling, vowel in _KOREAN_VOWELS:
        word = word.replace(spelling, vowel)
    return katakana(word)


def _word(word: str) -> str:
    """Return the katakana of one word of lower-case ASCII letters."""
    for pattern, replacement in _FOLDS:
        word = re.sub(pattern, replacement, word)
    kana: list[str] = []
    i = 0
    while i < len(word):
        if _vowel(word, i):
            long = i > 0 and word[i - 1] == word[i] and kana
            kana.append("ー" if long else _ROWS[""][_vowel_index(word[i])])
            i += 1
            continue
        row = word[i : i + 2] if word[i : i + 2] in {"ch", "sh", "ts"} else word[i]
        syllable, read = _syllable(word, i + len(row), row)
        kana.append(syllable)
        i += len(row) + read
    return "".join(kana)


def _syllable(word: str, i: int, row: str) -> tuple[str, int]:
    """Return the kana of consonant ``row`` and how many of the letters at ``word[i:]`` it read."""
    if i < len(word) and _vowel(word, i):
        return _ROWS[row][_vowel_index(word[i])], 1
    after = word[i : i + 2]
    if len(after) == 2 and after[0] == "y" and after[1] in _SMALL and len(_ROWS[row][1]) == 1:
        return _ROWS[row][1] + _SMALL[after[1]], 2  # palatal: hyo -> ヒョ
    if row == "g" and word[i - 2 : i - 1] == "n":
        return "", 0  # the g of a final ng: Wang -> ワン
    if row == "r" and i == len(word) and i > 1 and word[i - 2] in _VOWELS:
        return "ー", 0  # a final r after a vowel: Peter -> ペテー
    if row == "m":
        return ("ン" if word[i : i + 1] in {"b", "p"} else "ム"), 0
    return _ALONE.get(row, _ROWS[row][2]), 0


def _vowel(word: str, i: int) -> bool:
    """Say whether ``word[i]`` is read as a vowel (y is one when no vowel follows it)."""
    letter = word[i]
    if letter == "y":
        return i + 1 == len(word) or word[i + 1] not in _VOWELS
    return letter in _VOWELS


def _vowel_index(letter: str) -> int:
    """Return the column of a vowel letter in a row (y reads as i)."""
    return 1 if letter == "y" else "aiueo".index(letter)
