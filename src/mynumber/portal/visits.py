"""What every page of the portal shares: who visits, in which language, how it reads other nodes.

A :class:`Visit` is one request: the visitor's language (their choice, else the browser's), their
session if they are logged in, and the node. :func:`call` reads the registry, the hub or the
oversight node with the resident's grant; :func:`form_visit` refuses a form that does not carry the
session's form token. Every answer carries :data:`HEADERS`: no caching, no framing, no scripts
from elsewhere. At a kiosk a task ends the session (:func:`task_done`, :func:`kiosk_task_ended`).
"""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Final

import anyio.to_thread
import httpx
import segno
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from mynumber.deployment import NodeKind
from mynumber.errors import PROBLEM_TYPE_PREFIX
from mynumber.nodes.context import NodeContext  # noqa: TC001 -- FastAPI reads them at run time
from mynumber.nodes.exceptions import NodeUnavailable
from mynumber.portal import i18n
from mynumber.portal.sessions import KIOSK_IDLE, PortalSessions
from mynumber.storage import unit_of_work

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from fastapi import Request

    from mynumber.portal.models import PortalSession

SESSION_COOKIE: Final = "mynumber_portal_session"
LOGIN_COOKIE: Final = "mynumber_portal_login"
LANGUAGE_COOKIE: Final = "mynumber_portal_language"


HEADERS: Final[Mapping[str, str]] = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


@functools.cache
def templates(language: str) -> Environment:
    """Return the template environment of ``language``, its catalog installed."""
    environment = Environment(
        loader=PackageLoader("mynumber.portal", "templates"),
        autoescape=select_autoescape(("html",)),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        extensions=["jinja2.ext.i18n"],
    )
    environment.install_gettext_translations(i18n.translations(language), newstyle=True)  # type: ignore[attr-defined]  # added by the i18n extension
    return environment


@dataclass(frozen=True)
class Visit:
    """One request to the portal: who asks (if logged in), in which language, through which node."""

    request: Request
    node: NodeContext
    language: str
    token: str | None
    session: PortalSession | None

    def url(self, path: str) -> str:
        """Return the address of ``path`` under the portal's base path."""
        return f"{self.request.scope.get('root_path', '')}{path}"

    @property
    def cookie_path(self) -> str:
        """Return the path the portal's cookies are sent to."""
        return self.url("/")

    @property
    def secure(self) -> bool:
        """Tell whether the page was asked for over HTTPS (cookies are then ``Secure``)."""
        return self.request.url.scheme == "https"

    @property
    def grant(self) -> str:
        """Return the registry's grant of the logged-in resident."""
        if self.session is None:
            msg = "only a logged-in resident's page reads other nodes"
            raise RuntimeError(msg)
        return self.session.grant

    def render(self, template: str, status: int = HTTPStatus.OK, **values: object) -> HTMLResponse:
        """Return the page ``template`` in the visitor's language, with the portal's headers."""
        path = self.request.url.path
        context = {
            "language": self.language,
            "languages": [(tag, i18n.NATIVE_NAMES[tag]) for tag in i18n.LANGUAGES],
            "here": self._here(),
            "kiosk_idle_seconds": int(KIOSK_IDLE.total_seconds()),
            "url": self.url,
            "session": self.session,
            "path": path,
            **values,
        }
        html = templates(self.language).get_template(template).render(context)
        return HTMLResponse(html, status_code=status, headers=dict(HEADERS))

    def _here(self) -> str:
        """Return the page's path under the portal, with its query (a filter, a page)."""
        path = self.request.url.path[len(self.request.scope.get("root_path", "")) :] or "/"
        query = self.request.url.query
        return f"{path}?{query}" if query else path

    def keep_cookie(
        self, response: Response, name: str, value: str, *, max_age: int | None = None
    ) -> None:
        """Set a cookie of the portal on ``response``: its path only, no script, no other site."""
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path=self.cookie_path,
            secure=self.secure,
            httponly=True,
            samesite="strict",
        )

    def redirect(self, path: str) -> RedirectResponse:
        """Return a redirect (303, See Other) to ``path`` under the portal."""
        return RedirectResponse(
            self.url(path), status_code=HTTPStatus.SEE_OTHER, headers=dict(HEADERS)
        )


def _language(request: Request) -> str:
    """Return the language of the page: the resident's choice, else the browser's."""
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if i18n.is_language(chosen):
        return str(chosen)
    return i18n.negotiate(request.headers.get("accept-language"))


def _current(node: NodeContext, token: str | None) -> PortalSession | None:
    """Return the live session of ``token``, if any."""
    if not token:
        return None
    with unit_of_work(node.sessions) as session:
        found = PortalSessions(session).current(token)
        if found is not None:
            session.expunge(found)
        return found


async def visit_of(request: Request, node: NodeContext) -> Visit:
    """Return who visits, in which language."""
    token = request.cookies.get(SESSION_COOKIE)
    found = await anyio.to_thread.run_sync(_current, node, token)
    return Visit(request, node, _language(request), token if found else None, found)


def _node_of(node: NodeContext, kind: NodeKind) -> str:
    """Return the id of the deployment's node of ``kind``."""
    return node.deployment.of_kind(kind)[0].id


async def call(  # noqa: PLR0913 -- where, what, and what the request carries
    visit: Visit,
    kind: NodeKind,
    path: str,
    *,
    method: str = "GET",
    body: Mapping[str, Any] | None = None,
    params: Mapping[str, str | int] | None = None,
    grant: bool = True,
) -> httpx.Response:
    """Call the registry or the hub, with the resident's grant; no answer is a problem."""
    target = _node_of(visit.node, kind)
    headers = {"X-Resident-Grant": visit.grant} if grant else {}
    try:
        return await visit.node.clients.client(target).request(
            method,
            path,
            json=None if body is None else dict(body),
            params=None if params is None else dict(params),
            headers=headers,
        )
    except httpx.HTTPError as exc:
        raise NodeUnavailable(target, f"it did not answer ({type(exc).__name__})") from exc


def ended(visit: Visit) -> Response:
    """Answer a page whose session ended: to the login page, the cookie cleared."""
    response = visit.redirect("/login?ended=1")
    response.delete_cookie(SESSION_COOKIE, path=visit.cookie_path)
    return response


def unavailable(visit: Visit) -> HTMLResponse:
    """Answer a page when a node the portal reads from does not answer."""
    return visit.render("unavailable.html", HTTPStatus.BAD_GATEWAY)


async def form_visit(request: Request, node: NodeContext, form_token: str) -> Visit | Response:
    """Return the visit of a form posted from this session's page, or the answer to give instead.

    A form must carry the session's form token: a form posted from anywhere else does nothing.
    """
    visit = await visit_of(request, node)
    if visit.session is None:
        return ended(visit)
    if not secrets.compare_digest(form_token, visit.session.form_token):
        return visit.render("refused.html", HTTPStatus.FORBIDDEN)
    return visit


def qr_code(challenge: str) -> str:
    """Return the challenge as an inline SVG QR code, for the card app on a phone to scan."""
    return str(segno.make(challenge, error="m").svg_inline(scale=4, title=challenge))


def end_session(node: NodeContext, token: str | None) -> bool:
    """End the session of ``token``; say whether it was a kiosk's."""
    with unit_of_work(node.sessions) as session:
        return PortalSessions(session).end(token)


async def logged_out(visit: Visit) -> Response:
    """End the visitor's session and clear its cookie; a kiosk is ready for the next person."""
    kiosk = await anyio.to_thread.run_sync(end_session, visit.node, visit.token)
    response = visit.redirect("/login?kiosk=1&ended=1" if kiosk else "/login?ended=1")
    response.delete_cookie(SESSION_COOKIE, path=visit.cookie_path)
    return response


def failed(visit: Visit, answer: httpx.Response) -> Response:
    """Answer a page whose read or write at another node did not succeed.

    A grant no longer good ends the session; what only the person may do, asked by a proxy
    acting for them, is refused with a page that says so.
    """
    if answer.status_code == HTTPStatus.UNAUTHORIZED:
        return ended(visit)
    if answer.status_code == HTTPStatus.FORBIDDEN and problem_code(answer) == "proxy-not-permitted":
        return visit.render("person_only.html", HTTPStatus.FORBIDDEN)
    return unavailable(visit)


def problem_code(answer: httpx.Response) -> str | None:
    """Return the code of the problem (RFC 9457) another node answered, if it answered one."""
    if answer.headers.get("content-type") != "application/problem+json":
        return None
    kind = answer.json().get("type")
    if not isinstance(kind, str) or not kind.startswith(PROBLEM_TYPE_PREFIX):
        return None
    return kind.removeprefix(PROBLEM_TYPE_PREFIX)


async def kiosk_task_ended(visit: Visit, response: Response) -> Response:
    """Return ``response``; at a kiosk, the task it answers ends the session with it."""
    if visit.session is not None and visit.session.kiosk:
        await anyio.to_thread.run_sync(end_session, visit.node, visit.token)
        response.delete_cookie(SESSION_COOKIE, path=visit.cookie_path)
    return response


async def task_done(visit: Visit, path: str) -> Response:
    """Go on to ``path`` after a task; at a kiosk the task ends the session instead."""
    if visit.session is not None and visit.session.kiosk:
        return await logged_out(visit)
    return visit.redirect(path)


async def post_for(visit: Visit, path: str) -> httpx.Response | Response:
    """POST ``path`` at the registry for the resident; the answer, or the page to give instead."""
    try:
        answer = await call(visit, NodeKind.REGISTRY, path, method="POST")
    except NodeUnavailable:
        return unavailable(visit)
    return answer if answer.is_success else failed(visit, answer)


def day_formatter(language: str) -> Callable[[str | None], str]:
    """Return the templates' formatter of ISO dates and times, as dates in ``language``."""

    def format_day(text: str | None) -> str:
        return "" if not text else i18n.day(datetime.fromisoformat(text), language)

    return format_day


async def card_refused(visit: Visit) -> Response | None:
    """Return the answer to give if the card that logged in is no longer in use, else None.

    The session is bound to the certificate that logged in: the registry says whether it still
    is good (it answers my information itself).
    """
    answer = await call(visit, NodeKind.REGISTRY, "api/portal/grants/current")
    if answer.status_code == HTTPStatus.UNAUTHORIZED:
        await anyio.to_thread.run_sync(end_session, visit.node, visit.token)
        return ended(visit)
    return None if answer.is_success else unavailable(visit)
