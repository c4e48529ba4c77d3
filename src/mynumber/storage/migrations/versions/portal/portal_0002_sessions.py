"""The portal's logins under way and residents' sessions.

Revision ID: portal_0002
Revises: portal_0001
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "portal_0002"
down_revision: str | Sequence[str] | None = "portal_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create ``portal_pending_logins`` and ``portal_sessions``."""
    op.create_table(
        "portal_pending_logins",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("challenge", sa.String(length=64), nullable=False),
        sa.Column("kiosk", sa.Boolean(), nullable=False),
        sa.Column("expires_at", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_portal_pending_logins")),
    )
    op.create_table(
        "portal_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("grant", sa.LargeBinary(), nullable=False),
        sa.Column("certificate", sa.String(length=64), nullable=False),
        sa.Column("form_token", sa.String(length=64), nullable=False),
        sa.Column("kiosk", sa.Boolean(), nullable=False),
        sa.Column("started_at", _WHEN, nullable=False),
        sa.Column("last_seen_at", _WHEN, nullable=False),
        sa.Column("expires_at", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_portal_sessions")),
    )


def downgrade() -> None:
    """Drop them."""
    op.drop_table("portal_sessions")
    op.drop_table("portal_pending_logins")
