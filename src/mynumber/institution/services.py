"""An institution node's services over its own database: provide, record, hold.

:class:`InstitutionRecords` keeps the body's shareable copies (副本) by its own code for the
person, answers the hub's requests for them (:meth:`InstitutionRecords.provide`: once per serial
number, so a request the hub repeats after a failure is answered the same and recorded once), and
keeps the body's own record of each exchange it asked for. It never commits.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import select

from mynumber.institution.exceptions import ProvisionRefused
from mynumber.institution.models import ExchangeRecord, HeldNumber, ShareableRecord
from mynumber.network.codes import validate_code
from mynumber.numbers import individual

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

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

    def provide(self, request: Mapping[str, str]) -> dict[str, Any]:
        """Answer the hub's request for an item, recording it; the same answer for a repeat.

        ``request`` holds ``serial``, ``code`` (this body's code), ``item``, ``row`` and
        ``requester``. The answer is ``{"held": bool, "data": object or null}``.
        """
        serial = request["serial"]
        done = self._record(serial, PROVIDER)
        if done is not None:
            return json.loads(done.answer or "null") or {"held": False, "data": None}
        code = validate_code(request["code"])
        found = self._shareable(code, request["item"])
        answer: dict[str, Any] = {
            "held": found is not None,
            "data": None if found is None else json.loads(found.data),
        }
        now = self._clock()
        self._session.add(
            ExchangeRecord(
                serial=serial,
                role=PROVIDER,
                counterpart=request["requester"],
                row_id=request["row"],
                item=request["item"],
                code=code,
                staff_id=None,
                status="provided" if found is not None else "not-held",
                outcome="provided" if found is not None else "not-held",
                recorded_at=now,
                completed_at=now,
                answer=json.dumps(answer, ensure_ascii=False),
            )
        )
        self._session.flush()
        return answer

    def requested(self, exchange: Mapping[str, Any], code: str, staff_id: str) -> ExchangeRecord:
        """Record an exchange the body asked for, as the hub answered it (once per serial)."""
        record = self._record(exchange["serial"], REQUESTER)
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
                recorded_at=self._clock(),
                completed_at=None,
            )
            self._session.add(record)
        self._update(record, exchange)
        self._session.flush()
        return record

    def collected(self, exchange: Mapping[str, Any]) -> ExchangeRecord | None:
        """Update the body's record of an exchange with what the hub answered, if it has one."""
        record = self._record(exchange["serial"], REQUESTER)
        if record is not None:
            self._update(record, exchange)
            self._session.flush()
        return record

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

    def _record(self, serial: str, role: str) -> ExchangeRecord | None:
        """Return the record of ``serial`` in ``role``, if there is one."""
        return self._session.scalar(
            select(ExchangeRecord).where(
                ExchangeRecord.serial == serial, ExchangeRecord.role == role
            )
        )

    def _shareable(self, code: str, item: str) -> ShareableRecord | None:
        """Return the shareable copy of ``item`` under ``code``, if there is one."""
        return self._session.scalar(
            select(ShareableRecord).where(
                ShareableRecord.code == code, ShareableRecord.item == item
            )
        )
