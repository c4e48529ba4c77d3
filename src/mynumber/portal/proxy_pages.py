"""The proxies page of the portal (代理人): appoint, accept, revoke, act for someone.

* ``GET /proxies``: the proxies I appointed -- who, which kind, where each stands, how often and
  when last each began to act -- and the residents I may act for.
* ``POST /proxies``: invite a proxy (a legal guardian for a minor, or a voluntary proxy); the page
  shows the one-time code once, to give to the proxy.
* ``POST /proxies/accept``: enter a code I was given: I consent to be that resident's proxy.
* ``POST /proxies/{id}/revoke``: revoke my proxy; only I can.
* ``POST /proxies/{id}/act``: act for the resident of appointment ``id``: every page then reads
  their data, under a banner that says so, until ``POST /proxies/stop``.

While acting for someone, a proxy cannot appoint, accept or revoke proxies, see the number in
full, or report a card lost: the registry refuses them, and the pages do not offer them.
"""

from __future__ import annotations

import functools
from http import HTTPStatus
from typing import TYPE_CHECKING, Annotated, Final

import anyio.to_thread
from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from mynumber.deployment import NodeKind
from mynumber.nodes.context import Node, NodeContext  # noqa: TC001 -- FastAPI reads them at run time
from mynumber.nodes.exceptions import NodeUnavailable
from mynumber.portal.sessions import PortalSessions
from mynumber.portal.visits import (
    Visit,
    call,
    day_formatter,
    failed,
    form_visit,
    problem_code,
    task_done,
    unavailable,
    visit_of,
)
from mynumber.storage import unit_of_work

if TYPE_CHECKING:
    import httpx

router = APIRouter(include_in_schema=False)

#: The registry's refusals the page explains, by the end of their problem type.
_REFUSALS: Final = (
    "proxy-code-refused",
    "proxy-limit-reached",
    "proxy-person-refused",
    "proxy-guardian-refused",
    "proxy-not-permitted",
)


def _refusal(answer: httpx.Response) -> str | None:
    """Return which refusal the registry answered, if it is one the page explains."""
    code = problem_code(answer)
    return code if code in _REFUSALS else None


async def _page(
    visit: Visit,
    *,
    status: int = HTTPStatus.OK,
    error: str | None = None,
    invitation: dict[str, str] | None = None,
) -> Response:
    """Answer the proxies page, with a refusal or a new invitation's code if there is one."""
    values = {
        "error": error,
        "invitation": invitation,
        "done": visit.request.query_params.get("done", ""),
        "day": day_formatter(visit.language),
    }
    if visit.session is not None and visit.session.acting_for is not None:
        return visit.render("proxies.html", status, acting=True, **values)
    answer = await call(visit, NodeKind.REGISTRY, "api/portal/proxies")
    if not answer.is_success:
        return failed(visit, answer)
    return visit.render("proxies.html", status, acting=False, proxies=answer.json(), **values)


@router.get("/proxies")
async def proxies(request: Request, node: Node) -> Response:
    """Show my proxies and the residents I may act for."""
    visit = await visit_of(request, node)
    if visit.session is None:
        return visit.redirect("/login")
    try:
        return await _page(visit)
    except NodeUnavailable:
        return unavailable(visit)


async def _ask(
    visit: Visit,
    path: str,
    expected: HTTPStatus,
    *,
    method: str = "POST",
    body: dict[str, str] | None = None,
) -> httpx.Response | Response:
    """Ask the registry for a change; its answer if ``expected``, else the page to give instead.

    A refusal the page explains shows the page again with it; a form the registry cannot read
    (a kind of proxy that does not exist) shows the page asking for the kind; someone else's
    appointment is not found.
    """
    try:
        answer = await call(visit, NodeKind.REGISTRY, path, method=method, body=body)
        if answer.status_code == expected:
            return answer
        refusal = _refusal(answer)
        if refusal is None and answer.status_code == HTTPStatus.UNPROCESSABLE_ENTITY:
            refusal = "kind"
        if refusal is not None:
            return await _page(visit, status=HTTPStatus.UNPROCESSABLE_ENTITY, error=refusal)
    except NodeUnavailable:
        return unavailable(visit)
    if answer.status_code == HTTPStatus.NOT_FOUND:
        return visit.render("not_found.html", HTTPStatus.NOT_FOUND)
    return failed(visit, answer)


@router.post("/proxies")
async def invite(
    request: Request,
    node: Node,
    form_token: Annotated[str, Form(max_length=100)] = "",
    kind: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Invite a proxy; the page shows the one-time code, once."""
    visit = await form_visit(request, node, form_token)
    if isinstance(visit, Response):
        return visit
    answer = await _ask(visit, "api/portal/proxies", HTTPStatus.CREATED, body={"kind": kind})
    if isinstance(answer, Response):
        return answer
    try:
        return await _page(visit, invitation=answer.json())
    except NodeUnavailable:
        return unavailable(visit)


@router.post("/proxies/accept")
async def accept(
    request: Request,
    node: Node,
    form_token: Annotated[str, Form(max_length=100)] = "",
    code: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Accept an appointment with the code the resident gave me: my consent."""
    visit = await form_visit(request, node, form_token)
    if isinstance(visit, Response):
        return visit
    path = "api/portal/proxies/acceptances"
    answer = await _ask(visit, path, HTTPStatus.CREATED, body={"code": code})
    if isinstance(answer, Response):
        return answer
    return await task_done(visit, "/proxies?done=accepted")


@router.post("/proxies/{appointment}/revoke")
async def revoke(
    appointment: int,
    request: Request,
    node: Node,
    form_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Revoke one of my proxies (or withdraw its invitation)."""
    visit = await form_visit(request, node, form_token)
    if isinstance(visit, Response):
        return visit
    path = f"api/portal/proxies/{appointment}"
    answer = await _ask(visit, path, HTTPStatus.NO_CONTENT, method="DELETE")
    if isinstance(answer, Response):
        return answer
    return await task_done(visit, "/proxies?done=revoked")


def _act_for(node: NodeContext, token: str | None, grant: str, name: str) -> None:
    """Have the session act with the proxy's grant."""
    with unit_of_work(node.sessions) as session:
        PortalSessions(session).act_for(token, grant, name)


def _stop_acting(node: NodeContext, token: str | None) -> None:
    """Return the session to the proxy's own grant."""
    with unit_of_work(node.sessions) as session:
        PortalSessions(session).stop_acting(token)


@router.post("/proxies/{appointment}/act")
async def act(
    appointment: int,
    request: Request,
    node: Node,
    form_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Begin to act for the resident of the appointment; the registry records that I did."""
    visit = await form_visit(request, node, form_token)
    if isinstance(visit, Response):
        return visit
    path = f"api/portal/proxies/{appointment}/grants"
    answer = await _ask(visit, path, HTTPStatus.CREATED)
    if isinstance(answer, Response):
        return answer
    acting = answer.json()
    await anyio.to_thread.run_sync(
        functools.partial(
            _act_for, visit.node, visit.token, str(acting["grant"]), str(acting["name"])
        )
    )
    return visit.redirect("/")


@router.post("/proxies/stop")
async def stop(
    request: Request, node: Node, form_token: Annotated[str, Form(max_length=100)] = ""
) -> Response:
    """Stop acting for someone: the pages are mine again."""
    visit = await form_visit(request, node, form_token)
    if isinstance(visit, Response):
        return visit
    await anyio.to_thread.run_sync(_stop_acting, visit.node, visit.token)
    return visit.redirect("/proxies")
