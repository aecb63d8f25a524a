"""The database engine (SQLite with WAL, or PostgreSQL) and the unit-of-work session."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel

SQLITE_BUSY_TIMEOUT_MS = 15_000


def make_engine(url: str) -> Engine:
    """Build the engine for `url`; SQLite gets WAL, a busy timeout and immediate transactions."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)

    in_memory = url in ("sqlite://", "sqlite:///:memory:")
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        poolclass=StaticPool if in_memory else None,
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        # Let SQLAlchemy's "begin" hook below issue BEGIN itself (pysqlite's own would be
        # deferred, and a deferred read-then-write transaction fails with "database is
        # locked" when another writer got in between).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not in_memory:
            use_wal(dbapi_connection)
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # What is deleted is overwritten with zeros, not left in free space (forget-me: see
        # Database.erase_deleted for the WAL).
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin_immediate(connection) -> None:  # type: ignore[no-untyped-def]
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def use_wal(
    dbapi_connection: sqlite3.Connection,
    *,
    timeout_s: float = SQLITE_BUSY_TIMEOUT_MS / 1000,
    pause: Callable[[float], None] = time.sleep,
) -> None:
    """Switch a SQLite file to WAL, waiting while another connection holds it locked.

    WAL is recorded in the file, so only the first connection to a new database changes it.
    SQLite refuses that change at once with "database is locked" (its busy timeout does not
    apply) while another connection is writing in the old journal mode, which is exactly what
    happens when several processes start together on a new file; so it is retried here, with
    backoff, for as long as the busy timeout would have waited in all.
    """
    waited = 0.0
    delay = 0.005
    while True:
        try:
            dbapi_connection.execute("PRAGMA journal_mode=WAL").fetchall()
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or waited + delay > timeout_s:
                raise
        pause(delay)
        waited += delay
        delay = min(delay * 2, 0.2)


def create_schema(engine: Engine) -> None:
    """Create every table that does not exist yet."""
    import storage.models  # noqa: F401  (registers the tables)

    SQLModel.metadata.create_all(engine)


class Database:
    """Hands out one session per unit of work: committed on success, rolled back on error."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def ping(self) -> None:
        """Run a trivial query; raises if the database can't be reached (the health check)."""
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def erase_deleted(self) -> bool:
        """Leave nothing just deleted in the database files; False if that had to wait.

        SQLite zeroes deleted content (secure_delete), but in WAL mode the pages as they were
        before stay in the -wal file until a checkpoint: this one copies every page into the
        main file and truncates the WAL to nothing (waiting, up to the busy timeout, for
        readers still using it). PostgreSQL keeps no such copy a query could find: its dead
        rows are invisible to every query and go at the next VACUUM.
        """
        if self.engine.dialect.name != "sqlite":
            return True
        raw = self.engine.raw_connection()  # outside any transaction, as a checkpoint must be
        try:
            row = raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            raw.close()
        return row is None or row[0] == 0  # (busy, frames in the WAL, frames checkpointed)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
