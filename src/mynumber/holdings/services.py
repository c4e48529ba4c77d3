"""Number holdings on the registry: collect with a receipt, list the holders, delete when due.

:class:`HoldingService` records that a body holds a person's number (SPEC.md 4; DESIGN.md flow 3)
only when all of these hold, checked in this order:

1. the hub authenticated the body's API key and an active member of its staff
   (:meth:`HoldingService.authenticate`);
2. a body of its kind may collect a number for the task
   (:func:`mynumber.network.bodies.may_collect`, 番号法 第15条, 第19条, 第20条) and the body is
   registered at the hub for it;
3. the identity receipt (番号確認・身元確認, 第16条) is redeemed: issued to this body for this
   number, unused and unexpired (:meth:`mynumber.cards.identity.IdentityService.redeem`);
4. the body does not already hold the number for the task;
5. the hub issued the body's code and appended the collection to its ledger.

Then the holding is stored, in the caller's transaction, which spans the hub's call: if the hub
cannot be reached or refuses, the caller rolls back and the receipt stays unredeemed (fail closed).
The hub records first and the registry commits after; a registry that fails between the two leaves
a ledger entry of a collection it did not store -- a visible false alarm, never a hidden holding.

A refusal raises; the caller records it in a transaction of its own with
:meth:`HoldingService.record_refusal`, at the registry always and in the hub's ledger when the
number presented is someone's current number on this register. The refusal's message is kept with
anything like a number masked; the ledger gets only its code.

At the end of the retention (:mod:`mynumber.holdings.retention`) :meth:`HoldingService.expire`
deletes the holding with a signed receipt (:mod:`mynumber.holdings.receipts`) and has the deletion
entered in the ledger. The service never commits; :mod:`mynumber.holdings.records` reads the
holder lists.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Final

from sqlalchemy import select

from mynumber.cards.identity import IdentityRefused, canonical
from mynumber.cards.models import IdentityReceipt
from mynumber.cards.registry import identity_service, register_service
from mynumber.errors import MyNumberError
from mynumber.holdings.exceptions import (
    AlreadyHeld,
    CollectionRefused,
    MalformedCollection,
    NumberLocked,
    ReceiptRefused,
)
from mynumber.holdings.models import CollectionRefusal, NumberHolding, NumberLock
from mynumber.holdings.receipts import Deletion, reference, sign_deletion
from mynumber.holdings.retention import default_retention
from mynumber.network.bodies import TASKS, may_collect, parse_body_kind
from mynumber.network.collections import Collection, HoldingDeletion, Refusal
from mynumber.network.service_exceptions import AuthenticationRefused
from mynumber.network.services import STAFF_ID_LENGTH
from mynumber.numbers import individual
from mynumber.numbers.exceptions import InvalidNumber
from mynumber.register.exceptions import ResidentNotFound
from mynumber.register.models import Resident
from mynumber.settings import ConfigurationError

if TYPE_CHECKING:
    from collections.abc import Callable

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from sqlalchemy.orm import Session

    from mynumber.cards.identity import IdentityService
    from mynumber.holdings.interfaces import AuthenticatedBody, HubPort
    from mynumber.keys import NodeKeys
    from mynumber.register.services import RegisterService

#: The longest API key the registry passes on to the hub.
API_KEY_LENGTH: Final = 200
#: Eleven to thirteen digits in a row, maybe in groups: what a stored message never shows.
_NUMBER_LIKE: Final = re.compile(r"(?<!\d)\d{3,4}[ \-]?\d{4}[ \-]?\d{4,5}(?!\d)")
_INVALID_NUMBER: Final = "the number given is not a valid Individual Number"

_log = logging.getLogger(__name__)


def _now() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True, kw_only=True)
class CollectionAttempt:
    """What a body sends to record a collection: the number, its receipt, the task, the end."""

    number: str
    receipt_id: str
    task: str
    #: The last day the body will keep the number; None takes the task's default retention.
    retention_until: date | None = None


def receipt_reference(receipt: IdentityReceipt) -> str:
    """Return the SHA-256 (hex) of an identity receipt's signed content: how the ledger cites it."""
    return hashlib.sha256(canonical(receipt.signed["receipt"])).hexdigest()


def masked(text: str) -> str:
    """Return ``text`` with every run of digits that could be a number hidden.

    >>> masked("X-Staff 6214 9832 0257 and 62149832025")
    'X-Staff **** and ****'
    """
    return _NUMBER_LIKE.sub("****", unicodedata.normalize("NFKC", text))


def _check_number(number: str) -> None:
    """Refuse a number that is not a valid Individual Number, without repeating it."""
    try:
        individual.validate(number)
    except InvalidNumber as exc:
        msg = f"number: {masked(str(exc))}"
        raise MalformedCollection(msg) from exc


def _clip(text: str | None, length: int) -> str | None:
    """Return ``text`` masked and cut to ``length`` characters, or None."""
    return None if text is None else masked(text)[:length]


class HoldingService:
    """Collections, refusals and deletions of number holdings, over the caller's session."""

    def __init__(  # noqa: PLR0913 -- each collaborator is one the holdings need
        self,
        session: Session,
        *,
        identity: IdentityService,
        register: RegisterService,
        hub: HubPort,
        receipt_key: Ed25519PrivateKey,
        issuer: str,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        """Work in ``session``; redeem with ``identity``, find people with ``register``.

        Deletion receipts are signed with ``receipt_key`` in the name of ``issuer`` (this
        registry node's id).
        """
        self._session = session
        self._identity = identity
        self._register = register
        self._hub = hub
        self._receipt_key = receipt_key
        self._issuer = issuer
        self._clock = clock

    @property
    def register(self) -> RegisterService:
        """The register the holdings find people in."""
        return self._register

    def authenticate(self, api_key: str | None, staff: str | None) -> AuthenticatedBody:
        """Return the body the hub authenticates by its API key and active staff member."""
        if not api_key or len(api_key) > API_KEY_LENGTH:
            msg = "send the API key your body was given, as `Authorization: Bearer <key>`"
            raise AuthenticationRefused(msg)
        if not (staff or "").strip() or len(staff or "") > STAFF_ID_LENGTH:
            msg = (
                "say which member of the body's staff makes this request, in the X-Staff header "
                f"(a staff id of at most {STAFF_ID_LENGTH} characters): every request must"
            )
            raise AuthenticationRefused(msg)
        return self._hub.authenticate(api_key, (staff or "").strip())

    def collect(self, body: AuthenticatedBody, attempt: CollectionAttempt) -> NumberHolding:
        """Record that ``body`` holds the number ``attempt`` presents; return the holding."""
        self._check_task(body, attempt.task)
        _check_number(attempt.number)
        receipt = self._redeem(body, attempt)
        resident = self._session.get(Resident, receipt.resident_id)
        if resident is None:  # pragma: no cover -- a foreign key holds the receipt to it
            msg = f"receipt {receipt.receipt_id} names no resident of this register"
            raise CollectionRefused(msg)
        if self._session.get(NumberLock, resident.id) is not None:
            msg = (
                "the holder of this number has locked it at the portal: no body may collect it "
                "until they unlock it with their card; ask them"
            )
            raise NumberLocked(msg)
        self._refuse_if_held(resident, body, attempt.task)
        now = self._clock()
        retention = self._retention(attempt, now.date())
        recorded = self._hub.record_collection(
            Collection(
                resident_record_code=resident.resident_record_code,
                body_id=body.id,
                staff=body.staff,
                task=attempt.task,
                method=receipt.method,
                retention_until=retention,
                receipt=receipt_reference(receipt),
            )
        )
        holding = NumberHolding(
            resident_id=resident.id,
            body_id=body.id,
            body_name_en=body.name_en,
            body_name_ja=body.name_ja,
            body_kind=body.kind,
            task=attempt.task,
            staff=body.staff,
            method=receipt.method,
            collected_at=now,
            retention_until=retention,
            receipt_id=receipt.receipt_id,
            code=recorded.code,
            ledger_index=recorded.ledger_index,
        )
        self._session.add(holding)
        self._session.flush()
        return holding

    def code_of(self, body: AuthenticatedBody, number: str) -> NumberHolding:
        """Return a live holding of ``body`` for the person whose number this is, or refuse.

        The body's code for the person is on it: a body gets its code by presenting a number it
        holds. A number of no one and a number the body does not hold are refused alike.
        """
        resident = self._person(number)
        holding = None
        if resident is not None:
            holding = self._session.scalar(
                select(NumberHolding)
                .where(
                    NumberHolding.resident_id == resident.id,
                    NumberHolding.body_id == body.id,
                    NumberHolding.deleted_at.is_(None),
                )
                .order_by(NumberHolding.id)
                .limit(1)
            )
        if holding is None:
            msg = (
                f"{body.name_en} ({body.id}) holds no number of this person: record the "
                "collection with an identity receipt first (POST /api/holdings)"
            )
            raise CollectionRefused(msg)
        return holding

    def expire(self, today: date, *, limit: int | None = None) -> list[NumberHolding]:
        """Delete every live holding whose retention ended before ``today``; return them.

        Each gets a signed deletion receipt and a ``holding-deleted`` ledger entry; if the hub
        does not record one, this raises and the caller's transaction deletes none. ``limit``
        deletes at most that many (the oldest first), for callers that commit one at a time.
        """
        query = (
            select(NumberHolding)
            .where(NumberHolding.deleted_at.is_(None), NumberHolding.retention_until < today)
            .order_by(NumberHolding.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        due = list(self._session.scalars(query))
        for holding in due:
            self._delete(holding)
        self._session.flush()
        return due

    def record_refusal(
        self,
        error: MyNumberError,
        *,
        body: AuthenticatedBody | None,
        staff: str | None,
        number: str | None,
        task: str | None,
    ) -> CollectionRefusal:
        """Record a refused request at the registry, and in the ledger if it names a person.

        ``body`` is the body the hub authenticated, if it did; ``staff``, ``number`` and
        ``task`` are what the request said. If the hub does not record the refusal, the
        registry's own record stands without a ledger index.
        """
        resident = self._person(number)
        index = None
        if resident is not None:
            refusal = Refusal(
                resident_record_code=resident.resident_record_code,
                body_id=None if body is None else body.id,
                staff=None if body is None else body.staff,
                task=task if task in TASKS else None,
                reason=error.code,
            )
            try:
                index = self._hub.record_refusal(refusal)
            except MyNumberError:  # the registry's own record stands whatever the hub does
                _log.warning("the hub did not record a refused collection", exc_info=True)
        row = CollectionRefusal(
            resident_id=None if resident is None else resident.id,
            body_id=None if body is None else body.id,
            staff=_clip(staff, STAFF_ID_LENGTH),
            task=_clip(task, 100),
            code=error.code[:64],
            reason=masked(_INVALID_NUMBER if isinstance(error, InvalidNumber) else str(error))[
                :1000
            ],
            at=self._clock(),
            ledger_index=index,
        )
        self._session.add(row)
        self._session.flush()
        return row

    def _check_task(self, body: AuthenticatedBody, task: str) -> None:
        """Refuse a task the body's kind may not perform, or the body is not registered for."""
        decision = may_collect(parse_body_kind(body.kind), task)
        if not decision:
            raise CollectionRefused(decision.reason)
        if task not in body.tasks:
            msg = (
                f"{body.name_en} ({body.id}) is not registered at the hub for "
                f"'{TASKS[task].name_en}' ({task}): register the task for it first"
            )
            raise CollectionRefused(msg)

    def _redeem(self, body: AuthenticatedBody, attempt: CollectionAttempt) -> IdentityReceipt:
        """Redeem the attempt's receipt for ``body`` and the number, holding it until commit."""
        # Lock the receipt row (PostgreSQL) so a second request with it waits, then finds it used.
        self._session.execute(
            select(IdentityReceipt.id)
            .where(IdentityReceipt.receipt_id == attempt.receipt_id)
            .with_for_update()
        )
        try:
            receipt = self._identity.redeem(attempt.receipt_id, body=body.id, number=attempt.number)
        except IdentityRefused as exc:
            raise ReceiptRefused(str(exc)) from exc
        self._session.flush()
        return receipt

    def _refuse_if_held(self, resident: Resident, body: AuthenticatedBody, task: str) -> None:
        """Refuse a second live holding of the same number by the same body for the same task."""
        held = self._session.scalar(
            select(NumberHolding).where(
                NumberHolding.resident_id == resident.id,
                NumberHolding.body_id == body.id,
                NumberHolding.task == task,
                NumberHolding.deleted_at.is_(None),
            )
        )
        if held is not None:
            msg = (
                f"{body.id} holds this number for {task} since {held.collected_at:%Y-%m-%d}, "
                f"until {held.retention_until}: it needs no new collection"
            )
            raise AlreadyHeld(msg)

    def _retention(self, attempt: CollectionAttempt, today: date) -> date:
        """Return the retention asked for, or the task's default; refuse one already over."""
        if attempt.retention_until is None:
            return default_retention(attempt.task, today)
        if attempt.retention_until < today:
            msg = (
                f"retention_until {attempt.retention_until} is before today ({today}): give the "
                "last day the body will keep the number, or leave it out for the task's default"
            )
            raise MalformedCollection(msg)
        return attempt.retention_until

    def _delete(self, holding: NumberHolding) -> None:
        """Delete ``holding`` with a signed receipt, entered in the ledger first."""
        now = self._clock()
        collected = self._session.scalar(
            select(IdentityReceipt).where(IdentityReceipt.receipt_id == holding.receipt_id)
        )
        signed = sign_deletion(
            Deletion(
                receipt_id=secrets.token_hex(16),
                issuer=self._issuer,
                holding=holding.id,
                body=holding.body_id,
                task=holding.task,
                collected_at=holding.collected_at,
                retention_until=holding.retention_until,
                deleted_at=now,
                collection_receipt="" if collected is None else receipt_reference(collected),
            ),
            self._receipt_key,
        )
        self._hub.record_deletion(
            HoldingDeletion(
                resident_record_code=holding.resident.resident_record_code,
                body_id=holding.body_id,
                task=holding.task,
                deletion_receipt=reference(signed["receipt"]),
            )
        )
        holding.deleted_at = now
        holding.deletion_receipt = signed

    def _person(self, number: str | None) -> Resident | None:
        """Return the resident whose current number ``number`` is, if it is anyone's."""
        if not number:
            return None
        try:
            return self._register.find_by_number(number)
        except (InvalidNumber, ResidentNotFound):
            return None


def holding_service(
    session: Session,
    keys: NodeKeys,
    base_url: str,
    hub: HubPort,
    *,
    clock: Callable[[], datetime] = _now,
) -> HoldingService:
    """Return the holdings of the registry answering at ``base_url``, calling ``hub``."""
    if keys.jpki is None:
        msg = f"node {keys.node_id!r} holds no receipt key: holdings are kept by the registry"
        raise ConfigurationError(msg)
    return HoldingService(
        session,
        identity=identity_service(session, keys, base_url),
        register=register_service(session, keys, base_url),
        hub=hub,
        receipt_key=keys.jpki.receipt_signing,
        issuer=keys.node_id,
        clock=clock,
    )
