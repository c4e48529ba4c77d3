"""The portal's message catalogs: every message in every language, and the language a browser gets.

The messages are extracted into ``locales/messages.pot``; each language's ``.po`` file must give
every one of them a translation with the same placeholders, none of them fuzzy (the portal ignores
fuzzy entries, so the page would fall back to English). A message with a plural (``ngettext``)
needs each of the plural forms its catalog's ``Plural-Forms`` header declares, each with the
placeholders. English may leave a translation empty: gettext then shows the message itself. A
message added to a page without its translations, or a catalog not updated after extraction,
fails here.
"""

import re
from collections.abc import Mapping
from importlib.resources import files
from importlib.resources.abc import Traversable

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from mynumber.portal import i18n

LOCALES = files("mynumber.portal") / "locales"
#: A printf-style conversion, named (``%(total)s``) or not, or a literal ``%%``.
CONVERSION = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[a-zA-Z%]")
PLACEHOLDER = re.compile(r"%\(([^)]*)\)")
#: Counts that reach every plural form of our languages, Tagalog's second (4, 6, 9, 14...) and
#: Portuguese's for whole millions among them.
COUNTS = (0, 1, 2, 3, 4, 5, 6, 9, 11, 14, 21, 100, 1_000_000)

#: A message of the template: its text, or its singular and plural texts (``ngettext``).
MessageId = str | tuple[str, ...]


def _read(source: Traversable) -> Catalog:
    """Return the catalog (or template) in ``source``."""
    with source.open("rb") as po:
        return read_po(po, abort_invalid=True)


def _id(message: Message) -> MessageId:
    """Return the text of ``message``, or its singular and plural texts."""
    return message.id if isinstance(message.id, str) else tuple(message.id)


def _directory(language: str) -> str:
    """Return the catalog directory of a language tag: ``zh-Hans`` is in ``zh_Hans``."""
    return language.replace("-", "_")


def _catalog(language: str) -> Catalog:
    """Return the ``.po`` catalog of ``language``, as written."""
    return _read(LOCALES / _directory(language) / "LC_MESSAGES" / "messages.po")


TEMPLATE: list[MessageId] = [
    _id(message) for message in _read(LOCALES / "messages.pot") if message.id
]


def test_the_template_has_messages_and_each_language_a_catalog() -> None:
    """The extraction found the pages' messages; the locales hold one catalog per language."""
    assert len(TEMPLATE) > 50
    catalogs = {entry.name for entry in LOCALES.iterdir() if entry.is_dir()}
    assert catalogs == {_directory(language) for language in i18n.LANGUAGES}


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_the_catalog_declares_its_own_language(language: str) -> None:
    """The ``Language`` header names the catalog's directory (``tl``, not Babel's ``fil_PH``)."""
    assert _catalog(language).locale_identifier == _directory(language)


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_no_entry_is_fuzzy(language: str) -> None:
    """Neither the header nor any message is marked fuzzy: the portal would skip it."""
    catalog = _catalog(language)
    assert not catalog.fuzzy
    assert [str(message.id) for message in catalog if message.id and message.fuzzy] == []


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_every_message_is_translated(language: str) -> None:
    """Every message of the template is in the catalog, translated except in English."""
    catalog = _catalog(language)
    missing = [msgid for msgid in TEMPLATE if _entry(catalog, msgid) is None]
    assert missing == [], f"run pybabel update: {language} lacks {missing}"
    if language != "en":
        untranslated = [msgid for msgid in TEMPLATE if not all(_forms(catalog, msgid))]
        assert untranslated == [], f"{language} does not translate {untranslated}"


def _entry(catalog: Catalog, msgid: MessageId) -> Message | None:
    """Return the entry of ``msgid`` in ``catalog``, none if it lacks it or its plural differs."""
    message = catalog.get(msgid)  # a message with a plural is found by its singular
    return None if message is None or _id(message) != msgid else message


def _forms(catalog: Catalog, msgid: MessageId) -> tuple[str, ...]:
    """Return the translation of ``msgid`` in ``catalog``: one text, or one per plural form.

    A form is empty where it is not translated; a message the catalog lacks has one empty form.
    """
    message = _entry(catalog, msgid)
    if message is None or not message.string:
        return ("",)
    return (message.string,) if isinstance(message.string, str) else tuple(message.string)


def _shown(language: str, msgid: MessageId) -> list[str]:
    """Return the texts a page shows for ``msgid``: its translation, or each of its plural forms.

    A plural message is shown for counts that reach each form the language has, and its forms
    are also taken from the catalog as written, so that no form goes unchecked.
    """
    translations = i18n.translations(language)
    if isinstance(msgid, str):
        return [translations.gettext(msgid)]
    singular, plural = msgid[0], msgid[-1]
    shown = [translations.ngettext(singular, plural, count) for count in COUNTS]
    return shown + [form for form in _forms(_catalog(language), msgid) if form]


def _values(msgid: MessageId) -> Mapping[str, str]:
    """Return a value for each placeholder of ``msgid`` (of its singular and its plural)."""
    texts = (msgid,) if isinstance(msgid, str) else msgid
    return {name: f"<{name}>" for text in texts for name in PLACEHOLDER.findall(text)}


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_translations_keep_the_placeholders(language: str) -> None:
    """A translation has the message's placeholders, no others, and no stray ``%``.

    The pages' ``_()`` formats every message with its values (even with none), so a stray ``%``
    would break the page, and a lost placeholder would drop a number from it. Every plural form
    has the placeholders of the message's plural (``%(num)s`` is the count).
    """
    for msgid in TEMPLATE:
        original = msgid if isinstance(msgid, str) else msgid[-1]
        values = _values(msgid)
        for text in _shown(language, msgid):
            assert sorted(CONVERSION.findall(text)) == sorted(CONVERSION.findall(original)), text
            shown = text % values
            assert all(value in shown for value in values.values()), shown


@pytest.mark.parametrize(
    ("accept_language", "expected"),
    [
        ("zh-CN,zh;q=0.9", "zh-Hans"),
        ("pt-PT", "pt-BR"),
        ("fil", "tl"),
        ("de-DE", "ja"),
        ("fr;q=0.9, en;q=0.1", "en"),
        ("", "ja"),
    ],
)
def test_the_browser_language_picks_ours(accept_language: str, expected: str) -> None:
    """The best of ours for the browser's languages; Japanese when none of them is ours."""
    assert i18n.negotiate(accept_language) == expected
