"""Schema steps that the migrations of several node kinds share.

Each function is a frozen snapshot, like any migration: when a shared table changes, add a new
function here (``add_..._v2``) and call it from a new revision of every kind; never edit one that
a released revision calls.
"""

import sqlalchemy as sa
from alembic import op

#: The node kinds as they stood when ``node_meta`` was created (deployment.NodeKind).
NODE_KINDS_V1 = ("registry", "hub", "portal", "oversight", "institution")


def create_node_meta() -> None:
    """Create ``node_meta``: the one row that says which node owns the database, with which keys."""
    op.create_table(
        "node_meta",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("node_id", sa.String(length=64), nullable=False),
        sa.Column(
            "node_kind",
            sa.Enum(
                *NODE_KINDS_V1,
                name=op.f("ck_node_meta_node_kind"),
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("encryption_key_fingerprint", sa.String(length=16), nullable=False),
        sa.Column("blind_index_key_fingerprint", sa.String(length=16), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_node_meta_singleton")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_node_meta")),
    )


def drop_node_meta() -> None:
    """Drop ``node_meta``."""
    op.drop_table("node_meta")
