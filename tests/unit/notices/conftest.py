"""Fixtures of the notice tests: sample households, and the PDF read back as a reader would.

``read_pages`` runs poppler's ``pdftotext`` and returns the text of each page; ``page_image``
runs ``pdftoppm -r 200 -png`` on one page. Both need Debian's poppler-utils, and reading the
Japanese, Chinese and Korean CID fonts back needs its poppler-data (the CMaps): without them the
test is skipped with a message naming the package, or fails when CI=true.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any

import pytest
from PIL import Image

from mynumber.notices import Address, HouseholdMember, HouseholdNotice, load_fonts
from mynumber.register.records import Language, Sex

if TYPE_CHECKING:
    from collections.abc import Callable

POPPLER = "poppler-utils and poppler-data (apt-get install poppler-utils poppler-data)"

TARO_NUMBER, HANAKO_NUMBER = "621498320257", "123456789018"
TARO_APPLICATION, HANAKO_APPLICATION = "12345678901234567890123", "98765432109876543210987"
REGISTERED = Address("1000001", "東京都千代田区千代田1番1号")


def _unavailable(message: str) -> None:
    """Skip the test for want of a tool, or fail it when running in CI."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def _run(tool: str, *arguments: str, pdf: bytes) -> subprocess.CompletedProcess[bytes]:
    """Run a poppler tool on ``pdf`` fed through standard input."""
    path = shutil.which(tool)
    if path is None:
        _unavailable(f"{tool} is not installed: install Debian's {POPPLER}")
    assert path is not None
    return subprocess.run([path, *arguments, "-"], input=pdf, capture_output=True, check=True)  # noqa: S603 - a fixed tool on our own PDF


@pytest.fixture
def read_pages() -> Callable[[bytes], list[str]]:
    """Return a reader of a PDF's text, one string per page, as pdftotext extracts it."""

    def read(pdf: bytes) -> list[str]:
        result = _run("pdftotext", "-enc", "UTF-8", "-", pdf=pdf)
        if b"Missing language pack" in result.stderr:
            _unavailable(f"pdftotext cannot read CJK fonts: install Debian's {POPPLER}")
        pages = result.stdout.decode("utf-8").split("\f")
        return pages[:-1] if pages and not pages[-1].strip() else pages

    return read


@pytest.fixture
def page_image() -> Callable[[bytes, int], Image.Image]:
    """Return a renderer of one page (numbered from 1) of a PDF to an image at 200 dpi."""

    def render(pdf: bytes, page: int) -> Image.Image:
        result = _run("pdftoppm", "-r", "200", "-png", "-f", str(page), "-l", str(page), pdf=pdf)
        return Image.open(io.BytesIO(result.stdout))

    return render


@pytest.fixture
def vietnamese_font() -> None:
    """Skip (or fail in CI) a test that needs DejaVu Sans for the Vietnamese page."""
    if not load_fonts().extended:
        _unavailable("the Vietnamese page needs DejaVu Sans: install Debian's fonts-dejavu-core")


@pytest.fixture
def taro() -> HouseholdMember:
    """Return a Japanese resident born in Showa 60."""
    return HouseholdMember(
        family_name="山田",
        given_name="太郎",
        family_name_kana="ヤマダ",
        given_name_kana="タロウ",
        number=TARO_NUMBER,
        date_of_birth=date(1985, 4, 1),
        sex=Sex.MALE,
        application_id=TARO_APPLICATION,
    )


@pytest.fixture
def hanako() -> HouseholdMember:
    """Return another member of Taro's household, born on the first day of Reiwa."""
    return HouseholdMember(
        family_name="山田",
        given_name="花子",
        family_name_kana="ヤマダ",
        given_name_kana="ハナコ",
        number=HANAKO_NUMBER,
        date_of_birth=date(2019, 5, 1),
        sex=Sex.FEMALE,
        application_id=HANAKO_APPLICATION,
    )


@pytest.fixture
def household() -> Callable[..., HouseholdNotice]:
    """Return a maker of a household notice from Chiyoda, issued on 2025-04-01."""

    def make(*members: HouseholdMember, **fields: Any) -> HouseholdNotice:
        notice = HouseholdNotice(
            municipality_name="千代田区",
            issue_date=date(2025, 4, 1),
            registered_address=REGISTERED,
            members=members,
        )
        return replace(notice, **fields)

    return make


@pytest.fixture
def speaking() -> Callable[[HouseholdMember, Language], HouseholdMember]:
    """Return a maker of a member with another preferred language."""

    def make(member: HouseholdMember, language: Language) -> HouseholdMember:
        return replace(member, preferred_language=language)

    return make
