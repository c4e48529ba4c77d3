"""The demo's institutions as data (``profiles.toml``), and what a body is registered with.

:class:`BodyApplication` holds the fields the hub registers a body with -- its id, corporate
number (法人番号), names, kind and tasks -- whether it comes from an operator or from the demo's
profiles. :func:`load_profiles` reads the profiles file packaged beside this module: one body per
kind in the demo (a city office, a tax office, a pension office, Hello Work, a health insurer, an
employer, a bank, the police and a video rental shop), with fictional names and corporate
numbers that carry a correct check digit. The file is checked for form here; the hub checks each
body's content (kind, corporate number, tasks) when it registers it.
"""

import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Final

from mynumber.network.exceptions import InvalidTable

#: The profiles file, packaged beside this module.
PROFILES_FILE: Final = "profiles.toml"
_TEXT_FIELDS: Final = ("id", "corporate_number", "name_ja", "name_en", "kind")


@dataclass(frozen=True, slots=True, kw_only=True)
class BodyApplication:
    """What a body is registered with; the hub checks every field (``BodyRegistry``)."""

    id: str
    corporate_number: str
    name_ja: str
    name_en: str
    kind: str
    tasks: tuple[str, ...] = ()


def load_profiles(text: str | None = None) -> tuple[BodyApplication, ...]:
    """Return the demo's bodies from ``profiles.toml`` (or from ``text``), in file order.

    A file that is not TOML, or a body with a missing or mistyped field, raises
    :class:`~mynumber.network.exceptions.InvalidTable` naming the body.
    """
    if text is None:
        text = resources.files(__package__).joinpath(PROFILES_FILE).read_text(encoding="utf-8")
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = f"{PROFILES_FILE} is not valid TOML ({exc}); fix the file"
        raise InvalidTable(msg) from exc
    bodies = document.get("body", [])
    if not isinstance(bodies, list) or not bodies:
        msg = f"{PROFILES_FILE} holds no [[body]] tables; describe at least one body"
        raise InvalidTable(msg)
    return tuple(_application(table, number) for number, table in enumerate(bodies, start=1))


def _application(table: object, number: int) -> BodyApplication:
    """Return the body described by the ``number``-th ``[[body]]`` table."""
    where = f"{PROFILES_FILE}, body {number}"
    if not isinstance(table, dict):
        msg = f"{where} is not a table; write it as [[body]]"
        raise InvalidTable(msg)
    for name in _TEXT_FIELDS:
        if not isinstance(table.get(name), str) or not table[name].strip():
            msg = f"{where} has no {name}: give it as a non-empty string"
            raise InvalidTable(msg)
    tasks = table.get("tasks", [])
    if not isinstance(tasks, list) or not all(isinstance(task, str) for task in tasks):
        msg = f"{where} ({table['id']}): tasks must be a list of task ids"
        raise InvalidTable(msg)
    unknown = set(table) - {*_TEXT_FIELDS, "tasks"}
    if unknown:
        msg = f"{where} ({table['id']}) has unknown fields {sorted(unknown)}; remove them"
        raise InvalidTable(msg)
    return BodyApplication(
        id=table["id"],
        corporate_number=table["corporate_number"],
        name_ja=table["name_ja"],
        name_en=table["name_en"],
        kind=table["kind"],
        tasks=tuple(tasks),
    )
