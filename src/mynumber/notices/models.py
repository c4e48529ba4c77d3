"""What a notice of the number (個人番号通知書) is made from: a household, its members, addresses.

番号法 第7条第1項: on setting a person's number the mayor notifies the person of it by a notice of
the number. The notices of one household go out in one envelope, to the registered address or, for
a resident who filed an alternate-address request (居所情報登録) in time, to where they really live.
A resident under DV support measures (DV等支援措置, 住民基本台帳事務処理要領) has the registered
address withheld: it is printed on no page (see ``HouseholdNotice.withholds_address``).

Every value is checked when the object is made, so a notice that exists can be printed: the number
with :func:`mynumber.numbers.individual.validate`, the application ID (申請書ID) as 23 digits.

>>> member = HouseholdMember(
...     family_name="山田", given_name="太郎", family_name_kana="ヤマダ", given_name_kana="タロウ",
...     number="6214 9832 0257", date_of_birth=date(1985, 4, 1), sex=Sex.MALE,
...     application_id="12345678901234567890123")
>>> member.number
'621498320257'
>>> from dataclasses import replace
>>> replace(member, application_id="1234")
Traceback (most recent call last):
    ...
mynumber.notices.exceptions.InvalidNotice: the application ID (申請書ID) of 山田 太郎 has 4 ...
"""

from dataclasses import dataclass, field
from datetime import date

from mynumber.notices.exceptions import InvalidNotice
from mynumber.numbers import individual
from mynumber.numbers.exceptions import InvalidNumber
from mynumber.register.eras import GREGORIAN_ADOPTION
from mynumber.register.records import Language, Sex

__all__ = ["APPLICATION_ID_LENGTH", "Address", "HouseholdMember", "HouseholdNotice"]

#: The application ID (申請書ID) printed on the card application form has 23 digits.
APPLICATION_ID_LENGTH = 23
POSTAL_CODE_LENGTH = 7


def _is_digits(text: str, length: int) -> bool:
    """Say whether ``text`` is exactly ``length`` ASCII digits."""
    return len(text) == length and text.isascii() and text.isdigit()


@dataclass(frozen=True)
class Address:
    """A postal address: the postal code (seven digits, no hyphen) and the address after it.

    ``care_of`` is a line under the address: a building or room (方書), or the hospital, shelter or
    person the mail goes in care of (気付) when a notice goes to an alternate address.
    """

    postal_code: str
    address: str
    care_of: str | None = None

    def __post_init__(self) -> None:
        """Refuse a postal code that is not seven digits and an empty address."""
        if not _is_digits(self.postal_code, POSTAL_CODE_LENGTH):
            msg = f"a postal code has 7 digits and no hyphen, not {self.postal_code!r}"
            raise InvalidNotice(msg)
        if not self.address.strip():
            msg = "an address is empty: give the address after the postal code"
            raise InvalidNotice(msg)

    @property
    def postal_code_display(self) -> str:
        """The postal code as printed: 〒100-0001."""
        return f"〒{self.postal_code[:3]}-{self.postal_code[3:]}"


@dataclass(frozen=True)
class HouseholdMember:
    """One resident whose number the notice tells, with their card application ID.

    Names as on the resident record (kanji, or the Latin-script name of a foreign resident) with
    their katakana reading; ``latin_name`` is a foreign resident's name as in the passport.
    ``address_withheld`` marks a resident under DV support measures (DV等支援措置).
    """

    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    #: The Individual Number; spaces and hyphens are accepted and removed.
    number: str
    date_of_birth: date
    sex: Sex
    #: The 申請書ID of the card application form sent with the notice: 23 digits.
    application_id: str
    preferred_language: Language = Language.JAPANESE
    latin_name: str | None = None
    address_withheld: bool = False

    def __post_init__(self) -> None:
        """Check every field; keep the number in its compact form."""
        if not self.family_name.strip() or not self.family_name_kana.strip():
            msg = "a member has no family name or no kana reading: both are printed on the notice"
            raise InvalidNotice(msg)
        try:
            number = individual.validate(self.number)
        except InvalidNumber as exc:
            msg = f"the Individual Number of {self.full_name} is not valid: {exc}"
            raise InvalidNotice(msg) from exc
        object.__setattr__(self, "number", number)
        if not _is_digits(self.application_id, APPLICATION_ID_LENGTH):
            raise InvalidNotice(self._application_id_problem())
        if self.date_of_birth < GREGORIAN_ADOPTION:
            msg = f"the date of birth of {self.full_name} is before 1873-01-01: check it"
            raise InvalidNotice(msg)
        try:
            object.__setattr__(self, "sex", Sex(self.sex))
            object.__setattr__(self, "preferred_language", Language(self.preferred_language))
        except ValueError as exc:
            msg = f"{self.full_name}: {exc}"
            raise InvalidNotice(msg) from exc

    def _application_id_problem(self) -> str:
        """Say what is wrong with the application ID, which is not 23 ASCII digits."""
        what = f"the application ID (申請書ID) of {self.full_name}"
        digits = self.application_id.isascii() and self.application_id.isdigit()
        if self.application_id and not digits:
            return f"{what} holds characters other than the digits 0-9: {self.application_id!r}"
        length = len(self.application_id)
        return f"{what} has {length} digits; it must have {APPLICATION_ID_LENGTH}"

    @property
    def full_name(self) -> str:
        """The name as printed: family name, a space, given name."""
        return f"{self.family_name} {self.given_name}".strip()

    @property
    def full_kana(self) -> str:
        """The kana reading as printed."""
        return f"{self.family_name_kana} {self.given_name_kana}".strip()

    @property
    def grouped_number(self) -> str:
        """The number in three groups of four, as on the card: 6214 9832 0257."""
        return individual.format(self.number)


@dataclass(frozen=True)
class HouseholdNotice:
    """The notices of one household, mailed in one envelope by the municipality.

    ``mailing_address`` is the alternate notice address when the household asked for one in time;
    otherwise the envelope goes to ``registered_address``.
    """

    #: The issuing municipality as printed, e.g. 横浜市.
    municipality_name: str
    issue_date: date
    registered_address: Address
    members: tuple[HouseholdMember, ...]
    mailing_address: Address | None = field(default=None)

    def __post_init__(self) -> None:
        """Refuse an empty household, a member twice, and a member born after the issue date."""
        if not self.municipality_name.strip():
            msg = "a notice names the municipality that issues it: municipality_name is empty"
            raise InvalidNotice(msg)
        object.__setattr__(self, "members", tuple(self.members))
        if not self.members:
            msg = "a household notice needs at least one member"
            raise InvalidNotice(msg)
        for attribute, label in (("number", "Individual Number"), ("application_id", "申請書ID")):
            values = [getattr(member, attribute) for member in self.members]
            if len(set(values)) != len(values):
                msg = (
                    f"two members of the household have the same {label}: each person has their own"
                )
                raise InvalidNotice(msg)
        for member in self.members:
            if member.date_of_birth > self.issue_date:
                msg = (
                    f"{member.full_name} is born after the issue date {self.issue_date.isoformat()}"
                )
                raise InvalidNotice(msg)

    @property
    def send_to(self) -> Address:
        """The address the envelope goes to: the alternate one if any, else the registered one."""
        return self.mailing_address or self.registered_address

    @property
    def withholds_address(self) -> bool:
        """Say whether the registered address is left off every page.

        The members of a household share the registered address, so when one of them is under DV
        support measures printing it on another member's page would give it away: it is withheld
        on every page. The envelope block still shows ``send_to``, where the mail is delivered.
        """
        return any(member.address_withheld for member in self.members)
