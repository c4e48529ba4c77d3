"""An institution's shareable copies, its record of exchanges and the numbers it holds.

Revision ID: institution_0002
Revises: institution_0001
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "institution_0002"
down_revision: str | Sequence[str] | None = "institution_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create ``shareable_records``, ``exchange_records`` and ``held_numbers``."""
    op.create_table(
        "shareable_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=26), nullable=False),
        sa.Column("item", sa.String(length=100), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("updated_at", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shareable_records")),
        sa.UniqueConstraint("code", "item", name="uq_shareable_records_code_item"),
    )
    op.create_table(
        "exchange_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("serial", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("counterpart", sa.String(length=64), nullable=False),
        sa.Column("row_id", sa.String(length=100), nullable=False),
        sa.Column("item", sa.String(length=100), nullable=False),
        sa.Column("code", sa.String(length=26), nullable=False),
        sa.Column("staff_id", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("recorded_at", _WHEN, nullable=False),
        sa.Column("completed_at", _WHEN, nullable=True),
        sa.Column("answer", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_records")),
        sa.UniqueConstraint("serial", "role", name="uq_exchange_records_serial_role"),
    )
    op.create_index(op.f("ix_exchange_records_code"), "exchange_records", ["code"])
    op.create_table(
        "held_numbers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=26), nullable=False),
        sa.Column("number", sa.LargeBinary(), nullable=False),
        sa.Column("number_index", sa.LargeBinary(length=32), nullable=False),
        sa.Column("task", sa.String(length=100), nullable=False),
        sa.Column("staff_id", sa.String(length=64), nullable=False),
        sa.Column("collected_at", _WHEN, nullable=False),
        sa.Column("retention_until", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_held_numbers")),
        sa.UniqueConstraint("code", "task", name="uq_held_numbers_code_task"),
    )
    op.create_index(op.f("ix_held_numbers_code"), "held_numbers", ["code"])
    op.create_index(op.f("ix_held_numbers_number_index"), "held_numbers", ["number_index"])


def downgrade() -> None:
    """Drop them again."""
    op.drop_index(op.f("ix_held_numbers_number_index"), table_name="held_numbers")
    op.drop_index(op.f("ix_held_numbers_code"), table_name="held_numbers")
    op.drop_table("held_numbers")
    op.drop_index(op.f("ix_exchange_records_code"), table_name="exchange_records")
    op.drop_table("exchange_records")
    op.drop_table("shareable_records")
