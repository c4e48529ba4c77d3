"""What the registry answers the portal about deposit accounts linked to a number (預貯金口座付番).

* ``GET /api/portal/deposit-links``: the accounts I linked, their numbers masked, and how many one
  may link.
* ``POST /api/portal/deposit-links``: link one more (201). An account not in its form, or whose
  holder's name in kana is not my own reading, is refused (422); so is one beyond the most
  (422); an account I linked already is refused as linked (409).
* ``DELETE /api/portal/deposit-links/{id}``: unlink one of my accounts (204); an id that is not one
  of mine is not found (404), whoever's it is.

Each route takes the resident's grant (:data:`~mynumber.register.portal_api.GrantHolder`), while
the card that logged in is still in use. Refusals change nothing (:mod:`mynumber.accounts`).
"""

from datetime import datetime
from http import HTTPStatus

import anyio.to_thread
from fastapi import APIRouter
from pydantic import BaseModel

from mynumber.accounts.models import DepositLink
from mynumber.accounts.rules import Account, check_account
from mynumber.accounts.services import MOST_DEPOSIT_LINKS, DepositLinks
from mynumber.grants import Grant
from mynumber.nodes.context import NodeContext
from mynumber.register.counter import RegistryNode, register_service
from mynumber.register.portal_api import AccountForm, GrantHolder, still_good
from mynumber.storage import unit_of_work

router = APIRouter(prefix="/api/portal/deposit-links", tags=["portal"])


class LinkForm(AccountForm):
    """A deposit account as the resident gives it, to link: the benefit account's fields."""


class DepositLinkView(BaseModel):
    """A linked account as the resident sees it, its number masked."""

    id: int
    bank: str
    branch: str
    kind: str
    number_masked: str
    linked_at: datetime


class DepositLinksView(BaseModel):
    """The accounts the resident linked, the first linked first, and how many one may link."""

    links: list[DepositLinkView]
    most: int


def _view(found: DepositLink) -> DepositLinkView:
    """Return how the resident sees one linked account."""
    account = Account(found.bank, found.branch, found.kind, found.number)
    return DepositLinkView(
        id=found.id,
        bank=found.bank,
        branch=found.branch,
        kind=found.kind,
        number_masked=account.masked,
        linked_at=found.linked_at,
    )


def _links(node: NodeContext, holder: Grant) -> DepositLinksView:
    """Return the resident's linked accounts."""
    with unit_of_work(node.sessions) as session:
        still_good(session, holder)
        found = DepositLinks(session).of(holder.resident)
        return DepositLinksView(links=[_view(each) for each in found], most=MOST_DEPOSIT_LINKS)


def _link(node: NodeContext, holder: Grant, form: LinkForm) -> DepositLinkView:
    """Link one account to the resident's number, in their own name only."""
    account = check_account(
        bank=form.bank.strip(),
        branch=form.branch.strip(),
        kind=form.kind.strip(),
        number=form.number.strip(),
    )
    with unit_of_work(node.sessions) as session:
        still_good(session, holder)
        resident = register_service(session, node).get(holder.resident)
        return _view(DepositLinks(session).link(resident, account, form.holder_kana))


def _unlink(node: NodeContext, holder: Grant, link_id: int) -> None:
    """Unlink one of the resident's accounts."""
    with unit_of_work(node.sessions) as session:
        still_good(session, holder)
        DepositLinks(session).unlink(holder.resident, link_id)


@router.get("", summary="The deposit accounts linked to my number")
async def deposit_links(node: RegistryNode, holder: GrantHolder) -> DepositLinksView:
    """Answer the accounts the resident whose grant comes with the request linked."""
    return await anyio.to_thread.run_sync(_links, node, holder)


@router.post("", status_code=HTTPStatus.CREATED, summary="Link a deposit account to my number")
async def link_deposit_account(
    form: LinkForm, node: RegistryNode, holder: GrantHolder
) -> DepositLinkView:
    """Link one account, in the resident's own name, to their number."""
    return await anyio.to_thread.run_sync(_link, node, holder, form)


@router.delete("/{link_id}", status_code=HTTPStatus.NO_CONTENT, summary="Unlink a deposit account")
async def unlink_deposit_account(link_id: int, node: RegistryNode, holder: GrantHolder) -> None:
    """Unlink one of the resident's own accounts; anyone else's is not found."""
    await anyio.to_thread.run_sync(_unlink, node, holder, link_id)
