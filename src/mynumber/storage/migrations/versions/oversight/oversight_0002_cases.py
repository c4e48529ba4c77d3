"""Residents' reports of records they do not recognise.

Revision ID: oversight_0002
Revises: oversight_0001
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "oversight_0002"
down_revision: str | Sequence[str] | None = "oversight_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create ``oversight_cases``."""
    op.create_table(
        "oversight_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disclosure_code", sa.String(length=26), nullable=False),
        sa.Column("ledger_index", sa.BigInteger(), nullable=False),
        sa.Column("entry", sa.Text(), nullable=False),
        sa.Column("proof", sa.Text(), nullable=False),
        sa.Column("checkpoint", sa.Text(), nullable=False),
        sa.Column("verifier_key", sa.String(length=200), nullable=False),
        sa.Column("statement", sa.LargeBinary(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oversight_cases")),
    )
    op.create_index(
        op.f("ix_oversight_cases_disclosure_code"), "oversight_cases", ["disclosure_code"]
    )


def downgrade() -> None:
    """Drop ``oversight_cases``."""
    op.drop_index(op.f("ix_oversight_cases_disclosure_code"), table_name="oversight_cases")
    op.drop_table("oversight_cases")
