"""Residents' public-benefit receipt accounts.

Revision ID: registry_0007
Revises: registry_0006
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "registry_0007"
down_revision: str | Sequence[str] | None = "registry_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create ``benefit_accounts``."""
    op.create_table(
        "benefit_accounts",
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("bank", sa.String(length=4), nullable=False),
        sa.Column("branch", sa.String(length=3), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("number", sa.LargeBinary(), nullable=False),
        sa.Column("holder_kana", sa.String(length=200), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_benefit_accounts_resident_id_residents"),
        ),
        sa.PrimaryKeyConstraint("resident_id", name=op.f("pk_benefit_accounts")),
    )


def downgrade() -> None:
    """Drop ``benefit_accounts``."""
    op.drop_table("benefit_accounts")
