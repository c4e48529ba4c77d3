"""Deposit accounts linked to a number (預貯金口座付番), through the portal's money page.

Each test runs the registry on SQLite and on PostgreSQL; the hub and the portal on SQLite. The last
tests call the registry's service directly, on the same databases.
"""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select, text

from mynumber.accounts.models import DepositLink
from mynumber.accounts.rules import Account, HolderNameRefused
from mynumber.accounts.services import (
    MOST_DEPOSIT_LINKS,
    AlreadyLinked,
    DepositLinkNotFound,
    DepositLinks,
    DepositLinksFull,
)
from mynumber.portal.visits import SESSION_COOKIE
from mynumber.register.models import Resident

from .conftest import PORTAL, Holder, Portal

if TYPE_CHECKING:
    import httpx

pytestmark = pytest.mark.anyio

#: An account of サトウ ハナコ, whom ``portal.holder()`` registers, as the form posts it.
ACCOUNT = {
    "bank": "0001",
    "branch": "123",
    "kind": "ordinary",
    "number": "7654321",
    "holder_kana": "ｻﾄｳ ﾊﾅｺ",
}
_UNLINK = re.compile(r'action="/portal/account/deposit-links/([0-9]+)/unlink"')


def _form_token(page: httpx.Response) -> str:
    """Return the form token a page's forms carry."""
    return page.text.split('name="form_token" value="', 1)[1].split('"', 1)[0]


async def _link(browser: httpx.AsyncClient, **fields: str) -> httpx.Response:
    """Link the account :data:`ACCOUNT`, changed by ``fields``, from the money page."""
    page = await browser.get(f"{PORTAL}/account")
    return await browser.post(
        f"{PORTAL}/account/deposit-links",
        data={"form_token": _form_token(page), **ACCOUNT, **fields},
    )


def _links(portal: Portal, holder: Holder) -> list[tuple[str, str, str, str]]:
    """Return the holder's linked accounts at the registry: bank, branch, kind, number."""
    with portal.session("registry") as session:
        return [
            (found.bank, found.branch, found.kind, found.number)
            for found in DepositLinks(session).of(holder.id)
        ]


async def test_two_accounts_linked_are_listed_masked(portal: Portal) -> None:
    """Both accounts show on the page by bank, branch, kind and masked number; never in full."""
    holder = portal.holder()
    async with portal.browser() as browser:
        await portal.log_in(browser, holder)
        empty = await browser.get(f"{PORTAL}/account")
        assert "You have linked no deposit account to your number." in empty.text
        assert "are never sent to the state" in empty.text
        first = await _link(browser)
        assert first.status_code == HTTPStatus.SEE_OTHER, first.text
        assert first.headers["location"] == f"{PORTAL}/account?done=linked#deposit-links"
        second = await _link(browser, bank="0009", branch="045", kind="savings", number="1112223")
        assert second.status_code == HTTPStatus.SEE_OTHER, second.text
        page = await browser.get(f"{PORTAL}/account", params={"done": "linked"})
    assert "The account is linked to your number." in page.text
    for shown in ("0001", "123", "****321", "0009", "045", "Savings", "****223"):
        assert f"<td>{shown}</td>" in page.text
    assert "7654321" not in page.text
    assert "1112223" not in page.text
    assert len(_UNLINK.findall(page.text)) == 2
    assert _links(portal, holder) == [
        ("0001", "123", "ordinary", "7654321"),
        ("0009", "045", "savings", "1112223"),
    ]


async def test_the_account_number_is_stored_encrypted(portal: Portal) -> None:
    """The table holds the number, and the account's index, only as bytes that do not show it."""
    holder = portal.holder()
    async with portal.browser() as browser:
        await portal.log_in(browser, holder)
        await _link(browser)
    with portal.session("registry") as session:
        [(number, index)] = session.execute(
            text("SELECT number, account_index FROM deposit_links WHERE resident_id = :id"),
            {"id": holder.id},
        ).all()
    for stored in (bytes(number), bytes(index)):
        assert b"7654321" not in stored
        assert "7654321".encode("utf-16-le") not in stored
    assert _links(portal, holder) == [("0001", "123", "ordinary", "7654321")]


async def test_a_holder_not_in_my_name_is_refused_with_the_reason(portal: Portal) -> None:
    """A family member's kana is refused, saying why, with the form as typed; nothing is linked."""
    holder = portal.holder()
    async with portal.browser() as browser:
        await portal.log_in(browser, holder)
        refused = await _link(browser, holder_kana="ｻﾄｳ ｼﾞﾛｳ")
    assert refused.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "only accounts in your own name can be linked to your number" in refused.text
    assert 'value="ｻﾄｳ ｼﾞﾛｳ"' in refused.text
    assert 'id="link-number" name="number"' in refused.text
    assert 'value="7654321"' in refused.text
    assert _links(portal, holder) == []


@pytest.mark.parametrize("bank", ["001", "00a1", "00001"])
async def test_a_malformed_bank_code_is_refused(portal: Portal, bank: str) -> None:
    """A bank code that is not four digits is refused, naming what to check; nothing is linked."""
    holder = portal.holder()
    async with portal.browser() as browser:
        await portal.log_in(browser, holder)
        refused = await _link(browser, bank=bank)
    assert refused.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "The account was not linked" in refused.text
    assert "Check the bank code (4 digits)" in refused.text
    assert _links(portal, holder) == []


async def test_an_account_is_linked_once(portal: Portal) -> None:
    """The same account again, its digits typed full-width, is refused as linked already."""
    holder = portal.holder()
    async with portal.browser() as browser:
        await portal.log_in(browser, holder)
        await _link(browser)
        again = await _link(browser, number="７６５４３２１")
        other_kind = await _link(browser, kind="savings")
    assert again.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert "This account is already linked to your number." in again.text
    assert other_kind.status_code == HTTPStatus.SEE_OTHER
    assert _links(portal, holder) == [
        ("0001", "123", "ordinary", "7654321"),
        ("0001", "123", "savings", "7654321"),
    ]


async def test_an_account_is_unlinked(portal: Portal) -> None:
    """Unlink takes the account off the page and out of the register; the other stays."""
    holder = portal.holder()
    async with portal.browser() as browser:
        await portal.log_in(browser, holder)
        await _link(browser)
        await _link(browser, number="1112223")
        page = await browser.get(f"{PORTAL}/account")
        first = _UNLINK.findall(page.text)[0]
        unlinked = await browser.post(
            f"{PORTAL}/account/deposit-links/{first}/unlink",
            data={"form_token": _form_token(page)},
        )
        assert unlinked.status_code == HTTPStatus.SEE_OTHER
        assert unlinked.headers["location"] == f"{PORTAL}/account?done=unlinked#deposit-links"
        after = await browser.get(f"{PORTAL}/account", params={"done": "unlinked"})
    assert "The account is no longer linked to your number." in after.text
    assert "****321" not in after.text
    assert "****223" in after.text
    assert _links(portal, holder) == [("0001", "123", "ordinary", "1112223")]


async def test_another_resident_cannot_unlink_my_account(portal: Portal) -> None:
    """My link's id, posted by someone else, is not found for them and stays linked."""
    owner, other = portal.holder(), portal.holder()
    async with portal.browser() as mine, portal.browser() as theirs:
        await portal.log_in(mine, owner)
        await _link(mine)
        [link] = _UNLINK.findall((await mine.get(f"{PORTAL}/account")).text)
        await portal.log_in(theirs, other)
        page = await theirs.get(f"{PORTAL}/account")
        assert "****321" not in page.text
        refused = await theirs.post(
            f"{PORTAL}/account/deposit-links/{link}/unlink",
            data={"form_token": _form_token(page)},
        )
    assert refused.status_code == HTTPStatus.NOT_FOUND
    assert "There is nothing at this address." in refused.text
    assert "****321" not in refused.text
    assert _links(portal, owner) == [("0001", "123", "ordinary", "7654321")]


async def test_a_cross_site_post_changes_nothing(portal: Portal) -> None:
    """Without the session's form token, neither a link nor an unlink is done."""
    holder = portal.holder()
    async with portal.browser() as browser:
        await portal.log_in(browser, holder)
        forged = await browser.post(f"{PORTAL}/account/deposit-links", data=ACCOUNT)
        assert forged.status_code == HTTPStatus.FORBIDDEN
        assert _links(portal, holder) == []
        await _link(browser)
        [link] = _UNLINK.findall((await browser.get(f"{PORTAL}/account")).text)
        for token in ({}, {"form_token": "forged"}):
            unlink = await browser.post(f"{PORTAL}/account/deposit-links/{link}/unlink", data=token)
            assert unlink.status_code == HTTPStatus.FORBIDDEN
    assert _links(portal, holder) == [("0001", "123", "ordinary", "7654321")]


async def test_at_a_kiosk_linking_an_account_ends_the_session(portal: Portal) -> None:
    """At a shared terminal the link is made, and the next person finds the login page."""
    holder = portal.holder()
    async with portal.browser() as browser:
        await portal.log_in(browser, holder, kiosk=True)
        done = await _link(browser)
        assert done.status_code == HTTPStatus.SEE_OTHER
        assert done.headers["location"] == f"{PORTAL}/login?kiosk=1&ended=1"
        assert not browser.cookies.get(SESSION_COOKIE)
        following = await browser.get(f"{PORTAL}/account")
        assert following.headers["location"] == f"{PORTAL}/login"
    assert _links(portal, holder) == [("0001", "123", "ordinary", "7654321")]


async def test_links_stop_at_the_most_one_may_have(portal: Portal) -> None:
    """The registry links up to the most, refuses one more, and links again after an unlink."""
    holder = portal.holder()
    with portal.session("registry") as session:
        resident = session.get(Resident, holder.id)
        assert resident is not None
        links = DepositLinks(session)
        made = [
            links.link(resident, Account("0001", "123", "ordinary", f"{n:07d}"), "ｻﾄｳ ﾊﾅｺ")
            for n in range(MOST_DEPOSIT_LINKS)
        ]
        extra = Account("0001", "123", "savings", "0000000")
        with pytest.raises(DepositLinksFull, match="unlink one"):
            links.link(resident, extra, "ｻﾄｳ ﾊﾅｺ")
        links.unlink(resident.id, made[0].id)
        links.link(resident, extra, "ｻﾄｳ ﾊﾅｺ")
    with portal.session("registry") as session:
        stored = session.scalars(select(DepositLink.id).where(DepositLink.resident_id == holder.id))
        assert len(stored.all()) == MOST_DEPOSIT_LINKS


async def test_the_service_refuses_with_reasons_a_link_can_act_on(portal: Portal) -> None:
    """Another's name, a second link and another's id are refused in the words of a link."""
    owner, other = portal.holder(), portal.holder()
    account = Account("0001", "123", "ordinary", "7654321")
    with portal.session("registry") as session:
        resident = session.get(Resident, owner.id)
        assert resident is not None
        links = DepositLinks(session)
        with pytest.raises(HolderNameRefused, match="only accounts in your own name") as refused:
            links.link(resident, account, "ｻﾄｳ ｼﾞﾛｳ")
        assert "benefit" not in str(refused.value)
        made = links.link(resident, account, "ｻﾄｳ ﾊﾅｺ")
        with pytest.raises(AlreadyLinked, match="already linked"):
            links.link(resident, account, "さとう はなこ")
        for link_id in (made.id, made.id + 1000):
            with pytest.raises(DepositLinkNotFound) as missing:
                links.unlink(other.id, link_id)
            assert str(missing.value) == f"you have no linked account {link_id}"
    assert _links(portal, owner) == [("0001", "123", "ordinary", "7654321")]


async def test_two_residents_of_one_reading_may_each_link_an_account(portal: Portal) -> None:
    """Linking is per resident: one resident's link is not told to another by a refusal."""
    first, second = portal.holder(), portal.holder()  # both サトウ ハナコ
    async with portal.browser() as one, portal.browser() as two:
        await portal.log_in(one, first)
        await portal.log_in(two, second)
        assert (await _link(one)).status_code == HTTPStatus.SEE_OTHER
        assert (await _link(two)).status_code == HTTPStatus.SEE_OTHER
    assert (
        _links(portal, first) == _links(portal, second) == [("0001", "123", "ordinary", "7654321")]
    )
