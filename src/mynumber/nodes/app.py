"""A node: a FastAPI app with its own database, its own keys and its clients to the other nodes.

:func:`create_node_app` is the only way to make one; it keeps everything the node needs in a
:class:`NodeContext` on ``app.state`` (no module-level state), so any number of nodes live side by
side in one process. Routes reach the context through the
:data:`~mynumber.nodes.context.Node` dependency.
"""

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Final

import anyio.to_thread
from fastapi import APIRouter, FastAPI

from mynumber import __version__
from mynumber.cards import api as cards_api
from mynumber.cards import identity_api as cards_identity_api
from mynumber.cards import status_api as cards_status_api
from mynumber.deployment import Deployment, NodeKind, NodeSpec
from mynumber.holdings import api as holdings_api
from mynumber.institution import api as institution_api
from mynumber.keys import NodeKeys
from mynumber.ledger import api as ledger_api
from mynumber.ledger import person_api as ledger_person_api
from mynumber.network import api as network_api
from mynumber.network import collection_api, exchange_api
from mynumber.nodes import routes, status
from mynumber.nodes.client import NodeClients
from mynumber.nodes.context import NodeContext
from mynumber.nodes.problems import install_problem_handlers
from mynumber.oversight import api as oversight_api
from mynumber.oversight import unsealing_api as oversight_unsealing_api
from mynumber.portal import money as portal_money
from mynumber.portal import pages as portal_pages
from mynumber.portal import proxy_pages as portal_proxy_pages
from mynumber.portal import record_pages as portal_record_pages
from mynumber.register import account_links_api as register_account_links_api
from mynumber.register import api as register_api
from mynumber.register import notice_pages as register_notice_pages
from mynumber.register import pages as register_pages
from mynumber.register import portal_api as register_portal_api
from mynumber.register import proxy_api as register_proxy_api
from mynumber.settings import ConfigurationError, Settings
from mynumber.storage import claim_database, create_engine, session_factory

#: The routers each kind of node serves on top of /health and /version.
ROUTERS_BY_KIND: Final[Mapping[NodeKind, tuple[APIRouter, ...]]] = {
    NodeKind.HUB: (
        ledger_api.router,
        ledger_person_api.router,
        network_api.router,
        exchange_api.router,
        collection_api.router,
    ),
    NodeKind.INSTITUTION: (institution_api.router,),
    NodeKind.OVERSIGHT: (status.router, oversight_api.router, oversight_unsealing_api.router),
    NodeKind.PORTAL: (
        portal_pages.router,
        portal_record_pages.router,
        portal_money.router,
        portal_proxy_pages.router,
    ),
    NodeKind.REGISTRY: (
        register_api.router,
        register_pages.router,
        register_notice_pages.router,
        cards_api.router,
        cards_status_api.router,
        cards_identity_api.router,
        register_portal_api.router,
        register_account_links_api.router,
        register_proxy_api.router,
        holdings_api.router,
    ),
}


def create_node_app(
    spec: NodeSpec,
    deployment: Deployment,
    keys: NodeKeys,
    *,
    settings: Settings,
    clients: NodeClients | None = None,
) -> FastAPI:
    """Make the app of node ``spec``, with its keys and its own database engine.

    The engine is opened (lazily: nothing connects yet) on the node's ``database_url`` with its
    field keys. Without ``clients``, every other node is called over the network, each request
    signed with the node's ``node-signing.key``. On startup the node checks that its database is
    its own (:func:`mynumber.storage.claim_database`); on shutdown it closes its clients and
    disposes of its engine.
    """
    if (keys.node_id, keys.kind) != (spec.id, spec.kind):
        msg = f"the keys of node '{keys.node_id}' were given to node '{spec.id}'; load its own"
        raise ConfigurationError(msg)
    engine = create_engine(spec.resolved_database_url(settings.home), keys.field_keys)
    if clients is None:
        clients = NodeClients(deployment, settings, node_id=spec.id, signing_key=keys.node_signing)
    context = NodeContext(
        spec=spec,
        deployment=deployment,
        keys=keys,
        settings=settings,
        engine=engine,
        sessions=session_factory(engine),
        clients=clients,
    )
    app = FastAPI(
        title=f"mynumber {spec.kind} node '{spec.id}'",
        version=__version__,
        lifespan=_lifespan(context),
    )
    app.state.node = context
    install_problem_handlers(app)
    app.include_router(routes.router)
    for router in ROUTERS_BY_KIND.get(spec.kind, ()):
        app.include_router(router)
    return app


def _lifespan(
    context: NodeContext,
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Return the lifespan of a node: claim the database on startup, release everything after."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            await anyio.to_thread.run_sync(
                lambda: claim_database(
                    context.engine, context.spec.id, context.spec.kind, context.keys.field_keys
                )
            )
            yield
        finally:
            await context.clients.aclose()
            context.engine.dispose()

    return lifespan
