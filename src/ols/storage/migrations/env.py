"""Alembic's entry point for ols's migrations. It runs on the connection ols hands it
(`ols.storage.migrate`), inside ols's transaction, and leaves logging alone."""

from alembic import context

from ols.storage.tables import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "ols's migrations run through ols: `ols db upgrade` or `ols serve` (not the alembic "
        "command line)"
    )
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite alters tables by copying them
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
