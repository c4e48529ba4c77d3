"""The oversight node's first schema: the node_meta table.

Revision ID: oversight_0001
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

from mynumber.storage.migrations.common import create_node_meta, drop_node_meta

revision: str = "oversight_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("oversight",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the tables every node database has."""
    create_node_meta()


def downgrade() -> None:
    """Drop them again."""
    drop_node_meta()
