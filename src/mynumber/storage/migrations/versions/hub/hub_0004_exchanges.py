"""Exchanges routed by the hub, the hub's record of refusals, and disclosure codes beside codes.

Revision ID: hub_0004
Revises: hub_0003
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "hub_0004"
down_revision: str | Sequence[str] | None = "hub_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Add the disclosure code to codes; create ``exchanges`` and ``network_refusals``."""
    # A hub before this revision issued no codes outside tests: the column starts empty-free.
    with op.batch_alter_table("institution_codes") as table:
        table.add_column(
            sa.Column("disclosure_code", sa.String(length=26), nullable=False, server_default="")
        )
    with op.batch_alter_table("institution_codes") as table:
        table.alter_column("disclosure_code", server_default=None)
    op.create_table(
        "exchanges",
        sa.Column("serial", sa.String(length=32), nullable=False),
        sa.Column("requester_id", sa.String(length=64), nullable=False),
        sa.Column("staff_id", sa.String(length=64), nullable=False),
        sa.Column("idempotency_key", sa.String(length=100), nullable=False),
        sa.Column("row_id", sa.String(length=100), nullable=False),
        sa.Column("item", sa.String(length=100), nullable=False),
        sa.Column("provider_id", sa.String(length=64), nullable=False),
        sa.Column("requester_code", sa.String(length=26), nullable=False),
        sa.Column("provider_code", sa.String(length=26), nullable=False),
        sa.Column("disclosure_code", sa.String(length=26), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_at", _WHEN, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("completed_at", _WHEN, nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("answer", sa.LargeBinary(), nullable=True),
        sa.Column("collected_at", _WHEN, nullable=True),
        sa.Column("ledger_index", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["requester_id"], ["bodies.id"], name=op.f("fk_exchanges_requester_id_bodies")
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["bodies.id"], name=op.f("fk_exchanges_provider_id_bodies")
        ),
        sa.PrimaryKeyConstraint("serial", name=op.f("pk_exchanges")),
        sa.UniqueConstraint("requester_id", "idempotency_key", name="uq_exchanges_idempotency"),
    )
    op.create_index(op.f("ix_exchanges_disclosure_code"), "exchanges", ["disclosure_code"])
    op.create_table(
        "network_refusals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", _WHEN, nullable=False),
        sa.Column("body_id", sa.String(length=64), nullable=True),
        sa.Column("staff_id", sa.String(length=64), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("ledger_index", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_refusals")),
    )


def downgrade() -> None:
    """Drop them again."""
    op.drop_table("network_refusals")
    op.drop_index(op.f("ix_exchanges_disclosure_code"), table_name="exchanges")
    op.drop_table("exchanges")
    with op.batch_alter_table("institution_codes") as table:
        table.drop_column("disclosure_code")
