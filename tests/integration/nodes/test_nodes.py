"""Every node serves /health and /version on its own database; oversight sees them all."""

import socket
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from starlette.routing import Mount

from mynumber import __version__
from mynumber.deployment import DEFAULT_BASE_URL, NodeKind, deployment_file, render_deployment
from mynumber.keys import create_node_keys, load_node_keys
from mynumber.nodes.app import create_node_app
from mynumber.nodes.directory import (
    OpenDeployment,
    init_deployment,
    open_deployment,
    upgrade_databases,
)
from mynumber.nodes.host import create_host_app
from mynumber.nodes.problems import PROBLEM_MEDIA_TYPE
from mynumber.settings import ConfigurationError, Settings, load_settings
from mynumber.storage import FieldKeyMismatchError

pytestmark = pytest.mark.anyio

NODE_PATHS = {
    "registry": "/registry",
    "hub": "/hub",
    "portal": "/portal",
    "oversight": "/oversight",
    "city-office": "/institutions/city-office",
    "tax-office": "/institutions/tax-office",
}


@pytest.mark.parametrize(("node_id", "path"), NODE_PATHS.items())
async def test_every_node_answers_health_and_version(
    host: httpx.AsyncClient, node_id: str, path: str
) -> None:
    """Each node, at the path of its base_url, queries its own migrated database."""
    health = await host.get(f"{path}/health")
    assert health.status_code == 200
    assert health.json()["node"] == node_id
    version = (await host.get(f"{path}/version")).json()
    kind = "institution" if path.startswith("/institutions/") else node_id
    assert version == {
        "version": __version__,
        "node": node_id,
        "kind": kind,
        "migration_head": health.json()["migration_head"],
    }
    assert version["migration_head"].startswith(f"{kind}_")


async def test_an_unknown_route_is_a_problem_inside_and_outside_every_node(
    host: httpx.AsyncClient,
) -> None:
    """A 404 inside a node's path and one outside all nodes are both problem details."""
    for path in ("/hub/no-such-thing", "/no-such-node/health"):
        response = await host.get(path)
        assert response.status_code == 404
        assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
        assert response.json()["instance"] == path


async def test_the_host_lists_the_nodes_it_serves(host: httpx.AsyncClient) -> None:
    """GET / names every node and its path, so an operator finds them."""
    index = (await host.get("/")).json()
    assert {node["id"]: node["path"] for node in index["nodes"]} == NODE_PATHS


async def test_oversight_sees_every_node_through_the_in_process_client(
    host: httpx.AsyncClient,
) -> None:
    """GET /oversight/nodes calls every node's /health and /version and finds each healthy."""
    report = (await host.get("/oversight/nodes")).json()
    assert report["healthy"] is True
    assert [node["id"] for node in report["nodes"]] == list(NODE_PATHS)
    for node in report["nodes"]:
        assert (node["healthy"], node["in_process"], node["detail"]) == (True, True, None)
        assert node["version"] == __version__
        assert node["migration_head"].startswith(f"{node['kind']}_")


async def test_a_node_without_schema_is_unhealthy_as_a_problem(
    settings: Settings, anyio_backend: str
) -> None:
    """Before `mynumber db upgrade`, /health answers a 503 problem that says to run it."""
    del anyio_backend
    opened = open_deployment(settings, ["portal"])
    spec = opened.deployment.node("portal")
    app = create_node_app(spec, opened.deployment, opened.keys["portal"], settings=settings)
    transport = httpx.ASGITransport(app=app, root_path=spec.path)
    try:
        async with httpx.AsyncClient(transport=transport, base_url=spec.base_url) as client:
            response = await client.get("health")
    finally:
        app.state.node.engine.dispose()
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body = response.json()
    assert body["type"] == "tag:mynumber,2026:problem:node-unhealthy"
    assert body["instance"] == "/portal/health"
    assert "run `mynumber db upgrade --node portal`" in body["detail"]


async def test_a_node_refuses_to_start_on_a_database_claimed_with_other_keys(
    opened: OpenDeployment, settings: Settings, tmp_path: Path, anyio_backend: str
) -> None:
    """Startup claims the database: the hub with another hub's keys does not start."""
    del anyio_backend
    create_node_keys(tmp_path / "other", "hub", NodeKind.HUB)
    stranger = load_node_keys(tmp_path / "other", "hub", NodeKind.HUB, demo_allowed=False)
    keys = {**opened.keys, "hub": stranger}
    app = create_host_app(OpenDeployment(opened.home, opened.deployment, keys), settings)
    with pytest.raises(FieldKeyMismatchError, match="field-encryption key does not match"):
        async with app.router.lifespan_context(app):
            pass  # pragma: no cover -- startup must fail


async def test_stopping_the_host_releases_every_node(
    opened: OpenDeployment, settings: Settings, anyio_backend: str
) -> None:
    """Shutdown disposes of every node's engine and closes its clients to other nodes."""
    del anyio_backend
    app = create_host_app(opened, settings)
    mounted = [route.app for route in app.routes if isinstance(route, Mount)]
    contexts = [node.state.node for node in mounted if isinstance(node, FastAPI)]
    assert len(contexts) == len(NODE_PATHS)
    async with app.router.lifespan_context(app):
        pools = [context.engine.pool for context in contexts]
        clients = [context.clients.client("hub") for context in contexts]
    assert all(
        context.engine.pool is not pool for context, pool in zip(contexts, pools, strict=True)
    )
    assert all(client.is_closed for client in clients)


def test_a_node_refuses_another_nodes_keys(opened: OpenDeployment, settings: Settings) -> None:
    """Handing the hub's keys to the portal is a configuration error, caught before serving."""
    spec = opened.deployment.node("portal")
    with pytest.raises(ConfigurationError, match="keys of node 'hub' were given to node 'portal'"):
        create_node_app(spec, opened.deployment, opened.keys["hub"], settings=settings)


def test_two_nodes_at_one_path_cannot_share_a_host(opened: OpenDeployment) -> None:
    """Nodes at the same path (on different servers) cannot be mounted in one process."""
    nodes = tuple(
        replace(spec, base_url="http://h2/portal") if spec.id == "hub" else spec
        for spec in opened.deployment.nodes
    )
    clash = OpenDeployment(opened.home, replace(opened.deployment, nodes=nodes), opened.keys)
    settings = load_settings(home=opened.home)
    with pytest.raises(
        ConfigurationError, match="'hub' and 'portal' both answer at path '/portal'"
    ):
        create_host_app(clash, settings)


def _closed_port() -> int:
    """Return a 127.0.0.1 port on which nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_oversight_alone_reports_unreachable_nodes_over_real_http(
    tmp_path: Path, anyio_backend: str
) -> None:
    """Served alone, oversight calls the others over the network and reports each one down."""
    del anyio_backend
    home = tmp_path / "split"
    made = init_deployment(home)
    root = f"http://127.0.0.1:{_closed_port()}"
    nodes = tuple(
        replace(spec, base_url=spec.base_url.replace(DEFAULT_BASE_URL, root)) for spec in made.nodes
    )
    deployment_file(home).write_text(
        render_deployment(replace(made, nodes=nodes)), encoding="utf-8"
    )
    settings = load_settings(home=home, node="oversight", node_timeout=5)
    opened = open_deployment(settings, ["oversight"])
    upgrade_databases(opened)
    app = create_host_app(opened, settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            report = (await client.get("/oversight/nodes")).json()
    assert report["healthy"] is False
    by_id = {node["id"]: node for node in report["nodes"]}
    assert (by_id["oversight"]["in_process"], by_id["oversight"]["healthy"]) == (True, True)
    for node_id in ("registry", "hub", "portal", "city-office", "tax-office"):
        node = by_id[node_id]
        assert (node["in_process"], node["healthy"], node["version"]) == (False, False, None)
        assert node["detail"].startswith("cannot connect")
