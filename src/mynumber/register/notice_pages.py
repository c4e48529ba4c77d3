"""The counter's pages for a resident's notice of the number (個人番号通知書).

``/counter/residents/{id}/notice`` shows whether a batch gave the resident a notice, where it goes
and whether it was printed. There the clerk files an alternate notice address (居所情報登録: the
resident lives elsewhere, fleeing violence, evacuated, in hospital), which the notice service
refuses after the batch's deadline, and prints the notice: the PDF of the household's envelope
that holds the resident's notice, which is then marked printed and can no longer be sent
elsewhere. Batches are opened with ``mynumber notices open-batch``.
"""

from dataclasses import dataclass
from datetime import date, datetime
from http import HTTPStatus
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BeforeValidator, Field, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import select
from sqlalchemy.orm import Session

from mynumber.notices import NoticeError, render_household_notice
from mynumber.register.counter import RegistryNode, ResidentView, register_service, resident_view
from mynumber.register.exceptions import RegisterError, ResidentNotFound
from mynumber.register.i18n import text
from mynumber.register.mailing import Envelope
from mynumber.register.models import AlternateAddressReason, Notice, ResidentState
from mynumber.register.notices import JAPAN, NoticeRefused, NoticeService
from mynumber.register.rendering import (
    COUNTER,
    FORM,
    CounterPage,
    FormData,
    Page,
    field_errors,
    parse,
    refusal,
)
from mynumber.register.schemas import (
    Address,
    Body,
    PostalCode,
)
from mynumber.storage import unit_of_work

if TYPE_CHECKING:
    from mynumber.nodes.context import NodeContext

router = APIRouter(prefix=COUNTER, include_in_schema=False)

#: The reasons a resident may live elsewhere, in the order the form offers them.
REASONS = tuple(AlternateAddressReason)
#: The error type of an "other" reason left unexplained.
OTHER_REASON = "other_reason"


def _none_if_blank(value: object) -> object:
    """Treat an empty field as not given."""
    return None if isinstance(value, str) and not value.strip() else value


class AlternateAddress(Body):
    """Where a resident who does not live at the registered address wants the notice sent."""

    postal_code: PostalCode
    address: Address
    reason_kind: AlternateAddressReason
    reason_text: Annotated[
        Annotated[str, Field(max_length=500)] | None, BeforeValidator(_none_if_blank)
    ] = Field(default=None, validate_default=True)

    @field_validator("reason_text")
    @classmethod
    def _other_is_explained(cls, value: str | None, info: ValidationInfo) -> str | None:
        """Refuse the reason "other" without words."""
        if info.data.get("reason_kind") is AlternateAddressReason.OTHER and value is None:
            raise PydanticCustomError(OTHER_REASON, "say in words why the resident lives elsewhere")
        return value


@dataclass(frozen=True)
class NoticeStatus:
    """What the counter shows of a resident's notice."""

    batch_id: int
    deadline: date
    #: False once the deadline has passed (in Japan): no alternate address can be filed.
    open: bool
    printed_at: datetime | None
    mailing_postal_code: str | None
    mailing_address: str | None


def _notice_of(session: Session, resident_id: int) -> Notice | None:
    """Return the resident's notice (a resident has at most one), if a batch gave them one."""
    return session.scalar(select(Notice).where(Notice.resident_id == resident_id))


def _status(notice: Notice | None) -> NoticeStatus | None:
    """Return what the counter shows of ``notice``."""
    if notice is None:
        return None
    deadline = notice.batch.alternate_address_deadline
    return NoticeStatus(
        batch_id=notice.batch_id,
        deadline=deadline,
        open=datetime.now(JAPAN).date() <= deadline,
        printed_at=notice.printed_at,
        mailing_postal_code=notice.mailing_postal_code,
        mailing_address=notice.mailing_address,
    )


@router.get("/residents/{resident_id}/notice")
def notice_page(
    page: CounterPage, node: RegistryNode, resident_id: int, done: str | None = None
) -> Response:
    """Show the resident's notice: where it goes, the alternate-address form, the print button."""
    message = page.t("done.alternate-address") if done == "alternate-address" else None
    return _render(page, node, resident_id, notice=message)


@router.post("/residents/{resident_id}/notice/alternate-address")
def file_alternate_address(
    page: CounterPage, node: RegistryNode, resident_id: int, data: FormData
) -> Response:
    """File where the notice goes instead; refused after the batch's deadline."""
    if page.clerk is None:
        return page.to_login()
    try:
        body = parse(AlternateAddress, data)
    except ValidationError as exc:
        return _render(page, node, resident_id, form=data, errors=field_errors(exc, page.language))
    try:
        with unit_of_work(node.sessions) as session:
            service = NoticeService(session)
            resident = service.resident(resident_id)
            service.file_alternate_address(
                resident,
                _require(_notice_of(session, resident_id), page).batch,
                postal_code=body.postal_code,
                address=body.address,
                reason=body.reason_kind,
                reason_text=body.reason_text,
                filed_by=page.clerk.name,
            )
    except RegisterError as exc:
        errors = {FORM: _refusal(page, node, resident_id, exc)}
        return _render(page, node, resident_id, form=data, errors=errors)
    return page.redirect(f"{COUNTER}/residents/{resident_id}/notice?done=alternate-address")


@router.post("/residents/{resident_id}/notice/print")
def print_notice(page: CounterPage, node: RegistryNode, resident_id: int) -> Response:
    """Answer the PDF of the envelope that holds the resident's notice; mark it printed."""
    if page.clerk is None:
        return page.to_login()
    try:
        with unit_of_work(node.sessions) as session:
            envelope = _envelope_of(session, resident_id, page)
            pdf = render_household_notice(envelope.notice)
            NoticeService(session).mark_printed([envelope])
    except (RegisterError, NoticeError) as exc:
        return _render(page, node, resident_id, errors={FORM: refusal(exc, page.language)})
    disposition = f'attachment; filename="{envelope.file_stem}.pdf"'
    headers = {"Content-Disposition": disposition, "Cache-Control": "no-store"}
    return Response(pdf, media_type="application/pdf", headers=headers)


def _envelope_of(session: Session, resident_id: int, page: Page) -> Envelope:
    """Return the envelope of the resident's household that holds the resident's notice."""
    service = NoticeService(session)
    resident = service.resident(resident_id)
    if resident.state != ResidentState.RESIDENT.value:
        msg = f"resident {resident_id} is {resident.state}: their notice is no longer printed"
        raise NoticeRefused(msg)
    notice = _require(_notice_of(session, resident_id), page)
    for envelope in service.household_notices(notice.batch, households=[resident.household_id]):
        if notice.id in envelope.notice_ids:
            return envelope
    msg = f"the notice of resident {resident_id} is in no envelope of batch {notice.batch_id}"
    raise NoticeRefused(msg)


def _require(notice: Notice | None, page: Page) -> Notice:
    """Return ``notice``, or refuse: no batch has given the resident one yet."""
    if notice is None:
        raise NoticeRefused(page.t("notice.none"))
    return notice


def _refusal(page: Page, node: "NodeContext", resident_id: int, exc: RegisterError) -> str:
    """Say why the alternate address was refused, in the clerk's language."""
    if isinstance(exc, NoticeRefused):
        with unit_of_work(node.sessions) as session:
            status = _status(_notice_of(session, resident_id))
        if status is not None and status.printed_at is not None:
            return page.t("notice.alternate.printed")
        if status is not None and not status.open:
            return page.t("notice.alternate.closed", deadline=page.day(status.deadline))
        if status is None:
            return page.t("notice.none")
    return refusal(exc, page.language)


def _render(  # noqa: PLR0913 -- the page, its resident, and what the form shows
    page: Page,
    node: "NodeContext",
    resident_id: int,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    notice: str | None = None,
) -> Response:
    """Render the notice page of a resident; 422 when it shows errors, 404 without a resident."""
    if page.clerk is None:
        return page.to_login()
    try:
        with unit_of_work(node.sessions) as session:
            view: ResidentView = resident_view(register_service(session, node).get(resident_id))
            status = _status(_notice_of(session, resident_id))
    except ResidentNotFound as exc:
        message = refusal(exc, page.language)
        return page.render("not_found.html", status=HTTPStatus.NOT_FOUND, message=message)
    return page.render(
        "notice.html",
        status=HTTPStatus.UNPROCESSABLE_ENTITY if errors else HTTPStatus.OK,
        here=page.url(f"{COUNTER}/residents/{resident_id}/notice"),
        resident=view,
        status_of_notice=status,
        reasons=[(kind.value, text(f"reason.{kind.value}", page.language)) for kind in REASONS],
        form=form or {},
        errors=errors or {},
        notice=notice,
    )
