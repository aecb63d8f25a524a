"""Schema migrations (Alembic): upgrade to head, report the revision, adopt pre-Alembic databases.

The migrations manage Mentorbot's own tables (storage/models.py) and the tables of slack_sdk's
SQLAlchemy installation and OAuth state stores, all in the one database. There is no
alembic.ini: `alembic_config` builds the configuration in code and hands env.py a connection.
Revisions are written by `python -m storage.migrations.autogenerate` (`make migration`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.operations import ops
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection, DefaultClause, Engine, MetaData, inspect, text
from sqlalchemy.types import DateTime, String, TypeDecorator

from storage.oauth_tables import slack_oauth_metadata

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent
# The first released schema. Databases made by that release (create_all, before Alembic)
# have its tables but no alembic_version: they are recorded as this revision, then upgraded.
BASELINE = "0001"
# Any constant: several processes starting at once on one PostgreSQL migrate one at a time.
_PG_MIGRATION_LOCK = 7_220_451_001
_APP_TABLE = "pairs"

UPGRADE_HINT = (
    "Back up the database, then run `python app.py db upgrade` "
    "(or set MENTORBOT_AUTO_MIGRATE=true to upgrade it when the bot starts)."
)


class SchemaError(Exception):
    """The database's schema isn't the one this Mentorbot needs; the message says what to do."""


# -- what the migrations manage ----------------------------------------------------------------
def target_metadata() -> list[MetaData]:
    """Everything the migrations bring the database to: Mentorbot's tables and Slack's."""
    from sqlmodel import SQLModel

    import storage.models  # noqa: F401  (registers the tables)

    return [SQLModel.metadata, slack_oauth_metadata()]


def create_all(engine: Engine) -> None:
    """Create every managed table directly, without migrations (only for throwaway databases)."""
    for metadata in target_metadata():
        metadata.create_all(engine)


# -- Alembic configuration ---------------------------------------------------------------------
def alembic_config(
    connection: Connection | None = None, *, metadata: Sequence[MetaData] | None = None
) -> Config:
    """Alembic's configuration, built in code; env.py runs on `connection`."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    config.attributes["connection"] = connection
    if metadata is not None:
        config.attributes["target_metadata"] = list(metadata)
    return config


def _runner_config(connection: Connection) -> Config:
    """For upgrade and stamp, which compare nothing: the models are not even imported."""
    return alembic_config(connection, metadata=())


def configure_options(config: Config) -> dict[str, Any]:
    """What env.py passes to context.configure, besides the connection."""
    return {
        "target_metadata": (
            config.attributes["target_metadata"]
            if "target_metadata" in config.attributes
            else target_metadata()
        ),
        # SQLite can't ALTER most things: batch mode recreates the table when it must.
        "render_as_batch": True,
        "compare_type": True,
        "render_item": _render_item,
        "process_revision_directives": _defaults_for_new_columns,
    }


def _render_item(kind: str, obj: Any, autogen_context: Any) -> str | bool:
    """Render the column types of storage/models.py as plain SQLAlchemy types.

    A migration must not import the models it migrates from: they change later. UTCDateTime
    is DateTime(timezone=True) underneath, SQLModel's AutoString is String.
    """
    if kind == "type" and isinstance(obj, TypeDecorator):
        impl = obj.impl_instance
        if isinstance(impl, DateTime):
            return f"sa.DateTime(timezone={impl.timezone!r})"
        if isinstance(impl, String):
            return f"sa.String(length={impl.length!r})" if impl.length else "sa.String()"
    return False


def _defaults_for_new_columns(context: Any, revision: Any, directives: list) -> None:
    """A NOT NULL column added to a table that has rows needs a value for them.

    The model's Python default (e.g. Pair.program = "main") becomes the column's server
    default, so the ALTER fills existing rows; with no usable default, generation stops.
    """
    script = directives[0]
    for op in _walk(script.upgrade_ops.ops):
        if not isinstance(op, ops.AddColumnOp):
            continue
        column = op.column
        if column.nullable or column.server_default is not None:
            continue
        default = getattr(column.default, "arg", None)
        if isinstance(default, bool):
            # '0' and '1' read as booleans on PostgreSQL, and as 0 and 1 on SQLite.
            column.server_default = DefaultClause("1" if default else "0")
        elif isinstance(default, int | str):
            column.server_default = DefaultClause(str(default))
        else:
            raise SchemaError(
                f"{op.table_name}.{column.name} is NOT NULL and has no scalar default, so "
                "existing rows get no value: give the model a default, or make it nullable "
                "and fill it in a hand-written data step."
            )


def _walk(operations: Sequence[Any]) -> Iterator[Any]:
    for op in operations:
        if isinstance(op, ops.ModifyTableOps):
            yield from _walk(op.ops)
        else:
            yield op


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise SchemaError(f"no migrations found in {MIGRATIONS_DIR / 'versions'}")
    return head


def _known(revision: str) -> bool:
    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except CommandError:
        return False


# -- status ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SchemaStatus:
    """Where a database stands: its revision (None: not recorded) and the one the code needs."""

    current: str | None
    head: str
    has_tables: bool

    @property
    def at_head(self) -> bool:
        return self.current == self.head

    def describe(self) -> str:
        """One line for `python app.py db current`."""
        if self.at_head:
            return f"Database schema: revision {self.current} (up to date)"
        return f"Database schema: {self._where()}; this Mentorbot needs revision {self.head}"

    def problem(self) -> str:
        """Why the bot won't start on this database, and what to do."""
        if self.current is not None and not _known(self.current):
            return (
                f"the database is at revision {self.current}, which this version of Mentorbot "
                "doesn't know: a newer Mentorbot upgraded it. Run that version, or restore the "
                "backup taken before the upgrade."
            )
        return f"the database schema is out of date: {self._where()}, this Mentorbot needs " + (
            f"revision {self.head}. {UPGRADE_HINT}"
        )

    def _where(self) -> str:
        if self.current is not None:
            return f"it is at revision {self.current}"
        if self.has_tables:
            return "it was created before Mentorbot managed its schema with migrations"
        return "it has no tables yet"


def schema_status(engine: Engine) -> SchemaStatus:
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
        has_tables = inspect(connection).has_table(_APP_TABLE)
    return SchemaStatus(current=current, head=head_revision(), has_tables=has_tables)


def schema_differences(
    engine_or_connection: Engine | Connection, metadata: Sequence[MetaData] | None = None
) -> list[Any]:
    """What autogenerate would change to make the database match the models (empty: nothing)."""
    if isinstance(engine_or_connection, Engine):
        with engine_or_connection.connect() as connection:
            return schema_differences(connection, metadata)
    wanted = list(metadata) if metadata is not None else target_metadata()
    context = MigrationContext.configure(
        engine_or_connection, opts={"compare_type": True, "target_metadata": wanted}
    )
    return list(compare_metadata(context, wanted))  # type: ignore[arg-type]


# -- changing the schema -----------------------------------------------------------------------
def is_in_memory(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite" and engine.url.database in (None, "", ":memory:")


def ensure_schema(engine: Engine, *, auto_migrate: bool) -> None:
    """What the bot does on start: upgrade to head, or refuse (SchemaError) unless already there.

    An in-memory SQLite database lives only as long as this process, so there is nothing to
    migrate: its tables are created directly (the schema tests show both ways agree).
    """
    if is_in_memory(engine):
        create_all(engine)
        return
    if auto_migrate:
        before, after = upgrade(engine)
        if before != after:
            log.info("Upgraded the database schema from %s to %s", before or "nothing", after)
        return
    status = schema_status(engine)
    if not status.at_head:
        raise SchemaError(status.problem())


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str | None]:
    """Upgrade to `revision` in one transaction; returns the revisions before and after.

    Several processes may call this at once: PostgreSQL serialises them with an advisory
    lock, SQLite with its write lock (BEGIN IMMEDIATE), so the later ones find nothing to do.
    """
    with _migration_connection(engine) as connection, connection.begin():
        if connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK}
            )
        before = MigrationContext.configure(connection).get_current_revision()
        if before is not None and not _known(before):
            raise SchemaError(
                SchemaStatus(current=before, head=head_revision(), has_tables=True).problem()
            )
        if before is None and inspect(connection).has_table(_APP_TABLE):
            before = _adopt(connection)
        command.upgrade(_runner_config(connection), revision)
        if connection.dialect.name == "sqlite":
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise SchemaError(f"the upgrade left rows with broken references: {broken[:5]}")
        after = MigrationContext.configure(connection).get_current_revision()
    return before, after


def _adopt(connection: Connection) -> str:
    """Record the revision of a database created before migrations: head if it already matches."""
    revision = head_revision() if not schema_differences(connection) else BASELINE
    command.stamp(_runner_config(connection), revision)
    log.warning(
        "The database was created before Mentorbot managed its schema with migrations; "
        "recorded it as revision %s",
        revision,
    )
    return revision


@contextmanager
def _migration_connection(engine: Engine) -> Iterator[Connection]:
    """A connection for migrating; on SQLite with foreign keys off while tables are rebuilt.

    Batch mode copies a table, drops the original and renames the copy: with foreign keys on,
    dropping a referenced table would fail or cascade. The pragma only takes effect outside a
    transaction, so it is set on the driver's connection before one begins; the upgrade checks
    every reference (PRAGMA foreign_key_check) before it commits.
    """
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        try:
            yield connection
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]
