"""The resident's pages on the portal node, server-rendered, in seven languages.

* ``GET /login``: a one-time challenge from the registry, as text and as a QR code, for the card
  app to sign with the card's authentication key and its PIN; ``POST /login`` takes the card
  app's answer (never the number). ``?kiosk=1`` marks a shared counter terminal.
* ``GET /``: my information -- the four attributes and kana, the number masked until asked for,
  the cards and their certificates.
* ``GET /records``: every record of use of my data (やりとり履歴), newest first, fifty a page,
  filtered by kind; ``/records/download.csv`` and ``.json`` download them all; each record's
  "verify" button has the page's script (``static/verify.js``) check its inclusion proof and the
  hub's signed checkpoint in the browser, with the data from ``/records/{index}/proof``.
* ``POST /logout`` on every page; ``GET /language/{tag}`` switches the language on every page.

The portal holds no one's data: each page reads the registry and the hub with the grant the
registry signed at login, so it can show the resident only their own. Sessions are short and end
for good (:mod:`mynumber.portal.sessions`); at a kiosk, a download or "finish" ends the session.
Every answer forbids caching, framing and scripts from elsewhere; forms carry the session's form
token, and the cookies are ``HttpOnly`` and ``SameSite=Strict``.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from importlib.resources import files
from typing import TYPE_CHECKING, Annotated, Any, Final

import anyio.to_thread
import httpx
import segno
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from pydantic import BaseModel, Field

from mynumber.cards.pins import RETRY_LIMITS, PinKind
from mynumber.deployment import NodeKind
from mynumber.nodes.context import Node, NodeContext  # noqa: TC001 -- FastAPI reads them at run time
from mynumber.nodes.exceptions import NodeUnavailable
from mynumber.portal import i18n
from mynumber.portal.records import KINDS, Record, item_name, legal_basis, read_record, task_name
from mynumber.portal.records import to_csv as records_csv
from mynumber.portal.records import to_json as records_json
from mynumber.portal.sessions import KIOSK_IDLE, PortalSessions
from mynumber.storage import unit_of_work

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from mynumber.portal.models import PendingLogin, PortalSession

router = APIRouter(include_in_schema=False)

SESSION_COOKIE: Final = "mynumber_portal_session"
LOGIN_COOKIE: Final = "mynumber_portal_login"
LANGUAGE_COOKIE: Final = "mynumber_portal_language"
#: A case number of the oversight commission, as the reported page shows it.
_CASE: Final = re.compile(r"C-[0-9]{6,12}")
#: How many days a body's registration of my number stays among my notices.
NOTICE_DAYS: Final = 90
#: Records on one page.
PAGE_SIZE: Final = 50
#: Records asked of the hub at once when downloading them all.
_DOWNLOAD_PAGE: Final = 500
_STATIC: Final[Mapping[str, str]] = {
    "portal.css": "text/css; charset=utf-8",
    "verify.js": "text/javascript; charset=utf-8",
}
_HEADERS: Final[Mapping[str, str]] = {
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
def _templates(language: str) -> Environment:
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


@functools.cache
def _static(name: str) -> bytes:
    """Return a static file of the portal, read once."""
    return (files("mynumber.portal") / "static" / name).read_bytes()


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
        html = _templates(self.language).get_template(template).render(context)
        return HTMLResponse(html, status_code=status, headers=dict(_HEADERS))

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
            self.url(path), status_code=HTTPStatus.SEE_OTHER, headers=dict(_HEADERS)
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


async def _visit(request: Request, node: NodeContext) -> Visit:
    """Return who visits, in which language."""
    token = request.cookies.get(SESSION_COOKIE)
    found = await anyio.to_thread.run_sync(_current, node, token)
    return Visit(request, node, _language(request), token if found else None, found)


def _node_of(node: NodeContext, kind: NodeKind) -> str:
    """Return the id of the deployment's node of ``kind``."""
    return node.deployment.of_kind(kind)[0].id


async def _call(  # noqa: PLR0913 -- where, what, and what the request carries
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


def _ended(visit: Visit) -> Response:
    """Answer a page whose session ended: to the login page, the cookie cleared."""
    response = visit.redirect("/login?ended=1")
    response.delete_cookie(SESSION_COOKIE, path=visit.cookie_path)
    return response


def _unavailable(visit: Visit) -> HTMLResponse:
    """Answer a page when a node the portal reads from does not answer."""
    return visit.render("unavailable.html", HTTPStatus.BAD_GATEWAY)


@router.get("/static/{name}")
def static(name: str) -> Response:
    """Serve the portal's stylesheet and its proof-checking script."""
    if name not in _STATIC:
        return Response(status_code=HTTPStatus.NOT_FOUND)
    return Response(_static(name), media_type=_STATIC[name], headers={"Cache-Control": "no-cache"})


@router.get("/language/{tag}")
async def switch_language(tag: str, request: Request, node: Node, back: str = "/") -> Response:
    """Keep the language chosen and go back to the page it was chosen on."""
    visit = await _visit(request, node)
    if not back.startswith("/") or back.startswith("//"):
        back = "/"
    response = visit.redirect(back)
    if i18n.is_language(tag):
        visit.keep_cookie(response, LANGUAGE_COOKIE, tag, max_age=365 * 24 * 3600)
    return response


async def _form_visit(request: Request, node: NodeContext, form_token: str) -> Visit | Response:
    """Return the visit of a form posted from this session's page, or the answer to give instead.

    A form must carry the session's form token: a form posted from anywhere else does nothing.
    """
    visit = await _visit(request, node)
    if visit.session is None:
        return _ended(visit)
    if not secrets.compare_digest(form_token, visit.session.form_token):
        return visit.render("refused.html", HTTPStatus.FORBIDDEN)
    return visit


def _qr(challenge: str) -> str:
    """Return the challenge as an inline SVG QR code, for the card app on a phone to scan."""
    return str(segno.make(challenge, error="m").svg_inline(scale=4, title=challenge))


def _begin_login(node: NodeContext, challenge: str, *, kiosk: bool) -> str:
    """Keep the challenge for this browser; return its pre-login token."""
    with unit_of_work(node.sessions) as session:
        return PortalSessions(session).begin_login(challenge, kiosk=kiosk)


async def _login_page(
    visit: Visit, *, kiosk: bool, error: str | None = None, status: int = HTTPStatus.OK
) -> Response:
    """Answer the login page with a fresh challenge bound to this browser."""
    try:
        answer = await _call(
            visit, NodeKind.REGISTRY, "api/portal/challenges", method="POST", grant=False
        )
    except NodeUnavailable:
        return _unavailable(visit)
    if answer.status_code != HTTPStatus.CREATED:
        return _unavailable(visit)
    challenge = str(answer.json()["challenge"])
    token = await anyio.to_thread.run_sync(
        functools.partial(_begin_login, visit.node, challenge, kiosk=kiosk)
    )
    qr = _qr(challenge)
    response = visit.render(
        "login.html",
        status,
        challenge=challenge,
        qr=qr,
        kiosk=kiosk,
        error=error,
        ended=visit.request.query_params.get("ended") == "1",
        held=visit.request.query_params.get("held") == "1",
    )
    visit.keep_cookie(response, LOGIN_COOKIE, token)
    return response


@router.get("/login")
async def login(request: Request, node: Node, kiosk: bool = False) -> Response:  # noqa: FBT001, FBT002 -- a query flag
    """Show a one-time challenge for the card app, unless the resident is logged in."""
    visit = await _visit(request, node)
    if visit.session is not None:
        return visit.redirect("/")
    return await _login_page(visit, kiosk=kiosk)


def _pending(node: NodeContext, token: str | None) -> tuple[str, bool] | None:
    """Return the challenge and kiosk flag of this browser's login under way, if any."""
    with unit_of_work(node.sessions) as session:
        found: PendingLogin | None = PortalSessions(session).pending(token)
        return None if found is None else (found.challenge, found.kiosk)


def _start(
    node: NodeContext, login_token: str, grant: str, expires_at: int, pins: str | None
) -> str | None:
    """Start the resident's session from this browser's login; return its token."""
    certificate = _grant_certificate(grant)
    with unit_of_work(node.sessions) as session:
        sessions = PortalSessions(session)
        found = sessions.pending(login_token)
        if found is None:
            return None
        token, _ = sessions.start(
            found,
            grant=grant,
            certificate=certificate,
            grant_expires_at=datetime.fromtimestamp(expires_at, UTC),
            pins=pins,
        )
        return token


def _grant_certificate(grant: str) -> str:
    """Return the certificate serial a grant names (its payload, which the registry signed)."""
    payload = grant.split(".", 1)[0]
    fields = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return str(fields["certificate"])


def _pin_counters(text: str) -> str | None:
    """Return the card's PIN counters from its app's answer, as JSON, if it gave well-formed ones.

    They are the card's word about itself, shown back to its holder only; anything else in
    their place is dropped.
    """
    try:
        given = json.loads(text).get("pins")
    except (ValueError, AttributeError):
        return None
    if not isinstance(given, dict):
        return None
    kept: dict[str, dict[str, int | bool]] = {}
    for kind in PinKind:
        counter = given.get(kind.value)
        if not isinstance(counter, dict):
            continue
        remaining, limit, locked = (
            counter.get("remaining"),
            counter.get("limit"),
            counter.get("locked"),
        )
        if (
            limit == RETRY_LIMITS[kind]
            and isinstance(remaining, int)
            and 0 <= remaining <= limit
            and isinstance(locked, bool)
        ):
            kept[kind.value] = {"remaining": remaining, "limit": limit, "locked": locked}
    return json.dumps(kept) if kept else None


def _card_answer(text: str) -> dict[str, str] | None:
    """Return the card app's answer pasted into the form, if it is one."""
    try:
        answer = json.loads(text)
    except ValueError:
        return None
    fields = ("challenge", "certificate", "signature")
    if not isinstance(answer, dict) or not all(isinstance(answer.get(f), str) for f in fields):
        return None
    return {field: answer[field] for field in fields}


async def _logged_in(
    visit: Visit, login_token: str, signed: dict[str, str], pins: str | None
) -> Response | str:
    """Have the registry check the card's answer; start the session, or say why not."""
    try:
        granted = await _call(
            visit, NodeKind.REGISTRY, "api/portal/logins", method="POST", body=signed, grant=False
        )
    except NodeUnavailable:
        return _unavailable(visit)
    if granted.status_code != HTTPStatus.CREATED:
        return "refused"
    body = granted.json()
    token = await anyio.to_thread.run_sync(
        _start, visit.node, login_token, str(body["grant"]), int(body["expires_at"]), pins
    )
    if token is None:
        return "expired"
    response = visit.redirect("/")
    response.delete_cookie(LOGIN_COOKIE, path=visit.cookie_path)
    visit.keep_cookie(response, SESSION_COOKIE, token)
    return response


@router.post("/login")
async def finish_login(
    request: Request, node: Node, answer: Annotated[str, Form(max_length=20_000)] = ""
) -> Response:
    """Log in with the card app's answer to this browser's challenge."""
    visit = await _visit(request, node)
    login_token = request.cookies.get(LOGIN_COOKIE)
    pending = await anyio.to_thread.run_sync(_pending, node, login_token)
    signed = _card_answer(answer)
    kiosk = pending is not None and pending[1]
    if pending is None or login_token is None:
        error = "expired"
    elif signed is None:
        error = "malformed"
    elif signed["challenge"] != pending[0]:
        error = "other-challenge"
    else:
        done = await _logged_in(visit, login_token, signed, _pin_counters(answer))
        if isinstance(done, Response):
            return done
        error = done
    status = HTTPStatus.UNAUTHORIZED if error == "refused" else HTTPStatus.BAD_REQUEST
    return await _login_page(visit, kiosk=kiosk, error=error, status=status)


def _end(node: NodeContext, token: str | None) -> bool:
    """End the session of ``token``; say whether it was a kiosk's."""
    with unit_of_work(node.sessions) as session:
        return PortalSessions(session).end(token)


async def _logged_out(visit: Visit) -> Response:
    """End the visitor's session and clear its cookie; a kiosk is ready for the next person."""
    kiosk = await anyio.to_thread.run_sync(_end, visit.node, visit.token)
    response = visit.redirect("/login?kiosk=1&ended=1" if kiosk else "/login?ended=1")
    response.delete_cookie(SESSION_COOKIE, path=visit.cookie_path)
    return response


@router.post("/logout")
async def logout(
    request: Request, node: Node, form_token: Annotated[str, Form(max_length=100)] = ""
) -> Response:
    """End the session (the form must carry the session's form token)."""
    visit = await _form_visit(request, node, form_token)
    if isinstance(visit, Response):
        return visit
    return await _logged_out(visit)


@router.get("/")
async def home(request: Request, node: Node, reveal: bool = False) -> Response:  # noqa: FBT001, FBT002 -- a query flag
    """Show my information: the four attributes, the number (masked), cards and certificates."""
    visit = await _visit(request, node)
    if visit.session is None:
        return visit.redirect("/login")
    try:
        answer = await _call(
            visit, NodeKind.REGISTRY, "api/portal/me", params={"reveal": str(reveal).lower()}
        )
    except NodeUnavailable:
        return _unavailable(visit)
    if answer.status_code == HTTPStatus.UNAUTHORIZED:
        await anyio.to_thread.run_sync(_end, visit.node, visit.token)
        return _ended(visit)
    if not answer.is_success:
        return _unavailable(visit)
    me = answer.json()
    challenge = None
    if me["number_locked"]:
        issued = await _call(
            visit, NodeKind.REGISTRY, "api/portal/challenges", method="POST", grant=False
        )
        challenge = str(issued.json()["challenge"]) if issued.is_success else None
    return visit.render(
        "home.html",
        me=me,
        notices=_notices(me["holders"]),
        pins=json.loads(visit.session.pins) if visit.session and visit.session.pins else {},
        reveal=reveal,
        day=_day(visit.language),
        challenge=challenge,
        challenge_qr=None if challenge is None else _qr(challenge),
        done=visit.request.query_params.get("done", ""),
        task_name=lambda task: task_name(task, visit.language),
    )


class AccountFields(BaseModel):
    """The benefit account form as the page posts it."""

    form_token: Annotated[str, Field(max_length=100)] = ""
    bank: Annotated[str, Field(max_length=10)] = ""
    branch: Annotated[str, Field(max_length=10)] = ""
    kind: Annotated[str, Field(max_length=10)] = ""
    number: Annotated[str, Field(max_length=20)] = ""
    holder_kana: Annotated[str, Field(max_length=200)] = ""


def _failed(visit: Visit, answer: httpx.Response) -> Response:
    """Answer a page whose read or write at another node did not succeed."""
    if answer.status_code == HTTPStatus.UNAUTHORIZED:
        return _ended(visit)
    return _unavailable(visit)


async def _account_page(
    visit: Visit, *, error: str | None = None, form: Mapping[str, str] | None = None
) -> Response:
    """Answer the benefit account page, with the refusal of a form if there was one."""
    answer = await _call(visit, NodeKind.REGISTRY, "api/portal/me")
    if not answer.is_success:
        return _failed(visit, answer)
    status = HTTPStatus.OK if error is None else HTTPStatus.UNPROCESSABLE_ENTITY
    done = error is None and visit.request.query_params.get("done") == "1"
    return visit.render(
        "account.html", status, me=answer.json(), error=error, form=form or {}, done=done
    )


@router.get("/account")
async def account(request: Request, node: Node) -> Response:
    """Show my benefit account and the form to register one."""
    visit = await _visit(request, node)
    if visit.session is None:
        return visit.redirect("/login")
    try:
        return await _account_page(visit)
    except NodeUnavailable:
        return _unavailable(visit)


@router.post("/account")
async def register_account(
    request: Request, node: Node, fields: Annotated[AccountFields, Form()]
) -> Response:
    """Register my benefit account; a holder's name not my own reading is refused, with why."""
    visit = await _form_visit(request, node, fields.form_token)
    if isinstance(visit, Response):
        return visit
    form = fields.model_dump(exclude={"form_token"})
    try:
        answer = await _call(
            visit, NodeKind.REGISTRY, "api/portal/benefit-account", method="PUT", body=form
        )
        if answer.status_code == HTTPStatus.UNPROCESSABLE_ENTITY:
            kind = str(answer.json().get("type", ""))
            error = "holder" if kind.endswith(":account-holder-refused") else "form"
            return await _account_page(visit, error=error, form=form)
    except NodeUnavailable:
        return _unavailable(visit)
    if not answer.is_success:
        return _failed(visit, answer)
    return await _task_done(visit, "/account?done=1")


async def _kiosk_task_ended(visit: Visit, response: Response) -> Response:
    """Return ``response``; at a kiosk, the task it answers ends the session with it."""
    if visit.session is not None and visit.session.kiosk:
        await anyio.to_thread.run_sync(_end, visit.node, visit.token)
        response.delete_cookie(SESSION_COOKIE, path=visit.cookie_path)
    return response


def _notices(holders: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the notices (お知らせ) of my information: each body that registered my number lately.

    A body that collects the number tells its holder through the holder list; the newest
    :data:`NOTICE_DAYS` days of registrations are shown first thing, newest first.
    """
    since = datetime.now(UTC) - timedelta(days=NOTICE_DAYS)
    recent = [held for held in holders if datetime.fromisoformat(held["collected_at"]) >= since]
    return sorted(recent, key=lambda held: str(held["collected_at"]), reverse=True)


async def _task_done(visit: Visit, path: str) -> Response:
    """Go on to ``path`` after a task; at a kiosk the task ends the session instead."""
    if visit.session is not None and visit.session.kiosk:
        return await _logged_out(visit)
    return visit.redirect(path)


async def _posted(visit: Visit, path: str) -> httpx.Response | Response:
    """POST ``path`` at the registry for the resident; the answer, or the page to give instead."""
    try:
        answer = await _call(visit, NodeKind.REGISTRY, path, method="POST")
    except NodeUnavailable:
        return _unavailable(visit)
    return answer if answer.is_success else _failed(visit, answer)


@router.post("/lock")
async def lock(
    request: Request, node: Node, form_token: Annotated[str, Form(max_length=100)] = ""
) -> Response:
    """Lock my number: no body may collect it until I unlock it with my card."""
    visit = await _form_visit(request, node, form_token)
    if isinstance(visit, Response):
        return visit
    done = await _posted(visit, "api/portal/lock")
    if isinstance(done, Response):
        return done
    return await _task_done(visit, "/?done=locked#protect")


@router.post("/lost-card")
async def lost_card(
    request: Request, node: Node, form_token: Annotated[str, Form(max_length=100)] = ""
) -> Response:
    """Report my card lost: it is held at once, and this session, opened with it, ends."""
    visit = await _form_visit(request, node, form_token)
    if isinstance(visit, Response):
        return visit
    done = await _posted(visit, "api/portal/lost-card")
    if isinstance(done, Response):
        return done
    await anyio.to_thread.run_sync(_end, visit.node, visit.token)
    response = visit.redirect("/login?held=1")
    response.delete_cookie(SESSION_COOKIE, path=visit.cookie_path)
    return response


@router.post("/unlock")
async def unlock(
    request: Request,
    node: Node,
    form_token: Annotated[str, Form(max_length=100)] = "",
    answer: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    """Unlock my number with my card's signature over the challenge the page showed."""
    visit = await _form_visit(request, node, form_token)
    if isinstance(visit, Response):
        return visit
    signed = _card_answer(answer)
    if signed is None:
        return visit.redirect("/?done=unlock-refused#protect")
    try:
        done = await _call(
            visit, NodeKind.REGISTRY, "api/portal/unlock", method="POST", body=signed
        )
    except NodeUnavailable:
        return _unavailable(visit)
    if not done.is_success:
        return visit.redirect("/?done=unlock-refused#protect")
    return await _task_done(visit, "/?done=unlocked#protect")


def _day(language: str) -> Callable[[str | None], str]:
    """Return the templates' formatter of ISO dates and times, as dates in ``language``."""

    def format_day(text: str | None) -> str:
        return "" if not text else i18n.day(datetime.fromisoformat(text), language)

    return format_day


async def _card_refused(visit: Visit) -> Response | None:
    """Return the answer to give if the card that logged in is no longer in use, else None.

    The session is bound to the certificate that logged in: the registry says whether it still
    is good (it answers my information itself).
    """
    answer = await _call(visit, NodeKind.REGISTRY, "api/portal/grants/current")
    if answer.status_code == HTTPStatus.UNAUTHORIZED:
        await anyio.to_thread.run_sync(_end, visit.node, visit.token)
        return _ended(visit)
    return None if answer.is_success else _unavailable(visit)


async def _entries(
    visit: Visit, *, offset: int, limit: int, kind: str | None
) -> tuple[int, list[Record]] | Response:
    """Return how many records there are and a page of them, or the answer to give instead."""
    params: dict[str, str | int] = {"offset": offset, "limit": limit}
    if kind:
        params["kind"] = kind
    try:
        refused = await _card_refused(visit)
        if refused is not None:
            return refused
        answer = await _call(visit, NodeKind.HUB, "api/ledger/mine", params=params)
    except NodeUnavailable:
        return _unavailable(visit)
    if answer.status_code == HTTPStatus.UNAUTHORIZED:
        return _ended(visit)
    if not answer.is_success:
        return _unavailable(visit)
    page = answer.json()
    records = [read_record(int(e["index"]), e["entry"]) for e in page["entries"]]
    return int(page["total"]), records


@router.get("/records")
async def records(
    request: Request,
    node: Node,
    kind: Annotated[str, Query(max_length=64)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """Show a page of the records of use of my data, newest first, filtered by kind."""
    visit = await _visit(request, node)
    if visit.session is None:
        return visit.redirect("/login")
    chosen = kind if kind in KINDS else ""
    found = await _entries(
        visit, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE, kind=chosen or None
    )
    if isinstance(found, Response):
        return found
    total, shown = found
    pages = max(1, -(-total // PAGE_SIZE))
    language = visit.language
    return visit.render(
        "records.html",
        records=shown,
        total=total,
        page=min(page, pages),
        pages=pages,
        kind=chosen,
        kinds=KINDS,
        when=lambda moment: i18n.when(moment, language),
        day=_day(language),
        task_name=lambda task: task_name(task, language),
        item_name=lambda item: item_name(item, language),
        legal_basis=lambda row: legal_basis(row, language),
    )


async def _all_records(visit: Visit, kind: str | None) -> list[Record] | Response:
    """Return every record of use of the resident's data, newest first."""
    everything: list[Record] = []
    while True:
        found = await _entries(visit, offset=len(everything), limit=_DOWNLOAD_PAGE, kind=kind)
        if isinstance(found, Response):
            return found
        total, shown = found
        everything += shown
        if not shown or len(everything) >= total:
            return everything


async def _download(visit: Visit, kind: str, form: str) -> Response:
    """Answer every record as a file; at a kiosk, the download ends the session."""
    found = await _all_records(visit, kind if kind in KINDS else None)
    if isinstance(found, Response):
        return found
    content, media = (
        (records_csv(found, visit.language), "text/csv; charset=utf-8")
        if form == "csv"
        else (records_json(found), "application/json")
    )
    stamp = datetime.now(UTC).strftime("%Y%m%d")
    headers = {
        **_HEADERS,
        "Content-Disposition": f'attachment; filename="records-of-use-{stamp}.{form}"',
    }
    return await _kiosk_task_ended(visit, Response(content, media_type=media, headers=headers))


@router.get("/records/download.{form}")
async def download(
    form: str, request: Request, node: Node, kind: Annotated[str, Query(max_length=64)] = ""
) -> Response:
    """Download every record of use, as CSV or JSON."""
    visit = await _visit(request, node)
    if visit.session is None:
        return visit.redirect("/login")
    if form not in {"csv", "json"}:
        return visit.render("not_found.html", HTTPStatus.NOT_FOUND)
    return await _download(visit, kind, form)


@router.get("/records/{index}/proof")
async def proof(index: int, request: Request, node: Node) -> Response:
    """Answer one of my records with its inclusion proof and checkpoint, for the page's script.

    The proof's hashes go to the script in base64; the hub gives them in hex.
    """
    visit = await _visit(request, node)
    if visit.session is None:
        return JSONResponse({"detail": "log in again"}, HTTPStatus.UNAUTHORIZED, headers=_HEADERS)
    try:
        if await _card_refused(visit) is not None:
            return JSONResponse({"detail": "log in again"}, HTTPStatus.UNAUTHORIZED)
        answer = await _call(visit, NodeKind.HUB, f"api/ledger/mine/{index}/proof")
    except NodeUnavailable:
        return JSONResponse({"detail": "the hub does not answer"}, HTTPStatus.BAD_GATEWAY)
    if not answer.is_success:
        return JSONResponse(
            {"detail": "there is no such record of yours"}, HTTPStatus.NOT_FOUND, headers=_HEADERS
        )
    found = answer.json()
    try:
        hashes = [_base64(bytes.fromhex(hashed)) for hashed in found["proof"]]
    except (ValueError, binascii.Error):
        return JSONResponse({"detail": "the hub's proof is malformed"}, HTTPStatus.BAD_GATEWAY)
    body = {
        "index": found["index"],
        "entry": found["entry"],
        "size": found["size"],
        "proof": hashes,
        "checkpoint": found["checkpoint"],
        "verifier_key": found["verifier_key"],
    }
    return JSONResponse(body, headers=dict(_HEADERS))


async def _case(visit: Visit, index: int, statement: str) -> dict[str, Any] | Response:
    """Return what the commission gets about record ``index``, or the answer to give instead."""
    found = await _call(visit, NodeKind.HUB, f"api/ledger/mine/{index}/proof")
    if found.status_code == HTTPStatus.UNAUTHORIZED:
        return _ended(visit)
    if not found.is_success:
        return visit.render("not_found.html", HTTPStatus.NOT_FOUND)
    evidence = found.json()
    return {
        "index": evidence["index"],
        "entry": evidence["entry"],
        "proof": [_base64(bytes.fromhex(hashed)) for hashed in evidence["proof"]],
        "checkpoint": evidence["checkpoint"],
        "verifier_key": evidence["verifier_key"],
        "statement": statement.strip() or None,
    }


@router.post("/records/{index}/report")
async def report(
    index: int,
    request: Request,
    node: Node,
    form_token: Annotated[str, Form(max_length=100)] = "",
    statement: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Open a case with the oversight commission about a record I do not recognise.

    The record goes with its inclusion proof and checkpoint, which the commission checks.
    """
    visit = await _form_visit(request, node, form_token)
    if isinstance(visit, Response):
        return visit
    try:
        body = await _case(visit, index, statement)
        if isinstance(body, Response):
            return body
        opened = await _call(visit, NodeKind.OVERSIGHT, "api/cases", method="POST", body=body)
    except NodeUnavailable:
        return _unavailable(visit)
    if not opened.is_success:
        return _unavailable(visit)
    case = str(opened.json()["case"])
    return await _kiosk_task_ended(visit, visit.redirect(f"/reported?case={case}"))


@router.get("/reported")
async def reported(request: Request, node: Node, case: str = "") -> Response:
    """Say which case the commission opened (after a report, so a reload opens no other)."""
    visit = await _visit(request, node)
    if not _CASE.fullmatch(case):
        return visit.render("not_found.html", HTTPStatus.NOT_FOUND)
    return visit.render("reported.html", case=case)


def _base64(data: bytes) -> str:
    """Return standard base64 of ``data``."""
    return base64.b64encode(data).decode("ascii")


@router.post("/finish")
async def finish(
    request: Request, node: Node, form_token: Annotated[str, Form(max_length=100)] = ""
) -> Response:
    """End the task at a kiosk (or anywhere): the session ends, as at logout."""
    return await logout(request, node, form_token)
