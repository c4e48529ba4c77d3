"""``mynumber register``: fill the register of a deployment's registry node in bulk."""

import hashlib
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from mynumber.cli.output import JSON_OPTION, emit
from mynumber.deployment import NodeKind, NodeSpec, read_deployment
from mynumber.nodes.directory import open_deployment
from mynumber.numbers.generator import NumberGenerator
from mynumber.register import batch
from mynumber.register.importing import read_records
from mynumber.register.models import EventKind
from mynumber.register.municipalities import PostalMunicipalities
from mynumber.register.records import ResidentRecord
from mynumber.register.synth import synthesize
from mynumber.settings import ConfigurationError, Settings, load_settings
from mynumber.storage import create_engine, session_factory

app = typer.Typer(
    help="Fill the resident register in bulk: import files, synthetic towns.", no_args_is_help=True
)

DirOption = Annotated[
    Path | None, typer.Option("--dir", help="The deployment directory [default: $MYNUMBER_HOME].")
]
BatchOption = Annotated[
    str | None,
    typer.Option(
        "--batch",
        help="The batch id; run the same batch again to resume it [default: from the input].",
    ),
]


@app.command("synth")
def synth(
    residents: Annotated[
        int, typer.Option("--residents", min=1, help="How many residents.")
    ] = 10_000,
    municipality: Annotated[
        str, typer.Option("--municipality", help="全国地方公共団体コード, 6 digits.")
    ] = "131016",
    seed: Annotated[int, typer.Option("--seed", help="The same seed gives the same people.")] = 0,
    batch_id: BatchOption = None,
    directory: DirOption = None,
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """Register a synthetic town: realistic residents and households, each with a number."""
    name = batch_id or f"synth-{municipality}-{residents}-{seed}"
    records = synthesize(residents, municipality, seed=seed)
    settings = load_settings(home=directory)
    written, done = run_batch(settings, name, records, residents, EventKind.BIRTH, quiet=as_json)
    _report(name, written, done, as_json=as_json)


@app.command("import")
def import_file(
    path: Annotated[
        Path, typer.Argument(help="A CSV (UTF-8, header row) or Parquet file of resident records.")
    ],
    event: Annotated[
        EventKind,
        typer.Option(
            "--event", help="How these residents arrive: birth, move-in, move-in-from-abroad."
        ),
    ] = EventKind.MOVE_IN,
    batch_id: BatchOption = None,
    directory: DirOption = None,
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """Register every resident of a file, each with a new code and number; resumable."""
    name = batch_id or f"import-{_digest(path)}"
    settings = load_settings(home=directory)
    written, done = run_batch(settings, name, read_records(path), None, event, quiet=as_json)
    _report(name, written, done, as_json=as_json)


def run_batch(
    settings: Settings,
    name: str,
    records: Iterable[ResidentRecord],
    total: int | None,
    event: EventKind,
    *,
    quiet: bool,
) -> tuple[int, int]:
    """Issue a batch into the registry's database, with a progress bar on standard error.

    Returns how many residents this run wrote and how many of the batch are on the register.
    """
    opened = open_deployment(settings, [spec.id for spec in _registries(settings.home)])
    spec = opened.specs()[0]
    keys = opened.keys[spec.id]
    if keys.number_authority is None:
        msg = f"node {spec.id!r} has no number-authority key"
        raise ConfigurationError(msg)
    engine = create_engine(spec.resolved_database_url(opened.home), keys.field_keys)
    plan = batch.Batch(name, event, datetime.now(UTC).date(), recorded_by=f"batch {name}")
    issuer = batch.BatchIssuer(
        session_factory(engine), NumberGenerator(keys.number_authority), PostalMunicipalities()
    )
    try:
        with _progress(total, name, quiet=quiet) as report:
            written = issuer.issue(plan, records, progress=report)
        return written, issuer.written(name)
    finally:
        engine.dispose()


def _report(name: str, written: int, done: int, *, as_json: bool) -> None:
    """Say how far the batch is."""
    emit(
        {"batch": name, "written_now": written, "residents": done},
        as_json=as_json,
        text=f"batch {name}: {done:,} residents on the register ({written:,} written now)",
    )


def _registries(home: Path) -> tuple[NodeSpec, ...]:
    """Return the registry node of the deployment at ``home``."""
    return read_deployment(home).of_kind(NodeKind.REGISTRY)


@contextmanager
def _progress(total: int | None, name: str, *, quiet: bool) -> Iterator[Callable[[int], None]]:
    """Show a progress bar on standard error; yield the callback that moves it."""
    if quiet:
        yield batch.no_progress
        return
    with typer.progressbar(length=total or 0, label=f"batch {name}", file=sys.stderr) as bar:
        state = {"shown": 0}

        def report(done: int) -> None:
            bar.update(done - state["shown"])
            state["shown"] = done

        yield report


def _digest(path: Path) -> str:
    """Name a file's batch by its content, so the same file resumes the same batch."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        msg = f"{path}: cannot read the file ({exc.strerror})"
        raise ConfigurationError(msg) from exc
    return digest.hexdigest()[:16]
