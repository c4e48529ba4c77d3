"""What a number may look like when it comes in: digits, separators and full-width forms.

People copy numbers from Japanese forms and web pages, so the formats accept ASCII digits and
full-width digits (０-９, U+FF10..U+FF19). Anywhere in the text they ignore the space characters
of ``SEPARATORS`` (the space, the no-break spaces, the typographic spaces U+2000..U+200A and the
ideographic space U+3000) and its hyphens and dashes (including the full-width hyphen-minus U+FF0D
and the minus sign U+2212); at either end, any whitespace.

Every other character is kept as it is, so that validation rejects it. That includes the many
characters Python's ``str.isdigit()`` accepts as digits (Arabic-Indic digits, superscripts,
mathematical bold digits...): a number with one of those in it was not typed on a Japanese form and
is refused rather than guessed at.
"""

from mynumber.numbers.exceptions import InvalidFormat

ASCII_DIGITS = "0123456789"
FULL_WIDTH_DIGITS = "０１２３４５６７８９"

#: Characters that separate groups of digits and are dropped: spaces, then hyphens and dashes.
SEPARATORS = (
    "\u0020\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
    "\u002d\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"
)

_TRANSLATION = str.maketrans(FULL_WIDTH_DIGITS, ASCII_DIGITS, SEPARATORS)


def clean(number: object) -> str:
    r"""Return ``number`` with full-width digits made ASCII and separators removed.

    >>> clean("６２１４－９８３２－０２５７")
    '621498320257'
    >>> clean(" 6214 9832 0257\n")
    '621498320257'
    """
    if not isinstance(number, str):
        msg = f"a number must be given as text, not as {type(number).__name__}"
        raise InvalidFormat(msg)
    if number.isascii():  # the common case, and the only ASCII separators are space and hyphen
        return number.replace(" ", "").replace("-", "").strip()
    return number.translate(_TRANSLATION).strip()


def is_ascii_digits(text: str) -> bool:
    """Say whether ``text`` is one or more of the ASCII digits 0-9 and nothing else.

    >>> [is_ascii_digits(text) for text in ("0123", "０１２３", "٠١٢٣", "")]
    [True, False, False, False]
    """
    return text.isascii() and text.isdigit()
