"""A person's ledger entries by disclosure code and position: records of use a page at a time.

Revision ID: hub_0005
Revises: hub_0004
Create Date: 2026-11-27
"""

from collections.abc import Sequence

from alembic import op

revision: str = "hub_0005"
down_revision: str | Sequence[str] | None = "hub_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Index entries by (disclosure code, index); it serves every lookup by disclosure code."""
    op.create_index("ix_ledger_entries_person", "ledger_entries", ["disclosure_code", "index"])
    op.drop_index(op.f("ix_ledger_entries_disclosure_code"), table_name="ledger_entries")


def downgrade() -> None:
    """Go back to the index on the disclosure code alone."""
    op.create_index(
        op.f("ix_ledger_entries_disclosure_code"), "ledger_entries", ["disclosure_code"]
    )
    op.drop_index("ix_ledger_entries_person", table_name="ledger_entries")
