"""What a notice is made from: bad numbers, application IDs and households refused, with reasons."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any

import pytest

from mynumber.errors import MyNumberError
from mynumber.notices import Address, InvalidNotice
from mynumber.register.records import Language

if TYPE_CHECKING:
    from collections.abc import Callable

    from mynumber.notices import HouseholdMember, HouseholdNotice

    Household = Callable[..., HouseholdNotice]


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("621498320258", "Individual Number of 山田 太郎 is not valid: the check digit"),
        ("6214 9832 025", "has 12 digits, this one has 11"),
        ("6214-9832-02X7", "holds only digits"),
    ],
)
def test_invalid_number_is_refused_with_the_reason(
    taro: HouseholdMember, number: str, message: str
) -> None:
    """A number that does not validate is refused, naming the person and what is wrong."""
    with pytest.raises(InvalidNotice, match=message):
        replace(taro, number=number)


def test_number_with_separators_is_kept_compact(taro: HouseholdMember) -> None:
    """A number typed with spaces or full-width digits is stored as its 12 ASCII digits."""
    assert replace(taro, number="６２１４ ９８３２ ０２５７").number == "621498320257"
    assert replace(taro, number="6214-9832-0257").grouped_number == "6214 9832 0257"


@pytest.mark.parametrize(
    ("application_id", "message"),
    [
        ("1234567890123456789012", "has 22 digits; it must have 23"),
        ("123456789012345678901234", "has 24 digits; it must have 23"),
        ("1234567890123456789012X", "characters other than the digits 0-9"),
        ("１２３４５６７８９０１２３４５６７８９０１２３", "characters other than the digits 0-9"),
        ("", "has 0 digits"),
    ],
)
def test_application_id_must_be_23_digits(
    taro: HouseholdMember, application_id: str, message: str
) -> None:
    """An application ID (申請書ID) other than 23 ASCII digits is refused with the reason."""
    with pytest.raises(InvalidNotice, match=message) as caught:
        replace(taro, application_id=application_id)
    assert "申請書ID" in str(caught.value)
    assert "山田 太郎" in str(caught.value)


def test_invalid_notice_is_a_value_error_and_a_mynumber_error(taro: HouseholdMember) -> None:
    """Callers can catch a refused notice as ValueError or as the project's root error."""
    with pytest.raises(InvalidNotice) as caught:
        replace(taro, application_id="1")
    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value, MyNumberError)
    assert caught.value.code == "invalid-notice"


def test_unknown_language_is_refused(taro: HouseholdMember) -> None:
    """A preferred language the notices are not written in is refused, not printed in Japanese."""
    read_from_a_file: Any = "fr"
    with pytest.raises(InvalidNotice, match="'fr' is not a valid Language"):
        replace(taro, preferred_language=read_from_a_file)


def test_language_given_as_text_becomes_a_language(taro: HouseholdMember) -> None:
    """A language code read from a file is accepted as the Language it names."""
    read_from_a_file: Any = "ko"
    assert replace(taro, preferred_language=read_from_a_file).preferred_language is Language.KOREAN


@pytest.mark.parametrize(
    ("postal_code", "address"),
    [("100-0001", "東京都千代田区"), ("100001", "東京都千代田区"), ("1000001", "  ")],
)
def test_bad_postal_address_is_refused(postal_code: str, address: str) -> None:
    """A postal code that is not seven digits, or an empty address, is refused."""
    with pytest.raises(InvalidNotice, match=r"postal code|address is empty"):
        Address(postal_code, address)


def test_empty_household_is_refused(household: Household) -> None:
    """A household notice needs at least one member."""
    with pytest.raises(InvalidNotice, match="at least one member"):
        household()


def test_same_person_twice_is_refused(
    taro: HouseholdMember, hanako: HouseholdMember, household: Household
) -> None:
    """Two members with one number, or one application ID, are refused."""
    with pytest.raises(InvalidNotice, match="same Individual Number"):
        household(taro, replace(hanako, number=taro.number))
    with pytest.raises(InvalidNotice, match="same 申請書ID"):
        household(taro, replace(hanako, application_id=taro.application_id))


def test_member_born_after_the_issue_date_is_refused(
    taro: HouseholdMember, household: Household
) -> None:
    """A notice cannot be issued before its member was born."""
    with pytest.raises(InvalidNotice, match="born after the issue date 2025-04-01"):
        household(replace(taro, date_of_birth=date(2025, 4, 2)))


def test_birth_before_the_gregorian_calendar_is_refused(taro: HouseholdMember) -> None:
    """A date of birth before 1873 cannot be written in an era and is refused."""
    with pytest.raises(InvalidNotice, match="before 1873-01-01"):
        replace(taro, date_of_birth=date(1872, 12, 31))


def test_mailing_address_defaults_to_the_registered_one(
    taro: HouseholdMember, household: Household
) -> None:
    """Without an alternate address the notice goes to the registered address."""
    notice = household(taro)
    assert notice.send_to == notice.registered_address
    other = Address("5300001", "大阪府大阪市北区梅田3丁目1番1号")
    assert household(taro, mailing_address=other).send_to == other


def test_one_protected_member_withholds_the_households_address(
    taro: HouseholdMember, hanako: HouseholdMember, household: Household
) -> None:
    """The shared address is withheld for every member once one of them is protected."""
    assert not household(taro, hanako).withholds_address
    assert household(taro, replace(hanako, address_withheld=True)).withholds_address
