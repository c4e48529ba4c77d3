"""The clerk's session cookie: signed with a key derived per node, forged or stale ones refused."""

from pathlib import Path

import pytest

from mynumber.deployment import NodeKind
from mynumber.keys import NodeKeys, create_node_keys, load_node_keys
from mynumber.register.clerks import MAX_AGE_SECONDS, ClerkSessions, session_key
from mynumber.register.services import Clerk

NOW = 1_800_000_000.0


@pytest.fixture
def keys(tmp_path: Path) -> NodeKeys:
    """Return a fresh registry's keys."""
    create_node_keys(tmp_path, "registry", NodeKind.REGISTRY)
    return load_node_keys(tmp_path, "registry", NodeKind.REGISTRY, demo_allowed=False)


def test_a_signed_session_names_its_clerk(keys: NodeKeys) -> None:
    """A cookie signed now is read back as the same clerk, names outside ASCII included."""
    sessions = ClerkSessions(session_key(keys))
    cookie = sessions.sign(Clerk("窓口 花子"), now=NOW)
    assert cookie.isascii()
    assert sessions.verify(cookie, now=NOW + 60) == Clerk("窓口 花子")


def test_the_signing_key_is_derived_not_the_field_key(keys: NodeKeys, tmp_path: Path) -> None:
    """HKDF gives a key of its own; another node's cookies do not verify here."""
    assert session_key(keys) != keys.field_encryption
    create_node_keys(tmp_path / "other", "registry", NodeKind.REGISTRY)
    other = load_node_keys(tmp_path / "other", "registry", NodeKind.REGISTRY, demo_allowed=False)
    cookie = ClerkSessions(session_key(other)).sign(Clerk("intruder"), now=NOW)
    assert ClerkSessions(session_key(keys)).verify(cookie, now=NOW) is None


@pytest.mark.parametrize(
    "cookie",
    [None, "", "no-dot", "a.b.c", "e30.AAAA", "!!!.???", "eyJuYW1lIjogIiJ9.AAAA"],
)
def test_malformed_cookies_name_no_one(keys: NodeKeys, cookie: str | None) -> None:
    """Missing, broken or unsigned cookies are no session, never an error."""
    assert ClerkSessions(session_key(keys)).verify(cookie, now=NOW) is None


def test_a_tampered_or_stale_session_names_no_one(keys: NodeKeys) -> None:
    """Changing the signed body, or waiting past a working day, ends the session."""
    sessions = ClerkSessions(session_key(keys))
    cookie = sessions.sign(Clerk("clerk"), now=NOW)
    body, tag = cookie.split(".")
    other_body = sessions.sign(Clerk("chief"), now=NOW).split(".")[0]
    assert sessions.verify(f"{other_body}.{tag}", now=NOW) is None
    assert sessions.verify(f"{body}.{tag}", now=NOW + MAX_AGE_SECONDS + 1) is None
    assert sessions.verify(f"{body}.{tag}", now=NOW - 3600) is None
