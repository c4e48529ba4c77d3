"""How one node calls the others: an ``httpx.AsyncClient`` per target node.

A target served by the same process (the embedded default, ``mynumber serve`` without
``--node``) is called through :class:`httpx.ASGITransport`, straight into its app, with the same
URL, path and root path as over the network. Any other target is called over real HTTP(S) at its
``base_url``, verifying its certificate against the deployment's CA and presenting this node's
certificate when the settings name them. Every failure becomes :class:`NodeUnavailable` naming the
node.

Every request a node sends, in-process or over the network, is signed with its
``node-signing.key`` (:mod:`mynumber.nodes.signatures`) by an httpx request hook, so the target
knows which node calls (:mod:`mynumber.nodes.callers`).
"""

import ssl
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from starlette.types import ASGIApp

from mynumber.deployment import Deployment, NodeSpec
from mynumber.nodes.exceptions import NodeUnavailable
from mynumber.nodes.signatures import NodeRequest, format_date, signature_headers
from mynumber.settings import ConfigurationError, Settings

#: A request hook of an ``httpx.AsyncClient``.
RequestHook = Callable[[httpx.Request], Awaitable[None]]
#: Seconds a node keeps an idle connection to another node. ``mynumber serve`` closes a
#: connection idle for :data:`SERVER_KEEP_ALIVE` seconds; a client that reused one that long idle
#: could send a request just as the server closes it, and the request would be lost. The client
#: lets go well before.
CLIENT_KEEP_ALIVE = 2.0
#: Seconds ``mynumber serve`` keeps an idle connection open.
SERVER_KEEP_ALIVE = 15


class NodeClients:
    """The clients one node uses to call the nodes of its deployment, made on first use.

    ``node_id`` is the calling node and ``signing_key`` its ``node-signing.key``: every request
    is signed with it. Without them (the command line, which is no node) requests go unsigned,
    and a route that answers nodes only refuses them. ``clock`` gives the unix time a request is
    dated with. ``in_process`` maps node ids to the apps this process serves; it is read when a
    client is first made, so a host may fill it after handing it over. Close with
    :meth:`aclose`.
    """

    def __init__(  # noqa: PLR0913 -- who calls, with which key and clock, and how it reaches whom
        self,
        deployment: Deployment,
        settings: Settings,
        *,
        node_id: str | None = None,
        signing_key: Ed25519PrivateKey | None = None,
        in_process: Mapping[str, ASGIApp] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Prepare clients for ``deployment``'s nodes; nothing is opened yet."""
        if (node_id is None) != (signing_key is None):
            msg = "a node signs its requests: give NodeClients both its node_id and its key"
            raise ConfigurationError(msg)
        self._deployment = deployment
        self._settings = settings
        self._signer: tuple[str, Ed25519PrivateKey] | None = (
            (node_id, signing_key) if node_id is not None and signing_key is not None else None
        )
        self._clock = clock
        self._in_process: Mapping[str, ASGIApp] = {} if in_process is None else in_process
        self._clients: dict[str, httpx.AsyncClient] = {}
        self._tls: ssl.SSLContext | None = None

    def client(self, node_id: str) -> httpx.AsyncClient:
        """Return the client for ``node_id``, whose base URL is that node's ``base_url``."""
        if node_id not in self._clients:
            self._clients[node_id] = self._open(self._deployment.node(node_id))
        return self._clients[node_id]

    def is_in_process(self, node_id: str) -> bool:
        """Tell whether calls to ``node_id`` stay inside this process."""
        return node_id in self._in_process

    async def get_json(self, node_id: str, path: str) -> Any:  # noqa: ANN401 -- any JSON value
        """GET ``path`` (relative to the node's base URL) and return the decoded JSON body.

        A network failure, a status other than 2xx, or a body that is not JSON raises
        :class:`NodeUnavailable`; for an error status its problem ``detail`` is kept.
        """
        try:
            response = await self.client(node_id).get(path.lstrip("/"))
        except httpx.HTTPError as exc:
            raise NodeUnavailable(node_id, _describe(exc)) from exc
        if not response.is_success:
            raise NodeUnavailable(
                node_id,
                f"{path} answered {response.status_code}: {_problem_detail(response)}",
                status=response.status_code,
            )
        try:
            return response.json()
        except ValueError as exc:
            raise NodeUnavailable(node_id, f"{path} did not answer JSON") from exc

    async def aclose(self) -> None:
        """Close every client made so far."""
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()

    def _open(self, spec: NodeSpec) -> httpx.AsyncClient:
        """Make the client for one node: in-process when its app is here, else over the network."""
        timeout = httpx.Timeout(self._settings.node_timeout)
        hooks = {}
        if self._signer is not None:
            hooks["request"] = [_signing_hook(*self._signer, target=spec.id, clock=self._clock)]
        # Node-to-node traffic goes straight to the base URL, never through a proxy from the
        # environment: trust_env=False.
        app = self._in_process.get(spec.id)
        if app is not None:
            transport = httpx.ASGITransport(
                app=app, raise_app_exceptions=False, root_path=spec.path
            )
            return httpx.AsyncClient(
                transport=transport,
                base_url=spec.base_url,
                timeout=timeout,
                trust_env=False,
                event_hooks=hooks,
            )
        return httpx.AsyncClient(
            base_url=spec.base_url,
            timeout=timeout,
            limits=httpx.Limits(keepalive_expiry=CLIENT_KEEP_ALIVE),
            verify=self._verify(),
            trust_env=False,
            event_hooks=hooks,
        )

    def _verify(self) -> ssl.SSLContext | bool:
        """Return the TLS configuration for remote nodes, built once from the settings."""
        if not self._settings.tls_verify:
            return False
        if self._tls is None:
            self._tls = client_tls_context(self._settings)
        return self._tls


def _signing_hook(
    node_id: str, key: Ed25519PrivateKey, *, target: str, clock: Callable[[], float]
) -> RequestHook:
    """Return the hook that signs, as node ``node_id``, each request to the node ``target``."""

    async def sign(request: httpx.Request) -> None:
        body = await request.aread()
        sent = NodeRequest(
            method=request.method,
            target=target,
            path=request.url.raw_path,
            date=format_date(clock()),
            body=body,
        )
        request.headers.update(signature_headers(node_id, sent, key))

    return sign


def client_tls_context(settings: Settings) -> ssl.SSLContext:
    """Build the TLS context a node uses to call others: the deployment's CA, this node's cert."""
    cafile = settings.tls_ca_file
    try:
        context = ssl.create_default_context(cafile=None if cafile is None else str(cafile))
        if settings.tls_cert_file is not None and settings.tls_key_file is not None:
            context.load_cert_chain(settings.tls_cert_file, settings.tls_key_file)
    except (OSError, ssl.SSLError) as exc:
        msg = (
            f"cannot load the TLS files named by MYNUMBER_TLS_CA_FILE, MYNUMBER_TLS_CERT_FILE "
            f"and MYNUMBER_TLS_KEY_FILE ({exc}); check the paths and that they hold PEM"
        )
        raise ConfigurationError(msg) from exc
    return context


def _describe(exc: httpx.HTTPError) -> str:
    """Say in a few words why a request did not get an answer."""
    if isinstance(exc, httpx.TimeoutException):
        return "it did not answer in time"
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect ({exc})"
    return f"the request failed ({type(exc).__name__}: {exc})"


def _problem_detail(response: httpx.Response) -> str:
    """Return the ``detail`` of a problem details body, or the reason phrase."""
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase
    detail = body.get("detail") if isinstance(body, dict) else None
    return detail if isinstance(detail, str) else response.reason_phrase
