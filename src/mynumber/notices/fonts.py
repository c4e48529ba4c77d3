"""The fonts of the notices, registered once per process, and the choice of a font per character.

Japanese, Chinese and Korean use reportlab's built-in CID fonts, which the PDF names and the reader
supplies (nothing is downloaded or embedded): HeiseiMin-W3 and HeiseiKakuGo-W5 (Adobe-Japan1),
STSong-Light (Adobe-GB1), HYSMyeongJo-Medium and HYGothic-Medium (Adobe-Korea1). English,
Portuguese and Tagalog use Helvetica, whose WinAnsi encoding has all their letters (ã, ç, ñ, ...).
Vietnamese needs letters none of these has (ơ, ư, ạ, ế, ...): its page uses DejaVu Sans, embedded
from Debian's fonts-dejavu-core (``/usr/share/fonts/truetype/dejavu``). Without that package
every other language still prints, and a Vietnamese page is refused with
:class:`~mynumber.notices.exceptions.NoticeFontUnavailable` rather than printed with holes.

A line often mixes scripts (a kanji name on an English page, 住民票 in a Korean sentence), so text
is drawn in runs: each character in the first font of the page's *chain* that has it.
"""

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

from mynumber.notices.exceptions import NoticeFontUnavailable
from mynumber.register.records import Language

#: Where Debian's fonts-dejavu-core puts DejaVu Sans.
DEJAVU_DIRECTORY = Path("/usr/share/fonts/truetype/dejavu")
DEJAVU_PACKAGE = "fonts-dejavu-core"

MINCHO, GOTHIC = "HeiseiMin-W3", "HeiseiKakuGo-W5"
CHINESE = "STSong-Light"
KOREAN, KOREAN_BOLD = "HYSMyeongJo-Medium", "HYGothic-Medium"
LATIN, LATIN_BOLD = "Helvetica", "Helvetica-Bold"
EXTENDED, EXTENDED_BOLD = "DejaVuSans", "DejaVuSans-Bold"

_ASCII = ((0x20, 0x7E),)
_CJK_PUNCTUATION = ((0x00B7, 0x00B7), (0x00D7, 0x00D7), (0x2010, 0x2027), (0x203B, 0x203B))
_KANA_AND_HAN = ((0x3000, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))
_FULL_WIDTH = ((0xFF00, 0xFFEF),)
_HANGUL = ((0x1100, 0x11FF), (0x3130, 0x318F), (0xAC00, 0xD7AF))
_CJK = (*_ASCII, *_CJK_PUNCTUATION, *_KANA_AND_HAN, *_FULL_WIDTH)
#: Circled numbers and geometric shapes (①, ■, ○) of JIS X 0208 and its extensions.
_JAPANESE_SYMBOLS = ((0x2460, 0x2473), (0x25A0, 0x25FF))
#: The characters each CID font is trusted with (its character collection has far more).
_CID_RANGES: dict[str, tuple[tuple[int, int], ...]] = {
    MINCHO: (*_CJK, *_JAPANESE_SYMBOLS),
    GOTHIC: (*_CJK, *_JAPANESE_SYMBOLS),
    CHINESE: _CJK,
    KOREAN: (*_CJK, *_HANGUL),
    KOREAN_BOLD: (*_CJK, *_HANGUL),
}

#: A chain: the fonts tried in turn for each character of a text.
Chain = tuple[str, ...]


def _in_ranges(ranges: tuple[tuple[int, int], ...]) -> Callable[[str], bool]:
    """Return a test of whether a character's code point lies in one of ``ranges``."""
    return lambda char: any(low <= ord(char) <= high for low, high in ranges)


def _in_glyphs(glyphs: frozenset[int]) -> Callable[[str], bool]:
    """Return a test of whether a TrueType font with the code points ``glyphs`` has a character."""
    return lambda char: ord(char) in glyphs


def _in_win_ansi(char: str) -> bool:
    """Say whether Helvetica (WinAnsi encoding, as cp1252) has ``char``."""
    try:
        char.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


@dataclass(frozen=True, eq=False)
class FontSet:
    """The registered fonts and what each can write; made by :func:`load_fonts`."""

    #: Whether DejaVu Sans (and so the Vietnamese page) is available.
    extended: bool
    #: Where DejaVu Sans was looked for, for the error message when it is missing.
    directory: Path
    covers: dict[str, Callable[[str], bool]]
    #: The font chosen for each (character, chain) so far: a page repeats the same few hundred.
    choices: dict[tuple[str, Chain], str] = field(default_factory=dict)

    def chain(self, language: Language, *, bold: bool = False) -> Chain:
        """Return the fonts of a page in ``language``: its own font first, then the fallbacks."""
        japanese = GOTHIC if bold else MINCHO
        tail = (EXTENDED_BOLD if bold else EXTENDED,) if self.extended else ()
        if language is Language.VIETNAMESE:
            if not self.extended:
                msg = (
                    f"the Vietnamese page of a notice needs DejaVu Sans, not found in "
                    f"{self.directory}: install Debian's {DEJAVU_PACKAGE}"
                )
                raise NoticeFontUnavailable(msg)
            return (*tail, japanese)
        latin = LATIN_BOLD if bold else LATIN
        if language is Language.CHINESE:
            return (CHINESE, japanese, latin, *tail)
        if language is Language.KOREAN:
            return (KOREAN_BOLD if bold else KOREAN, japanese, latin, *tail)
        if language is Language.JAPANESE:
            return (japanese, latin, *tail)
        return (latin, japanese, *tail)

    def register_chain(self, language: Language, *, bold: bool = False) -> Chain:
        """Return the fonts for text from the resident register (names, addresses) on a page.

        The register writes Japanese: on a Chinese or Korean page its kanji and kana keep their
        Japanese forms rather than borrowing the page font's.
        """
        if language in {Language.CHINESE, Language.KOREAN}:
            return self.chain(Language.JAPANESE, bold=bold)
        return self.chain(language, bold=bold)

    def font_for(self, char: str, chain: Chain) -> str:
        """Return the first font of ``chain`` that has ``char`` (the first font if none has it)."""
        key = (char, chain)
        font = self.choices.get(key)
        if font is None:
            font = next((name for name in chain if self.covers[name](char)), chain[0])
            self.choices[key] = font
        return font

    def runs(self, text: str, chain: Chain) -> list[tuple[str, str]]:
        """Split ``text`` into (font, run) pairs: each character in the first font that has it.

        A space stays in the font of the run it follows, so it never splits a run.
        """
        runs: list[tuple[str, str]] = []
        for char in text:
            font = runs[-1][0] if char == " " and runs else self.font_for(char, chain)
            if runs and runs[-1][0] == font:
                runs[-1] = (font, runs[-1][1] + char)
            else:
                runs.append((font, char))
        return runs

    def width(self, text: str, chain: Chain, size: float) -> float:
        """Return the width of ``text`` drawn in ``chain`` at ``size`` points."""
        return sum(
            float(pdfmetrics.stringWidth(run, font, size)) for font, run in self.runs(text, chain)
        )


@functools.cache
def load_fonts(directory: Path = DEJAVU_DIRECTORY) -> FontSet:
    """Register the notice fonts with reportlab, once per process and directory, and return them.

    ``directory`` is where DejaVu Sans (DejaVuSans.ttf, DejaVuSans-Bold.ttf) is looked for.
    """
    covers: dict[str, Callable[[str], bool]] = {LATIN: _in_win_ansi, LATIN_BOLD: _in_win_ansi}
    for name, ranges in _CID_RANGES.items():
        pdfmetrics.registerFont(UnicodeCIDFont(name))
        covers[name] = _in_ranges(ranges)
    regular, bold = directory / "DejaVuSans.ttf", directory / "DejaVuSans-Bold.ttf"
    extended = regular.is_file() and bold.is_file()
    if extended:
        for name, path in ((EXTENDED, regular), (EXTENDED_BOLD, bold)):
            font = TTFont(name, str(path))
            pdfmetrics.registerFont(font)
            covers[name] = _in_glyphs(frozenset(font.face.charToGlyph))
    return FontSet(extended=extended, directory=directory, covers=covers)
