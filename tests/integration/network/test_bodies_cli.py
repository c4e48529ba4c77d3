"""`mynumber body`: register, show, add staff in the hub's database; errors in one line."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from sqlalchemy import select
from tests.integration.network.conftest import CITY

from mynumber.network.models import BodyCredential
from mynumber.network.services import hash_api_key
from mynumber.storage import unit_of_work

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.orm import Session, sessionmaker
    from tests.integration.conftest import Result, Run


def _register(mynumber: Run, home: Path, *extra: object) -> Result:
    """Run `mynumber body register` for the test city office."""
    return mynumber(
        "body", "register", CITY.id, "--dir", home,
        "--corporate-number", CITY.corporate_number,
        "--name-ja", CITY.name_ja, "--name-en", CITY.name_en, "--kind", CITY.kind,
        "--task", "city-office:child-allowance", "--operator", "Ito", *extra,
    )  # fmt: skip


def _one_line_failure(result: Result, message: str) -> None:
    """Assert that ``result`` failed with one line on stderr holding ``message``."""
    assert result.code == 1
    assert result.out == ""
    assert result.err.count("\n") == 1
    assert result.err.startswith("mynumber: ")
    assert message in result.err


def test_register_prints_the_key_once_and_show_describes(
    mynumber: Run, hub_home: Path, hub_sessions: sessionmaker[Session]
) -> None:
    """The key printed is the one whose hash the hub keeps; `show` never prints it."""
    result = _register(mynumber, hub_home, "--json")
    assert result.code == 0, result.err
    answer = json.loads(result.out)
    with unit_of_work(hub_sessions) as session:
        assert list(session.scalars(select(BodyCredential.key_hash))) == [
            hash_api_key(answer["api_key"])
        ]
    shown = mynumber("body", "show", CITY.id, "--dir", hub_home)
    assert shown.code == 0, shown.err
    assert "city-office:child-allowance: child allowance (児童手当の支給)" in shown.out
    assert answer["api_key"] not in shown.out
    staff = mynumber(
        "body", "add-staff", CITY.id, "s-1", "--dir", hub_home,
        "--name", "佐藤 花子", "--role", "clerk", "--operator", "Ito",
    )  # fmt: skip
    assert staff.code == 0, staff.err
    assert staff.out == f"{CITY.id}: added s-1 (佐藤 花子)\n"


def test_errors_are_one_line(
    mynumber: Run, hub_home: Path, hub_sessions: sessionmaker[Session]
) -> None:
    """A duplicate body, a wrong kind, an unknown body, a foreign task: one line, exit 1."""
    del hub_sessions  # migrated
    assert _register(mynumber, hub_home).code == 0
    _one_line_failure(_register(mynumber, hub_home), "already registered as 'city-office-131016'")
    _one_line_failure(
        _register(mynumber, hub_home, "--task", "bank:payment-records"),
        "is not a task of the city office",
    )
    _one_line_failure(mynumber("body", "show", "nowhere", "--dir", hub_home), "'nowhere'")
    _one_line_failure(
        mynumber(
            "body", "add-staff", "nowhere", "s-1", "--dir", hub_home,
            "--name", "x", "--role", "y", "--operator", "Ito",
        ),
        "no body is registered as 'nowhere'",
    )  # fmt: skip
