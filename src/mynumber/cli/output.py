"""How every command prints: plain lines for people, ``--json`` for programs, one line per error."""

import json
import sys
from collections.abc import Mapping
from typing import Any, NoReturn

import typer

JSON_OPTION = typer.Option("--json", help="Print the result as JSON.")


def emit(data: Mapping[str, Any], *, as_json: bool, text: str) -> None:
    """Print ``data`` as one JSON object, or ``text`` for a person."""
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False, sort_keys=True))
    else:
        typer.echo(text)


def fail(message: str, *, code: int = 1) -> NoReturn:
    """Print ``message`` as one line on standard error and exit with ``code``."""
    typer.echo(f"mynumber: {message}", err=True)
    sys.exit(code)
