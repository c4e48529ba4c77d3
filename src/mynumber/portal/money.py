"""The money pages of the portal: my public-benefit receipt account (公金受取口座).

* ``GET /account``: the account registered, masked, and the form to register one.
* ``POST /account``: register it at the registry; a holder's name that is not my own reading in
  kana is refused, with the reason, and changes nothing.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from mynumber.deployment import NodeKind
from mynumber.nodes.context import Node  # noqa: TC001 -- FastAPI reads them at run time
from mynumber.nodes.exceptions import NodeUnavailable
from mynumber.portal.visits import (
    Visit,
    call,
    failed,
    form_visit,
    task_done,
    unavailable,
    visit_of,
)

if TYPE_CHECKING:
    from collections.abc import Mapping


router = APIRouter(include_in_schema=False)


class AccountFields(BaseModel):
    """The benefit account form as the page posts it."""

    form_token: Annotated[str, Field(max_length=100)] = ""
    bank: Annotated[str, Field(max_length=10)] = ""
    branch: Annotated[str, Field(max_length=10)] = ""
    kind: Annotated[str, Field(max_length=10)] = ""
    number: Annotated[str, Field(max_length=20)] = ""
    holder_kana: Annotated[str, Field(max_length=200)] = ""


async def _account_page(
    visit: Visit, *, error: str | None = None, form: Mapping[str, str] | None = None
) -> Response:
    """Answer the benefit account page, with the refusal of a form if there was one."""
    answer = await call(visit, NodeKind.REGISTRY, "api/portal/me")
    if not answer.is_success:
        return failed(visit, answer)
    status = HTTPStatus.OK if error is None else HTTPStatus.UNPROCESSABLE_ENTITY
    done = error is None and visit.request.query_params.get("done") == "1"
    return visit.render(
        "account.html", status, me=answer.json(), error=error, form=form or {}, done=done
    )


@router.get("/account")
async def account(request: Request, node: Node) -> Response:
    """Show my benefit account and the form to register one."""
    visit = await visit_of(request, node)
    if visit.session is None:
        return visit.redirect("/login")
    try:
        return await _account_page(visit)
    except NodeUnavailable:
        return unavailable(visit)


@router.post("/account")
async def register_account(
    request: Request, node: Node, fields: Annotated[AccountFields, Form()]
) -> Response:
    """Register my benefit account; a holder's name not my own reading is refused, with why."""
    visit = await form_visit(request, node, fields.form_token)
    if isinstance(visit, Response):
        return visit
    form = fields.model_dump(exclude={"form_token"})
    try:
        answer = await call(
            visit, NodeKind.REGISTRY, "api/portal/benefit-account", method="PUT", body=form
        )
        if answer.status_code == HTTPStatus.UNPROCESSABLE_ENTITY:
            kind = str(answer.json().get("type", ""))
            error = "holder" if kind.endswith(":account-holder-refused") else "form"
            return await _account_page(visit, error=error, form=form)
    except NodeUnavailable:
        return unavailable(visit)
    if not answer.is_success:
        return failed(visit, answer)
    return await task_done(visit, "/account?done=1")
