"""The demo's flows, run by ``mynumber demo --no-serve`` on a small town, and what they leave.

The flows go through every node over in-process HTTP; afterwards the hub's database and its
ledger are scanned for every number the registry ever issued: none may be there.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import inspect, select, text

from mynumber.institution.models import ExchangeRecord, HeldNumber
from mynumber.ledger.models import LedgerEntry
from mynumber.network.models import Exchange, NetworkRefusal
from mynumber.nodes.directory import node_session, open_deployment
from mynumber.register.models import IndividualNumberRecord
from mynumber.settings import load_settings

if TYPE_CHECKING:
    from pathlib import Path

    from tests.integration.conftest import Run

RESIDENTS = 40


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a demo directory in which `mynumber demo --no-serve` has run once."""
    from mynumber.cli.main import main  # noqa: PLC0415 -- run as the script runs

    home = tmp_path_factory.mktemp("demo") / "home"
    argv = ["mynumber", "demo", "--dir", str(home), "--residents", str(RESIDENTS), "--no-serve"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("sys.argv", argv)
        main()
    return home


def _scan_text(home: Path) -> list[str]:
    """Return every value of every column of every table of the hub, as text."""
    opened = open_deployment(load_settings(home=home, demo=True), ["hub"])
    values: list[str] = []
    with node_session(opened, "hub") as session:
        names = inspect(session.get_bind()).get_table_names()
        for name in names:
            for row in session.execute(text(f'SELECT * FROM "{name}"')):  # noqa: S608 -- names from the schema
                values.extend(
                    value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
                    for value in row
                )
        values.extend(
            answer for answer in session.scalars(select(Exchange.answer)) if answer is not None
        )
    return values


def _issued_numbers(home: Path) -> set[str]:
    """Return every number the registry has issued, active or replaced."""
    opened = open_deployment(load_settings(home=home, demo=True), ["registry"])
    with node_session(opened, "registry") as session:
        return set(session.scalars(select(IndividualNumberRecord.number)))


def test_the_demo_performs_the_flows(demo_home: Path) -> None:
    """The flows ran: two exchanges completed and logged, both sides kept their records."""
    opened = open_deployment(load_settings(home=demo_home, demo=True))
    with node_session(opened, "hub") as session:
        exchanges = list(session.scalars(select(Exchange)))
        assert [e.status for e in exchanges] == ["completed", "completed"]
        kinds = [json.loads(e)["kind"] for e in session.scalars(select(LedgerEntry.entry))]
        assert kinds.count("exchange") == 2
        assert "exchange-refused" in kinds
        assert "collection" in kinds
        assert "collection-refused" in kinds
        refusals = list(session.scalars(select(NetworkRefusal)))
        assert [r.body_id for r in refusals] == ["city-office-shinonomedai"]
    with node_session(opened, "city-office-shinonomedai") as session:
        roles = sorted(r.role for r in session.scalars(select(ExchangeRecord)))
        assert roles == ["provider", "requester"]
    with node_session(opened, "employer-kasumi-seiki") as session:
        [held] = session.scalars(select(HeldNumber))
        assert held.task == "employer:withholding-slip"
    with node_session(opened, "city-office-kasumigaoka") as session:
        [provided] = session.scalars(select(ExchangeRecord))
        assert provided.role == "provider"


def test_no_number_is_in_the_hub_or_its_ledger(demo_home: Path) -> None:
    """No number the registry issued appears anywhere in the hub's database or ledger."""
    numbers = _issued_numbers(demo_home)
    assert len(numbers) >= RESIDENTS
    raw = b"".join(path.read_bytes() for path in (demo_home / "data").glob("hub.sqlite3*"))
    values = "\n".join(_scan_text(demo_home))
    assert values  # the scan saw the tables
    found = {number for number in numbers if number.encode() in raw or number in values}
    assert found == set()


def test_the_demo_ledger_verifies(
    demo_home: Path, mynumber: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ledger the flows wrote re-checks from its database."""
    monkeypatch.setenv("MYNUMBER_DEMO", "true")
    checked = mynumber("ledger", "verify", "--dir", demo_home)
    assert checked.code == 0, checked.err


def test_the_flows_run_once(demo_home: Path, mynumber: Run) -> None:
    """A second `mynumber demo` does not run the flows again."""
    again = mynumber("demo", "--dir", demo_home, "--residents", RESIDENTS, "--no-serve")
    assert again.code == 0, again.err
    assert "flow:" not in again.out
    opened = open_deployment(load_settings(home=demo_home, demo=True), ["hub"])
    with node_session(opened, "hub") as session:
        assert len(list(session.scalars(select(Exchange)))) == 2


def test_the_police_request_is_sealed_and_counted(
    demo_home: Path, mynumber: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The police request is a sealed entry: counted in public, closed to the commission's key."""
    opened = open_deployment(load_settings(home=demo_home, demo=True), ["hub"])
    with node_session(opened, "hub") as session:
        sealed = list(session.scalars(select(LedgerEntry).where(LedgerEntry.kind == "sealed")))
    assert len(sealed) == 1
    entry = json.loads(sealed[0].entry)
    assert entry["requester"] == "police-shinonomedai"
    assert "SDP-2026-0042" not in sealed[0].entry.decode()
    monkeypatch.setenv("MYNUMBER_DEMO", "true")
    key = demo_home / "keys" / "oversight" / "sealed-entries.key"
    opened_early = mynumber(
        "ledger", "unseal", "--dir", demo_home, "--index", sealed[0].index, "--key", key
    )
    assert opened_early.code == 1
    assert f"sealed until {entry['unseal_on']}" in opened_early.err
