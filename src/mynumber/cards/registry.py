"""The registry node's services as its edges make them: the register always tells the cards.

Every edge that records a life event (the JSON API, the counter pages, the command line) makes its
register service here, so a move or a name change always revokes the signature certificate and a
death, moving out or a number change always ends the cards, in the same transaction.
"""

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from mynumber.cards.authorities import Endpoints
from mynumber.cards.identity import IdentityService
from mynumber.cards.services import CardService
from mynumber.keys import NodeKeys
from mynumber.numbers.generator import NumberGenerator
from mynumber.register.municipalities import PostalMunicipalities
from mynumber.register.services import RegisterService
from mynumber.settings import ConfigurationError


def card_service(session: Session, keys: NodeKeys, base_url: str) -> CardService:
    """Return the cards of the registry answering at ``base_url``."""
    return CardService(session, keys, Endpoints.under(base_url))


def register_service(session: Session, keys: NodeKeys, base_url: str) -> RegisterService:
    """Return the register, with the cards listening to every life event."""
    if keys.number_authority is None:
        msg = f"node {keys.node_id!r} holds no number-authority key: it cannot issue numbers"
        raise ConfigurationError(msg)
    cards = card_service(session, keys, base_url)
    return RegisterService(
        session,
        NumberGenerator(keys.number_authority),
        PostalMunicipalities(),
        listeners=(cards.on_register_event,),
    )


def identity_service(session: Session, keys: NodeKeys, base_url: str) -> IdentityService:
    """Return identity confirmation, checking against the registry's authorities."""
    if keys.jpki is None:
        msg = f"node {keys.node_id!r} holds no JPKI keys: only the registry confirms identities"
        raise ConfigurationError(msg)
    cards = card_service(session, keys, base_url)
    return IdentityService(
        session, cards.authorities, keys.jpki.receipt_signing, clock=lambda: datetime.now(UTC)
    )
