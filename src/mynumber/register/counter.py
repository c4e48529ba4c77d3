"""What the counter's two edges share: the register service of a node, the clerk, the views.

The JSON API (:mod:`mynumber.register.api`) and the counter pages (:mod:`mynumber.register.pages`)
both open one unit of work per request, make the register service here (:func:`register_service`),
record life events through one table (:data:`EVENT_ACTIONS`, :func:`record_event`), and show a
resident through :func:`resident_view`, which masks the number unless the clerk asked to reveal
it; a list (:func:`summary`) never carries a number.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Final
from urllib.parse import unquote

from fastapi import Depends, Header, Request
from pydantic import BaseModel
from sqlalchemy.orm import Session

from mynumber.cards import registry as registry_services
from mynumber.register.clerks import clerk_named
from mynumber.register.models import EventKind, Resident
from mynumber.register.schemas import AddressChange, Body, NameChange, NumberChange, Removal
from mynumber.register.services import Clerk, RegisterService, active_number
from mynumber.storage import unit_of_work

if TYPE_CHECKING:
    from mynumber.nodes.context import NodeContext

#: What the masked number shows: only the last four digits.
VISIBLE_DIGITS: Final = 4


class Event(BaseModel):
    """One entry of a resident's history."""

    kind: str
    occurred_on: date
    recorded_at: datetime
    recorded_by: str
    #: What changed; a number change names generations, never numbers.
    details: dict[str, Any]


class ResidentSummary(BaseModel):
    """A resident as a list shows them: never with a number."""

    id: int
    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    date_of_birth: date
    sex: str
    address: str
    state: str


class ResidentView(ResidentSummary):
    """A resident as the counter shows them: attributes, state, number and history."""

    resident_record_code: str
    latin_name: str | None
    former_surname: str | None
    alias: str | None
    nationality: str
    resident_status: str | None
    period_of_stay_until: date | None
    municipality_code: str
    postal_code: str
    household_id: int
    household_head: bool
    preferred_language: str
    #: Under DV support measures: the address is withheld from lookups by anyone else.
    address_protected: bool
    #: Masked ("**** **** 0257") unless the clerk asked to reveal it.
    number: str
    number_revealed: bool
    number_generation: int
    history: list[Event]


class LookupResult(BaseModel):
    """The answer to a four-attribute lookup: a number only when exactly one person matched."""

    outcome: str
    reason: str
    number: str | None


def clerk_from_header(
    x_clerk: Annotated[str | None, Header(alias="X-Clerk")] = None,
) -> Clerk:
    """Return the clerk the X-Clerk header names (percent-decoded), or raise ClerkRequired."""
    return clerk_named(unquote(x_clerk) if x_clerk is not None else None)


def clerk_if_named(
    x_clerk: Annotated[str | None, Header(alias="X-Clerk")] = None,
) -> Clerk | None:
    """Return the clerk the X-Clerk header names, or None when there is no header."""
    return None if x_clerk is None else clerk_named(unquote(x_clerk))


#: The clerk who records a write; a request without one is refused with 401.
RecordingClerk = Annotated[Clerk, Depends(clerk_from_header)]
#: The clerk, when the request names one.
OptionalClerk = Annotated[Clerk | None, Depends(clerk_if_named)]


def registry_node(request: Request) -> "NodeContext":
    """Return the context of the registry node that received ``request``.

    This is :data:`mynumber.nodes.context.Node` again: ``mynumber.nodes`` imports the register's
    routers when it is imported, so a module of this package that imported ``mynumber.nodes`` at
    import time would close an import cycle. The type is named for the type checker only.
    """
    node: NodeContext = request.app.state.node
    return node


#: The registry node's context, as a route dependency.
RegistryNode = Annotated["NodeContext", Depends(registry_node)]


def register_service(session: Session, node: "NodeContext") -> RegisterService:
    """Return the register of ``node`` over ``session``, its cards listening to every event."""
    return registry_services.register_service(session, node.keys, node.spec.base_url)


def mask(number: str) -> str:
    """Return the number with all but its last four digits hidden.

    >>> mask("621498320257")
    '**** **** 0257'
    """
    return f"**** **** {number[-VISIBLE_DIGITS:]}"


def summary(resident: Resident) -> ResidentSummary:
    """Return how a list shows ``resident``: no number, not even masked."""
    return ResidentSummary(
        id=resident.id,
        family_name=resident.family_name,
        given_name=resident.given_name,
        family_name_kana=resident.family_name_kana,
        given_name_kana=resident.given_name_kana,
        date_of_birth=resident.date_of_birth,
        sex=resident.sex,
        address=resident.address,
        state=resident.state,
    )


def resident_view(resident: Resident, *, reveal: bool = False) -> ResidentView:
    """Return ``resident`` with their history and their number, masked unless ``reveal``."""
    number = active_number(resident)
    attributes = summary(resident).model_dump()
    return ResidentView(
        **attributes,
        resident_record_code=resident.resident_record_code,
        latin_name=resident.latin_name,
        former_surname=resident.former_surname,
        alias=resident.alias,
        nationality=resident.nationality,
        resident_status=resident.resident_status,
        period_of_stay_until=resident.period_of_stay_until,
        municipality_code=resident.municipality_code,
        postal_code=resident.postal_code,
        household_id=resident.household_id,
        household_head=resident.household_head,
        preferred_language=resident.preferred_language,
        address_protected=resident.address_protected,
        number=number.number if reveal else mask(number.number),
        number_revealed=reveal,
        number_generation=number.generation,
        history=[
            Event(
                kind=event.kind,
                occurred_on=event.occurred_on,
                recorded_at=event.recorded_at,
                recorded_by=event.recorded_by,
                details=event.details,
            )
            for event in resident.events
        ],
    )


@dataclass(frozen=True)
class EventAction:
    """An event a clerk records for a resident: its body, and the register call it makes."""

    body: type[Body]
    #: Calls the register service with the resident, the checked body and the clerk.
    perform: Callable[[RegisterService, Resident, Any, Clerk], object]
    #: The field a refusal by the register points at, when it can point at only one.
    refused_field: str | None = None


#: The events recorded for a resident on the register, by the name of their route.
EVENT_ACTIONS: Final[Mapping[str, EventAction]] = {
    "address-change": EventAction(
        AddressChange,
        lambda service, resident, body, clerk: service.change_address(
            resident,
            postal_code=body.postal_code,
            address=body.address,
            occurred_on=body.date,
            clerk=clerk,
        ),
        refused_field="postal_code",
    ),
    "name-change": EventAction(
        NameChange,
        lambda service, resident, body, clerk: service.change_name(
            resident, body.person_name(), occurred_on=body.date, clerk=clerk
        ),
    ),
    "move-out": EventAction(
        Removal,
        lambda service, resident, body, clerk: service.remove(
            resident, event=EventKind.MOVE_OUT, occurred_on=body.date, clerk=clerk
        ),
    ),
    "death": EventAction(
        Removal,
        lambda service, resident, body, clerk: service.remove(
            resident, event=EventKind.DEATH, occurred_on=body.date, clerk=clerk
        ),
    ),
    "number-change": EventAction(
        NumberChange,
        lambda service, resident, body, clerk: service.change_number(
            resident,
            reason=body.reason,
            on_request=body.on_request,
            occurred_on=body.date,
            clerk=clerk,
        ),
        refused_field="reason",
    ),
}


def record_event(
    node: "NodeContext", resident_id: int, action: str, body: Body, clerk: Clerk
) -> ResidentView:
    """Record one event for one resident in one unit of work; return the resident, masked."""
    with unit_of_work(node.sessions) as session:
        service = register_service(session, node)
        resident = service.get(resident_id)
        EVENT_ACTIONS[action].perform(service, resident, body, clerk)
        session.flush()
        return resident_view(resident)
