"""The register's JSON API on the registry node: ``/api/residents`` and ``/api/lookups``.

Each request is one unit of work: it commits when the register service returns and changes
nothing when anything is refused. Writes name their clerk in the ``X-Clerk`` header (UTF-8,
percent-encoded outside ASCII); without it a write is a 401 problem. Refusals are the register's
errors, answered through :data:`mynumber.nodes.problems.ERROR_STATUS`; a body that does not parse
is a 422 problem naming the field.

A resident's number is shown masked (``**** **** 0257``) unless a named clerk asks for it with
``?reveal=true``; a list never shows one. A number to look up travels in a body, never in a URL.
"""

from http import HTTPStatus
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from mynumber.register.clerks import ClerkRequired
from mynumber.register.counter import (
    LookupResult,
    OptionalClerk,
    RecordingClerk,
    RegistryNode,
    ResidentSummary,
    ResidentView,
    record_event,
    register_service,
    resident_view,
    summary,
)
from mynumber.register.lookups import LookupService
from mynumber.register.matching import attribute_key
from mynumber.register.models import EventKind
from mynumber.register.schemas import (
    AddressChange,
    AttributeQuery,
    NameChange,
    NameSearch,
    NumberChange,
    NumberQuery,
    Registration,
    Removal,
)
from mynumber.register.search import ResidentSearch
from mynumber.storage import unit_of_work

router = APIRouter(prefix="/api", tags=["register"])

#: ``?reveal=true``: show the whole number (a named clerk only).
Reveal = Annotated[bool, Query(description="Show the whole number; needs X-Clerk.")]


@router.post(
    "/residents",
    status_code=HTTPStatus.CREATED,
    summary="Register a resident: a new resident record code and number",
)
def register(
    body: Registration,
    node: RegistryNode,
    clerk: RecordingClerk,
    request: Request,
    response: Response,
) -> ResidentView:
    """Put a person on the register by birth or move-in; answer their record, number masked."""
    with unit_of_work(node.sessions) as session:
        resident = register_service(session, node).register(
            body.record(), event=EventKind(body.event), occurred_on=body.date, clerk=clerk
        )
        view = resident_view(resident)
    response.headers["Location"] = str(request.url_for("resident", resident_id=view.id))
    return view


@router.get("/residents/{resident_id}", summary="A resident's attributes, state and history")
def resident(
    resident_id: int, node: RegistryNode, clerk: OptionalClerk, *, reveal: Reveal = False
) -> ResidentView:
    """Answer a resident; the number is masked unless a named clerk asks to reveal it."""
    if reveal and clerk is None:
        msg = "only a named clerk sees a whole number: send X-Clerk with ?reveal=true"
        raise ClerkRequired(msg)
    with unit_of_work(node.sessions) as session:
        return resident_view(register_service(session, node).get(resident_id), reveal=reveal)


@router.post("/residents/find", summary="Find the resident who holds a number")
def find(body: NumberQuery, node: RegistryNode) -> ResidentView:
    """Answer the holder of an active number, masked; a replaced number finds no one."""
    with unit_of_work(node.sessions) as session:
        return resident_view(register_service(session, node).find_by_number(body.number))


@router.post("/residents/search", summary="Find residents by name and date of birth")
def search(body: NameSearch, node: RegistryNode) -> list[ResidentSummary]:
    """List the residents of that name (or reading) born that day; a list shows no number."""
    with unit_of_work(node.sessions) as session:
        found = ResidentSearch(session).by_name_and_birth(body.name, body.date_of_birth)
        return [summary(resident) for resident in found]


@router.post("/residents/{resident_id}/address-change", summary="Record a move in the city")
def change_address(
    resident_id: int, body: AddressChange, node: RegistryNode, clerk: RecordingClerk
) -> ResidentView:
    """Record a new address within the municipality (転居); the number stays."""
    return record_event(node, resident_id, "address-change", body, clerk)


@router.post("/residents/{resident_id}/name-change", summary="Record a change of name")
def change_name(
    resident_id: int, body: NameChange, node: RegistryNode, clerk: RecordingClerk
) -> ResidentView:
    """Record a new name and its reading; the number stays."""
    return record_event(node, resident_id, "name-change", body, clerk)


@router.post("/residents/{resident_id}/move-out", summary="Record a move out of the city")
def move_out(
    resident_id: int, body: Removal, node: RegistryNode, clerk: RecordingClerk
) -> ResidentView:
    """Take the resident off the register by moving out (転出); the record stays."""
    return record_event(node, resident_id, "move-out", body, clerk)


@router.post("/residents/{resident_id}/death", summary="Record a death")
def death(
    resident_id: int, body: Removal, node: RegistryNode, clerk: RecordingClerk
) -> ResidentView:
    """Take the resident off the register by death; the record and the number stay."""
    return record_event(node, resident_id, "death", body, clerk)


@router.post("/residents/{resident_id}/number-change", summary="Change a leaked number")
def change_number(
    resident_id: int, body: NumberChange, node: RegistryNode, clerk: RecordingClerk
) -> ResidentView:
    """Issue the next generation's number; the old one finds no one from now on."""
    return record_event(node, resident_id, "number-change", body, clerk)


@router.post("/lookups", summary="Four-attribute lookup of a number by an authorised body")
def lookup(body: AttributeQuery, node: RegistryNode) -> LookupResult:
    """Find a number by name, date of birth, address (and sex); every lookup is recorded.

    The asker names itself and its task in the body (``asked_by``, ``task``), which the register
    records; more than one match answers no one.
    """
    query = attribute_key(body.name, body.kana, body.date_of_birth, body.address, body.sex)
    with unit_of_work(node.sessions) as session:
        answer = LookupService(session).lookup_number(query, asked_by=body.asked_by, task=body.task)
    return LookupResult(outcome=answer.outcome.value, reason=answer.reason, number=answer.number)
