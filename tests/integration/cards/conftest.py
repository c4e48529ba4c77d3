"""Fixtures of the card tests: registry keys (made once: RSA keys are slow), a register, a card."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from mynumber.cards.models import ApplicationReason
from mynumber.cards.pins import PinKind
from mynumber.cards.registry import card_service, identity_service, register_service
from mynumber.deployment import NodeKind
from mynumber.keys import NodeKeys, create_node_keys, load_node_keys
from mynumber.register.models import EventKind, Resident
from mynumber.register.records import ResidentRecord, Sex
from mynumber.register.services import Clerk
from mynumber.storage import session_factory

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    import sqlalchemy
    from sqlalchemy.orm import Session

    from mynumber.cards.identity import IdentityService
    from mynumber.cards.models import Card
    from mynumber.cards.services import CardService
    from mynumber.cards.virtual import VirtualCard
    from mynumber.register.services import RegisterService

BASE_URL = "http://127.0.0.1:8000/registry"
CLERK = Clerk("窓口 花子")
#: A 1x1 PNG: the bytes are what the photo check reads.
PHOTO = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)
PINS = {
    PinKind.SIGNATURE: "ABC123",
    PinKind.AUTHENTICATION: "1234",
    PinKind.RESIDENT_REGISTER: "2345",
    PinKind.CARD_FACE: "3456",
}
TODAY = datetime.now(UTC).date()
ADULT = ResidentRecord(
    family_name="山田",
    given_name="太郎",
    family_name_kana="ヤマダ",
    given_name_kana="タロウ",
    date_of_birth=date(1985, 1, 2),
    sex=Sex.MALE,
    municipality_code="131016",
    postal_code="1000001",
    address="東京都千代田区千代田1番1号",
)


@pytest.fixture(scope="session")
def registry_keys(tmp_path_factory: pytest.TempPathFactory) -> NodeKeys:
    """Return a registry's keys, made once for the whole run."""
    home = tmp_path_factory.mktemp("registry-keys")
    create_node_keys(home, "registry", NodeKind.REGISTRY)
    return load_node_keys(home, "registry", NodeKind.REGISTRY, demo_allowed=False)


@dataclass
class Registry:
    """One registry database with its services over one open session."""

    session: Session
    register: RegisterService
    cards: CardService
    identity: IdentityService

    def resident(self, record: ResidentRecord = ADULT) -> Resident:
        """Register a resident born as ``record`` says."""
        return self.register.register(record, event=EventKind.BIRTH, occurred_on=TODAY, clerk=CLERK)

    def handed_over(
        self, resident: Resident, path: Path, pins: dict[PinKind, str] | None = None
    ) -> tuple[Card, VirtualCard]:
        """Apply at the counter, manufacture and hand over; return the card and its file."""
        application = self.cards.apply_at_counter(
            resident, PHOTO, CLERK, reason=ApplicationReason.FIRST
        )
        card = self.cards.manufacture(application)
        virtual = self.cards.hand_over(
            card,
            clerk=CLERK,
            identity_check="notice and driving licence",
            pins=PINS if pins is None else pins,
            path=path,
        )
        return card, virtual


@pytest.fixture
def registry(migrated_engine: sqlalchemy.Engine, registry_keys: NodeKeys) -> Iterator[Registry]:
    """Yield the services of a migrated registry database over one session (committed at end)."""
    session = session_factory(migrated_engine)()
    try:
        yield Registry(
            session=session,
            register=register_service(session, registry_keys, BASE_URL),
            cards=card_service(session, registry_keys, BASE_URL),
            identity=identity_service(session, registry_keys, BASE_URL),
        )
        session.commit()
    finally:
        session.close()


def born(years_ago: int, days: int = 0) -> date:
    """Return the birth date of someone ``years_ago`` years old today, shifted by ``days``."""
    year = TODAY.year - years_ago
    day = TODAY.replace(day=28) if (TODAY.month, TODAY.day) == (2, 29) else TODAY
    return day.replace(year=year) + timedelta(days=days)
