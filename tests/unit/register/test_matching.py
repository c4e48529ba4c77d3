"""Four-attribute matching: notation variants fold together, namesakes never merge (SPEC.md 8).

Names (old and variant kanji, width, spaces), kana readings, address notations (2丁目1番地2号 and
2-1-2), dates in Japanese eras, and the rule that finds one person by all four attributes or by
three without sex, and returns no one when more than one person answers.
"""

import string
import unicodedata
from collections.abc import Callable
from datetime import UTC, date, datetime

import jaconv
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mynumber.errors import MyNumberError
from mynumber.register.eras import japanese_date
from mynumber.register.kanji_variants import KANJI_VARIANTS, OLD_FORMS, SURNAME_CONVENTIONS
from mynumber.register.matching import (
    AttributeKey,
    InvalidAttribute,
    InvalidDate,
    Outcome,
    attribute_key,
    keys_of_record,
    match,
    normalize_address,
    normalize_date,
    normalize_kana,
    normalize_name,
)
from mynumber.register.records import ResidentRecord, Sex

NAME_VARIANTS = [
    *[("渡辺", "渡邊"), ("渡辺", "渡邉"), ("斎藤", "齋藤"), ("斎藤", "齊藤"), ("斎藤", "斉藤")],
    *[("高橋", "髙橋"), ("山崎", "山﨑"), ("山崎", "山嵜"), ("田辺", "田邊"), ("沢田", "澤田")],
    *[("浜田", "濱田"), ("広田", "廣田"), ("国分", "國分"), ("桜井", "櫻井"), ("実", "實")],
    *[("恵子", "惠子"), ("徳川", "德川"), ("真一", "眞一"), ("栄作", "榮作"), ("蔵人", "藏人")],
    *[("竜也", "龍也"), ("島田", "嶋田"), ("富田", "冨田"), ("館山", "舘山"), ("槙原", "槇原")],
    *[("円山", "圓山"), ("来栖", "來栖"), ("寿", "壽"), ("黒田", "黑田"), ("浅野", "淺野")],
    *[("滝沢", "瀧澤"), ("将太", "將太"), ("吉田", "𠮷田"), ("太郎", "太郞"), ("曽我", "曾我")],
    *[("山田太郎", "山田　太郎"), ("山田太郎", " 山田 太郎 "), ("SMITH John", "smith JOHN")],
    *[("ＳＭＩＴＨ", "smith"), ("ﾔﾏﾀﾞ", "ヤマダ"), ("ジョン・スミス", "ジョン スミス")],
    ("葛西", "葛\U000e0100西"),
]
DISTINCT_NAMES = [
    *[("渡辺", "渡部"), ("斎藤", "佐藤"), ("高橋", "高梁"), ("竜也", "達也"), ("島田", "嶋村")],
    *[("山田太郎", "山田次郎"), ("さくら", "サクラ"), ("John Smith", "Jon Smith")],
]
KANA_VARIANTS = [
    *[("わたなべ", "ワタナベ"), ("ﾜﾀﾅﾍﾞ", "ワタナベ"), ("ワタナベ タロウ", "ワタナベタロウ")],
    *[("ﾕｰｺ", "ユーコ"), ("ユ-コ", "ユーコ"), ("ユ‐コ", "ユーコ"), ("ユ－コ", "ユーコ")],
    *[("ヴァイオリン", "バイオリン"), ("ｳﾞｪﾙﾃﾞｨ", "ベルディ"), ("ゔぃくとる", "ビクトル")],
    *[("ちぢみ", "チジミ"), ("つづき", "ツズキ"), ("ヰヱ", "イエ")],
]
DISTINCT_KANA = [
    ("キャ", "キヤ"),
    ("シュン", "シユン"),
    ("ワタナベ", "ワタベ"),
    ("サトウ", "サイトウ"),
]
BLOCK_FORMS = [
    *["東京都千代田区霞が関2丁目1番地2号", "千代田区霞が関2丁目1番2号", "千代田区霞が関2-1-2"],
    *["千代田区霞が関２－１－２", "千代田区霞が関2丁目1-2", "千代田区霞が関二丁目一番地二号"],
    *["千代田区霞ヶ関2-1-2", "千代田区霞ケ関 2-1-2", "東京都 千代田区 霞ガ関 2‐1‐2"],
    "千代田区霞が関2ー1ー2",
]
LOT_FORMS = [
    *["上野町12番地3", "上野町12番地の3", "上野町12番3", "上野町12-3", "上野町12の3"],
    *["上野町十二番地の三", "上野町12番地3号", "大字上野町12番地3", "群馬県上野町12-3"],
]


@pytest.mark.parametrize(("common", "variant"), NAME_VARIANTS)
def test_name_variants_normalize_equal(common: str, variant: str) -> None:
    """Old and variant kanji, widths, cases and spaces of one name give one key."""
    assert normalize_name(variant) == normalize_name(common)


@pytest.mark.parametrize(("first", "second"), DISTINCT_NAMES)
def test_distinct_names_stay_distinct(first: str, second: str) -> None:
    """Different names (and a name in hiragana against katakana) keep different keys."""
    assert normalize_name(first) != normalize_name(second)


def test_variant_table_is_a_fold() -> None:
    """Every fold survives NFKC, lands on a non-variant, and the two kinds never overlap."""
    assert not set(OLD_FORMS) & set(SURNAME_CONVENTIONS)
    for variant, common in KANJI_VARIANTS.items():
        assert unicodedata.normalize("NFKC", variant) == variant
        assert common not in KANJI_VARIANTS
        assert normalize_name(variant) == common


@pytest.mark.parametrize(("variant", "common"), KANA_VARIANTS)
def test_kana_variants_normalize_equal(variant: str, common: str) -> None:
    """Hiragana, half-width katakana, long-vowel dashes and ヴ/ヂ/ヅ spellings give one reading."""
    assert normalize_kana(variant) == normalize_kana(common)


@pytest.mark.parametrize(("first", "second"), DISTINCT_KANA)
def test_distinct_readings_stay_distinct(first: str, second: str) -> None:
    """Small kana are kept and different readings keep different keys."""
    assert normalize_kana(first) != normalize_kana(second)


@pytest.mark.parametrize(
    ("forms", "key"), [(BLOCK_FORMS, "千代田区霞ケ関2-1-2"), (LOT_FORMS, "上野町12-3")]
)
def test_address_forms_reduce_to_one(forms: list[str], key: str) -> None:
    """丁目/番地/番/号, の, hyphens of any width, kanji numerals, ケ/が, prefecture: one key."""
    assert {normalize_address(form) for form in forms} == {key}


def test_block_numbers_stay_apart() -> None:
    """2-1-2, 2-1-3, 2-12 and 3-1-2 are four addresses; 2丁目12番 is 2-12."""
    keys = [normalize_address(f"霞が関{block}") for block in ("2-1-2", "2-1-3", "2-12", "3-1-2")]
    assert len(set(keys)) == 4
    assert normalize_address("霞が関2丁目12番") == keys[2]
    assert normalize_address("霞が関2丁目1番2号101号室") == normalize_address("霞が関2-1-2 101号室")
    assert normalize_address("霞が関2-1-2 101号室") != normalize_address("霞が関2-1-2101号室")


@pytest.mark.parametrize(
    ("text", "key"),
    [
        *[("二十三号", "23"), ("百番地", "100"), ("千二百三十四番地", "1234"), ("十二番地", "12")],
        *[
            ("三重県四日市市", "四日市市"),
            ("八王子市", "八王子市"),
            ("千代田区一番町3", "千代田区一番町3"),
        ],
        *[("沖縄県恩納村字恩納1234番地", "恩納村恩納1234"), ("京都府京都市", "京都市")],
        *[
            ("大字上野字中原12", "上野中原12"),
            ("井の頭3丁目", "井ノ頭3"),
            ("自由が丘1-2", "自由ケ丘1-2"),
        ],
    ],
)
def test_address_numerals_and_names(text: str, key: str) -> None:
    """Block numerals become Arabic, numerals in place names (四日市, 一番町) stay, 字 goes."""
    assert normalize_address(text) == key


@pytest.mark.parametrize(
    "text",
    [
        *["1985-01-02", "昭和60年1月2日", "S60.1.2", "s60/1/2", "昭和６０年１月２日", "S 60.01.02"],
        *["昭和六十年一月二日", "1985年1月2日", "19850102", "㍼60年1月2日", "昭60-1-2"],
    ],
)
def test_dates_in_any_notation(text: str) -> None:
    """ISO, Western-kanji and Japanese-era notations (names, letters, kanji numerals) agree."""
    assert normalize_date(text) == date(1985, 1, 2)
    assert (
        normalize_date(date(1985, 1, 2))
        == normalize_date(datetime(1985, 1, 2, 9, tzinfo=UTC))
        == date(1985, 1, 2)
    )


@pytest.mark.parametrize(
    ("text", "day"),
    [
        *[("明治6年1月1日", date(1873, 1, 1)), ("明治45年7月29日", date(1912, 7, 29))],
        *[("大正元年7月30日", date(1912, 7, 30)), ("T15.12.24", date(1926, 12, 24))],
        *[("昭和元年12月25日", date(1926, 12, 25)), ("昭和64年1月7日", date(1989, 1, 7))],
        *[("平成元年1月8日", date(1989, 1, 8)), ("H31.4.30", date(2019, 4, 30))],
        *[("平成12年2月29日", date(2000, 2, 29)), ("令和元年5月1日", date(2019, 5, 1))],
        ("R7.1.1", date(2025, 1, 1)),
    ],
)
def test_era_boundaries(text: str, day: date) -> None:
    """Each era's first and last day convert to the right Gregorian date."""
    assert normalize_date(text) == day


@pytest.mark.parametrize(
    ("text", "says"),
    [
        *[
            ("平成31年5月1日", "平成 ended on 2019-04-30"),
            ("昭和64年1月8日", "昭和 ended on 1989-01-07"),
        ],
        *[("平成元年1月7日", "平成 began on 1989-01-08"), ("大正元年7月29日", "明治45年7月29日")],
        *[("1985-02-30", "1985-02 has 28 days"), ("昭和60年2月30日", "has 28 days")],
        *[("2023-02-29", "has 28 days"), ("2023-13-01", "no month 13"), ("昭和0年1月1日", "元年")],
        *[("明治5年12月2日", "lunisolar"), ("yesterday", "is not a date"), ("", "is not a date")],
    ],
)
def test_impossible_dates_are_refused(text: str, says: str) -> None:
    """A day that never existed raises a ValueError (and MyNumberError) saying what is wrong."""
    with pytest.raises(InvalidDate, match=says) as raised:
        normalize_date(text)
    assert isinstance(raised.value, ValueError)
    assert isinstance(raised.value, MyNumberError)


def _key(name: str = "山田太郎", **changes: str) -> AttributeKey:
    """Return a key of 山田太郎 born 1985-01-02 at 千代田区霞が関2-1-2, with ``changes``."""
    attributes = {"kana": "やまだたろう", "date_of_birth": "1985-01-02"}
    attributes |= {"address": "千代田区霞が関2-1-2"} | changes
    return attribute_key(name, **attributes)


def test_notation_variants_find_the_person() -> None:
    """渡邊/わたなべ/昭和/霞ヶ関2丁目1番地2号 finds 渡辺/ワタナベ/ISO/霞が関2-1-2."""
    entry = _key("渡辺太郎", kana="ワタナベタロウ", sex="male")
    query = _key("渡邊 太郎", kana="わたなべ たろう", date_of_birth="昭和60年1月2日", sex="男")
    query = AttributeKey(
        query.name, query.kana, query.date_of_birth, "東京都千代田区霞ヶ関2丁目1番地2号"
    )
    result = match(query, [("A", entry)])
    assert (result.outcome, result.person_id, result.count, result.found) == (
        Outcome.ONE_MATCH,
        "A",
        1,
        True,
    )
    assert "as written" in result.reason


@pytest.mark.parametrize(
    "other", [{"address": "千代田区霞が関2-1-3"}, {"date_of_birth": "1985-01-03"}]
)
def test_namesakes_elsewhere_are_not_linked(other: dict[str, str]) -> None:
    """A namesake born on another day or living elsewhere is not a match: only the one person is."""
    result = match(_key(), [("A", _key()), ("B", _key(**other))])
    assert (result.outcome, result.person_id) == (Outcome.ONE_MATCH, "A")


def test_sex_decides_when_given() -> None:
    """Two people alike but for sex: the sex given picks one; without it, no one is returned."""
    register = [("M", _key(sex="male")), ("F", _key(sex="female"))]
    assert match(_key(sex="male"), register).person_id == "M"
    assert match(_key(sex="女"), register).person_id == "F"
    result = match(_key(), register)
    assert (result.outcome, result.person_id, result.count) == (Outcome.AMBIGUOUS, None, 2)
    assert "ask for the sex" in result.reason


def test_three_attributes_shared_is_ambiguous() -> None:
    """Two people matching name, birth date and address (same sex): ambiguous, nobody returned."""
    result = match(
        _key(),
        [
            ("A", _key(sex="male")),
            ("B", _key(sex="male")),
            ("C", _key("山田次郎", kana="やまだじろう")),
        ],
    )
    assert (result.outcome, result.person_id, result.count, result.found) == (
        Outcome.AMBIGUOUS,
        None,
        2,
        False,
    )
    assert result.reason.startswith("2 residents match")
    assert "collect the number" in result.reason


def test_no_match_and_sex_mismatch() -> None:
    """No candidate, or a sex that differs from the only candidate's, finds no one."""
    assert match(_key(), []).outcome is Outcome.NO_MATCH
    result = match(_key(sex="female"), [("A", _key(sex="male"))])
    assert (result.outcome, result.person_id, result.count) == (Outcome.NO_MATCH, None, 0)
    assert result.reason == "no resident matches the name, date of birth, address and sex"


def test_twins_with_different_names_never_merge() -> None:
    """Twins (same birth date and address, different given names) each find only themselves."""
    register = [
        ("H", _key("山田陽翔", kana="ヤマダハルト")),
        ("Y", _key("山田悠斗", kana="ヤマダユウト")),
    ]
    assert match(_key("山田陽翔", kana="ヤマダハルト"), register).person_id == "H"
    assert match(_key("山田悠斗", kana="ヤマダユウト"), register).person_id == "Y"
    mixed = match(_key("山田陽翔", kana="ヤマダユウト"), register)
    assert (mixed.person_id, mixed.count) == ("H", 1)
    assert match(_key("山田陽太", kana="ヤマダヨウタ"), register).outcome is Outcome.NO_MATCH


def test_reading_finds_a_variant_the_table_lacks() -> None:
    """One unlisted kanji variant (桺/柳) is bridged by an equal kana reading, and says so."""
    result = match(
        _key("桺田一郎", kana="ヤナギダイチロウ"),
        [("A", _key("柳田一郎", kana="やなぎだいちろう"))],
    )
    assert result.person_id == "A"
    assert "kana reading" in result.reason


@pytest.mark.parametrize(
    ("query", "entry"),
    [
        (_key("桺田一郎", kana=""), _key("柳田一郎", kana="ヤナギダイチロウ")),
        (_key("桺田一朗", kana="ヤナギダイチロウ"), _key("柳田一郎", kana="ヤナギダイチロウ")),
        (_key("柳田ゆき", kana="ヤナギダユキ"), _key("柳田由き", kana="ヤナギダユキ")),
        (_key("桺田一郎", kana="ヤナギタイチロウ"), _key("柳田一郎", kana="ヤナギダイチロウ")),
    ],
    ids=["no-reading", "two-kanji-apart", "kana-against-kanji", "other-reading"],
)
def test_reading_path_stays_narrow(query: AttributeKey, entry: AttributeKey) -> None:
    """Without a reading, with two differences, a kana difference or another reading: no match."""
    assert match(query, [("A", entry)]).outcome is Outcome.NO_MATCH


def test_same_reading_twins_are_ambiguous() -> None:
    """Two people one kanji apart with one reading both match: the rule never picks one of them."""
    register = [
        ("Y", _key("山田裕子", kana="ヤマダユウコ")),
        ("U", _key("山田優子", kana="ヤマダユウコ")),
    ]
    result = match(_key("山田裕子", kana="ヤマダユウコ"), register)
    assert (result.outcome, result.person_id, result.count) == (Outcome.AMBIGUOUS, None, 2)


def test_record_keys_count_one_person_once() -> None:
    """A foreign resident is found by written, Latin or alias name, and counted once."""
    record = ResidentRecord(
        family_name="スミス",
        given_name="ジョン",
        family_name_kana="スミス",
        given_name_kana="ジョン",
        date_of_birth=date(1985, 1, 2),
        sex=Sex.MALE,
        municipality_code="131016",
        postal_code="1000013",
        address="東京都千代田区霞が関2丁目1番2号",
        nationality="GB",
        latin_name="SMITH John",
        alias="須見寿",
    )
    register = [("S", key) for key in keys_of_record(record)]
    for name in ("スミス・ジョン", "Smith JOHN", "須見 寿"):
        result = match(_key(name, kana="", sex="male"), register)
        assert (result.person_id, result.count) == ("S", 1)


def test_keys_refuse_missing_or_bad_attributes() -> None:
    """An empty name or address, or an unknown sex, raises InvalidAttribute (a ValueError)."""
    for bad in ({"name": " "}, {"address": "　"}, {"sex": "x"}):
        with pytest.raises(InvalidAttribute):
            _key(**bad)
    assert AttributeKey("渡邊", "わたなべ", date(1985, 1, 2), "霞ヶ関") == _key(
        "渡辺", kana="ワタナベ", address="霞が関"
    )


JAPANESE = st.text(
    st.sampled_from(
        "山田渡邊辺齋髙﨑わたなべワタナベｳﾞｧｰ-ー－ 　・゛ゔヴ二十丁目番地号の字大東京都ケヶが関12"
    )
)
NORMALIZERS = [normalize_name, normalize_kana, normalize_address]


@pytest.mark.parametrize("normalize", NORMALIZERS)
@given(text=st.one_of(st.text(), JAPANESE))
def test_normalization_is_idempotent(normalize: Callable[[str], str], text: str) -> None:
    """Normalizing a key again changes nothing."""
    once = normalize(text)
    assert normalize(once) == once


@pytest.mark.parametrize("normalize", NORMALIZERS)
@given(text=st.one_of(st.text(), JAPANESE))
def test_nfkc_equivalent_inputs_normalize_equal(normalize: Callable[[str], str], text: str) -> None:
    """Texts with one NFKC form (NFC, NFD, NFKD, NFKC of one text) give one key."""
    forms = {unicodedata.normalize(form, text) for form in ("NFC", "NFD", "NFKC", "NFKD")}
    assert len({normalize(form) for form in forms}) == 1


@given(text=st.text(st.sampled_from(string.ascii_letters + string.digits), min_size=1))
def test_full_width_latin_names_match(text: str) -> None:
    """Full-width Latin letters and digits give the ASCII name's key."""
    assert normalize_name(jaconv.h2z(text, ascii=True, digit=True)) == normalize_name(text)


@given(text=st.text(st.characters(min_codepoint=0x30A1, max_codepoint=0x30F4)))
def test_half_width_katakana_readings_match(text: str) -> None:
    """A reading in half-width katakana gives the full-width reading's key."""
    assert normalize_kana(jaconv.z2h(text, kana=True)) == normalize_kana(text)


@given(day=st.dates(min_value=date(1873, 1, 1), max_value=date(2200, 12, 31)))
def test_japanese_dates_round_trip(day: date) -> None:
    """Every day since 1873 written in its era (and in ISO) reads back as itself."""
    assert normalize_date(japanese_date(day)) == normalize_date(day.isoformat()) == day


BLOCK = st.tuples(*[st.integers(1, 1999)] * 3)


@given(first=BLOCK, second=BLOCK)
def test_block_forms_key_the_numbers(
    first: tuple[int, int, int], second: tuple[int, int, int]
) -> None:
    """N丁目M番地K号 and N-M-K share a key, and different numbers never do."""
    n, m, k = first
    assert normalize_address(f"霞が関{n}丁目{m}番地{k}号") == normalize_address(
        f"霞が関{n}-{m}-{k}"
    )
    same = normalize_address(f"霞が関{n}丁目{m}番{k}号") == normalize_address(
        "霞が関{}-{}-{}".format(*second)
    )
    assert same == (first == second)
