"""One unit of work per request or command.

The edge that handles a request (an HTTP route, a CLI command) owns the transaction: it opens a
unit of work, hands the session to one service method, and the unit of work commits when that
returns. Services never commit; if anything raises, nothing they did is saved::

    with unit_of_work(sessions) as session:
        ResidentService(session).register(...)
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from mynumber.storage.exceptions import TransactionFailedError

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy.orm import Session, sessionmaker

__all__ = ["unit_of_work"]


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Yield a fresh session; commit if the block succeeds, roll back if it raises, always close.

    Exceptions from the block propagate unchanged, except database failures (SQLAlchemy errors,
    from the block or from the commit), which become :class:`TransactionFailedError` with the
    original as their cause.
    """
    session = factory()
    try:
        yield session
        session.commit()
    except SQLAlchemyError as exc:
        session.rollback()
        raise TransactionFailedError(_failure_message(exc)) from exc
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _failure_message(exc: SQLAlchemyError) -> str:
    """Say in the operator's terms why the database refused the unit of work."""
    if isinstance(exc, IntegrityError):
        return (
            "the change conflicts with what the database already holds (a duplicate, or a "
            "reference to something that does not exist); nothing was saved"
        )
    return (
        f"the database failed the transaction ({type(exc).__name__}); nothing was saved. "
        "Check that the database is reachable and migrated (`mynumber db upgrade`)"
    )
