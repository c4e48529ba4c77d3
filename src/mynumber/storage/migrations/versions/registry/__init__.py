"""Revisions of the registry node's database (Alembic branch ``registry``)."""
