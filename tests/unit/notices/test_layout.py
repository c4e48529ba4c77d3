"""Mixed-script text: each character in a font that has it, lines that fit and break well."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import pytest

from mynumber.notices import NoticeFontUnavailable, load_fonts, render_household_notice
from mynumber.notices import fonts as notice_fonts
from mynumber.notices.layout import Pen, Style
from mynumber.notices.texts import JAPANESE
from mynumber.notices.translations import ENGLISH
from mynumber.register.records import Language

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from mynumber.notices import HouseholdMember, HouseholdNotice


def test_kanji_on_an_english_page_is_drawn_in_the_japanese_font() -> None:
    """An English sentence that names 住民票 switches to the Japanese font for the kanji only."""
    fonts = load_fonts()
    runs = fonts.runs("a copy (住民票) of", fonts.chain(Language.ENGLISH))
    assert runs == [
        (notice_fonts.LATIN, "a copy ("),
        (notice_fonts.MINCHO, "住民票"),
        (notice_fonts.LATIN, ") of"),
    ]


def test_hangul_is_drawn_in_the_korean_font_and_kana_in_the_japanese_one() -> None:
    """The Korean page writes Hangul in its own font and a Japanese name in the Japanese font."""
    fonts = load_fonts()
    korean = fonts.chain(Language.KOREAN)
    assert fonts.runs("개인번호", korean) == [(notice_fonts.KOREAN, "개인번호")]
    register = fonts.register_chain(Language.KOREAN)
    assert fonts.runs("ヤマダ", register) == [(notice_fonts.MINCHO, "ヤマダ")]


def test_without_dejavu_vietnamese_is_refused_and_other_languages_print(
    tmp_path: Path, taro: HouseholdMember, household: Callable[..., HouseholdNotice]
) -> None:
    """Without DejaVu a Vietnamese page is refused, naming the package; English still prints."""
    fonts = load_fonts(tmp_path)
    assert not fonts.extended
    with pytest.raises(NoticeFontUnavailable, match="install Debian's fonts-dejavu-core"):
        render_household_notice(
            household(replace(taro, preferred_language=Language.VIETNAMESE)), fonts
        )
    english = household(replace(taro, preferred_language=Language.ENGLISH))
    assert render_household_notice(english, fonts).startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("language", "text"),
    [(Language.JAPANESE, JAPANESE.not_proof), (Language.ENGLISH, ENGLISH.not_proof)],
    ids=str,
)
def test_wrapped_lines_fit_and_lose_nothing(language: Language, text: str) -> None:
    """Every wrapped line fits the width, and the lines together are the whole text."""
    fonts = load_fonts()
    style = Style(fonts.chain(language), 10)
    pen = Pen(canvas=None, fonts=fonts)
    lines = pen.wrap(text, style, 200)
    assert len(lines) > 3
    assert all(pen.width(line, style) <= 200 for line in lines)
    separator = "" if language is Language.JAPANESE else " "
    assert separator.join(lines) == text


def test_japanese_lines_never_start_with_closing_punctuation() -> None:
    """A line break never leaves 、 。 or a closing bracket at the start of a line (禁則)."""
    fonts = load_fonts()
    pen = Pen(canvas=None, fonts=fonts)
    style = Style(fonts.chain(Language.JAPANESE), 10)
    for width in range(60, 260, 7):
        for line in pen.wrap(JAPANESE.not_proof + JAPANESE.intro, style, width):
            assert line[0] not in "、。）」"
            assert line[-1] not in "（「"
