"""Exchanges of information (情報照会・提供) routed by the hub, over its session.

A body asks for one data item about a person -- or many at once -- with its own code for the
person, a row of the table of permitted exchanges and the provider it asks
(:meth:`ExchangeService.open_many`). The hub checks the row against both bodies' kinds and the
requester's registered tasks, translates the code to the provider's, and opens the exchange under
a transaction serial number (処理通番): ``pending``. The hub then sends the provider its own code
and the item (:meth:`ExchangeService.delivery`); when the provider answers,
:meth:`ExchangeService.complete_many` appends the exchange to the ledger and marks it
``completed`` in one transaction, so an exchange whose entry cannot be written never completes
and its answer is never handed over (fail closed). The requester collects the answer once
(:meth:`ExchangeService.collect`); the hub then drops its copy.

Retries are safe: the pair (requester, idempotency key) names one exchange, so asking again
finds it (and tries the provider again if it is still pending) instead of opening another, and
completing an exchange already completed changes nothing. Refusals come back in the place of the
request refused, and the caller records them in a separate transaction with
:meth:`ExchangeService.record_refusal`: the refused request itself changes nothing.

The service never commits: the route owns each transaction.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import insert, select

from mynumber.network.bodies import BodyKind, Decision
from mynumber.network.codes import ALPHABET, is_well_formed_code
from mynumber.network.exceptions import NetworkError
from mynumber.network.models import Exchange, InstitutionCode, NetworkRefusal
from mynumber.network.service_exceptions import (
    ExchangeNotFound,
    ExchangeRefused,
    IdempotencyConflict,
    ProviderAnswerRefused,
)
from mynumber.network.services import BodyRegistry, CodeService

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from sqlalchemy.orm import Session

    from mynumber.ledger.services import LedgerService
    from mynumber.network.models import Body, Staff
    from mynumber.network.table import PermittedExchanges

PENDING: Final = "pending"
COMPLETED: Final = "completed"
#: The outcomes of a completed exchange: the provider held the item, or did not.
PROVIDED: Final = "provided"
NOT_HELD: Final = "not-held"
#: The largest answer, as JSON, a provider may give for one item.
MAX_ANSWER_BYTES: Final = 64 * 1024
#: Idempotency keys: printable ASCII without spaces, 8 to 100 characters.
IDEMPOTENCY_KEY: Final = re.compile(r"[!-~]{8,100}")
_SERIAL_LENGTH: Final = 20
#: Random bytes drawn for a serial: at least 5 bits for each of its characters.
_SERIAL_BYTES: Final = 13
_TWELVE_DIGITS: Final = re.compile(r"\d{12}")


def _now() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


def ledger_time(moment: datetime) -> str:
    """Return ``moment`` as the ledger writes times: UTC, to the second, with ``Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_serial() -> str:
    """Return a fresh transaction serial number, e.g. ``TX-4M7Q...`` (20 base32 characters).

    A serial is written into the ledger, which refuses anything holding 12 digits in a row (a
    number guard); the rare random draw that does is drawn again.
    """
    while True:
        drawn = int.from_bytes(secrets.token_bytes(_SERIAL_BYTES))
        serial = "TX-" + "".join(
            ALPHABET[(drawn >> shift) & 0b11111] for shift in range(0, 5 * _SERIAL_LENGTH, 5)
        )
        if not _TWELVE_DIGITS.search(serial):
            return serial


@dataclass(frozen=True, slots=True, kw_only=True)
class ExchangeRequest:
    """What a body asks: about whom (its own code), by which row, which item, from whom."""

    code: str
    row_id: str
    item: str
    provider_id: str
    idempotency_key: str


@dataclass(frozen=True, slots=True)
class Delivery:
    """What the hub sends the provider: the serial, the provider's own code, the item."""

    serial: str
    provider_id: str
    body: dict[str, str]


class ExchangeService:
    """Opens, delivers, completes and hands over exchanges; records refusals."""

    def __init__(
        self,
        session: Session,
        table: PermittedExchanges,
        code_key: bytes,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        """Work in ``session`` under ``table``, translating codes with the hub's ``code_key``."""
        self._session = session
        self._table = table
        self._codes = CodeService(session, code_key, clock)
        self._bodies = BodyRegistry(session, clock)
        self._clock = clock

    def open_many(
        self, requester: Body, staff: Staff, requests: Sequence[ExchangeRequest]
    ) -> list[Exchange | NetworkError]:
        """Open each exchange asked for, or find the one its key names; a refusal in its place.

        A request is refused (:class:`ExchangeRefused` or a more specific network error) when the
        table, the requester's tasks or the code do not allow it, and with
        :class:`IdempotencyConflict` when its key was used for a different request; a key used
        twice in the batch for the same request names one exchange. The lookups are made once
        for the whole batch, so a batch of a thousand costs a handful of queries; a single
        request is a batch of one.
        """
        keys = [request.idempotency_key for request in requests]
        known = {
            exchange.idempotency_key: exchange
            for exchange in self._session.scalars(
                select(Exchange).where(
                    Exchange.requester_id == requester.id, Exchange.idempotency_key.in_(keys)
                )
            )
        }
        translations = self._codes.translations(
            requester.id, [(request.code, request.provider_id) for request in requests]
        )
        registered: dict[str, Decision] = {}
        providers: dict[str, Body] = {}
        opened: list[Exchange | NetworkError] = []
        new: list[Exchange] = []
        for request, translation in zip(requests, translations, strict=True):
            try:
                exchange = self._opened(
                    requester=requester,
                    staff=staff,
                    request=request,
                    translation=translation,
                    known=known,
                    registered=registered,
                    providers=providers,
                )
            except NetworkError as error:
                opened.append(error)
                continue
            if request.idempotency_key not in known:
                known[request.idempotency_key] = exchange
                new.append(exchange)
            opened.append(exchange)
        if new:
            # One INSERT of plain rows: the new exchanges need none of the session's tracking.
            self._session.execute(insert(Exchange), [_row(exchange) for exchange in new])
        return opened

    def _opened(  # noqa: PLR0913 -- one request and what the batch looked up for it
        self,
        *,
        requester: Body,
        staff: Staff,
        request: ExchangeRequest,
        translation: tuple[InstitutionCode, InstitutionCode] | NetworkError,
        known: Mapping[str, Exchange],
        registered: dict[str, Decision],
        providers: dict[str, Body],
    ) -> Exchange:
        """Return the exchange the key already names, or a new one (not yet added); or refuse."""
        key = request.idempotency_key
        if not IDEMPOTENCY_KEY.fullmatch(key):
            msg = (
                "send an Idempotency-Key header of 8 to 100 printable characters without spaces "
                "(a fresh random value per request; the same value when retrying it)"
            )
            raise ExchangeRefused(msg)
        if key in known:
            return self._same_request(known[key], request)
        if request.provider_id not in providers:
            providers[request.provider_id] = self._bodies.body(request.provider_id)
        provider = providers[request.provider_id]
        row = self._table.row(request.row_id)
        decision = self._table.check(
            BodyKind(requester.kind), row.task.id, BodyKind(provider.kind), request.item
        )
        if not decision:
            raise ExchangeRefused(decision.reason)
        if row.task.id not in registered:
            registered[row.task.id] = self._bodies.may_perform(requester, row.task.id)
        if not registered[row.task.id]:
            raise ExchangeRefused(registered[row.task.id].reason)
        if isinstance(translation, NetworkError):
            raise translation
        own, theirs = translation
        return Exchange(
            serial=new_serial(),
            requester_id=requester.id,
            staff_id=staff.staff_id,
            idempotency_key=key,
            row_id=row.id,
            item=request.item,
            provider_id=provider.id,
            requester_code=own.code,
            provider_code=theirs.code,
            disclosure_code=own.disclosure_code,
            status=PENDING,
            requested_at=self._clock(),
            attempts=0,
        )

    def delivery(self, exchange: Exchange) -> Delivery:
        """Return what to send the provider of a pending exchange."""
        row = self._table.row(exchange.row_id)
        return Delivery(
            serial=exchange.serial,
            provider_id=exchange.provider_id,
            body={
                "serial": exchange.serial,
                "code": exchange.provider_code,
                "item": exchange.item,
                "row": row.id,
                "task": row.task.id,
                "requester": exchange.requester_id,
            },
        )

    def attempts_failed(self, serials: Sequence[str], reason: str) -> None:
        """Count a failed try of the provider for each of ``serials`` still pending."""
        for exchange in self.locked(serials):
            if exchange.status == PENDING:
                exchange.attempts += 1
                exchange.last_error = reason[:500]

    def complete_many(
        self, answers: Mapping[str, Mapping[str, Any]], ledger: LedgerService
    ) -> dict[str, Exchange | NetworkError]:
        """Record the providers' answers by serial, appending all their entries at once.

        Each exchange gets its ledger entry -- the batch's entries in one append, in the order
        of ``answers`` -- and is marked completed in the caller's transaction, so either both
        are written or neither (fail closed). An exchange already completed (a retry that
        crossed a slow answer) is left as it is. A malformed answer counts as a failed try of its
        exchange, which stays pending, and is answered as :class:`ProviderAnswerRefused` in its
        place; a serial the hub does not know is left out.
        """
        now = self._clock()
        done: dict[str, Exchange | NetworkError] = {}
        completing: list[tuple[Exchange, str, str]] = []
        locked = {exchange.serial: exchange for exchange in self.locked(list(answers))}
        for exchange in (locked[serial] for serial in answers if serial in locked):
            done[exchange.serial] = exchange
            if exchange.status == COMPLETED:
                continue
            try:
                outcome, stored = _checked_answer(answers[exchange.serial])
            except ProviderAnswerRefused as refused:
                exchange.attempts += 1
                exchange.last_error = str(refused)
                done[exchange.serial] = refused
                continue
            completing.append((exchange, outcome, stored))
        entries = [self._entry(exchange, outcome, now) for exchange, outcome, _ in completing]
        for (exchange, outcome, stored), appended in zip(
            completing, ledger.append_many(entries), strict=True
        ):
            exchange.attempts += 1
            exchange.status = COMPLETED
            exchange.outcome = outcome
            exchange.answer = stored
            exchange.completed_at = now
            exchange.ledger_index = appended.index
            exchange.last_error = None
        return done

    def collect(self, exchange: Exchange) -> dict[str, Any] | None:
        """Hand the answer of a completed exchange over once; the hub keeps no copy after."""
        if exchange.status != COMPLETED or exchange.answer is None:
            return None
        answer: dict[str, Any] = json.loads(exchange.answer)
        exchange.answer = None
        exchange.collected_at = self._clock()
        return answer

    def exchanges(self, serials: Sequence[str], requester_id: str) -> list[Exchange | NetworkError]:
        """Return the exchanges ``serials`` of ``requester_id``, each not found in its place."""
        found = {exchange.serial: exchange for exchange in self.locked(serials)}
        mine: list[Exchange | NetworkError] = []
        for serial in serials:
            try:
                mine.append(_of_requester(found.get(serial), serial, requester_id))
            except ExchangeNotFound as error:
                mine.append(error)
        return mine

    def locked(self, serials: Sequence[str]) -> list[Exchange]:
        """Return the exchanges ``serials`` there are, locked for update, in the order of serial.

        Taking the locks in one order keeps two batches that share exchanges from deadlocking.
        """
        query = (
            select(Exchange)
            .where(Exchange.serial.in_(set(serials)))
            .order_by(Exchange.serial)
            .with_for_update()
        )
        return list(self._session.scalars(query))

    def _entry(self, exchange: Exchange, outcome: str, now: datetime) -> dict[str, object]:
        """Return the ledger entry of ``exchange`` completed with ``outcome`` at ``now``."""
        row = self._table.row(exchange.row_id)
        return {
            "kind": "exchange",
            "disclosure_code": exchange.disclosure_code,
            "at": ledger_time(now),
            "serial": exchange.serial,
            "requester": exchange.requester_id,
            "staff": exchange.staff_id,
            "task": row.task.id,
            "row": row.id,
            "item": exchange.item,
            "provider": exchange.provider_id,
            "outcome": outcome,
        }

    def record_refusal(
        self,
        error: NetworkError,
        *,
        requester: Body | None,
        staff_id: str | None,
        request: ExchangeRequest | None,
        ledger: LedgerService,
    ) -> NetworkRefusal:
        """Record a refused request; in the ledger too when its code names a person.

        The code is looked up as sent: a code belonging to another body is recorded under its
        person's disclosure code, so the person sees the attempt, while the answer to the
        requester says nothing about whose code it was.
        """
        now = self._clock()
        refusal = NetworkRefusal(
            at=now,
            body_id=None if requester is None else requester.id,
            staff_id=staff_id,
            action="exchange",
            code=error.code,
            reason=str(error)[:1000],
        )
        person = None if request is None else self._person(request.code)
        if person is not None and requester is not None and request is not None:
            appended = ledger.append(
                {
                    "kind": "exchange-refused",
                    "disclosure_code": person.disclosure_code,
                    "at": ledger_time(now),
                    "requester": requester.id,
                    "staff": staff_id or "",
                    "row": request.row_id[:100],
                    "item": request.item[:100],
                    "provider": request.provider_id[:64],
                    "refusal": error.code,
                }
            )
            refusal.ledger_index = appended.index
        self._session.add(refusal)
        self._session.flush()
        return refusal

    def _person(self, code: str) -> InstitutionCode | None:
        """Return the mapping of a well-formed code, if the hub issued it to anyone."""
        if not is_well_formed_code(code):
            return None
        return self._session.scalar(select(InstitutionCode).where(InstitutionCode.code == code))

    def _same_request(self, existing: Exchange, request: ExchangeRequest) -> Exchange:
        """Return ``existing`` if ``request`` asks the same; refuse a reused key otherwise."""
        asked = (request.row_id, request.item, request.provider_id, request.code)
        if asked != (existing.row_id, existing.item, existing.provider_id, existing.requester_code):
            msg = (
                f"the idempotency key was already used for exchange {existing.serial}, which asked "
                "for something else: use a fresh key for a new request"
            )
            raise IdempotencyConflict(msg)
        return existing


_COLUMNS: Final = tuple(column.key for column in Exchange.__table__.columns)


def _row(exchange: Exchange) -> dict[str, Any]:
    """Return a new exchange's columns, for a bulk insert."""
    return {column: getattr(exchange, column) for column in _COLUMNS}


def _of_requester(exchange: Exchange | None, serial: str, requester_id: str) -> Exchange:
    """Return ``exchange`` if it is ``requester_id``'s; another body's is not found."""
    if exchange is None or exchange.requester_id != requester_id:
        msg = f"{requester_id} has no exchange {serial!r}: check the serial number"
        raise ExchangeNotFound(msg)
    return exchange


def _checked_answer(answer: Mapping[str, Any]) -> tuple[str, str]:
    """Return the outcome and the stored JSON of a provider's answer, or refuse it."""
    held, data = answer.get("held"), answer.get("data")
    if not isinstance(held, bool) or (held and not isinstance(data, dict)):
        msg = "the provider's answer must say `held` (true or false) and give `data` as an object"
        raise ProviderAnswerRefused(msg)
    stored = json.dumps({"held": held, "data": data if held else None}, ensure_ascii=False)
    if len(stored.encode("utf-8")) > MAX_ANSWER_BYTES:
        msg = f"the provider's answer is larger than {MAX_ANSWER_BYTES} bytes"
        raise ProviderAnswerRefused(msg)
    return (PROVIDED if held else NOT_HELD), stored
