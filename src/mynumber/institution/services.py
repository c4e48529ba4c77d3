"""An institution node's services over its own database: provide, record, hold.

:class:`InstitutionRecords` keeps the body's shareable copies (副本) by its own code for the
person, answers the hub's requests for them (:meth:`InstitutionRecords.provide_many`: once per
serial number, so a request the hub repeats after a failure is answered the same and recorded
once), and keeps the body's own record of each exchange it asked for. It never commits.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import insert, select

from mynumber.institution.exceptions import ProvisionRefused
from mynumber.institution.models import ExchangeRecord, HeldNumber, ShareableRecord
from mynumber.network.codes import validate_code
from mynumber.numbers import individual

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from sqlalchemy.orm import Session

REQUESTER: Final = "requester"
PROVIDER: Final = "provider"
#: The largest shareable copy, as JSON.
MAX_RECORD_BYTES: Final = 32 * 1024


def _now() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


class InstitutionRecords:
    """One body's shareable copies, exchange records and held numbers."""

    def __init__(self, session: Session, clock: Callable[[], datetime] = _now) -> None:
        """Work in ``session``; ``clock`` dates what is recorded."""
        self._session = session
        self._clock = clock

    def put_shareable(self, code: str, item: str, data: Mapping[str, Any]) -> ShareableRecord:
        """Keep (or replace) the shareable copy of ``item`` about the person known as ``code``."""
        code = validate_code(code)
        text = json.dumps(dict(data), ensure_ascii=False, sort_keys=True)
        if len(text.encode("utf-8")) > MAX_RECORD_BYTES:
            msg = f"a shareable copy holds at most {MAX_RECORD_BYTES} bytes of JSON"
            raise ProvisionRefused(msg)
        record = self._shareable(code, item)
        if record is None:
            record = ShareableRecord(code=code, item=item, data=text, updated_at=self._clock())
            self._session.add(record)
        else:
            record.data, record.updated_at = text, self._clock()
        self._session.flush()
        return record

    def provide_many(self, requests: Sequence[Mapping[str, str]]) -> list[dict[str, Any]]:
        """Answer the hub's requests for items, recording each; the same answer for a repeat.

        Each request holds ``serial``, ``code`` (this body's code), ``item``, ``row`` and
        ``requester``; each answer is ``{"held": bool, "data": object or null}``. All are looked
        up at once.
        """
        codes = [validate_code(request["code"]) for request in requests]
        done = {
            record.serial: record
            for record in self._session.scalars(
                select(ExchangeRecord).where(
                    ExchangeRecord.serial.in_({request["serial"] for request in requests}),
                    ExchangeRecord.role == PROVIDER,
                )
            )
        }
        copies = {
            (record.code, record.item): record
            for record in self._session.scalars(
                select(ShareableRecord).where(ShareableRecord.code.in_(set(codes)))
            )
        }
        now = self._clock()
        answers: list[dict[str, Any]] = []
        new: list[ExchangeRecord] = []
        for request, code in zip(requests, codes, strict=True):
            serial = request["serial"]
            if serial in done:
                answers.append(_recorded_answer(done[serial]))
                continue
            found = copies.get((code, request["item"]))
            answer: dict[str, Any] = {
                "held": found is not None,
                "data": None if found is None else json.loads(found.data),
            }
            outcome = "provided" if found is not None else "not-held"
            done[serial] = record = ExchangeRecord(
                serial=serial,
                role=PROVIDER,
                counterpart=request["requester"],
                row_id=request["row"],
                item=request["item"],
                code=code,
                staff_id=None,
                status=outcome,
                outcome=outcome,
                recorded_at=now,
                completed_at=now,
                answer=json.dumps(answer, ensure_ascii=False),
            )
            new.append(record)
            answers.append(answer)
        _insert(self._session, new)
        return answers

    def requested_many(
        self, exchanges: Sequence[tuple[Mapping[str, Any], str]], staff_id: str
    ) -> list[ExchangeRecord]:
        """Record exchanges the body asked for, each with the code it asked by (once per serial)."""
        records = self._records([exchange["serial"] for exchange, _ in exchanges])
        now = self._clock()
        kept: list[ExchangeRecord] = []
        new: list[ExchangeRecord] = []
        for exchange, code in exchanges:
            record = records.get(exchange["serial"])
            if record is None:
                record = ExchangeRecord(
                    serial=exchange["serial"],
                    role=REQUESTER,
                    counterpart=exchange["provider"],
                    row_id=exchange["row"],
                    item=exchange["item"],
                    code=validate_code(code),
                    staff_id=staff_id,
                    status=exchange["status"],
                    outcome=exchange.get("outcome"),
                    recorded_at=now,
                    completed_at=None,
                )
                records[record.serial] = record
                new.append(record)
            self._update(record, exchange)
            kept.append(record)
        self._session.flush()
        _insert(self._session, new)
        return kept

    def collected_many(self, exchanges: Sequence[Mapping[str, Any]]) -> list[ExchangeRecord | None]:
        """Update the body's records of exchanges with what the hub answered, where it has one."""
        records = self._records([exchange["serial"] for exchange in exchanges])
        updated: list[ExchangeRecord | None] = []
        for exchange in exchanges:
            record = records.get(exchange["serial"])
            if record is not None:
                self._update(record, exchange)
            updated.append(record)
        self._session.flush()
        return updated

    def hold_number(
        self, code: str, number: str, task: str, staff_id: str, retention_until: date
    ) -> HeldNumber:
        """Keep a number the registry confirmed the body collected, with its code and task."""
        number = individual.validate(number)
        held = self._session.scalar(
            select(HeldNumber).where(HeldNumber.code == code, HeldNumber.task == task)
        )
        if held is None:
            held = HeldNumber(
                code=validate_code(code),
                number=number,
                number_index=number,
                task=task,
                staff_id=staff_id,
                collected_at=self._clock(),
                retention_until=retention_until,
            )
            self._session.add(held)
        else:
            held.retention_until = retention_until
        self._session.flush()
        return held

    def code_of_number(self, number: str) -> str | None:
        """Return the body's code for the holder of ``number``, if it holds the number."""
        number = individual.validate(number)
        return self._session.scalar(
            select(HeldNumber.code).where(HeldNumber.number_index == number).limit(1)
        )

    def exchange_records(self, code: str | None = None) -> list[ExchangeRecord]:
        """Return the body's exchange records, about one person if ``code`` is given."""
        query = select(ExchangeRecord).order_by(ExchangeRecord.id)
        if code is not None:
            query = query.where(ExchangeRecord.code == code)
        return list(self._session.scalars(query))

    def _update(self, record: ExchangeRecord, exchange: Mapping[str, Any]) -> None:
        """Copy the hub's state of an exchange onto the record; keep an answer once given."""
        record.status = exchange["status"]
        record.outcome = exchange.get("outcome")
        if exchange.get("completed_at") is not None and record.completed_at is None:
            record.completed_at = self._clock()
        if exchange.get("answer") is not None:
            record.answer = json.dumps(exchange["answer"], ensure_ascii=False)

    def _records(self, serials: Sequence[str]) -> dict[str, ExchangeRecord]:
        """Return the body's records as requester of ``serials``, by serial."""
        query = select(ExchangeRecord).where(
            ExchangeRecord.serial.in_(set(serials)), ExchangeRecord.role == REQUESTER
        )
        return {record.serial: record for record in self._session.scalars(query)}

    def _shareable(self, code: str, item: str) -> ShareableRecord | None:
        """Return the shareable copy of ``item`` under ``code``, if there is one."""
        return self._session.scalar(
            select(ShareableRecord).where(
                ShareableRecord.code == code, ShareableRecord.item == item
            )
        )


_COLUMNS: Final = tuple(
    column.key for column in ExchangeRecord.__table__.columns if column.key != "id"
)


def _insert(session: Session, records: Sequence[ExchangeRecord]) -> None:
    """Insert new records as plain rows in one statement: they need no tracking by the session."""
    if records:
        rows = [{column: getattr(record, column) for column in _COLUMNS} for record in records]
        session.execute(insert(ExchangeRecord), rows)


def _recorded_answer(record: ExchangeRecord) -> dict[str, Any]:
    """Return the answer given before for a serial the hub asks about again."""
    answer: dict[str, Any] | None = json.loads(record.answer or "null")
    return answer or {"held": False, "data": None}
