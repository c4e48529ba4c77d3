"""Revisions of the hub node's database (Alembic branch ``hub``)."""
