"""``mynumber number check|format``: valid numbers exit 0; invalid ones give the reason and fail.

Most tests run the Typer app in-process (``typer.testing.CliRunner``); the exit-code tests run the
installed ``mynumber`` script in a subprocess, as a user's shell would.
"""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mynumber.cli.main import app

SCRIPT = Path(sys.executable).parent / "mynumber"
runner = CliRunner()


def _run(*args: str) -> Any:
    """Run ``mynumber ARGS`` in-process and return click's result."""
    return runner.invoke(app, list(args))


def _json(*args: str) -> tuple[int, dict[str, Any]]:
    """Run ``mynumber ARGS --json`` in-process; return the exit code and the parsed object."""
    result = _run(*args, "--json")
    return result.exit_code, json.loads(result.stdout)


def _script(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the installed ``mynumber`` script with ARGS in a subprocess."""
    return subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [str(SCRIPT), *args], capture_output=True, text=True, timeout=60, check=False
    )


def test_a_valid_number_is_said_valid() -> None:
    """`number check 6214-9832-0257` prints the formatted number as valid and exits 0."""
    result = _run("number", "check", "6214-9832-0257")
    assert result.exit_code == 0
    assert result.stdout == "6214 9832 0257: a valid Individual Number\n"


def test_an_invalid_number_gives_the_expected_check_digit() -> None:
    """`number check 621498320258` says invalid, names the expected check digit 7, exits 1."""
    result = _run("number", "check", "621498320258")
    assert result.exit_code == 1
    assert "621498320258: invalid:" in result.stdout
    assert "expected 7" in result.stdout
    assert "typing mistake" in result.stdout


def test_check_json_of_a_valid_number() -> None:
    """`--json` gives the valid answer as one JSON object."""
    code, data = _json("number", "check", "6214-9832-0257")
    assert code == 0
    assert data == {
        "number": "621498320257",
        "kind": "individual",
        "valid": True,
        "formatted": "6214 9832 0257",
    }


def test_check_json_of_an_invalid_number() -> None:
    """`--json` gives the invalid answer with the error code and the reason, exit 1."""
    code, data = _json("number", "check", "621498320258")
    assert code == 1
    assert data["number"] == "621498320258"
    assert data["kind"] == "individual"
    assert data["valid"] is False
    assert data["error"] == "invalid-checksum"
    assert "expected 7" in data["reason"]
    assert set(data) == {"number", "kind", "valid", "error", "reason"}


def test_check_reads_full_width_text() -> None:
    """A number pasted from a Japanese form (full-width digits and hyphens) is valid."""
    result = _run("number", "check", "６２１４－９８３２－０２５７")
    assert result.exit_code == 0
    assert result.stdout.startswith("6214 9832 0257: a valid")


@pytest.mark.parametrize(
    ("number", "name"),
    [
        ("5-8356-7825-6246", "Corporate Number"),
        ("12345678903", "resident record code"),
        ("023456789013", "Individual Number"),
    ],
)
def test_the_format_is_told_by_the_number_of_digits(number: str, name: str) -> None:
    """Without --kind, 12 digits are an Individual Number, 13 a Corporate Number, 11 a code."""
    result = _run("number", "check", number)
    assert result.exit_code == 0
    assert result.stdout.endswith(f": a valid {name}\n")


@pytest.mark.parametrize("number", ["6214983202", "62149832025701", "1"])
def test_a_wrong_length_is_explained(number: str) -> None:
    """A count of digits no format has gives the lengths of the formats and exits 1."""
    result = _run("number", "check", number)
    assert result.exit_code == 1
    assert f"has {len(number)} digits" in result.stdout
    assert "Individual Number has 12" in result.stdout
    code, data = _json("number", "check", number)
    assert code == 1
    assert data["valid"] is False
    assert data["error"] == "invalid-length"
    assert data["kind"] is None


def test_a_wrong_length_for_the_kind_asked_for() -> None:
    """With --kind individual, 11 digits are an InvalidLength of the Individual Number."""
    code, data = _json("number", "check", "62149832025", "--kind", "individual")
    assert code == 1
    assert data["error"] == "invalid-length"
    assert data["kind"] == "individual"
    assert "an Individual Number has 12 digits, this one has 11" in data["reason"]


def test_kind_corporate_checks_a_corporate_number() -> None:
    """--kind corporate validates the 13 digits as a Corporate Number, check digit first."""
    code, data = _json("number", "check", "5835678256246", "--kind", "corporate")
    assert code == 0
    assert data == {
        "number": "5835678256246",
        "kind": "corporate",
        "valid": True,
        "formatted": "5-8356-7825-6246",
    }
    code, data = _json("number", "check", "2835678256246", "--kind", "corporate")
    assert code == 1
    assert data["error"] == "invalid-checksum"
    assert "expected 5" in data["reason"]


def test_kind_corporate_refuses_an_individual_number() -> None:
    """A 12-digit Individual Number checked as a Corporate Number is a wrong length."""
    result = _run("number", "check", "621498320257", "--kind", "corporate")
    assert result.exit_code == 1
    assert "a Corporate Number has 13 digits, this one has 12" in result.stdout


def test_an_unknown_kind_is_a_usage_error() -> None:
    """--kind takes only the known formats: anything else is a usage error (exit 2)."""
    result = _run("number", "check", "621498320257", "--kind", "passport")
    assert result.exit_code == 2


@pytest.mark.parametrize(
    ("number", "printed"),
    [
        ("621498320257", "6214 9832 0257"),
        ("６２１４　９８３２　０２５７", "6214 9832 0257"),
        ("5835678256246", "5-8356-7825-6246"),
        ("1234-5678-903", "12345678903"),
    ],
)
def test_format_prints_the_printed_form(number: str, printed: str) -> None:
    """`number format` prints the card's 4-4-4 groups, or the format's own presentation."""
    result = _run("number", "format", number)
    assert result.exit_code == 0
    assert result.stdout == printed + "\n"


def test_format_json() -> None:
    """`number format --json` gives the digits, the kind and the printed form."""
    code, data = _json("number", "format", "6214-9832-0257")
    assert code == 0
    assert data == {"number": "621498320257", "kind": "individual", "formatted": "6214 9832 0257"}


def test_format_refuses_an_invalid_number() -> None:
    """`number format` of an invalid number prints nothing and fails."""
    result = _run("number", "format", "621498320258")
    assert result.exit_code != 0
    assert result.stdout == ""


def test_the_script_exits_0_for_a_valid_number() -> None:
    """The installed script: a valid number exits 0 and says so on standard output."""
    completed = _script("number", "check", "6214-9832-0257")
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == "6214 9832 0257: a valid Individual Number\n"


def test_the_script_exits_1_with_the_reason_for_an_invalid_number() -> None:
    """The installed script: an invalid number exits 1; --json gives parseable JSON and exit 1."""
    completed = _script("number", "check", "621498320258")
    assert completed.returncode == 1
    assert "expected 7" in completed.stdout
    completed = _script("number", "check", "621498320258", "--json")
    assert completed.returncode == 1
    data = json.loads(completed.stdout)
    assert data["valid"] is False
    assert data["error"] == "invalid-checksum"


def test_the_script_turns_a_format_error_into_one_line() -> None:
    """`number format` of an invalid number: one line on standard error, exit 1, no traceback."""
    completed = _script("number", "format", "621498320258")
    assert completed.returncode == 1
    assert completed.stdout == ""
    assert completed.stderr.startswith("mynumber: ")
    assert "expected 7" in completed.stderr
    assert completed.stderr.count("\n") == 1
    assert "Traceback" not in completed.stderr


def test_the_script_exits_2_on_a_usage_error() -> None:
    """An unknown option is a usage error: exit 2 and a pointer to --help."""
    completed = _script("number", "check", "621498320257", "--no-such-option")
    assert completed.returncode == 2
    assert "--help" in completed.stderr
