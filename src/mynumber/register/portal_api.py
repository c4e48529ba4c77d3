"""What the registry answers the portal node: login with the card, the resident's own data.

* ``POST /api/portal/challenges``: a one-time challenge for a resident's card to sign (201).
* ``POST /api/portal/logins``: the card's answer -- the challenge, its authentication certificate
  and its signature; never the number. The registry checks the signature, the certificate's
  chain, its status and the card, asks the hub for the resident's disclosure code, and answers a
  grant signed with its node key (:mod:`mynumber.grants`) for one hour at most.
* ``GET /api/portal/me``: with the grant in ``X-Resident-Grant``, the resident's four attributes
  and kana, the number masked (in full with ``?reveal=true``), and their cards and certificates.
* ``POST /api/portal/lock``: lock my number -- no body may collect it while locked; ``POST
  /api/portal/unlock`` with the card's signature over a fresh challenge unlocks it.
* ``PUT /api/portal/benefit-account``: register my one public-benefit receipt account; the
  holder's name in kana must be my own reading (:mod:`mynumber.accounts.rules`), else 422.
* ``POST /api/portal/lost-card``: put the card that logged in on hold (lost); the session it
  opened ends with it.
* ``GET /api/portal/grants/current``: 204 while the grant holds and the card that logged in is in
  use; 401 once it is revoked, on hold or ended -- a session is bound to its certificate.

Only the deployment's portal node may call these routes, and it must sign its requests
(:mod:`mynumber.nodes.callers`); the resident's authority is the grant. Refusals are RFC 9457
problems and change nothing, except that a login challenge is used up by any answer to it.
"""

import base64
import binascii
import functools
import time
from datetime import UTC, date, datetime
from http import HTTPStatus
from typing import Annotated

import anyio.to_thread
from fastapi import APIRouter, Depends, Header, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from mynumber.accounts.rules import Account, check_account
from mynumber.accounts.services import BenefitAccounts
from mynumber.cards import jpki
from mynumber.cards.api import CardView, card_view
from mynumber.cards.identity import IdentityRefused
from mynumber.cards.models import CardState, Certificate, CertificateStatus
from mynumber.cards.registry import card_service, identity_service
from mynumber.deployment import NodeKind
from mynumber.grants import GRANT_SECONDS, Grant, GrantRefused, issue_grant, read_grant
from mynumber.holdings.api import HolderView, holder_view, hub_of
from mynumber.holdings.models import NumberLock
from mynumber.holdings.records import HoldingRecords
from mynumber.nodes.context import NodeContext
from mynumber.proxies.services import Proxies, ProxyNotPermitted
from mynumber.register.counter import RegistryNode, mask, register_service
from mynumber.register.models import Resident
from mynumber.storage import unit_of_work

router = APIRouter(prefix="/api/portal", tags=["portal"])


class ChallengeView(BaseModel):
    """A one-time challenge for the resident's card to sign."""

    challenge: str
    expires_at: datetime


class LoginForm(BaseModel):
    """The card's answer to a login challenge: its certificate and signature, no number."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    challenge: Annotated[str, Field(min_length=1, max_length=64)]
    certificate: Annotated[str, Field(min_length=1, max_length=10_000)]
    signature: Annotated[str, Field(min_length=1, max_length=2_000)]


class LoginView(BaseModel):
    """The grant the portal holds for the resident, and when it ends (unix seconds)."""

    grant: str
    expires_at: int


class AccountForm(BaseModel):
    """A benefit account as the resident gives it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    bank: Annotated[str, Field(max_length=10)]
    branch: Annotated[str, Field(max_length=10)]
    kind: Annotated[str, Field(max_length=10)]
    number: Annotated[str, Field(max_length=20)]
    holder_kana: Annotated[str, Field(max_length=200)]


class AccountView(BaseModel):
    """The benefit account registered, its number masked."""

    bank: str
    branch: str
    kind: str
    number_masked: str


class ResidentView(BaseModel):
    """What the register holds about the resident who asks, for their own eyes."""

    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    date_of_birth: date
    sex: str
    postal_code: str
    address: str
    preferred_language: str
    #: The number with all but its last four digits hidden.
    number_masked: str
    #: The number in full, only when asked for.
    number: str | None
    cards: list[CardView]
    #: Whether the resident has locked their number against new collections.
    number_locked: bool
    #: The bodies that hold or held the number (the holder list).
    holders: list[HolderView]
    benefit_account: AccountView | None
    #: How many proxies may act for the resident now (check them after a card is renewed).
    active_proxies: int


async def _from_portal(request: Request, node: NodeContext) -> None:
    """Refuse a request that the deployment's portal node did not sign."""
    await node.calling_node(request, NodeKind.PORTAL)


async def _resident_grant(
    request: Request,
    node: RegistryNode,
    grant: Annotated[str | None, Header(alias="X-Resident-Grant")] = None,
) -> Grant:
    """Return the grant of the resident a request of the portal is made for, or refuse it."""
    await _from_portal(request, node)
    return read_grant(node.keys.node_signing.public_key(), grant, now=time.time())


#: The resident a request is made for: the portal signed it and the registry's grant names them.
#: It may be their proxy acting for them (``Grant.proxy``).
GrantHolder = Annotated[Grant, Depends(_resident_grant)]


async def _person_grant(holder: GrantHolder) -> Grant:
    """Return the grant of a resident acting for themself; refuse a proxy's."""
    if holder.proxy is not None:
        msg = "only the person can do this, not a proxy acting for them"
        raise ProxyNotPermitted(msg)
    return holder


#: The resident a request is made for, who logged in with their own card: not a proxy.
PersonHolder = Annotated[Grant, Depends(_person_grant)]


def _signature(form: LoginForm) -> bytes:
    """Return the card's signature, refusing one that is not base64."""
    try:
        return base64.b64decode(form.signature, validate=True)
    except (binascii.Error, ValueError) as exc:
        msg = "the signature is not base64"
        raise IdentityRefused(msg) from exc


def _challenge(node: NodeContext) -> ChallengeView:
    """Issue a login challenge."""
    with unit_of_work(node.sessions) as session:
        issued = identity_service(session, node.keys, node.spec.base_url).login_challenge()
        return ChallengeView(challenge=issued.challenge, expires_at=issued.expires_at)


def _holder(node: NodeContext, form: LoginForm, signature: bytes) -> tuple[int, str, str]:
    """Check the card's answer; return the resident's id, resident record code, certificate."""
    with unit_of_work(node.sessions) as session:
        service = identity_service(session, node.keys, node.spec.base_url)
        resident, certificate = service.log_in(form.challenge, form.certificate, signature)
        return resident.id, resident.resident_record_code, f"{certificate.serial_number:x}"


def still_good(session: Session, holder: Grant) -> None:
    """Refuse a grant whose certificate has since been revoked or put on hold, or whose card ended.

    A session is bound to the certificate that logged in: report the card lost, and the
    session it opened ends at its next page. A proxy's grant holds only while the resident's
    appointment of them stands: revoke it, and the proxy's next page is refused.
    """
    card_holder = holder.resident if holder.proxy is None else holder.proxy
    certificate = session.scalar(
        select(Certificate).where(
            Certificate.kind == jpki.AuthorityKind.AUTHENTICATION.value,
            Certificate.serial == holder.certificate,
        )
    )
    if (
        certificate is None
        or certificate.status != CertificateStatus.GOOD.value
        or certificate.card.state != CardState.ACTIVE.value
        or certificate.card.resident_id != card_holder
    ):
        msg = "the card that logged in is no longer in use: log in again with a card in use"
        raise GrantRefused(msg)
    if holder.proxy is not None:
        principal = session.get(Resident, holder.resident)
        if principal is None:
            msg = "the resident this proxy acted for is not on the register"
            raise GrantRefused(msg)
        try:
            Proxies(session).standing(principal, holder.proxy)
        except ProxyNotPermitted as exc:
            raise GrantRefused(exc.message) from exc


def _resident(node: NodeContext, holder: Grant, *, reveal: bool) -> ResidentView:
    """Return the resident's own view of their record, while the login's card is in use."""
    with unit_of_work(node.sessions) as session:
        still_good(session, holder)
        resident_id = holder.resident
        register = register_service(session, node)
        resident = register.get(resident_id)
        number = register.active_number(resident).number
        cards = card_service(session, node.keys, node.spec.base_url).cards_of(resident)
        return ResidentView(
            family_name=resident.family_name,
            given_name=resident.given_name,
            family_name_kana=resident.family_name_kana,
            given_name_kana=resident.given_name_kana,
            date_of_birth=resident.date_of_birth,
            sex=resident.sex,
            postal_code=resident.postal_code,
            address=resident.address,
            preferred_language=resident.preferred_language,
            number_masked=mask(number),
            number=number if reveal else None,
            cards=[card_view(card) for card in cards],
            number_locked=session.get(NumberLock, resident.id) is not None,
            holders=[
                holder_view(holding)
                for holding in HoldingRecords(session).holder_list(resident.id)[1]
            ],
            benefit_account=_account_view(BenefitAccounts(session).of(resident.id)),
            active_proxies=Proxies(session).active_count(resident),
        )


def _account_view(account: Account | None) -> AccountView | None:
    """Return how the resident sees their benefit account."""
    if account is None:
        return None
    return AccountView(
        bank=account.bank, branch=account.branch, kind=account.kind, number_masked=account.masked
    )


def _register_account(node: NodeContext, holder: Grant, form: AccountForm) -> AccountView:
    """Register the resident's benefit account, in their own name only."""
    account = check_account(
        bank=form.bank.strip(),
        branch=form.branch.strip(),
        kind=form.kind.strip(),
        number=form.number.strip(),
    )
    with unit_of_work(node.sessions) as session:
        still_good(session, holder)
        resident = register_service(session, node).get(holder.resident)
        BenefitAccounts(session).register(resident, account, form.holder_kana)
    return AccountView(
        bank=account.bank, branch=account.branch, kind=account.kind, number_masked=account.masked
    )


@router.post("/challenges", status_code=HTTPStatus.CREATED, summary="A login challenge")
async def login_challenge(request: Request, node: RegistryNode) -> ChallengeView:
    """Issue a one-time challenge for a resident's card; it expires in minutes."""
    await _from_portal(request, node)
    return await anyio.to_thread.run_sync(_challenge, node)


@router.post("/logins", status_code=HTTPStatus.CREATED, summary="Log a resident in with the card")
async def log_in(request: Request, form: LoginForm, node: RegistryNode) -> LoginView:
    """Check the card's signature over the challenge; answer the resident's grant."""
    await _from_portal(request, node)
    signature = _signature(form)
    resident_id, record_code, certificate = await anyio.to_thread.run_sync(
        functools.partial(_holder, node, form, signature)
    )
    disclosure_code = await anyio.to_thread.run_sync(hub_of(node).disclosure_code, record_code)
    expires_at = int(time.time()) + GRANT_SECONDS
    grant = Grant(
        resident=resident_id,
        disclosure_code=disclosure_code,
        certificate=certificate,
        expires_at=expires_at,
    )
    return LoginView(grant=issue_grant(node.keys.node_signing, grant), expires_at=expires_at)


def _check(node: NodeContext, holder: Grant) -> None:
    """Refuse a grant whose card is no longer in use."""
    with unit_of_work(node.sessions) as session:
        still_good(session, holder)


@router.get(
    "/grants/current",
    status_code=HTTPStatus.NO_CONTENT,
    summary="Is the resident's login still good?",
)
async def current_grant(
    node: RegistryNode,
    holder: GrantHolder,
) -> None:
    """Answer 204 while the grant holds and its card is in use; 401 once it is not."""
    await anyio.to_thread.run_sync(_check, node, holder)


def _lock(node: NodeContext, holder: Grant) -> None:
    """Lock the resident's number (a lock already standing stays as it was)."""
    with unit_of_work(node.sessions) as session:
        still_good(session, holder)
        if session.get(NumberLock, holder.resident) is None:
            session.add(NumberLock(resident_id=holder.resident, locked_at=datetime.now(UTC)))


def _unlock(node: NodeContext, holder: Grant, form: LoginForm, signature: bytes) -> None:
    """Unlock the resident's number once their card has signed a fresh challenge."""
    with unit_of_work(node.sessions) as session:
        service = identity_service(session, node.keys, node.spec.base_url)
        resident, _ = service.log_in(form.challenge, form.certificate, signature)
        if resident.id != holder.resident:
            msg = "the card that signed is not the card of the resident logged in"
            raise IdentityRefused(msg)
        lock = session.get(NumberLock, resident.id)
        if lock is not None:
            session.delete(lock)


def _report_loss(node: NodeContext, holder: Grant) -> None:
    """Put the card that logged in on hold: it is lost."""
    with unit_of_work(node.sessions) as session:
        still_good(session, holder)
        certificate = session.scalar(
            select(Certificate).where(
                Certificate.kind == jpki.AuthorityKind.AUTHENTICATION.value,
                Certificate.serial == holder.certificate,
            )
        )
        assert certificate is not None  # noqa: S101 -- _still_good found it
        card_service(session, node.keys, node.spec.base_url).report_loss(certificate.card)


@router.post(
    "/lost-card", status_code=HTTPStatus.NO_CONTENT, summary="Report the card I logged in with lost"
)
async def lost_card(node: RegistryNode, holder: PersonHolder) -> None:
    """Put the card on hold at once; its certificates are held, so this session ends too."""
    await anyio.to_thread.run_sync(_report_loss, node, holder)


@router.post(
    "/lock", status_code=HTTPStatus.NO_CONTENT, summary="Lock my number against new collections"
)
async def lock(
    node: RegistryNode,
    holder: GrantHolder,
) -> None:
    """Lock the number of the resident whose grant comes with the request."""
    await anyio.to_thread.run_sync(_lock, node, holder)


@router.post(
    "/unlock", status_code=HTTPStatus.NO_CONTENT, summary="Unlock my number, with the card"
)
async def unlock(
    form: LoginForm,
    node: RegistryNode,
    holder: GrantHolder,
) -> None:
    """Unlock the number: the resident's card must sign a fresh challenge first."""
    signature = _signature(form)
    await anyio.to_thread.run_sync(_unlock, node, holder, form, signature)


@router.put("/benefit-account", summary="Register my benefit account, in my own name")
async def benefit_account(
    form: AccountForm,
    node: RegistryNode,
    holder: GrantHolder,
) -> AccountView:
    """Register (or replace) the benefit account of the resident whose grant comes with it."""
    return await anyio.to_thread.run_sync(_register_account, node, holder, form)


@router.get("/me", summary="The resident's own record, cards and certificates")
async def me(
    node: RegistryNode,
    holder: GrantHolder,
    *,
    reveal: bool = False,
) -> ResidentView:
    """Answer the record of the resident whose grant comes with the request.

    The number in full is for the resident's own eyes: a proxy sees it masked only.
    """
    if reveal and holder.proxy is not None:
        msg = "the number in full is shown to the person only, not to a proxy"
        raise ProxyNotPermitted(msg)
    return await anyio.to_thread.run_sync(functools.partial(_resident, node, holder, reveal=reveal))
