"""Exchanges on the hub node: a body asks, the hub routes to the provider, the body collects.

* ``POST /api/exchanges``: ask for a data item about a person, with the body's own code for the
  person, a row of the table of permitted exchanges and the provider. Answers 202 with the
  transaction serial number and the exchange's state; the hub tries the provider at once.
* ``GET /api/exchanges/{serial}``: the state of the exchange; once it is completed, the answer,
  handed over once (the hub keeps no copy after). A pending exchange is tried again first.
* ``POST /api/exchange-batches``: up to :data:`MAX_BATCH` requests at once, each with its own
  idempotency key, answered each in its place (the exchange, or its refusal). The hub asks each
  provider once for all its items and appends all the ledger entries in one append.
* ``POST /api/exchange-answers``: collect the answers of up to :data:`MAX_BATCH` exchanges.

Every request carries the body's API key (``Authorization: Bearer``), the staff member who makes
it (``X-Staff``) and, for a new request, an ``Idempotency-Key`` (in a batch, each item's
``idempotency_key``): asking again with the same key returns the same exchange, never a second
one. Refusals are RFC 9457 problems, recorded in the
hub's refusals (and in the ledger when the code names a person), and change nothing else.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from typing import TYPE_CHECKING, Annotated, Any, Final, Protocol, TypeVar

import anyio.to_thread
import httpx
from fastapi import APIRouter, Depends, Header, Request
from pydantic import BaseModel, ConfigDict, Field

from mynumber.deployment import NodeKind
from mynumber.ledger.services import hub_ledger
from mynumber.network.exceptions import NetworkError
from mynumber.network.exchanges import (
    PENDING,
    Delivery,
    ExchangeRequest,
    ExchangeService,
)
from mynumber.network.service_exceptions import (
    AuthenticationRefused,
    ExchangeTooLarge,
    MalformedExchange,
    ProviderAnswerRefused,
)
from mynumber.network.services import BodyRegistry
from mynumber.network.table import shipped_table
from mynumber.request_bodies import openapi_body, parse_form, read_bounded
from mynumber.settings import ConfigurationError
from mynumber.storage import unit_of_work

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from sqlalchemy.orm import Session, sessionmaker

    from mynumber.deployment import NodeSpec
    from mynumber.keys import NodeKeys
    from mynumber.network.models import Body, Exchange, Staff

router = APIRouter(prefix="/api", tags=["exchanges"])

_Form = TypeVar("_Form", bound=BaseModel)


class Peers(Protocol):
    """How the hub reaches the other nodes (``mynumber.nodes.client.NodeClients``)."""

    def client(self, node_id: str) -> httpx.AsyncClient:
        """Return the client of node ``node_id``."""


class HubNode(Protocol):
    """What these routes use of the hub's node context; see :mod:`mynumber.ledger.api`."""

    @property
    def spec(self) -> NodeSpec:
        """Who the node is and where it answers."""

    @property
    def keys(self) -> NodeKeys:
        """The node's keys: the code key and the ledger's signing key."""

    @property
    def sessions(self) -> sessionmaker[Session]:
        """Sessions of the node's database."""

    @property
    def clients(self) -> Peers:
        """Clients to the other nodes, the providers among them."""

    async def calling_node(self, request: Request, *kinds: NodeKind) -> NodeSpec:
        """Return the node of ``kinds`` that signed ``request``, or refuse it (401, 403)."""


class ExchangeForm(BaseModel):
    """A request for one data item about a person."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: The requester's own code for the person (機関別符号).
    code: Annotated[str, Field(min_length=1, max_length=64)]
    #: The id of the row of the table of permitted exchanges.
    row: Annotated[str, Field(min_length=1, max_length=100)]
    item: Annotated[str, Field(min_length=1, max_length=100)]
    #: The providing body's id.
    provider: Annotated[str, Field(min_length=1, max_length=64)]


#: The most exchanges one batch may ask for, or collect.
MAX_BATCH: Final = 1000
#: The largest body of a single request, and of a batch (a thousand items fit in a quarter).
MAX_EXCHANGE_BYTES: Final = 4096
MAX_BATCH_BYTES: Final = 1024 * 1024


class BatchExchangeForm(ExchangeForm):
    """One request of a batch, with the idempotency key that names it."""

    idempotency_key: Annotated[str, Field(min_length=1, max_length=100)]


class ExchangeBatchForm(BaseModel):
    """Many requests at once, each with its own idempotency key."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    exchanges: Annotated[list[BatchExchangeForm], Field(min_length=1, max_length=MAX_BATCH)]


class AnswersForm(BaseModel):
    """The serial numbers of the exchanges whose answers to collect."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    serials: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=32)]],
        Field(min_length=1, max_length=MAX_BATCH),
    ]


class ExchangeView(BaseModel):
    """An exchange as its requester sees it."""

    serial: str
    status: str
    requester: str
    provider: str
    row: str
    item: str
    requested_at: datetime
    attempts: int
    last_error: str | None
    completed_at: datetime | None
    outcome: str | None
    ledger_index: int | None
    collected_at: datetime | None
    #: The provider's answer, in the one response that hands it over.
    answer: dict[str, Any] | None = None


class Refusal(BaseModel):
    """Why one item of a batch was refused, as the members of an RFC 9457 problem."""

    type: str
    title: str
    detail: str


class BatchItem(BaseModel):
    """One item of a batch's answer: the exchange, or the refusal of that item."""

    exchange: ExchangeView | None = None
    refusal: Refusal | None = None


class BatchView(BaseModel):
    """A batch's answer: one item per request, in the order asked."""

    exchanges: list[BatchItem]


def _hub(request: Request) -> HubNode:
    """Return the context of the hub node that received ``request``."""
    node: HubNode = request.app.state.node
    return node


def _bearer(authorization: str | None) -> str | None:
    """Return the token of an ``Authorization: Bearer`` header, if there is one."""
    scheme, _, token = (authorization or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


Hub = Annotated[HubNode, Depends(_hub)]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key")]


def _code_key(hub: HubNode) -> bytes:
    """Return the hub's code key, or say that this node is not a hub."""
    key = hub.keys.institution_codes
    if key is None:
        msg = f"node '{hub.spec.id}' has no institution-code key: exchanges are routed by the hub"
        raise ConfigurationError(msg)
    return key


def _service(session: Session, hub: HubNode) -> ExchangeService:
    """Return the hub's exchange service over ``session``."""
    return ExchangeService(session, shipped_table(), _code_key(hub))


def _view(exchange: Exchange, answer: dict[str, Any] | None = None) -> ExchangeView:
    """Return the requester's view of ``exchange``."""
    return ExchangeView(
        serial=exchange.serial,
        status=exchange.status,
        requester=exchange.requester_id,
        provider=exchange.provider_id,
        row=exchange.row_id,
        item=exchange.item,
        requested_at=exchange.requested_at,
        attempts=exchange.attempts,
        last_error=exchange.last_error,
        completed_at=exchange.completed_at,
        outcome=exchange.outcome,
        ledger_index=exchange.ledger_index,
        collected_at=exchange.collected_at,
        answer=answer,
    )


@dataclass(frozen=True, slots=True)
class Caller:
    """Who asks: the institution node the request came through, the body's key, the staff member."""

    node_id: str
    api_key: str | None
    staff: str | None


async def _caller(request: Request) -> Caller:
    """Return who asks; only an institution node of the deployment may pass a request on."""
    node = await _hub(request).calling_node(request, NodeKind.INSTITUTION)
    api_key = _bearer(request.headers.get("authorization"))
    return Caller(node.id, api_key, request.headers.get("x-staff"))


CallerOf = Annotated[Caller, Depends(_caller)]


def _authenticated(session: Session, caller: Caller) -> tuple[Body, Staff]:
    """Return the body and staff member a request names, or refuse it.

    A body asks through its own node only: a key presented through another body's node is
    refused, so one body's node cannot act with a key it has seen.
    """
    body, member = BodyRegistry(session).authenticate(caller.api_key, caller.staff)
    if body.id != caller.node_id:
        msg = (
            f"the request came through the node of {caller.node_id}, not of {body.id}: a body "
            "asks through its own node"
        )
        raise AuthenticationRefused(msg)
    return body, member


def _open(
    hub: HubNode, caller: Caller, requests: Sequence[ExchangeRequest]
) -> tuple[list[ExchangeView | NetworkError], list[Delivery]]:
    """Open (or find) each exchange, in one transaction; record the refusals in another.

    Answers each request's view or refusal in its place, and what to send the providers of
    the exchanges still pending. A caller who cannot be authenticated is refused as a whole.
    """
    try:
        with unit_of_work(hub.sessions) as session:
            body, member = _authenticated(session, caller)
            service = _service(session, hub)
            opened = service.open_many(body, member, requests)
            views: list[ExchangeView | NetworkError] = [
                found if isinstance(found, NetworkError) else _view(found) for found in opened
            ]
            deliveries = [
                service.delivery(found)
                for found in opened
                if not isinstance(found, NetworkError) and found.status == PENDING
            ]
    except NetworkError as error:
        _record_refusals(hub, caller, [(error, None)])
        raise
    refused = [
        (found, request)
        for found, request in zip(views, requests, strict=True)
        if isinstance(found, NetworkError)
    ]
    if refused:
        _record_refusals(hub, caller, refused)
    return views, deliveries


def _record_refusals(
    hub: HubNode, caller: Caller, refused: Sequence[tuple[NetworkError, ExchangeRequest | None]]
) -> None:
    """Record refusals in a transaction of their own: the refused requests changed nothing."""
    with unit_of_work(hub.sessions) as session:
        try:
            body, member = _authenticated(session, caller)
        except AuthenticationRefused:
            body, staff_id = None, None
        else:
            staff_id = member.staff_id
        service = _service(session, hub)
        ledger = hub_ledger(session, hub.keys, hub.spec.base_url)
        for error, request in refused:
            service.record_refusal(
                error, requester=body, staff_id=staff_id, request=request, ledger=ledger
            )


async def _deliver(hub: HubNode, deliveries: Sequence[Delivery]) -> dict[str, ExchangeView]:
    """Ask each provider for its items at once; record the answers, or why there were none.

    Answers the exchanges' views after, by serial. A provider that cannot be reached or
    answers wrongly leaves its exchanges pending, to be tried again when the requester asks. A
    ledger that cannot append raises: the exchanges stay pending and nothing is handed over
    (fail closed).
    """
    by_provider: dict[str, list[Delivery]] = {}
    for delivery in deliveries:
        by_provider.setdefault(delivery.provider_id, []).append(delivery)
    answers: dict[str, dict[str, Any]] = {}
    failed: list[tuple[list[str], str]] = []

    async def ask(provider: str, asked: list[Delivery]) -> None:
        try:
            answers.update(await _ask(hub, provider, asked))
        except ProviderAnswerRefused as refused:
            failed.append(([delivery.serial for delivery in asked], str(refused)))

    async with anyio.create_task_group() as group:
        for provider, asked in by_provider.items():
            group.start_soon(ask, provider, asked)
    return await anyio.to_thread.run_sync(functools.partial(_record_answers, hub, answers, failed))


async def _ask(hub: HubNode, provider: str, asked: Sequence[Delivery]) -> dict[str, dict[str, Any]]:
    """Send the provider its codes and items; return its answers by serial, or refuse them."""
    body = {"provisions": [delivery.body for delivery in asked]}
    try:
        response = await hub.clients.client(provider).post("api/provisions", json=body)
    except (httpx.HTTPError, ConfigurationError) as exc:
        msg = f"the provider {provider} did not answer ({type(exc).__name__})"
        raise ProviderAnswerRefused(msg) from exc
    if not response.is_success:
        msg = f"the provider {provider} answered {response.status_code}"
        raise ProviderAnswerRefused(msg)
    try:
        answer = response.json()
    except ValueError as exc:
        msg = f"the provider {provider} did not answer JSON"
        raise ProviderAnswerRefused(msg) from exc
    given = answer.get("answers") if isinstance(answer, dict) else None
    if not isinstance(given, list) or len(given) != len(asked):
        msg = f"the provider {provider} did not answer one object per item asked"
        raise ProviderAnswerRefused(msg)
    return {
        delivery.serial: item if isinstance(item, dict) else {}
        for delivery, item in zip(asked, given, strict=True)
    }


def _record_answers(
    hub: HubNode, answers: Mapping[str, Mapping[str, Any]], failed: Sequence[tuple[list[str], str]]
) -> dict[str, ExchangeView]:
    """Complete the exchanges answered (their ledger entries in one append), count the rest."""
    with unit_of_work(hub.sessions) as session:
        service = _service(session, hub)
        for serials, reason in failed:
            service.attempts_failed(serials, reason)
        ledger = hub_ledger(session, hub.keys, hub.spec.base_url)
        completed = service.complete_many(answers, ledger)
        if not failed and not any(isinstance(each, NetworkError) for each in completed.values()):
            return {
                serial: _view(exchange)
                for serial, exchange in completed.items()
                if not isinstance(exchange, NetworkError)
            }
        # Some tries failed: read every exchange back, its count of tries and reason included.
        asked = [serial for serials, _ in failed for serial in serials] + list(answers)
        return {exchange.serial: _view(exchange) for exchange in service.locked(asked)}


def _hand_over(
    hub: HubNode, caller: Caller, serials: Sequence[str]
) -> tuple[list[ExchangeView | NetworkError], list[Delivery]]:
    """Return the caller's exchanges, handing over each answer that has come, in one transaction.

    Also answers what to send the providers of those still pending.
    """
    with unit_of_work(hub.sessions) as session:
        body, _ = _authenticated(session, caller)
        service = _service(session, hub)
        views: list[ExchangeView | NetworkError] = []
        deliveries: list[Delivery] = []
        for found in service.exchanges(serials, body.id):
            if isinstance(found, NetworkError):
                views.append(found)
                continue
            if found.status == PENDING:
                deliveries.append(service.delivery(found))
            views.append(_view(found, service.collect(found)))
        return views, deliveries


async def _answers(
    hub: HubNode, caller: Caller, serials: Sequence[str]
) -> list[ExchangeView | NetworkError]:
    """Hand over the answers of ``serials``; a pending exchange is tried again first."""
    views, deliveries = await anyio.to_thread.run_sync(
        functools.partial(_hand_over, hub, caller, serials)
    )
    if not deliveries:
        return views
    await _deliver(hub, deliveries)
    retried = [delivery.serial for delivery in deliveries]
    again, _ = await anyio.to_thread.run_sync(functools.partial(_hand_over, hub, caller, retried))
    after = {view.serial: view for view in again if isinstance(view, ExchangeView)}
    return [
        after.get(view.serial, view) if isinstance(view, ExchangeView) else view for view in views
    ]


def _requests(forms: Sequence[BatchExchangeForm]) -> list[ExchangeRequest]:
    """Return the exchange requests of a batch's items."""
    return [
        ExchangeRequest(
            code=form.code,
            row_id=form.row,
            item=form.item,
            provider_id=form.provider,
            idempotency_key=form.idempotency_key,
        )
        for form in forms
    ]


def _item(found: ExchangeView | NetworkError) -> BatchItem:
    """Return one item of a batch's answer: the exchange, or why it was refused."""
    if isinstance(found, NetworkError):
        return BatchItem(
            refusal=Refusal(type=found.problem_type, title=found.title, detail=str(found))
        )
    return BatchItem(exchange=found)


async def _opened_and_delivered(
    hub: HubNode, caller: Caller, requests: Sequence[ExchangeRequest]
) -> list[ExchangeView | NetworkError]:
    """Open the exchanges and try their providers at once; answer each one's state after."""
    views, deliveries = await anyio.to_thread.run_sync(
        functools.partial(_open, hub, caller, requests)
    )
    if not deliveries:
        return views
    after = await _deliver(hub, deliveries)
    return [
        after.get(view.serial, view) if isinstance(view, ExchangeView) else view for view in views
    ]


async def _form(
    request: Request, hub: HubNode, caller: Caller, form: type[_Form], limit: int
) -> _Form:
    """Return the request's body as ``form``; record and raise the refusal of one that is not."""
    raw = await read_bounded(request, limit)
    error: MalformedExchange
    if raw is None:
        error = ExchangeTooLarge(f"the request body is larger than {limit} bytes")
    else:
        parsed = parse_form(raw, form)
        if not isinstance(parsed, str):
            return parsed
        error = MalformedExchange(parsed)
    await anyio.to_thread.run_sync(
        functools.partial(_record_refusals, hub, caller, [(error, None)])
    )
    raise error


@router.post(
    "/exchanges",
    status_code=HTTPStatus.ACCEPTED,
    summary="Ask for a data item about a person",
    openapi_extra=openapi_body(ExchangeForm),
)
async def request_exchange(
    request: Request, hub: Hub, caller: CallerOf, idempotency_key: IdempotencyKey = None
) -> ExchangeView:
    """Open the exchange (or find it by its idempotency key) and try the provider at once."""
    form = await _form(request, hub, caller, ExchangeForm, MAX_EXCHANGE_BYTES)
    asked = ExchangeRequest(
        code=form.code,
        row_id=form.row,
        item=form.item,
        provider_id=form.provider,
        idempotency_key=idempotency_key or "",
    )
    [found] = await _opened_and_delivered(hub, caller, [asked])
    if isinstance(found, NetworkError):
        raise found
    return found


@router.get("/exchanges/{serial}", summary="Collect an exchange's answer")
async def collect_exchange(serial: str, hub: Hub, caller: CallerOf) -> ExchangeView:
    """Answer the exchange's state; hand the answer over once it has come."""
    [found] = await _answers(hub, caller, [serial])
    if isinstance(found, NetworkError):
        raise found
    return found


@router.post(
    "/exchange-batches",
    status_code=HTTPStatus.ACCEPTED,
    summary="Ask for many data items at once",
    openapi_extra=openapi_body(ExchangeBatchForm),
)
async def request_exchange_batch(request: Request, hub: Hub, caller: CallerOf) -> BatchView:
    """Open each exchange of the batch (or find it by its key) and try the providers at once.

    Each item is answered in its place: the exchange, or the refusal of that item alone.
    """
    form = await _form(request, hub, caller, ExchangeBatchForm, MAX_BATCH_BYTES)
    found = await _opened_and_delivered(hub, caller, _requests(form.exchanges))
    return BatchView(exchanges=[_item(each) for each in found])


@router.post(
    "/exchange-answers",
    summary="Collect the answers of many exchanges at once",
    openapi_extra=openapi_body(AnswersForm),
)
async def collect_exchange_answers(request: Request, hub: Hub, caller: CallerOf) -> BatchView:
    """Hand over the answers of the exchanges named; each one not found is refused in its place."""
    form = await _form(request, hub, caller, AnswersForm, MAX_BATCH_BYTES)
    found = await _answers(hub, caller, form.serials)
    return BatchView(exchanges=[_item(each) for each in found])
