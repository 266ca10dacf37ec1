"""Alembic environment for the transactional store: run on the connection ``data.store`` hands
over (``config.attributes['connection']``), never from an ini file or the command line."""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
