"""The engine factory's choice of backend and driver, without connecting."""

import pytest
from sqlalchemy.orm import Session

from mynumber.storage import FieldKeys, UnsupportedDatabaseURLError, create_engine, session_factory
from mynumber.storage.fields import field_keys_for


@pytest.mark.parametrize(
    "url", ["mysql://user@db.example/mynumber", "postgresql+psycopg2://user@db/x", "oracle://x"]
)
def test_unsupported_schemes_are_refused_with_the_supported_ones(url: str) -> None:
    """Another database or driver is refused with a message listing what is supported."""
    with pytest.raises(UnsupportedDatabaseURLError) as caught:
        create_engine(url, FieldKeys.generate())
    message = str(caught.value)
    assert url.split("://", 1)[0] in message
    assert "sqlite://" in message
    assert "postgresql://" in message


def test_an_unparseable_url_is_refused() -> None:
    """Text that is not a URL is refused as a storage error, not a SQLAlchemy one."""
    with pytest.raises(UnsupportedDatabaseURLError, match="cannot be parsed"):
        create_engine("not a url", FieldKeys.generate())


def test_a_refused_url_does_not_echo_its_password() -> None:
    """The error for an unsupported URL never repeats the password in it."""
    with pytest.raises(UnsupportedDatabaseURLError) as caught:
        create_engine("mysql://clerk:hunter2@db/mynumber", FieldKeys.generate())
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize(
    "url", ["postgresql://clerk@db.example/mynumber", "postgresql+psycopg://clerk@db/mynumber"]
)
def test_postgresql_urls_use_psycopg_3(url: str) -> None:
    """Plain postgresql:// URLs are rewritten to the psycopg 3 driver."""
    engine = create_engine(url, FieldKeys.generate())
    assert engine.url.drivername == "postgresql+psycopg"
    assert engine.dialect.driver == "psycopg"


def test_each_engine_carries_its_own_keys() -> None:
    """Two engines in one process (two nodes) each keep the keys they were made with."""
    first_keys, second_keys = FieldKeys.generate(), FieldKeys.generate()
    first = create_engine("postgresql://a@db/registry", first_keys)
    second = create_engine("postgresql://a@db/hub", second_keys)
    assert field_keys_for(first.dialect) is first_keys
    assert field_keys_for(second.dialect) is second_keys


def test_sessions_keep_objects_loaded_after_commit() -> None:
    """The session factory binds to the engine and does not expire objects on commit."""
    engine = create_engine("postgresql://a@db/registry", FieldKeys.generate())
    factory = session_factory(engine)
    with factory() as session:
        assert isinstance(session, Session)
        assert session.get_bind() is engine
    assert factory.kw["expire_on_commit"] is False
