"""One ASGI app that serves several nodes, each mounted at the path of its ``base_url``.

``mynumber serve`` serves every node of the deployment this way in one process (the embedded
default, where nodes call each other in-process), or a single node with ``--node`` (which calls
the others over the network). Either way a node answers at the same URL paths.
"""

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import FastAPI

from mynumber.deployment import NodeSpec
from mynumber.nodes.app import create_node_app
from mynumber.nodes.client import NodeClients
from mynumber.nodes.directory import OpenDeployment
from mynumber.nodes.problems import install_problem_handlers
from mynumber.settings import ConfigurationError, Settings

if TYPE_CHECKING:
    from starlette.types import ASGIApp


def create_host_app(opened: OpenDeployment, settings: Settings) -> FastAPI:
    """Serve every node opened in ``opened`` from one app; calls between them stay in-process.

    Starting the host starts every node (each claims its database); stopping it stops them all,
    disposing of their engines. ``GET /`` lists the nodes served and where.
    """
    specs = opened.specs()
    _refuse_shared_paths(specs)
    in_process: dict[str, ASGIApp] = {}
    apps: list[tuple[NodeSpec, FastAPI]] = []
    for spec in specs:
        clients = NodeClients(
            opened.deployment,
            settings,
            node_id=spec.id,
            signing_key=opened.keys[spec.id].node_signing,
            in_process=in_process,
        )
        app = create_node_app(
            spec, opened.deployment, opened.keys[spec.id], settings=settings, clients=clients
        )
        in_process[spec.id] = app
        apps.append((spec, app))
    host = FastAPI(
        title="mynumber",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        lifespan=_lifespan([app for _, app in apps]),
    )
    install_problem_handlers(host)
    if all(spec.path for spec in specs):
        index = {"nodes": [{"id": s.id, "kind": s.kind, "path": s.path} for s in specs]}
        host.add_api_route("/", lambda: index, methods=["GET"], summary="The nodes served here")
    # Longest paths first, so a node at "/" never hides one at "/institutions/x".
    for spec, app in sorted(apps, key=lambda entry: len(entry[0].path), reverse=True):
        host.mount(spec.path, app, name=spec.id)
    return host


def _refuse_shared_paths(specs: Sequence[NodeSpec]) -> None:
    """Refuse two nodes that would answer at the same path of one server."""
    owners: dict[str, str] = {}
    for spec in specs:
        if spec.path in owners:
            msg = (
                f"nodes '{owners[spec.path]}' and '{spec.id}' both answer at path "
                f"'{spec.path or '/'}'; serve them separately with `mynumber serve --node ID`"
            )
            raise ConfigurationError(msg)
        owners[spec.path] = spec.id


def _lifespan(apps: Sequence[FastAPI]) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Run every node's own lifespan inside the host's: mounted apps get none of their own."""

    @asynccontextmanager
    async def lifespan(_host: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            for app in apps:
                await stack.enter_async_context(app.router.lifespan_context(app))
            yield

    return lifespan
