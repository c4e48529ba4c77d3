"""One unit of work per request or command, on SQLite and PostgreSQL."""

from collections.abc import Callable

import pytest
import sqlalchemy
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from mynumber.storage import FieldKeys, TransactionFailedError, session_factory, unit_of_work

MakeEngine = Callable[[str, FieldKeys], sqlalchemy.Engine]
Sessions = sessionmaker[Session]


class _Base(DeclarativeBase):
    """A metadata of its own for the test table."""


class Note(_Base):
    """A row to save."""

    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str]


class ServiceFailedError(Exception):
    """What a service raises in these tests."""


@pytest.fixture
def sessions(database_url: str, field_keys: FieldKeys, make_engine: MakeEngine) -> Sessions:
    """Return a session factory on an empty database that has the notes table."""
    engine = make_engine(database_url, field_keys)
    _Base.metadata.create_all(engine)
    return session_factory(engine)


def _saved(sessions: Sessions) -> list[str]:
    """Return the notes the database holds, read in a unit of work of their own."""
    with unit_of_work(sessions) as session:
        return list(session.scalars(select(Note.text).order_by(Note.id)))


def _add(sessions: Sessions, *notes: Note, failure: Exception | None = None) -> None:
    """Add ``notes`` in one unit of work, flush them, then raise ``failure`` if given."""
    with unit_of_work(sessions) as session:
        session.add_all(notes)
        if failure is not None:
            session.flush()
            raise failure


def test_a_successful_block_is_committed(sessions: Sessions) -> None:
    """What the block added is in the database afterwards, and the session is closed."""
    note = Note(id=1, text="saved")
    _add(sessions, note)
    assert _saved(sessions) == ["saved"]
    assert inspect(note).detached


def test_an_exception_saves_nothing_and_propagates(sessions: Sessions) -> None:
    """If the block raises, even after a flush, nothing is saved and the exception is unchanged."""
    failure = ServiceFailedError("the service refused")
    with pytest.raises(ServiceFailedError) as caught:
        _add(sessions, Note(id=1, text="half done"), failure=failure)
    assert caught.value is failure
    assert _saved(sessions) == []


def test_a_database_failure_becomes_a_storage_error(sessions: Sessions) -> None:
    """A constraint violation at commit is a TransactionFailedError caused by the driver's error."""
    _add(sessions, Note(id=1, text="first"))
    with pytest.raises(TransactionFailedError, match="nothing was saved") as caught:
        _add(sessions, Note(id=2, text="second"), Note(id=1, text="duplicate"))
    assert isinstance(caught.value.__cause__, IntegrityError)
    assert _saved(sessions) == ["first"]
