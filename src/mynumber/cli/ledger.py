"""``mynumber ledger``: check the exchange ledger end to end, from any copy of the hub's database.

``verify`` reads the hub's database (the deployment's, or ``--database-url`` for a copy anywhere)
and re-checks every entry, every stored tree node and every signed checkpoint
(:mod:`mynumber.ledger.verification`); checkpoints are checked with the hub's public key, from the
deployment's key file or given as a verifier key with ``--key`` (``mynumber ledger key`` prints
it, as does ``GET /api/ledger/key``). A clean ledger prints one summary line; the first fault is
one line naming it ("entry 41: ...") and exit status 1. Long runs report progress on stderr.

``unseal`` is the oversight commission's: it reads one sealed entry from the deployment's hub
database, opens it with the commission's X25519 private key (a PEM file) and prints the body as
JSON -- only on or after the entry's unsealing date, counted in Japan's time zone; there is no
override (:mod:`mynumber.ledger.sealing`).
"""

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from mynumber.cli.output import JSON_OPTION, emit
from mynumber.cli.registry import DirOption
from mynumber.deployment import NodeKind, NodeSpec, read_deployment
from mynumber.keys import KeyRefusedError, NodeKeys
from mynumber.ledger.entries import canonical_json, parse_entry
from mynumber.ledger.notes import Verifier, Verifiers
from mynumber.ledger.sealing import UNSEALING_ZONE, unseal_entry
from mynumber.ledger.services import hub_ledger, log_origin
from mynumber.ledger.verification import LedgerVerifier
from mynumber.nodes.directory import open_deployment
from mynumber.settings import ConfigurationError, load_settings
from mynumber.storage import FieldKeys, create_engine, session_factory, unit_of_work

app = typer.Typer(
    help="The exchange ledger: check it entry by entry, node by node, checkpoint by checkpoint.",
    no_args_is_help=True,
)

DatabaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="A copy of the hub's database to check [default: the deployment's hub database].",
    ),
]
KeyOption = Annotated[
    str | None,
    typer.Option(
        "--key",
        help="The hub's verifier key (NAME+ID+KEY) [default: from the deployment's key file].",
    ),
]
JsonOption = Annotated[bool, JSON_OPTION]
IndexOption = Annotated[int, typer.Option("--index", help="The index of the sealed entry.")]
UnsealKeyOption = Annotated[
    Path,
    typer.Option("--key", help="The oversight commission's X25519 private key (PEM, PKCS#8)."),
]


@dataclass(frozen=True)
class LedgerSource:
    """Where a ledger is read from and whose signatures its checkpoints must carry."""

    database_url: str
    field_keys: FieldKeys
    verifiers: Verifiers
    origin: str


def _hub_of(directory: DirOption) -> tuple[NodeSpec, NodeKeys, str]:
    """Return the deployment's hub, its keys and its database URL."""
    settings = load_settings(home=directory)
    hubs = read_deployment(settings.home).of_kind(NodeKind.HUB)
    if not hubs:
        msg = f"the deployment in {settings.home} has no hub node, so it keeps no ledger"
        raise ConfigurationError(msg)
    keys = open_deployment(settings, [hubs[0].id]).keys[hubs[0].id]
    return hubs[0], keys, hubs[0].resolved_database_url(settings.home)


def ledger_source(directory: DirOption, database_url: str | None, key: str | None) -> LedgerSource:
    """Work out which database to read and which key to trust; a deployment only if needed."""
    if key is not None and database_url is not None:
        # A copy checked on its own: no deployment, and no field keys -- the ledger's tables
        # have no encrypted columns, so throw-away keys are never used.
        return LedgerSource(database_url, FieldKeys.generate(), [key], Verifier.from_vkey(key).name)
    spec, keys, hub_url = _hub_of(directory)
    if key is not None:
        return LedgerSource(hub_url, keys.field_keys, [key], Verifier.from_vkey(key).name)
    if keys.ledger_signing is None:  # pragma: no cover -- load_node_keys reads it for a hub
        msg = f"node '{spec.id}' has no ledger signing key"
        raise ConfigurationError(msg)
    origin = log_origin(spec.base_url)
    verifiers = {origin: keys.ledger_signing.public_key()}
    return LedgerSource(database_url or hub_url, keys.field_keys, verifiers, origin)


def _progress(what: str, done: int, total: int) -> None:
    """Report how far a long pass has come, on standard error."""
    typer.echo(f"mynumber: checked {done:,} of {total:,} {what}", err=True)


@app.command("verify")
def verify(
    directory: DirOption = None,
    database_url: DatabaseUrlOption = None,
    key: KeyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Re-check every entry, tree node and checkpoint; name the first fault and exit 1."""
    source = ledger_source(directory, database_url, key)
    engine = create_engine(source.database_url, source.field_keys)
    try:
        with unit_of_work(session_factory(engine)) as session:
            verifier = LedgerVerifier(
                session, source.verifiers, origin=source.origin, progress=_progress
            )
            report = verifier.verify()
    finally:
        engine.dispose()
    summary = {
        "entries": report.entries,
        "checkpoints": report.checkpoints,
        "root": report.root.hex(),
    }
    text = (
        f"ledger verified: {report.entries} entries, {report.checkpoints} checkpoints, "
        f"root {report.root.hex()}"
    )
    emit(summary, as_json=as_json, text=text)


@app.command("key")
def key(directory: DirOption = None) -> None:
    """Print the hub's verifier key, for checking a copy of the ledger elsewhere (--key)."""
    spec, keys, _ = _hub_of(directory)
    if keys.ledger_signing is None:  # pragma: no cover -- load_node_keys reads it for a hub
        msg = f"node '{spec.id}' has no ledger signing key"
        raise ConfigurationError(msg)
    public = keys.ledger_signing.public_key()
    typer.echo(Verifier.from_public_key(log_origin(spec.base_url), public).vkey())


def _unsealing_key(path: Path) -> X25519PrivateKey:
    """Read the oversight commission's X25519 private key from an unencrypted PEM file."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except OSError as exc:
        msg = f"{path}: cannot read the unsealing key ({exc.strerror or exc})"
        raise KeyRefusedError(msg) from exc
    except (ValueError, TypeError) as exc:
        msg = f"{path}: not an unencrypted PEM private key; give the commission's X25519 key"
        raise KeyRefusedError(msg) from exc
    if not isinstance(key, X25519PrivateKey):
        msg = f"{path}: the unsealing key must be an X25519 key, not {type(key).__name__}"
        raise KeyRefusedError(msg)
    return key


@app.command("unseal")
def unseal(index: IndexOption, key: UnsealKeyOption, directory: DirOption = None) -> None:
    """Print sealed entry N's body as JSON, on or after its unsealing date (oversight only)."""
    private_key = _unsealing_key(key)
    spec, keys, database_url = _hub_of(directory)
    engine = create_engine(database_url, keys.field_keys)
    try:
        with unit_of_work(session_factory(engine)) as session:
            data = bytes(hub_ledger(session, keys, spec.base_url).entry(index).entry)
    finally:
        engine.dispose()
    today = datetime.now(UNSEALING_ZONE).date()
    body = unseal_entry(parse_entry(data), private_key, today=today)
    typer.echo(canonical_json(body).decode("utf-8"))
