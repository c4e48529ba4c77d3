"""Planned households made into resident records: names, birth dates, addresses, statuses.

The shares used here, beside those of ``plans`` and ``foreign``:

- Foreign residents: 2.74% of the people (Immigration Services Agency, end of 2023: 3,410,992 of
  124.35 million); their households are smaller, so a larger share of households is foreign.
- Former surnames (旧氏): registered by 4% of women who took their husband's name. The register
  has shown them since 5 November 2019 (住民基本台帳法施行令, as amended in 2019), and their
  kana reading since 26 May 2025 (令和7年政令第17号), which ``ResidentRecord`` has no field for.
  The uptake is not published, so "a few percent" is the project's choice.
- Registered aliases (通称): half of the special permanent residents, who often live under a
  Japanese name; the alias shares the household's Japanese family name. Also the project's choice.
- Flats: 44% of households get a flat number (2018 Housing and Land Survey, 住宅・土地統計調査:
  43.5% of occupied dwellings are in apartment buildings, 共同住宅).
"""

from collections.abc import Callable
from datetime import date
from functools import partial
from random import Random
from typing import TypedDict

from mynumber.register.municipalities import Town
from mynumber.register.records import ResidentRecord
from mynumber.register.synth import foreign, names
from mynumber.register.synth.plans import (
    HEAD_AGES,
    KINDS,
    OLDEST,
    Relationship,
    mean_size,
    plan,
)

FOREIGN_RESIDENTS = 0.0274
#: The share of households that makes ``FOREIGN_RESIDENTS`` of the people.
FOREIGN_HOUSEHOLDS = (FOREIGN_RESIDENTS / foreign.MEAN_SIZE) / (
    FOREIGN_RESIDENTS / foreign.MEAN_SIZE + (1 - FOREIGN_RESIDENTS) / mean_size(KINDS)
)
FORMER_SURNAME = 0.04
ALIAS = 0.5
FLATS = 0.44


class Place(TypedDict):
    """Where a household lives: the fields its members' records share."""

    municipality_code: str
    postal_code: str
    address: str
    household_key: str


#: A household's members with their relationship to the head, the head first.
Members = list[tuple[ResidentRecord, Relationship]]


class People:
    """Makes the households of one municipality, one at a time, from one random generator."""

    def __init__(self, code: str, towns: tuple[Town, ...], rng: Random, as_of: date) -> None:
        """Keep the municipality, its towns, the generator, and the day people are seen on."""
        self._code = code
        self._towns = towns
        self._rng = rng
        self._as_of = as_of
        self._japanese = names.japanese()
        self._made = 0
        # For each age, the first possible birth day (as an ordinal) and how many days follow it.
        self._born: list[tuple[int, int]] = []
        for age in range(OLDEST + 1):
            latest = _years_before(as_of, age).toordinal()
            earliest = _years_before(as_of, age + 1).toordinal() + 1
            self._born.append((earliest, latest - earliest + 1))

    def household(self) -> tuple[str, Members]:
        """Return the key and the members of the next household."""
        self._made += 1
        key = f"{self._code}-{self._made:08d}"
        rng = self._rng
        town = self._towns[int(rng.random() * len(self._towns))]
        place = Place(
            municipality_code=self._code,
            postal_code=town.postal_code,
            address=self._address(town),
            household_key=key,
        )
        if rng.random() < FOREIGN_HOUSEHOLDS:
            return key, self._foreign(place)
        return key, self._national(place)

    def _national(self, place: Place) -> Members:
        """Return a household of Japanese nationals."""
        rng, japanese = self._rng, self._japanese
        kind = KINDS.draw(rng)
        family = japanese.family(rng)
        members: Members = []
        for member in plan(kind, HEAD_AGES[kind], rng):
            given = _unused(partial(japanese.given, rng, member.sex), members)
            former = None
            if member.married_in and rng.random() < FORMER_SURNAME:
                former = self._other_family_name(family[0])
            record = ResidentRecord(
                family_name=family[0],
                given_name=given[0],
                family_name_kana=family[1],
                given_name_kana=given[1],
                date_of_birth=self._birth_date(member.age),
                sex=member.sex,
                former_surname=former,
                household_head=member.relationship is Relationship.HEAD,
                **place,
            )
            members.append((record, member.relationship))
        return members

    def _foreign(self, place: Place) -> Members:
        """Return a household of foreign residents of one nationality."""
        rng = self._rng
        nationality = foreign.NATIONALITIES.draw(rng)
        status = nationality.statuses.draw(rng)
        profile = foreign.PROFILES[status]
        pool = names.foreign(nationality.code)
        family = pool.family(rng)
        until = foreign.stay_until(profile.months, self._as_of, rng)
        alias = None
        if status is foreign.Status.SPECIAL_PERMANENT and rng.random() < ALIAS:
            alias = self._japanese.family(rng)[0]
        members: Members = []
        for member in plan(foreign.kind(status, rng), profile.ages, rng):
            head = member.relationship is Relationship.HEAD
            own = status if head else (profile.family or status)
            if not head and not profile.months:  # a permanent resident's family: a stay of its own
                until = foreign.stay_until(foreign.FAMILY_MONTHS.get(own, ()), self._as_of, rng)
            given = _unused(partial(pool.given, rng, member.sex), members)
            record = ResidentRecord(
                family_name=family[0],
                given_name=given[0],
                family_name_kana=family[1],
                given_name_kana=given[1],
                date_of_birth=self._birth_date(member.age),
                sex=member.sex,
                nationality=nationality.code,
                latin_name=f"{family[0]} {given[0]}",
                alias=f"{alias} {self._japanese.given(rng, member.sex)[0]}" if alias else None,
                resident_status=own.value,
                period_of_stay_until=until,
                household_head=head,
                preferred_language=foreign.language(nationality, own),
                **place,
            )
            members.append((record, member.relationship))
        return members

    def _birth_date(self, age: int) -> date:
        """Return a birth date that makes someone ``age`` years old on the day of the population."""
        first, days = self._born[age]
        return date.fromordinal(first + int(self._rng.random() * days))

    def _address(self, town: Town) -> str:
        """Return a made-up address in ``town``: 2丁目1番2号, or 1234番地 (5), and a flat."""
        rng = self._rng
        if town.chome:
            chome = town.chome[int(rng.random() * len(town.chome))]
            block = f"{chome}丁目{1 + int(rng.random() * 30)}番{1 + int(rng.random() * 25)}号"
        else:
            numbers = town.banchi or range(1, 1501)
            block = f"{numbers[int(rng.random() * len(numbers))]}番地"
            if rng.random() < 0.4:
                block += str(1 + int(rng.random() * 20))
        if rng.random() < FLATS:
            block += f" {1 + int(rng.random() * 8)}{1 + int(rng.random() * 12):02d}号室"
        return f"{town.prefecture}{town.city}{town.name}{block}"

    def _other_family_name(self, family_name: str) -> str:
        """Return a family name other than ``family_name``: a wife's name before marriage."""
        while (name := self._japanese.family(self._rng)[0]) == family_name:
            pass
        return name


#: How often a given name already in the household is drawn again (pools hold dozens of names).
_REDRAWS = 50


def _unused(draw: Callable[[], tuple[str, str]], members: Members) -> tuple[str, str]:
    """Draw a given name no member of the household has yet: siblings never share one."""
    taken = {record.given_name for record, _ in members}
    given = draw()
    for _ in range(_REDRAWS):
        if given[0] not in taken:
            break
        given = draw()
    return given


def _years_before(day: date, years: int) -> date:
    """Return the same day ``years`` years before ``day`` (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)
