"""The hub's side of number collection, called by the deployment's registry node only.

* ``POST /api/bodies/authenticate``: is this a body's API key, and this an active member of its
  staff? Answers the body's public description and the staff id; a refusal is a 401 problem.
* ``POST /api/collections``: record a collection the registry confirmed -- issue the body's code
  for the person (機関別符号) and append the ``collection`` ledger entry in one transaction;
  answers the code and the entry's index. If the entry cannot be written, nothing is (fail closed).
* ``POST /api/collection-refusals``: record a refused collection; in the ledger when it names a
  person. Answers the entry's index, or null.
* ``POST /api/holding-deletions``: record a holding deleted at the end of its retention.
* ``POST /api/investigations``: record a police request the registry answered, as a sealed
  ledger entry (:mod:`mynumber.network.investigations`).
* ``POST /api/disclosure-codes``: the code that names a person in the ledger (開示システム用符号),
  derived from the resident record code; the registry puts it in a resident's portal grant.

The caller is checked by :data:`mynumber.network.api.RegistryCaller`, as for ``POST /api/codes``.
A body never calls these routes: it calls the registry, which calls the hub. Refusals are RFC 9457
problems (:mod:`mynumber.nodes.problems`) and change nothing.
"""

from __future__ import annotations

import base64
from datetime import date
from typing import TYPE_CHECKING, Annotated, Literal

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey
from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from mynumber.deployment import NodeKind
from mynumber.ledger.services import hub_ledger
from mynumber.network.api import BodyView, Hub, HubNode, RegistryCaller, describe
from mynumber.network.codes import derive_disclosure_code
from mynumber.network.collections import (
    REASON_LENGTH,
    Collection,
    CollectionService,
    HoldingDeletion,
    Refusal,
)
from mynumber.network.investigations import Investigation, InvestigationService
from mynumber.network.services import STAFF_ID_LENGTH, BodyRegistry
from mynumber.numbers import resident_code
from mynumber.settings import ConfigurationError
from mynumber.storage import unit_of_work

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

router = APIRouter(prefix="/api", tags=["collections"])

#: A resident record code (住民票コード) as sent: 11 digits, maybe with separators.
ResidentRecordCode = Annotated[str, Field(min_length=1, max_length=32)]
BodyId = Annotated[str, Field(min_length=1, max_length=64)]
StaffId = Annotated[str, Field(min_length=1, max_length=STAFF_ID_LENGTH)]
TaskId = Annotated[str, Field(min_length=1, max_length=100)]
Reference = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class _Form(BaseModel):
    """A request body: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class AuthenticationForm(_Form):
    """A body's API key and the staff member its request named (empty when it named none)."""

    api_key: Annotated[str, Field(max_length=200)]
    staff: Annotated[str, Field(max_length=200)]


class AuthenticatedView(BaseModel):
    """The body whose key it is, and its active staff member."""

    body: BodyView
    staff: str


class CollectionForm(_Form):
    """A collection the registry confirmed."""

    resident_record_code: ResidentRecordCode
    body_id: BodyId
    staff: StaffId
    task: TaskId
    method: Literal["card", "documents"]
    retention_until: date
    #: The SHA-256 of the identity receipt's content, in hex: a reference, never the receipt id.
    receipt: Reference


class CollectedView(BaseModel):
    """The body's code for the person and the index of the collection's ledger entry."""

    code: str
    ledger_index: int


class RefusalForm(_Form):
    """A refused collection, with what of it is known."""

    resident_record_code: ResidentRecordCode | None = None
    body_id: BodyId | None = None
    staff: StaffId | None = None
    task: TaskId | None = None
    #: The refusal's problem code; never free text that could hold a number.
    reason: Annotated[str, Field(min_length=1, max_length=REASON_LENGTH)]


class RefusalView(BaseModel):
    """Where the refusal went in the ledger; null when it named no one."""

    ledger_index: int | None


class DeletionForm(_Form):
    """A holding deleted at the end of its retention."""

    resident_record_code: ResidentRecordCode
    body_id: BodyId
    task: TaskId
    deletion_receipt: Reference


class DeletionView(BaseModel):
    """Where the deletion went in the ledger."""

    ledger_index: int


def _service(session: Session, hub: HubNode) -> CollectionService:
    """Return the hub's collection records over ``session``, appending to its ledger."""
    key = hub.keys.institution_codes
    if key is None:
        msg = f"node '{hub.spec.id}' has no institution-code key: the hub records collections"
        raise ConfigurationError(msg)
    return CollectionService(session, key, hub_ledger(session, hub.keys, hub.spec.base_url))


@router.post("/bodies/authenticate", summary="Authenticate a body's request (registry nodes only)")
def authenticate(form: AuthenticationForm, hub: Hub, caller: RegistryCaller) -> AuthenticatedView:
    """Answer the body whose API key this is, if ``staff`` is an active member of its staff."""
    del caller  # checked by the dependency
    with unit_of_work(hub.sessions) as session:
        registry = BodyRegistry(session)
        body, member = registry.authenticate(form.api_key, form.staff)
        return AuthenticatedView(body=describe(registry, body), staff=member.staff_id)


@router.post("/collections", summary="Record a collection of a number (registry nodes only)")
def record_collection(form: CollectionForm, hub: Hub, caller: RegistryCaller) -> CollectedView:
    """Issue the body's code for the person and append the collection to the ledger."""
    del caller  # checked by the dependency
    with unit_of_work(hub.sessions) as session:
        recorded = _service(session, hub).record_collection(Collection(**form.model_dump()))
    return CollectedView(code=recorded.code, ledger_index=recorded.ledger_index)


@router.post("/collection-refusals", summary="Record a refused collection (registry nodes only)")
def record_refusal(form: RefusalForm, hub: Hub, caller: RegistryCaller) -> RefusalView:
    """Append the refusal to the ledger when it names a person."""
    del caller  # checked by the dependency
    with unit_of_work(hub.sessions) as session:
        index = _service(session, hub).record_refusal(Refusal(**form.model_dump()))
    return RefusalView(ledger_index=index)


@router.post("/holding-deletions", summary="Record a deleted holding (registry nodes only)")
def record_deletion(form: DeletionForm, hub: Hub, caller: RegistryCaller) -> DeletionView:
    """Append the deletion of a holding to the ledger."""
    del caller  # checked by the dependency
    with unit_of_work(hub.sessions) as session:
        index = _service(session, hub).record_deletion(HoldingDeletion(**form.model_dump()))
    return DeletionView(ledger_index=index)


class DisclosureForm(_Form):
    """The person whose disclosure code the registry asks for."""

    resident_record_code: ResidentRecordCode


class DisclosureView(BaseModel):
    """The code that names the person in the ledger."""

    disclosure_code: str


@router.post("/disclosure-codes", summary="A person's disclosure code (registry nodes only)")
def disclosure_code(form: DisclosureForm, hub: Hub, caller: RegistryCaller) -> DisclosureView:
    """Answer the code naming the person in the ledger; the same every time, nothing stored."""
    del caller  # checked by the dependency
    key = hub.keys.institution_codes
    if key is None:
        msg = f"node '{hub.spec.id}' has no institution-code key: codes are issued by the hub"
        raise ConfigurationError(msg)
    record_code = resident_code.validate(form.resident_record_code)
    return DisclosureView(disclosure_code=derive_disclosure_code(key, record_code))


class InvestigationForm(_Form):
    """A police request the registry answered."""

    resident_record_code: ResidentRecordCode
    body_id: BodyId
    staff: StaffId
    case_reference: Annotated[str, Field(min_length=1, max_length=64)]
    unseal_on: date


class InvestigationView(BaseModel):
    """Where the sealed entry went in the ledger."""

    ledger_index: int


def _commission_key(hub: HubNode) -> X25519PublicKey:
    """Return the oversight commission's sealing key, as ``deployment.toml`` lists it."""
    commission = hub.deployment.of_kind(NodeKind.OVERSIGHT)
    if not commission or commission[0].sealing_key is None:
        msg = "the deployment has no oversight node with a sealing_key: nothing can be sealed"
        raise ConfigurationError(msg)
    return X25519PublicKey.from_public_bytes(base64.b64decode(commission[0].sealing_key))


@router.post("/investigations", summary="Record a police request, sealed (registry nodes only)")
def record_investigation(
    form: InvestigationForm, hub: Hub, caller: RegistryCaller
) -> InvestigationView:
    """Append the request as a sealed entry, readable by the oversight commission only."""
    del caller  # checked by the dependency
    key = hub.keys.institution_codes
    if key is None:
        msg = f"node '{hub.spec.id}' has no institution-code key: the hub records requests"
        raise ConfigurationError(msg)
    with unit_of_work(hub.sessions) as session:
        ledger = hub_ledger(session, hub.keys, hub.spec.base_url)
        service = InvestigationService(session, key, ledger, _commission_key(hub))
        index = service.record(Investigation(**form.model_dump()))
    return InvestigationView(ledger_index=index)
