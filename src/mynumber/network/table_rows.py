"""The rows of the table of permitted exchanges, and their strict reading from a TOML document.

:func:`read_document` turns the parsed ``permitted_exchanges.toml`` into checked rows and data
items, or raises :class:`InvalidTable` naming the row and the field that is wrong. It refuses an
unknown or missing field, an unknown body kind, task or data item, a task that is not the
requester's, a body that is not a number-using body (only those are on the network: an employer
or a bank never appears), a repeated row id, two rows for the same requester, task and provider,
and an empty table. :mod:`mynumber.network.table` reads the file and answers the questions.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from mynumber.network.bodies import TASKS, BodyCategory, BodyKind, Task
from mynumber.network.exceptions import InvalidTable

#: Row and data item ids: lower-case letters, digits and inner hyphens.
_ID: Final = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")
_ROW_FIELDS: Final = ("id", "requester", "task", "provider", "items")
_ROW_BASIS: Final = ("legal_basis_ja", "legal_basis_en")
_ITEM_FIELDS: Final = ("name_ja", "name_en")


@dataclass(frozen=True, slots=True)
class DataItem:
    """A data item a provider may give through the network, with its names for the portal."""

    id: str
    name_ja: str
    name_en: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ExchangeRow:
    """One row of the table: ``requester`` may ask ``provider`` for ``items`` for ``task``."""

    id: str
    requester: BodyKind
    task: Task
    provider: BodyKind
    items: tuple[str, ...]
    legal_basis_ja: str
    legal_basis_en: str
    note: str = ""


def not_on_network(kind: BodyKind, action: str) -> str:
    """Say why a body that is not a number-using body cannot ``action`` on the network."""
    if kind.category is BodyCategory.NUMBER_HANDLING:
        return (
            f"the {kind.name_en} is a number-handling body (個人番号関係事務実施者), not on the "
            f"information provision network: only number-using bodies may {action}; the "
            f"{kind.name_en} collects the number from the person and passes it on"
        )
    return (
        f"the {kind.name_en} may not handle numbers at all and is not on the information "
        f"provision network: only number-using bodies may {action}"
    )


def read_document(
    document: Mapping[str, object], source: str
) -> tuple[tuple[ExchangeRow, ...], dict[str, DataItem]]:
    """Return the checked rows and data items of a parsed table; ``source`` names the file."""
    _fields(document, required=("items", "exchanges"), optional=(), where=source)
    items = _read_items(document["items"], source)
    tables = document["exchanges"]
    if not isinstance(tables, list) or not tables:
        msg = (
            f"{source}: 'exchanges' must hold at least one [[exchanges]] row: an empty table "
            "would permit nothing, so the network refuses to start"
        )
        raise InvalidTable(msg)
    rows: dict[str, ExchangeRow] = {}
    routes: dict[tuple[BodyKind, str, BodyKind], str] = {}
    for index, table in enumerate(tables, start=1):
        row = _read_row(table, items, f"{source}: exchange row {index}")
        where = f"{source}: exchange row {index} ({row.id!r})"
        if row.id in rows:
            msg = f"{where}: field 'id' repeats an earlier row's id; give each row its own id"
            raise InvalidTable(msg)
        route = (row.requester, row.task.id, row.provider)
        if route in routes:
            msg = (
                f"{where}: row {routes[route]!r} already lets the {row.requester.name_en} ask "
                f"the {row.provider.name_en} for '{row.task.id}'; merge the two rows' items"
            )
            raise InvalidTable(msg)
        rows[row.id] = row
        routes[route] = row.id
    return tuple(rows.values()), items


def _read_items(section: object, source: str) -> dict[str, DataItem]:
    """Return the data items of the ``[items.<id>]`` tables."""
    if not isinstance(section, dict) or not section:
        msg = f"{source}: 'items' must hold at least one [items.<id>] table naming a data item"
        raise InvalidTable(msg)
    items: dict[str, DataItem] = {}
    for item_id, value in section.items():
        where = f"{source}: data item {item_id!r}"
        if not _ID.fullmatch(item_id):
            msg = f"{where}: a data item id is lower-case letters, digits and inner hyphens"
            raise InvalidTable(msg)
        table = _fields(value, required=_ITEM_FIELDS, optional=(), where=where)
        items[item_id] = DataItem(
            item_id, _text(table, "name_ja", where), _text(table, "name_en", where)
        )
    return items


def _read_row(value: object, items: Mapping[str, DataItem], where: str) -> ExchangeRow:
    """Return one checked row; ``where`` names it in error messages."""
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        where = f"{where} ({value['id']!r})"
    table = _fields(value, required=_ROW_FIELDS + _ROW_BASIS, optional=("note",), where=where)
    row_id = _text(table, "id", where)
    if not _ID.fullmatch(row_id):
        msg = f"{where}: field 'id' must be lower-case letters, digits and inner hyphens"
        raise InvalidTable(msg)
    requester = _network_body(table, "requester", where)
    task_id = _text(table, "task", where)
    task = TASKS.get(task_id)
    if task is None or requester not in task.performed_by:
        known = ", ".join(own.id for own in TASKS.values() if requester in own.performed_by)
        msg = (
            f"{where}: field 'task' is {task_id!r}, which is not a task of the "
            f"{requester.name_en}; use one of: {known}"
        )
        raise InvalidTable(msg)
    return ExchangeRow(
        id=row_id,
        requester=requester,
        task=task,
        provider=_network_body(table, "provider", where),
        items=_row_items(table, items, where),
        legal_basis_ja=_text(table, "legal_basis_ja", where),
        legal_basis_en=_text(table, "legal_basis_en", where),
        note=_text(table, "note", where) if "note" in table else "",
    )


def _network_body(table: Mapping[str, object], field: str, where: str) -> BodyKind:
    """Return the body kind in ``field``: a number-using body, the only kind on the network."""
    text = _text(table, field, where)
    try:
        kind = BodyKind(text)
    except ValueError:
        known = ", ".join(BodyKind)
        msg = f"{where}: field {field!r} is {text!r}, not a kind of body; use one of: {known}"
        raise InvalidTable(msg) from None
    if kind.category is not BodyCategory.NUMBER_USING:
        msg = f"{where}: field {field!r}: {not_on_network(kind, 'appear in the table')}"
        raise InvalidTable(msg)
    return kind


def _row_items(
    table: Mapping[str, object], items: Mapping[str, DataItem], where: str
) -> tuple[str, ...]:
    """Return the data item ids of a row: at least one, each defined, none repeated."""
    value = table["items"]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        msg = f"{where}: field 'items' must be a list of at least one data item id"
        raise InvalidTable(msg)
    names: tuple[str, ...] = tuple(value)
    for item in names:
        if item not in items:
            msg = f"{where}: field 'items' names {item!r}, which no [items.{item}] table defines"
            raise InvalidTable(msg)
    if len(set(names)) != len(names):
        msg = f"{where}: field 'items' names a data item twice; name each once"
        raise InvalidTable(msg)
    return names


def _fields(
    value: object, *, required: tuple[str, ...], optional: tuple[str, ...], where: str
) -> dict[str, object]:
    """Return ``value`` if it is a TOML table with every required field and no unknown one."""
    if not isinstance(value, dict):
        msg = f"{where}: expected a TOML table, found {type(value).__name__}"
        raise InvalidTable(msg)
    known = (*required, *optional)
    for field in required:
        if field not in value:
            msg = f"{where}: field {field!r} is missing"
            raise InvalidTable(msg)
    for field in value:
        if field not in known:
            msg = f"{where}: unknown field {field!r}; the fields here are {', '.join(known)}"
            raise InvalidTable(msg)
    return value


def _text(table: Mapping[str, object], field: str, where: str) -> str:
    """Return the non-blank text of ``field``."""
    value = table[field]
    if not isinstance(value, str) or not value.strip():
        msg = f"{where}: field {field!r} must be non-empty text"
        raise InvalidTable(msg)
    return value
