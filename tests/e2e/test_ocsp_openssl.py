"""The OCSP responder and CRLs of a running registry, asked by the real `openssl` binary.

A card is handed over in a fresh deployment, `mynumber serve --node registry` runs it, and openssl
asks over HTTP: good; revoked (certificateHold) after a loss report; good again once the hold is
lifted in person; after a move, the signature certificate revoked and the authentication
certificate still good. Without a relying party's token the responder answers `unauthorized`.
"""

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from cryptography.hazmat.primitives import serialization

from mynumber.cards import jpki
from mynumber.cards.models import ApplicationReason
from mynumber.cards.pins import PinKind
from mynumber.cards.registry import card_service, register_service
from mynumber.cards.relying_parties import RelyingParties
from mynumber.deployment import NodeKind, read_deployment
from mynumber.keys import load_node_keys
from mynumber.register.models import EventKind
from mynumber.register.records import ResidentRecord, Sex
from mynumber.register.services import Clerk
from mynumber.storage import create_engine, session_factory, unit_of_work

from .test_serve import Server, _free_port, _mynumber, _start

pytestmark = pytest.mark.slow

PHOTO = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9")
PINS = {
    PinKind.SIGNATURE: "SIGN2026",
    PinKind.AUTHENTICATION: "1357",
    PinKind.RESIDENT_REGISTER: "2468",
    PinKind.CARD_FACE: "9753",
}
CLERK = "窓口 太郎"


@dataclass(frozen=True)
class Setup:
    """A served registry with one card, and where openssl finds what it needs."""

    server: Server
    files: Path
    token: str
    resident_id: int
    manufacturing_number: str


def _openssl() -> str:
    """Return the openssl binary, or fail saying how to get it."""
    found = shutil.which("openssl")
    if found is None:
        pytest.fail("openssl is needed: apt-get install openssl")
    return found


def _write_pem(path: Path, pem: bytes) -> Path:
    path.write_bytes(pem)
    return path


def _prepare(home: Path, files: Path) -> tuple[str, int, str]:
    """Register a resident, hand a card over, register a relying party; write the PEMs."""
    registry = read_deployment(home).node("registry")
    keys = load_node_keys(home, "registry", NodeKind.REGISTRY, demo_allowed=False)
    engine = create_engine(registry.resolved_database_url(home), keys.field_keys)
    today = datetime.now(UTC).date()
    try:
        with unit_of_work(session_factory(engine)) as session:
            resident = register_service(session, keys, registry.base_url).register(
                ResidentRecord(
                    family_name="鈴木",
                    given_name="一郎",
                    family_name_kana="スズキ",
                    given_name_kana="イチロウ",
                    date_of_birth=date(1980, 6, 15),
                    sex=Sex.MALE,
                    municipality_code="131016",
                    postal_code="1000001",
                    address="東京都千代田区千代田1番1号",
                ),
                event=EventKind.BIRTH,
                occurred_on=today,
                clerk=Clerk(CLERK),
            )
            cards = card_service(session, keys, registry.base_url)
            application = cards.apply_at_counter(
                resident, PHOTO, Clerk(CLERK), reason=ApplicationReason.FIRST
            )
            card = cards.manufacture(application)
            cards.hand_over(
                card,
                clerk=Clerk(CLERK),
                identity_check="notice and passport",
                pins=PINS,
                path=files / "card.json",
            )
            for kind in jpki.AuthorityKind:
                authority = cards.authorities.load(kind).authority.certificate
                _write_pem(files / f"{kind}-ca.pem", authority.public_bytes(_PEM))
            for certificate in card.certificates:
                _write_pem(files / f"{certificate.kind}.pem", certificate.pem.encode())
            token = RelyingParties(session).register("東京都健康保険組合", registered_by=CLERK)
            return token, resident.id, card.manufacturing_number
    finally:
        engine.dispose()


_PEM = serialization.Encoding.PEM


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    """Yield a running registry node holding one handed-over card."""
    home = tmp_path_factory.mktemp("ocsp") / "town"
    files = tmp_path_factory.mktemp("ocsp-files")
    _mynumber("init", home)
    _mynumber("db", "upgrade", "--dir", home, "--node", "registry")
    token, resident_id, manufacturing_number = _prepare(home, files)
    port = _free_port()
    server = _start(
        "serve",
        *("--dir", home, "--node", "registry", "--port", str(port)),
        port=port,
        ready_path="/registry/health",
    )
    yield Setup(server, files, token, resident_id, manufacturing_number)
    server.stop()


def _ask(setup: Setup, kind: str, *, token: str | None = None) -> str:
    """Ask the responder about one of the card's certificates with `openssl ocsp`."""
    files = setup.files
    command = [
        _openssl(),
        "ocsp",
        *("-issuer", str(files / f"{kind}-ca.pem")),
        *("-cert", str(files / f"{kind}.pem")),
        *("-url", f"{setup.server.url}/registry/jpki/ocsp"),
        *("-CAfile", str(files / f"{kind}-ca.pem")),
    ]
    if token is not None:
        command += ["-header", f"Authorization=Bearer {token}"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)  # noqa: S603 -- openssl with our own files
    return done.stdout + done.stderr


def _post(setup: Setup, path: str, body: dict[str, str] | None = None) -> None:
    """POST to the registry's API as the clerk; fail on anything but 200."""
    with httpx.Client(base_url=f"{setup.server.url}/registry", trust_env=False) as client:
        answer = client.post(path, json=body or {}, headers={"X-Clerk": quote(CLERK)})
    assert answer.status_code == 200, answer.text


def test_ocsp_over_http_follows_the_card_through_hold_and_move(served: Setup) -> None:
    """openssl: good; certificateHold after a loss report; good again; after a move, sig revoked."""
    for kind in ("authentication", "signature"):
        answer = _ask(served, kind, token=served.token)
        assert "Response verify OK" in answer, answer
        assert f"{kind}.pem: good" in answer, answer

    _post(served, f"/api/cards/{served.manufacturing_number}/loss-report")
    for kind in ("authentication", "signature"):
        answer = _ask(served, kind, token=served.token)
        assert "Response verify OK" in answer, answer
        assert f"{kind}.pem: revoked" in answer, answer
        assert "Reason: certificateHold" in answer, answer

    _post(
        served,
        f"/api/cards/{served.manufacturing_number}/hold-lift",
        {"identity_check": "passport"},
    )
    assert "signature.pem: good" in _ask(served, "signature", token=served.token)

    _post(
        served,
        f"/api/residents/{served.resident_id}/address-change",
        {
            "postal_code": "1020072",
            "address": "東京都千代田区飯田橋1丁目1番1号",
            "date": datetime.now(UTC).date().isoformat(),
        },
    )
    signature = _ask(served, "signature", token=served.token)
    assert "signature.pem: revoked" in signature, signature
    assert "Reason: affiliationChanged" in signature, signature
    authentication = _ask(served, "authentication", token=served.token)
    assert "authentication.pem: good" in authentication, authentication


def test_the_responder_answers_only_registered_relying_parties(served: Setup) -> None:
    """Without a token, or with a wrong one, openssl reports the responder's `unauthorized`."""
    assert "unauthorized" in _ask(served, "authentication")
    assert "unauthorized" in _ask(served, "authentication", token="not-a-token")  # noqa: S106 -- a wrong token on purpose


def test_the_crl_over_http_verifies_with_openssl(served: Setup, tmp_path: Path) -> None:
    """The signature CA's CRL, fetched with the token, verifies against its CA with openssl."""
    with httpx.Client(base_url=f"{served.server.url}/registry", trust_env=False) as client:
        refused = client.get("/jpki/signature.crl")
        fetched = client.get(
            "/jpki/signature.crl", headers={"Authorization": f"Bearer {served.token}"}
        )
        anchor = client.get("/jpki/signature.pem")
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"
    assert fetched.status_code == 200
    (tmp_path / "signature.crl").write_bytes(fetched.content)
    (tmp_path / "ca.pem").write_bytes(anchor.content)
    done = subprocess.run(  # noqa: S603 -- openssl with our own files
        [
            _openssl(),
            *("crl", "-inform", "DER", "-in", str(tmp_path / "signature.crl")),
            *("-CAfile", str(tmp_path / "ca.pem"), "-noout", "-text"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "verify OK" in done.stdout + done.stderr, done.stdout + done.stderr
    assert "Certificate Revocation List" in done.stdout
