"""Exchanges on the hub node: a body asks, the hub routes to the provider, the body collects.

* ``POST /api/exchanges``: ask for a data item about a person, with the body's own code for the
  person, a row of the table of permitted exchanges and the provider. Answers 202 with the
  transaction serial number and the exchange's state; the hub tries the provider at once.
* ``GET /api/exchanges/{serial}``: the state of the exchange; once it is completed, the answer,
  handed over once (the hub keeps no copy after). A pending exchange is tried again first.

Every request carries the body's API key (``Authorization: Bearer``), the staff member who makes
it (``X-Staff``) and, for a new request, an ``Idempotency-Key``: asking again with the same key
returns the same exchange, never a second one. Refusals are RFC 9457 problems, recorded in the
hub's refusals (and in the ledger when the code names a person), and change nothing else.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from typing import TYPE_CHECKING, Annotated, Any, Protocol

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
from mynumber.network.service_exceptions import AuthenticationRefused, ProviderAnswerRefused
from mynumber.network.services import BodyRegistry
from mynumber.network.table import PermittedExchanges, load_table
from mynumber.settings import ConfigurationError
from mynumber.storage import unit_of_work

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from mynumber.deployment import NodeSpec
    from mynumber.keys import NodeKeys
    from mynumber.network.models import Body, Exchange, Staff

router = APIRouter(prefix="/api", tags=["exchanges"])


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


def _hub(request: Request) -> HubNode:
    """Return the context of the hub node that received ``request``."""
    node: HubNode = request.app.state.node
    return node


def _bearer(authorization: str | None) -> str | None:
    """Return the token of an ``Authorization: Bearer`` header, if there is one."""
    scheme, _, token = (authorization or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


@functools.cache
def _table() -> PermittedExchanges:
    """Return the shipped table of permitted exchanges, read once."""
    return load_table()


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
    return ExchangeService(session, _table(), _code_key(hub))


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
    hub: HubNode, caller: Caller, request: ExchangeRequest
) -> tuple[ExchangeView, Delivery | None]:
    """Open (or find) the exchange; on a refusal, record it and raise it."""
    try:
        with unit_of_work(hub.sessions) as session:
            body, member = _authenticated(session, caller)
            service = _service(session, hub)
            exchange = service.open(body, member, request)
            delivery = service.delivery(exchange) if exchange.status == PENDING else None
            return _view(exchange), delivery
    except NetworkError as error:
        _record_refusal(hub, error, caller, request)
        raise


def _record_refusal(
    hub: HubNode, error: NetworkError, caller: Caller, request: ExchangeRequest
) -> None:
    """Record a refusal in a transaction of its own: the refused request changed nothing."""
    with unit_of_work(hub.sessions) as session:
        try:
            body, member = _authenticated(session, caller)
        except AuthenticationRefused:
            body, staff_id = None, None
        else:
            staff_id = member.staff_id
        _service(session, hub).record_refusal(
            error,
            requester=body,
            staff_id=staff_id,
            request=request,
            ledger=hub_ledger(session, hub.keys, hub.spec.base_url),
        )


async def _deliver(hub: HubNode, delivery: Delivery) -> None:
    """Ask the provider; record its answer (with the ledger entry), or why there was none.

    A provider that cannot be reached or answers wrongly leaves the exchange pending, to be
    tried again when the requester asks. A ledger that cannot append raises: the exchange stays
    pending and nothing is handed over (fail closed).
    """
    try:
        answer = await _ask(hub, delivery)
        await anyio.to_thread.run_sync(functools.partial(_complete, hub, delivery, answer))
    except ProviderAnswerRefused as refused:
        await anyio.to_thread.run_sync(
            functools.partial(_attempt_failed, hub, delivery, str(refused))
        )


async def _ask(hub: HubNode, delivery: Delivery) -> dict[str, Any]:
    """Send the provider its code and the item; return its answer, or refuse what came back."""
    provider = delivery.provider_id
    try:
        response = await hub.clients.client(provider).post("api/provisions", json=delivery.body)
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
    if not isinstance(answer, dict):
        msg = f"the provider {provider} did not answer a JSON object"
        raise ProviderAnswerRefused(msg)
    return answer


def _complete(hub: HubNode, delivery: Delivery, answer: dict[str, Any]) -> None:
    """Complete the exchange with the provider's answer, appending its ledger entry."""
    with unit_of_work(hub.sessions) as session:
        ledger = hub_ledger(session, hub.keys, hub.spec.base_url)
        _service(session, hub).complete(delivery.serial, answer, ledger)


def _attempt_failed(hub: HubNode, delivery: Delivery, reason: str) -> None:
    """Record a failed try of the provider."""
    with unit_of_work(hub.sessions) as session:
        _service(session, hub).attempt_failed(delivery.serial, reason)


def _state(hub: HubNode, caller: Caller, serial: str) -> Delivery | None:
    """Return the delivery of a pending exchange of the caller, or None if it is completed."""
    with unit_of_work(hub.sessions) as session:
        body, _ = _authenticated(session, caller)
        service = _service(session, hub)
        exchange = service.exchange(serial, body.id)
        return service.delivery(exchange) if exchange.status == PENDING else None


def _collect(hub: HubNode, caller: Caller, serial: str) -> ExchangeView:
    """Return the exchange of the caller, handing its answer over if it has come."""
    with unit_of_work(hub.sessions) as session:
        body, _ = _authenticated(session, caller)
        service = _service(session, hub)
        exchange = service.exchange(serial, body.id)
        return _view(exchange, service.collect(exchange))


def _peek(hub: HubNode, caller: Caller, serial: str) -> ExchangeView:
    """Return the exchange of the caller without handing its answer over."""
    with unit_of_work(hub.sessions) as session:
        body, _ = _authenticated(session, caller)
        return _view(_service(session, hub).exchange(serial, body.id))


@router.post(
    "/exchanges", status_code=HTTPStatus.ACCEPTED, summary="Ask for a data item about a person"
)
async def request_exchange(
    form: ExchangeForm, hub: Hub, caller: CallerOf, idempotency_key: IdempotencyKey = None
) -> ExchangeView:
    """Open the exchange (or find it by its idempotency key) and try the provider at once."""
    request = ExchangeRequest(
        code=form.code,
        row_id=form.row,
        item=form.item,
        provider_id=form.provider,
        idempotency_key=idempotency_key or "",
    )
    view, delivery = await anyio.to_thread.run_sync(functools.partial(_open, hub, caller, request))
    if delivery is None:
        return view
    await _deliver(hub, delivery)
    return await anyio.to_thread.run_sync(functools.partial(_peek, hub, caller, view.serial))


@router.get("/exchanges/{serial}", summary="Collect an exchange's answer")
async def collect_exchange(serial: str, hub: Hub, caller: CallerOf) -> ExchangeView:
    """Answer the exchange's state; hand the answer over once it has come."""
    delivery = await anyio.to_thread.run_sync(functools.partial(_state, hub, caller, serial))
    if delivery is not None:
        await _deliver(hub, delivery)
    return await anyio.to_thread.run_sync(functools.partial(_collect, hub, caller, serial))
