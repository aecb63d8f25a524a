"""The SQLite engine: WAL, and several connections opening a new database file together."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.db import make_engine, use_wal


def _writer_in_rollback_mode(path: Path) -> sqlite3.Connection:
    """A connection writing to a new file in SQLite's default journal mode, lock still held."""
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("CREATE TABLE first_writer (x INTEGER)")
    return writer


def test_sqlite_refuses_the_switch_to_wal_at_once_while_another_connection_writes(
    tmp_path: Path,
) -> None:
    # The trap use_wal exists for: the busy timeout does not cover a journal mode change.
    path = tmp_path / "new.db"
    writer = _writer_in_rollback_mode(path)
    other = sqlite3.connect(path, timeout=5, isolation_level=None)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        other.execute("PRAGMA journal_mode=WAL")
    writer.execute("ROLLBACK")


def test_use_wal_waits_for_the_writer_and_then_switches(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    writer = _writer_in_rollback_mode(path)
    pauses: list[float] = []

    def pause(seconds: float) -> None:
        pauses.append(seconds)
        if len(pauses) == 3:
            writer.execute("COMMIT")

    connection = sqlite3.connect(path, isolation_level=None)
    use_wal(connection, timeout_s=5, pause=pause)

    assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert len(pauses) == 3 and pauses == sorted(pauses), "backs off while it waits"


def test_use_wal_gives_up_after_the_busy_timeout(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    writer = _writer_in_rollback_mode(path)
    connection = sqlite3.connect(path, isolation_level=None)
    waited: list[float] = []

    with pytest.raises(sqlite3.OperationalError, match="locked"):
        use_wal(connection, timeout_s=0.05, pause=waited.append)
    assert 0 < sum(waited) <= 0.05
    writer.execute("ROLLBACK")


def test_the_engine_opens_new_files_in_wal_mode(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
    engine.dispose()


def test_every_connection_zeroes_what_is_deleted(tmp_path: Path) -> None:
    """secure_delete on each connection, whatever the SQLite build's default (some builds
    leave deleted rows readable in free pages)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'mentorbot.db'}")
    raw = [engine.raw_connection() for _ in range(2)]  # two connections of the pool
    try:
        for connection in raw:
            assert connection.driver_connection.execute("PRAGMA secure_delete").fetchone() == (1,)
    finally:
        for connection in raw:
            connection.close()
    engine.dispose()


def test_erase_deleted_empties_the_wal(tmp_path: Path) -> None:
    from storage.db import Database

    path = tmp_path / "mentorbot.db"
    db = Database(make_engine(f"sqlite:///{path}"))
    with db.engine.begin() as connection:
        connection.execute(text("CREATE TABLE notes (body TEXT)"))
        connection.execute(text("INSERT INTO notes VALUES ('MK-SECRET-NOTE')"))
    with db.engine.begin() as connection:
        connection.execute(text("DELETE FROM notes"))
    assert b"MK-SECRET-NOTE" in Path(f"{path}-wal").read_bytes()
    assert db.erase_deleted()
    wal = Path(f"{path}-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    assert b"MK-SECRET-NOTE" not in path.read_bytes()
    db.engine.dispose()
