"""The table of permitted exchanges: who may ask whom for what, for which task (SPEC.md 5).

Formerly Schedule 2 of the My Number Act (番号法 別表第二), now a ministerial ordinance under
番号法 第19条第8号. The table is data in the repository (``permitted_exchanges.toml``), read once
at start with :func:`load_table` and checked strictly: an unknown kind, task or data item, a
duplicate, a missing or unexpected field, or an empty table refuses to load (:class:`InvalidTable`
naming the row and field). What the table does not list, the network does not do: fail closed.

Only number-using bodies (個人番号利用事務実施者) are on the network, as requester or provider.
An employer never appears as a requester: employers and banks are number-handling bodies
(個人番号関係事務実施者) that collect the number from the person and pass it on.

:meth:`PermittedExchanges.check` answers with an :class:`ExchangeDecision` -- allowed with the row
and its legal basis, or denied with the reason -- and never raises for a refusal.
"""

import functools
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Final

from mynumber.network.bodies import TASKS, BodyCategory, BodyKind, Decision, tasks_for
from mynumber.network.exceptions import ExchangeNotPermitted, InvalidTable, UnknownExchangeRow
from mynumber.network.table_rows import DataItem, ExchangeRow, not_on_network, read_document

__all__ = [
    "TABLE_FILE",
    "DataItem",
    "ExchangeDecision",
    "ExchangeRow",
    "PermittedExchanges",
    "load_table",
    "parse_table",
]

#: The file name of the shipped table, inside this package.
TABLE_FILE: Final = "permitted_exchanges.toml"


@dataclass(frozen=True, slots=True, kw_only=True)
class ExchangeDecision(Decision):
    """The answer of :meth:`PermittedExchanges.check`; ``row`` is the permitting row, if any."""

    row: ExchangeRow | None = None


class PermittedExchanges:
    """The loaded table of permitted exchanges; build it with :func:`load_table`."""

    def __init__(self, rows: Iterable[ExchangeRow], items: Mapping[str, DataItem]) -> None:
        """Hold ``rows`` and the data item vocabulary; refuse an empty table (fail closed)."""
        self._rows = {row.id: row for row in rows}
        if not self._rows:
            msg = (
                "the table of permitted exchanges is empty: an empty table would permit "
                "nothing, so the network refuses to start; restore permitted_exchanges.toml"
            )
            raise InvalidTable(msg)
        self._items = MappingProxyType(dict(items))

    @property
    def items(self) -> Mapping[str, DataItem]:
        """Return the data items the table knows, by id."""
        return self._items

    def __iter__(self) -> Iterator[ExchangeRow]:
        """Iterate over the rows in the order of the file."""
        return iter(self._rows.values())

    def __len__(self) -> int:
        """Return the number of rows."""
        return len(self._rows)

    def row(self, row_id: str) -> ExchangeRow:
        """Return the row ``row_id``, or raise :class:`UnknownExchangeRow`."""
        try:
            return self._rows[row_id]
        except KeyError:
            msg = (
                f"the table of permitted exchanges has no row {row_id!r}; "
                "ask with the id of a row of permitted_exchanges.toml"
            )
            raise UnknownExchangeRow(msg) from None

    def rows_for(self, requester: BodyKind) -> tuple[ExchangeRow, ...]:
        """Return the rows in which a body of kind ``requester`` asks for data."""
        return tuple(row for row in self if row.requester is requester)

    def check(
        self, requester: BodyKind, task_id: str, provider: BodyKind, item: str
    ) -> ExchangeDecision:
        """Say whether ``requester`` may ask ``provider`` for ``item`` for the task ``task_id``."""
        row_or_refusal = self._route(requester, task_id, provider)
        if isinstance(row_or_refusal, ExchangeDecision):
            return row_or_refusal
        row = row_or_refusal
        if item not in row.items:
            listed = ", ".join(self._item_name(allowed) for allowed in row.items)
            asked = self._item_name(item) if item in self._items else f"{item!r} (no such item)"
            return _deny(
                f"row {row.id} lets the {requester.name_en} ask the {provider.name_en} for "
                f"{listed} only, not for {asked}"
            )
        return ExchangeDecision(
            allowed=True,
            reason=f"row {row.id}: the {requester.name_en} may ask the {provider.name_en} for "
            f"{self._item_name(item)} for '{row.task.name_en}'; legal basis: {row.legal_basis_en}",
            row=row,
        )

    def require(
        self, requester: BodyKind, task_id: str, provider: BodyKind, item: str
    ) -> ExchangeRow:
        """Return the row permitting the exchange, or raise :class:`ExchangeNotPermitted`."""
        decision = self.check(requester, task_id, provider, item)
        if decision.row is None:
            msg = f"the exchange is not permitted: {decision.reason}"
            raise ExchangeNotPermitted(msg)
        return decision.row

    def _route(
        self, requester: BodyKind, task_id: str, provider: BodyKind
    ) -> ExchangeRow | ExchangeDecision:
        """Return the row for requester, task and provider, or the refusal saying what is wrong."""
        if requester.category is not BodyCategory.NUMBER_USING:
            return _deny(not_on_network(requester, "ask the network for data"))
        task = TASKS.get(task_id)
        if task is None:
            own = ", ".join(own_task.id for own_task in tasks_for(requester))
            return _deny(
                f"{task_id!r} is not a task the law lists; the {requester.name_en} may ask for "
                f"data only for its own tasks: {own}"
            )
        if requester not in task.performed_by:
            return _deny(
                f"'{task.name_en}' ({task.id}) is not a task of the {requester.name_en}: "
                "a body may ask for data only for its own tasks"
            )
        routes = [row for row in self.rows_for(requester) if row.task.id == task_id]
        if not routes:
            return _deny(
                f"the table has no row letting the {requester.name_en} ask for data for "
                f"'{task.name_en}' ({task.id}): the network provides nothing for that task"
            )
        for row in routes:
            if row.provider is provider:
                return row
        allowed = ", ".join(f"the {row.provider.name_en} (row {row.id})" for row in routes)
        return _deny(
            f"for '{task.name_en}' the {requester.name_en} may ask {allowed}, "
            f"not the {provider.name_en}"
        )

    def _item_name(self, item_id: str) -> str:
        """Return the English name of a known data item."""
        return self._items[item_id].name_en


def _deny(reason: str) -> ExchangeDecision:
    """Return a refusal with its reason."""
    return ExchangeDecision(allowed=False, reason=reason)


def load_table(path: Path | None = None) -> PermittedExchanges:
    """Read and check the table at ``path``, by default the one shipped with this package."""
    if path is None:
        source = TABLE_FILE
        data = resources.files(__package__).joinpath(TABLE_FILE).read_bytes()
    else:
        source = str(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            msg = f"{source}: cannot read the table of permitted exchanges ({exc}); check the path"
            raise InvalidTable(msg) from exc
    return parse_table(data, source=source)


@functools.cache
def shipped_table() -> PermittedExchanges:
    """Return the table shipped with this package, read and checked once per process."""
    return load_table()


def parse_table(data: bytes, *, source: str = "<table>") -> PermittedExchanges:
    """Check the TOML text ``data`` of a table; ``source`` names it in error messages."""
    try:
        document = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        msg = f"{source}: not a UTF-8 TOML file ({exc}); fix the file"
        raise InvalidTable(msg) from exc
    rows, items = read_document(document, source)
    return PermittedExchanges(rows, items)
