"""Fixtures of the command-line tests: ``mynumber`` run as the script runs, a synthetic town.

``town`` is a fresh deployment made with ``mynumber init``, ``mynumber db upgrade`` and
``mynumber register synth --residents 200``, once with the registry on SQLite (the default files)
and once on PostgreSQL (the registry's database in the test's own schema).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest
from sqlalchemy.engine import make_url

from mynumber.cli.main import main
from mynumber.nodes.directory import open_deployment
from mynumber.settings import Settings, load_settings
from mynumber.storage import create_engine

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    import sqlalchemy

RESIDENTS = 200


@dataclass(frozen=True)
class Result:
    """What one run of ``mynumber`` printed and how it exited."""

    code: int
    out: str
    err: str


@pytest.fixture
def mynumber(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Result]:
    """Return a function that runs ``mynumber ARGS`` through its entry point, as the script does."""
    for name in Settings.model_fields:
        monkeypatch.delenv(f"MYNUMBER_{name.upper()}", raising=False)

    def run(*args: str | Path) -> Result:
        monkeypatch.setattr(sys, "argv", ["mynumber", *map(str, args)])
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture
def town(tmp_path: Path, database_url: str, mynumber: Callable[..., Result]) -> Path:
    """Return a deployment whose registry holds a synthetic town of 200 residents."""
    home = tmp_path / "town"
    if make_url(database_url).get_backend_name() == "sqlite":
        assert mynumber("init", home).code == 0
        upgrade = mynumber("db", "upgrade", "--dir", home)
    else:
        # Every node would share the test's schema; only the registry's database is used here.
        template = f"{database_url}&application_name=mynumber-{{node}}"
        assert mynumber("init", home, "--database-url-template", template).code == 0
        upgrade = mynumber("db", "upgrade", "--dir", home, "--node", "registry")
    assert upgrade.code == 0, upgrade.err
    synth = mynumber("register", "synth", "--residents", RESIDENTS, "--dir", home)
    assert synth.code == 0, synth.err
    return home


@pytest.fixture
def registry(town: Path) -> Iterator[sqlalchemy.Engine]:
    """Yield an engine on the town's registry database, with the registry's keys."""
    opened = open_deployment(load_settings(home=town), ["registry"])
    spec = opened.specs()[0]
    engine = create_engine(spec.resolved_database_url(town), opened.keys["registry"].field_keys)
    try:
        yield engine
    finally:
        engine.dispose()
