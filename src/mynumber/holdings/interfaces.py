"""The registry's port to the hub: what collecting a number needs the hub to do.

The registry authenticates a body's request, has the body's code issued and the collection
entered in the ledger, and records refusals and deletions, all through :class:`HubPort`. Two
implementations: :class:`mynumber.holdings.hub.HttpHub` calls the hub node's routes
(:mod:`mynumber.network.collection_api`) through the node's clients -- in process in the embedded
default, over HTTPS in production -- and :class:`mynumber.holdings.hub.DirectHub` calls the hub's
service on its database in this process, for the command line. Either way each call is the hub's
own transaction: it is recorded there, or it raises and nothing is.

The values sent are the hub's own (:mod:`mynumber.network.collections`); what comes back about a
body is :class:`AuthenticatedBody`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from mynumber.network.collections import (
        Collection,
        HoldingDeletion,
        RecordedCollection,
        Refusal,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthenticatedBody:
    """A body the hub authenticated, with the staff member who makes the request."""

    id: str
    kind: str
    name_en: str
    name_ja: str
    #: The task ids the body is registered for at the hub.
    tasks: tuple[str, ...]
    staff: str


class HubPort(Protocol):
    """What the registry asks of the hub; each call is recorded there or raises."""

    def authenticate(self, api_key: str, staff: str) -> AuthenticatedBody:
        """Return the body whose API key this is; raise ``AuthenticationRefused`` otherwise."""

    def record_collection(self, collection: Collection) -> RecordedCollection:
        """Issue the body's code and append the collection to the ledger."""

    def record_refusal(self, refusal: Refusal) -> int | None:
        """Append a refused collection to the ledger if it names a person; return the index."""

    def record_deletion(self, deletion: HoldingDeletion) -> int:
        """Append a deleted holding to the ledger; return the index."""
