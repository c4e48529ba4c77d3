"""Drawing text and codes on a notice page: mixed-script lines, wrapped paragraphs, the QR code.

Japanese and Chinese break between any two characters except before closing punctuation and
after opening brackets (a light 禁則処理, JIS X 4051); other languages break at spaces.
"""

import functools
import itertools
import re
from dataclasses import dataclass
from typing import Any, Literal

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

from mynumber.notices.fonts import Chain, FontSet

_CJK = "\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_OPENING = "（「『【〔《“‘"
_CLOSING = "、。，．）」』】〕》”’！？：；ー々ぁぃぅぇぉっゃゅょァィゥェォッャュョ,.)"
#: A unit no line break falls inside: one CJK character with its brackets, or a word and its space.
_TOKEN = re.compile(
    rf"[{_OPENING}]*[{_CJK}][{_CLOSING}]*|[^\s{_CJK}]+[{_CLOSING}]*\s*|\s+",
)

PAGE_WIDTH, PAGE_HEIGHT = (float(side) for side in A4)
MARGIN: float = 20 * mm
#: The blank border around a QR code, in modules (ISO/IEC 18004 asks for 4).
QUIET_ZONE = 4

Align = Literal["left", "centre", "right"]


@dataclass(frozen=True)
class Style:
    """How a text looks: its chain of fonts and its size in points."""

    chain: Chain
    size: float

    @property
    def leading(self) -> float:
        """The distance between the baselines of two lines of a paragraph."""
        return self.size * 1.5


class Pen:
    """Writes text in runs of fonts on a reportlab canvas."""

    def __init__(self, canvas: Any, fonts: FontSet) -> None:  # noqa: ANN401 - reportlab is untyped
        """Write on ``canvas`` with ``fonts``."""
        self.canvas = canvas
        self.fonts = fonts

    def width(self, text: str, style: Style) -> float:
        """Return the width of ``text`` in ``style``."""
        return self.fonts.width(text, style.chain, style.size)

    def text(self, x: float, y: float, text: str, style: Style, align: Align = "left") -> None:
        """Draw one line of ``text`` with its baseline at ``y``, aligned on ``x``."""
        if align != "left":
            width = self.width(text, style)
            x -= width / 2 if align == "centre" else width
        line = self.canvas.beginText(x, y)
        for font, run in self.fonts.runs(text, style.chain):
            line.setFont(font, style.size)
            line.textOut(run)
        self.canvas.drawText(line)

    def wrap(self, text: str, style: Style, width: float) -> tuple[str, ...]:
        """Split ``text`` into lines no wider than ``width`` (a word wider than that is cut)."""
        return _wrap(self.fonts, text, style, width)

    def paragraph(self, x: float, y: float, text: str, style: Style, width: float) -> float:
        """Draw ``text`` wrapped to ``width`` from the baseline ``y`` down; return the next one."""
        for line in self.wrap(text, style, width):
            self.text(x, y, line, style)
            y -= style.leading
        return y

    def row(self, y: float, label: tuple[str, Style], value: tuple[str, Style], x: float) -> float:
        """Draw a label at the left margin and its value from ``x``; return the next baseline.

        The value's column runs from ``x`` to the right margin; a long value wraps.
        """
        self.text(MARGIN, y, *label)
        return min(
            self.paragraph(x, y, value[0], value[1], PAGE_WIDTH - MARGIN - x),
            y - label[1].leading,
        )

    def boxed(self, y: float, heading: tuple[str, Style], body: tuple[str, Style]) -> float:
        """Draw a heading and a paragraph in a ruled box under ``y``; return the baseline below."""
        padding = 8.0
        lines = self.wrap(body[0], body[1], PAGE_WIDTH - 2 * (MARGIN + padding))
        height = padding * 2 + heading[1].leading + len(lines) * body[1].leading
        self.canvas.rect(MARGIN, y - height, PAGE_WIDTH - 2 * MARGIN, height)
        baseline = y - padding - heading[1].size
        self.text(MARGIN + padding, baseline, *heading)
        baseline -= heading[1].leading
        for line in lines:
            self.text(MARGIN + padding, baseline, line, body[1])
            baseline -= body[1].leading
        return y - height - padding * 2

    def qr_code(self, payload: str, *, x: float, y: float, size: float) -> None:
        """Draw a QR code of ``payload`` (level M, a quiet zone of 4 modules) in a square.

        reportlab's widget encodes; its dark modules are drawn here as one filled path, one
        rectangle per run of dark modules in a row, which is many times faster than a drawing.
        """
        code = QrCodeWidget(payload, barLevel="M").qr  # type: ignore[attr-defined]  # set in __init__, not in the stubs
        code.make()
        count: int = code.getModuleCount()
        module = size / (count + 2 * QUIET_ZONE)
        path = self.canvas.beginPath()
        for row_index, row in enumerate(code.modules):
            top = y + size - (row_index + QUIET_ZONE + 1) * module
            column = 0
            for dark, modules in itertools.groupby(bool(cell) for cell in row):
                length = sum(1 for _ in modules)
                if dark:
                    path.rect(x + (column + QUIET_ZONE) * module, top, length * module, module)
                column += length
        self.canvas.drawPath(path, stroke=0, fill=1)


@functools.lru_cache(maxsize=4096)
def _wrap(fonts: FontSet, text: str, style: Style, width: float) -> tuple[str, ...]:
    """Split ``text`` into lines no wider than ``width``; the notices repeat the same paragraphs."""
    lines: list[str] = []
    line, line_width = "", 0.0
    for token in _tokens(fonts, text, style, width):
        stripped = token.rstrip()
        token_width = fonts.width(token, style.chain, style.size)
        stripped_width = fonts.width(stripped, style.chain, style.size)
        if line and line_width + stripped_width > width:
            lines.append(line.rstrip())
            line, line_width = token.lstrip(), fonts.width(token.lstrip(), style.chain, style.size)
        else:
            line, line_width = line + token, line_width + token_width
    if line.strip():
        lines.append(line.rstrip())
    return tuple(lines)


def _tokens(fonts: FontSet, text: str, style: Style, width: float) -> list[str]:
    """Return the unbreakable units of ``text``, cutting any wider than a line into characters."""
    tokens: list[str] = []
    for token in _TOKEN.findall(text):
        if fonts.width(token.rstrip(), style.chain, style.size) <= width:
            tokens.append(token)
        else:
            tokens.extend(token)
    return tokens
