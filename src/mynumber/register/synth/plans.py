"""Households (世帯) and the ages of their members, shaped like Japan's.

Sources (Statistics Bureau of Japan, https://www.stat.go.jp/):

- Household types: 2020 Population Census (令和2年国勢調査, 人口等基本集計), general households:
  one person 38.0%, a couple only 20.0%, a couple and their children 25.0%, one parent and
  children 9.0%; the other 8% (mostly households of three generations) are made three-generation
  households here. Children living with their parents may be adults; many one-parent households
  are an old parent and a grown-up child.
- Ages: Population Estimates at 1 October 2023 (人口推計, 2023年10月1日現在): 11.4% under 15,
  29.1% aged 65 and over. The age bands below are the model's, tuned by hand until the people it
  makes land there (on 200,000 residents: about 11.5% under 15 and 29% aged 65 and over).
- Age of a mother at a birth: Vital Statistics 2022 (人口動態統計), mean age at first birth 30.9.

A household is a list of members, the head first; who took whose family name, and who is whose
child, follow Japanese custom (a wife takes her husband's name in about 95% of marriages). A
child is 19 to 44 years younger than each parent, so that birth dates put the difference between
18 and 45 years.
"""

from bisect import bisect
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from itertools import accumulate
from random import Random
from typing import Generic, TypeVar

from mynumber.register.records import Sex

#: A child is at least this many years younger than a parent, and at most ``OLDEST_PARENT``.
YOUNGEST_PARENT = 19
OLDEST_PARENT = 44
OLDEST = 105

T = TypeVar("T")


class Relationship(StrEnum):
    """A member's relationship to the head of household (続柄), as the resident record shows it."""

    HEAD = "head"  # 世帯主
    SPOUSE = "spouse"  # 妻, 夫
    CHILD = "child"  # 子
    PARENT = "parent"  # 父, 母


class Kind(StrEnum):
    """The type of a household (世帯の家族類型) as the census counts them."""

    ONE_PERSON = "one person"
    COUPLE = "couple"
    COUPLE_WITH_CHILDREN = "couple with children"
    ONE_PARENT = "one parent with children"
    THREE_GENERATIONS = "three generations"


@dataclass(frozen=True, slots=True)
class Member:
    """One member of a planned household, before they have a name."""

    relationship: Relationship
    age: int
    sex: Sex
    #: Took the family name on marriage, so may have a former surname (旧氏).
    married_in: bool = False


class Weighted(Generic[T]):
    """Draws one of some values with given weights, quickly (one ``random()`` and a bisection)."""

    def __init__(self, weights: dict[T, float]) -> None:
        """Keep the values and their running total of weights."""
        self._values = tuple(weights)
        self._weights = tuple(weights.values())
        self._totals = tuple(accumulate(self._weights))

    def draw(self, rng: Random) -> T:
        """Return one value, each as likely as its weight."""
        return self._values[bisect(self._totals, rng.random() * self._totals[-1])]

    def mean(self, of: Callable[[T], float]) -> float:
        """Return the mean of ``of(value)`` over the values, weighted."""
        total = sum(w * of(value) for value, w in zip(self._values, self._weights, strict=True))
        return total / self._totals[-1]


class Ages:
    """Ages drawn by band: a band is picked by its weight, then an age evenly within it."""

    def __init__(self, *bands: tuple[int, int, float]) -> None:
        """Keep the bands, each (youngest, oldest, weight)."""
        self._bands = Weighted({(low, high): weight for low, high, weight in bands})

    def draw(self, rng: Random) -> int:
        """Return one age."""
        low, high = self._bands.draw(rng)
        return low + int(rng.random() * (high - low + 1))


KINDS = Weighted(
    {
        Kind.ONE_PERSON: 38.0,
        Kind.COUPLE: 20.0,
        Kind.COUPLE_WITH_CHILDREN: 25.0,
        Kind.ONE_PARENT: 9.0,
        Kind.THREE_GENERATIONS: 8.0,
    }
)
#: The age of the head of a Japanese household of each kind (the husband in a couple).
HEAD_AGES = {
    Kind.ONE_PERSON: Ages(
        (18, 24, 10),
        (25, 34, 13),
        (35, 44, 10),
        (45, 54, 12),
        (55, 64, 12),
        (65, 74, 17),
        (75, 84, 16),
        (85, 99, 9),
    ),
    Kind.COUPLE: Ages(
        (22, 34, 6), (35, 49, 6), (50, 64, 16), (65, 74, 32), (75, 84, 30), (85, 99, 10)
    ),
    Kind.COUPLE_WITH_CHILDREN: Ages(
        (25, 34, 9), (35, 44, 22), (45, 54, 30), (55, 64, 21), (65, 74, 12), (75, 89, 6)
    ),
    Kind.ONE_PARENT: Ages(
        (25, 34, 6), (35, 44, 18), (45, 54, 22), (55, 64, 14), (65, 74, 15), (75, 94, 28)
    ),
    Kind.THREE_GENERATIONS: Ages((28, 39, 25), (40, 49, 40), (50, 62, 35)),
}
#: How much younger a wife is than her husband.
SPOUSE_GAP = Ages((-4, -1, 12), (0, 3, 55), (4, 8, 28), (9, 14, 5))
#: A mother's age when a child was born.
BIRTH_AGE = Ages((19, 24, 10), (25, 29, 27), (30, 34, 35), (35, 39, 22), (40, 44, 6))
CHILDREN = Weighted({1: 50.0, 2: 40.0, 3: 9.0, 4: 1.0})
ONE_PARENT_CHILDREN = Weighted({1: 72.0, 2: 24.0, 3: 4.0})
GRANDCHILDREN = Weighted({0: 35.0, 1: 35.0, 2: 25.0, 3: 5.0})
#: Which of the head's parents live in a three-generation household.
GRANDPARENTS = Weighted({(True, True): 35.0, (False, True): 50.0, (True, False): 15.0})


def mean_size(kinds: Weighted[Kind]) -> float:
    """Return the mean number of members of households of ``kinds``, as ``plan`` makes them."""
    children = CHILDREN.mean(float)
    sizes = {
        Kind.ONE_PERSON: 1.0,
        Kind.COUPLE: 2.0,
        Kind.COUPLE_WITH_CHILDREN: 2.0 + children,
        Kind.ONE_PARENT: 1.0 + ONE_PARENT_CHILDREN.mean(float),
        Kind.THREE_GENERATIONS: 2.0 + GRANDCHILDREN.mean(float) + GRANDPARENTS.mean(sum),
    }
    return kinds.mean(sizes.__getitem__)


def plan(kind: Kind, head_ages: Ages, rng: Random) -> list[Member]:
    """Return the members of a household of ``kind``, the head first."""
    head_age = head_ages.draw(rng)
    if kind is Kind.ONE_PERSON:
        female = rng.random() < (0.62 if head_age >= 65 else 0.45)
        return [Member(Relationship.HEAD, head_age, Sex.FEMALE if female else Sex.MALE)]
    if kind is Kind.ONE_PARENT:
        sex = Sex.FEMALE if rng.random() < 0.85 else Sex.MALE
        parent = Member(Relationship.HEAD, head_age, sex)
        return [parent, *_children(rng, ONE_PARENT_CHILDREN.draw(rng), [head_age])]
    members = _couple(rng, head_age, wife_heads=kind is not Kind.THREE_GENERATIONS)
    ages = [member.age for member in members]
    if kind is Kind.COUPLE_WITH_CHILDREN:
        members += _children(rng, CHILDREN.draw(rng), ages)
    elif kind is Kind.THREE_GENERATIONS:
        members += _children(rng, GRANDCHILDREN.draw(rng), ages)
        members += _parents(rng, head_age)
    return members


def _couple(rng: Random, husband_age: int, *, wife_heads: bool) -> list[Member]:
    """Return a married couple, the head first: the husband, or one time in ten the wife."""
    wife_age = min(max(husband_age - SPOUSE_GAP.draw(rng), 20), OLDEST)
    husband = Member(Relationship.HEAD, husband_age, Sex.MALE)
    wife = Member(Relationship.SPOUSE, wife_age, Sex.FEMALE, married_in=True)
    if not wife_heads or rng.random() < 0.9:
        return [husband, wife]
    return [
        Member(Relationship.HEAD, wife_age, Sex.FEMALE, married_in=True),
        Member(Relationship.SPOUSE, husband_age, Sex.MALE),
    ]


def _children(rng: Random, count: int, parents: list[int]) -> list[Member]:
    """Return ``count`` children of parents aged ``parents``."""
    younger, older = min(parents), max(parents)
    low, high = max(0, older - OLDEST_PARENT), younger - YOUNGEST_PARENT
    children = []
    for _ in range(count):
        age = min(max(younger - BIRTH_AGE.draw(rng), low), high)
        sex = Sex.FEMALE if rng.random() < 0.49 else Sex.MALE
        children.append(Member(Relationship.CHILD, age, sex))
    return children


def _parents(rng: Random, husband_age: int) -> list[Member]:
    """Return the husband's parents, one or both, living with his family."""
    father, mother = GRANDPARENTS.draw(rng)
    mother_age = min(husband_age + BIRTH_AGE.draw(rng), OLDEST)
    father_age = min(mother_age + max(SPOUSE_GAP.draw(rng), 0), husband_age + OLDEST_PARENT, OLDEST)
    members = []
    if father:
        members.append(Member(Relationship.PARENT, father_age, Sex.MALE))
    if mother:
        members.append(Member(Relationship.PARENT, mother_age, Sex.FEMALE, married_in=True))
    return members
