"""The routes of an institution node: the body's own staff ask through it; the hub asks it.

* ``POST /api/exchanges``: a staff member asks for a data item about a person; the node passes
  the request to the hub with the staff member's credentials (``Authorization: Bearer``,
  ``X-Staff``, ``Idempotency-Key``) and keeps the body's own record of the exchange.
* ``GET /api/exchanges/{serial}``: collect the answer through the hub; the node keeps it in its
  record.
* ``POST /api/numbers``: a staff member records a number collected from the person, with the
  registry's identity-confirmation receipt; the registry checks both and answers the body's code
  for the person, which the node keeps beside the number (encrypted).
* ``POST /api/provisions``: the hub asks for a shareable copy under this body's code for a
  person; answered once per serial number, recorded.

The hub authenticates the body and its staff member on every exchange; the node records an
exchange only once the hub has accepted it, so a refused request leaves nothing here. Answers
from the hub -- problems included -- are passed back as they came.
"""

import functools
from collections.abc import Mapping
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
from mynumber.nodes.callers import node_of_kind
from mynumber.nodes.context import Node, NodeContext
from mynumber.nodes.exceptions import NodeUnavailable
from mynumber.storage import unit_of_work

router = APIRouter(prefix="/api", tags=["institution"])

#: The hub, proved by its signature: the only node that may ask for shareable copies.
HubCaller = Annotated[NodeSpec, Depends(node_of_kind(NodeKind.HUB))]

#: The headers a staff member's request carries on to the hub.
FORWARDED_HEADERS = ("authorization", "x-staff", "idempotency-key")

Text = Annotated[str, Field(min_length=1, max_length=100)]


class _Form(BaseModel):
    """A request body: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ExchangeForm(_Form):
    """A request for one data item about a person, by this body's own code for the person."""

    code: Annotated[str, Field(min_length=1, max_length=64)]
    row: Text
    item: Text
    provider: Annotated[str, Field(min_length=1, max_length=64)]


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


class ProvisionView(BaseModel):
    """The answer to the hub: whether the body holds the item, and the item."""

    held: bool
    data: dict[str, Any] | None


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
    body: Mapping[str, Any] | None,
) -> httpx.Response:
    """Send a staff member's request on to the hub or the registry; no answer is a problem."""
    target = _node_of_kind(node, kind)
    try:
        return await node.clients.client(target).request(
            method, path, json=None if body is None else dict(body), headers=_forwarded(request)
        )
    except httpx.HTTPError as exc:
        raise NodeUnavailable(target, f"it did not answer ({type(exc).__name__})") from exc


def _passed_back(response: httpx.Response) -> Response:
    """Return the hub's answer as it came: status, body and media type."""
    return Response(
        response.content,
        status_code=response.status_code,
        media_type=response.headers.get("content-type"),
    )


def _record_requested(node: NodeContext, exchange: dict[str, Any], code: str, staff: str) -> None:
    """Keep the body's record of an exchange the hub accepted."""
    with unit_of_work(node.sessions) as session:
        InstitutionRecords(session).requested(exchange, code, staff)


def _record_collected(node: NodeContext, exchange: dict[str, Any]) -> None:
    """Update the body's record with what the hub answered."""
    with unit_of_work(node.sessions) as session:
        InstitutionRecords(session).collected(exchange)


@router.post("/exchanges", summary="Ask for a data item about a person, through the hub")
async def request_exchange(form: ExchangeForm, request: Request, node: Node) -> Response:
    """Pass the request to the hub; keep the body's record once the hub accepts it."""
    response = await _pass_on(
        node, NodeKind.HUB, "POST", "api/exchanges", request=request, body=form.model_dump()
    )
    if response.is_success:
        exchange = response.json()
        staff = request.headers.get("x-staff", "")
        await anyio.to_thread.run_sync(
            functools.partial(_record_requested, node, exchange, form.code, staff)
        )
        return JSONResponse(exchange, status_code=response.status_code)
    return _passed_back(response)


@router.get("/exchanges/{serial}", summary="Collect an exchange's answer through the hub")
async def collect_exchange(serial: str, request: Request, node: Node) -> Response:
    """Ask the hub for the exchange; keep its answer in the body's record."""
    response = await _pass_on(
        node, NodeKind.HUB, "GET", f"api/exchanges/{serial}", request=request, body=None
    )
    if response.is_success:
        exchange = response.json()
        await anyio.to_thread.run_sync(functools.partial(_record_collected, node, exchange))
        return JSONResponse(exchange, status_code=response.status_code)
    return _passed_back(response)


@router.post("/provisions", summary="The hub asks for a shareable copy (hub only)")
def provide(form: ProvisionForm, node: Node, hub: HubCaller) -> ProvisionView:
    """Answer whether the body holds the item for the person it knows by the code, and what."""
    del hub  # checked by the dependency: only the deployment's hub asks
    with unit_of_work(node.sessions) as session:
        answer = InstitutionRecords(session).provide(form.model_dump())
    return ProvisionView(held=answer["held"], data=answer["data"])


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
