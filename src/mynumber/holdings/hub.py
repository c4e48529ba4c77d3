"""The registry's two ways to the hub (:class:`~mynumber.holdings.interfaces.HubPort`).

:class:`HttpHub` calls the hub node's routes (:mod:`mynumber.network.collection_api`) with the
node's own clients (``NodeClients``): in process in the embedded default, over HTTPS otherwise.
Its methods are synchronous, for the holding service that runs in a worker thread inside a unit
of work: each call hands the request to the event loop with :func:`anyio.from_thread.run` and
waits, so a failure raises in the thread that owns the transaction, which then rolls back.

The hub's answers become the registry's errors: a refused API key or staff member is
``AuthenticationRefused`` (401), a body or task the hub will not record is
:class:`CollectionRefused` (403), anything else -- no answer, an error, a body it cannot read -- is
:class:`HubUnavailable` (502): nothing was recorded at the hub, so nothing is stored here.

:class:`DirectHub` calls the hub's service on the hub's database in this process, each call in a
unit of work of its own, as a request to the hub would be: the command line uses it.

The hub answers these routes to the deployment's registry only: the node's clients sign every
request with its ``node-signing.key`` (:mod:`mynumber.nodes.signatures`), and the hub checks it.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, Protocol

import anyio.from_thread
import httpx

from mynumber.holdings.exceptions import CollectionRefused, HubUnavailable
from mynumber.holdings.interfaces import AuthenticatedBody
from mynumber.ledger.services import hub_ledger
from mynumber.network.collections import (
    Collection,
    CollectionService,
    HoldingDeletion,
    RecordedCollection,
    Refusal,
)
from mynumber.network.service_exceptions import AuthenticationRefused
from mynumber.network.services import BodyRegistry
from mynumber.settings import ConfigurationError
from mynumber.storage import unit_of_work

if TYPE_CHECKING:
    from collections.abc import Mapping

    from sqlalchemy.orm import Session, sessionmaker

    from mynumber.keys import NodeKeys
    from mynumber.network.investigations import Investigation

#: The hub's routes, relative to its base URL (mynumber.network.collection_api).
_AUTHENTICATE = "api/bodies/authenticate"
_COLLECTIONS = "api/collections"
_REFUSALS = "api/collection-refusals"
_DELETIONS = "api/holding-deletions"
_INVESTIGATIONS = "api/investigations"
_DISCLOSURE_CODES = "api/disclosure-codes"
#: The problem types of the hub's refusals that the registry passes on as the body's own.
_AUTHENTICATION = "authentication-refused"
_NOT_PERMITTED = frozenset({"collection-not-permitted", "code-refused"})


class Peers(Protocol):
    """How a node reaches the others (``mynumber.nodes.client.NodeClients``)."""

    def client(self, node_id: str) -> httpx.AsyncClient:
        """Return the client of node ``node_id``."""


def _json(value: object) -> Any:  # noqa: ANN401 -- any JSON value
    """Return ``value`` with dates written as ISO 8601, for a JSON body."""
    if isinstance(value, dict):
        return {key: _json(member) for key, member in value.items()}
    return value.isoformat() if hasattr(value, "isoformat") else value


def _problem(response: httpx.Response) -> tuple[str, str]:
    """Return the problem code (the tail of its type) and the detail of an error answer."""
    try:
        body = response.json()
    except ValueError:
        return "", response.reason_phrase
    if not isinstance(body, dict):
        return "", response.reason_phrase
    kind, detail = body.get("type"), body.get("detail")
    code = kind.rsplit(":", 1)[-1] if isinstance(kind, str) else ""
    return code, detail if isinstance(detail, str) else response.reason_phrase


class HttpHub:
    """The hub node, called through this node's clients from a worker thread."""

    def __init__(self, peers: Peers, hub_id: str) -> None:
        """Call node ``hub_id`` with ``peers``, the clients that sign as this registry."""
        self._peers = peers
        self._hub_id = hub_id

    def authenticate(self, api_key: str, staff: str) -> AuthenticatedBody:
        """Return the body whose API key this is, with its active staff member ``staff``."""
        answer = self._post(_AUTHENTICATE, {"api_key": api_key, "staff": staff})
        try:
            body = answer["body"]
            return AuthenticatedBody(
                id=str(body["id"]),
                kind=str(body["kind"]),
                name_en=str(body["name_en"]),
                name_ja=str(body["name_ja"]),
                tasks=tuple(str(task["id"]) for task in body["tasks"]),
                staff=str(answer["staff"]),
            )
        except (KeyError, TypeError) as exc:
            raise self._unreadable(_AUTHENTICATE) from exc

    def disclosure_code(self, resident_record_code: str) -> str:
        """Return the code that names the person in the ledger (開示システム用符号)."""
        answer = self._post(_DISCLOSURE_CODES, {"resident_record_code": resident_record_code})
        try:
            return str(answer["disclosure_code"])
        except KeyError as exc:
            raise self._unreadable(_DISCLOSURE_CODES) from exc

    def record_collection(self, collection: Collection) -> RecordedCollection:
        """Have the hub issue the body's code and enter the collection in its ledger."""
        answer = self._post(_COLLECTIONS, dataclasses.asdict(collection))
        try:
            return RecordedCollection(str(answer["code"]), int(answer["ledger_index"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise self._unreadable(_COLLECTIONS) from exc

    def record_refusal(self, refusal: Refusal) -> int | None:
        """Have the hub enter a refused collection in its ledger if it names a person."""
        answer = self._post(_REFUSALS, dataclasses.asdict(refusal))
        index = answer.get("ledger_index")
        return None if index is None else int(index)

    def record_deletion(self, deletion: HoldingDeletion) -> int:
        """Have the hub enter a deleted holding in its ledger."""
        answer = self._post(_DELETIONS, dataclasses.asdict(deletion))
        try:
            return int(answer["ledger_index"])
        except (KeyError, TypeError, ValueError) as exc:
            raise self._unreadable(_DELETIONS) from exc

    def record_investigation(self, investigation: Investigation) -> int:
        """Have the hub seal a police request into its ledger."""
        answer = self._post(_INVESTIGATIONS, dataclasses.asdict(investigation))
        try:
            return int(answer["ledger_index"])
        except (KeyError, TypeError, ValueError) as exc:
            raise self._unreadable(_INVESTIGATIONS) from exc

    def _post(self, path: str, payload: Mapping[str, object]) -> dict[str, Any]:
        """POST ``payload`` to the hub from a worker thread; return its JSON object."""
        return anyio.from_thread.run(self._send, path, _json(payload))

    async def _send(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        """POST ``payload`` to ``path`` of the hub; return the JSON object it answers."""
        try:
            response = await self._peers.client(self._hub_id).post(path, json=payload)
        except httpx.HTTPError as exc:
            msg = (
                f"the hub '{self._hub_id}' cannot be reached ({type(exc).__name__}): nothing was "
                "recorded; try again when it answers"
            )
            raise HubUnavailable(msg) from exc
        if not response.is_success:
            code, detail = _problem(response)
            if code == _AUTHENTICATION:
                raise AuthenticationRefused(detail)
            if code in _NOT_PERMITTED:
                raise CollectionRefused(detail)
            msg = (
                f"the hub '{self._hub_id}' answered {response.status_code} to {path} ({detail}): "
                "nothing was recorded"
            )
            raise HubUnavailable(msg)
        try:
            answer = response.json()
        except ValueError as exc:
            raise self._unreadable(path) from exc
        if not isinstance(answer, dict):
            raise self._unreadable(path)
        return answer

    def _unreadable(self, path: str) -> HubUnavailable:
        """Return the error of an answer the registry cannot read."""
        msg = f"the hub '{self._hub_id}' answered {path} in a form the registry does not read"
        return HubUnavailable(msg)


class DirectHub:
    """The hub's service on the hub's database, in this process: one unit of work per call."""

    def __init__(self, sessions: sessionmaker[Session], keys: NodeKeys, base_url: str) -> None:
        """Work on the hub's database through ``sessions`` with its ``keys``."""
        if keys.institution_codes is None:
            msg = f"node '{keys.node_id}' has no institution-code key: it is not the hub"
            raise ConfigurationError(msg)
        self._sessions = sessions
        self._keys = keys
        self._code_key = keys.institution_codes
        self._base_url = base_url

    def authenticate(self, api_key: str, staff: str) -> AuthenticatedBody:
        """Return the body whose API key this is, with its active staff member ``staff``."""
        with unit_of_work(self._sessions) as session:
            registry = BodyRegistry(session)
            body, member = registry.authenticate(api_key, staff)
            return AuthenticatedBody(
                id=body.id,
                kind=body.kind,
                name_en=body.name_en,
                name_ja=body.name_ja,
                tasks=registry.tasks(body),
                staff=member.staff_id,
            )

    def record_collection(self, collection: Collection) -> RecordedCollection:
        """Issue the body's code and enter the collection in the ledger; commit."""
        with unit_of_work(self._sessions) as session:
            return self._service(session).record_collection(collection)

    def record_refusal(self, refusal: Refusal) -> int | None:
        """Enter a refused collection in the ledger if it names a person; commit."""
        with unit_of_work(self._sessions) as session:
            return self._service(session).record_refusal(refusal)

    def record_deletion(self, deletion: HoldingDeletion) -> int:
        """Enter a deleted holding in the ledger; commit."""
        with unit_of_work(self._sessions) as session:
            return self._service(session).record_deletion(deletion)

    def _service(self, session: Session) -> CollectionService:
        """Return the hub's collection records over ``session``."""
        ledger = hub_ledger(session, self._keys, self._base_url)
        return CollectionService(session, self._code_key, ledger)
