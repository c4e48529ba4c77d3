"""Bulk writes for batch work: ids taken up front, rows in by the fastest path each database has.

A batch that writes thousands of rows per transaction cannot afford one ORM object per row, nor
``INSERT ... RETURNING`` to learn the ids it needs for child rows. Instead it takes the ids first
(:func:`take_ids`), fills them into the rows itself, and hands each table's rows to
:func:`write_rows`, which uses ``COPY ... FROM STDIN`` on PostgreSQL and one ``executemany`` on
SQLite. Values go through the columns' own types on the way, so an :class:`EncryptedString` is
encrypted and a :class:`BlindIndex` keyed exactly as an ORM insert would do it.

Both run inside the session's transaction: if it rolls back, nothing they wrote stays (PostgreSQL
sequence values taken are simply skipped, as after any rolled-back insert).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVarTuple, cast

from sqlalchemy import ARRAY, and_, bindparam, false, func, select, text
from sqlalchemy import column as sql_column
from sqlalchemy import table as sql_table

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from sqlalchemy import FromClause, Select, Table
    from sqlalchemy.orm import InstrumentedAttribute, Session

    from mynumber.storage.models import Base

__all__ = ["among", "take_ids", "write_rows"]

_Columns = TypeVarTuple("_Columns")


def take_ids(session: Session, entity: type[Base], count: int) -> list[int]:
    """Reserve ``count`` new values of ``entity``'s integer ``id`` for rows the caller will write.

    PostgreSQL draws them from the column's sequence in one statement, so concurrent writers never
    get the same id. SQLite has one writer at a time: the ids follow the highest one there, read in
    this transaction, and a writer that committed in between makes this transaction fail rather
    than collide.
    """
    if count <= 0:
        return []
    table = _table(entity)
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        sequence = connection.scalar(
            text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": table.name}
        )
        drawn = connection.scalars(
            text("SELECT nextval(CAST(:sequence AS regclass)) FROM generate_series(1, :count)"),
            {"sequence": sequence, "count": count},
        )
        return sorted(drawn)
    highest = connection.scalar(select(func.max(table.c.id))) or 0
    return list(range(highest + 1, highest + 1 + count))


def write_rows(session: Session, entity: type[Base], rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows``, each a dict of the same columns, into ``entity``'s table, in the session."""
    if not rows:
        return
    table = _table(entity)
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name != "postgresql":
        connection.execute(table.insert(), list(rows))
        return
    names = list(rows[0])
    processors: list[Callable[[Any], Any] | None] = [
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names
    ]
    preparer = dialect.identifier_preparer
    statement = "COPY {} ({}) FROM STDIN".format(
        preparer.format_table(table), ", ".join(preparer.quote(name) for name in names)
    )
    driver = cast("Any", connection.connection.driver_connection)
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(_processed(processors, (row[name] for name in names)))


def among(
    session: Session,
    statement: Select[*_Columns],
    columns: Sequence[InstrumentedAttribute[Any]],
    rows: Iterable[tuple[Any, ...]],
) -> Select[*_Columns]:
    """Return ``statement`` joined to ``rows``: only rows whose ``columns`` equal one of them.

    This is the batch form of ``WHERE (a, b) IN (...)`` for thousands of values at once, written
    so that each database probes an index on ``columns`` once per value and the statement is
    compiled once, whatever the values. PostgreSQL gets one array parameter per column, unnested
    side by side (an ``IN`` list of thousands of parameters, or ``= ANY(:values)``, can be planned
    once, generically, as a sequential scan comparing every row with every value, which grows with
    the table). SQLite gets the values in a temporary table of the connection (it scans the whole
    table for a row-value ``IN`` list, and compiling a ``VALUES`` list of thousands of rows costs
    more than the query).
    """
    wanted_rows = list(dict.fromkeys(rows))
    if not wanted_rows:
        return statement.where(false())
    if session.get_bind().dialect.name == "postgresql":
        arrays = [
            bindparam(None, [row[place] for row in wanted_rows], type_=ARRAY(column.type))
            for place, column in enumerate(columns)
        ]
        unnested = func.unnest(*arrays).table_valued(*(column.key for column in columns))
        wanted: FromClause = unnested.render_derived(name="wanted")
    else:
        wanted = _temporary_values(session, columns, wanted_rows)
    return statement.join(wanted, and_(*(column == wanted.c[column.key] for column in columns)))


def _table(entity: type[Base]) -> Table:
    """Return the table a mapped class is declared on."""
    return cast("Table", entity.__table__)


def _temporary_values(
    session: Session, columns: Sequence[InstrumentedAttribute[Any]], rows: list[tuple[Any, ...]]
) -> FromClause:
    """Put ``rows`` in a temporary table of the SQLite connection, emptied first; return it."""
    connection = session.connection()
    dialect = connection.dialect
    preparer = dialect.identifier_preparer
    name = "wanted_" + "_".join(column.key for column in columns)
    names = ", ".join(preparer.quote(column.key) for column in columns)
    connection.exec_driver_sql(f"CREATE TEMP TABLE IF NOT EXISTS {name} ({names})")
    connection.exec_driver_sql(f"DELETE FROM temp.{name}")  # noqa: S608 -- our own names
    processors = [column.type.dialect_impl(dialect).bind_processor(dialect) for column in columns]
    connection.exec_driver_sql(
        f"INSERT INTO temp.{name} ({names}) VALUES ({', '.join('?' * len(columns))})",  # noqa: S608 -- our own names
        [_processed(processors, row) for row in rows],
    )
    return sql_table(
        name, *(sql_column(column.key, column.type) for column in columns), schema="temp"
    )


def _processed(
    processors: Sequence[Callable[[Any], Any] | None], row: Iterable[Any]
) -> tuple[Any, ...]:
    """Return ``row`` with each value put through its column type's bind processor, if any."""
    return tuple(
        value if process is None else process(value)
        for process, value in zip(processors, row, strict=True)
    )
