"""JPKI as the real ``openssl`` binary sees it: chains, attributes, the CRL and OCSP.

Every test runs OpenSSL as a subprocess on files written to a temporary directory, so what is
checked is what a relying party's OpenSSL accepts. ``openssl`` must be on PATH: without it these
tests fail, they are never skipped. Times are fixed: OpenSSL is told the moment with ``-attime``,
and, since it checks OCSP thisUpdate/nextUpdate against the real clock whatever ``-attime`` says,
``-validity_period`` is widened to cover the fixed status times.
"""

import dataclasses
import re
import shutil
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509 import ocsp

from mynumber.cards.crl import Revocation, build_crl
from mynumber.cards.jpki import (
    Authority,
    AuthorityKind,
    FourAttributes,
    create_authority,
    issue_authentication_certificate,
    issue_responder_certificate,
    issue_signature_certificate,
    new_key,
)
from mynumber.cards.ocsp import Status, StatusAnswer, ocsp_refusal, ocsp_response, read_ocsp_request

FOUNDED = datetime(2025, 4, 1, tzinfo=UTC)
NOT_BEFORE = datetime(2025, 6, 1, tzinfo=UTC)
NOT_AFTER = datetime(2030, 6, 1, tzinfo=UTC)
AT = datetime(2026, 6, 1, 12, tzinfo=UTC)
ATTIME = str(int(AT.timestamp()))
STATUS_LEEWAY = str(200 * 365 * 24 * 3600)  # seconds: the fixed OCSP times pass for two centuries
URLS = {"ocsp_url": "http://ocsp.jpki.example/", "crl_url": "http://crl.jpki.example/full.crl"}
SERIALS = {AuthorityKind.SIGNATURE: 0x1001, AuthorityKind.AUTHENTICATION: 0x2002}
OTHER = {
    AuthorityKind.SIGNATURE: AuthorityKind.AUTHENTICATION,
    AuthorityKind.AUTHENTICATION: AuthorityKind.SIGNATURE,
}
TARO = FourAttributes(
    name="山田 太郎",
    sex="1",
    date_of_birth=date(2000, 2, 29),
    address="東京都千代田区千代田1番1号",
    alternative_name="山﨑 太郎",
    alternative_address="東京都千代田區千代田1番1号",
)
HANAKO = FourAttributes("佐藤 花子", "2", date(1990, 1, 31), "大阪府大阪市北区")
SIGNATURE_FILES = {
    "signature.pem": TARO,  # both alternative forms: six attributes
    "signature-five.pem": dataclasses.replace(HANAKO, alternative_name="佐籐 花子"),
    "signature-four.pem": HANAKO,  # neither alternative form
}
OID = "1.2.392.200149.8.5.5."
ALL_SIX = [f"{OID}{arc}" for arc in (1, 2, 3, 4, 5, 6)]
REVOKED = [
    Revocation(0x1001, AT, x509.ReasonFlags.certificate_hold),
    Revocation(0x1002, AT, x509.ReasonFlags.key_compromise),
    Revocation(0x2A2B, AT, x509.ReasonFlags.unspecified),
]


@dataclasses.dataclass(frozen=True)
class World:
    """Both authorities, their responders and holders' certificates, written as PEM files."""

    directory: Path
    authorities: dict[AuthorityKind, Authority]
    responder_key: rsa.RSAPrivateKey

    def path(self, name: str) -> str:
        """Return the path of one of the world's files."""
        return str(self.directory / name)


@pytest.fixture(scope="module")
def openssl() -> str:
    """Return the openssl executable, failing (not skipping) when it is missing."""
    found = shutil.which("openssl")
    if found is None:
        pytest.fail("the openssl binary is not on PATH: install OpenSSL 3 to run the JPKI tests")
    return found


def _write(directory: Path, name: str, certificate: x509.Certificate) -> None:
    """Write one certificate as PEM."""
    (directory / name).write_bytes(certificate.public_bytes(serialization.Encoding.PEM))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    """Make both authorities (keys generated once) and write every certificate the tests use."""
    directory = tmp_path_factory.mktemp("jpki")
    holder, responder = new_key(), new_key()
    window = (NOT_BEFORE, NOT_AFTER)
    authorities = {
        kind: create_authority(kind, new_key(), operator="J-LIS", now=FOUNDED)
        for kind in AuthorityKind
    }
    for kind, authority in authorities.items():
        _write(directory, f"{kind}-ca.pem", authority.certificate)
        issued = issue_responder_certificate(
            authority, responder.public_key(), serial=7, not_before=window[0], not_after=window[1]
        )
        _write(directory, f"{kind}-responder.pem", issued)
    for name, attributes in SIGNATURE_FILES.items():
        issued = issue_signature_certificate(
            authorities[AuthorityKind.SIGNATURE],
            holder.public_key(),
            attributes,
            serial=SERIALS[AuthorityKind.SIGNATURE],
            not_before=window[0],
            not_after=window[1],
            **URLS,
        )
        _write(directory, name, issued)
    issued = issue_authentication_certificate(
        authorities[AuthorityKind.AUTHENTICATION],
        holder.public_key(),
        serial=SERIALS[AuthorityKind.AUTHENTICATION],
        not_before=window[0],
        not_after=window[1],
        **URLS,
    )
    _write(directory, "authentication.pem", issued)
    return World(directory, authorities, responder)


def _run(openssl: str, *arguments: str) -> tuple[int, str]:
    """Run openssl; return its exit status and its stdout and stderr together, as text."""
    done = subprocess.run(  # noqa: S603 -- our own arguments, to the openssl found on PATH
        [openssl, *arguments], capture_output=True, check=False, timeout=60
    )
    return done.returncode, (done.stdout + done.stderr).decode("utf-8", "replace")


@pytest.mark.parametrize("kind", list(AuthorityKind))
@pytest.mark.parametrize("which", ["{kind}.pem", "{kind}-responder.pem"])
def test_openssl_verifies_each_certificate_against_its_authority(
    openssl: str, world: World, kind: AuthorityKind, which: str
) -> None:
    """``openssl verify`` accepts the holder's and the responder's certificate under their CA."""
    certificate = world.path(which.format(kind=kind))
    ca = world.path(f"{kind}-ca.pem")
    status, output = _run(openssl, "verify", "-attime", ATTIME, "-CAfile", ca, certificate)
    assert (status, output) == (0, f"{certificate}: OK\n")


@pytest.mark.parametrize("kind", list(AuthorityKind))
def test_openssl_rejects_a_certificate_against_the_other_authority(
    openssl: str, world: World, kind: AuthorityKind
) -> None:
    """``openssl verify`` refuses a certificate when given only the other CA."""
    ca = world.path(f"{OTHER[kind]}-ca.pem")
    status, output = _run(
        openssl, "verify", "-attime", ATTIME, "-CAfile", ca, world.path(f"{kind}.pem")
    )
    assert status != 0
    assert "unable to get local issuer certificate" in output


@pytest.mark.parametrize(
    ("name", "oids", "texts"),
    [
        (
            "signature.pem",
            ALL_SIX,
            ["山田 太郎", "山﨑 太郎", "東京都千代田區千代田1番1号", "20000229"],
        ),
        (
            "signature-five.pem",
            ALL_SIX[:5],
            ["佐藤 花子", "佐籐 花子", "大阪府大阪市北区", "19900131"],
        ),
        (
            "signature-four.pem",
            [ALL_SIX[0], *ALL_SIX[2:5]],
            ["佐藤 花子", "大阪府大阪市北区", "19900131"],
        ),
    ],
)
def test_openssl_shows_the_attributes_of_a_signature_certificate(
    openssl: str, world: World, name: str, oids: list[str], texts: list[str]
) -> None:
    """The SAN holds exactly the expected attribute OIDs, in order, with their UTF-8 values."""
    status, output = _run(openssl, "x509", "-in", world.path(name), "-text", "-noout")
    assert status == 0
    assert re.findall(r"othername: ([0-9.]+)::", output) == oids
    for text in texts:
        assert text in output
    assert "Digital Signature, Non Repudiation" in output


def test_openssl_shows_no_personal_data_in_an_authentication_certificate(
    openssl: str, world: World
) -> None:
    """The user-authentication certificate shows no attribute OID, name, address or birth date."""
    status, output = _run(
        openssl, "x509", "-in", world.path("authentication.pem"), "-text", "-noout"
    )
    assert status == 0
    assert "Subject: C = JP, CN = 2002" in output
    assert "TLS Web Client Authentication" in output
    for personal in [OID, "othername", "山田", "太郎", "千代田", "東京", "20000229", "2000"]:
        assert personal not in output


def test_openssl_verifies_the_crl_and_lists_the_revoked_serials(
    openssl: str, world: World, tmp_path: Path
) -> None:
    """``openssl crl -verify`` accepts the CRL, which lists exactly the revoked serials."""
    crl = build_crl(
        world.authorities[AuthorityKind.SIGNATURE],
        REVOKED,
        number=3,
        this_update=AT,
        next_update=AT + timedelta(days=1),
    )
    path = tmp_path / "signature.crl"
    path.write_bytes(crl.public_bytes(serialization.Encoding.PEM))
    ca = world.path("signature-ca.pem")
    status, output = _run(
        openssl, "crl", "-in", str(path), "-CAfile", ca, "-verify", "-noout", "-text"
    )
    assert status == 0
    assert "verify OK" in output
    assert re.findall(r"Serial Number: ([0-9A-F]+)", output) == ["1001", "1002", "2A2B"]
    assert re.findall(r"Reason Code: \n\s+(.+)\n", output) == ["Certificate Hold", "Key Compromise"]
    other = world.path("authentication-ca.pem")
    status, output = _run(openssl, "crl", "-in", str(path), "-CAfile", other, "-verify", "-noout")
    assert status != 0
    assert "verify OK" not in output


def _ask(openssl: str, world: World, kind: AuthorityKind, request: Path, *, nonce: bool) -> Path:
    """Have ``openssl ocsp`` write ``request``, about the holder's certificate of ``kind``."""
    arguments = ["-issuer", world.path(f"{kind}-ca.pem"), "-cert", world.path(f"{kind}.pem")]
    status, output = _run(
        openssl, "ocsp", *arguments, "-reqout", str(request), *([] if nonce else ["-no_nonce"])
    )
    assert status == 0, output
    return request


def _answer(world: World, kind: AuthorityKind, request: Path, answer: StatusAnswer) -> Path:
    """Answer a request file with ``ocsp_response``; return the response file."""
    responder = x509.load_pem_x509_certificate(
        (world.directory / f"{kind}-responder.pem").read_bytes()
    )
    der = ocsp_response(
        read_ocsp_request(request.read_bytes()),
        answer,
        authority=world.authorities[kind],
        responder_certificate=responder,
        responder_key=world.responder_key,
        this_update=AT,
        next_update=AT + timedelta(hours=1),
    )
    response = request.with_suffix(".resp")
    response.write_bytes(der)
    return response


def _check(
    openssl: str, world: World, kind: AuthorityKind, response: Path, ca: str
) -> tuple[int, str]:
    """Have ``openssl ocsp`` verify a response about the holder's certificate against ``ca``.

    ``-no_nonce`` stops openssl from making up a fresh nonce of its own for the request it builds
    from ``-issuer``/``-cert``, which the response (to the earlier request) could not echo.
    """
    return _run(
        openssl,
        "ocsp",
        "-respin",
        str(response),
        "-issuer",
        world.path(f"{kind}-ca.pem"),
        "-cert",
        world.path(f"{kind}.pem"),
        "-CAfile",
        world.path(ca),
        "-no_nonce",
        "-attime",
        ATTIME,
        "-validity_period",
        STATUS_LEEWAY,
    )


@pytest.mark.parametrize("kind", list(AuthorityKind))
@pytest.mark.parametrize("nonce", [True, False], ids=["nonce", "no-nonce"])
def test_openssl_reads_a_good_answer(
    openssl: str, world: World, tmp_path: Path, kind: AuthorityKind, *, nonce: bool
) -> None:
    """OpenSSL verifies the delegated responder's signature and reads "good"."""
    request = _ask(openssl, world, kind, tmp_path / "request.der", nonce=nonce)
    response = _answer(world, kind, request, StatusAnswer(Status.GOOD))
    status, output = _check(openssl, world, kind, response, f"{kind}-ca.pem")
    assert status == 0, output
    assert "Response verify OK" in output
    assert f"{world.path(f'{kind}.pem')}: good" in output
    assert "WARNING" not in output


@pytest.mark.parametrize(
    ("reason", "shown"),
    [
        (x509.ReasonFlags.certificate_hold, "Reason: certificateHold"),
        (x509.ReasonFlags.key_compromise, "Reason: keyCompromise"),
    ],
)
@pytest.mark.parametrize("kind", list(AuthorityKind))
def test_openssl_reads_a_revoked_answer(  # noqa: PLR0917 -- fixtures and three parameters
    openssl: str,
    world: World,
    tmp_path: Path,
    kind: AuthorityKind,
    reason: x509.ReasonFlags,
    shown: str,
) -> None:
    """OpenSSL reads "revoked" with the revocation time and reason, a hold as certificateHold."""
    request = _ask(openssl, world, kind, tmp_path / "request.der", nonce=True)
    answer = StatusAnswer(Status.REVOKED, datetime(2026, 3, 1, 9, tzinfo=UTC), reason)
    status, output = _check(
        openssl, world, kind, _answer(world, kind, request, answer), f"{kind}-ca.pem"
    )
    assert status == 0, output
    assert "Response verify OK" in output
    assert f"{world.path(f'{kind}.pem')}: revoked" in output
    assert shown in output
    assert "Revocation Time: Mar  1 09:00:00 2026 GMT" in output


@pytest.mark.parametrize("kind", list(AuthorityKind))
def test_openssl_checks_the_echoed_nonce(
    openssl: str, world: World, tmp_path: Path, kind: AuthorityKind
) -> None:
    """OpenSSL accepts the nonce echoed to its own request, and not one echoed to another."""
    mine = _ask(openssl, world, kind, tmp_path / "mine.der", nonce=True)
    theirs = _ask(openssl, world, kind, tmp_path / "theirs.der", nonce=True)
    good = StatusAnswer(Status.GOOD)
    options = ["-reqin", str(mine), "-CAfile", world.path(f"{kind}-ca.pem"), "-attime", ATTIME]
    response = _answer(world, kind, mine, good)
    status, output = _run(openssl, "ocsp", *options, "-respin", str(response))
    assert status == 0, output
    assert "Response verify OK" in output
    stranger = _answer(world, kind, theirs, good)
    status, output = _run(openssl, "ocsp", *options, "-respin", str(stranger))
    assert status != 0
    assert "Nonce Verify error" in output


@pytest.mark.parametrize("kind", list(AuthorityKind))
def test_openssl_refuses_an_answer_against_the_other_authority(
    openssl: str, world: World, tmp_path: Path, kind: AuthorityKind
) -> None:
    """The response does not verify when the relying party trusts only the other CA."""
    request = _ask(openssl, world, kind, tmp_path / "request.der", nonce=False)
    response = _answer(world, kind, request, StatusAnswer(Status.GOOD))
    status, output = _check(openssl, world, kind, response, f"{OTHER[kind]}-ca.pem")
    assert status != 0
    assert "Response Verify Failure" in output


@pytest.mark.parametrize(
    ("refusal", "shown"),
    [
        (ocsp.OCSPResponseStatus.UNAUTHORIZED, "unauthorized (6)"),
        (ocsp.OCSPResponseStatus.MALFORMED_REQUEST, "malformedrequest (1)"),
    ],
)
def test_openssl_reads_a_refusal(
    openssl: str, tmp_path: Path, refusal: ocsp.OCSPResponseStatus, shown: str
) -> None:
    """OpenSSL reads a refusal as the unsuccessful status it carries."""
    path = tmp_path / "refusal.resp"
    path.write_bytes(ocsp_refusal(refusal))
    status, output = _run(openssl, "ocsp", "-respin", str(path), "-noverify")
    assert status != 0
    assert output == f"Responder Error: {shown}\n"
