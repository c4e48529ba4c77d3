"""Names and their readings, from Faker's person providers.

Japanese names come from Faker's ja_JP provider, whose tables pair each name with its katakana
reading and a romanised form (``last_name_pairs``, weighted by how common each family name is,
``first_name_male_pairs``, ``first_name_female_pairs``). The tables are read once and drawn from
with the synthesiser's own ``random.Random``: calling Faker per name would cost ten times as much,
and would tie the output to Faker's shared random state.

Foreign residents' names come from the provider of their nationality's locale, in the Latin script
of a passport (ICAO Doc 9303: capital letters, no diacritics, Nguyễn -> NGUYEN). Where Faker has
no Latin-script names for a nationality, a neighbour stands in, and says so here: Nepal uses en_IN
(ne_NP is in Devanagari), the Philippines en_US given names with es_MX family names (Faker has no
Filipino locale), Peru es_MX. Korean names are romanised from ko_KR's Hangul (see ``kana``);
Chinese names use zh_CN's pinyin lists, Taiwanese zh_TW's Wade-Giles ones. Vietnamese given names
carry a middle name (Văn, Thị...). Readings of foreign names are made by ``kana.katakana``.
"""

import importlib
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from functools import cache, lru_cache
from random import Random

from faker.providers.person import ja_JP, vi_VN

from mynumber.register.records import Sex
from mynumber.register.synth.kana import katakana, korean_given_name, korean_surname
from mynumber.register.synth.plans import Weighted

#: A name as registered, with its katakana reading.
Name = tuple[str, str]
#: The locales a nationality's family names and given names come from.
LOCALES = {
    "CN": ("zh_CN", "zh_CN"),
    "TW": ("zh_TW", "zh_TW"),
    "KR": ("ko_KR", "ko_KR"),
    "VN": ("vi_VN", "vi_VN"),
    "PH": ("es_MX", "en_US"),
    "BR": ("pt_BR", "pt_BR"),
    "NP": ("en_IN", "en_IN"),
    "ID": ("id_ID", "id_ID"),
    "US": ("en_US", "en_US"),
    "TH": ("en_TH", "en_TH"),
    "IN": ("en_IN", "en_IN"),
    "PE": ("es_MX", "es_MX"),
    "GB": ("en_GB", "en_GB"),
    "FR": ("fr_FR", "fr_FR"),
    "DE": ("de_DE", "de_DE"),
}


class JapaneseNames:
    """Family and given names with their readings, as Faker's ja_JP provider pairs them."""

    def __init__(self) -> None:
        """Read the ja_JP tables."""
        provider = ja_JP.Provider
        self._family = Weighted(
            {pair[:2]: weight for pair, weight in provider.last_name_pairs.items()}
        )
        self._given = {
            Sex.MALE: tuple(pair[:2] for pair in provider.first_name_male_pairs),
            Sex.FEMALE: tuple(pair[:2] for pair in provider.first_name_female_pairs),
        }

    def family(self, rng: Random) -> Name:
        """Return a family name and its reading, as common as it is in Japan."""
        return self._family.draw(rng)

    def given(self, rng: Random, sex: Sex) -> Name:
        """Return a given name and its reading."""
        names = self._given[sex]
        return names[int(rng.random() * len(names))]


class ForeignNames:
    """Latin-script names of one nationality, with katakana readings."""

    def __init__(self, nationality: str) -> None:
        """Read the tables of the nationality's locales."""
        family_locale, given_locale = LOCALES[nationality]
        self._family = _table(_provider(family_locale), "last_romanized_names", "last_names")
        self._given = {
            sex: _table(
                _provider(given_locale),
                f"first_romanized_names_{sex}",
                "first_romanized_names",
                f"first_names_{sex}",
                "first_names",
            )
            for sex in Sex
        }
        self._middle = _middle_names() if nationality == "VN" else None
        self._reading: Callable[[str], Name] = _latin
        self._family_reading: Callable[[str], Name] = _latin
        if nationality == "KR":
            self._reading, self._family_reading = korean_given_name, korean_surname

    def family(self, rng: Random) -> Name:
        """Return a family name in Latin script and its reading."""
        return self._family_reading(self._family.draw(rng))

    def given(self, rng: Random, sex: Sex) -> Name:
        """Return a given name (with a middle name where the custom has one) and its reading."""
        name = self._given[sex].draw(rng)
        if self._middle is not None:
            name = f"{self._middle[sex].draw(rng)} {name}"
        return self._reading(name)


@lru_cache(maxsize=1)
def japanese() -> JapaneseNames:
    """Return the Japanese name tables, read once."""
    return JapaneseNames()


@cache
def foreign(nationality: str) -> ForeignNames:
    """Return the name tables of ``nationality`` (ISO 3166-1 alpha-2), read once."""
    return ForeignNames(nationality)


def icao(name: str) -> str:
    """Return ``name`` as a passport prints it: Latin capitals without diacritics.

    >>> icao("Nguyễn Thị"), icao("Đặng"), icao("João da Conceição"), icao("O’Connor")
    ('NGUYEN THI', 'DANG', 'JOAO DA CONCEICAO', 'OCONNOR')
    """
    name = name.replace("đ", "d").replace("Đ", "D").replace("ß", "ss")
    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return re.sub(r"[^A-Z -]", "", plain.upper()).strip()


def _latin(name: str) -> Name:
    """Return a Latin-script name in passport form, with its reading."""
    latin = icao(name)
    return latin, katakana(latin)


def _middle_names() -> dict[Sex, Weighted[str]]:
    """Return Vietnamese middle names: Thị for most women, the others for men."""
    names = [name for name in vi_VN.Provider.middle_names if name != "Thị"]
    return {
        Sex.MALE: Weighted(dict.fromkeys(names, 1.0)),
        Sex.FEMALE: Weighted({"Thị": 7.0 * len(names), **dict.fromkeys(names, 1.0)}),
    }


def _provider(locale: str) -> type:
    """Return the person provider class of a Faker locale."""
    module = importlib.import_module(f"faker.providers.person.{locale}")
    provider: type = module.Provider
    return provider


def _table(provider: type, *attributes: str) -> Weighted[str]:
    """Return the first of ``attributes`` the provider has, weighted as Faker weights it."""
    for attribute in attributes:
        names: Sequence[str] | Mapping[str, float] | None = getattr(provider, attribute, None)
        if isinstance(names, Mapping):
            return Weighted({name: float(weight) for name, weight in names.items()})
        if names:
            return Weighted(dict.fromkeys(names, 1.0))
    msg = f"Faker's {provider.__module__} has none of {attributes}"  # pragma: no cover
    raise LookupError(msg)  # pragma: no cover
