"""Records of use (やりとり履歴) as the resident reads them: ledger entries described, exported.

An entry in the ledger names bodies, tasks, rows of the table and data items by id; a
:class:`Record` adds what the resident needs to read it -- the task's and item's names and the
legal basis of the row, in Japanese or English -- and the outcome in one word. A sealed record
of police access whose unsealing date has come carries what the oversight commission opened
(:class:`Unsealed`): the task, the case, the data items disclosed and the staff. The same records
download as CSV (UTF-8 with a byte-order mark, so spreadsheet programs in Japan read it) or JSON,
with the entries exactly as the ledger holds them.
"""

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime
from typing import Any, Final

from mynumber.network.bodies import TASKS
from mynumber.network.exceptions import UnknownExchangeRow
from mynumber.network.table import shipped_table

#: The kinds of entry the portal filters by, in the order its filter lists them.
KINDS: Final = (
    "exchange",
    "exchange-refused",
    "collection",
    "collection-refused",
    "holding-deleted",
    "sealed",
)
#: Outcomes: what came of the use, in one word the page translates.
PROVIDED: Final = "provided"
NOT_HELD: Final = "not-held"
REFUSED: Final = "refused"
RECORDED: Final = "recorded"
SEALED: Final = "sealed"


@dataclass(frozen=True, slots=True, kw_only=True)
class Unsealed:
    """What a sealed record of police access says, as the oversight commission opened it."""

    #: The task the access was for.
    task: str
    #: Who at the police body asked.
    staff: str
    #: The police body's case reference.
    case: str
    #: The data items disclosed.
    disclosed: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Record:
    """One ledger entry about the resident, ready to be shown."""

    index: int
    at: datetime
    kind: str
    #: The body that used the data (requester, collector, or the police body).
    body: str
    provider: str | None
    task: str | None
    row: str | None
    item: str | None
    outcome: str
    serial: str | None
    unseal_on: str | None
    #: Why a refused use was refused (the refusal's code).
    refusal: str | None
    entry: Mapping[str, Any]
    #: A sealed record's body, once the commission has opened it.
    unsealed: Unsealed | None = None


def read_record(index: int, entry: Mapping[str, Any]) -> Record:
    """Return the record of the ledger entry ``entry`` at ``index``."""
    kind = str(entry.get("kind", ""))
    refusal = entry.get("refusal") or entry.get("reason")
    return Record(
        index=index,
        at=_time(entry.get("at")),
        kind=kind,
        body=str(entry.get("requester") or entry.get("body") or ""),
        provider=_text(entry.get("provider")),
        task=_text(entry.get("task")) or _row_task(_text(entry.get("row"))),
        row=_text(entry.get("row")),
        item=_text(entry.get("item")),
        outcome=_outcome(kind, entry),
        serial=_text(entry.get("serial")),
        unseal_on=_text(entry.get("unseal_on")),
        refusal=None if refusal is None else str(refusal),
        entry=entry,
    )


def is_due(record: Record, today: date) -> bool:
    """Say whether ``record`` is sealed and its unsealing date is ``today`` or before; never raises.

    >>> due = read_record(7, {"kind": "sealed", "unseal_on": "2027-11-27"})
    >>> is_due(due, date(2027, 11, 26)), is_due(due, date(2027, 11, 27))
    (False, True)
    """
    if record.kind != SEALED or record.unseal_on is None:
        return False
    try:
        return date.fromisoformat(record.unseal_on) <= today
    except ValueError:
        return False


def with_unsealed(record: Record, opened: object) -> Record:
    """Return ``record`` with the commission's answer (``opened``) attached; never raises.

    The record then has the task, and its outcome is ``provided``: the police were given the data
    items disclosed. An answer without a text ``task``, ``staff`` and ``case`` and a list of texts
    ``disclosed`` leaves the record as it was: sealed.
    """
    if not isinstance(opened, Mapping):
        return record
    task, staff, case = opened.get("task"), opened.get("staff"), opened.get("case")
    disclosed = opened.get("disclosed")
    if not (
        isinstance(task, str)
        and isinstance(staff, str)
        and isinstance(case, str)
        and isinstance(disclosed, list)
        and all(isinstance(item, str) for item in disclosed)
    ):
        return record
    unsealed = Unsealed(task=task, staff=staff, case=case, disclosed=tuple(disclosed))
    return replace(record, unsealed=unsealed, task=task, outcome=PROVIDED)


def task_name(task_id: str | None, language: str) -> str:
    """Return the task's name (Japanese on a Japanese page, else English), or the id."""
    task = TASKS.get(task_id or "")
    if task is None:
        return task_id or ""
    return task.name_ja if language == "ja" else task.name_en


def item_name(item_id: str | None, language: str) -> str:
    """Return the data item's name, or the id."""
    item = shipped_table().items.get(item_id or "")
    if item is None:
        return item_id or ""
    return item.name_ja if language == "ja" else item.name_en


def legal_basis(row_id: str | None, language: str) -> str:
    """Return the legal basis of the table's row ``row_id``, or nothing."""
    if not row_id:
        return ""
    try:
        row = shipped_table().row(row_id)
    except UnknownExchangeRow:
        return ""
    return row.legal_basis_ja if language == "ja" else row.legal_basis_en


_CSV_COLUMNS: Final = (
    "index",
    "at",
    "kind",
    "body",
    "provider",
    "task",
    "item",
    "legal_basis",
    "outcome",
    "serial",
    "unseal_on",
    "case",
    "staff",
)


def to_csv(records: Iterable[Record], language: str) -> bytes:
    """Return the records as CSV, UTF-8 with a byte-order mark, one row per record."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(_CSV_COLUMNS)
    for record in records:
        unsealed = record.unsealed
        items = unsealed.disclosed if unsealed else (record.item,)
        writer.writerow(
            [
                record.index,
                record.at.isoformat(),
                record.kind,
                record.body,
                record.provider or "",
                task_name(record.task, language),
                "; ".join(item_name(item, language) for item in items),
                legal_basis(record.row, language),
                record.outcome,
                record.serial or "",
                record.unseal_on or "",
                unsealed.case if unsealed else "",
                unsealed.staff if unsealed else "",
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_json(records: Sequence[Record]) -> bytes:
    """Return the records as JSON: each entry as the ledger holds it, with its index.

    A sealed record the commission opened also carries its body, ``unsealed``.
    """
    body = [
        {"index": record.index, "entry": dict(record.entry)}
        | ({"unsealed": asdict(record.unsealed)} if record.unsealed else {})
        for record in records
    ]
    return json.dumps({"records": body}, ensure_ascii=False, indent=1).encode("utf-8")


def _outcome(kind: str, entry: Mapping[str, Any]) -> str:
    """Return what came of the use the entry records."""
    if kind.endswith("-refused"):
        return REFUSED
    if kind == "sealed":
        return SEALED
    if kind == "exchange":
        return PROVIDED if entry.get("outcome") == PROVIDED else NOT_HELD
    return RECORDED


def _row_task(row_id: str | None) -> str | None:
    """Return the task of the table's row ``row_id``, if the table has it."""
    if not row_id:
        return None
    try:
        return shipped_table().row(row_id).task.id
    except UnknownExchangeRow:
        return None


def _time(value: object) -> datetime:
    """Return the entry's time (``YYYY-MM-DDTHH:MM:SSZ``) as an aware datetime."""
    try:
        return datetime.strptime(str(value), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return datetime(1970, 1, 1, tzinfo=UTC)


def _text(value: object) -> str | None:
    """Return a string field, or None."""
    return None if value is None else str(value)
