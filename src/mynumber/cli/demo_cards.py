"""The demo's cards: a few residents of the synthetic town get a card they can use at once.

On the demo's first run, the first adults of the town apply at the counter, their cards are made
and handed over with the demo's PINs, and each card file is written to ``HOME/cards/``; a relying
party is registered for the OCSP responder and its token written beside them. Later runs leave
them alone. Demo PINs are printed: the demo's keys are refused outside demo mode anyway.
"""

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from mynumber.cards.models import ApplicationReason, Card
from mynumber.cards.pins import PinKind
from mynumber.cards.registry import card_service
from mynumber.cards.relying_parties import RelyingParties
from mynumber.cards.validity import age_on
from mynumber.cli.registry import Registry, registry_of
from mynumber.register.models import Resident, ResidentState
from mynumber.register.services import Clerk
from mynumber.settings import Settings
from mynumber.storage import unit_of_work

#: The demo's PINs, the same on every demo card.
DEMO_PINS: Final = {
    PinKind.SIGNATURE: "DEMO2026",
    PinKind.AUTHENTICATION: "1234",
    PinKind.RESIDENT_REGISTER: "2345",
    PinKind.CARD_FACE: "3456",
}
#: How many residents of the demo town get a card.
DEMO_CARDS: Final = 3
#: A 1x1 grey PNG standing in for the applicant's photo.
DEMO_PHOTO: Final = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010800000000"
    "3a7e9b550000000a4944415478da63680000008200815e8de8a60000000049454e44ae426082"
)
_CLERK: Final = Clerk("demo counter")
#: Demo cards go to adults, who get both certificates and a ten-year card.
ADULTS: Final = 20


def ensure_demo_cards(settings: Settings) -> list[Path]:
    """Hand over the demo's cards unless the register has some; return the card files."""
    folder, staging = settings.home / "cards", settings.home / "cards.part"
    if not folder.exists():
        with registry_of(settings) as registry, unit_of_work(registry.sessions) as session:
            if session.scalar(select(Card.id).limit(1)) is None:
                _hand_over(session, registry, staging)
        # Renamed only once the cards are committed: a run killed before leaves no folder.
        if staging.exists():
            staging.rename(folder)
    return sorted(folder.glob("*.json")) if folder.exists() else []


def _hand_over(session: Session, registry: Registry, staging: Path) -> None:
    """Make and hand over the demo cards into ``staging``, with a relying party's token."""
    staging.mkdir(mode=0o700, exist_ok=True)
    for leftover in staging.iterdir():
        leftover.unlink()
    cards = card_service(session, registry.keys, registry.base_url)
    today = datetime.now(UTC).date()
    residents = session.scalars(
        select(Resident)
        .where(Resident.state == ResidentState.RESIDENT.value)
        .order_by(Resident.id)
        .limit(100)
    )
    adults = [r for r in residents if age_on(r.date_of_birth, today) >= ADULTS][:DEMO_CARDS]
    for resident in adults:
        application = cards.apply_at_counter(
            resident, DEMO_PHOTO, _CLERK, reason=ApplicationReason.FIRST
        )
        card = cards.manufacture(application)
        cards.hand_over(
            card,
            clerk=_CLERK,
            identity_check="demo: notice of the number and a driving licence",
            pins=DEMO_PINS,
            path=staging / f"{card.manufacturing_number}.json",
        )
    token = RelyingParties(session).register("demo relying party", registered_by=_CLERK.name)
    descriptor = os.open(staging / "relying-party.token", os.O_WRONLY | os.O_CREAT, 0o600)
    with os.fdopen(descriptor, "w") as stream:
        stream.write(token + "\n")
