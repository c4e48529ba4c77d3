"""Notices of the number (個人番号通知書): batches, alternate notice addresses, what to print.

番号法 第7条第1項: the mayor notifies each resident of the number set for them. A ``NoticeBatch``
gives every resident of one municipality who has no notice yet a notice and, with it, the ID of the
card application form (申請書ID, 23 random digits). Until the batch's deadline a resident who does
not live at the registered address -- fleeing domestic violence, evacuated from a disaster, long in
hospital or care -- may ask for the notice to go where they live (居所情報登録); after the deadline
the notice goes to the registered address. How notices share envelopes, and how DV support
measures withhold the registered address, is :mod:`mynumber.register.mailing`'s.

``NoticeService`` works inside the caller's unit of work and never commits; every refusal is a
``RegisterError`` raised before anything is written::

    RegisterError
     +-- NoticeRefused                 a batch that cannot be opened
     |    +-- AlternateAddressRefused  late, incomplete, printed already, or not in the batch
     +-- NoticeBatchNotFound
"""

from __future__ import annotations

import itertools
import secrets
from datetime import UTC, date, datetime, timedelta, timezone
from typing import TYPE_CHECKING

from sqlalchemy import exists, func, insert, select, update

from mynumber.errors import MyNumberError
from mynumber.numbers.cleaning import clean, is_ascii_digits
from mynumber.register import mailing, municipalities
from mynumber.register.exceptions import NotOnRegister, RegisterError, ResidentNotFound
from mynumber.register.models import (
    AlternateAddressReason,
    AlternateAddressRequest,
    Notice,
    NoticeBatch,
    Resident,
    ResidentState,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterable, Iterator, Sequence

    from sqlalchemy.orm import Session

    from mynumber.register.mailing import Envelope

#: Deadlines are days in Japan, which keeps no summer time.
JAPAN = timezone(timedelta(hours=9), "JST")
#: Notices written per INSERT when a batch opens.
CHUNK_SIZE = 2_000
APPLICATION_ID_DIGITS = 23
_REASONS = ", ".join(reason.value for reason in AlternateAddressReason)
_ON_REGISTER = Resident.state == ResidentState.RESIDENT.value


class NoticeRefused(RegisterError):
    """A notice batch, or a change to one, that the rules do not allow; nothing was changed."""

    code = "notice-refused"


class AlternateAddressRefused(NoticeRefused):
    """An alternate notice address that cannot be filed: late, incomplete, or not for this batch."""

    code = "alternate-address-refused"


class NoticeBatchNotFound(RegisterError):
    """No notice batch has the id given."""

    code = "notice-batch-not-found"


class NoticeService:
    """Notices of the number of one registry node, over the caller's session."""

    def __init__(
        self, session: Session, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        """Work in ``session``; ``clock`` tells the time (deadlines are compared in Japan)."""
        self._session = session
        self._clock = clock

    def batch(self, batch_id: int) -> NoticeBatch:
        """Return a notice batch by its id."""
        found = self._session.get(NoticeBatch, batch_id)
        if found is None:
            msg = (
                f"there is no notice batch {batch_id}; open one with `mynumber notices open-batch`"
            )
            raise NoticeBatchNotFound(msg)
        return found

    def resident(self, resident_id: int) -> Resident:
        """Return a resident by the register's id."""
        found = self._session.get(Resident, resident_id)
        if found is None:
            msg = f"there is no resident {resident_id} on this register; check the resident id"
            raise ResidentNotFound(msg)
        return found

    def sole_municipality(self) -> str:
        """Return the municipality of the register's residents, when they all live in one."""
        codes = self._session.scalars(
            select(Resident.municipality_code).where(_ON_REGISTER).distinct()
        ).all()
        if len(codes) != 1:
            msg = (
                f"the register holds residents of {len(codes)} municipalities: "
                "choose one with --municipality"
            )
            raise NoticeRefused(msg)
        return codes[0]

    def open_batch(self, municipality_code: str, deadline: date, issued_by: str) -> NoticeBatch:
        """Give every resident of the municipality without a notice one, in a new batch."""
        code = _municipality(municipality_code)
        now = self._clock()
        if deadline < now.astimezone(JAPAN).date():
            msg = f"the deadline {deadline.isoformat()} has passed: give a later day"
            raise NoticeRefused(msg)
        issuer = _text(issued_by, 100, "who issues the batch", NoticeRefused)
        residents = self._without_notice(code)
        batch = NoticeBatch(
            municipality_code=code,
            created_at=now,
            alternate_address_deadline=deadline,
            issued_by=issuer,
        )
        self._session.add(batch)
        self._session.flush()
        for start in range(0, len(residents), CHUNK_SIZE):
            chunk = residents[start : start + CHUNK_SIZE]
            applications = self._fresh_application_ids(len(chunk))
            rows = [
                {"resident_id": resident_id, "batch_id": batch.id, "application_id": application}
                for resident_id, application in zip(chunk, applications, strict=True)
            ]
            self._session.execute(insert(Notice), rows)
        return batch

    def file_alternate_address(  # noqa: PLR0913 -- the fields of the request form
        self,
        resident: Resident,
        batch: NoticeBatch,
        *,
        postal_code: str,
        address: str,
        reason: AlternateAddressReason | str,
        filed_by: str,
        reason_text: str | None = None,
    ) -> AlternateAddressRequest:
        """Send the resident's notice of ``batch`` where they live; refused after the deadline."""
        notice = self._notice_of(resident, batch)
        today = self._clock().astimezone(JAPAN).date()
        if today > batch.alternate_address_deadline:
            msg = (
                "the deadline for alternate notice addresses in this batch was "
                f"{batch.alternate_address_deadline.isoformat()}; "
                "the notice goes to the registered address"
            )
            raise AlternateAddressRefused(msg)
        kind, text = _reason(reason, reason_text)
        code = _postal_code(postal_code)
        where = _text(address, 300, "the alternate address", AlternateAddressRefused)
        clerk = _text(filed_by, 100, "who files the request", AlternateAddressRefused)
        request = AlternateAddressRequest(
            resident_id=resident.id,
            batch_id=batch.id,
            postal_code=code,
            address=where,
            reason=kind.value,
            reason_text=text,
            filed_at=self._clock(),
            filed_by=clerk,
        )
        self._session.add(request)
        notice.mailing_postal_code, notice.mailing_address = code, where
        self._session.flush()
        return request

    def notice_count(self, batch: NoticeBatch) -> int:
        """Return how many notices ``batch`` holds."""
        count = self._session.scalar(select(func.count()).where(Notice.batch_id == batch.id))
        return int(count or 0)

    def households(self, batch: NoticeBatch, *, unprinted_only: bool = False) -> list[int]:
        """Return the households with a notice in ``batch`` (not yet printed, if asked)."""
        query = (
            select(Resident.household_id)
            .join(Notice, Notice.resident_id == Resident.id)
            .where(Notice.batch_id == batch.id, _ON_REGISTER)
            .distinct()
            .order_by(Resident.household_id)
        )
        if unprinted_only:
            query = query.where(Notice.printed_at.is_(None))
        return list(self._session.scalars(query))

    def household_notices(
        self,
        batch: NoticeBatch,
        *,
        households: Collection[int] | None = None,
        unprinted_only: bool = False,
    ) -> Iterator[Envelope]:
        """Yield the envelopes of the batch's households (of ``households`` only, if given)."""
        name = _municipality_name(batch.municipality_code)
        issued = batch.created_at.astimezone(JAPAN).date()
        query = mailing.members_query(batch)
        if households is not None:
            query = query.where(Resident.household_id.in_(households))
        if unprinted_only:
            query = query.where(Notice.printed_at.is_(None))
        rows = self._session.execute(query)
        for household_id, members in itertools.groupby(rows, key=lambda row: row[1].household_id):
            yield from mailing.envelopes(household_id, list(members), name, issued)

    def mark_printed(self, envelopes: Iterable[Envelope]) -> int:
        """Record that the envelopes' notices were printed; return how many notices that was."""
        ids = [notice_id for envelope in envelopes for notice_id in envelope.notice_ids]
        if not ids:
            return 0
        self._session.execute(
            update(Notice)
            .where(Notice.id.in_(ids), Notice.printed_at.is_(None))
            .values(printed_at=self._clock())
        )
        return len(ids)

    def _notice_of(self, resident: Resident, batch: NoticeBatch) -> Notice:
        """Return the resident's notice in ``batch``; refuse one off the register or not in it."""
        if resident.state != ResidentState.RESIDENT.value:
            msg = f"resident {resident.id} is {resident.state} and no longer on this register"
            raise NotOnRegister(msg)
        notice = self._session.scalar(
            select(Notice).where(Notice.resident_id == resident.id, Notice.batch_id == batch.id)
        )
        if notice is None:
            msg = f"resident {resident.id} has no notice in batch {batch.id}; check the batch"
            raise AlternateAddressRefused(msg)
        if notice.printed_at is not None:
            msg = (
                f"the notice of resident {resident.id} was printed on "
                f"{notice.printed_at.astimezone(JAPAN).date().isoformat()}: it can no longer "
                "be sent elsewhere"
            )
            raise AlternateAddressRefused(msg)
        return notice

    def _without_notice(self, code: str) -> Sequence[int]:
        """Return the residents of ``code`` on the register who have no notice; refuse none."""
        residents = self._session.scalars(
            select(Resident.id)
            .where(
                Resident.municipality_code == code,
                _ON_REGISTER,
                ~exists().where(Notice.resident_id == Resident.id),
            )
            .order_by(Resident.id)
        ).all()
        if residents:
            return residents
        living = self._session.scalar(
            select(func.count()).where(Resident.municipality_code == code, _ON_REGISTER)
        )
        msg = (
            f"every resident of {code} on the register already has a notice: nothing to send"
            if living
            else f"no resident of {code} is on this register: check the municipality code"
        )
        raise NoticeRefused(msg)

    def _fresh_application_ids(self, count: int) -> list[str]:
        """Draw ``count`` application IDs that no notice holds and that differ from each other."""
        drawn: dict[str, None] = {}  # ordered as drawn: the order tells nothing of the resident
        while len(drawn) < count:
            new = [
                f"{secrets.randbelow(10**APPLICATION_ID_DIGITS):0{APPLICATION_ID_DIGITS}d}"
                for _ in range(count - len(drawn))
            ]
            taken = set(
                self._session.scalars(
                    select(Notice.application_id).where(Notice.application_id.in_(new))
                )
            )
            drawn.update((application, None) for application in new if application not in taken)
        return list(drawn)


def _municipality(code: str) -> str:
    """Return a known municipality code in its compact form; refuse any other."""
    try:
        compact = municipalities.validate(code)
        municipalities.towns(compact)
    except MyNumberError as exc:
        raise NoticeRefused(str(exc)) from exc
    return compact


def _municipality_name(code: str) -> str:
    """Return the municipality as the notice names its issuer, e.g. 千代田区."""
    return municipalities.towns(code)[0].city


def _reason(
    reason: AlternateAddressReason | str, text: str | None
) -> tuple[AlternateAddressReason, str | None]:
    """Return the reason of a request and its words; refuse an empty or unknown one."""
    words = None
    if text is not None and text.strip():
        words = _text(text, 500, "the reason in words", AlternateAddressRefused)
    given = str(reason).strip()
    if not given:
        msg = f"give the reason the resident lives elsewhere: one of {_REASONS}"
        raise AlternateAddressRefused(msg)
    try:
        kind = AlternateAddressReason(given)
    except ValueError:
        msg = f"{given!r} is not a reason for an alternate notice address: give one of {_REASONS}"
        raise AlternateAddressRefused(msg) from None
    if kind is AlternateAddressReason.OTHER and words is None:
        msg = "the reason is 'other': say in words why the resident lives elsewhere"
        raise AlternateAddressRefused(msg)
    return kind, words


def _postal_code(postal_code: str) -> str:
    """Return a postal code as seven digits; refuse anything else."""
    code = clean(postal_code)
    if len(code) != 7 or not is_ascii_digits(code):
        msg = f"a postal code has 7 digits (e.g. 100-0001), not {postal_code!r}"
        raise AlternateAddressRefused(msg)
    return code


def _text(value: str, limit: int, what: str, error: type[RegisterError]) -> str:
    """Return ``value`` stripped; refuse it empty or longer than ``limit`` characters."""
    text = value.strip()
    if not text:
        msg = f"{what} is empty: fill it in"
        raise error(msg)
    if len(text) > limit:
        msg = f"{what} has {len(text)} characters; at most {limit} fit"
        raise error(msg)
    return text
