"""What the counter accepts and answers: the bodies of the JSON API, which the counter forms share.

Every field is checked on its own, so a refusal names the field and what to do: an impossible date
(2026-02-30), a day that has not come yet, a municipality code Japan Post's data does not know, a
postal code outside that municipality, an empty name. The error types (``blank``, ``date``,
``future_date``, ``before_birth``, ``municipality``, ``postal_code_format``,
``postal_code_elsewhere``, ``foreign_status``, ``number``) are what the counter pages translate.
The register service checks the same rules again: these checks only say *which field* is wrong.

Dates are ISO dates or dates in a Japanese era (昭和60年1月2日, S60.1.2), as clerks write them.
"""

import datetime as dt
from typing import Annotated, Final, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from mynumber.numbers import individual
from mynumber.numbers.cleaning import clean, is_ascii_digits
from mynumber.numbers.exceptions import InvalidNumber
from mynumber.register import municipalities
from mynumber.register.eras import InvalidDate, normalize_date
from mynumber.register.records import Language, PersonName, ResidentRecord, Sex

#: The events that bring a person onto the register, as the API spells them.
Arrival = Literal["birth", "move-in", "move-in-from-abroad"]
#: The longest name, reading and address the register's columns hold.
NAME_LENGTH: Final = 100
KANA_LENGTH: Final = 200
ADDRESS_LENGTH: Final = 300


#: The error types of the checks below, which the counter pages translate.
BLANK: Final = "blank"
DATE: Final = "date"
FUTURE_DATE: Final = "future_date"
BEFORE_BIRTH: Final = "before_birth"
MUNICIPALITY: Final = "municipality"
POSTAL_CODE_FORMAT: Final = "postal_code_format"
POSTAL_CODE_ELSEWHERE: Final = "postal_code_elsewhere"
FOREIGN_STATUS: Final = "foreign_status"
NUMBER: Final = "number"


def today() -> dt.date:
    """Return today's date as the register service reckons it (UTC)."""
    return dt.datetime.now(dt.UTC).date()


def _as_date(value: object) -> object:
    """Read a date written as an ISO date or in a Japanese era; leave other values to pydantic."""
    if not isinstance(value, str):
        return value
    try:
        return normalize_date(value)
    except InvalidDate as exc:
        raise PydanticCustomError(DATE, "{reason}", {"reason": str(exc)}) from exc


def _passed(value: dt.date) -> dt.date:
    """Refuse a day that has not come yet: the register records what has happened."""
    if value > today():
        raise PydanticCustomError(
            FUTURE_DATE, "{day} is in the future: give a day that has passed", {"day": str(value)}
        )
    return value


def _filled(value: str) -> str:
    """Strip the text and refuse it when nothing is left."""
    value = value.strip()
    if not value:
        raise PydanticCustomError(BLANK, "this field is empty: fill it in")
    return value


def _none_if_blank(value: object) -> object:
    """Treat an empty optional field as not given."""
    if isinstance(value, str) and not value.strip():
        return None
    return value.strip() if isinstance(value, str) else value


def _postal_code(value: object) -> object:
    """Return a postal code as seven ASCII digits (100-0001, １００－０００１ become 1000001)."""
    if not isinstance(value, str):
        return value
    digits = clean(value)
    if len(digits) != 7 or not is_ascii_digits(digits):
        raise PydanticCustomError(
            POSTAL_CODE_FORMAT, "a postal code has seven digits, e.g. 100-0001"
        )
    return digits


def _municipality_code(value: object) -> object:
    """Return a municipality code Japan Post's data knows, as six digits."""
    if not isinstance(value, str):
        return value
    try:
        digits = municipalities.validate(value)
        municipalities.postal_codes(digits)
    except (InvalidNumber, municipalities.UnknownMunicipality) as exc:
        raise PydanticCustomError(MUNICIPALITY, "{reason}", {"reason": str(exc)}) from exc
    return digits


def _individual_number(value: object) -> object:
    """Return a well-formed Individual Number as twelve digits."""
    if not isinstance(value, str):
        return value
    try:
        return individual.validate(value)
    except InvalidNumber as exc:
        raise PydanticCustomError(NUMBER, "{reason}", {"reason": str(exc)}) from exc


Day = Annotated[dt.date, BeforeValidator(_as_date)]
PastDay = Annotated[dt.date, BeforeValidator(_as_date), AfterValidator(_passed)]
Name = Annotated[str, Field(max_length=NAME_LENGTH), AfterValidator(_filled)]
Kana = Annotated[str, Field(max_length=KANA_LENGTH), AfterValidator(_filled)]
Address = Annotated[str, Field(max_length=ADDRESS_LENGTH), AfterValidator(_filled)]
OptionalName = Annotated[
    Annotated[str, Field(max_length=KANA_LENGTH)] | None, BeforeValidator(_none_if_blank)
]
PostalCode = Annotated[str, BeforeValidator(_postal_code)]
MunicipalityCode = Annotated[str, BeforeValidator(_municipality_code)]
IndividualNumber = Annotated[str, BeforeValidator(_individual_number)]
Reason = Annotated[str, Field(max_length=500), AfterValidator(_filled)]


class Body(BaseModel):
    """A request body: unknown fields are refused rather than silently dropped."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class NameFields(Body):
    """A name as the register writes it, with its katakana reading."""

    family_name: Name
    given_name: Name
    family_name_kana: Kana
    given_name_kana: Kana

    def person_name(self) -> PersonName:
        """Return the name as the register service takes it."""
        return PersonName(
            self.family_name, self.given_name, self.family_name_kana, self.given_name_kana
        )


class Registration(NameFields):
    """A person coming onto the register: the resident record, how they arrive and when.

    Fields are declared in the order they are checked: the event's date before the date of birth
    (which must not be after it), the municipality before the postal code (which must lie in it),
    the nationality and period of stay before the status of residence.
    """

    event: Arrival
    date: PastDay
    date_of_birth: PastDay
    sex: Sex
    municipality_code: MunicipalityCode
    postal_code: PostalCode
    address: Address
    nationality: Annotated[str, Field(pattern=r"^[A-Za-z]{2}$")] = "JP"
    latin_name: OptionalName = None
    former_surname: OptionalName = None
    alias: OptionalName = None
    period_of_stay_until: Annotated[Day | None, BeforeValidator(_none_if_blank)] = None
    resident_status: OptionalName = Field(default=None, validate_default=True)
    household_head: bool = False
    preferred_language: Language = Language.JAPANESE

    @field_validator("date_of_birth")
    @classmethod
    def _born_before_the_event(cls, value: dt.date, info: ValidationInfo) -> dt.date:
        """Refuse a date of birth after the day the person arrives."""
        arrived = info.data.get("date")
        if arrived is not None and value > arrived:
            raise PydanticCustomError(
                BEFORE_BIRTH, "the date of birth is after the date of the event"
            )
        return value

    @field_validator("postal_code")
    @classmethod
    def _in_the_municipality(cls, value: str, info: ValidationInfo) -> str:
        """Refuse a postal code that Japan Post does not give the municipality."""
        code = info.data.get("municipality_code")
        if code is not None and value not in municipalities.postal_codes(code):
            raise PydanticCustomError(
                POSTAL_CODE_ELSEWHERE,
                "postal code {postal_code} is not in {municipality}: check the address or the "
                "municipality code",
                {"postal_code": value, "municipality": municipalities.municipality_name(code)},
            )
        return value

    @field_validator("resident_status")
    @classmethod
    def _foreigners_have_a_status(cls, value: str | None, info: ValidationInfo) -> str | None:
        """Refuse a foreign resident without a status of residence or a period of stay."""
        nationality = str(info.data.get("nationality", "JP")).upper()
        if nationality != "JP" and value is None and info.data.get("period_of_stay_until") is None:
            raise PydanticCustomError(
                FOREIGN_STATUS,
                "a foreign resident needs a status of residence or a period of stay",
            )
        return value

    def record(self) -> ResidentRecord:
        """Return the resident record the register service takes."""
        fields = self.model_dump(exclude={"event", "date"})
        fields["nationality"] = self.nationality.upper()
        return ResidentRecord(**fields)


class AddressChange(Body):
    """A move within the municipality (転居): the new postal code and address."""

    postal_code: PostalCode
    address: Address
    date: PastDay


class NameChange(NameFields):
    """A change of name (marriage, adoption...)."""

    date: PastDay


class Removal(Body):
    """A move out of the municipality (転出) or a death: the day it happened."""

    date: PastDay


class NumberChange(Body):
    """A number change after a leak with feared misuse (番号法 第7条第2項)."""

    reason: Reason
    #: True when the resident asked for it, False when the mayor changes it ex officio.
    on_request: bool
    date: PastDay


class NumberQuery(Body):
    """A number to find its holder by; sent in a body, never in a URL."""

    number: IndividualNumber


class NameSearch(Body):
    """A name (as written or its kana reading) and a date of birth to find residents by."""

    name: Annotated[str, Field(max_length=KANA_LENGTH), AfterValidator(_filled)]
    date_of_birth: Day


class AttributeQuery(Body):
    """A four-attribute lookup (基本4情報) by an authorised body, who names itself and its task."""

    name: Annotated[str, Field(max_length=KANA_LENGTH)]
    kana: Annotated[str, Field(max_length=KANA_LENGTH)] = ""
    date_of_birth: Annotated[str, Field(max_length=40)]
    address: Annotated[str, Field(max_length=ADDRESS_LENGTH)]
    #: male or female, or 男/女; left out, the lookup uses three attributes.
    sex: str | None = None
    asked_by: Annotated[str, Field(max_length=200), AfterValidator(_filled)]
    task: Annotated[str, Field(max_length=200), AfterValidator(_filled)]
