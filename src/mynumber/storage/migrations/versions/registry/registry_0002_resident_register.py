"""The resident register: households, residents, their numbers and their life events.

Revision ID: registry_0002
Revises: registry_0001
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "registry_0002"
down_revision: str | Sequence[str] | None = "registry_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the register's tables."""
    op.create_table(
        "households",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("batch_id", sa.String(length=64), nullable=True),
        sa.Column("batch_key", sa.String(length=64), nullable=True),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_households")),
        sa.UniqueConstraint("batch_id", "batch_key", name="uq_households_batch_key"),
    )
    _create_residents()
    _create_individual_numbers()
    op.create_table(
        "life_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", _WHEN, nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_life_events_resident_id_residents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_life_events")),
    )
    op.create_index(op.f("ix_life_events_resident_id"), "life_events", ["resident_id"])
    op.create_table(
        "attribute_lookups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("asked_by", sa.String(length=200), nullable=False),
        sa.Column("task", sa.String(length=200), nullable=False),
        sa.Column("asked_at", _WHEN, nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("matches", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_attribute_lookups_resident_id_residents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attribute_lookups")),
    )
    op.create_index(op.f("ix_attribute_lookups_resident_id"), "attribute_lookups", ["resident_id"])


def _create_residents() -> None:
    """Create ``residents`` and its indexes."""
    text = sa.String
    op.create_table(
        "residents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_record_code", text(11), nullable=False),
        sa.Column("family_name", text(100), nullable=False),
        sa.Column("given_name", text(100), nullable=False),
        sa.Column("family_name_kana", text(200), nullable=False),
        sa.Column("given_name_kana", text(200), nullable=False),
        sa.Column("latin_name", text(200), nullable=True),
        sa.Column("former_surname", text(100), nullable=True),
        sa.Column("alias", text(200), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("sex", text(6), nullable=False),
        sa.Column("nationality", text(2), nullable=False),
        sa.Column("resident_status", text(100), nullable=True),
        sa.Column("period_of_stay_until", sa.Date(), nullable=True),
        sa.Column("municipality_code", text(6), nullable=False),
        sa.Column("postal_code", text(7), nullable=False),
        sa.Column("address", text(300), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("household_head", sa.Boolean(), nullable=False),
        sa.Column("preferred_language", text(2), nullable=False),
        sa.Column("address_protected", sa.Boolean(), nullable=False),
        sa.Column("state", text(10), nullable=False),
        sa.Column("name_key", text(200), nullable=False),
        sa.Column("kana_key", text(400), nullable=False),
        sa.Column("address_key", text(300), nullable=False),
        sa.Column("batch_id", text(64), nullable=True),
        sa.Column("batch_row", sa.Integer(), nullable=True),
        sa.Column("registered_at", _WHEN, nullable=False),
        sa.CheckConstraint("sex in ('male', 'female')", name=op.f("ck_residents_sex")),
        sa.CheckConstraint(
            "state in ('resident', 'moved-out', 'deceased')", name=op.f("ck_residents_state")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_residents_household_id_households")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_residents")),
        sa.UniqueConstraint("batch_id", "batch_row", name="uq_residents_batch_row"),
        sa.UniqueConstraint("resident_record_code", name=op.f("uq_residents_resident_record_code")),
    )
    op.create_index("ix_residents_birth_kana", "residents", ["date_of_birth", "kana_key"])
    op.create_index("ix_residents_birth_name", "residents", ["date_of_birth", "name_key"])
    op.create_index(op.f("ix_residents_household_id"), "residents", ["household_id"])


def _create_individual_numbers() -> None:
    """Create ``individual_numbers``: encrypted numbers, their blind index, one active each."""
    op.create_table(
        "individual_numbers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("number", sa.LargeBinary(), nullable=False),
        sa.Column("number_index", sa.LargeBinary(length=32), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("issued_at", _WHEN, nullable=False),
        sa.Column("replaced_at", _WHEN, nullable=True),
        sa.CheckConstraint(
            "state in ('active', 'replaced')", name=op.f("ck_individual_numbers_state")
        ),
        sa.CheckConstraint(
            "generation >= 0 and generation <= 9", name=op.f("ck_individual_numbers_generation")
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_individual_numbers_resident_id_residents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_individual_numbers")),
        sa.UniqueConstraint("number_index", name=op.f("uq_individual_numbers_number_index")),
        sa.UniqueConstraint("resident_id", "generation", name="uq_individual_numbers_generation"),
    )
    op.create_index(
        "uq_individual_numbers_one_active",
        "individual_numbers",
        ["resident_id"],
        unique=True,
        sqlite_where=sa.text("state = 'active'"),
        postgresql_where=sa.text("state = 'active'"),
    )


def downgrade() -> None:
    """Drop the register's tables."""
    tables = ("attribute_lookups", "life_events", "individual_numbers", "residents", "households")
    for table in tables:
        op.drop_table(table)
