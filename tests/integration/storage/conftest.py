"""Fixtures of the storage integration tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import sqlalchemy

from mynumber.storage import FieldKeys, create_engine

MakeEngine = Callable[[str, FieldKeys], sqlalchemy.Engine]


@pytest.fixture
def make_engine() -> Iterator[MakeEngine]:
    """Hand out engines made by ``create_engine`` and dispose of them after the test."""
    engines: list[sqlalchemy.Engine] = []

    def make(url: str, keys: FieldKeys) -> sqlalchemy.Engine:
        engine = create_engine(url, keys)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.dispose()
