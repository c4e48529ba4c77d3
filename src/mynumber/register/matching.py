"""Four-attribute matching (基本4情報による照合): finding a person, never a namesake.

SPEC.md 8 (the 2023 mis-linking review): insurers linked 8,351 records to the wrong people by
matching on fewer than the four basic attributes, and relaxed strict matching because notation
differed (渡辺/渡邊, kana readings, 2丁目1番地2号 against 2-1-2). The fix this module encodes: a
person is found only by all four attributes -- name, date of birth, address, sex -- or by three
without sex, with notation differences absorbed by normalization
(:mod:`~mynumber.register.notation`, :mod:`~mynumber.register.addresses`,
:mod:`~mynumber.register.eras`) instead of by relaxing the rule.

The rule of :func:`match`, for each candidate (register entry):

1. The date of birth and the normalized address must be equal.
2. When the query gives the sex, the candidate's must be equal (a candidate without one fails).
3. The name must agree in one of two ways:

   * **written**: the normalized written names are equal (kanji variants in the project's table,
     width, case and spaces already folded); or
   * **reading**: both kana readings are given and equal after normalization, AND the written
     names have the same length and differ in exactly one character, a kanji on both sides -- a
     variant the table does not know (e.g. 吉 against an unlisted form). A difference in kana,
     Latin letters, or in two characters is a different name, whatever the reading.

4. The candidates that satisfy 1-3 are counted once per person id: none -> no match; one -> that
   person; more than one -> ambiguous, and no one is returned. No candidate is preferred over
   another: an exact written match does not outrank a reading match.

Why this cannot link namesakes (different people sharing a name): every path needs the same date
of birth AND the same address, so namesakes born on other days or living elsewhere never match.
Two people who agree on name, date of birth and address -- twins -- have different given names;
the written path keeps them apart, and the reading path does too, because twins' names are read
differently (ハルト/ユウト). If two people were nonetheless indistinguishable (same reading,
names one kanji apart), both match and the result is ambiguous: the rule never chooses. The cost
is that such a pair cannot be found by attributes at all; the number must then be collected from
the person (SPEC.md 8: "collect the number from the person at application").

>>> query = attribute_key("渡邊 太郎", "わたなべ", "昭和60年1月2日", "東京都千代田区霞が関2-1-2")
>>> entry = attribute_key("渡辺太郎", "ワタナベ", "1985-01-02", "千代田区霞ヶ関2丁目1番地2号")
>>> result = match(query, [("A", entry)])
>>> result.person_id, result.reason
('A', 'one resident matches the name, date of birth and address, by the name as written')
"""

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Protocol

from mynumber.register.addresses import normalize_address
from mynumber.register.eras import InvalidDate, normalize_date
from mynumber.register.notation import InvalidAttribute, normalize_kana, normalize_name
from mynumber.register.records import Sex

__all__ = [
    "AttributeKey",
    "InvalidAttribute",
    "InvalidDate",
    "MatchResult",
    "NameAgreement",
    "Outcome",
    "attribute_key",
    "keys_of_record",
    "match",
    "normalize_address",
    "normalize_date",
    "normalize_kana",
    "normalize_name",
]

#: How sex may be written in a query besides the ``Sex`` values (住民票: 1 男, 2 女).
_SEX_SPELLINGS = {"男": Sex.MALE, "1": Sex.MALE, "女": Sex.FEMALE, "2": Sex.FEMALE}


@dataclass(frozen=True, slots=True)
class AttributeKey:
    """The four basic attributes (基本4情報) in matching form; normalized on construction.

    ``kana`` may be empty (no reading known); ``sex`` is ``None`` when a query leaves it out.
    """

    name: str
    kana: str
    date_of_birth: date
    address: str
    sex: Sex | None = None

    def __post_init__(self) -> None:
        """Normalize every attribute (idempotent) and refuse an empty name or address."""
        object.__setattr__(self, "name", normalize_name(self.name))
        object.__setattr__(self, "kana", normalize_kana(self.kana))
        object.__setattr__(self, "date_of_birth", normalize_date(self.date_of_birth))
        object.__setattr__(self, "address", normalize_address(self.address))
        for attribute in ("name", "address"):
            if not getattr(self, attribute):
                message = (
                    f"the {attribute} is empty: a lookup needs the name, the date of birth and"
                    " the address, and the sex when it is known"
                )
                raise InvalidAttribute(message)


def attribute_key(
    name: str,
    kana: str,
    date_of_birth: date | str,
    address: str,
    sex: Sex | str | None = None,
) -> AttributeKey:
    """Return the key of attributes as a form or a query gives them (dates as text, sex as 男/女).

    >>> attribute_key("髙橋 一郎", "ﾀｶﾊｼ ｲﾁﾛｳ", "S60.1.2", "千代田区霞が関2-1-2", "男")
    AttributeKey(name='高橋一郎', kana='タカハシイチロウ', date_of_birth=datetime.date(1985, 1, 2),
                 address='千代田区霞ケ関2-1-2', sex=<Sex.MALE: 'male'>)
    """
    return AttributeKey(name, kana, normalize_date(date_of_birth), address, _sex(sex))


class RegisteredPerson(Protocol):
    """The attributes a register entry (a record, or a resident row) is found by."""

    @property
    def family_name(self) -> str:
        """The family name."""

    @property
    def given_name(self) -> str:
        """The given name."""

    @property
    def family_name_kana(self) -> str:
        """The family name kana."""

    @property
    def given_name_kana(self) -> str:
        """The given name kana."""

    @property
    def latin_name(self) -> str | None:
        """The latin name."""

    @property
    def alias(self) -> str | None:
        """The alias."""

    @property
    def former_surname(self) -> str | None:
        """The former surname."""

    @property
    def date_of_birth(self) -> date:
        """The date of birth."""

    @property
    def address(self) -> str:
        """The address."""

    @property
    def sex(self) -> Sex | str:
        """The sex."""


def keys_of_record(record: RegisteredPerson) -> list[AttributeKey]:
    """Return the keys under which a register entry can be found, one per name it records.

    The written name with its reading; and, without a reading, the Latin-script name of a
    foreign resident, a registered alias (通称) and the former surname (旧氏) with the given name.
    Give :func:`match` every key with the same person id: a person is counted once.
    """
    attributes = (record.date_of_birth, record.address, _sex(record.sex))
    written = record.family_name + record.given_name
    kana = record.family_name_kana + record.given_name_kana
    names = [record.latin_name, record.alias]
    if record.former_surname:
        names.append(record.former_surname + record.given_name)
    keys = [AttributeKey(written, kana, *attributes)]
    keys.extend(AttributeKey(name, "", *attributes) for name in names if name)
    return keys


def _sex(value: Sex | str | None) -> Sex | None:
    """Return the ``Sex`` that ``value`` spells, or raise :class:`InvalidAttribute`."""
    if value is None or isinstance(value, Sex):
        return value
    spelled = value.strip().casefold()
    if spelled in _SEX_SPELLINGS:
        return _SEX_SPELLINGS[spelled]
    try:
        return Sex(spelled)
    except ValueError as exc:
        message = f"{value!r} is not a sex the register records: give male or female (男/女)"
        raise InvalidAttribute(message) from exc


class Outcome(StrEnum):
    """What a lookup by attributes found."""

    NO_MATCH = "no-match"
    ONE_MATCH = "one-match"
    AMBIGUOUS = "ambiguous"


class NameAgreement(StrEnum):
    """Which way the name of a candidate agreed with the query's (rule 3 of the module)."""

    WRITTEN = "written"
    READING = "reading"


@dataclass(frozen=True, slots=True)
class MatchResult:
    """The answer of :func:`match`: the person found (only on one match), the count and why."""

    outcome: Outcome
    person_id: str | None
    count: int
    reason: str

    @property
    def found(self) -> bool:
        """Return whether exactly one person matched (and ``person_id`` is theirs)."""
        return self.outcome is Outcome.ONE_MATCH


def match(query: AttributeKey, candidates: Iterable[tuple[str, AttributeKey]]) -> MatchResult:
    """Return the one person whose attributes match ``query``, or say why there is none.

    ``candidates`` are (person id, key) pairs, typically from :func:`keys_of_record`; a person
    with several keys counts once.
    """
    agreed: dict[str, NameAgreement] = {}
    sexes: set[Sex | None] = set()
    for person_id, candidate in candidates:
        agreement = _agreement(query, candidate)
        if agreement is not None:
            sexes.add(candidate.sex)
            if agreed.get(person_id) is not NameAgreement.WRITTEN:
                agreed[person_id] = agreement
    attributes = (
        "name, date of birth, address and sex" if query.sex else "name, date of birth and address"
    )
    if not agreed:
        return MatchResult(Outcome.NO_MATCH, None, 0, f"no resident matches the {attributes}")
    if len(agreed) > 1:
        sex_would_tell = query.sex is None and len(sexes) > 1
        advice = "ask for the sex as well" if sex_would_tell else "collect the number from them"
        reason = (
            f"{len(agreed)} residents match the {attributes}; no one is returned: check the"
            f" attributes with the person, or {advice}"
        )
        return MatchResult(Outcome.AMBIGUOUS, None, len(agreed), reason)
    [(person_id, agreement)] = agreed.items()
    how = (
        "the name as written"
        if agreement is NameAgreement.WRITTEN
        else "the kana reading of the name (its written form differs in one kanji variant)"
    )
    reason = f"one resident matches the {attributes}, by {how}"
    return MatchResult(Outcome.ONE_MATCH, person_id, 1, reason)


def _agreement(query: AttributeKey, candidate: AttributeKey) -> NameAgreement | None:
    """Return how ``candidate`` matches ``query`` under rules 1-3, or ``None`` if it does not."""
    if (query.date_of_birth, query.address) != (candidate.date_of_birth, candidate.address):
        return None
    if query.sex is not None and candidate.sex != query.sex:
        return None
    if query.name == candidate.name:
        return NameAgreement.WRITTEN
    if query.kana and query.kana == candidate.kana and _one_kanji_apart(query.name, candidate.name):
        return NameAgreement.READING
    return None


def _one_kanji_apart(first: str, second: str) -> bool:
    """Return whether two names of one length differ in exactly one place, a kanji on both sides."""
    if len(first) != len(second):
        return False
    differences = [(a, b) for a, b in zip(first, second, strict=True) if a != b]
    return len(differences) == 1 and all(_is_kanji(char) for char in differences[0])


def _is_kanji(char: str) -> bool:
    """Return whether ``char`` is a CJK ideograph (any block, including the compatibility ones)."""
    return unicodedata.name(char, "").startswith(
        ("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEO")
    )
