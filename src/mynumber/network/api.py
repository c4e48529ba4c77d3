"""The register of bodies and the per-body codes on the hub node.

* ``POST /api/bodies``: register a body (``X-Operator`` names the hub operator); answers 201 with
  the body's public description and its API key, shown this once.
* ``GET /api/bodies/{id}``: the public description of a body -- kind, category, names, tasks;
  never its credentials or staff.
* ``POST /api/bodies/{id}/staff``: add a staff member (``X-Operator`` again); 201.
* ``POST /api/codes``: the registry node has a person's code (機関別符号) issued for a body, from
  the resident record code; answers the code, the same every time.

Who may ask for codes. Only a registry node of the hub's own deployment, and it must prove it:
every request between nodes is signed with the calling node's ``node-signing.key``
(:mod:`mynumber.nodes.signatures`), and the hub checks the signature with the public key that
``deployment.toml`` lists for the node named in ``X-Node-Id``, for the hub itself, over the
method, path, body and a date within five minutes of its clock. A request that does not prove its
sender is refused with 401, any other node with 403, in-process or over the network alike.

Refusals are RFC 9457 problems (:mod:`mynumber.nodes.problems`) and change nothing.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Annotated, Protocol
from urllib.parse import unquote

from fastapi import APIRouter, Depends, Header, Request
from pydantic import BaseModel, Field

from mynumber.deployment import Deployment, NodeKind, NodeSpec
from mynumber.network.bodies import TASKS, BodyCategory, BodyKind
from mynumber.network.profiles import BodyApplication
from mynumber.network.service_exceptions import CallerRefused
from mynumber.network.services import ROLE_LENGTH, BodyRegistry, CodeService
from mynumber.settings import ConfigurationError
from mynumber.storage import unit_of_work

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from mynumber.keys import NodeKeys
    from mynumber.network.models import Body

router = APIRouter(prefix="/api", tags=["bodies"])


class HubNode(Protocol):
    """What these routes use of the hub's node context (``app.state.node``); see the ledger's."""

    @property
    def spec(self) -> NodeSpec:
        """Who the node is."""

    @property
    def deployment(self) -> Deployment:
        """The deployment: its nodes and their public keys."""

    @property
    def keys(self) -> NodeKeys:
        """The node's keys, the code key among them."""

    @property
    def sessions(self) -> sessionmaker[Session]:
        """Sessions of the node's database."""

    async def calling_node(self, request: Request, *kinds: NodeKind) -> NodeSpec:
        """Return the node of ``kinds`` that signed ``request``, or refuse it (401, 403).

        ``mynumber.nodes.callers`` checks the signature; the services never import the nodes.
        """


class BodyForm(BaseModel):
    """A body to register."""

    id: str = Field(max_length=64)
    corporate_number: str = Field(max_length=32)
    name_ja: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    kind: str = Field(max_length=32)
    tasks: list[str] = Field(default_factory=list, max_length=32)


class TaskView(BaseModel):
    """A task a body is registered for."""

    id: str
    name_ja: str
    name_en: str


class BodyView(BaseModel):
    """The public description of a body."""

    id: str
    corporate_number: str
    name_ja: str
    name_en: str
    kind: str
    category: str
    category_ja: str
    tasks: list[TaskView]


class RegisteredView(BaseModel):
    """A body just registered, and its API key (shown this once)."""

    body: BodyView
    api_key: str


class StaffForm(BaseModel):
    """A staff member to add."""

    staff_id: str = Field(max_length=64)
    name: str = Field(max_length=200)
    role: str = Field(max_length=100)


class StaffView(BaseModel):
    """A member of a body's staff."""

    body_id: str
    staff_id: str
    name: str
    role: str
    active: bool


class CodeForm(BaseModel):
    """Whose code, at which body."""

    resident_record_code: str = Field(max_length=32)
    body_id: str = Field(max_length=64)


class CodeView(BaseModel):
    """A person's code at a body."""

    body_id: str
    code: str


def _hub(request: Request) -> HubNode:
    """Return the context of the hub node that received ``request``."""
    node: HubNode = request.app.state.node
    return node


def operator_from_header(
    x_operator: Annotated[str | None, Header(alias="X-Operator")] = None,
) -> str:
    """Return the hub operator the X-Operator header names (percent-decoded), or refuse."""
    name = unquote(x_operator or "").strip()
    if not name:
        msg = (
            "say which hub operator does this: send the operator's name in the X-Operator header "
            "(percent-encoded UTF-8 for names outside ASCII)"
        )
        raise CallerRefused(msg)
    if len(name) > ROLE_LENGTH:
        msg = f"an operator's name has at most {ROLE_LENGTH} characters"
        raise CallerRefused(msg)
    return name


async def registry_caller(request: Request) -> NodeSpec:
    """Return the registry node that signed the request; refuse an unsigned one or another node.

    This is ``mynumber.nodes.callers.node_of_kind(NodeKind.REGISTRY)``, reached through the
    node's context: the import contracts keep ``mynumber.network`` from importing the nodes.
    """
    return await _hub(request).calling_node(request, NodeKind.REGISTRY)


Hub = Annotated[HubNode, Depends(_hub)]
Operator = Annotated[str, Depends(operator_from_header)]
RegistryCaller = Annotated[NodeSpec, Depends(registry_caller)]


def describe(registry: BodyRegistry, body: Body) -> BodyView:
    """Return the public description of ``body``."""
    return BodyView(
        id=body.id,
        corporate_number=body.corporate_number,
        name_ja=body.name_ja,
        name_en=body.name_en,
        kind=BodyKind(body.kind).value,
        category=body.category,
        category_ja=BodyCategory(body.category).name_ja,
        tasks=[
            TaskView(id=task, name_ja=TASKS[task].name_ja, name_en=TASKS[task].name_en)
            for task in registry.tasks(body)
        ],
    )


@router.post("/bodies", status_code=HTTPStatus.CREATED, summary="Register a body")
def register_body(form: BodyForm, hub: Hub, operator: Operator) -> RegisteredView:
    """Register a body with the tasks its kind may perform; answer its API key once."""
    application = BodyApplication(**form.model_dump(exclude={"tasks"}), tasks=tuple(form.tasks))
    with unit_of_work(hub.sessions) as session:
        registry = BodyRegistry(session)
        body, api_key = registry.register_body(application, registered_by=operator)
        return RegisteredView(body=describe(registry, body), api_key=api_key)


@router.get("/bodies/{body_id}", summary="A body's public description")
def show_body(body_id: str, hub: Hub) -> BodyView:
    """Answer what kind of body ``body_id`` is, its names and tasks."""
    with unit_of_work(hub.sessions) as session:
        registry = BodyRegistry(session)
        return describe(registry, registry.body(body_id))


@router.post("/bodies/{body_id}/staff", status_code=HTTPStatus.CREATED, summary="Add staff")
def add_staff(body_id: str, form: StaffForm, hub: Hub, operator: Operator) -> StaffView:
    """Add an active member to the staff of ``body_id``."""
    with unit_of_work(hub.sessions) as session:
        member = BodyRegistry(session).add_staff(
            body_id, form.staff_id, form.name, form.role, added_by=operator
        )
        return StaffView(
            body_id=member.body_id,
            staff_id=member.staff_id,
            name=member.name,
            role=member.role,
            active=member.active,
        )


@router.post("/codes", summary="Issue a person's per-body code (registry nodes only)")
def issue_code(form: CodeForm, hub: Hub, caller: RegistryCaller) -> CodeView:
    """Answer the person's code at the body, issuing it the first time."""
    del caller  # checked by the dependency
    key = hub.keys.institution_codes
    if key is None:
        msg = f"node '{hub.spec.id}' has no institution-code key: codes are issued by the hub"
        raise ConfigurationError(msg)
    with unit_of_work(hub.sessions) as session:
        code = CodeService(session, key).issue_code(form.resident_record_code, form.body_id)
    return CodeView(body_id=form.body_id, code=code)
