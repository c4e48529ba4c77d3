"""Fixtures of the network tests: the hub's database, its register of bodies, the hub node, CLI.

``migrated_engine`` (tests/conftest.py) is migrated as a hub here, once on SQLite and once on
PostgreSQL. ``hub_home`` is a deployment directory with the hub's keys whose hub database is the
test's; ``hub`` runs the hub node on it in-process through ``httpx.ASGITransport``, with the
registry in its deployment (the one node allowed to have codes issued).
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

import pytest

from mynumber.deployment import NodeKind
from mynumber.network.profiles import BodyApplication
from mynumber.network.services import BodyRegistry
from mynumber.numbers import resident_code
from mynumber.storage import session_factory

if TYPE_CHECKING:
    import sqlalchemy
    from sqlalchemy.orm import Session, sessionmaker

CITY = BodyApplication(
    id="city-office-131016",
    corporate_number="9000020999013",
    name_ja="東雲台市役所",
    name_en="Shinonomedai City Office",
    kind="city-office",
    tasks=("city-office:child-allowance", "city-office:resident-tax"),
)
TAX = BodyApplication(
    id="tax-office-shinonomedai",
    corporate_number="8000012999014",
    name_ja="東雲台税務署",
    name_en="Shinonomedai Tax Office",
    kind="tax-office",
    tasks=("tax-office:income-tax",),
)
SHOP = BodyApplication(
    id="video-rental-shop-tsukiyo",
    corporate_number="9011001999021",
    name_ja="株式会社月夜ビデオ",
    name_en="Tsukiyo Video Co., Ltd.",
    kind="video-rental-shop",
)


def resident_record_code(person: int) -> str:
    """Return a valid resident record code (11 digits) for test person ``person``."""
    base = f"{person:010d}"
    return base + resident_code.calc_check_digit(base)


@pytest.fixture
def node_kind() -> NodeKind:
    """Migrate ``migrated_engine`` as the hub's database."""
    return NodeKind.HUB


@pytest.fixture
def sessions(migrated_engine: sqlalchemy.Engine) -> sessionmaker[Session]:
    """Return sessions of the migrated hub database."""
    return session_factory(migrated_engine)


@pytest.fixture
def code_key() -> bytes:
    """Return a fresh 32-byte code key, as the hub's ``institution-codes.key`` holds."""
    return secrets.token_bytes(32)


def register(session: Session, *applications: BodyApplication) -> dict[str, str]:
    """Register ``applications`` with one staff member each; return their API keys by body id."""
    registry = BodyRegistry(session)
    keys = {}
    for application in applications:
        _, keys[application.id] = registry.register_body(application, registered_by="Ito")
        registry.add_staff(application.id, "s-1", "佐藤 花子", "clerk", added_by="Ito")
    return keys
