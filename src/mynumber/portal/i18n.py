"""The portal's languages: message catalogs (Babel, GNU gettext ``.po``) and how one is chosen.

Every page is in Japanese, English, Simplified Chinese, Korean, Vietnamese, Portuguese (Brazil)
and Tagalog: Japan's own language, the common second language, and the languages of the largest
groups of foreign residents. The messages are written in English (the ``msgid``) and translated
in ``locales/<catalog>/LC_MESSAGES/messages.po`` beside this module; a catalog is read from its
``.po`` file when first used, so there is no compiled file to forget. After changing a page's
words, from this package's directory: ``pybabel extract -F babel.cfg -o locales/messages.pot
--no-location --omit-header .`` then ``pybabel update -i locales/messages.pot -d locales -D
messages --no-fuzzy-matching``, and translate what is new (``tests/unit/portal/test_catalogs.py``
fails until every message is translated in every catalog). The language is the one
the resident chose on any page (a cookie), else the best match of the browser's
``Accept-Language``, else Japanese.

Names that come from the registers -- bodies, tasks, data items, legal bases -- exist in Japanese
and English only: the Japanese page shows the Japanese names, every other language the English.
"""

import functools
import io
from collections.abc import Mapping
from datetime import date, datetime
from importlib.resources import files
from typing import Final
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

#: The languages, by the tag pages and cookies use, in the order the switcher shows them.
LANGUAGES: Final = ("ja", "en", "zh-Hans", "ko", "vi", "pt-BR", "tl")
DEFAULT_LANGUAGE: Final = "ja"
#: Each language's own name for itself, as the switcher shows it.
NATIVE_NAMES: Final[Mapping[str, str]] = {
    "ja": "日本語",
    "en": "English",
    "zh-Hans": "简体中文",
    "ko": "한국어",
    "vi": "Tiếng Việt",
    "pt-BR": "Português",
    "tl": "Tagalog",
}
#: The catalog directory and the Babel locale (dates, numbers) of each language.
_CATALOGS: Final[Mapping[str, str]] = {
    "ja": "ja",
    "en": "en",
    "zh-Hans": "zh_Hans",
    "ko": "ko",
    "vi": "vi",
    "pt-BR": "pt_BR",
    "tl": "tl",
}
_BABEL_LOCALES: Final[Mapping[str, str]] = {**_CATALOGS, "zh-Hans": "zh_Hans_CN", "tl": "fil"}
#: Browser language prefixes that mean one of ours.
_ALIASES: Final[Mapping[str, str]] = {
    "zh": "zh-Hans",
    "zh-cn": "zh-Hans",
    "zh-sg": "zh-Hans",
    "zh-hans": "zh-Hans",
    "pt": "pt-BR",
    "fil": "tl",
}
#: Times are shown as the residents live them: in Japan.
TIME_ZONE: Final = ZoneInfo("Asia/Tokyo")


def is_language(tag: str | None) -> bool:
    """Say whether ``tag`` is one of the portal's languages."""
    return tag in LANGUAGES


@functools.cache
def translations(language: str) -> Translations:
    """Return the catalog of ``language``, read from its ``.po`` file once."""
    catalog_dir = _CATALOGS[language]
    source = files("mynumber.portal") / "locales" / catalog_dir / "LC_MESSAGES" / "messages.po"
    with source.open("rb") as po:
        catalog = read_po(po, locale=_BABEL_LOCALES[language])
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def negotiate(accept_language: str | None) -> str:
    """Return the language of ours that best matches an ``Accept-Language`` header."""
    wanted: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, parameters = part.strip().partition(";")
        quality = 1.0
        if parameters.strip().startswith("q="):
            try:
                quality = float(parameters.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            wanted.append((-quality, position, tag.lower()))
    for _, _, tag in sorted(wanted):
        found = _match(tag)
        if found is not None:
            return found
    return DEFAULT_LANGUAGE


def _match(tag: str) -> str | None:
    """Return our language for one browser tag (``en-GB``, ``zh-CN``, ``pt``), if any."""
    for ours in LANGUAGES:
        if tag == ours.lower():
            return ours
    if tag in _ALIASES:
        return _ALIASES[tag]
    for prefix in (tag.rsplit("-", 1)[0], tag.split("-", 1)[0]):
        if prefix in _ALIASES:
            return _ALIASES[prefix]
        for ours in LANGUAGES:
            if ours.lower() == prefix:
                return ours
    return None


def when(moment: datetime, language: str) -> str:
    """Return ``moment`` as the resident reads it: Japan's time, in their language's form."""
    locale = Locale.parse(_BABEL_LOCALES[language])
    return format_datetime(moment, "medium", tzinfo=TIME_ZONE, locale=locale)


def day(moment: date, language: str) -> str:
    """Return the date of ``moment`` (a date, or a time's date) in the language's form."""
    return format_date(moment, "long", locale=Locale.parse(_BABEL_LOCALES[language]))
