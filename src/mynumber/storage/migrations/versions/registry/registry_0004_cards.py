"""Cards: applications, cards, JPKI certificates and authorities, relying parties, identity checks.

Revision ID: registry_0004
Revises: registry_0003
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "registry_0004"
down_revision: str | Sequence[str] | None = "registry_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHEN = sa.DateTime(timezone=True)


def _resident(table: str) -> sa.ForeignKeyConstraint:
    """Return the foreign key of ``table``'s ``resident_id`` column."""
    return sa.ForeignKeyConstraint(
        ["resident_id"], ["residents.id"], name=op.f(f"fk_{table}_resident_id_residents")
    )


def upgrade() -> None:
    """Create the card tables."""
    op.create_table(
        "card_applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.String(length=23), nullable=True),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=10), nullable=False),
        sa.Column("photo", sa.LargeBinary(), nullable=False),
        sa.Column("photo_type", sa.String(length=20), nullable=False),
        sa.Column("applied_at", _WHEN, nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        _resident("card_applications"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_applications")),
        sa.UniqueConstraint("application_id", name=op.f("uq_card_applications_application_id")),
    )
    op.create_index(op.f("ix_card_applications_resident_id"), "card_applications", ["resident_id"])
    _create_cards()
    _create_authorities()
    _create_identity_checks()


def _create_cards() -> None:
    """Create ``cards`` and ``certificates``."""
    op.create_table(
        "cards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("manufacturing_number", sa.String(length=16), nullable=False),
        sa.Column("security_code", sa.LargeBinary(), nullable=False),
        sa.Column("manufactured_at", _WHEN, nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("handed_over_at", _WHEN, nullable=True),
        sa.Column("handed_over_by", sa.String(length=100), nullable=True),
        sa.Column("identity_check", sa.String(length=300), nullable=True),
        sa.Column("ended_at", _WHEN, nullable=True),
        sa.Column("ended_reason", sa.String(length=30), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["card_applications.id"],
            name=op.f("fk_cards_application_id_card_applications"),
        ),
        _resident("cards"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cards")),
        sa.UniqueConstraint("application_id", name=op.f("uq_cards_application_id")),
        sa.UniqueConstraint("manufacturing_number", name=op.f("uq_cards_manufacturing_number")),
    )
    op.create_index(op.f("ix_cards_resident_id"), "cards", ["resident_id"])
    op.create_table(
        "certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("serial", sa.String(length=40), nullable=False),
        sa.Column("not_before", _WHEN, nullable=False),
        sa.Column("not_after", _WHEN, nullable=False),
        sa.Column("pem", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("revoked_at", _WHEN, nullable=True),
        sa.Column("revocation_reason", sa.String(length=30), nullable=True),
        sa.ForeignKeyConstraint(
            ["card_id"], ["cards.id"], name=op.f("fk_certificates_card_id_cards")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
        sa.UniqueConstraint("kind", "serial", name=op.f("uq_certificates_kind_serial")),
    )
    op.create_index(op.f("ix_certificates_card_id"), "certificates", ["card_id"])


def _create_authorities() -> None:
    """Create ``jpki_authorities`` and ``relying_parties``."""
    op.create_table(
        "jpki_authorities",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("certificate_pem", sa.Text(), nullable=False),
        sa.Column("responder_pem", sa.Text(), nullable=False),
        sa.Column("crl_number", sa.Integer(), nullable=False),
        sa.Column("crl", sa.LargeBinary(), nullable=False),
        sa.Column("crl_updated_at", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("kind", name=op.f("pk_jpki_authorities")),
    )
    op.create_table(
        "relying_parties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("registered_at", _WHEN, nullable=False),
        sa.Column("registered_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relying_parties")),
        sa.UniqueConstraint("name", name=op.f("uq_relying_parties_name")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_relying_parties_token_hash")),
    )


def _create_identity_checks() -> None:
    """Create ``identity_challenges`` and ``identity_receipts``."""
    op.create_table(
        "identity_challenges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge", sa.String(length=64), nullable=False),
        sa.Column("body", sa.String(length=200), nullable=False),
        sa.Column("staff", sa.String(length=100), nullable=False),
        sa.Column("task", sa.String(length=200), nullable=False),
        sa.Column("issued_at", _WHEN, nullable=False),
        sa.Column("expires_at", _WHEN, nullable=False),
        sa.Column("used_at", _WHEN, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_challenges")),
        sa.UniqueConstraint("challenge", name=op.f("uq_identity_challenges_challenge")),
    )
    op.create_table(
        "identity_receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("receipt_id", sa.String(length=36), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("documents", sa.JSON(), nullable=False),
        sa.Column("certificate_serial", sa.String(length=40), nullable=True),
        sa.Column("body", sa.String(length=200), nullable=False),
        sa.Column("staff", sa.String(length=100), nullable=False),
        sa.Column("task", sa.String(length=200), nullable=False),
        sa.Column("issued_at", _WHEN, nullable=False),
        sa.Column("expires_at", _WHEN, nullable=False),
        sa.Column("redeemed_at", _WHEN, nullable=True),
        sa.Column("signed", sa.JSON(), nullable=False),
        _resident("identity_receipts"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_receipts")),
        sa.UniqueConstraint("receipt_id", name=op.f("uq_identity_receipts_receipt_id")),
    )
    op.create_index(op.f("ix_identity_receipts_resident_id"), "identity_receipts", ["resident_id"])


def downgrade() -> None:
    """Drop the card tables."""
    for table in (
        "identity_receipts",
        "identity_challenges",
        "relying_parties",
        "jpki_authorities",
        "certificates",
        "cards",
        "card_applications",
    ):
        op.drop_table(table)
