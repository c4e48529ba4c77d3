"""Alembic migrations for every node kind, one version directory (and branch) per kind.

Run them through :func:`mynumber.storage.upgrade` (``mynumber db upgrade``); ``env.py`` takes the
connection it is handed and never reads an ``alembic.ini``. A kind's first revision carries
``branch_labels=(kind,)``, so ``registry@head`` names the head of the registry's schema.
"""
