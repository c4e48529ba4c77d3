"""The counter pages of the registry node (窓口), server-rendered, in Japanese and English.

A clerk starts at ``/counter/login`` with their name (kept in a signed cookie, see
:mod:`mynumber.register.clerks`) and then finds residents, registers them, records their life
events and changes their numbers. Forms POST and redirect (PRG); a refused form comes back with
what to fix beside each field, in the clerk's language, and nothing changed. Searches answer their
POST directly, so that names, dates of birth and numbers never appear in a URL.

A resident's notice of the number (an alternate notice address, printing) has its own pages in
:mod:`mynumber.register.notice_pages`, under the same paths.
"""

from collections.abc import Callable, Mapping
from functools import lru_cache
from http import HTTPStatus
from importlib.resources import files
from typing import TYPE_CHECKING, Any, TypeVar

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError

from mynumber.numbers.exceptions import InvalidNumber
from mynumber.register.clerks import ClerkRequired, clerk_named
from mynumber.register.counter import (
    EVENT_ACTIONS,
    RegistryNode,
    ResidentView,
    record_event,
    register_service,
    resident_view,
    summary,
)
from mynumber.register.exceptions import RegisterError, ResidentNotFound
from mynumber.register.models import EventKind
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
    Body,
    NameSearch,
    NumberQuery,
    Registration,
    today,
)
from mynumber.register.search import ResidentSearch
from mynumber.storage import unit_of_work

if TYPE_CHECKING:
    from mynumber.nodes.context import NodeContext

router = APIRouter(prefix=COUNTER, include_in_schema=False)

ModelT = TypeVar("ModelT", bound=BaseModel)
_REGISTER_DEFAULTS = {"event": "birth", "nationality": "JP", "preferred_language": "ja"}


@lru_cache(maxsize=1)
def _stylesheet() -> bytes:
    """Return the counter's stylesheet, read once."""
    return (files("mynumber.register") / "templates" / "counter.css").read_bytes()


@router.get("/static/counter.css")
def stylesheet() -> Response:
    """Serve the counter's stylesheet."""
    return Response(_stylesheet(), media_type="text/css")


@router.get("/")
def start(page: CounterPage) -> Response:
    """Send a clerk to the search page, anyone else to the start page."""
    return page.redirect(f"{COUNTER}/find") if page.clerk else page.to_login()


@router.get("/login")
def login_form(page: CounterPage, *, out: bool = False) -> Response:
    """Show the start page: the clerk enters their name."""
    return page.render("login.html", notice=page.t("login.logged_out") if out else None)


@router.post("/login")
def login(page: CounterPage, data: FormData) -> Response:
    """Start the clerk's session and send them to the search page."""
    try:
        clerk = clerk_named(data.get("name"))
    except ClerkRequired:
        errors = {"name": page.t("error.login")}
        return page.render("login.html", status=HTTPStatus.UNPROCESSABLE_ENTITY, errors=errors)
    response = page.redirect(f"{COUNTER}/find")
    page.sign_in(response, clerk)
    return response


@router.get("/logout")
def logout(page: CounterPage) -> Response:
    """End the clerk's session and go back to the start page."""
    response = page.redirect(f"{COUNTER}/login?out=true")
    page.sign_out(response)
    return response


@router.get("/find")
def find_form(page: CounterPage) -> Response:
    """Show the two ways of finding a resident: by number, by name and date of birth."""
    return page.render("find.html") if page.clerk else page.to_login()


@router.post("/find/number")
def find_by_number(page: CounterPage, node: RegistryNode, data: FormData) -> Response:
    """Open the record of the number's holder; a replaced number finds no one."""

    def work(query: NumberQuery) -> str:
        with unit_of_work(node.sessions) as session:
            found = register_service(session, node).find_by_number(query.number)
            return f"{COUNTER}/residents/{found.id}"

    context = {"here": page.url(f"{COUNTER}/find")}
    return _submit(
        page,
        "find.html",
        context=context,
        data=data,
        model=NumberQuery,
        work=work,
        refused="number",
    )


@router.post("/find/name")
def find_by_name(page: CounterPage, node: RegistryNode, data: FormData) -> Response:
    """List the residents of that name or reading born on that day (no numbers)."""
    if page.clerk is None:
        return page.to_login()
    here = page.url(f"{COUNTER}/find")
    try:
        query = parse(NameSearch, data)
    except ValidationError as exc:
        errors = field_errors(exc, page.language)
        return _refused(page, "find.html", {"here": here}, data, errors)
    with unit_of_work(node.sessions) as session:
        found = ResidentSearch(session).by_name_and_birth(query.name, query.date_of_birth)
        results = [summary(resident) for resident in found]
    return page.render("find.html", here=here, form=data, results=results)


@router.get("/register")
def register_form(page: CounterPage) -> Response:
    """Show the registration form, dated today."""
    if page.clerk is None:
        return page.to_login()
    return page.render("register.html", form={**_REGISTER_DEFAULTS, "date": str(today())})


@router.post("/register")
def register(page: CounterPage, node: RegistryNode, data: FormData) -> Response:
    """Register the person and open their new record."""

    def work(body: Registration) -> str:
        assert page.clerk is not None  # noqa: S101 -- _submit lets only a clerk through
        with unit_of_work(node.sessions) as session:
            resident = register_service(session, node).register(
                body.record(), event=EventKind(body.event), occurred_on=body.date, clerk=page.clerk
            )
            session.flush()
            return f"{COUNTER}/residents/{resident.id}?done=registered"

    return _submit(page, "register.html", context={}, data=data, model=Registration, work=work)


@router.get("/residents/{resident_id}")
def resident(
    page: CounterPage, node: RegistryNode, resident_id: int, done: str | None = None
) -> Response:
    """Show a resident's record: attributes, number masked, history, what can be recorded."""
    notice = page.t(f"done.{done}") if done in {*EVENT_ACTIONS, "registered"} else None
    return _resident_page(page, node, resident_id, reveal=False, notice=notice)


@router.post("/residents/{resident_id}/reveal")
def reveal(page: CounterPage, node: RegistryNode, resident_id: int) -> Response:
    """Show the record with the whole number, in the answer to a POST (never in a URL)."""
    return _resident_page(page, node, resident_id, reveal=True, notice=None)


def _event_routes(action: str) -> None:
    """Serve the form of ``action`` at ``/counter/residents/{id}/ACTION`` and record it on POST.

    One route per event (not ``/{action}``), so other routers' pages under a resident's path
    (``.../notice``) are not taken for an unknown event.
    """

    def show(page: CounterPage, node: RegistryNode, resident_id: int) -> Response:
        """Show the form of the event for one resident, dated today."""
        return _with_resident(
            page,
            node,
            resident_id,
            lambda view: _event_page(page, action, view, {"date": str(today())}),
        )

    def submit(page: CounterPage, node: RegistryNode, resident_id: int, data: FormData) -> Response:
        """Record the event and go back to the resident's record."""

        def work(body: Body) -> str:
            assert page.clerk is not None  # noqa: S101 -- _submit lets only a clerk through
            record_event(node, resident_id, action, body, page.clerk)
            return f"{COUNTER}/residents/{resident_id}?done={action}"

        def answer(view: ResidentView) -> Response:
            context = {"action": action, "resident": view, "here": _here(page, view.id, action)}
            spec = EVENT_ACTIONS[action]
            return _submit(
                page,
                "event.html",
                context=context,
                data=data,
                model=spec.body,
                work=work,
                refused=spec.refused_field,
            )

        return _with_resident(page, node, resident_id, answer)

    path = f"/residents/{{resident_id}}/{action}"
    router.add_api_route(path, show, methods=["GET"], name=f"{action}-form")
    router.add_api_route(path, submit, methods=["POST"], name=f"{action}-record")


for _action in EVENT_ACTIONS:
    _event_routes(_action)


def _submit(  # noqa: PLR0913 -- a form's page, words, data, shape, work, field
    page: Page,
    template: str,
    *,
    context: Mapping[str, Any],
    data: Mapping[str, str],
    model: type[ModelT],
    work: Callable[[ModelT], str],
    refused: str | None = None,
) -> Response:
    """Check the form, do the work, redirect where it says; or show the form with what to fix."""
    if page.clerk is None:
        return page.to_login()
    try:
        body = parse(model, data)
    except ValidationError as exc:
        return _refused(page, template, context, data, field_errors(exc, page.language))
    try:
        target = work(body)
    except (RegisterError, InvalidNumber) as exc:
        errors = {refused or FORM: refusal(exc, page.language)}
        return _refused(page, template, context, data, errors)
    return page.redirect(target)


def _refused(
    page: Page,
    template: str,
    context: Mapping[str, Any],
    data: Mapping[str, str],
    errors: Mapping[str, str],
) -> Response:
    """Show the form again as submitted, with what to fix; nothing was changed."""
    status = HTTPStatus.UNPROCESSABLE_ENTITY
    return page.render(template, status=status, form=data, errors=errors, **context)


def _with_resident(
    page: Page,
    node: "NodeContext",
    resident_id: int,
    then: Callable[[ResidentView], Response],
    *,
    reveal: bool = False,
) -> Response:
    """Load the resident and answer with ``then``; a 404 page if there is no such resident."""
    if page.clerk is None:
        return page.to_login()
    try:
        with unit_of_work(node.sessions) as session:
            view = resident_view(register_service(session, node).get(resident_id), reveal=reveal)
    except ResidentNotFound as exc:
        message = refusal(exc, page.language)
        return page.render("not_found.html", status=HTTPStatus.NOT_FOUND, message=message)
    return then(view)


def _resident_page(
    page: Page, node: "NodeContext", resident_id: int, *, reveal: bool, notice: str | None
) -> Response:
    """Render a resident's record, with the whole number when ``reveal``."""
    here = page.url(f"{COUNTER}/residents/{resident_id}")
    return _with_resident(
        page,
        node,
        resident_id,
        lambda view: page.render(
            "resident.html", here=here, resident=view, notice=notice, actions=list(EVENT_ACTIONS)
        ),
        reveal=reveal,
    )


def _event_page(page: Page, action: str, view: ResidentView, form: Mapping[str, str]) -> Response:
    """Render the form of ``action`` for the resident ``view``."""
    here = _here(page, view.id, action)
    return page.render("event.html", here=here, action=action, resident=view, form=form)


def _here(page: Page, resident_id: int, action: str) -> str:
    """Return the address of an event's form."""
    return page.url(f"{COUNTER}/residents/{resident_id}/{action}")
