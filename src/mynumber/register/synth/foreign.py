"""Foreign residents: nationalities, statuses of residence (在留資格) and periods of stay.

Source of the nationalities: Immigration Services Agency of Japan (出入国在留管理庁),
在留外国人統計, foreign residents at the end of 2023 (press release 令和5年末現在における
在留外国人数について, 22 March 2024; tables at
https://www.moj.go.jp/isa/policies/statistics/toukei_ichiran_touroku.html): 3,410,992 mid- to
long-term and special permanent residents, 2.7% of Japan's 124.35 million (人口推計, October
2023). By nationality: China 821,838, Vietnam 565,026, Korea 410,156, the Philippines
322,046, Brazil 211,840, Nepal 176,336, Indonesia 149,101, Myanmar 86,546, Taiwan 64,663, the
United States 63,408. Faker has no Burmese names, so Myanmar joins the others (626,578 people,
18%), spread evenly here over Thailand, India, Peru, the United Kingdom, France and Germany:
stand-ins Faker can name, not figures from the statistics.

The mix of statuses within each nationality is a rough shape of the same statistics' table by
nationality and status, rounded by hand (Koreans are mostly special permanent residents,
Brazilians permanent and long-term residents, Vietnamese and Indonesians technical interns and
specified skilled workers, Nepalese students, cooks and their families); check it against the
current table before relying on it. Spouses of Japanese nationals (日本人の配偶者等) live in
Japanese households and are not made here.

Periods of stay are those the Immigration Control Act's enforcement regulations (出入国管理及び
難民認定法施行規則 別表第二) grant for each status, shortened to the common ones; permanent and
special permanent residents have none. A family member's stay ends with the head's.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from random import Random

from mynumber.register.records import Language
from mynumber.register.synth.plans import Ages, Kind, Weighted, mean_size


class Status(StrEnum):
    """A status of residence (在留資格), in the English of the Immigration Services Agency."""

    PERMANENT = "permanent resident"  # 永住者
    SPECIAL_PERMANENT = "special permanent resident"  # 特別永住者
    ENGINEER = (
        "engineer/specialist in humanities/international services"  # 技術・人文知識・国際業務
    )
    SKILLED_LABOR = "skilled labor"  # 技能
    SPECIFIED_SKILLED = "specified skilled worker"  # 特定技能
    TRAINEE = "technical intern training"  # 技能実習
    STUDENT = "student"  # 留学
    LONG_TERM = "long-term resident"  # 定住者
    DEPENDENT = "dependent"  # 家族滞在
    SPOUSE_OF_PERMANENT = "spouse or child of permanent resident"  # 永住者の配偶者等


@dataclass(frozen=True, slots=True)
class Profile:
    """What a status says about the head of a household who holds it."""

    ages: Ages
    #: The periods of stay granted, in months; none for permanent residents.
    months: tuple[int, ...]
    #: The status of a spouse and children; None: the status admits no family.
    family: Status | None


@dataclass(frozen=True, slots=True)
class Nationality:
    """A nationality, its language, and the statuses its heads of household hold."""

    #: ISO 3166-1 alpha-2.
    code: str
    language: Language
    statuses: Weighted[Status]


_FAMILY_KINDS = Weighted(
    {
        Kind.ONE_PERSON: 45.0,
        Kind.COUPLE: 20.0,
        Kind.COUPLE_WITH_CHILDREN: 30.0,
        Kind.ONE_PARENT: 5.0,
    }
)
_YOUNG = Ages((18, 24, 50), (25, 34, 45), (35, 45, 5))
PROFILES = {
    Status.PERMANENT: Profile(
        Ages((25, 39, 25), (40, 59, 50), (60, 84, 25)), (), Status.SPOUSE_OF_PERMANENT
    ),
    Status.SPECIAL_PERMANENT: Profile(
        Ages((20, 39, 15), (40, 59, 30), (60, 79, 35), (80, 95, 20)), (), Status.SPECIAL_PERMANENT
    ),
    Status.ENGINEER: Profile(
        Ages((22, 29, 45), (30, 39, 35), (40, 55, 20)), (12, 36, 60), Status.DEPENDENT
    ),
    Status.SKILLED_LABOR: Profile(
        Ages((25, 34, 35), (35, 49, 50), (50, 60, 15)), (12, 36, 60), Status.DEPENDENT
    ),
    Status.SPECIFIED_SKILLED: Profile(_YOUNG, (4, 6, 12), None),
    Status.TRAINEE: Profile(_YOUNG, (12, 24), None),
    Status.STUDENT: Profile(Ages((18, 22, 45), (23, 29, 50), (30, 35, 5)), (15, 24, 27, 51), None),
    Status.LONG_TERM: Profile(
        Ages((20, 39, 40), (40, 59, 40), (60, 75, 20)), (6, 12, 36, 60), Status.LONG_TERM
    ),
}
#: Periods of stay of family members whose head has none (a permanent resident's spouse).
FAMILY_MONTHS = {Status.SPOUSE_OF_PERMANENT: (6, 12, 36, 60)}

_S = Status
_OTHERS = Weighted(
    {_S.ENGINEER: 45.0, _S.PERMANENT: 30.0, _S.STUDENT: 15.0, _S.SKILLED_LABOR: 10.0}
)
#: Nationalities and their numbers of residents (see the module docstring).
RESIDENTS: dict[Nationality, float] = {
    Nationality("CN", Language.CHINESE, Weighted({
        _S.PERMANENT: 45.0, _S.ENGINEER: 20.0, _S.STUDENT: 20.0, _S.SKILLED_LABOR: 5.0,
        _S.LONG_TERM: 5.0, _S.TRAINEE: 3.0, _S.SPECIFIED_SKILLED: 2.0,
    })): 821_838,
    Nationality("VN", Language.VIETNAMESE, Weighted({
        _S.TRAINEE: 35.0, _S.SPECIFIED_SKILLED: 25.0, _S.ENGINEER: 15.0, _S.STUDENT: 15.0,
        _S.PERMANENT: 7.0, _S.LONG_TERM: 3.0,
    })): 565_026,
    Nationality("KR", Language.KOREAN, Weighted({
        _S.SPECIAL_PERMANENT: 60.0, _S.PERMANENT: 20.0, _S.ENGINEER: 10.0, _S.STUDENT: 7.0,
        _S.LONG_TERM: 3.0,
    })): 410_156,
    Nationality("PH", Language.TAGALOG, Weighted({
        _S.PERMANENT: 50.0, _S.LONG_TERM: 20.0, _S.SPECIFIED_SKILLED: 12.0, _S.TRAINEE: 10.0,
        _S.ENGINEER: 8.0,
    })): 322_046,
    Nationality("BR", Language.PORTUGUESE, Weighted({
        _S.PERMANENT: 55.0, _S.LONG_TERM: 43.0, _S.ENGINEER: 2.0,
    })): 211_840,
    Nationality("NP", Language.ENGLISH, Weighted({
        _S.STUDENT: 35.0, _S.SKILLED_LABOR: 30.0, _S.ENGINEER: 25.0, _S.PERMANENT: 5.0,
        _S.SPECIFIED_SKILLED: 5.0,
    })): 176_336,
    Nationality("ID", Language.ENGLISH, Weighted({
        _S.TRAINEE: 40.0, _S.SPECIFIED_SKILLED: 35.0, _S.ENGINEER: 12.0, _S.STUDENT: 10.0,
        _S.PERMANENT: 3.0,
    })): 149_101,
    Nationality("TW", Language.CHINESE, Weighted({
        _S.PERMANENT: 40.0, _S.ENGINEER: 35.0, _S.STUDENT: 20.0, _S.LONG_TERM: 5.0,
    })): 64_663,
    Nationality("US", Language.ENGLISH, Weighted({
        _S.ENGINEER: 45.0, _S.PERMANENT: 35.0, _S.STUDENT: 15.0, _S.LONG_TERM: 5.0,
    })): 63_408,
    **{
        Nationality(code, Language.ENGLISH, _OTHERS): 626_578 / 6
        for code in ("TH", "IN", "PE", "GB", "FR", "DE")
    },
}  # fmt: skip


def _household_size(nationality: Nationality) -> float:
    """Return the mean size of the households of a nationality, as ``plan`` makes them."""
    family = mean_size(_FAMILY_KINDS)
    return nationality.statuses.mean(lambda status: family if PROFILES[status].family else 1.0)


#: Nationalities drawn per household: residents over the mean household size, so that the
#: people, not the households, come in the shares of the statistics.
NATIONALITIES = Weighted({n: people / _household_size(n) for n, people in RESIDENTS.items()})


#: The mean size of a foreign household.
MEAN_SIZE = NATIONALITIES.mean(_household_size)


def kind(status: Status, rng: Random) -> Kind:
    """Return the type of household a head with ``status`` lives in."""
    return Kind.ONE_PERSON if PROFILES[status].family is None else _FAMILY_KINDS.draw(rng)


def language(nationality: Nationality, status: Status) -> Language:
    """Return the language to write to a resident in: special permanent residents were born here."""
    return Language.JAPANESE if status is Status.SPECIAL_PERMANENT else nationality.language


def stay_until(months: tuple[int, ...], as_of: date, rng: Random) -> date | None:
    """Return the last day of a period of stay granted some time before ``as_of``; None if none."""
    if not months:
        return None
    granted = rng.choice(months) * 30
    return as_of + timedelta(days=1 + int(rng.random() * granted))
