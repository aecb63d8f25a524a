"""Alembic's environment: runs on the connection storage.migrations hands it (no alembic.ini)."""

from __future__ import annotations

from alembic import context

from storage.migrations import configure_options

config = context.config
connection = config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError(
        "Mentorbot's migrations run through `python app.py db upgrade` (storage.migrations), "
        "which passes them a connection; there is no alembic.ini and no offline mode."
    )
context.configure(connection=connection, **configure_options(config))
with context.begin_transaction():
    context.run_migrations()
