"""Encrypted columns and blind indexes against real SQLite and PostgreSQL databases."""

from collections.abc import Callable

import pytest
import sqlalchemy
from sqlalchemy import select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from mynumber.storage import (
    BlindIndex,
    EncryptedString,
    FieldDecryptionError,
    FieldKeys,
    blind_index,
)

MakeEngine = Callable[[str, FieldKeys], sqlalchemy.Engine]
NUMBER = "621498320257"


class _Base(DeclarativeBase):
    """A metadata of its own, so the test table never joins a node's schema."""


class Holder(_Base):
    """A row that holds a number the way every real table must: encrypted plus blind index."""

    __tablename__ = "holders"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(EncryptedString())
    number_index: Mapped[str | bytes | None] = mapped_column(BlindIndex())


@pytest.fixture
def engine(database_url: str, field_keys: FieldKeys, make_engine: MakeEngine) -> sqlalchemy.Engine:
    """Return an engine on an empty database that has the holders table."""
    engine = make_engine(database_url, field_keys)
    _Base.metadata.create_all(engine)
    return engine


def _store(engine: sqlalchemy.Engine, *numbers: str) -> None:
    """Store each number with its blind index."""
    with Session(engine) as session, session.begin():
        session.add_all(Holder(number=n, number_index=n) for n in numbers)


def test_encrypted_column_round_trips(engine: sqlalchemy.Engine) -> None:
    """A number written through the ORM reads back as the same string; None stays None."""
    _store(engine, NUMBER)
    with Session(engine) as session, session.begin():
        session.add(Holder(number=None, number_index=None))
    with Session(engine) as session:
        assert session.scalars(select(Holder.number).order_by(Holder.id)).all() == [NUMBER, None]


def test_the_number_on_disk_is_neither_plaintext_nor_deterministic(
    engine: sqlalchemy.Engine, field_keys: FieldKeys
) -> None:
    """Raw SQL sees ciphertexts that differ for equal numbers and an HMAC, never the number."""
    _store(engine, NUMBER, NUMBER)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT number, number_index FROM holders")).all()
    first, second = (bytes(row.number) for row in rows)
    assert first != second
    for stored in (first, second):
        assert NUMBER.encode() not in stored
        assert NUMBER.encode("utf-16-le") not in stored
    assert {bytes(row.number_index) for row in rows} == {blind_index(field_keys, NUMBER)}


def test_another_encryption_key_gives_the_clear_error(
    engine: sqlalchemy.Engine, database_url: str, make_engine: MakeEngine
) -> None:
    """Reading with another field-encryption key names the column and says the key differs."""
    _store(engine, NUMBER)
    stranger = make_engine(database_url, FieldKeys.generate())
    with (
        Session(stranger) as session,
        pytest.raises(FieldDecryptionError) as caught,
    ):
        session.scalars(select(Holder)).all()
    assert str(caught.value).startswith(
        "cannot decrypt column holders.number: the field-encryption key does not match "
        "the one the data was written with"
    )


def test_blind_index_finds_the_row(engine: sqlalchemy.Engine) -> None:
    """Comparing the index column with the plaintext number finds exactly its row."""
    _store(engine, NUMBER, "123456789018")
    with Session(engine) as session:
        found = session.scalars(select(Holder).where(Holder.number_index == NUMBER)).all()
    assert [holder.number for holder in found] == [NUMBER]


def test_blind_index_under_another_key_finds_nothing(
    engine: sqlalchemy.Engine, field_keys: FieldKeys, database_url: str, make_engine: MakeEngine
) -> None:
    """With the same encryption key but another blind-index key, the lookup finds no row."""
    _store(engine, NUMBER)
    other = FieldKeys(encryption_key=field_keys.encryption_key, blind_index_key=bytes(32))
    stranger = make_engine(database_url, other)
    with Session(stranger) as session:
        assert session.scalars(select(Holder).where(Holder.number_index == NUMBER)).all() == []


def test_a_loaded_index_can_be_copied_as_it_is(engine: sqlalchemy.Engine) -> None:
    """An index read back (bytes) is stored unchanged, not hashed a second time."""
    _store(engine, NUMBER)
    with Session(engine) as session, session.begin():
        index = session.scalars(select(Holder.number_index)).one()
        session.add(Holder(number=NUMBER, number_index=index))
    with Session(engine) as session:
        assert len(session.scalars(select(Holder).where(Holder.number_index == NUMBER)).all()) == 2
