"""How one node calls the others: an ``httpx.AsyncClient`` per target node.

A target served by the same process (the embedded default, ``mynumber serve`` without
``--node``) is called through :class:`httpx.ASGITransport`, straight into its app, with the same
URL, path and root path as over the network. Any other target is called over real HTTP(S) at its
``base_url``, verifying its certificate against the deployment's CA and presenting this node's
certificate when the settings name them. Every failure becomes :class:`NodeUnavailable` naming the
node.
"""

import ssl
from collections.abc import Mapping
from typing import Any

import httpx
from starlette.types import ASGIApp

from mynumber.deployment import Deployment, NodeSpec
from mynumber.nodes.exceptions import NodeUnavailable
from mynumber.settings import ConfigurationError, Settings


class NodeClients:
    """The clients one node uses to call the nodes of its deployment, made on first use.

    ``in_process`` maps node ids to the apps this process serves; it is read when a client is
    first made, so a host may fill it after handing it over. Close with :meth:`aclose`.
    """

    def __init__(
        self,
        deployment: Deployment,
        settings: Settings,
        *,
        in_process: Mapping[str, ASGIApp] | None = None,
    ) -> None:
        """Prepare clients for ``deployment``'s nodes; nothing is opened yet."""
        self._deployment = deployment
        self._settings = settings
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
        # Node-to-node traffic goes straight to the base URL, never through a proxy from the
        # environment: trust_env=False.
        app = self._in_process.get(spec.id)
        if app is not None:
            transport = httpx.ASGITransport(
                app=app, raise_app_exceptions=False, root_path=spec.path
            )
            return httpx.AsyncClient(
                transport=transport, base_url=spec.base_url, timeout=timeout, trust_env=False
            )
        return httpx.AsyncClient(
            base_url=spec.base_url, timeout=timeout, verify=self._verify(), trust_env=False
        )

    def _verify(self) -> ssl.SSLContext | bool:
        """Return the TLS configuration for remote nodes, built once from the settings."""
        if not self._settings.tls_verify:
            return False
        if self._tls is None:
            self._tls = client_tls_context(self._settings)
        return self._tls


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
