"""The hub's register of bodies (機関) and its per-body codes (機関別符号), over a session.

:class:`BodyRegistry` registers the bodies of the network with the tasks their kind may perform,
their staff and their API keys (shown once; only the SHA-256 is kept, as
:mod:`mynumber.cards.relying_parties` does with tokens), and authenticates a request: a body's key
*and* an active member of that body's staff. :class:`CodeService` issues a person's code at a body
(the same code every time), translates one body's code into another's, and keeps each mapping
under the person's keyed reference (:mod:`mynumber.network.references`), never a number or a
resident record code. Both work in the caller's session and never commit.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from mynumber.network.bodies import (
    TASKS,
    BodyKind,
    Decision,
    get_task,
    may_collect,
    parse_body_kind,
    tasks_for,
)
from mynumber.network.codes import (
    derive_disclosure_code,
    derive_institution_code,
    is_well_formed_code,
    validate_code,
)
from mynumber.network.exceptions import NetworkError
from mynumber.network.models import Body, BodyCredential, BodyTask, InstitutionCode, Staff
from mynumber.network.references import person_reference
from mynumber.network.service_exceptions import (
    AuthenticationRefused,
    BodyNotFound,
    BodyRefused,
    CodeNotIssued,
    CodeRefused,
    DuplicateBody,
    DuplicateStaff,
)
from mynumber.numbers import corporate
from mynumber.numbers.exceptions import InvalidNumber

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from sqlalchemy.orm import Session

    from mynumber.network.profiles import BodyApplication

#: Body ids are node ids: lower-case letters, digits and inner hyphens, at most 64 characters.
BODY_ID: Final = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")
#: The longest names and staff fields the register keeps.
NAME_LENGTH: Final = 200
ROLE_LENGTH: Final = 100
STAFF_ID_LENGTH: Final = 64
_API_KEY_BYTES: Final = 32


_TWELVE_DIGITS: Final = re.compile(r"\d{12}")


def _now() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


def hash_api_key(api_key: str) -> str:
    """Return the SHA-256 of an API key, in hexadecimal: all the hub keeps of it."""
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()


def _text(value: str, what: str, limit: int) -> str:
    """Return ``value`` stripped, refusing it empty or longer than ``limit`` characters."""
    value = value.strip()
    if not value:
        msg = f"give the {what}: it may not be empty"
        raise BodyRefused(msg)
    if len(value) > limit:
        msg = f"the {what} has {len(value)} characters; it may have at most {limit}"
        raise BodyRefused(msg)
    return value


class BodyRegistry:
    """The bodies registered on the network, their tasks, staff and API keys."""

    def __init__(self, session: Session, clock: Callable[[], datetime] = _now) -> None:
        """Work in ``session``; ``clock`` dates registrations."""
        self._session = session
        self._clock = clock

    def register_body(
        self, application: BodyApplication, *, registered_by: str
    ) -> tuple[Body, str]:
        """Register a body; return it and its first API key (shown this once, never kept)."""
        kind = parse_body_kind(application.kind)
        body_id = _body_id(application.id)
        try:
            number = corporate.validate(application.corporate_number)
        except InvalidNumber as exc:
            msg = f"the corporate number (法人番号) of {body_id} is not valid: {exc}"
            raise BodyRefused(msg) from exc
        tasks = _tasks_of_kind(kind, application.tasks)
        if self._session.get(Body, body_id) is not None:
            msg = f"a body is already registered as {body_id!r}; choose another id"
            raise DuplicateBody(msg)
        body = Body(
            id=body_id,
            corporate_number=number,
            name_ja=_text(application.name_ja, "Japanese name", NAME_LENGTH),
            name_en=_text(application.name_en, "English name", NAME_LENGTH),
            kind=kind.value,
            category=kind.category.value,
            registered_at=self._clock(),
            registered_by=_text(registered_by, "operator's name", ROLE_LENGTH),
        )
        self._session.add(body)
        self._session.add_all(BodyTask(body_id=body_id, task_id=task) for task in tasks)
        self._session.flush()
        return body, self.issue_api_key(body)

    def issue_api_key(self, body: Body) -> str:
        """Make a new API key for ``body``; return it (shown this once, only its hash is kept)."""
        api_key = secrets.token_urlsafe(_API_KEY_BYTES)
        self._session.add(
            BodyCredential(body_id=body.id, key_hash=hash_api_key(api_key), issued_at=self._clock())
        )
        self._session.flush()
        return api_key

    def body(self, body_id: str) -> Body:
        """Return the body registered as ``body_id``, or raise :class:`BodyNotFound`."""
        body = self._session.get(Body, body_id)
        if body is None:
            msg = f"no body is registered as {body_id!r}; check the id, or register the body"
            raise BodyNotFound(msg)
        return body

    def tasks(self, body: Body) -> tuple[str, ...]:
        """Return the ids of the tasks ``body`` is registered for, in the order of ``TASKS``."""
        rows = set(
            self._session.scalars(select(BodyTask.task_id).where(BodyTask.body_id == body.id))
        )
        return tuple(task for task in TASKS if task in rows)

    def add_staff(
        self, body_id: str, staff_id: str, name: str, role: str, *, added_by: str
    ) -> Staff:
        """Add an active member ``staff_id`` to the staff of body ``body_id``."""
        body = self.body(body_id)
        staff_id = _text(staff_id, "staff id", STAFF_ID_LENGTH)
        if _TWELVE_DIGITS.search(staff_id):
            msg = (
                "a staff id may not hold 12 digits in a row: the ledger records who acted and "
                "refuses anything that could be an Individual Number; use an employee code"
            )
            raise BodyRefused(msg)
        if self._staff(body.id, staff_id) is not None:
            msg = f"{body.id} already has a staff member {staff_id!r}; choose another staff id"
            raise DuplicateStaff(msg)
        member = Staff(
            body_id=body.id,
            staff_id=staff_id,
            name=_text(name, "staff member's name", NAME_LENGTH),
            role=_text(role, "staff member's role", ROLE_LENGTH),
            active=True,
            added_at=self._clock(),
            added_by=_text(added_by, "operator's name", ROLE_LENGTH),
        )
        self._session.add(member)
        self._session.flush()
        return member

    def deactivate_staff(self, body_id: str, staff_id: str) -> Staff:
        """Mark a staff member as gone: their requests are refused from now on."""
        member = self._staff(self.body(body_id).id, staff_id)
        if member is None:
            msg = f"{body_id} has no staff member {staff_id!r}"
            raise BodyNotFound(msg)
        member.active = False
        self._session.flush()
        return member

    def authenticate(self, api_key: str | None, staff_id: str | None) -> tuple[Body, Staff]:
        """Return the body whose API key this is and its active staff member ``staff_id``."""
        credential = None
        if api_key:
            credential = self._session.scalar(
                select(BodyCredential).where(BodyCredential.key_hash == hash_api_key(api_key))
            )
        if credential is None:
            msg = "the API key is not one the hub issued: send the key your body was given"
            raise AuthenticationRefused(msg)
        body = self.body(credential.body_id)
        if not (staff_id or "").strip():
            msg = f"say which member of the staff of {body.id} makes this request: every one must"
            raise AuthenticationRefused(msg)
        member = self._staff(body.id, (staff_id or "").strip())
        if member is None:
            msg = f"{staff_id!r} is not on the staff of {body.id}; name one of its own staff"
            raise AuthenticationRefused(msg)
        if not member.active:
            msg = f"staff member {staff_id!r} of {body.id} is no longer active; ask another"
            raise AuthenticationRefused(msg)
        return body, member

    def may_perform(self, body: Body, task_id: str) -> Decision:
        """Say whether ``body`` may act for the task ``task_id``, with the reason."""
        kind = BodyKind(body.kind)
        decision = may_collect(kind, task_id)
        if not decision:
            return decision
        if task_id not in self.tasks(body):
            task = TASKS[task_id]
            return Decision(
                allowed=False,
                reason=f"{body.name_en} ({body.id}) is not registered for '{task.name_en}' "
                f"({task.id}): register the task for it first",
            )
        return decision

    def _staff(self, body_id: str, staff_id: str) -> Staff | None:
        """Return the staff member ``staff_id`` of body ``body_id``, if there is one."""
        return self._session.scalar(
            select(Staff).where(Staff.body_id == body_id, Staff.staff_id == staff_id)
        )


def _body_id(text: str) -> str:
    """Return ``text`` if it can name a body (a node id), else raise :class:`BodyRefused`."""
    if not BODY_ID.fullmatch(text):
        msg = (
            f"{text!r} cannot be a body's id: use lower-case letters, digits and inner hyphens, "
            "at most 64 characters, e.g. 'city-office-131016'"
        )
        raise BodyRefused(msg)
    return text


def _tasks_of_kind(kind: BodyKind, task_ids: tuple[str, ...]) -> tuple[str, ...]:
    """Return ``task_ids`` without repeats, refusing one the ``kind`` may not perform."""
    for task_id in task_ids:
        get_task(task_id)
        decision = may_collect(kind, task_id)
        if not decision:
            msg = f"cannot register the task {task_id!r}: {decision.reason}"
            raise BodyRefused(msg)
    return tuple(dict.fromkeys(task_ids))


class CodeService:
    """Issues and translates the per-body codes (機関別符号) under the hub's code key."""

    def __init__(self, session: Session, key: bytes, clock: Callable[[], datetime] = _now) -> None:
        """Work in ``session`` with the hub's code key ``key`` (32 bytes)."""
        self._session = session
        self._key = key
        self._clock = clock

    def issue_code(self, resident_record_code: str, body_id: str) -> str:
        """Return the person's code at ``body_id``, issuing and recording it the first time."""
        body = BodyRegistry(self._session).body(body_id)
        if not tasks_for(BodyKind(body.kind)):
            msg = (
                f"{body.name_en} ({body.id}) may not handle numbers, so the network gives it no "
                "codes for persons"
            )
            raise CodeRefused(msg)
        person = person_reference(self._key, resident_record_code)
        existing = self._row(person, body.id)
        if existing is not None:
            return existing.code
        code = derive_institution_code(self._key, resident_record_code, body.id)
        try:
            with self._session.begin_nested():
                self._session.add(
                    InstitutionCode(
                        person_reference=person,
                        body_id=body.id,
                        code=code,
                        disclosure_code=derive_disclosure_code(self._key, resident_record_code),
                        issued_at=self._clock(),
                    )
                )
        except IntegrityError:
            # A request racing this one recorded it first; the code is derived, so it is this one.
            pass
        return code

    def code_of(self, resident_record_code: str, body_id: str) -> str | None:
        """Return the person's code at ``body_id`` if the hub has issued it, else None."""
        row = self._row(person_reference(self._key, resident_record_code), body_id)
        return None if row is None else row.code

    def translate(self, code: str, from_body: str, to_body: str) -> str:
        """Return the code at ``to_body`` of the person whom ``from_body`` knows as ``code``.

        A code the hub did not issue to ``from_body`` is refused in the same words whether it
        belongs to another body or to none, naming neither the person nor the code.
        """
        return self.translation(code, from_body, to_body)[1].code

    def own_code(self, code: str, body_id: str) -> InstitutionCode:
        """Return the mapping of ``code`` if the hub issued it to ``body_id``, else refuse.

        A code of another body and a code of no one are refused in the same words.
        """
        validate_code(code)
        row = self._session.scalar(select(InstitutionCode).where(InstitutionCode.code == code))
        return _owned(row, body_id)

    def translation(
        self, code: str, from_body: str, to_body: str
    ) -> tuple[InstitutionCode, InstitutionCode]:
        """Return the person's mappings at ``from_body`` (which sent ``code``), ``to_body``."""
        registry = BodyRegistry(self._session)
        source, target = registry.body(from_body), registry.body(to_body)
        found = self.translations(source.id, [(code, target.id)])[0]
        if isinstance(found, NetworkError):
            raise found
        return found

    def translations(
        self, from_body: str, asked: Sequence[tuple[str, str]]
    ) -> list[tuple[InstitutionCode, InstitutionCode] | NetworkError]:
        """For each ``(code, to_body)``, the person's mappings at ``from_body`` and ``to_body``.

        Two queries answer any number: one for the codes sent, one for the persons' codes at
        the bodies asked. Each pair that cannot be translated gets the error :meth:`translation`
        would raise for it, in its place.
        """
        sent = {code for code, _ in asked if is_well_formed_code(code)}
        rows = self._session.scalars(select(InstitutionCode).where(InstitutionCode.code.in_(sent)))
        own = {row.code: row for row in rows if row.body_id == from_body}
        targets = {target for _, target in asked}
        persons = {row.person_reference for row in own.values()}
        rows = self._session.scalars(
            select(InstitutionCode).where(
                InstitutionCode.person_reference.in_(persons),
                InstitutionCode.body_id.in_(targets),
            )
        )
        theirs = {(row.person_reference, row.body_id): row for row in rows}
        found: list[tuple[InstitutionCode, InstitutionCode] | NetworkError] = []
        for code, target in asked:
            try:
                validate_code(code)
                mine = _owned(own.get(code), from_body)
            except NetworkError as error:
                found.append(error)
                continue
            other = theirs.get((mine.person_reference, target))
            if other is None:
                msg = (
                    f"the person has no code at {target} yet: the registry has it issued when "
                    "the body comes to serve the person"
                )
                found.append(CodeNotIssued(msg))
            else:
                found.append((mine, other))
        return found

    def _row(self, person: str, body_id: str) -> InstitutionCode | None:
        """Return the mapping of ``person`` at ``body_id``, if there is one."""
        return self._session.scalar(
            select(InstitutionCode).where(
                InstitutionCode.person_reference == person, InstitutionCode.body_id == body_id
            )
        )


def _owned(row: InstitutionCode | None, body_id: str) -> InstitutionCode:
    """Return ``row`` if it is a code the hub issued to ``body_id``, else refuse it.

    A code of another body and a code of no one are refused in the same words.
    """
    if row is None or row.body_id != body_id:
        msg = (
            f"the code sent is not one the hub issued to {body_id}: a body asks only with "
            "its own code for a person"
        )
        raise CodeRefused(msg)
    return row
