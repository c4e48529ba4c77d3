"""Residents' locks on their numbers.

Revision ID: registry_0006
Revises: registry_0005
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "registry_0006"
down_revision: str | Sequence[str] | None = "registry_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create ``number_locks``."""
    op.create_table(
        "number_locks",
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("locked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_number_locks_resident_id_residents"),
        ),
        sa.PrimaryKeyConstraint("resident_id", name=op.f("pk_number_locks")),
    )


def downgrade() -> None:
    """Drop ``number_locks``."""
    op.drop_table("number_locks")
