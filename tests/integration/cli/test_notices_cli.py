"""`mynumber notices` as a clerk runs it on a synthetic town: open a batch, redirect, print."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mynumber.cli import notices as notices_cli
from mynumber.notices import NoticeFontUnavailable, render_household_notice
from mynumber.register.models import (
    AlternateAddressRequest,
    IndividualNumberRecord,
    Notice,
    NoticeBatch,
    NumberState,
    Resident,
)

if TYPE_CHECKING:
    from pathlib import Path

    import sqlalchemy

FILE_NAME = re.compile(r"household-(\d{9})\.pdf")
DEADLINE = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
SHELTER = ("--postal-code", "530-0001", "--address", "大阪府大阪市北区梅田3丁目1番1号")


class Outcome(Protocol):
    """What one run of ``mynumber`` printed and how it exited."""

    code: int
    out: str
    err: str


Run = Callable[..., Outcome]


def _members(registry: sqlalchemy.Engine) -> dict[int, list[tuple[int, str, str]]]:
    """Return, by household, each member's id, number (decrypted) and application ID."""
    with Session(registry) as session:
        rows = session.execute(
            select(Resident.household_id, Resident.id, IndividualNumberRecord.number)
            .add_columns(Notice.application_id)
            .join(Notice, Notice.resident_id == Resident.id)
            .join(IndividualNumberRecord, IndividualNumberRecord.resident_id == Resident.id)
            .where(IndividualNumberRecord.state == NumberState.ACTIVE.value)
        ).all()
    households: dict[int, list[tuple[int, str, str]]] = {}
    for household, resident, number, application in rows:
        households.setdefault(household, []).append((resident, number, application))
    return households


def _state(registry: sqlalchemy.Engine) -> list[Any]:
    """Return everything the notice commands write: batches, notices, requests."""
    with Session(registry) as session:
        return [
            session.execute(select(NoticeBatch.id, NoticeBatch.alternate_address_deadline)).all(),
            session.execute(
                select(Notice.id, Notice.mailing_address, Notice.printed_at).order_by(Notice.id)
            ).all(),
            session.execute(select(AlternateAddressRequest.id)).all(),
        ]


def _text(pdf: Path) -> str:
    """Return the text of a PDF as pdftotext reads it (Debian's poppler-utils, poppler-data)."""
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.fail("pdftotext is needed: apt-get install poppler-utils poppler-data")
    result = subprocess.run(  # noqa: S603 -- a fixed tool on our own PDF
        [tool, "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True
    )
    assert b"Missing language pack" not in result.stderr, "apt-get install poppler-data"
    return result.stdout.decode()


def _open_batch(mynumber: Run, town: Path) -> int:
    """Open a batch for the town through the command line; return its id."""
    opened = mynumber("notices", "open-batch", "--deadline", DEADLINE, "--dir", town, "--json")
    assert opened.code == 0, opened.err
    data = json.loads(opened.out)
    assert data["notices"] == 200
    return int(data["batch"])


def _assert_one_line_failure(result: Outcome, expected: str) -> None:
    """Check the run failed with exactly one line on stderr, containing ``expected``."""
    assert result.code != 0
    assert result.err.startswith("mynumber: "), result.err
    assert result.err.count("\n") == 1, result.err
    assert expected in result.err, result.err


def test_print_writes_one_pdf_per_household_with_numbers_and_application_ids(
    mynumber: Run, town: Path, registry: sqlalchemy.Engine, tmp_path: Path
) -> None:
    """Each household's PDF is named by its id and shows its members' numbers and form IDs."""
    batch = _open_batch(mynumber, town)
    output = tmp_path / "pdfs"
    printed = mynumber("notices", "print", "--batch", batch, "--output", output, "--dir", town)
    households = _members(registry)
    assert printed.code == 0, printed.err
    assert f"wrote {len(households)} notice PDFs" in printed.out
    assert f"batch {batch}" in printed.err  # the progress bar
    named = [FILE_NAME.fullmatch(path.name) for path in output.iterdir()]
    assert sorted(int(match[1]) for match in named if match) == sorted(households)
    assert all(named)  # no other file, and none named by a number
    household, members = max(households.items(), key=lambda item: len(item[1]))
    assert len(members) > 1
    text = _text(output / f"household-{household:09d}.pdf")
    for _, number, application in members:
        assert f"{number[:4]} {number[4:8]} {number[8:]}" in text
        assert application in text
    again = mynumber("notices", "print", "--batch", batch, "--output", output, "--dir", town)
    assert again.code == 0, again.err
    assert "wrote 0 notice PDFs" in again.out
    assert len(list(output.iterdir())) == len(households)


def test_an_interrupted_print_resumes_where_it_stopped(
    mynumber: Run,
    town: Path,
    registry: sqlalchemy.Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A print that fails midway keeps the chunks it finished; the next run writes only the rest."""
    batch = _open_batch(mynumber, town)
    calls = {"count": 0, "fail_at": 60}

    def failing(notice: Any) -> bytes:
        calls["count"] += 1
        if calls["count"] == calls["fail_at"]:
            msg = "simulated failure"
            raise NoticeFontUnavailable(msg)
        return render_household_notice(notice)

    monkeypatch.setattr("mynumber.cli.notices.render_household_notice", failing)
    output = tmp_path / "pdfs"
    args = ("notices", "print", "--batch", batch, "--output", output, "--dir", town, "--json")
    _assert_one_line_failure(mynumber(*args), "simulated failure")
    calls["fail_at"] = 0
    resumed = mynumber(*args)
    assert resumed.code == 0, resumed.err
    assert resumed.err == ""  # no progress bar with --json
    report = json.loads(resumed.out)
    households = len(_members(registry))
    assert report["households_printed_before"] == notices_cli.PRINT_CHUNK
    assert report["files_written"] == households - notices_cli.PRINT_CHUNK
    assert sorted(path.suffix for path in output.iterdir()) == [".pdf"] * households


def test_an_alternate_address_sends_that_notice_in_its_own_envelope(
    mynumber: Run, town: Path, registry: sqlalchemy.Engine, tmp_path: Path
) -> None:
    """A resident who files in time gets a PDF of their own, addressed where they live."""
    batch = _open_batch(mynumber, town)
    households = _members(registry)
    household, members = max(households.items(), key=lambda item: len(item[1]))
    resident, _, application = members[-1]
    filed = mynumber(
        "notices", "alternate-address", resident, "--batch", batch, *SHELTER,
        "--reason", "other", "--reason-text", "入院中", "--dir", town,
    )  # fmt: skip
    assert filed.code == 0, filed.err
    output = tmp_path / "pdfs"
    printed = mynumber("notices", "print", "--batch", batch, "--output", output, "--dir", town)
    assert printed.code == 0, printed.err
    assert len(list(output.iterdir())) == len(households) + 1
    (apart,) = output.glob(f"household-{household:09d}-alt-*.pdf")
    assert application in _text(apart)
    assert "〒530-0001" in _text(apart)
    assert application not in _text(output / f"household-{household:09d}.pdf")


def test_bad_input_is_one_line_and_changes_nothing(
    mynumber: Run, town: Path, registry: sqlalchemy.Engine
) -> None:
    """Unknown resident, empty reason, past deadline: one line, a non-zero exit, nothing written."""
    batch = _open_batch(mynumber, town)
    resident = next(iter(_members(registry).values()))[0][0]
    request = ("--batch", batch, *SHELTER, "--dir", town)
    cases: list[tuple[tuple[Any, ...], str]] = [
        (("alternate-address", 999_999, *request, "--reason", "disaster"), "no resident 999999"),
        (("alternate-address", resident, *request, "--reason", ""), "give the reason"),
        (("alternate-address", resident, *request, "--reason", "holiday"), "not a reason"),
        (("alternate-address", resident, "--batch", 99, *SHELTER, "--reason", "disaster",
          "--dir", town), "no notice batch 99"),
        (("open-batch", "--deadline", "2020-01-01", "--dir", town), "2020-01-01 has passed"),
        (("open-batch", "--deadline", DEADLINE, "--dir", town), "already has a notice"),
    ]  # fmt: skip
    before = _state(registry)
    for args, expected in cases:
        _assert_one_line_failure(mynumber("notices", *args), expected)
        assert _state(registry) == before
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    with Session(registry) as session, session.begin():
        session.execute(update(NoticeBatch).values(alternate_address_deadline=yesterday))
    before = _state(registry)
    late = mynumber("notices", "alternate-address", resident, *request, "--reason", "disaster")
    _assert_one_line_failure(
        late,
        f"the deadline for alternate notice addresses in this batch was {yesterday.isoformat()}; "
        "the notice goes to the registered address",
    )
    assert _state(registry) == before
    assert before[0] == [(batch, yesterday)]
