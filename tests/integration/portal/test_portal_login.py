"""Logging in to the portal with the card, and the session that follows, through its pages.

Each test runs the registry on SQLite and on PostgreSQL; the hub and the portal on SQLite.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime
from http import HTTPStatus
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import func, select

from mynumber.accounts.models import BenefitAccount
from mynumber.cards import app as card_app
from mynumber.cards.exceptions import WrongPin
from mynumber.cards.identity import IdentityRefused
from mynumber.cards.registry import card_service, identity_service
from mynumber.cards.virtual import VirtualCard
from mynumber.holdings.models import NumberHolding, NumberLock
from mynumber.portal.models import PortalSession
from mynumber.portal.visits import SESSION_COOKIE
from mynumber.register.models import Resident
from mynumber.register.services import active_number

from .conftest import PIN, PORTAL, Portal, challenge_of

if TYPE_CHECKING:
    import httpx

pytestmark = pytest.mark.anyio


def _sessions(portal: Portal) -> int:
    """Return how many sessions the portal holds."""
    with portal.session("portal") as session:
        return session.scalar(select(func.count()).select_from(PortalSession)) or 0


async def test_a_resident_logs_in_with_the_card_and_sees_their_own_record(portal: Portal) -> None:
    """The card's signature logs the holder in; the page shows them, the number masked."""
    holder = portal.holder()
    async with portal.browser() as browser:
        done = await portal.log_in(browser, holder)
        assert done.status_code == HTTPStatus.SEE_OTHER, done.text
        assert done.headers["location"] == f"{PORTAL}/"
        cookie = done.cookies.get(SESSION_COOKIE)
        assert cookie
        assert "httponly" in done.headers["set-cookie"].lower()
        assert "samesite=strict" in done.headers["set-cookie"].lower()

        home = await browser.get(f"{PORTAL}/")
        assert home.status_code == HTTPStatus.OK
        assert holder.given_name in home.text
        assert "<title>My information — My Number portal</title>" in home.text
        assert "**** **** " in home.text
        assert home.headers["cache-control"] == "no-store"
        assert "frame-ancestors 'none'" in home.headers["content-security-policy"]

        shown = await browser.get(f"{PORTAL}/", params={"reveal": "true"})
        with portal.session("registry") as session:
            resident = session.get(Resident, holder.id)
            assert resident is not None
            number = active_number(resident).number
        assert f"{number[:4]} {number[4:8]} {number[8:]}" in shown.text
        assert number not in home.text.replace(" ", "")
    assert _sessions(portal) == 1


async def test_the_login_page_never_asks_for_the_number(portal: Portal) -> None:
    """The login form has one field, the card app's answer; the answer holds no number."""
    holder = portal.holder()
    async with portal.browser() as browser:
        page = await browser.get(f"{PORTAL}/login")
        challenge = challenge_of(page)
        assert page.text.count("<textarea") == 1
        assert "<svg" in page.text  # the challenge as a QR code
        answer = card_app.answer_login(
            VirtualCard.open(holder.card), challenge, authentication_pin=PIN
        )
        assert set(answer.to_json()) == {"challenge", "certificate", "signature", "pins"}
        assert holder.given_name not in json.dumps(answer.to_json(), ensure_ascii=False)


@pytest.mark.parametrize("forgery", ["other-challenge", "tampered", "malformed", "no-login"])
async def test_a_forged_login_is_refused_and_starts_no_session(
    portal: Portal, forgery: str
) -> None:
    """A signature of another challenge, a tampered one, junk, or no login page: no session."""
    holder = portal.holder()
    card = VirtualCard.open(holder.card)
    async with portal.browser() as browser, portal.browser() as other:
        shown = challenge_of(await browser.get(f"{PORTAL}/login"))
        if forgery == "other-challenge":
            # A challenge shown to another browser, signed by the card: not this browser's.
            theirs = challenge_of(await other.get(f"{PORTAL}/login"))
            answer = card_app.answer_login(card, theirs, authentication_pin=PIN).to_json()
        elif forgery == "tampered":
            answer = card_app.answer_login(card, shown, authentication_pin=PIN).to_json()
            raw = bytearray(base64.b64decode(str(answer["signature"])))
            raw[10] ^= 0x01
            answer["signature"] = base64.b64encode(bytes(raw)).decode("ascii")
        elif forgery == "malformed":
            answer = {"challenge": shown, "number": "123456789018"}
        else:
            answer = card_app.answer_login(card, shown, authentication_pin=PIN).to_json()
            browser.cookies.clear()
        refused = await browser.post(f"{PORTAL}/login", data={"answer": json.dumps(answer)})
        assert refused.status_code in {HTTPStatus.BAD_REQUEST, HTTPStatus.UNAUTHORIZED}
        assert SESSION_COOKIE not in refused.cookies
        assert holder.given_name not in refused.text
        assert challenge_of(refused) != shown  # a fresh challenge to sign
        home = await browser.get(f"{PORTAL}/")
        assert home.status_code == HTTPStatus.SEE_OTHER
    assert _sessions(portal) == 0


async def test_a_replayed_answer_logs_no_one_in(portal: Portal) -> None:
    """An answer that logged in once is refused when posted again, even from its own browser."""
    holder = portal.holder()
    async with portal.browser() as browser:
        page = await browser.get(f"{PORTAL}/login")
        answer = card_app.answer_login(
            VirtualCard.open(holder.card), challenge_of(page), authentication_pin=PIN
        )
        body = {"answer": json.dumps(answer.to_json())}
        assert (await browser.post(f"{PORTAL}/login", data=body)).status_code == 303
    async with portal.browser() as thief:
        await thief.get(f"{PORTAL}/login")
        replayed = await thief.post(f"{PORTAL}/login", data=body)
        assert replayed.status_code == HTTPStatus.BAD_REQUEST
        assert SESSION_COOKIE not in replayed.cookies
    assert _sessions(portal) == 1


def test_login_and_body_challenges_do_not_cross(portal: Portal) -> None:
    """A body's challenge logs no one in; a login challenge confirms no one to a body."""
    holder = portal.holder()
    card = VirtualCard.open(holder.card)
    keys = portal.opened.keys["registry"]
    base_url = portal.opened.deployment.node("registry").base_url
    with portal.session("registry") as session:
        service = identity_service(session, keys, base_url)
        body_challenge = service.challenge(body="employer", staff="s-1", task="withholding")
        login_challenge = service.login_challenge()
        with pytest.raises(IdentityRefused, match="login challenge"):
            service.challenge(body="employer", staff="s-1", task="portal-login")
    signed = card_app.answer_challenge(
        card, body_challenge.challenge, authentication_pin=PIN, card_face_pin="3456"
    )
    login = card_app.answer_login(card, login_challenge.challenge, authentication_pin=PIN)
    with portal.session("registry") as session:
        service = identity_service(session, keys, base_url)
        with pytest.raises(IdentityRefused, match="not issued"):
            service.log_in(signed.challenge, signed.certificate, base64.b64decode(signed.signature))
        with pytest.raises(IdentityRefused, match="not issued"):
            service.confirm_with_card(
                login.challenge, login.certificate, base64.b64decode(login.signature), "1"
            )


async def test_logging_out_ends_the_session_for_good(portal: Portal) -> None:
    """Logout needs the session's form token; after it, the cookie opens nothing."""
    holder = portal.holder()
    async with portal.browser() as browser:
        await portal.log_in(browser, holder)
        cookie = browser.cookies.get(SESSION_COOKIE)
        home = await browser.get(f"{PORTAL}/")
        forged = await browser.post(f"{PORTAL}/logout", data={"form_token": "guess"})
        assert forged.status_code == HTTPStatus.FORBIDDEN
        assert _sessions(portal) == 1
        token = home.text.split('name="form_token" value="', 1)[1].split('"', 1)[0]
        out = await browser.post(f"{PORTAL}/logout", data={"form_token": token})
        assert out.status_code == HTTPStatus.SEE_OTHER
        assert out.headers["location"] == f"{PORTAL}/login?ended=1"
    assert _sessions(portal) == 0
    async with portal.browser() as later:
        later.cookies.set(SESSION_COOKIE, str(cookie))
        again = await later.get(f"{PORTAL}/")
        assert again.status_code == HTTPStatus.SEE_OTHER
        assert again.headers["location"] == f"{PORTAL}/login"


async def test_at_a_kiosk_a_download_ends_the_session(portal: Portal) -> None:
    """At a shared terminal the task ends the session; the next person finds the login page."""
    holder = portal.holder()
    portal.record(holder)
    async with portal.browser() as browser:
        await portal.log_in(browser, holder, kiosk=True)
        page = await browser.get(f"{PORTAL}/records")
        assert "shared terminal" in page.text
        download = await browser.get(f"{PORTAL}/records/download.csv")
        assert download.status_code == HTTPStatus.OK
        assert "employer-kasumi-seiki" in download.text
        assert _sessions(portal) == 0
        following = await browser.get(f"{PORTAL}/records")
        assert following.status_code == HTTPStatus.SEE_OTHER
        assert holder.given_name not in following.text


async def test_the_language_follows_the_browser_and_the_switch(portal: Portal) -> None:
    """Accept-Language picks the page's language; a switch on any page keeps another."""
    async with portal.browser(language="zh-CN,zh;q=0.9") as browser:
        page = await browser.get(f"{PORTAL}/login")
        assert '<html lang="zh-Hans">' in page.text
        switched = await browser.get(f"{PORTAL}/language/ko", params={"back": "/login"})
        assert switched.headers["location"] == f"{PORTAL}/login"
        again = await browser.get(f"{PORTAL}/login")
        assert '<html lang="ko">' in again.text
        outside = await browser.get(f"{PORTAL}/language/en", params={"back": "//evil.example"})
        assert outside.headers["location"] == f"{PORTAL}/"


@pytest.mark.parametrize("page", ["/", "/records"])
async def test_a_card_reported_lost_ends_the_session_it_opened(portal: Portal, page: str) -> None:
    """The session is bound to the certificate that logged in: a hold on the card ends it."""
    holder = portal.holder()
    async with portal.browser() as browser:
        await portal.log_in(browser, holder)
        assert (await browser.get(f"{PORTAL}{page}")).status_code == HTTPStatus.OK
        keys = portal.opened.keys["registry"]
        base_url = portal.opened.deployment.node("registry").base_url
        with portal.session("registry") as session:
            cards = card_service(session, keys, base_url)
            resident = session.get(Resident, holder.id)
            assert resident is not None
            [card] = cards.cards_of(resident)
            cards.report_loss(card)
        after = await browser.get(f"{PORTAL}{page}")
        assert after.status_code == HTTPStatus.SEE_OTHER
        assert after.headers["location"] == f"{PORTAL}/login?ended=1"
        assert holder.given_name not in after.text
    assert _sessions(portal) == 0


def _form_token(page: httpx.Response) -> str:
    """Return the session's form token a page carries."""
    return page.text.split('name="form_token" value="', 1)[1].split('"', 1)[0]


async def test_a_locked_number_cannot_be_collected_until_the_card_unlocks_it(
    portal: Portal,
) -> None:
    """Lock at the portal: the registry refuses any collection; only the card unlocks it."""
    holder = portal.holder()
    async with portal.browser() as browser:
        await portal.log_in(browser, holder)
        home = await browser.get(f"{PORTAL}/")
        locked = await browser.post(f"{PORTAL}/lock", data={"form_token": _form_token(home)})
        assert locked.status_code == HTTPStatus.SEE_OTHER
        page = await browser.get(f"{PORTAL}/")
        assert "no employer, office or other body can collect it" in page.text
        with portal.session("registry") as session:
            assert session.get(NumberLock, holder.id) is not None
        wrong = await browser.post(
            f"{PORTAL}/unlock", data={"form_token": _form_token(page), "answer": "{}"}
        )
        assert wrong.headers["location"].endswith("done=unlock-refused#protect")
        challenge = page.text.split('<code id="unlock-challenge">', 1)[1].split("<", 1)[0]
        signed = card_app.answer_login(
            VirtualCard.open(holder.card), challenge, authentication_pin=PIN
        )
        unlocked = await browser.post(
            f"{PORTAL}/unlock",
            data={"form_token": _form_token(page), "answer": json.dumps(signed.to_json())},
        )
        assert unlocked.headers["location"].endswith("done=unlocked#protect")
    with portal.session("registry") as session:
        assert session.get(NumberLock, holder.id) is None


async def test_a_benefit_account_must_be_in_the_residents_own_name(portal: Portal) -> None:
    """A holder's kana that is not the resident's reading is refused with the reason."""
    holder = portal.holder()  # サトウ ハナコ
    async with portal.browser() as browser:
        await portal.log_in(browser, holder)
        page = await browser.get(f"{PORTAL}/account")
        form = {
            "form_token": _form_token(page),
            "bank": "0001",
            "branch": "123",
            "kind": "ordinary",
            "number": "7654321",
        }
        family = await browser.post(f"{PORTAL}/account", data=form | {"holder_kana": "ｻﾄｳ ｼﾞﾛｳ"})
        assert family.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
        assert "must be in your own name" in family.text
        wrong = await browser.post(
            f"{PORTAL}/account", data=form | {"number": "12-345", "holder_kana": "ｻﾄｳ ﾊﾅｺ"}
        )
        assert wrong.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
        assert "account number (7 digits)" in wrong.text
        with portal.session("registry") as session:
            assert session.get(BenefitAccount, holder.id) is None
        done = await browser.post(f"{PORTAL}/account", data=form | {"holder_kana": "ｻﾄｳ ﾊﾅｺ"})
        assert done.status_code == HTTPStatus.SEE_OTHER
        shown = await browser.get(f"{PORTAL}/account")
        assert "****321" in shown.text
        assert "7654321" not in shown.text
    with portal.session("registry") as session:
        account = session.get(BenefitAccount, holder.id)
        assert account is not None
        assert (account.bank, account.number, account.holder_kana) == ("0001", "7654321", "ｻﾄｳ ﾊﾅｺ")


async def test_a_card_reported_lost_at_the_portal_is_held_at_once(portal: Portal) -> None:
    """The resident holds their own card; the session it opened ends; it logs no one in."""
    holder = portal.holder()
    async with portal.browser() as browser:
        await portal.log_in(browser, holder)
        home = await browser.get(f"{PORTAL}/")
        held = await browser.post(f"{PORTAL}/lost-card", data={"form_token": _form_token(home)})
        assert held.status_code == HTTPStatus.SEE_OTHER
        assert held.headers["location"] == f"{PORTAL}/login?held=1"
        notice = await browser.get(f"{PORTAL}/login", params={"held": "1"})
        assert "Your card is on hold" in notice.text
    with portal.session("registry") as session:
        resident = session.get(Resident, holder.id)
        assert resident is not None
        keys = portal.opened.keys["registry"]
        base_url = portal.opened.deployment.node("registry").base_url
        [card] = card_service(session, keys, base_url).cards_of(resident)
        assert card.state == "on-hold"
    assert _sessions(portal) == 0
    async with portal.browser() as again:
        refused = await portal.log_in(again, holder)
        assert refused.status_code == HTTPStatus.UNAUTHORIZED


async def test_a_body_registering_my_number_is_among_my_notices(portal: Portal) -> None:
    """A recent collection of my number shows as a notice, naming the body and the task."""
    holder = portal.holder()
    with portal.session("registry") as session:
        session.add(
            NumberHolding(
                resident_id=holder.id,
                body_id="employer-kasumi-seiki",
                body_name_en="Kasumi Seiki Co., Ltd.",
                body_name_ja="霞精機株式会社",
                body_kind="employer",
                task="employer:withholding-slip",
                staff="clerk-1",
                method="card",
                collected_at=datetime.now(UTC),
                retention_until=date(2033, 1, 1),
                receipt_id="00000000-0000-4000-8000-000000000001",
                code="0" * 26,
                ledger_index=0,
            )
        )
    async with portal.browser() as browser:
        await portal.log_in(browser, holder)
        home = await browser.get(f"{PORTAL}/")
        notices = home.text.split('<h2 id="notices">', 1)[1].split("</section>", 1)[0]
        assert "Kasumi Seiki Co., Ltd. registered your number for" in notices
    async with portal.browser(language="ja") as browser:
        await portal.log_in(browser, holder)
        assert "霞精機株式会社" in (await browser.get(f"{PORTAL}/")).text


async def test_my_information_shows_the_pin_counters_the_card_reported(portal: Portal) -> None:
    """After a wrong PIN the card counts it; the page shows what the card said at login."""
    holder = portal.holder()
    card = VirtualCard.open(holder.card)
    with pytest.raises(WrongPin):
        card.read_card_face("0000")
    async with portal.browser() as browser:
        await portal.log_in(browser, holder)
        home = await browser.get(f"{PORTAL}/")
        pins = home.text.split('<table class="pins">', 1)[1].split("</table>", 1)[0]
        assert "Card-face PIN" in pins
        assert "2 of 3" in pins  # one wrong try of three
        assert "3 of 3" in pins  # the authentication PIN: right at login, so reset
    async with portal.browser() as forged:
        page = await forged.get(f"{PORTAL}/login")
        answer = card_app.answer_login(card, challenge_of(page), authentication_pin=PIN).to_json()
        answer["pins"] = {"authentication": {"remaining": 99, "limit": 3, "locked": False}}
        await forged.post(f"{PORTAL}/login", data={"answer": json.dumps(answer)})
        home = await forged.get(f"{PORTAL}/")
        assert '<table class="pins">' not in home.text  # counters that no card gives are dropped
