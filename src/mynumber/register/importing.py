"""Reading resident records from files: CSV (UTF-8, a header row) or Parquet.

The columns are the fields of ``ResidentRecord`` by name; ``date_of_birth`` and
``period_of_stay_until`` are ISO dates (YYYY-MM-DD), ``household_head`` is true/false, empty cells
are absent values. Rows stream: a file of any size is read a batch of rows at a time.
"""

from __future__ import annotations

import csv
from dataclasses import MISSING, fields
from datetime import date
from typing import TYPE_CHECKING, Any

import pyarrow.parquet as pq

from mynumber.register.exceptions import InvalidResidentRecord
from mynumber.register.records import Language, ResidentRecord, Sex

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from pathlib import Path

_REQUIRED = tuple(field.name for field in fields(ResidentRecord) if field.default is MISSING)
_KNOWN = {field.name for field in fields(ResidentRecord)}
_DATES = ("date_of_birth", "period_of_stay_until")


def read_records(path: Path) -> Iterator[ResidentRecord]:
    """Yield the records of a CSV or Parquet file, in file order."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _from_rows(_csv_rows(path), path)
    if suffix == ".parquet":
        return _from_rows(_parquet_rows(path), path)
    what = suffix or "a file without an extension"
    msg = f"{path}: cannot read {what}; give a .csv or .parquet file"
    raise InvalidResidentRecord(msg)


def _csv_rows(path: Path) -> Iterator[Mapping[str, str | None]]:
    """Yield the rows of a CSV file as mappings of column to cell."""
    try:
        with path.open(encoding="utf-8", newline="") as stream:
            yield from csv.DictReader(stream)
    except OSError as exc:
        msg = f"{path}: cannot read the file ({exc.strerror})"
        raise InvalidResidentRecord(msg) from exc
    except UnicodeDecodeError as exc:
        msg = f"{path}: the file is not UTF-8 text; save it as UTF-8 CSV"
        raise InvalidResidentRecord(msg) from exc


def _parquet_rows(path: Path) -> Iterator[Mapping[str, Any]]:
    """Yield the rows of a Parquet file, a row group batch at a time."""
    try:
        table = pq.ParquetFile(path)
    except (OSError, ValueError) as exc:
        msg = f"{path}: not a readable Parquet file ({exc})"
        raise InvalidResidentRecord(msg) from exc
    for batch in table.iter_batches(batch_size=10_000):
        yield from batch.to_pylist()


def _from_rows(rows: Iterator[Mapping[str, Any]], path: Path) -> Iterator[ResidentRecord]:
    """Turn rows into records; a bad row stops the import with its row number and the fault."""
    for number, row in enumerate(rows, start=1):
        try:
            yield _record(row)
        except (KeyError, ValueError) as exc:
            msg = f"{path}, row {number}: {exc}"
            raise InvalidResidentRecord(msg) from exc


def _record(row: Mapping[str, Any]) -> ResidentRecord:
    """Build one record from a row."""
    unknown = set(row) - _KNOWN
    if unknown:
        msg = f"unknown column {min(unknown)!r}; the columns are the fields of a resident record"
        raise ValueError(msg)
    values = {key: value for key, value in row.items() if value not in (None, "")}
    missing = [name for name in _REQUIRED if name not in values]
    if missing:
        msg = f"the column {missing[0]!r} is empty or missing"
        raise ValueError(msg)
    for name in _DATES:
        if name in values and not isinstance(values[name], date):
            values[name] = _date(name, str(values[name]))
    values["sex"] = Sex(values["sex"])
    if "preferred_language" in values:
        values["preferred_language"] = Language(values["preferred_language"])
    if "household_head" in values and not isinstance(values["household_head"], bool):
        values["household_head"] = str(values["household_head"]).strip().lower() in {
            "true",
            "1",
            "yes",
        }
    for name in ("municipality_code", "postal_code"):
        values[name] = str(values[name]).replace("-", "")
    return ResidentRecord(**values)


def _date(name: str, text: str) -> date:
    """Parse an ISO date, saying which column held an impossible one."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        msg = f"{name} {text!r} is not a date (YYYY-MM-DD, and a day that exists)"
        raise ValueError(msg) from None
