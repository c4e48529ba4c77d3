"""The commands that make and run a deployment: ``init``, ``db upgrade``, ``serve`` and ``demo``.

The deployment directory comes from ``--dir`` or ``MYNUMBER_HOME``. Every failure is a
:class:`~mynumber.errors.MyNumberError`, which ``mynumber``'s entry point prints as one line.
"""

import asyncio
import contextlib
import socket
import ssl
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from fastapi import FastAPI

from mynumber.cli.demo_bodies import ensure_demo_bodies
from mynumber.cli.demo_cards import DEMO_PINS, ensure_demo_cards
from mynumber.cli.demo_flows import run_demo_flows
from mynumber.cli.output import JSON_OPTION, emit
from mynumber.cli.register import run_batch
from mynumber.deployment import DEFAULT_INSTITUTIONS, Deployment, NodeSpec
from mynumber.nodes.client import SERVER_KEEP_ALIVE
from mynumber.nodes.directory import (
    check_databases,
    ensure_demo_deployment,
    init_deployment,
    open_deployment,
    upgrade_databases,
)
from mynumber.nodes.host import create_host_app
from mynumber.register.models import EventKind
from mynumber.register.municipalities import municipality_name
from mynumber.register.synth import synthesize
from mynumber.settings import ConfigurationError, Settings, load_settings

#: The demo's town: 千代田区, Tokyo, and how many residents it gets by default.
DEMO_MUNICIPALITY = "131016"
DEMO_RESIDENTS = 10_000

DirOption = Annotated[
    Path | None,
    typer.Option("--dir", help="The deployment directory [default: $MYNUMBER_HOME]."),
]
NodeOption = Annotated[
    str | None, typer.Option("--node", help="Only this node (its id in deployment.toml).")
]
HostOption = Annotated[
    str | None, typer.Option("--host", help="Address to listen on [default: 127.0.0.1].")
]
PortOption = Annotated[
    int | None, typer.Option("--port", help="Port to listen on [default: 8000].")
]
JsonOption = Annotated[bool, JSON_OPTION]


def register(app: typer.Typer) -> None:
    """Add ``init``, ``serve``, ``demo`` and the ``db`` group to ``app``."""
    app.command("init")(init)
    app.command("serve")(serve)
    app.command("demo")(demo)
    db = typer.Typer(help="The nodes' own databases.", no_args_is_help=True)
    db.command("upgrade")(db_upgrade)
    app.add_typer(db, name="db")


def init(
    directory: Annotated[Path, typer.Argument(help="Where to create the deployment.")],
    demo: Annotated[bool, typer.Option("--demo", help="Mark it as a demo deployment.")] = False,
    database_url_template: Annotated[
        str | None,
        typer.Option(
            "--database-url-template",
            help="Database URL of each node, {node} standing for its id, e.g. "
            "postgresql://mynumber@db.example/{node} [default: an SQLite file per node].",
        ),
    ] = None,
    institutions: Annotated[
        list[str] | None,
        typer.Option(
            "--institution",
            help="An institution node, by the id of the body it serves (repeat for each) "
            "[default: city-office and tax-office].",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Create a deployment directory: every node's keys (mode 0600) and deployment.toml."""
    deployment = init_deployment(
        directory,
        demo=demo,
        database_url_template=database_url_template,
        institutions=tuple(institutions) if institutions else DEFAULT_INSTITUTIONS,
    )
    lines = [f"created the {'demo ' if demo else ''}deployment {directory}:"]
    lines += [_describe(spec) for spec in deployment.nodes]
    lines.append(f"next: mynumber db upgrade --dir {directory}")
    emit(
        {"home": str(directory.resolve()), **_as_data(deployment)},
        as_json=as_json,
        text="\n".join(lines),
    )


def db_upgrade(
    directory: DirOption = None, node: NodeOption = None, as_json: JsonOption = False
) -> None:
    """Migrate every node's database (or one with --node) to its head and claim it for the node."""
    settings = load_settings(home=directory)
    opened = open_deployment(settings, None if node is None else [node])
    migrated = upgrade_databases(opened)
    emit(
        {
            "nodes": [
                {
                    "id": entry.spec.id,
                    "kind": entry.spec.kind,
                    "migration_head": entry.migration_head,
                }
                for entry in migrated
            ]
        },
        as_json=as_json,
        text="\n".join(f"{entry.spec.id}: at {entry.migration_head}" for entry in migrated),
    )


def serve(
    directory: DirOption = None,
    node: NodeOption = None,
    host: HostOption = None,
    port: PortOption = None,
) -> None:
    """Serve every node of the deployment in one process, or only one with --node."""
    settings = load_settings(home=directory, node=node, host=host, port=port)
    opened = open_deployment(settings, None if settings.node is None else [settings.node])
    check_databases(opened)
    _run(create_host_app(opened, settings), settings, opened.specs())


def demo(
    directory: DirOption = None,
    host: HostOption = None,
    port: PortOption = None,
    residents: Annotated[
        int, typer.Option("--residents", min=0, help="Residents of the synthetic town.")
    ] = DEMO_RESIDENTS,
    serve_nodes: Annotated[
        bool,
        typer.Option(
            "--serve/--no-serve", help="Serve the nodes once ready, or stop after the flows."
        ),
    ] = True,
) -> None:
    """Run the demo: on first use create it, a synthetic town, cards, bodies and the flows."""
    settings = load_settings(home=directory, demo=True, host=host, port=port)
    _, created = ensure_demo_deployment(settings.home)
    opened = open_deployment(settings)
    upgrade_databases(opened)
    typer.echo(f"{'created' if created else 'using'} the demo deployment {settings.home}")
    # Run on every start: a town interrupted the first time is completed, a whole one skipped.
    town = synthesize(residents, DEMO_MUNICIPALITY, seed=0)
    name = f"demo-town-{DEMO_MUNICIPALITY}-{residents}"
    _, done = run_batch(settings, name, town, residents, EventKind.BIRTH, quiet=False)
    typer.echo(f"the town {municipality_name(DEMO_MUNICIPALITY)} has {done:,} residents")
    cards = ensure_demo_cards(settings)
    if cards:
        pins = ", ".join(f"{kind} {pin}" for kind, pin in DEMO_PINS.items())
        typer.echo(f"{len(cards)} demo cards in {cards[0].parent} (demo PINs: {pins})")
    bodies = ensure_demo_bodies(settings)
    if bodies:
        typer.echo(f"{len(bodies)} bodies on the hub; their API keys in {bodies[0].parent}")
    for line in asyncio.run(run_demo_flows(opened, settings)):
        typer.echo(f"flow: {line}")
    if serve_nodes:
        _run(create_host_app(opened, settings), settings, opened.specs())


def _run(app: FastAPI, settings: Settings, specs: tuple[NodeSpec, ...]) -> None:
    """Listen on the settings' address, print each node's URL, and serve until interrupted."""
    listener = _listen(settings.host, settings.port)
    scheme = "https" if settings.tls_cert_file else "http"
    host, port = listener.getsockname()[:2]
    for spec in specs:
        typer.echo(f"{spec.id} ({spec.kind}): {scheme}://{_netloc(host, port)}{spec.path}/")
    config = uvicorn.Config(
        app,
        log_level=settings.log_level,
        lifespan="on",
        timeout_keep_alive=SERVER_KEEP_ALIVE,
        ssl_certfile=settings.tls_cert_file,
        ssl_keyfile=settings.tls_key_file,
        ssl_ca_certs=settings.tls_ca_file if settings.tls_cert_file else None,
        ssl_cert_reqs=ssl.CERT_REQUIRED
        if settings.tls_cert_file and settings.tls_ca_file
        else ssl.CERT_NONE,
    )
    server = uvicorn.Server(config)
    with listener, contextlib.suppress(KeyboardInterrupt):
        # uvicorn shuts down gracefully on Ctrl-C, then raises the signal again: that is a
        # normal stop, not a failure.
        server.run(sockets=[listener])
    if not server.started:
        msg = "the server did not start; see the messages above"
        raise ConfigurationError(msg)


def _listen(host: str, port: int) -> socket.socket:
    """Bind the listening socket ourselves, so a busy port is a one-line error.

    The socket is made with the protocol named (``IPPROTO_TCP``): asyncio turns Nagle's algorithm
    off (``TCP_NODELAY``) only on connections of such a socket, and without that every response
    after the first on a keep-alive connection waits for the client's delayed ACK (about 40 ms).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen()
    except OSError as exc:
        listener.close()
        msg = f"cannot listen on {_netloc(host, port)} ({exc.strerror}); choose another --port"
        raise ConfigurationError(msg) from exc
    return listener


def _netloc(host: str, port: int) -> str:
    """Return ``host:port``, bracketing an IPv6 address."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _describe(spec: NodeSpec) -> str:
    """Describe one node in a line: id, kind, address, database."""
    return f"  {spec.id} ({spec.kind}) at {spec.base_url}, database {spec.database_url}"


def _as_data(deployment: Deployment) -> dict[str, object]:
    """Return the deployment as JSON-ready data."""
    return {
        "demo": deployment.demo,
        "nodes": [
            {
                "id": spec.id,
                "kind": spec.kind,
                "base_url": spec.base_url,
                "database_url": spec.database_url,
            }
            for spec in deployment.nodes
        ],
    }
