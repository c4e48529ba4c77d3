"""Revisions of the institution node's database (Alembic branch ``institution``)."""
