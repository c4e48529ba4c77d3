"""Residents' sessions on the portal: bound to one browser's login, short, and ended for good."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from mynumber.portal.models import PendingLogin, PortalSession
from mynumber.portal.sessions import IDLE, KIOSK_IDLE, LOGIN_WAIT, PortalSessions, token_hash
from mynumber.storage import FieldKeys, create_engine
from mynumber.storage.models import Base

START = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        """Start at :data:`START`."""
        self.now = START

    def __call__(self) -> datetime:
        """Return the time."""
        return self.now


@pytest.fixture
def session() -> Iterator[Session]:
    """Yield a session of an in-memory database holding the portal's tables."""
    engine = create_engine("sqlite://", FieldKeys(bytes(32), bytes(range(32))))
    tables = [PendingLogin.__table__, PortalSession.__table__]
    Base.metadata.create_all(engine, tables=tables)  # type: ignore[arg-type]
    with Session(engine) as opened:
        yield opened


def _started(sessions: PortalSessions, *, kiosk: bool = False) -> str:
    """Log someone in through a login of their own; return the session's token."""
    login_token = sessions.begin_login("c0ffee", kiosk=kiosk)
    login = sessions.pending(login_token)
    assert login is not None
    token, _ = sessions.start(
        login, grant="g", certificate="1f", grant_expires_at=START + timedelta(hours=1)
    )
    return token


def test_a_login_is_bound_to_its_browser_and_waits_five_minutes(session: Session) -> None:
    """Only the pre-login token finds the challenge, and only until it expires."""
    clock = Clock()
    sessions = PortalSessions(session, clock)
    token = sessions.begin_login("c0ffee", kiosk=False)
    found = sessions.pending(token)
    assert found is not None
    assert found.challenge == "c0ffee"
    assert sessions.pending("another browser") is None
    assert sessions.pending(None) is None
    clock.now = START + LOGIN_WAIT + timedelta(seconds=1)
    assert sessions.pending(token) is None


def test_the_session_token_is_new_and_never_stored(session: Session) -> None:
    """Starting a session ends the login; the database holds only the token's hash."""
    sessions = PortalSessions(session, Clock())
    login_token = sessions.begin_login("c0ffee", kiosk=False)
    token = _started(sessions)
    assert token != login_token
    stored = session.get(PortalSession, token_hash(token))
    assert stored is not None
    assert session.get(PortalSession, token) is None


@pytest.mark.parametrize(("kiosk", "idle"), [(False, IDLE), (True, KIOSK_IDLE)])
def test_an_idle_session_ends(session: Session, *, kiosk: bool, idle: timedelta) -> None:
    """Each request keeps it alive; idle for the limit, it is gone for good."""
    clock = Clock()
    sessions = PortalSessions(session, clock)
    token = _started(sessions, kiosk=kiosk)
    clock.now = START + idle - timedelta(seconds=1)
    assert sessions.current(token) is not None
    clock.now += idle - timedelta(seconds=1)
    assert sessions.current(token) is not None
    clock.now += idle
    assert sessions.current(token) is None
    clock.now = START
    assert sessions.current(token) is None


def test_no_session_outlives_the_registrys_grant(session: Session) -> None:
    """However busy, the session ends with the grant."""
    clock = Clock()
    sessions = PortalSessions(session, clock)
    token = _started(sessions)
    for minutes in range(5, 60, 5):
        clock.now = START + timedelta(minutes=minutes)
        assert sessions.current(token) is not None
    clock.now = START + timedelta(hours=1)
    assert sessions.current(token) is None


def test_ending_a_session_says_whether_it_was_a_kiosks(session: Session) -> None:
    """A kiosk's session ends as a kiosk's, so the next person gets the kiosk's login page."""
    sessions = PortalSessions(session, Clock())
    at_home, at_kiosk = _started(sessions), _started(sessions, kiosk=True)
    assert sessions.end(at_kiosk) is True
    assert sessions.end(at_home) is False
    assert sessions.end(at_home) is False
    assert sessions.current(at_kiosk) is None
