"""What a resident record says: the form a clerk fills in, one row of an import file.

A ``ResidentRecord`` is the input of registration, whichever way it arrives (the counter, the API,
``mynumber register import``, ``mynumber register synth``). It is plain data: checking it against
the register (a known municipality, no one registered twice) is the register service's work.
"""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Sex(StrEnum):
    """Sex as the resident register records it (one of the four basic attributes, 基本4情報)."""

    MALE = "male"
    FEMALE = "female"


class Language(StrEnum):
    """The languages the system writes to residents in: notices, portal pages."""

    JAPANESE = "ja"
    ENGLISH = "en"
    CHINESE = "zh"
    KOREAN = "ko"
    VIETNAMESE = "vi"
    PORTUGUESE = "pt"
    TAGALOG = "tl"


@dataclass(frozen=True)
class PersonName:
    """A name as the register writes it, with its katakana reading."""

    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str


@dataclass(frozen=True)
class ResidentRecord:
    """One person as the register records them on registration.

    Names: ``family_name`` and ``given_name`` as written on the resident record (kanji, or the
    Latin-script name a foreign resident registers), their katakana readings, and for foreign
    residents the Latin-script name as in the passport. ``former_surname`` is a 旧氏 shown beside
    the name; ``alias`` a registered 通称 of a foreign resident.
    """

    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    date_of_birth: date
    sex: Sex
    #: 全国地方公共団体コード: six digits, the last a check digit.
    municipality_code: str
    #: Seven digits, no hyphen.
    postal_code: str
    #: The address after the postal code: prefecture, municipality, town, block (e.g. 2丁目1番2号).
    address: str
    #: ISO 3166-1 alpha-2; "JP" for Japanese nationals.
    nationality: str = "JP"
    latin_name: str | None = None
    former_surname: str | None = None
    alias: str | None = None
    #: A foreign resident's status of residence (在留資格), e.g. "permanent resident".
    resident_status: str | None = None
    #: The last day of a foreign resident's period of stay.
    period_of_stay_until: date | None = None
    #: Links the members of one household within a batch or a form; the register gives the id.
    household_key: str | None = None
    household_head: bool = False
    preferred_language: Language = Language.JAPANESE
