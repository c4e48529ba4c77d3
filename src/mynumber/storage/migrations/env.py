"""Alembic's environment for mynumber: online only, on the connection handed in.

:func:`mynumber.storage.migrate.alembic_config` puts the connection, the node kind and that
kind's target metadata into ``config.attributes``; nothing is read from an ``alembic.ini``.
"""

from alembic import context

from mynumber.storage.exceptions import MigrationError


def run_migrations() -> None:
    """Run the migrations inside the caller's transaction."""
    config = context.config
    connection = config.attributes.get("connection")
    if context.is_offline_mode() or connection is None:
        msg = (
            "mynumber's migrations run on a live database through `mynumber db upgrade` "
            "(mynumber.storage.upgrade); offline SQL scripts are not supported"
        )
        raise MigrationError(msg)
    context.configure(
        connection=connection,
        target_metadata=config.attributes.get("target_metadata"),
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
