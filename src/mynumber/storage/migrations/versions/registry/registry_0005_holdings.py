"""Number holdings: who holds a person's number, for what, until when; refused collections.

Revision ID: registry_0005
Revises: registry_0004
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "registry_0005"
down_revision: str | Sequence[str] | None = "registry_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHEN = sa.DateTime(timezone=True)


def _resident(table: str) -> sa.ForeignKeyConstraint:
    """Return the foreign key of ``table``'s ``resident_id`` column."""
    return sa.ForeignKeyConstraint(
        ["resident_id"], ["residents.id"], name=op.f(f"fk_{table}_resident_id_residents")
    )


def upgrade() -> None:
    """Create ``number_holdings`` and ``collection_refusals``."""
    op.create_table(
        "number_holdings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("body_id", sa.String(length=64), nullable=False),
        sa.Column("body_name_en", sa.String(length=200), nullable=False),
        sa.Column("body_name_ja", sa.String(length=200), nullable=False),
        sa.Column("body_kind", sa.String(length=32), nullable=False),
        sa.Column("task", sa.String(length=100), nullable=False),
        sa.Column("staff", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("collected_at", _WHEN, nullable=False),
        sa.Column("retention_until", sa.Date(), nullable=False),
        sa.Column("receipt_id", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=26), nullable=False),
        sa.Column("ledger_index", sa.BigInteger(), nullable=False),
        sa.Column("deleted_at", _WHEN, nullable=True),
        sa.Column("deletion_receipt", sa.JSON(), nullable=True),
        _resident("number_holdings"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_number_holdings")),
        sa.UniqueConstraint("receipt_id", name=op.f("uq_number_holdings_receipt_id")),
    )
    op.create_index(op.f("ix_number_holdings_resident_id"), "number_holdings", ["resident_id"])
    op.create_index(
        op.f("ix_number_holdings_retention_until"), "number_holdings", ["retention_until"]
    )
    op.create_index(
        "uq_number_holdings_one_live",
        "number_holdings",
        ["resident_id", "body_id", "task"],
        unique=True,
        sqlite_where=sa.text("deleted_at IS NULL"),
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_table(
        "collection_refusals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("body_id", sa.String(length=64), nullable=True),
        sa.Column("staff", sa.String(length=64), nullable=True),
        sa.Column("task", sa.String(length=100), nullable=True),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("at", _WHEN, nullable=False),
        sa.Column("ledger_index", sa.BigInteger(), nullable=True),
        _resident("collection_refusals"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collection_refusals")),
    )
    op.create_index(
        op.f("ix_collection_refusals_resident_id"), "collection_refusals", ["resident_id"]
    )


def downgrade() -> None:
    """Drop the holding tables."""
    op.drop_table("collection_refusals")
    op.drop_table("number_holdings")
