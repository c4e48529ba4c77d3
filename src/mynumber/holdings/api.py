"""Number holdings on the registry node: bodies record collections; clerks read holder lists.

* ``POST /api/holdings``: a body records that it collected a person's number, with the identity
  receipt it was given (番号確認・身元確認) and the task; answers 201 with the holding and the
  body's code for the person (機関別符号). Body ``{number, receipt_id, task, retention_until?}``.
* ``POST /api/holdings/code``: a body presents a number it holds; answers its code for the person.
* ``GET /api/holdings/{resident_id}``: the person's holder list -- which bodies hold the number,
  for which task, since when, until when, deleted when, with the signed deletion receipt -- and
  the refused attempts that presented it. A named clerk only (``X-Clerk``, as the register's
  writes need): the list says where a person's number is, which is the person's own business.

A body's requests carry its API key (``Authorization: Bearer``) and the staff member who makes
them (``X-Staff``); the registry has the hub authenticate both. The number travels in the body,
never in a URL. Every refusal -- a bad key, no staff member, a body or task that may not, a used
or expired receipt, a malformed or oversized body, a hub that does not answer -- is an RFC 9457
problem (:mod:`mynumber.nodes.problems`), recorded at the registry and, when the number is
someone's on this register, in the hub's ledger; nothing else changes.

The route reads the body itself (at most :data:`MAX_BODY_BYTES`) so that a malformed one is
recorded like any other refusal. The work runs in a worker thread, in one unit of work that spans
the calls to the hub (:class:`~mynumber.holdings.hub.HttpHub`): if the hub fails, the registry
rolls back, and the receipt stays unredeemed.
"""

from __future__ import annotations

import functools
import json
import logging
from dataclasses import dataclass
from datetime import date, datetime
from http import HTTPStatus
from typing import TYPE_CHECKING, Annotated, Any, Final, TypeVar

import anyio.to_thread
from fastapi import APIRouter, Header, Request
from pydantic import BaseModel, ConfigDict, Field

from mynumber.deployment import NodeKind
from mynumber.errors import MyNumberError
from mynumber.holdings.exceptions import CollectionTooLarge, MalformedCollection
from mynumber.holdings.hub import HttpHub
from mynumber.holdings.investigations import PoliceDesk
from mynumber.holdings.records import HoldingRecords
from mynumber.holdings.services import CollectionAttempt, HoldingService, holding_service
from mynumber.network.bodies import TASKS
from mynumber.register.counter import (  # noqa: TC001 -- FastAPI reads them at run time
    RecordingClerk,
    RegistryNode,
)
from mynumber.request_bodies import openapi_body, parse_form, read_bounded
from mynumber.settings import ConfigurationError
from mynumber.storage import unit_of_work

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.orm import Session

    from mynumber.holdings.interfaces import AuthenticatedBody
    from mynumber.holdings.models import CollectionRefusal, NumberHolding
    from mynumber.nodes.context import NodeContext

router = APIRouter(prefix="/api", tags=["holdings"])

#: The largest request body a body may send to these routes.
MAX_BODY_BYTES: Final = 4096

_log = logging.getLogger(__name__)
_Form = TypeVar("_Form", bound=BaseModel)
_View = TypeVar("_View", bound=BaseModel)


class _Body(BaseModel):
    """A request body: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class CollectionForm(_Body):
    """A collection to record: the number, the receipt of its identity check, the task."""

    number: Annotated[str, Field(max_length=40)]
    receipt_id: Annotated[str, Field(min_length=1, max_length=36)]
    task: Annotated[str, Field(min_length=1, max_length=100)]
    #: The last day the body will keep the number; left out, the task's default retention.
    retention_until: date | None = None


class NumberForm(_Body):
    """A number the body holds."""

    number: Annotated[str, Field(max_length=40)]


class CollectionView(BaseModel):
    """A holding just recorded, with the body's code for the person."""

    id: int
    body_id: str
    task: str
    staff: str
    method: str
    collected_at: datetime
    retention_until: date
    code: str
    ledger_index: int


class CodeView(BaseModel):
    """The body's code for the person whose number it presented."""

    body_id: str
    code: str


class HolderView(BaseModel):
    """One body's holding of the person's number."""

    id: int
    body_id: str
    body_name_en: str
    body_name_ja: str
    body_kind: str
    task: str
    task_name_en: str
    task_name_ja: str
    method: str
    collected_at: datetime
    retention_until: date
    deleted_at: datetime | None
    #: The signed deletion receipt, once deleted (:mod:`mynumber.holdings.receipts`).
    deletion_receipt: dict[str, Any] | None
    ledger_index: int


class RefusalView(BaseModel):
    """A refused attempt to collect the person's number."""

    body_id: str | None
    task: str | None
    code: str
    at: datetime
    ledger_index: int | None


class HolderList(BaseModel):
    """Who holds the person's number, and who tried and was refused."""

    resident_id: int
    holdings: list[HolderView]
    refusals: list[RefusalView]


@dataclass(frozen=True, slots=True)
class _Credentials:
    """What a body's request says about who sends it."""

    api_key: str | None
    staff: str | None


Authorization = Annotated[str | None, Header()]
StaffHeader = Annotated[str | None, Header(alias="X-Staff")]


def _bearer(authorization: str | None) -> str | None:
    """Return the token of an ``Authorization: Bearer`` header, if there is one."""
    scheme, _, token = (authorization or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _parse(raw: bytes | None, form: type[_Form]) -> tuple[_Form | None, MalformedCollection | None]:
    """Return the parsed form, or the refusal of a body that is not one."""
    if raw is None:
        msg = f"the request body is larger than {MAX_BODY_BYTES} bytes"
        return None, CollectionTooLarge(msg)
    parsed = parse_form(raw, form)
    if isinstance(parsed, str):
        return None, MalformedCollection(parsed)
    return parsed, None


def _said(raw: bytes | None, field: str) -> str | None:
    """Return a string field of a body that may be malformed, for the record of its refusal."""
    try:
        sent = json.loads(raw or b"")
    except ValueError:
        return None
    value = sent.get(field) if isinstance(sent, dict) else None
    return value if isinstance(value, str) and len(value) <= 100 else None


def hub_of(node: NodeContext) -> HttpHub:
    """Return the hub of the node's deployment, called through the node's clients."""
    hubs = node.deployment.of_kind(NodeKind.HUB)
    if not hubs:
        msg = "the deployment has no hub node: numbers are collected only with the hub's ledger"
        raise ConfigurationError(msg)
    return HttpHub(node.clients, hubs[0].id)


def _service(session: Session, node: NodeContext, hub: HttpHub) -> HoldingService:
    """Return the node's holdings over ``session``."""
    return holding_service(session, node.keys, node.spec.base_url, hub)


def _as_body(
    node: NodeContext,
    credentials: _Credentials,
    raw: bytes | None,
    form_type: type[_Form],
    act: Callable[[HoldingService, AuthenticatedBody, _Form], _View],
) -> _View:
    """Authenticate the body, parse its request and ``act`` in one unit of work.

    Any refusal is recorded in a unit of work of its own, then raised.
    """
    hub = hub_of(node)
    form, malformed = _parse(raw, form_type)
    body = None
    try:
        with unit_of_work(node.sessions) as session:
            service = _service(session, node, hub)
            body = service.authenticate(credentials.api_key, credentials.staff)
            if form is None:
                raise malformed or MalformedCollection("the request body is not valid")
            return act(service, body, form)
    except MyNumberError as error:
        try:
            with unit_of_work(node.sessions) as session:
                _service(session, node, hub).record_refusal(
                    error,
                    body=body,
                    staff=credentials.staff,
                    number=_said(raw, "number"),
                    task=_said(raw, "task"),
                )
        except MyNumberError:
            _log.exception("a refused collection could not be recorded at the registry")
        raise


def _collect(
    service: HoldingService, body: AuthenticatedBody, form: CollectionForm
) -> CollectionView:
    """Record the collection; answer the holding and the body's code."""
    attempt = CollectionAttempt(
        number=form.number,
        receipt_id=form.receipt_id,
        task=form.task,
        retention_until=form.retention_until,
    )
    holding = service.collect(body, attempt)
    return CollectionView(
        id=holding.id,
        body_id=holding.body_id,
        task=holding.task,
        staff=holding.staff,
        method=holding.method,
        collected_at=holding.collected_at,
        retention_until=holding.retention_until,
        code=holding.code,
        ledger_index=holding.ledger_index,
    )


def _code(service: HoldingService, body: AuthenticatedBody, form: NumberForm) -> CodeView:
    """Answer the body's code for the person whose number it holds."""
    holding = service.code_of(body, form.number)
    return CodeView(body_id=holding.body_id, code=holding.code)


@router.post(
    "/holdings",
    status_code=HTTPStatus.CREATED,
    summary="Record a collected number (a body, with an identity receipt)",
    openapi_extra=openapi_body(CollectionForm),
)
async def collect(
    request: Request,
    node: RegistryNode,
    authorization: Authorization = None,
    x_staff: StaffHeader = None,
) -> CollectionView:
    """Record that the body holds the person's number for the task; answer its code."""
    raw = await read_bounded(request, MAX_BODY_BYTES)
    credentials = _Credentials(_bearer(authorization), x_staff)
    work = functools.partial(_as_body, node, credentials, raw, CollectionForm, _collect)
    return await anyio.to_thread.run_sync(work)


@router.post(
    "/holdings/code",
    summary="A body's code for a person whose number it holds",
    openapi_extra=openapi_body(NumberForm),
)
async def code(
    request: Request,
    node: RegistryNode,
    authorization: Authorization = None,
    x_staff: StaffHeader = None,
) -> CodeView:
    """Answer the body's code (機関別符号) for the person whose number it presents and holds."""
    raw = await read_bounded(request, MAX_BODY_BYTES)
    credentials = _Credentials(_bearer(authorization), x_staff)
    work = functools.partial(_as_body, node, credentials, raw, NumberForm, _code)
    return await anyio.to_thread.run_sync(work)


def holder_view(holding: NumberHolding) -> HolderView:
    """Return how the holder list shows ``holding``."""
    task = TASKS.get(holding.task)
    return HolderView(
        id=holding.id,
        body_id=holding.body_id,
        body_name_en=holding.body_name_en,
        body_name_ja=holding.body_name_ja,
        body_kind=holding.body_kind,
        task=holding.task,
        task_name_en=holding.task if task is None else task.name_en,
        task_name_ja=holding.task if task is None else task.name_ja,
        method=holding.method,
        collected_at=holding.collected_at,
        retention_until=holding.retention_until,
        deleted_at=holding.deleted_at,
        deletion_receipt=holding.deletion_receipt,
        ledger_index=holding.ledger_index,
    )


def _refusal(refusal: CollectionRefusal) -> RefusalView:
    """Return how the holder list shows a refused attempt."""
    return RefusalView(
        body_id=refusal.body_id,
        task=refusal.task,
        code=refusal.code,
        at=refusal.at,
        ledger_index=refusal.ledger_index,
    )


@router.get("/holdings/{resident_id}", summary="Who holds a person's number (named clerks)")
def holder_list(resident_id: int, node: RegistryNode, clerk: RecordingClerk) -> HolderList:
    """Answer the person's holder list and the refused attempts to collect their number."""
    del clerk  # a named clerk is required; reading records nothing
    with unit_of_work(node.sessions) as session:
        records = HoldingRecords(session)
        resident, holdings = records.holder_list(resident_id)
        return HolderList(
            resident_id=resident.id,
            holdings=[holder_view(holding) for holding in holdings],
            refusals=[_refusal(refusal) for refusal in records.refusals_of(resident_id)],
        )


class InvestigationForm(_Body):
    """A police request: the number, the case, and when the record of it is unsealed."""

    number: Annotated[str, Field(min_length=1, max_length=40)]
    case_reference: Annotated[str, Field(min_length=1, max_length=64)]
    unseal_on: date


class AttributesView(BaseModel):
    """The four attributes (基本4情報) of the person, as the register holds them."""

    name: str
    date_of_birth: date
    sex: str
    address: str


def _investigate(
    node: NodeContext,
) -> Callable[[HoldingService, AuthenticatedBody, InvestigationForm], AttributesView]:
    """Return the act of answering a police request on ``node``'s register."""

    def act(
        service: HoldingService, body: AuthenticatedBody, form: InvestigationForm
    ) -> AttributesView:
        desk = PoliceDesk(service.register, hub_of(node))
        resident = desk.answer(body, form.number, form.case_reference, form.unseal_on)
        return AttributesView(
            name=f"{resident.family_name}\u3000{resident.given_name}",
            date_of_birth=resident.date_of_birth,
            sex=resident.sex,
            address=resident.address,
        )

    return act


@router.post(
    "/investigations",
    summary="A police request for a person (sealed in the ledger, counted in public)",
    openapi_extra=openapi_body(InvestigationForm),
)
async def investigate(
    request: Request,
    node: RegistryNode,
    authorization: Authorization = None,
    x_staff: StaffHeader = None,
) -> AttributesView:
    """Answer the four attributes of the number's holder once the sealed record is written."""
    raw = await read_bounded(request, MAX_BODY_BYTES)
    credentials = _Credentials(_bearer(authorization), x_staff)
    work = functools.partial(
        _as_body, node, credentials, raw, InvestigationForm, _investigate(node)
    )
    return await anyio.to_thread.run_sync(work)
