"""Fixtures of the command-line tests: a synthetic town (``mynumber`` is tests/integration's).

``town`` is a fresh deployment made with ``mynumber init``, ``mynumber db upgrade`` and
``mynumber register synth --residents 200``, once with the registry on SQLite (the default files)
and once on PostgreSQL (the registry's database in the test's own schema).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from sqlalchemy.engine import make_url

from mynumber.nodes.directory import open_deployment
from mynumber.settings import load_settings
from mynumber.storage import create_engine

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    import sqlalchemy
    from tests.integration.conftest import Run

RESIDENTS = 200


@pytest.fixture
def town(tmp_path: Path, database_url: str, mynumber: Run) -> Path:
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
