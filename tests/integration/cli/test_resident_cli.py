"""`mynumber resident`: the counter's actions from the command line, on a synthetic town."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mynumber.numbers import individual
from mynumber.register.models import IndividualNumberRecord, LifeEvent, NumberState, Resident

if TYPE_CHECKING:
    from pathlib import Path

    import sqlalchemy

HANAKO = (
    *("--family-name", "髙橋", "--given-name", "花子"),
    *("--family-name-kana", "タカハシ", "--given-name-kana", "ハナコ"),
    *("--born", "平成2年4月1日", "--sex", "female", "--municipality", "131016"),
    *("--postal-code", "100-0001", "--address", "東京都千代田区千代田1番1号"),
    *("--event", "move-in", "--clerk", "窓口 一郎"),
)


class Outcome(Protocol):
    """What one run of ``mynumber`` printed and how it exited."""

    code: int
    out: str
    err: str


Run = Callable[..., Outcome]


def _counts(registry: sqlalchemy.Engine) -> tuple[int, int, int]:
    with Session(registry) as session:
        return (
            int(session.scalar(select(func.count()).select_from(Resident)) or 0),
            int(session.scalar(select(func.count()).select_from(IndividualNumberRecord)) or 0),
            int(session.scalar(select(func.count()).select_from(LifeEvent)) or 0),
        )


def _numbers(registry: sqlalchemy.Engine, resident_id: int) -> list[tuple[int, str, str]]:
    with Session(registry) as session:
        rows = session.execute(
            select(
                IndividualNumberRecord.generation,
                IndividualNumberRecord.number,
                IndividualNumberRecord.state,
            )
            .where(IndividualNumberRecord.resident_id == resident_id)
            .order_by(IndividualNumberRecord.generation)
        ).all()
    return [(generation, number, state) for generation, number, state in rows]


def _json(outcome: Outcome) -> dict[str, Any]:
    assert outcome.code == 0, outcome.err
    data: dict[str, Any] = json.loads(outcome.out)
    return data


def _register(mynumber: Run, town: Path) -> dict[str, Any]:
    return _json(mynumber("resident", "register", *HANAKO, "--dir", town, "--json"))


def _find(mynumber: Run, town: Path, number: str, monkeypatch: pytest.MonkeyPatch) -> Outcome:
    monkeypatch.setattr(sys, "stdin", io.StringIO(number + "\n"))
    return mynumber("resident", "find", "--dir", town, "--json")


def test_register_assigns_a_code_and_a_number_shown_masked(
    mynumber: Run, town: Path, registry: sqlalchemy.Engine
) -> None:
    """A registered person gets a valid number, masked in the output, and a move-in by the clerk."""
    before = _counts(registry)
    view = _register(mynumber, town)
    assert view["family_name"] == "髙橋"
    assert view["date_of_birth"] == "1990-04-01"
    assert view["number"].startswith("**** **** ")
    assert [event["kind"] for event in view["history"]] == ["move-in"]
    assert view["history"][0]["recorded_by"] == "窓口 一郎"
    assert _counts(registry) == (before[0] + 1, before[1] + 1, before[2] + 1)
    [(_, number, _)] = _numbers(registry, view["id"])
    assert individual.is_valid(number)
    assert view["number"].endswith(number[-4:])


def test_the_same_person_twice_is_refused_in_one_line(
    mynumber: Run, town: Path, registry: sqlalchemy.Engine
) -> None:
    """Registering the same person again names the resident already there; nothing changes."""
    first = _register(mynumber, town)
    before = _counts(registry)
    again = mynumber("resident", "register", *HANAKO, "--dir", town)
    assert again.code == 1
    assert again.err.count("\n") == 1
    assert f"already on the register (resident {first['id']})" in again.err
    assert _counts(registry) == before


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("--born", "2026-02-30"), "--born: "),
        (("--postal-code", "530-0001"), "--postal-code: postal code 5300001 is not in"),
        (("--municipality", "999999"), "--municipality: "),
        (("--family-name", "  "), "--family-name: "),
        (("--nationality", "VN"), "--status: a foreign resident needs a status of residence"),
        (("--event", "death"), "--event: "),
        (("--clerk", " "), "clerk"),
    ],
)
def test_bad_registrations_name_the_option_and_change_nothing(
    mynumber: Run,
    town: Path,
    registry: sqlalchemy.Engine,
    change: tuple[str, str],
    expected: str,
) -> None:
    """Each bad value is one line on standard error naming what is wrong; no row is written."""
    before = _counts(registry)
    arguments = list(HANAKO)
    if change[0] in arguments:
        arguments[arguments.index(change[0]) + 1] = change[1]
    else:
        arguments += change
    outcome = mynumber("resident", "register", *arguments, "--dir", town)
    assert outcome.code == 1, outcome.out
    assert outcome.err.startswith("mynumber: ")
    assert outcome.err.count("\n") == 1
    assert expected in outcome.err
    assert _counts(registry) == before


def test_show_reveals_the_number_only_to_a_named_clerk(
    mynumber: Run, town: Path, registry: sqlalchemy.Engine
) -> None:
    """``--reveal`` without ``--clerk`` is refused; with it, the whole number is shown."""
    resident_id = _register(mynumber, town)["id"]
    [(_, number, _)] = _numbers(registry, resident_id)
    refused = mynumber("resident", "show", resident_id, "--reveal", "--dir", town)
    assert refused.code == 1
    assert "--clerk" in refused.err
    assert number not in refused.out + refused.err
    masked = mynumber("resident", "show", resident_id, "--dir", town)
    assert masked.code == 0
    assert number not in masked.out
    assert f"**** **** {number[-4:]}" in masked.out
    revealed = _json(
        mynumber(
            "resident", "show", resident_id, "--reveal", "--clerk", "窓口", "--dir", town, "--json"
        )
    )
    assert revealed["number"] == number
    assert revealed["number_revealed"] is True


def test_find_reads_the_number_from_standard_input(
    mynumber: Run, town: Path, registry: sqlalchemy.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The printed form works; a number with a wrong check digit is refused as such."""
    resident_id = _register(mynumber, town)["id"]
    [(_, number, _)] = _numbers(registry, resident_id)
    printed = f"{number[:4]} {number[4:8]} {number[8:]}"
    assert _json(_find(mynumber, town, printed, monkeypatch))["id"] == resident_id
    wrong = number[:11] + str((int(number[11]) + 1) % 10)
    refused = _find(mynumber, town, wrong, monkeypatch)
    assert refused.code == 1
    assert refused.err.startswith("mynumber: the number: ")


def test_life_events_keep_the_number_and_a_number_change_kills_the_old_one(
    mynumber: Run, town: Path, registry: sqlalchemy.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Move, rename, change the number, die: each recorded; the old number finds no one."""
    resident_id = _register(mynumber, town)["id"]
    [(_, first, _)] = _numbers(registry, resident_id)
    clerk = ("--clerk", "窓口 二郎", "--dir", town)
    moved = mynumber(
        "resident",
        "address-change",
        resident_id,
        *("--postal-code", "1020072", "--address", "東京都千代田区飯田橋1丁目1番1号"),
        *clerk,
    )
    assert moved.code == 0, moved.err
    assert "東京都千代田区飯田橋1丁目1番1号" in moved.out
    renamed = mynumber(
        "resident",
        "name-change",
        resident_id,
        *("--family-name", "佐藤", "--given-name", "花子"),
        *("--family-name-kana", "サトウ", "--given-name-kana", "ハナコ"),
        *clerk,
    )
    assert renamed.code == 0, renamed.err
    assert _numbers(registry, resident_id) == [(0, first, NumberState.ACTIVE.value)]

    no_reason = mynumber("resident", "number-change", resident_id, "--reason", " ", *clerk)
    assert no_reason.code == 1
    assert no_reason.err.startswith("mynumber: --reason: ")
    changed = mynumber(
        "resident", "number-change", resident_id, "--reason", "漏えい: 勤務先から流出", *clerk
    )
    assert changed.code == 0, changed.err
    [(_, old, old_state), (generation, new, new_state)] = _numbers(registry, resident_id)
    assert (old, old_state) == (first, NumberState.REPLACED.value)
    assert (generation, new_state) == (1, NumberState.ACTIVE.value)
    assert individual.is_valid(new)
    assert new != old
    assert _find(mynumber, town, old, monkeypatch).code == 1
    assert _json(_find(mynumber, town, new, monkeypatch))["id"] == resident_id

    died = mynumber("resident", "death", resident_id, *clerk)
    assert died.code == 0, died.err
    before = _counts(registry)
    after_death = mynumber("resident", "move-out", resident_id, *clerk)
    assert after_death.code == 1
    assert "no longer on this register" in after_death.err
    assert _counts(registry) == before
    kinds = [
        event["kind"]
        for event in _json(mynumber("resident", "show", resident_id, "--dir", town, "--json"))[
            "history"
        ]
    ]
    assert kinds == ["move-in", "address-change", "name-change", "number-change", "death"]


def test_search_lists_residents_without_numbers(mynumber: Run, town: Path) -> None:
    """A search by reading and era date finds the resident; no number appears, not even masked."""
    resident_id = _register(mynumber, town)["id"]
    found = mynumber("resident", "search", "--name", "ﾀｶﾊｼ ﾊﾅｺ", "--born", "H2.4.1", "--dir", town)
    assert found.code == 0, found.err
    assert f"[{resident_id}] 髙橋 花子" in found.out
    assert "number" not in found.out
    assert "*" not in found.out
    nobody = mynumber("resident", "search", "--name", "山田", "--born", "1990-04-01", "--dir", town)
    assert nobody.out.strip() == "no resident of that name born that day"
