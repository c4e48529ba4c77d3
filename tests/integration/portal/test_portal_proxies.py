"""Proxies through the portal: appoint, accept with consent, act for, revoke -- only the person."""

from __future__ import annotations

import re
from datetime import date
from http import HTTPStatus
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from mynumber.proxies.models import ProxyAppointment, ProxyUse

from .conftest import PORTAL, Holder, Portal

if TYPE_CHECKING:
    import httpx

pytestmark = pytest.mark.anyio

_CODE = re.compile(r'<code class="number" id="invitation-code">([0-9A-Z-]+)</code>')
_ACT = re.compile(r'action="/portal/proxies/([0-9]+)/act"')
_REVOKE = re.compile(r'action="/portal/proxies/([0-9]+)/revoke"')


def _form_token(page: httpx.Response) -> str:
    """Return the form token a page's forms carry."""
    return page.text.split('name="form_token" value="', 1)[1].split('"', 1)[0]


async def _invite(browser: httpx.AsyncClient, kind: str = "voluntary") -> httpx.Response:
    """Ask for a proxy of ``kind`` on the proxies page; return the page that answers."""
    page = await browser.get(f"{PORTAL}/proxies")
    return await browser.post(
        f"{PORTAL}/proxies", data={"form_token": _form_token(page), "kind": kind}
    )


def _code(page: httpx.Response) -> str:
    """Return the one-time code an invitation page shows."""
    found = _CODE.search(page.text)
    assert found is not None, page.text
    return found.group(1)


async def _accept(browser: httpx.AsyncClient, code: str) -> httpx.Response:
    """Enter ``code`` as the proxy; return the answer."""
    page = await browser.get(f"{PORTAL}/proxies")
    return await browser.post(
        f"{PORTAL}/proxies/accept", data={"form_token": _form_token(page), "code": code}
    )


async def _appoint(
    portal: Portal,
    browsers: tuple[httpx.AsyncClient, httpx.AsyncClient],
    person: Holder,
    proxy: Holder,
) -> None:
    """Log both in, each in their browser; ``person`` appoints ``proxy``, who accepts."""
    mine, theirs = browsers
    await portal.log_in(mine, person)
    await portal.log_in(theirs, proxy)
    accepted = await _accept(theirs, _code(await _invite(mine)))
    assert accepted.status_code == HTTPStatus.SEE_OTHER, accepted.text


async def _act(browser: httpx.AsyncClient) -> httpx.Response:
    """Act for the first resident the proxies page offers; return the answer."""
    page = await browser.get(f"{PORTAL}/proxies")
    found = _ACT.search(page.text)
    assert found is not None, page.text
    return await browser.post(
        f"{PORTAL}/proxies/{found.group(1)}/act", data={"form_token": _form_token(page)}
    )


async def test_a_proxy_appointed_by_consent_acts_for_the_person_and_is_seen(
    portal: Portal,
) -> None:
    """The proxy sees the person's pages, never the full number; the person sees them act."""
    person, proxy = portal.holder(), portal.holder()
    portal.record(person, task="employer:withholding-slip")
    portal.record(proxy, task="pension:benefit-claim")
    async with portal.browser() as mine, portal.browser() as theirs:
        await _appoint(portal, (mine, theirs), person, proxy)
        offered = await theirs.get(f"{PORTAL}/proxies")
        assert person.given_name in offered.text
        acted = await _act(theirs)
        assert acted.status_code == HTTPStatus.SEE_OTHER
        home = await theirs.get(f"{PORTAL}/")
        assert f"You are acting for 佐藤 {person.given_name}" in home.text
        assert "Show my number" not in home.text
        assert "Report my card lost" not in home.text
        revealed = await theirs.get(f"{PORTAL}/", params={"reveal": "true"})
        assert 'class="number">**** ****' in revealed.text
        records = await theirs.get(f"{PORTAL}/records")
        assert "1 record" in records.text
        assert "Withholding" in records.text or "withholding" in records.text
        # The person sees that the proxy acted, and when.
        seen = await mine.get(f"{PORTAL}/proxies")
        assert proxy.given_name in seen.text
        assert "Active" in seen.text
        assert "1 time, last on" in seen.text
        # Stopping returns the proxy's own pages.
        page = await theirs.get(f"{PORTAL}/")
        stopped = await theirs.post(
            f"{PORTAL}/proxies/stop", data={"form_token": _form_token(page)}
        )
        assert stopped.status_code == HTTPStatus.SEE_OTHER
        own = await theirs.get(f"{PORTAL}/")
        assert "You are acting for" not in own.text
        assert proxy.given_name in own.text


async def test_only_the_person_revokes_and_the_proxy_is_stopped_at_once(portal: Portal) -> None:
    """A proxy cannot revoke their own appointment; once the person does, the proxy is out."""
    person, proxy = portal.holder(), portal.holder()
    async with portal.browser() as mine, portal.browser() as theirs:
        await _appoint(portal, (mine, theirs), person, proxy)
        await _act(theirs)
        appointment = int(_REVOKE.findall((await mine.get(f"{PORTAL}/proxies")).text)[0])
        # The proxy, acting for the person, cannot revoke the appointment...
        page = await theirs.get(f"{PORTAL}/")
        tried = await theirs.post(
            f"{PORTAL}/proxies/{appointment}/revoke", data={"form_token": _form_token(page)}
        )
        assert tried.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
        assert "Only the person can do this" in tried.text
        # ... nor, acting for themself, is it theirs to revoke.
        own = await theirs.post(f"{PORTAL}/proxies/stop", data={"form_token": _form_token(page)})
        assert own.status_code == HTTPStatus.SEE_OTHER
        tried = await theirs.post(
            f"{PORTAL}/proxies/{appointment}/revoke", data={"form_token": _form_token(page)}
        )
        assert tried.status_code == HTTPStatus.NOT_FOUND
        with portal.session("registry") as session:
            kept = session.get(ProxyAppointment, appointment)
            assert kept is not None
            assert kept.state == "active"
        # The person revokes it; the proxy acting for them is stopped at their next page.
        await _act(theirs)
        page = await mine.get(f"{PORTAL}/proxies")
        revoked = await mine.post(
            f"{PORTAL}/proxies/{appointment}/revoke", data={"form_token": _form_token(page)}
        )
        assert revoked.status_code == HTTPStatus.SEE_OTHER
        after = await theirs.get(f"{PORTAL}/records", follow_redirects=False)
        assert after.status_code == HTTPStatus.SEE_OTHER
        assert "/login" in after.headers["location"]
        assert "Revoked" in (await mine.get(f"{PORTAL}/proxies")).text


async def test_a_code_works_once_for_someone_else_and_a_wrong_one_is_refused(
    portal: Portal,
) -> None:
    """The code is the proxy's consent: once, not by the person, not mistyped."""
    person, proxy, third = portal.holder(), portal.holder(), portal.holder()
    mine, theirs, other = portal.browser(), portal.browser(), portal.browser()
    async with mine, theirs, other:
        await portal.log_in(mine, person)
        await portal.log_in(theirs, proxy)
        await portal.log_in(other, third)
        code = _code(await _invite(mine))
        own = await _accept(mine, code)
        assert own.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
        assert "a proxy is an adult other than the person" in own.text
        wrong = await _accept(theirs, "0000-0000-0000")
        assert wrong.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
        assert "No open appointment has this code" in wrong.text
        # Typed in small letters without hyphens, it is the same code.
        typed = code.replace("-", " ").lower()
        assert (await _accept(theirs, typed)).status_code == HTTPStatus.SEE_OTHER
        again = await _accept(other, code)
        assert again.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    with portal.session("registry") as session:
        found = session.scalars(
            select(ProxyAppointment).where(ProxyAppointment.principal_id == person.id)
        ).all()
        assert [(each.proxy_id, each.state, each.code_hash) for each in found] == [
            (proxy.id, "active", None)
        ]


async def test_a_guardian_acts_for_a_minor_in_their_household_only(portal: Portal) -> None:
    """A legal guardian is for a minor, from the minor's household on the register."""
    parent = portal.holder()
    child = portal.holder(born=date(2015, 6, 1), household_of=parent)
    stranger = portal.holder()
    kid, mum, other = portal.browser(), portal.browser(), portal.browser()
    async with kid, mum, other:
        await portal.log_in(kid, child)
        await portal.log_in(mum, parent)
        await portal.log_in(other, stranger)
        refused = await _accept(other, _code(await _invite(kid, "guardian")))
        assert refused.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
        assert "must live in the minor's household" in refused.text
        accepted = await _accept(mum, _code(await _invite(kid, "guardian")))
        assert accepted.status_code == HTTPStatus.SEE_OTHER
        page = await mum.get(f"{PORTAL}/proxies")
        assert "Legal guardian" in page.text
        assert child.given_name in page.text
        # An adult has no legal guardian: a voluntary proxy is the way.
        adult = await _invite(mum, "guardian")
        assert adult.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
        assert "A legal guardian acts for a minor" in adult.text
        # A minor cannot be anyone's proxy.
        minor = await _accept(kid, _code(await _invite(other)))
        assert minor.status_code == HTTPStatus.UNPROCESSABLE_ENTITY


async def test_proxy_forms_need_the_session_form_token_and_change_nothing(
    portal: Portal,
) -> None:
    """A cross-site post or a kind that does not exist appoints no one."""
    person = portal.holder()
    async with portal.browser() as browser:
        await portal.log_in(browser, person)
        forged = await browser.post(
            f"{PORTAL}/proxies", data={"form_token": "x", "kind": "voluntary"}
        )
        assert forged.status_code == HTTPStatus.FORBIDDEN
        unknown = await _invite(browser, "neighbour")
        assert unknown.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
        assert "Choose the kind of proxy" in unknown.text
    with portal.session("registry") as session:
        assert session.scalars(select(ProxyAppointment)).all() == []
        assert session.scalars(select(ProxyUse)).all() == []


async def test_a_person_has_at_most_five_proxies_or_invitations(portal: Portal) -> None:
    """A sixth open appointment is refused, saying why."""
    person = portal.holder()
    async with portal.browser() as browser:
        await portal.log_in(browser, person)
        for _ in range(5):
            assert (await _invite(browser)).status_code == HTTPStatus.OK
        sixth = await _invite(browser)
        assert sixth.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
        assert "five proxies or open invitations" in sixth.text
