"""The network's bodies: tasks, staff, API keys, and the per-body codes (機関別符号).

Revision ID: hub_0003
Revises: hub_0002
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "hub_0003"
down_revision: str | Sequence[str] | None = "hub_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHEN = sa.DateTime(timezone=True)


def _body(table: str) -> sa.ForeignKeyConstraint:
    """Return the foreign key of ``table``'s ``body_id`` column."""
    return sa.ForeignKeyConstraint(
        ["body_id"], ["bodies.id"], name=op.f(f"fk_{table}_body_id_bodies")
    )


def upgrade() -> None:
    """Create the tables of bodies and codes."""
    op.create_table(
        "bodies",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("corporate_number", sa.String(length=13), nullable=False),
        sa.Column("name_ja", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("registered_at", _WHEN, nullable=False),
        sa.Column("registered_by", sa.String(length=100), nullable=False),
        sa.CheckConstraint(
            "length(corporate_number) = 13", name=op.f("ck_bodies_corporate_number_length")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bodies")),
    )
    op.create_index(op.f("ix_bodies_corporate_number"), "bodies", ["corporate_number"])
    op.create_table(
        "body_tasks",
        sa.Column("body_id", sa.String(length=64), nullable=False),
        sa.Column("task_id", sa.String(length=100), nullable=False),
        _body("body_tasks"),
        sa.PrimaryKeyConstraint("body_id", "task_id", name=op.f("pk_body_tasks")),
    )
    _create_staff_and_credentials()
    _create_codes()


def _create_staff_and_credentials() -> None:
    """Create ``staff`` and ``body_credentials``."""
    op.create_table(
        "staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("body_id", sa.String(length=64), nullable=False),
        sa.Column("staff_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("added_at", _WHEN, nullable=False),
        sa.Column("added_by", sa.String(length=100), nullable=False),
        _body("staff"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff")),
        sa.UniqueConstraint("body_id", "staff_id", name="uq_staff_body_staff_id"),
    )
    op.create_table(
        "body_credentials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("body_id", sa.String(length=64), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("issued_at", _WHEN, nullable=False),
        _body("body_credentials"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_body_credentials")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_body_credentials_key_hash")),
    )
    op.create_index(op.f("ix_body_credentials_body_id"), "body_credentials", ["body_id"])


def _create_codes() -> None:
    """Create ``institution_codes``."""
    op.create_table(
        "institution_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_reference", sa.String(length=64), nullable=False),
        sa.Column("body_id", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=26), nullable=False),
        sa.Column("issued_at", _WHEN, nullable=False),
        sa.CheckConstraint(
            "length(person_reference) = 64",
            name=op.f("ck_institution_codes_person_reference_length"),
        ),
        sa.CheckConstraint("length(code) = 26", name=op.f("ck_institution_codes_code_length")),
        _body("institution_codes"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_institution_codes")),
        sa.UniqueConstraint("person_reference", "body_id", name="uq_institution_codes_person_body"),
        sa.UniqueConstraint("code", name=op.f("uq_institution_codes_code")),
    )


def downgrade() -> None:
    """Drop the tables of bodies and codes."""
    op.drop_table("institution_codes")
    op.drop_index(op.f("ix_body_credentials_body_id"), table_name="body_credentials")
    op.drop_table("body_credentials")
    op.drop_table("staff")
    op.drop_table("body_tasks")
    op.drop_index(op.f("ix_bodies_corporate_number"), table_name="bodies")
    op.drop_table("bodies")
