"""No issued number lies in plaintext in a registry database file or in a dump of it."""

import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from mynumber.numbers.generator import NumberGenerator
from mynumber.register.batch import Batch, BatchIssuer
from mynumber.register.models import EventKind, IndividualNumberRecord
from mynumber.register.municipalities import PostalMunicipalities
from mynumber.register.synth import synthesize
from mynumber.storage import session_factory

RESIDENTS = 3_000


def _issued_numbers(engine: sqlalchemy.Engine) -> list[str]:
    """Register a synthetic batch and return every number issued, decrypted."""
    issuer = BatchIssuer(
        session_factory(engine), NumberGenerator(bytes(range(32))), PostalMunicipalities()
    )
    batch = Batch("plaintext-scan", EventKind.BIRTH, date(2026, 11, 26), recorded_by="test")
    issuer.issue(batch, synthesize(RESIDENTS, "131016", seed=3))
    with Session(engine) as session:
        numbers = list(session.scalars(select(IndividualNumberRecord.number)))
    assert len(numbers) == RESIDENTS
    return numbers


def _stored_bytes(database_url: str, engine: sqlalchemy.Engine, tmp_path: Path) -> bytes:
    """Return everything the database holds on disk (SQLite) or in a pg_dump (PostgreSQL)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        engine.dispose()  # let SQLite write back what sits in the WAL file
        database = Path(str(url.database))
        files = [database, *database.parent.glob(database.name + "-*")]
        return b"".join(path.read_bytes() for path in files if path.exists())
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        pytest.fail("pg_dump is needed to scan a PostgreSQL dump: install postgresql-client")
    schema = str(url.query["options"]).removeprefix("-csearch_path=")
    target = tmp_path / "dump.sql"
    plain = url.set(drivername="postgresql", query={})
    subprocess.run(  # noqa: S603 -- our own arguments
        [
            pg_dump,
            "--schema",
            schema,
            "--file",
            str(target),
            plain.render_as_string(hide_password=False),
        ],
        check=True,
    )
    return target.read_bytes()


def test_no_number_is_stored_in_plaintext(
    migrated_engine: sqlalchemy.Engine, database_url: str, tmp_path: Path
) -> None:
    """Neither the database files nor a dump contain any issued number, plain or grouped."""
    numbers = _issued_numbers(migrated_engine)
    stored = _stored_bytes(database_url, migrated_engine, tmp_path)
    assert len(stored) > 100_000  # the scan reads the real data, not an empty file
    for number in numbers:
        assert number.encode() not in stored
        assert f"{number[:4]} {number[4:8]} {number[8:]}".encode() not in stored
