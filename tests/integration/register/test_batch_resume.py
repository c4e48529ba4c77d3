"""A batch killed at random moments and started again: one number per resident, none twice."""

import random
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mynumber.numbers import bulk
from mynumber.register.models import IndividualNumberRecord, Resident
from mynumber.storage import FieldKeys

RESIDENTS = 200_000
AUTHORITY_KEY = bytes(range(32))
WORKER = Path(__file__).with_name("batch_worker.py")
#: The most SIGKILLs one test deals out before it lets the batch finish.
KILLS = 6


def _run_with_kills(url: str, keys: FieldKeys, rng: random.Random) -> int:
    """Start the worker again and again, killing it at random moments; return the kills dealt."""
    command = [
        sys.executable,
        str(WORKER),
        url,
        str(RESIDENTS),
        keys.encryption_key.hex(),
        keys.blind_index_key.hex(),
        AUTHORITY_KEY.hex(),
    ]
    kills = 0
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        with subprocess.Popen(command, stderr=subprocess.PIPE) as worker:  # noqa: S603 -- ours
            try:
                timeout = rng.uniform(2.0, 9.0) if kills < KILLS else deadline - time.monotonic()
                _, errors = worker.communicate(timeout=max(1.0, timeout))
            except subprocess.TimeoutExpired:
                worker.kill()  # SIGKILL: no cleanup, no rollback on our side
                worker.communicate()
                kills += 1
                continue
        assert worker.returncode == 0, errors.decode()
        return kills
    pytest.fail("the batch did not finish within 10 minutes")


@pytest.mark.slow
def test_a_killed_batch_resumes_to_one_number_per_resident(
    migrated_engine: sqlalchemy.Engine, database_url: str, field_keys: FieldKeys
) -> None:
    """After SIGKILLs at random moments and restarts, each resident has one valid unique number."""
    timing = random.Random(2026)  # noqa: S311 -- when to kill needs no cryptographic randomness
    kills = _run_with_kills(database_url, field_keys, timing)
    assert kills >= 1
    with Session(migrated_engine) as session:
        residents = session.scalar(select(func.count()).select_from(Resident))
        rows = session.execute(select(Resident.batch_row)).scalars().all()
        active = session.execute(
            select(IndividualNumberRecord.resident_id, func.count()).group_by(
                IndividualNumberRecord.resident_id
            )
        ).all()
        numbers = session.scalars(select(IndividualNumberRecord.number)).all()
    assert residents == RESIDENTS
    assert sorted(row for row in rows if row is not None) == list(range(RESIDENTS))
    assert len(active) == RESIDENTS
    assert all(count == 1 for _, count in active)
    assert len(set(numbers)) == RESIDENTS
    assert bulk.individual_is_valid(np.array(numbers, dtype="S12")).all()
