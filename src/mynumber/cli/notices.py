"""``mynumber notices``: notices of the number (個人番号通知書) -- open a batch, redirect, print."""

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.orm import Session, sessionmaker

from mynumber.cli.output import JSON_OPTION, emit
from mynumber.cli.registry import ClerkOption, DirOption, open_registry
from mynumber.notices import NoticeError, render_household_notice
from mynumber.private_files import write_private
from mynumber.register.notices import NoticeService
from mynumber.storage import unit_of_work

app = typer.Typer(
    help="Notices of the number: open a batch, file an alternate address, print the PDFs.",
    no_args_is_help=True,
)

#: Households rendered, written and marked printed per transaction.
PRINT_CHUNK = 50

BatchOption = Annotated[int, typer.Option("--batch", help="The notice batch's id.")]
JsonOption = Annotated[bool, JSON_OPTION]
DeadlineOption = Annotated[
    datetime,
    typer.Option(
        "--deadline",
        formats=["%Y-%m-%d"],
        help="The last day residents may ask for their notice to go elsewhere (YYYY-MM-DD).",
    ),
]
MunicipalityOption = Annotated[
    str | None,
    typer.Option(
        "--municipality",
        help="全国地方公共団体コード, 6 digits (default: the register's only municipality).",
    ),
]
PostalCodeOption = Annotated[
    str, typer.Option("--postal-code", help="Where the resident lives: 7 digits.")
]
AddressOption = Annotated[str, typer.Option("--address", help="The address after the postal code.")]
ReasonOption = Annotated[
    str, typer.Option("--reason", help="domestic-violence, disaster, hospital-or-care, or other.")
]
ReasonTextOption = Annotated[
    str | None, typer.Option("--reason-text", help="The reason in words (needed with 'other').")
]


class NoticeOutputError(NoticeError):
    """A notice's PDF could not be written where the operator asked."""

    code = "notice-output-error"


@app.command("open-batch")
def open_batch(
    deadline: DeadlineOption,
    municipality: MunicipalityOption = None,
    clerk: ClerkOption = "command line",
    directory: DirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Give every resident of a municipality who has no notice yet one, in a new batch."""
    with open_registry(directory) as registry, unit_of_work(registry.sessions) as session:
        service = NoticeService(session)
        code = municipality or service.sole_municipality()
        batch = service.open_batch(code, deadline.date(), clerk)
        notices = service.notice_count(batch)
        households = len(service.households(batch))
        data = {
            "batch": batch.id,
            "municipality": batch.municipality_code,
            "notices": notices,
            "households": households,
            "alternate_address_deadline": batch.alternate_address_deadline.isoformat(),
        }
    emit(
        data,
        as_json=as_json,
        text=(
            f"batch {data['batch']}: {notices:,} notices for {households:,} households of "
            f"{data['municipality']}; alternate addresses until "
            f"{data['alternate_address_deadline']}\n"
            f"next: mynumber notices print --batch {data['batch']} --output DIR"
        ),
    )


@app.command("alternate-address")
def alternate_address(
    resident_id: Annotated[int, typer.Argument(help="The resident's id on the register.")],
    batch_id: BatchOption,
    postal_code: PostalCodeOption,
    address: AddressOption,
    reason: ReasonOption,
    reason_text: ReasonTextOption = None,
    clerk: ClerkOption = "command line",
    directory: DirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Send a resident's notice where they live instead; only until the batch's deadline."""
    with open_registry(directory) as registry, unit_of_work(registry.sessions) as session:
        service = NoticeService(session)
        request = service.file_alternate_address(
            service.resident(resident_id),
            service.batch(batch_id),
            postal_code=postal_code,
            address=address,
            reason=reason,
            reason_text=reason_text,
            filed_by=clerk,
        )
        data = {
            "request": request.id,
            "resident": resident_id,
            "batch": batch_id,
            "reason": request.reason,
        }
    emit(
        data,
        as_json=as_json,
        text=f"batch {batch_id}: the notice of resident {resident_id} goes to the address given",
    )


@app.command("print")
def print_notices(
    batch_id: BatchOption,
    output: Annotated[Path, typer.Option("--output", help="The directory the PDFs go to.")],
    directory: DirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write one PDF per household (per envelope) not yet printed; run again to resume."""
    with open_registry(directory) as registry:
        with unit_of_work(registry.sessions) as session:
            service = NoticeService(session)
            batch = service.batch(batch_id)
            pending = service.households(batch, unprinted_only=True)
            total = len(service.households(batch))
        _make_directory(output)
        with _progress(len(pending), f"batch {batch_id}", quiet=as_json) as advance:
            written = _print(registry.sessions, batch_id, pending, output, advance)
    emit(
        {
            "batch": batch_id,
            "output": str(output),
            "files_written": written,
            "households": total,
            "households_printed_before": total - len(pending),
        },
        as_json=as_json,
        text=(
            f"batch {batch_id}: wrote {written:,} notice PDFs to {output} "
            f"({total - len(pending):,} of {total:,} households were printed before)"
        ),
    )


def _print(
    factory: sessionmaker[Session],
    batch_id: int,
    households: list[int],
    output: Path,
    advance: Callable[[int], None],
) -> int:
    """Render, write and mark printed the households, a chunk per transaction; count the files."""
    written = 0
    for start in range(0, len(households), PRINT_CHUNK):
        chunk = households[start : start + PRINT_CHUNK]
        with unit_of_work(factory) as session:
            service = NoticeService(session)
            envelopes = list(
                service.household_notices(
                    service.batch(batch_id), households=chunk, unprinted_only=True
                )
            )
            for envelope in envelopes:
                pdf = render_household_notice(envelope.notice)
                _write_private(output / f"{envelope.file_stem}.pdf", pdf)
            service.mark_printed(envelopes)  # committed only once every file is on disk
        written += len(envelopes)
        advance(len(chunk))
    return written


@contextmanager
def _progress(total: int, label: str, *, quiet: bool) -> Iterator[Callable[[int], None]]:
    """Show a progress bar on standard error; yield the callback that advances it."""
    if quiet:
        yield _no_progress
        return
    with typer.progressbar(length=total, label=label, file=sys.stderr) as bar:
        yield bar.update


def _no_progress(done: int) -> None:
    """Report progress nowhere."""
    del done


def _make_directory(path: Path) -> None:
    """Create the output directory (private: notices carry numbers) unless it exists."""
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        msg = f"{path}: cannot create the output directory ({exc.strerror})"
        raise NoticeOutputError(msg) from exc


def _write_private(path: Path, data: bytes) -> None:
    """Write a notice (mode 0600, whole or not at all), replacing an earlier print of it."""
    try:
        write_private(path, data, overwrite=True)
    except OSError as exc:
        msg = f"{path}: cannot write the notice ({exc.strerror})"
        raise NoticeOutputError(msg) from exc
