"""Collections of numbers as the hub records them: the body's code and the ledger entry.

A body collects a person's number through the registry, which checks the body, the task and the
identity receipt, and then has the hub record the collection here (SPEC.md 4; DESIGN.md flow 3):
the hub issues the body's code for the person (機関別符号, :class:`CodeService`) and appends a
``collection`` entry to the ledger under the person's disclosure code (開示システム用符号), in the
caller's transaction -- if the entry cannot be written, the code is not issued either and the
registry stores nothing (fail closed). A refused collection that names a person is appended as
``collection-refused``; a holding deleted at the end of its retention as ``holding-deleted``.

Entries carry the body, its staff member, the task, and references (SHA-256, hexadecimal) to the
registry's receipts, never a number nor a resident record code::

    {"kind": "collection", "disclosure_code": "...", "at": "2026-11-26T00:30:00Z",
     "body": "employer-kasumi-seiki", "staff": "clerk-1", "task": "employer:withholding-slip",
     "method": "card", "retention_until": "2033-11-26", "receipt": "<sha-256 hex>"}

The hub checks again what it can check itself -- the body exists and may perform the task -- and
trusts the registry, the only caller of these methods, for the rest. The service works in the
caller's session and never commits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Final

from mynumber.network.bodies import TASKS
from mynumber.network.codes import derive_disclosure_code
from mynumber.network.exceptions import NetworkError
from mynumber.network.services import STAFF_ID_LENGTH, BodyRegistry, CodeService

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from sqlalchemy.orm import Session

    from mynumber.ledger.services import LedgerService

#: How a collection's identity check was made.
METHODS: Final = frozenset({"card", "documents"})
#: A reference to a registry receipt: the SHA-256 of its canonical content, lowercase hex.
RECEIPT_REFERENCE: Final = re.compile(r"[0-9a-f]{64}")
#: The longest reason a refusal entry carries.
REASON_LENGTH: Final = 200


class CollectionNotPermitted(NetworkError):
    """The body may not hold a number for that task, so the hub records no collection of it."""

    code = "collection-not-permitted"


class InvalidCollectionRecord(NetworkError, ValueError):
    """A collection, refusal or deletion sent to the hub with a field of the wrong form."""

    code = "invalid-collection-record"


@dataclass(frozen=True, slots=True, kw_only=True)
class Collection:
    """A collection the registry confirmed: whose number, by which body and staff member, why."""

    resident_record_code: str
    body_id: str
    staff: str
    task: str
    #: ``card`` or ``documents``.
    method: str
    retention_until: date
    #: The reference of the identity receipt redeemed.
    receipt: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Refusal:
    """A refused collection: the person if the number was someone's, the body if authenticated."""

    resident_record_code: str | None
    body_id: str | None
    staff: str | None
    #: A task id the law lists, or None when the request named none of them.
    task: str | None
    #: The refusal's problem code, e.g. ``collection-refused``.
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class HoldingDeletion:
    """A holding the registry deleted at the end of its retention."""

    resident_record_code: str
    body_id: str
    task: str
    #: The reference of the signed deletion receipt.
    deletion_receipt: str


@dataclass(frozen=True, slots=True)
class RecordedCollection:
    """The body's code for the person, and where the collection went in the ledger."""

    code: str
    ledger_index: int


def _now() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


def _ledger_time(moment: datetime) -> str:
    """Return ``moment`` as the ledger writes times: UTC, to the second, with ``Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _reference(value: str, what: str) -> str:
    """Return ``value`` if it is a receipt reference, else refuse it."""
    if not RECEIPT_REFERENCE.fullmatch(value):
        msg = f"the {what} is the SHA-256 of the receipt's content in 64 lowercase hex digits"
        raise InvalidCollectionRecord(msg)
    return value


def _staff(value: str) -> str:
    """Return the staff id stripped, refusing an empty or overlong one."""
    value = value.strip()
    if not 1 <= len(value) <= STAFF_ID_LENGTH:
        msg = f"name the body's staff member: a staff id of 1 to {STAFF_ID_LENGTH} characters"
        raise InvalidCollectionRecord(msg)
    return value


class CollectionService:
    """Records collections, refused collections and deleted holdings in the hub's ledger."""

    def __init__(
        self,
        session: Session,
        code_key: bytes,
        ledger: LedgerService,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        """Work in ``session`` with the hub's ``code_key``, appending to ``ledger``."""
        self._session = session
        self._key = code_key
        self._ledger = ledger
        self._bodies = BodyRegistry(session, clock)
        self._codes = CodeService(session, code_key, clock)
        self._clock = clock

    def record_collection(self, collection: Collection) -> RecordedCollection:
        """Issue the body's code for the person and append the ``collection`` entry.

        Raises :class:`CollectionNotPermitted` when the body may not perform the task (or is
        not registered for it); the caller's transaction then writes nothing.
        """
        body = self._bodies.body(collection.body_id)
        decision = self._bodies.may_perform(body, collection.task)
        if not decision:
            raise CollectionNotPermitted(decision.reason)
        if collection.method not in METHODS:
            msg = f"the method is one of {', '.join(sorted(METHODS))}"
            raise InvalidCollectionRecord(msg)
        receipt = _reference(collection.receipt, "receipt")
        staff = _staff(collection.staff)
        code = self._codes.issue_code(collection.resident_record_code, body.id)
        index = self._append(
            "collection",
            collection.resident_record_code,
            {
                "body": body.id,
                "staff": staff,
                "task": collection.task,
                "method": collection.method,
                "retention_until": collection.retention_until.isoformat(),
                "receipt": receipt,
            },
        )
        return RecordedCollection(code, index)

    def record_refusal(self, refusal: Refusal) -> int | None:
        """Append a ``collection-refused`` entry if the refusal names a person; return its index.

        A refusal that names no one has no one to show it to: the registry keeps it, the ledger
        does not, and None is returned.
        """
        if refusal.task is not None and refusal.task not in TASKS:
            msg = "a refusal names a task the law lists, or none"
            raise InvalidCollectionRecord(msg)
        reason = refusal.reason.strip()
        if not 1 <= len(reason) <= REASON_LENGTH:
            msg = f"give the refusal's reason in 1 to {REASON_LENGTH} characters"
            raise InvalidCollectionRecord(msg)
        body = None if refusal.body_id is None else self._bodies.body(refusal.body_id).id
        staff = None if refusal.staff is None else _staff(refusal.staff)
        if refusal.resident_record_code is None:
            return None
        return self._append(
            "collection-refused",
            refusal.resident_record_code,
            {"body": body, "staff": staff, "task": refusal.task, "reason": reason},
        )

    def record_deletion(self, deletion: HoldingDeletion) -> int:
        """Append the ``holding-deleted`` entry of a holding deleted at the end of its retention."""
        body = self._bodies.body(deletion.body_id)
        if deletion.task not in TASKS:
            msg = f"{deletion.task!r} is not a task the law lists"
            raise InvalidCollectionRecord(msg)
        return self._append(
            "holding-deleted",
            deletion.resident_record_code,
            {
                "body": body.id,
                "task": deletion.task,
                "deletion_receipt": _reference(deletion.deletion_receipt, "deletion receipt"),
            },
        )

    def _append(self, kind: str, resident_record_code: str, members: Mapping[str, object]) -> int:
        """Append an entry of ``kind`` about the person; return its index in the ledger."""
        entry = {
            "kind": kind,
            "disclosure_code": derive_disclosure_code(self._key, resident_record_code),
            "at": _ledger_time(self._clock()),
            **members,
        }
        return self._ledger.append(entry).index
