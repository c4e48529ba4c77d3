"""The resident's pages on the portal node, server-rendered, in seven languages.

* ``GET /login``: a one-time challenge from the registry, as text and as a QR code, for the card
  app to sign with the card's authentication key and its PIN; ``POST /login`` takes the card
  app's answer (never the number). ``?kiosk=1`` marks a shared counter terminal.
* ``GET /``: my information -- the four attributes and kana, the number masked until asked for,
  the cards and their certificates.
* ``POST /lock``, ``/unlock`` (with the card's signature) and ``/lost-card``: protect myself.
* The records of use are in :mod:`mynumber.portal.record_pages`, the benefit account in
  :mod:`mynumber.portal.money`; what the pages share in :mod:`mynumber.portal.visits`.
* ``POST /logout`` on every page; ``GET /language/{tag}`` switches the language on every page.

The portal holds no one's data: each page reads the registry and the hub with the grant the
registry signed at login, so it can show the resident only their own. Sessions are short and end
for good (:mod:`mynumber.portal.sessions`); at a kiosk, a download or "finish" ends the session.
Every answer forbids caching, framing and scripts from elsewhere; forms carry the session's form
token, and the cookies are ``HttpOnly`` and ``SameSite=Strict``.
"""

from __future__ import annotations

import base64
import functools
import json
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from importlib.resources import files
from typing import TYPE_CHECKING, Annotated, Any, Final

import anyio.to_thread
from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from mynumber.cards.pins import RETRY_LIMITS, PinKind
from mynumber.deployment import NodeKind
from mynumber.nodes.context import Node, NodeContext  # noqa: TC001 -- FastAPI reads them at run time
from mynumber.nodes.exceptions import NodeUnavailable
from mynumber.portal import i18n
from mynumber.portal.records import task_name
from mynumber.portal.sessions import PortalSessions
from mynumber.portal.visits import (
    HEADERS,
    LANGUAGE_COOKIE,
    LOGIN_COOKIE,
    SESSION_COOKIE,
    Visit,
    call,
    day_formatter,
    end_session,
    ended,
    failed,
    form_visit,
    kiosk_task_ended,
    logged_out,
    post_for,
    qr_code,
    task_done,
    unavailable,
    visit_of,
)
from mynumber.storage import unit_of_work

if TYPE_CHECKING:
    from collections.abc import Mapping

    from mynumber.portal.models import PendingLogin

router = APIRouter(include_in_schema=False)

#: How many days a body's registration of my number stays among my notices.
NOTICE_DAYS: Final = 90
_STATIC: Final[Mapping[str, str]] = {
    "portal.css": "text/css; charset=utf-8",
    "verify.js": "text/javascript; charset=utf-8",
}


@functools.cache
def _static(name: str) -> bytes:
    """Return a static file of the portal, read once."""
    return (files("mynumber.portal") / "static" / name).read_bytes()


@router.get("/static/{name}")
def static(name: str) -> Response:
    """Serve the portal's stylesheet and its proof-checking script."""
    if name not in _STATIC:
        return Response(status_code=HTTPStatus.NOT_FOUND)
    return Response(_static(name), media_type=_STATIC[name], headers={"Cache-Control": "no-cache"})


@router.get("/language/{tag}")
async def switch_language(tag: str, request: Request, node: Node, back: str = "/") -> Response:
    """Keep the language chosen and go back to the page it was chosen on."""
    visit = await visit_of(request, node)
    if not back.startswith("/") or back.startswith("//"):
        back = "/"
    response = visit.redirect(back)
    if i18n.is_language(tag):
        visit.keep_cookie(response, LANGUAGE_COOKIE, tag, max_age=365 * 24 * 3600)
    return response


def _begin_login(node: NodeContext, challenge: str, *, kiosk: bool) -> str:
    """Keep the challenge for this browser; return its pre-login token."""
    with unit_of_work(node.sessions) as session:
        return PortalSessions(session).begin_login(challenge, kiosk=kiosk)


async def _login_page(
    visit: Visit, *, kiosk: bool, error: str | None = None, status: int = HTTPStatus.OK
) -> Response:
    """Answer the login page with a fresh challenge bound to this browser."""
    try:
        answer = await call(
            visit, NodeKind.REGISTRY, "api/portal/challenges", method="POST", grant=False
        )
    except NodeUnavailable:
        return unavailable(visit)
    if answer.status_code != HTTPStatus.CREATED:
        return unavailable(visit)
    challenge = str(answer.json()["challenge"])
    token = await anyio.to_thread.run_sync(
        functools.partial(_begin_login, visit.node, challenge, kiosk=kiosk)
    )
    qr = qr_code(challenge)
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
    visit = await visit_of(request, node)
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
        granted = await call(
            visit, NodeKind.REGISTRY, "api/portal/logins", method="POST", body=signed, grant=False
        )
    except NodeUnavailable:
        return unavailable(visit)
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
    visit = await visit_of(request, node)
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


@router.post("/logout")
async def logout(
    request: Request, node: Node, form_token: Annotated[str, Form(max_length=100)] = ""
) -> Response:
    """End the session (the form must carry the session's form token)."""
    visit = await form_visit(request, node, form_token)
    if isinstance(visit, Response):
        return visit
    return await logged_out(visit)


@router.get("/holders/{holding}/deletion-receipt.json")
async def deletion_receipt(holding: int, request: Request, node: Node) -> Response:
    """Download the registry's signed receipt for a holding of my number that was deleted.

    It verifies with the registry's receipt key (``GET /api/identity/receipt-key``); the portal
    only passes it on. Another person's holding, or one not deleted, is not found.
    """
    visit = await visit_of(request, node)
    if visit.session is None:
        return visit.redirect("/login")
    try:
        answer = await call(visit, NodeKind.REGISTRY, "api/portal/me")
    except NodeUnavailable:
        return unavailable(visit)
    if not answer.is_success:
        return failed(visit, answer)
    receipt = next(
        (
            held["deletion_receipt"]
            for held in answer.json()["holders"]
            if held["id"] == holding and held["deletion_receipt"] is not None
        ),
        None,
    )
    if receipt is None:
        return visit.render("not_found.html", HTTPStatus.NOT_FOUND)
    headers = {
        **HEADERS,
        "Content-Disposition": f'attachment; filename="deletion-receipt-{holding}.json"',
    }
    body = json.dumps(receipt, ensure_ascii=False, indent=2) + "\n"
    return await kiosk_task_ended(
        visit, Response(body, media_type="application/json", headers=headers)
    )


@router.get("/")
async def home(request: Request, node: Node, reveal: bool = False) -> Response:  # noqa: FBT001, FBT002 -- a query flag
    """Show my information: the four attributes, the number (masked), cards and certificates."""
    visit = await visit_of(request, node)
    if visit.session is None:
        return visit.redirect("/login")
    reveal = reveal and visit.session.acting_for is None
    try:
        answer = await call(
            visit, NodeKind.REGISTRY, "api/portal/me", params={"reveal": str(reveal).lower()}
        )
    except NodeUnavailable:
        return unavailable(visit)
    if answer.status_code == HTTPStatus.UNAUTHORIZED:
        await anyio.to_thread.run_sync(end_session, visit.node, visit.token)
        return ended(visit)
    if not answer.is_success:
        return unavailable(visit)
    me = answer.json()
    challenge = None
    if me["number_locked"]:
        issued = await call(
            visit, NodeKind.REGISTRY, "api/portal/challenges", method="POST", grant=False
        )
        challenge = str(issued.json()["challenge"]) if issued.is_success else None
    return visit.render(
        "home.html",
        me=me,
        notices=_notices(me["holders"]),
        pins=json.loads(visit.session.pins) if visit.session and visit.session.pins else {},
        reveal=reveal,
        day=day_formatter(visit.language),
        challenge=challenge,
        challenge_qr=None if challenge is None else qr_code(challenge),
        done=visit.request.query_params.get("done", ""),
        task_name=lambda task: task_name(task, visit.language),
    )


def _notices(holders: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the notices (お知らせ) of my information: each body that registered my number lately.

    A body that collects the number tells its holder through the holder list; the newest
    :data:`NOTICE_DAYS` days of registrations are shown first thing, newest first.
    """
    since = datetime.now(UTC) - timedelta(days=NOTICE_DAYS)
    recent = [held for held in holders if datetime.fromisoformat(held["collected_at"]) >= since]
    return sorted(recent, key=lambda held: str(held["collected_at"]), reverse=True)


@router.post("/lock")
async def lock(
    request: Request, node: Node, form_token: Annotated[str, Form(max_length=100)] = ""
) -> Response:
    """Lock my number: no body may collect it until I unlock it with my card."""
    visit = await form_visit(request, node, form_token)
    if isinstance(visit, Response):
        return visit
    done = await post_for(visit, "api/portal/lock")
    if isinstance(done, Response):
        return done
    return await task_done(visit, "/?done=locked#protect")


@router.post("/lost-card")
async def lost_card(
    request: Request, node: Node, form_token: Annotated[str, Form(max_length=100)] = ""
) -> Response:
    """Report my card lost: it is held at once, and this session, opened with it, ends."""
    visit = await form_visit(request, node, form_token)
    if isinstance(visit, Response):
        return visit
    done = await post_for(visit, "api/portal/lost-card")
    if isinstance(done, Response):
        return done
    await anyio.to_thread.run_sync(end_session, visit.node, visit.token)
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
    visit = await form_visit(request, node, form_token)
    if isinstance(visit, Response):
        return visit
    signed = _card_answer(answer)
    if signed is None:
        return visit.redirect("/?done=unlock-refused#protect")
    try:
        done = await call(visit, NodeKind.REGISTRY, "api/portal/unlock", method="POST", body=signed)
    except NodeUnavailable:
        return unavailable(visit)
    if not done.is_success:
        return visit.redirect("/?done=unlock-refused#protect")
    return await task_done(visit, "/?done=unlocked#protect")


@router.post("/finish")
async def finish(
    request: Request, node: Node, form_token: Annotated[str, Form(max_length=100)] = ""
) -> Response:
    """End the task at a kiosk (or anywhere): the session ends, as at logout."""
    return await logout(request, node, form_token)
