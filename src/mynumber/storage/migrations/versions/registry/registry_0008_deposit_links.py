"""Deposit accounts residents linked to their numbers.

Revision ID: registry_0008
Revises: registry_0007
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "registry_0008"
down_revision: str | Sequence[str] | None = "registry_0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create ``deposit_links``."""
    op.create_table(
        "deposit_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("bank", sa.String(length=4), nullable=False),
        sa.Column("branch", sa.String(length=3), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("number", sa.LargeBinary(), nullable=False),
        sa.Column("account_index", sa.LargeBinary(length=32), nullable=False),
        sa.Column("holder_kana", sa.String(length=200), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_deposit_links_resident_id_residents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deposit_links")),
        sa.UniqueConstraint(
            "resident_id", "account_index", name="uq_deposit_links_resident_account"
        ),
    )


def downgrade() -> None:
    """Drop ``deposit_links``."""
    op.drop_table("deposit_links")
