"""The household PDF read back as its reader sees it: text by pdftotext, the QR code by zxing.

Page 1 is the cover; each member then has the Japanese notice with the application form, followed
by a page in their preferred language when that is not Japanese (番号法 第7条第1項).
"""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from typing import TYPE_CHECKING

import pytest
import zxingcpp

from mynumber.notices import Address, render_household_notice
from mynumber.notices.texts import JAPANESE
from mynumber.notices.translations import TRANSLATIONS
from mynumber.register.records import Language

if TYPE_CHECKING:
    from collections.abc import Callable

    from PIL import Image

    from mynumber.notices import HouseholdMember, HouseholdNotice

    Household = Callable[..., HouseholdNotice]
    Reader = Callable[[bytes], list[str]]
    Speaking = Callable[[HouseholdMember, Language], HouseholdMember]

#: Where a protected household really lives, care of a building on the mailing address.
ALTERNATE = Address("5300001", "大阪府大阪市北区梅田3丁目1番1号", care_of="梅田第一ビル5階")


def squash(text: str) -> str:
    """Return ``text`` in NFC without any whitespace, to compare text across line breaks."""
    return "".join(unicodedata.normalize("NFC", text).split())


def test_notice_shows_name_grouped_number_and_application_id(
    taro: HouseholdMember, household: Household, read_pages: Reader
) -> None:
    """The Japanese page reads back with the name, kana, 4-4-4 number and application ID."""
    pages = read_pages(render_household_notice(household(taro)))
    assert len(pages) == 2
    notice = pages[1]
    assert "6214 9832 0257" in notice
    assert taro.application_id in notice
    for expected in ("個人番号通知書", "山田太郎", "ヤマダタロウ", "個人番号カード交付申請書"):
        assert expected in squash(notice)


def test_notice_shows_birth_date_issuer_and_that_it_proves_nothing(
    taro: HouseholdMember, household: Household, read_pages: Reader
) -> None:
    """The notice gives the birth date in era and Western form, the issuer and the warning."""
    notice = squash(read_pages(render_household_notice(household(taro)))[1])
    for expected in (
        "昭和60年4月1日（1985年4月1日）",
        "発行者",
        "千代田区長",
        "令和7年4月1日（2025年4月1日）",
        squash(JAPANESE.not_proof),
        "〒100-0001",
        "東京都千代田区千代田1番1号",
    ):
        assert expected in notice


@pytest.mark.parametrize("page", [2, 3])
def test_qr_code_decodes_to_the_members_application_id(
    taro: HouseholdMember,
    hanako: HouseholdMember,
    household: Household,
    page_image: Callable[[bytes, int], Image.Image],
    page: int,
) -> None:
    """Each member's form carries one QR code whose payload is exactly their application ID."""
    pdf = render_household_notice(household(taro, hanako))
    codes = zxingcpp.read_barcodes(page_image(pdf, page))
    expected = (taro, hanako)[page - 2].application_id
    assert [(code.format, code.text) for code in codes] == [
        (zxingcpp.BarcodeFormat.QRCode, expected)
    ]


def test_english_speaker_gets_an_english_page_after_the_japanese_one(
    taro: HouseholdMember,
    hanako: HouseholdMember,
    household: Household,
    speaking: Speaking,
    read_pages: Reader,
) -> None:
    """A member whose language is English gets one more page, in English, after their notice."""
    pages = read_pages(render_household_notice(household(taro, speaking(hanako, Language.ENGLISH))))
    assert len(pages) == 4
    english = pages[3]
    assert "Notice of Your Individual Number (My Number)" in english
    assert "NOT an identity document and NOT proof of your number" in " ".join(english.split())
    assert "1234 5678 9018" in english
    assert hanako.application_id in english
    assert "山田花子" in squash(pages[2])
    assert "Individual Number" not in pages[1] + pages[2]


@pytest.mark.parametrize("language", list(TRANSLATIONS), ids=str)
def test_translated_page_reads_back_in_its_language(
    taro: HouseholdMember,
    household: Household,
    read_pages: Reader,
    request: pytest.FixtureRequest,
    language: Language,
) -> None:
    """Each language's page extracts as its own title, warning and translation note."""
    if language is Language.VIETNAMESE:
        request.getfixturevalue("vietnamese_font")
    text = TRANSLATIONS[language]
    member = replace(taro, preferred_language=language)
    pages = read_pages(render_household_notice(household(member)))
    assert len(pages) == 3
    page = squash(pages[2])
    for sentence in (text.title, text.not_proof, text.card, text.translation_note):
        assert squash(sentence) in page
    assert "621498320257" in page
    assert squash(text.write_date(taro.date_of_birth)) in page


def test_dv_protected_address_is_on_no_page(
    taro: HouseholdMember,
    hanako: HouseholdMember,
    household: Household,
    speaking: Speaking,
    read_pages: Reader,
) -> None:
    """A protected member's registered address is printed nowhere; the mailing address is."""
    notice = household(
        replace(taro, address_withheld=True),
        speaking(hanako, Language.ENGLISH),
        mailing_address=ALTERNATE,
    )
    text = squash("".join(read_pages(render_household_notice(notice))))
    for part in ("千代田1番1号", "東京都", "100-0001", "1000001"):
        assert part not in text
    assert "〒530-0001大阪府大阪市北区梅田3丁目1番1号梅田第一ビル5階" in text
    assert text.count(squash(JAPANESE.withheld)) == 4  # two notices, two forms
    assert squash(TRANSLATIONS[Language.ENGLISH].withheld) in text


def test_cover_shows_the_alternate_address_and_every_member(
    taro: HouseholdMember, hanako: HouseholdMember, household: Household, read_pages: Reader
) -> None:
    """The envelope block shows where the household really lives and whom the mail is for."""
    notice = household(taro, hanako, mailing_address=ALTERNATE)
    cover = squash(read_pages(render_household_notice(notice))[0])
    assert "〒530-0001大阪府大阪市北区梅田3丁目1番1号梅田第一ビル5階" in cover
    assert "山田太郎" in cover
    assert "山田花子" in cover
    assert "（2名分）" in cover
    assert "千代田1番1号" not in cover


@pytest.mark.usefixtures("vietnamese_font")
def test_latin_name_with_vietnamese_letters_is_printed(
    taro: HouseholdMember, household: Household, read_pages: Reader
) -> None:
    """A foreign resident's Latin name keeps letters no CJK font has on the Japanese page."""
    member = replace(taro, latin_name="NGUYỄN VĂN ĐỨC")
    pages = read_pages(render_household_notice(household(member)))
    assert "NGUYỄNVĂNĐỨC" in squash(pages[1])


def test_same_household_gives_the_same_bytes(
    taro: HouseholdMember, hanako: HouseholdMember, household: Household
) -> None:
    """Rendering is pure: no clock or random document ID makes two runs differ."""
    notice = household(taro, hanako)
    first = render_household_notice(notice)
    assert first.startswith(b"%PDF-")
    assert render_household_notice(notice) == first
