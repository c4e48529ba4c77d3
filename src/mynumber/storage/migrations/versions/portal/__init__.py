"""Revisions of the portal node's database (Alembic branch ``portal``)."""
