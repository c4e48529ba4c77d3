"""Sealed entries in the hub's ledger: counted in public, opened only by the commission's key."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from http import HTTPStatus
from typing import TYPE_CHECKING

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from tests.integration.ledger.conftest import disclosure_code, exchange, hub_service

from mynumber.ledger.sealing import SealedCount, seal_entry
from mynumber.ledger.services import LedgerService
from mynumber.storage import unit_of_work

if TYPE_CHECKING:
    from pathlib import Path

    import httpx
    from sqlalchemy.orm import Session, sessionmaker
    from tests.integration.conftest import Result, Run

    from mynumber.keys import NodeKeys

ORIGIN = "hub.example.jp/ledger"
#: Today in Japan, the day the CLI unseals against.
TODAY = datetime.now(timezone(timedelta(hours=9))).date()
BODY: dict[str, object] = {
    "case": "令和8年(捜)第77号",
    "asked_for": ["address-history", "employer"],
    "officer": "Sergeant Kuroda",
}


@pytest.fixture(scope="module")
def commission() -> X25519PrivateKey:
    """Return the oversight commission's private key."""
    return X25519PrivateKey.generate()


def sealed(
    commission: X25519PrivateKey,
    requester: str,
    at: datetime,
    *,
    unseal_on: date = date(2030, 1, 1),
    person: int = 0,
) -> dict[str, object]:
    """Return an entry sealing BODY to the commission: a police request about one person."""
    return seal_entry(
        BODY,
        commission.public_key(),
        disclosure_code=disclosure_code(person),
        requester=requester,
        unseal_on=unseal_on,
        at=at,
    )


def _police_requests(commission: X25519PrivateKey) -> list[dict[str, object]]:
    """Return five sealed entries: two bodies over two months, with exchanges between them."""
    november, december = datetime(2026, 11, 3, tzinfo=UTC), datetime(2026, 12, 9, tzinfo=UTC)
    return [
        sealed(commission, "police-tokyo", december),
        exchange(1),
        sealed(commission, "police-tokyo", november, person=1),
        sealed(commission, "police-osaka", november, person=2),
        exchange(2),
        sealed(commission, "police-tokyo", november, person=3),
        # 30 November 23:30 in UTC is already 1 December in Japan; the month is the UTC one.
        sealed(commission, "police-osaka", datetime(2026, 11, 30, 23, 30, tzinfo=UTC)),
    ]


EXPECTED = [
    SealedCount(requester="police-osaka", month="2026-11", count=2),
    SealedCount(requester="police-tokyo", month="2026-11", count=2),
    SealedCount(requester="police-tokyo", month="2026-12", count=1),
]


def test_sealed_counts_group_by_month_and_body(
    sessions: sessionmaker[Session], commission: X25519PrivateKey
) -> None:
    """Appended among exchanges, sealed entries are counted per body per month, sorted."""
    key = Ed25519PrivateKey.generate()
    with unit_of_work(sessions) as session:
        ledger = LedgerService(session, key, origin=ORIGIN, key_name=ORIGIN)
        assert ledger.sealed_counts() == []
        for entry in _police_requests(commission):
            ledger.append(entry)
    with unit_of_work(sessions) as session:
        ledger = LedgerService(session, key, origin=ORIGIN, key_name=ORIGIN)
        assert ledger.size() == 7
        assert ledger.sealed_counts() == EXPECTED


@pytest.mark.anyio
async def test_the_counts_are_public_over_http(
    hub: httpx.AsyncClient,
    hub_home: Path,
    hub_keys: NodeKeys,
    hub_sessions: sessionmaker[Session],
    commission: X25519PrivateKey,
) -> None:
    """The hub answers the counts to a caller with no credentials at all, and nothing sealed."""
    empty = await hub.get("/api/ledger/sealed-counts")
    assert empty.status_code == HTTPStatus.OK
    assert empty.json() == {"counts": []}
    with unit_of_work(hub_sessions) as session:
        ledger = hub_service(session, hub_home, hub_keys)
        for entry in _police_requests(commission):
            ledger.append(entry)
    response = await hub.get("/api/ledger/sealed-counts")
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {
        "counts": [{"requester": c.requester, "month": c.month, "count": c.count} for c in EXPECTED]
    }
    assert "Kuroda" not in response.text


def _pem(key: X25519PrivateKey | Ed25519PrivateKey, path: Path) -> Path:
    """Write ``key`` to ``path`` as unencrypted PKCS#8 PEM, as the deployment will hold it."""
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return path


@pytest.fixture
def sealed_hub(
    hub_home: Path,
    hub_keys: NodeKeys,
    hub_sessions: sessionmaker[Session],
    commission: X25519PrivateKey,
) -> Path:
    """Return the home of a hub whose ledger holds four entries, three of them sealed.

    Entry 0 was sealed until yesterday, 1 is an exchange, 2 is sealed until tomorrow and 3 until
    today.
    """
    at = datetime(2026, 11, 3, tzinfo=UTC)
    entries = [
        sealed(commission, "police-tokyo", at, unseal_on=TODAY - timedelta(days=1)),
        exchange(1),
        sealed(commission, "police-tokyo", at, unseal_on=TODAY + timedelta(days=1)),
        sealed(commission, "police-osaka", at, unseal_on=TODAY),
    ]
    with unit_of_work(hub_sessions) as session:
        ledger = hub_service(session, hub_home, hub_keys)
        for entry in entries:
            ledger.append(entry)
    return hub_home


@pytest.fixture
def unseal(sealed_hub: Path, commission: X25519PrivateKey, tmp_path: Path, mynumber: Run) -> Run:
    """Return ``mynumber ledger unseal --index N --key PEM --dir HOME`` on ``sealed_hub``.

    ``--key`` is the commission's key, written as PEM, unless the call gives another file.
    """
    commission_pem = _pem(commission, tmp_path / "oversight-unsealing.pem")

    def run(index: object, key: Path = commission_pem) -> Result:
        return mynumber("ledger", "unseal", "--index", index, "--key", key, "--dir", sealed_hub)

    return run


@pytest.mark.parametrize("index", [0, 3])
def test_the_commission_unseals_an_entry_on_or_after_its_date(unseal: Run, index: int) -> None:
    """From its unsealing date on, the entry's body is printed as JSON."""
    result = unseal(index)
    assert result.code == 0, result.err
    assert json.loads(result.out) == BODY


def test_an_entry_is_not_unsealed_before_its_date(unseal: Run) -> None:
    """The day before, the command refuses in one line naming the date, and prints nothing."""
    result = unseal(2)
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    assert (result.code, result.out) == (1, "")
    assert result.err == (
        f"mynumber: the entry is sealed until {tomorrow}: it can be opened on that day or later\n"
    )


def test_another_key_or_entry_is_refused_in_one_line(unseal: Run, tmp_path: Path) -> None:
    """Another X25519 key, an Ed25519 key, no key file, an exchange, no entry: one line each."""
    stranger = _pem(X25519PrivateKey.generate(), tmp_path / "stranger.pem")
    ed25519 = _pem(Ed25519PrivateKey.generate(), tmp_path / "ed25519.pem")
    cases = [
        (unseal(0, stranger), "does not open with this key"),
        (unseal(0, ed25519), "must be an X25519 key"),
        (unseal(0, tmp_path / "missing.pem"), "cannot read the unsealing key"),
        (unseal(1), "not 'sealed'"),
        (unseal(4), "there is no entry 4"),
    ]
    for result, reason in cases:
        assert result.code == 1, result.out
        assert result.out == ""
        assert result.err.startswith("mynumber: ")
        assert result.err.count("\n") == 1
        assert reason in result.err
