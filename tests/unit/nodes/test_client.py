"""Node-to-node calls: in-process when the target is here, signed, every failure NodeUnavailable."""

import hashlib
import ssl
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.x509.oid import NameOID
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse

from mynumber.deployment import (
    Deployment,
    NodeKind,
    UnknownNodeError,
    default_deployment,
    default_node_kinds,
)
from mynumber.keys import public_keys_of
from mynumber.nodes.client import NodeClients, client_tls_context
from mynumber.nodes.exceptions import NodeUnavailable
from mynumber.nodes.problems import install_problem_handlers
from mynumber.nodes.signatures import NodeRequest, verify_request
from mynumber.settings import ConfigurationError, load_settings

pytestmark = pytest.mark.anyio

#: The key of the node that calls (the portal), whose public half the deployment lists.
PORTAL_KEY = Ed25519PrivateKey.generate()
#: When the tests pretend the portal sends its requests (unix seconds).
SENT_AT = 1_767_225_600.75


def _deployment() -> Deployment:
    """Return the default deployment with fresh keys, the portal's being ``PORTAL_KEY``."""
    keys = {
        ident: public_keys_of(
            PORTAL_KEY if ident == "portal" else Ed25519PrivateKey.generate(),
            X25519PrivateKey.generate() if kind is NodeKind.OVERSIGHT else None,
        )
        for ident, kind in default_node_kinds().items()
    }
    return default_deployment(keys)


_SIGNATURE_HEADERS = ("x-node-id", "x-node-date", "x-node-signature")


def _hub() -> FastAPI:
    """Return a stand-in hub app that reports what it was asked and fails on purpose."""
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/echo")
    def echo(request: Request) -> dict[str, str]:
        return {"url": str(request.url), "root_path": request.scope["root_path"]}

    @app.get("/text")
    def text() -> PlainTextResponse:
        return PlainTextResponse("not json")

    @app.post("/seen")
    async def seen(request: Request) -> dict[str, str]:
        body = await request.body()
        return {
            **{name: request.headers.get(name, "") for name in _SIGNATURE_HEADERS},
            "raw_path": request.scope["raw_path"].decode(),
            "query": request.scope["query_string"].decode(),
            "body_sha256": hashlib.sha256(body).hexdigest(),
        }

    return app


@pytest.fixture
async def clients(tmp_path: Path, anyio_backend: str) -> AsyncIterator[NodeClients]:
    """Clients of a default deployment whose hub is served in this process."""
    del anyio_backend
    settings = load_settings(home=tmp_path)
    clients = NodeClients(
        _deployment(),
        settings,
        node_id="portal",
        signing_key=PORTAL_KEY,
        in_process={"hub": _hub()},
        clock=lambda: SENT_AT,
    )
    yield clients
    await clients.aclose()


async def test_an_in_process_call_sees_the_same_url_as_over_the_network(
    clients: NodeClients,
) -> None:
    """The hub app gets the full URL of its base_url and its mount path as root path."""
    assert clients.is_in_process("hub")
    assert not clients.is_in_process("registry")
    assert await clients.get_json("hub", "/echo") == {
        "url": "http://127.0.0.1:8000/hub/echo",
        "root_path": "/hub",
    }


async def test_an_error_status_keeps_the_problem_detail(clients: NodeClients) -> None:
    """A 404 from the target becomes NodeUnavailable with the node id, status and detail."""
    with pytest.raises(NodeUnavailable) as caught:
        await clients.get_json("hub", "/missing")
    assert (caught.value.node_id, caught.value.status) == ("hub", 404)
    assert "node 'hub' is unavailable: /missing answered 404: there is nothing at /hub/missing" in (
        str(caught.value)
    )


async def test_a_body_that_is_not_json_is_refused(clients: NodeClients) -> None:
    """A 200 that is not JSON is a failure of the target, not of the caller."""
    with pytest.raises(NodeUnavailable, match="/text did not answer JSON"):
        await clients.get_json("hub", "/text")


async def test_an_unknown_node_is_refused_by_name(clients: NodeClients) -> None:
    """Calling a node the deployment does not list names the nodes it does."""
    with pytest.raises(UnknownNodeError, match="no node 'police'"):
        await clients.get_json("police", "/health")


async def test_a_client_is_made_once_per_node_and_closed(clients: NodeClients) -> None:
    """The same client serves every call to a node; aclose closes it."""
    client = clients.client("hub")
    assert clients.client("hub") is client
    assert str(client.base_url) == "http://127.0.0.1:8000/hub/"
    await clients.aclose()
    assert client.is_closed


async def test_every_request_is_signed_by_the_calling_node(clients: NodeClients) -> None:
    """The hub receives the portal's id, the date and a signature over what it received."""
    response = await clients.client("hub").post("seen?x=1", json={"body_id": "b"})
    seen = response.json()
    assert (seen["x-node-id"], seen["x-node-date"]) == ("portal", "1767225600")
    assert (seen["raw_path"], seen["query"]) == ("/hub/seen", "x=1")
    sent = NodeRequest("POST", "hub", b"/hub/seen?x=1", "1767225600", b'{"body_id":"b"}')
    assert seen["body_sha256"] == hashlib.sha256(sent.body).hexdigest()
    verify_request(sent, seen["x-node-signature"], public_keys_of(PORTAL_KEY).signing, now=SENT_AT)


async def test_a_streamed_body_is_signed_and_still_sent(clients: NodeClients) -> None:
    """A body given as chunks is read once to sign it, and the target still gets all of it."""

    async def chunks() -> AsyncIterator[bytes]:
        yield b"first,"
        yield b"second"

    seen = (await clients.client("hub").post("seen", content=chunks())).json()
    sent = NodeRequest("POST", "hub", b"/hub/seen", "1767225600", b"first,second")
    assert seen["body_sha256"] == hashlib.sha256(sent.body).hexdigest()
    verify_request(sent, seen["x-node-signature"], public_keys_of(PORTAL_KEY).signing, now=SENT_AT)


async def test_clients_that_are_no_node_send_unsigned_requests(tmp_path: Path) -> None:
    """Without a node id and key (the command line), no signature headers are sent."""
    clients = NodeClients(_deployment(), load_settings(home=tmp_path), in_process={"hub": _hub()})
    try:
        seen = (await clients.client("hub").post("seen", json={})).json()
    finally:
        await clients.aclose()
    assert [seen[name] for name in _SIGNATURE_HEADERS] == ["", "", ""]


def test_a_node_id_without_a_key_is_refused(tmp_path: Path) -> None:
    """Half an identity is a mistake: a node id needs the key that proves it."""
    with pytest.raises(ConfigurationError, match="both its node_id and its key"):
        NodeClients(_deployment(), load_settings(home=tmp_path), node_id="portal")


def _self_signed(directory: Path) -> tuple[Path, Path]:
    """Write a self-signed certificate and its key for 127.0.0.1, as a deployment CA would."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mynumber test node")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "node.pem", directory / "node.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def test_remote_calls_verify_against_the_deployment_ca_with_this_nodes_cert(
    tmp_path: Path,
) -> None:
    """The TLS context trusts the deployment's CA, checks host names and carries a client cert."""
    cert_file, key_file = _self_signed(tmp_path)
    settings = load_settings(
        home=tmp_path, tls_ca_file=cert_file, tls_cert_file=cert_file, tls_key_file=key_file
    )
    context = client_tls_context(settings)
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname
    assert [entry["subject"] for entry in context.get_ca_certs()] == [
        ((("commonName", "mynumber test node"),),)
    ]


def test_unreadable_tls_files_are_a_configuration_error(tmp_path: Path) -> None:
    """A CA file that does not exist is refused, naming the settings to fix."""
    settings = load_settings(home=tmp_path, tls_ca_file=tmp_path / "missing-ca.pem")
    with pytest.raises(ConfigurationError, match="MYNUMBER_TLS_CA_FILE"):
        client_tls_context(settings)
