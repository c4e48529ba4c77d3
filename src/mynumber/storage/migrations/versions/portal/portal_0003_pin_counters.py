"""The card's PIN counters as its app reported them at login, kept with the session.

Revision ID: portal_0003
Revises: portal_0002
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "portal_0003"
down_revision: str | Sequence[str] | None = "portal_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add ``portal_sessions.pins``."""
    op.add_column("portal_sessions", sa.Column("pins", sa.Text(), nullable=True))


def downgrade() -> None:
    """Drop ``portal_sessions.pins``."""
    op.drop_column("portal_sessions", "pins")
