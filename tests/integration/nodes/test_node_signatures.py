"""Nodes prove who they are: the hub issues codes to the registry's signed requests only."""

import time
from collections.abc import AsyncIterator
from dataclasses import replace
from http import HTTPStatus
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from sqlalchemy import func, select
from starlette.routing import Mount

from mynumber.deployment import NodeKind, deployment_file, read_deployment, render_deployment
from mynumber.keys import KeyRefusedError, public_keys_of
from mynumber.network.models import InstitutionCode
from mynumber.nodes.app import create_node_app
from mynumber.nodes.client import NodeClients
from mynumber.nodes.context import NodeContext
from mynumber.nodes.directory import OpenDeployment, open_deployment
from mynumber.nodes.problems import PROBLEM_MEDIA_TYPE
from mynumber.nodes.signatures import NodeRequest, format_date, signature_headers
from mynumber.numbers import resident_code
from mynumber.settings import Settings
from mynumber.storage import unit_of_work

pytestmark = pytest.mark.anyio

CITY = {
    "id": "city-office-131016",
    "corporate_number": "9000020999013",
    "name_ja": "東雲台市役所",
    "name_en": "Shinonomedai City Office",
    "kind": "city-office",
    "tasks": ["city-office:resident-tax"],
}
PERSON = "0000000007" + resident_code.calc_check_digit("0000000007")
FORM = {"resident_record_code": PERSON, "body_id": CITY["id"]}


def _node_app(host_app: FastAPI, node_id: str) -> FastAPI:
    """Return the app of the node ``node_id`` mounted in ``host_app``."""
    for route in host_app.routes:
        if isinstance(route, Mount) and route.name == node_id and isinstance(route.app, FastAPI):
            return route.app
    raise LookupError(node_id)  # pragma: no cover -- every node is mounted


def _node(host_app: FastAPI, node_id: str) -> NodeContext:
    """Return the context of the node ``node_id`` mounted in ``host_app``."""
    context: NodeContext = _node_app(host_app, node_id).state.node
    return context


def _codes_issued(host_app: FastAPI) -> int:
    """Return how many per-body codes the hub has recorded."""
    with unit_of_work(_node(host_app, "hub").sessions) as session:
        return session.scalar(select(func.count()).select_from(InstitutionCode)) or 0


@pytest.fixture
async def hub_with_city(host: httpx.AsyncClient) -> httpx.AsyncClient:
    """Return the host's client once the hub has the city office registered."""
    response = await host.post("/hub/api/bodies", json=CITY, headers={"X-Operator": "Ito"})
    assert response.status_code == HTTPStatus.CREATED, response.text
    return host


def _refusal(response: httpx.Response, status: int, problem: str) -> dict[str, Any]:
    """Check that ``response`` is the problem ``problem`` with ``status``; return its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body: dict[str, Any] = response.json()
    assert body["type"] == f"tag:mynumber,2026:problem:{problem}"
    assert body["instance"] == "/hub/api/codes"
    return body


async def test_the_registry_nodes_client_has_codes_issued(
    host_app: FastAPI, hub_with_city: httpx.AsyncClient
) -> None:
    """In-process, to the hub mounted at /hub, the registry's signed request is answered."""
    del hub_with_city
    hub = _node(host_app, "registry").clients.client("hub")
    first = await hub.post("api/codes", json=FORM)
    assert first.status_code == HTTPStatus.OK, first.text
    assert first.json()["body_id"] == CITY["id"]
    assert (await hub.post("api/codes", json=FORM)).json() == first.json()
    assert _codes_issued(host_app) == 1


async def test_a_request_signed_as_sent_over_the_network_is_answered(
    host_app: FastAPI, hub_with_city: httpx.AsyncClient, opened: OpenDeployment
) -> None:
    """Through the host's own routing to the mount, as uvicorn delivers it, the path still fits."""
    body = httpx.Request("POST", "http://h", json=FORM).content
    sent = NodeRequest("POST", "hub", b"/hub/api/codes", format_date(time.time()), body)
    headers = signature_headers("registry", sent, opened.keys["registry"].node_signing)
    headers["content-type"] = "application/json"
    response = await hub_with_city.post("/hub/api/codes", content=body, headers=headers)
    assert response.status_code == HTTPStatus.OK, response.text
    assert _codes_issued(host_app) == 1


async def test_an_unsigned_request_naming_the_registry_is_refused(
    host_app: FastAPI, hub_with_city: httpx.AsyncClient
) -> None:
    """X-Node-Id alone proves nothing: 401 as a problem, saying what is missing; no code."""
    response = await hub_with_city.post(
        "/hub/api/codes", json=FORM, headers={"X-Node-Id": "registry"}
    )
    body = _refusal(response, HTTPStatus.UNAUTHORIZED, "node-signature-refused")
    assert "needs the X-Node-Id, X-Node-Date and X-Node-Signature headers" in body["detail"]
    assert _codes_issued(host_app) == 0


async def test_a_request_signed_by_an_institution_is_refused(
    host_app: FastAPI, hub_with_city: httpx.AsyncClient
) -> None:
    """An institution proves who it is, but codes are the registry's to ask for: 403, no code."""
    del hub_with_city
    hub = _node(host_app, "city-office").clients.client("hub")
    response = await hub.post("api/codes", json=FORM)
    body = _refusal(response, HTTPStatus.FORBIDDEN, "calling-node-refused")
    assert body["detail"] == (
        "node 'city-office' (institution) may not POST /hub/api/codes: only registry nodes may"
    )
    assert _codes_issued(host_app) == 0


async def test_a_request_signed_with_a_key_the_deployment_does_not_list_is_refused(
    host_app: FastAPI, hub_with_city: httpx.AsyncClient, opened: OpenDeployment
) -> None:
    """Naming the registry but signing with the portal's key fails the signature: 401."""
    body = httpx.Request("POST", "http://h", json=FORM).content
    sent = NodeRequest("POST", "hub", b"/hub/api/codes", format_date(time.time()), body)
    headers = signature_headers("registry", sent, opened.keys["portal"].node_signing)
    headers["content-type"] = "application/json"
    response = await hub_with_city.post("/hub/api/codes", content=body, headers=headers)
    detail = _refusal(response, HTTPStatus.UNAUTHORIZED, "node-signature-refused")["detail"]
    assert detail.startswith("the signature does not match this request as 'hub' received it")
    assert _codes_issued(host_app) == 0


async def test_a_request_replayed_ten_minutes_later_is_refused(
    host_app: FastAPI, hub_with_city: httpx.AsyncClient, opened: OpenDeployment, settings: Settings
) -> None:
    """A request the registry signed ten minutes ago is stale now: 401, and no code."""
    del hub_with_city
    clients = NodeClients(
        opened.deployment,
        settings,
        node_id="registry",
        signing_key=opened.keys["registry"].node_signing,
        in_process={"hub": _node_app(host_app, "hub")},
        clock=lambda: time.time() - 600,
    )
    try:
        response = await clients.client("hub").post("api/codes", json=FORM)
    finally:
        await clients.aclose()
    detail = _refusal(response, HTTPStatus.UNAUTHORIZED, "node-signature-refused")["detail"]
    assert "seconds behind the receiving node's clock" in detail
    assert "an old request cannot be replayed" in detail
    assert _codes_issued(host_app) == 0


@pytest.fixture
async def lone_hub(opened: OpenDeployment, settings: Settings) -> AsyncIterator[FastAPI]:
    """Start the hub alone as the whole of its host (base_url without a path), not mounted."""
    deployment = opened.deployment
    spec = replace(deployment.node("hub"), base_url="http://hub.example")
    alone = replace(deployment, nodes=(spec, *deployment.of_kind(NodeKind.REGISTRY)))
    app = create_node_app(spec, alone, opened.keys["hub"], settings=settings)
    async with app.router.lifespan_context(app):
        yield app


async def test_a_direct_call_to_a_node_that_owns_its_host_is_answered(
    lone_hub: FastAPI, opened: OpenDeployment, settings: Settings
) -> None:
    """With the hub at the root of its host, the registry signs /api/codes and it verifies."""
    deployment = lone_hub.state.node.deployment
    operator = httpx.ASGITransport(app=lone_hub)
    async with httpx.AsyncClient(transport=operator, base_url="http://hub.example") as client:
        registered = await client.post("/api/bodies", json=CITY, headers={"X-Operator": "Ito"})
    assert registered.status_code == HTTPStatus.CREATED, registered.text
    clients = NodeClients(
        deployment,
        settings,
        node_id="registry",
        signing_key=opened.keys["registry"].node_signing,
        in_process={"hub": lone_hub},
    )
    try:
        response = await clients.client("hub").post("api/codes", json=FORM)
    finally:
        await clients.aclose()
    assert response.status_code == HTTPStatus.OK, response.text
    assert response.request.url.raw_path == b"/api/codes"


def test_init_lists_the_public_halves_of_the_keys_it_made(opened: OpenDeployment) -> None:
    """deployment.toml names each node by its own signing key, and oversight's sealing key."""
    for spec in opened.deployment.nodes:
        assert (spec.public_key, spec.sealing_key) == (
            opened.keys[spec.id].public.signing,
            opened.keys[spec.id].public.sealing,
        )
    assert opened.deployment.node("oversight").sealing_key is not None


def test_a_node_whose_key_is_not_the_one_listed_is_refused(settings: Settings) -> None:
    """A hub whose key differs from deployment.toml is refused when opened, naming the file."""
    home = settings.home
    deployment = read_deployment(home)
    stranger = public_keys_of(Ed25519PrivateKey.generate()).signing
    nodes = tuple(
        replace(spec, public_key=stranger) if spec.id == "hub" else spec
        for spec in deployment.nodes
    )
    deployment_file(home).write_text(
        render_deployment(replace(deployment, nodes=nodes)), encoding="utf-8"
    )
    with pytest.raises(
        KeyRefusedError,
        match=r"keys/hub/node-signing.key: this key does not match the public_key of node 'hub'",
    ):
        open_deployment(settings)
    assert list(open_deployment(settings, ["portal"]).keys) == ["portal"]
