"""The money pages of the portal: my benefit account, and the deposit accounts linked to my number.

* ``GET /account``: the public-benefit receipt account (公金受取口座) registered, masked, and the
  form to register one; the deposit accounts linked to my number (預貯金口座付番), masked, with a
  form to link one and a button to unlink each.
* ``POST /account``: register the benefit account at the registry; a holder's name that is not my
  own reading in kana is refused, with the reason, and changes nothing.
* ``POST /account/deposit-links``: link a deposit account to my number -- in my own name, once.
* ``POST /account/deposit-links/{id}/unlink``: unlink one of my deposit accounts; an account that
  is not mine is not found.

A refused form is shown again with what was typed and why, in the visitor's language. At a kiosk,
a finished task ends the session.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Annotated, Final

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from mynumber.deployment import NodeKind
from mynumber.nodes.context import Node  # noqa: TC001 -- FastAPI reads them at run time
from mynumber.nodes.exceptions import NodeUnavailable
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

if TYPE_CHECKING:
    from collections.abc import Mapping

    import httpx


router = APIRouter(include_in_schema=False)

#: The registry's refusals of an account the page explains, by their problem code; any other
#: refusal of a form is explained as a form to check.
_REFUSALS: Final[Mapping[str, str]] = {
    "account-holder-refused": "holder",
    "account-already-linked": "duplicate",
    "deposit-links-full": "full",
}
_NOT_LINKED: Final = "deposit-link-not-found"


class AccountFields(BaseModel):
    """The benefit account form, or the deposit account form, as the page posts it."""

    form_token: Annotated[str, Field(max_length=100)] = ""
    bank: Annotated[str, Field(max_length=10)] = ""
    branch: Annotated[str, Field(max_length=10)] = ""
    kind: Annotated[str, Field(max_length=10)] = ""
    number: Annotated[str, Field(max_length=20)] = ""
    holder_kana: Annotated[str, Field(max_length=200)] = ""


def _refused(answer: httpx.Response) -> bool:
    """Tell whether the registry refused what the form gave, rather than failed or ended."""
    return answer.status_code in {HTTPStatus.UNPROCESSABLE_ENTITY, HTTPStatus.CONFLICT}


async def _account_page(
    visit: Visit,
    *,
    error: str | None = None,
    form: Mapping[str, str] | None = None,
    link_error: str | None = None,
    link_form: Mapping[str, str] | None = None,
) -> Response:
    """Answer the money page, with the refusal of one of its forms if there was one."""
    answer = await call(visit, NodeKind.REGISTRY, "api/portal/me")
    if not answer.is_success:
        return failed(visit, answer)
    links = await call(visit, NodeKind.REGISTRY, "api/portal/deposit-links")
    if not links.is_success:
        return failed(visit, links)
    refused = error is not None or link_error is not None
    return visit.render(
        "account.html",
        HTTPStatus.UNPROCESSABLE_ENTITY if refused else HTTPStatus.OK,
        me=answer.json(),
        deposits=links.json(),
        error=error,
        form=form or {},
        link_error=link_error,
        link_form=link_form or {},
        done="" if refused else visit.request.query_params.get("done", ""),
        day=day_formatter(visit.language),
    )


@router.get("/account")
async def account(request: Request, node: Node) -> Response:
    """Show my benefit account and my linked deposit accounts, and the forms to change them."""
    visit = await visit_of(request, node)
    if visit.session is None:
        return visit.redirect("/login")
    try:
        return await _account_page(visit)
    except NodeUnavailable:
        return unavailable(visit)


async def _send_account(visit: Visit, fields: AccountFields, *, linking: bool) -> Response:
    """Send one of the page's account forms to the registry; show a refusal with why, kept.

    ``linking`` says which form it was: a deposit account to link, else the benefit account.
    """
    path, method, done = (
        ("api/portal/deposit-links", "POST", "/account?done=linked#deposit-links")
        if linking
        else ("api/portal/benefit-account", "PUT", "/account?done=1")
    )
    form = fields.model_dump(exclude={"form_token"})
    try:
        answer = await call(visit, NodeKind.REGISTRY, path, method=method, body=form)
        if _refused(answer):
            error = _REFUSALS.get(problem_code(answer) or "", "form")
            if linking:
                return await _account_page(visit, link_error=error, link_form=form)
            return await _account_page(visit, error=error, form=form)
    except NodeUnavailable:
        return unavailable(visit)
    if not answer.is_success:
        return failed(visit, answer)
    return await task_done(visit, done)


@router.post("/account")
async def register_account(
    request: Request, node: Node, fields: Annotated[AccountFields, Form()]
) -> Response:
    """Register my benefit account; a holder's name not my own reading is refused, with why."""
    visit = await form_visit(request, node, fields.form_token)
    if isinstance(visit, Response):
        return visit
    return await _send_account(visit, fields, linking=False)


@router.post("/account/deposit-links")
async def link_account(
    request: Request, node: Node, fields: Annotated[AccountFields, Form()]
) -> Response:
    """Link a deposit account to my number; a refusal is shown with why, what I typed kept."""
    visit = await form_visit(request, node, fields.form_token)
    if isinstance(visit, Response):
        return visit
    return await _send_account(visit, fields, linking=True)


@router.post("/account/deposit-links/{link}/unlink")
async def unlink_account(
    link: int,
    request: Request,
    node: Node,
    form_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Unlink one of my deposit accounts; one that is not mine is not found."""
    visit = await form_visit(request, node, form_token)
    if isinstance(visit, Response):
        return visit
    try:
        answer = await call(
            visit, NodeKind.REGISTRY, f"api/portal/deposit-links/{link}", method="DELETE"
        )
    except NodeUnavailable:
        return unavailable(visit)
    if answer.is_success:
        return await task_done(visit, "/account?done=unlinked#deposit-links")
    if problem_code(answer) == _NOT_LINKED:
        return visit.render("not_found.html", HTTPStatus.NOT_FOUND)
    return failed(visit, answer)
