"""Residents' proxies: appointments, and each time a proxy began to act.

Revision ID: registry_0009
Revises: registry_0008
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "registry_0009"
down_revision: str | Sequence[str] | None = "registry_0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create ``proxy_appointments`` and ``proxy_uses``."""
    op.create_table(
        "proxy_appointments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("principal_id", sa.Integer(), nullable=False),
        sa.Column("proxy_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("invited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("code_expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["principal_id"],
            ["residents.id"],
            name=op.f("fk_proxy_appointments_principal_id_residents"),
        ),
        sa.ForeignKeyConstraint(
            ["proxy_id"], ["residents.id"], name=op.f("fk_proxy_appointments_proxy_id_residents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proxy_appointments")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_proxy_appointments_code_hash")),
    )
    op.create_index(
        op.f("ix_proxy_appointments_principal_id"),
        "proxy_appointments",
        ["principal_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_proxy_appointments_proxy_id"), "proxy_appointments", ["proxy_id"], unique=False
    )
    op.create_table(
        "proxy_uses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("appointment_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["proxy_appointments.id"],
            name=op.f("fk_proxy_uses_appointment_id_proxy_appointments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proxy_uses")),
    )
    op.create_index(
        op.f("ix_proxy_uses_appointment_id"), "proxy_uses", ["appointment_id"], unique=False
    )


def downgrade() -> None:
    """Drop ``proxy_uses`` and ``proxy_appointments``."""
    op.drop_index(op.f("ix_proxy_uses_appointment_id"), table_name="proxy_uses")
    op.drop_table("proxy_uses")
    op.drop_index(op.f("ix_proxy_appointments_proxy_id"), table_name="proxy_appointments")
    op.drop_index(op.f("ix_proxy_appointments_principal_id"), table_name="proxy_appointments")
    op.drop_table("proxy_appointments")
