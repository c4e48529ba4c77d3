"""What the registry answers the portal about proxies (:mod:`mynumber.proxies`).

* ``GET /api/portal/proxies``: the proxies I appointed (each with how often it began to act, and
  when last), and the residents I am a proxy for.
* ``POST /api/portal/proxies``: invite a proxy (``guardian`` or ``voluntary``); 201 with the
  one-time code, shown once, to give to the proxy.
* ``POST /api/portal/proxies/acceptances``: the proxy, logged in with their own card, enters the
  code: their consent; the appointment is active.
* ``DELETE /api/portal/proxies/{id}``: revoke one of my appointments (or withdraw its invitation).
* ``POST /api/portal/proxies/{id}/grants``: the proxy begins to act for the resident: a grant that
  names the resident, the proxy and the proxy's certificate, no longer than the proxy's own.

Each route takes the grant of a resident acting for themself (:data:`PersonHolder`): a proxy
cannot appoint, accept, revoke or pass on. Someone else's appointment is not found.
"""

import time
from datetime import datetime
from http import HTTPStatus
from typing import Annotated

import anyio.to_thread
from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from mynumber.grants import GRANT_SECONDS, Grant, issue_grant
from mynumber.holdings.api import hub_of
from mynumber.nodes.context import NodeContext
from mynumber.proxies.models import ProxyAppointment
from mynumber.proxies.services import Proxies, ProxyKind, ProxyNotFound
from mynumber.register.counter import RegistryNode, register_service
from mynumber.register.portal_api import LoginView, PersonHolder, still_good
from mynumber.storage import unit_of_work

router = APIRouter(prefix="/api/portal/proxies", tags=["portal"])


class InvitationForm(BaseModel):
    """Which kind of proxy the resident invites."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: ProxyKind


class AcceptanceForm(BaseModel):
    """The one-time code the proxy was given."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: Annotated[str, Field(min_length=1, max_length=40)]


class InvitationView(BaseModel):
    """An invitation just made: its code, shown once, and until when it works."""

    id: int
    kind: ProxyKind
    code: str
    expires_at: datetime


class AppointmentView(BaseModel):
    """One appointment, as either side sees it: the other side's name, where it stands."""

    id: int
    kind: ProxyKind
    #: ``invited``, ``active``, ``revoked``, ``expired`` or ``ended`` (a minor came of age).
    state: str
    #: The other side: the proxy (for the resident) or the resident (for the proxy), if known.
    name: str | None
    invited_at: datetime
    code_expires_at: datetime
    accepted_at: datetime | None
    revoked_at: datetime | None
    #: How many times the proxy began to act, and the last time.
    uses: int
    last_used_at: datetime | None


class ProxiesView(BaseModel):
    """The proxies I appointed, and the residents I act for."""

    appointed: list[AppointmentView]
    acting_for: list[AppointmentView]


class ActingView(LoginView):
    """A grant for the proxy to act for the resident, and the resident's name."""

    name: str


def _name(session: Session, node: NodeContext, resident_id: int | None) -> str | None:
    """Return a resident's name as the register writes it, if there is one."""
    if resident_id is None:
        return None
    resident = register_service(session, node).get(resident_id)
    return f"{resident.family_name} {resident.given_name}"


def _views(
    session: Session, node: NodeContext, found: list[ProxyAppointment], *, mine: bool
) -> list[AppointmentView]:
    """Return how ``found`` appointments look to the resident (``mine``) or to the proxy."""
    proxies = Proxies(session)
    register = register_service(session, node)
    uses = proxies.uses([appointment.id for appointment in found])
    views = []
    for appointment in found:
        count, last = uses.get(appointment.id, (0, None))
        other = appointment.proxy_id if mine else appointment.principal_id
        views.append(
            AppointmentView(
                id=appointment.id,
                kind=ProxyKind(appointment.kind),
                state=proxies.state(appointment, register.get(appointment.principal_id)).value,
                name=_name(session, node, other),
                invited_at=appointment.invited_at,
                code_expires_at=appointment.code_expires_at,
                accepted_at=appointment.accepted_at,
                revoked_at=appointment.revoked_at,
                uses=count,
                last_used_at=last,
            )
        )
    return views


def _list(node: NodeContext, holder: Grant) -> ProxiesView:
    """Return the resident's appointments, both ways."""
    with unit_of_work(node.sessions) as session:
        still_good(session, holder)
        proxies = Proxies(session)
        return ProxiesView(
            appointed=_views(session, node, proxies.appointed_by(holder.resident), mine=True),
            acting_for=_views(session, node, proxies.acting_for(holder.resident), mine=False),
        )


def _invite(node: NodeContext, holder: Grant, kind: ProxyKind) -> InvitationView:
    """Invite a proxy for the resident."""
    with unit_of_work(node.sessions) as session:
        still_good(session, holder)
        principal = register_service(session, node).get(holder.resident)
        invitation = Proxies(session).invite(principal, kind)
        return InvitationView(
            id=invitation.appointment.id,
            kind=kind,
            code=invitation.code,
            expires_at=invitation.appointment.code_expires_at,
        )


def _accept(node: NodeContext, holder: Grant, code: str) -> AppointmentView:
    """Make the resident the proxy of the appointment with ``code``."""
    with unit_of_work(node.sessions) as session:
        still_good(session, holder)
        register = register_service(session, node)
        accepted = Proxies(session).accept(register.get(holder.resident), code, register.get)
        return _views(session, node, [accepted], mine=False)[0]


def _revoke(node: NodeContext, holder: Grant, appointment_id: int) -> None:
    """Revoke one of the resident's appointments."""
    with unit_of_work(node.sessions) as session:
        still_good(session, holder)
        principal = register_service(session, node).get(holder.resident)
        Proxies(session).revoke(principal, appointment_id)


def _act(node: NodeContext, holder: Grant, appointment_id: int) -> tuple[int, str, str]:
    """Check the proxy may act for the appointment's resident and record that they began.

    Returns the resident's id, name and resident record code.
    """
    with unit_of_work(node.sessions) as session:
        still_good(session, holder)
        proxies = Proxies(session)
        appointment = session.get(ProxyAppointment, appointment_id)
        if appointment is None or appointment.proxy_id != holder.resident:
            msg = f"you are not a proxy in appointment {appointment_id}"
            raise ProxyNotFound(msg)
        principal = register_service(session, node).get(appointment.principal_id)
        proxies.record_use(proxies.standing(principal, holder.resident))
        name = f"{principal.family_name} {principal.given_name}"
        return principal.id, name, principal.resident_record_code


@router.get("", summary="My proxies, and the residents I act for")
async def proxies(node: RegistryNode, holder: PersonHolder) -> ProxiesView:
    """Answer the appointments the resident made, and those that made them a proxy."""
    return await anyio.to_thread.run_sync(_list, node, holder)


@router.post("", status_code=HTTPStatus.CREATED, summary="Invite a proxy")
async def invite(form: InvitationForm, node: RegistryNode, holder: PersonHolder) -> InvitationView:
    """Invite a legal guardian (for a minor) or a voluntary proxy; answer the one-time code."""
    return await anyio.to_thread.run_sync(_invite, node, holder, form.kind)


@router.post(
    "/acceptances", status_code=HTTPStatus.CREATED, summary="Accept an appointment as proxy"
)
async def accept(form: AcceptanceForm, node: RegistryNode, holder: PersonHolder) -> AppointmentView:
    """Become the proxy of the resident who gave the code: the proxy's consent."""
    return await anyio.to_thread.run_sync(_accept, node, holder, form.code)


@router.delete(
    "/{appointment_id}", status_code=HTTPStatus.NO_CONTENT, summary="Revoke one of my proxies"
)
async def revoke(appointment_id: int, node: RegistryNode, holder: PersonHolder) -> None:
    """Revoke the appointment (or withdraw its invitation): only the resident who made it can."""
    await anyio.to_thread.run_sync(_revoke, node, holder, appointment_id)


@router.post(
    "/{appointment_id}/grants",
    status_code=HTTPStatus.CREATED,
    summary="Begin to act for a resident, as their proxy",
)
async def act(appointment_id: int, node: RegistryNode, holder: PersonHolder) -> ActingView:
    """Answer a grant for the proxy to act for the appointment's resident, and their name."""
    resident, name, record_code = await anyio.to_thread.run_sync(_act, node, holder, appointment_id)
    disclosure_code = await anyio.to_thread.run_sync(hub_of(node).disclosure_code, record_code)
    expires_at = min(holder.expires_at, int(time.time()) + GRANT_SECONDS)
    grant = Grant(
        resident=resident,
        disclosure_code=disclosure_code,
        certificate=holder.certificate,
        expires_at=expires_at,
        proxy=holder.resident,
    )
    return ActingView(
        grant=issue_grant(node.keys.node_signing, grant), expires_at=expires_at, name=name
    )
