"""The routes of an institution node: the body's own staff ask through it; the hub asks it.

* ``POST /api/exchanges``: a staff member asks for a data item about a person; the node passes
  the request to the hub with the staff member's credentials (``Authorization: Bearer``,
  ``X-Staff``, ``Idempotency-Key``) and keeps the body's own record of the exchange.
* ``GET /api/exchanges/{serial}``: collect the answer through the hub; the node keeps it in its
  record.
* ``POST /api/numbers``: a staff member records a number collected from the person, with the
  registry's identity-confirmation receipt; the registry checks both and answers the body's code
  for the person, which the node keeps beside the number (encrypted).
* ``POST /api/exchange-batches``, ``POST /api/exchange-answers``: the same for up to a thousand
  exchanges at once (each item with its own ``idempotency_key``); the node keeps a record of each
  exchange the hub accepted.
* ``POST /api/provisions``: the hub asks for shareable copies under this body's codes for persons
  (all the items it routes here at once); each answered once per serial number, recorded.

The hub authenticates the body and its staff member on every exchange; the node records an
exchange only once the hub has accepted it, so a refused request leaves nothing here. A staff
member's exchange request goes on to the hub as it came -- the node checks only its size -- so
the hub refuses a malformed one and records the refusal; a body too large is refused (413) and
logged by the node itself. Answers
from the hub -- problems included -- are passed back as they came.
"""

import functools
import logging
from collections.abc import Mapping, Sequence
from datetime import date
from http import HTTPStatus
from typing import Annotated, Any

import anyio.to_thread
import httpx
from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from mynumber.deployment import NodeKind, NodeSpec
from mynumber.institution.services import InstitutionRecords
from mynumber.network.exchange_api import (
    MAX_BATCH,
    MAX_BATCH_BYTES,
    MAX_EXCHANGE_BYTES,
    AnswersForm,
    ExchangeBatchForm,
    ExchangeForm,
)
from mynumber.network.service_exceptions import ExchangeTooLarge
from mynumber.nodes.callers import node_of_kind
from mynumber.nodes.context import Node, NodeContext
from mynumber.nodes.exceptions import NodeUnavailable
from mynumber.request_bodies import openapi_body, read_bounded
from mynumber.storage import unit_of_work

router = APIRouter(prefix="/api", tags=["institution"])

_log = logging.getLogger(__name__)

#: The hub, proved by its signature: the only node that may ask for shareable copies.
HubCaller = Annotated[NodeSpec, Depends(node_of_kind(NodeKind.HUB))]

#: The headers a staff member's request carries on to the hub.
FORWARDED_HEADERS = ("authorization", "x-staff", "idempotency-key")

Text = Annotated[str, Field(min_length=1, max_length=100)]


class _Form(BaseModel):
    """A request body: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class NumberForm(_Form):
    """A number collected from the person, the receipt of the identity check, and the task."""

    number: Annotated[str, Field(min_length=1, max_length=40)]
    receipt_id: Annotated[str, Field(min_length=1, max_length=100)]
    task: Text
    retention_until: date | None = None


class HeldView(BaseModel):
    """A number the body now holds, as the node shows it: never the number itself."""

    code: str
    task: str
    retention_until: date


class ProvisionForm(_Form):
    """The hub asking for a shareable copy: serial number, this body's code, item, row, task."""

    serial: Annotated[str, Field(min_length=1, max_length=32)]
    code: Annotated[str, Field(min_length=1, max_length=64)]
    item: Text
    row: Text
    task: Text
    requester: Annotated[str, Field(min_length=1, max_length=64)]


class ProvisionsForm(_Form):
    """The hub asking for shareable copies, one item per request."""

    provisions: Annotated[list[ProvisionForm], Field(min_length=1, max_length=MAX_BATCH)]


class ProvisionView(BaseModel):
    """The answer to one request of the hub: whether the body holds the item, and the item."""

    held: bool
    data: dict[str, Any] | None


class ProvisionsView(BaseModel):
    """The answers to the hub, in the order it asked."""

    answers: list[ProvisionView]


def _node_of_kind(node: NodeContext, kind: NodeKind) -> str:
    """Return the id of the deployment's node of ``kind`` (its hub, its registry)."""
    return node.deployment.of_kind(kind)[0].id


def _forwarded(request: Request) -> dict[str, str]:
    """Return the staff member's credentials and idempotency key to pass on to the hub."""
    return {name: request.headers[name] for name in FORWARDED_HEADERS if name in request.headers}


async def _pass_on(  # noqa: PLR0913 -- the request as it goes on: where, how, what, whose
    node: NodeContext,
    kind: NodeKind,
    method: str,
    path: str,
    *,
    request: Request,
    body: Mapping[str, Any] | bytes | None,
) -> httpx.Response:
    """Send a staff member's request on to the hub or the registry; no answer is a problem.

    ``body`` goes as JSON, or as it came (bytes) for the hub to read and, if need be, refuse.
    """
    target = _node_of_kind(node, kind)
    headers = _forwarded(request)
    content = body if isinstance(body, bytes) else None
    if content is not None:
        headers["content-type"] = "application/json"
    data = None if body is None or isinstance(body, bytes) else dict(body)
    try:
        return await node.clients.client(target).request(
            method, path, json=data, content=content, headers=headers
        )
    except httpx.HTTPError as exc:
        raise NodeUnavailable(target, f"it did not answer ({type(exc).__name__})") from exc


async def _as_sent(request: Request, limit: int) -> bytes:
    """Return the staff member's request body as sent, for the hub to check and record.

    The node checks only its size: a body over the hub's limit is refused here, and logged.
    """
    raw = await read_bounded(request, limit)
    if raw is None:
        staff = request.headers.get("x-staff", "")[:64]
        _log.warning("refused a request body over %d bytes from staff member %r", limit, staff)
        msg = f"the request body is larger than {limit} bytes"
        raise ExchangeTooLarge(msg)
    return raw


def _passed_back(response: httpx.Response) -> Response:
    """Return the hub's answer as it came: status, body and media type."""
    return Response(
        response.content,
        status_code=response.status_code,
        media_type=response.headers.get("content-type"),
    )


def _record_requested(
    node: NodeContext, exchanges: Sequence[tuple[dict[str, Any], str]], staff: str
) -> None:
    """Keep the body's record of each exchange the hub accepted, with the code asked by."""
    with unit_of_work(node.sessions) as session:
        InstitutionRecords(session).requested_many(exchanges, staff)


def _record_collected(node: NodeContext, exchanges: Sequence[dict[str, Any]]) -> None:
    """Update the body's records with what the hub answered."""
    with unit_of_work(node.sessions) as session:
        InstitutionRecords(session).collected_many(exchanges)


def _exchanges(answer: dict[str, Any]) -> list[dict[str, Any] | None]:
    """Return the items of a batch as the hub answered them: the exchange, or None if refused."""
    items = answer.get("exchanges")
    found: list[dict[str, Any] | None] = []
    for item in items if isinstance(items, list) else []:
        exchange = item.get("exchange") if isinstance(item, dict) else None
        found.append(exchange if isinstance(exchange, dict) else None)
    return found


@router.post(
    "/exchanges",
    summary="Ask for a data item about a person, through the hub",
    openapi_extra=openapi_body(ExchangeForm),
)
async def request_exchange(request: Request, node: Node) -> Response:
    """Pass the request to the hub; keep the body's record once the hub accepts it."""
    raw = await _as_sent(request, MAX_EXCHANGE_BYTES)
    response = await _pass_on(
        node, NodeKind.HUB, "POST", "api/exchanges", request=request, body=raw
    )
    if not response.is_success:
        return _passed_back(response)
    form = ExchangeForm.model_validate_json(raw)  # the hub accepted it: it is one
    exchange = response.json()
    staff = request.headers.get("x-staff", "")
    await anyio.to_thread.run_sync(
        functools.partial(_record_requested, node, [(exchange, form.code)], staff)
    )
    return JSONResponse(exchange, status_code=response.status_code)


@router.post(
    "/exchange-batches",
    summary="Ask for many data items at once, through the hub",
    openapi_extra=openapi_body(ExchangeBatchForm),
)
async def request_exchange_batch(request: Request, node: Node) -> Response:
    """Pass the batch to the hub; keep the body's record of each exchange it accepted."""
    raw = await _as_sent(request, MAX_BATCH_BYTES)
    response = await _pass_on(
        node, NodeKind.HUB, "POST", "api/exchange-batches", request=request, body=raw
    )
    if not response.is_success:
        return _passed_back(response)
    form = ExchangeBatchForm.model_validate_json(raw)  # the hub accepted it: it is one
    answer = response.json()
    codes = [asked.code for asked in form.exchanges]
    accepted = [
        (exchange, code)
        for exchange, code in zip(_exchanges(answer), codes, strict=False)
        if exchange is not None
    ]
    staff = request.headers.get("x-staff", "")
    await anyio.to_thread.run_sync(functools.partial(_record_requested, node, accepted, staff))
    return JSONResponse(answer, status_code=response.status_code)


@router.post(
    "/exchange-answers",
    summary="Collect the answers of many exchanges, through the hub",
    openapi_extra=openapi_body(AnswersForm),
)
async def collect_exchange_answers(request: Request, node: Node) -> Response:
    """Ask the hub for the exchanges; keep their answers in the body's records."""
    raw = await _as_sent(request, MAX_BATCH_BYTES)
    response = await _pass_on(
        node, NodeKind.HUB, "POST", "api/exchange-answers", request=request, body=raw
    )
    if not response.is_success:
        return _passed_back(response)
    answer = response.json()
    collected = [exchange for exchange in _exchanges(answer) if exchange is not None]
    await anyio.to_thread.run_sync(functools.partial(_record_collected, node, collected))
    return JSONResponse(answer, status_code=response.status_code)


@router.get("/exchanges/{serial}", summary="Collect an exchange's answer through the hub")
async def collect_exchange(serial: str, request: Request, node: Node) -> Response:
    """Ask the hub for the exchange; keep its answer in the body's record."""
    response = await _pass_on(
        node, NodeKind.HUB, "GET", f"api/exchanges/{serial}", request=request, body=None
    )
    if response.is_success:
        exchange = response.json()
        await anyio.to_thread.run_sync(functools.partial(_record_collected, node, [exchange]))
        return JSONResponse(exchange, status_code=response.status_code)
    return _passed_back(response)


@router.post("/provisions", summary="The hub asks for shareable copies (hub only)")
def provide(form: ProvisionsForm, node: Node, hub: HubCaller) -> ProvisionsView:
    """Answer, for each item, whether the body holds it for the person it knows by the code."""
    del hub  # checked by the dependency: only the deployment's hub asks
    with unit_of_work(node.sessions) as session:
        answers = InstitutionRecords(session).provide_many(
            [asked.model_dump() for asked in form.provisions]
        )
    return ProvisionsView(
        answers=[ProvisionView(held=answer["held"], data=answer["data"]) for answer in answers]
    )


def _hold(node: NodeContext, form: NumberForm, held: dict[str, Any], staff: str) -> HeldView:
    """Keep the number with the body's code for the person, as the registry confirmed it."""
    retention = date.fromisoformat(held["retention_until"])
    with unit_of_work(node.sessions) as session:
        InstitutionRecords(session).hold_number(
            held["code"], form.number, form.task, staff, retention
        )
    return HeldView(code=held["code"], task=form.task, retention_until=retention)


@router.post("/numbers", status_code=HTTPStatus.CREATED, summary="Record a number collected")
async def collect_number(form: NumberForm, request: Request, node: Node) -> Response:
    """Have the registry check the receipt and the task; keep the number and the body's code."""
    body = form.model_dump(mode="json", exclude_none=True)
    response = await _pass_on(
        node, NodeKind.REGISTRY, "POST", "api/holdings", request=request, body=body
    )
    if not response.is_success:
        return _passed_back(response)
    staff = request.headers.get("x-staff", "")
    view = await anyio.to_thread.run_sync(
        functools.partial(_hold, node, form, response.json(), staff)
    )
    return JSONResponse(view.model_dump(mode="json"), status_code=HTTPStatus.CREATED)
