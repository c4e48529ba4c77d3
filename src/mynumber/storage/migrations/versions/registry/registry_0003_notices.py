"""Notices of the number: batches, one notice per resident, alternate notice addresses.

Revision ID: registry_0003
Revises: registry_0002
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "registry_0003"
down_revision: str | Sequence[str] | None = "registry_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the tables of notice batches, notices and alternate-address requests."""
    op.create_table(
        "notice_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.Column("alternate_address_deadline", sa.Date(), nullable=False),
        sa.Column("issued_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_batches")),
    )
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.String(length=23), nullable=False),
        sa.Column("mailing_postal_code", sa.String(length=7), nullable=True),
        sa.Column("mailing_address", sa.String(length=300), nullable=True),
        sa.Column("printed_at", _WHEN, nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["notice_batches.id"], name=op.f("fk_notices_batch_id_notice_batches")
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_notices_resident_id_residents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
        sa.UniqueConstraint("application_id", name=op.f("uq_notices_application_id")),
        sa.UniqueConstraint("resident_id", name=op.f("uq_notices_resident_id")),
    )
    op.create_index(op.f("ix_notices_batch_id"), "notices", ["batch_id"])
    _create_alternate_address_requests()


def _create_alternate_address_requests() -> None:
    """Create ``alternate_address_requests`` and its indexes."""
    op.create_table(
        "alternate_address_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("postal_code", sa.String(length=7), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("reason_text", sa.String(length=500), nullable=True),
        sa.Column("filed_at", _WHEN, nullable=False),
        sa.Column("filed_by", sa.String(length=100), nullable=False),
        sa.CheckConstraint(
            "reason in ('domestic-violence', 'disaster', 'hospital-or-care', 'other')",
            name=op.f("ck_alternate_address_requests_reason"),
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["notice_batches.id"],
            name=op.f("fk_alternate_address_requests_batch_id_notice_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["residents.id"],
            name=op.f("fk_alternate_address_requests_resident_id_residents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alternate_address_requests")),
    )
    op.create_index(
        op.f("ix_alternate_address_requests_batch_id"), "alternate_address_requests", ["batch_id"]
    )
    op.create_index(
        op.f("ix_alternate_address_requests_resident_id"),
        "alternate_address_requests",
        ["resident_id"],
    )


def downgrade() -> None:
    """Drop the notices' tables."""
    for table in ("alternate_address_requests", "notices", "notice_batches"):
        op.drop_table(table)
