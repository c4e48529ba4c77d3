"""Revisions of the oversight node's database (Alembic branch ``oversight``)."""
