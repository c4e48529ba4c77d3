"""The exchange ledger: entries, the Merkle tree's complete nodes, signed checkpoints.

Revision ID: hub_0002
Revises: hub_0001
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "hub_0002"
down_revision: str | Sequence[str] | None = "hub_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the ledger tables."""
    op.create_table(
        "ledger_entries",
        sa.Column("index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("entry", sa.LargeBinary(), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(), nullable=False),
        sa.Column("disclosure_code", sa.String(length=26), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("appended_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('"index" >= 0', name=op.f("ck_ledger_entries_index_not_negative")),
        sa.CheckConstraint("length(leaf_hash) = 32", name=op.f("ck_ledger_entries_leaf_hash_size")),
        sa.PrimaryKeyConstraint("index", name=op.f("pk_ledger_entries")),
    )
    op.create_index(
        op.f("ix_ledger_entries_disclosure_code"), "ledger_entries", ["disclosure_code"]
    )
    op.create_table(
        "ledger_nodes",
        sa.Column("level", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(), nullable=False),
        sa.CheckConstraint("level >= 0", name=op.f("ck_ledger_nodes_level_not_negative")),
        sa.CheckConstraint('"index" >= 0', name=op.f("ck_ledger_nodes_index_not_negative")),
        sa.CheckConstraint("length(hash) = 32", name=op.f("ck_ledger_nodes_hash_size")),
        sa.PrimaryKeyConstraint("level", "index", name=op.f("pk_ledger_nodes")),
    )
    op.create_table(
        "ledger_checkpoints",
        sa.Column("size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("size >= 0", name=op.f("ck_ledger_checkpoints_size_not_negative")),
        sa.PrimaryKeyConstraint("size", name=op.f("pk_ledger_checkpoints")),
    )


def downgrade() -> None:
    """Drop the ledger tables."""
    op.drop_table("ledger_checkpoints")
    op.drop_table("ledger_nodes")
    op.drop_index(op.f("ix_ledger_entries_disclosure_code"), table_name="ledger_entries")
    op.drop_table("ledger_entries")
