"""A proxy's session acting for a resident: the acting grant's owner, and whom it acts for.

Revision ID: portal_0004
Revises: portal_0003
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "portal_0004"
down_revision: str | Sequence[str] | None = "portal_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add ``portal_sessions.own_grant`` and ``portal_sessions.acting_for``."""
    op.add_column("portal_sessions", sa.Column("own_grant", sa.LargeBinary(), nullable=True))
    op.add_column("portal_sessions", sa.Column("acting_for", sa.String(length=200), nullable=True))


def downgrade() -> None:
    """Drop them."""
    op.drop_column("portal_sessions", "acting_for")
    op.drop_column("portal_sessions", "own_grant")
