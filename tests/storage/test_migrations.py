"""Schema migrations: they build exactly the models, upgrade the first release's data losslessly,
adopt databases made before migrations, and the bot upgrades (or refuses) on start.

Each database test runs on a SQLite file and, when TEST_DATABASE_URL is set, on PostgreSQL.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.operations import ops
from sqlalchemy import Engine
from sqlmodel import Session, SQLModel, select

import storage.models as models
from standin.web_api import SlackStandIn
from storage.db import make_engine
from storage.migrations import (
    BASELINE,
    UPGRADE_HINT,
    SchemaError,
    _defaults_for_new_columns,
    alembic_config,
    create_all,
    ensure_schema,
    head_revision,
    schema_differences,
    schema_status,
    upgrade,
)
from storage.models import EnumText
from storage.oauth_tables import slack_oauth_metadata
from tests.conftest import PG_SKIP_REASON, SIGNING_SECRET, postgres_engine
from tests.support.app_process import run_app, running_app

VERSION_TABLE = "alembic_version"
TABLE_MODELS = [
    model
    for model in vars(models).values()
    if isinstance(model, type) and issubclass(model, SQLModel) and hasattr(model, "__table__")
]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def blank(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database: a new SQLite file, or a new PostgreSQL schema of its own."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'mentorbot.db'}")
        yield engine
        engine.dispose()
        return
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip(PG_SKIP_REASON)
    engine, drop = postgres_engine(url)
    yield engine
    drop()


def tables_of(engine: Engine) -> sa.MetaData:
    """The database's tables as they are now (reflected), without Alembic's own."""
    metadata = sa.MetaData()
    metadata.reflect(engine)
    if VERSION_TABLE in metadata.tables:
        metadata.remove(metadata.tables[VERSION_TABLE])
    return metadata


def _enum_columns() -> dict[tuple[str, str], type]:
    """(table, column) -> the StrEnum whose values a text column of the models holds."""
    return {
        (table.name, column.name): column.type.enum
        for table in SQLModel.metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, EnumText)
    }


def _value(column: sa.Column, n: int) -> Any:
    """A value for `column` in row `n`: distinct per row, and every type exercised."""
    if column.primary_key or column.foreign_keys:
        return n if column.primary_key else 1
    enum = _enum_columns().get((column.table.name, column.name))
    if enum is not None:  # only its members are ever stored there
        members = list(enum)
        return members[n % len(members)].value
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return n % 2 == 0
    if isinstance(kind, sa.Integer):
        return 10 + n
    if isinstance(kind, sa.DateTime):
        return datetime(2025, 5, n, 12, 30, 15, tzinfo=UTC)
    if isinstance(kind, sa.Date):
        return date(2025, 6, n)
    if isinstance(kind, sa.JSON):
        return {"question": f'answer {n}: Ünïcödé, <b>& "quotes"</b>', "n": str(n)}
    if isinstance(kind, sa.String):
        if column.name == "team_id":
            return "T0001"
        text = f"{column.name}-{n}-ü"
        return text[: kind.length] if kind.length else text
    raise AssertionError(f"no test value for {column.table.name}.{column.name} ({kind!r})")


def fill_every_table(engine: Engine, rows: int = 2) -> None:
    tables = tables_of(engine).sorted_tables
    with engine.begin() as connection:
        for table in tables:
            connection.execute(
                table.insert(),
                [{c.name: _value(c, n) for c in table.columns} for n in range(1, rows + 1)],
            )


def contents(engine: Engine, metadata: sa.MetaData) -> dict[str, list[tuple]]:
    """Every row of every table in `metadata` (only its columns), in primary-key order."""
    with engine.connect() as connection:
        return {
            table.name: [
                tuple(row)
                for row in connection.execute(sa.select(table).order_by(*table.primary_key))
            ]
            for table in metadata.sorted_tables
        }


def revision_of(engine: Engine) -> str | None:
    return schema_status(engine).current


# -- the schema ----------------------------------------------------------------------------------
def test_the_migrations_build_exactly_the_models(blank: Engine) -> None:
    before, after = upgrade(blank)
    assert (before, after) == (None, head_revision())
    assert schema_differences(blank) == []
    status = schema_status(blank)
    assert status.at_head and "up to date" in status.describe()
    names = set(sa.inspect(blank).get_table_names())
    assert set(SQLModel.metadata.tables) | set(slack_oauth_metadata().tables) <= names


def test_the_open_pair_index_stays_partial(blank: Engine) -> None:
    upgrade(blank)
    now = datetime(2026, 1, 1, tzinfo=UTC)

    def pair(status: str) -> models.Pair:
        return models.Pair(
            team_id="T1",
            mentor_id="U1",
            mentee_id="U2",
            channel_id="G1",
            status=status,
            created_by="U0",
            created_at=now,
        )

    with Session(blank) as session:
        session.add_all([pair("ended"), pair("ended"), pair("active")])
        session.commit()
        session.add(pair("active"))
        with pytest.raises(sa.exc.IntegrityError):
            session.commit()


def test_an_upgrade_from_the_first_release_keeps_every_row(blank: Engine) -> None:
    upgrade(blank, BASELINE)
    first_release = tables_of(blank)
    assert "pairs" in first_release.tables and "slack_bots" not in first_release.tables
    fill_every_table(blank)
    before = contents(blank, first_release)
    assert all(len(rows) == 2 for rows in before.values()), "data in every table"

    assert upgrade(blank) == (BASELINE, head_revision())

    assert contents(blank, first_release) == before, "every row and value is still there"
    assert schema_differences(blank) == []
    with Session(blank) as session:
        for model in TABLE_MODELS:
            if model.__table__.name in first_release.tables:  # type: ignore[attr-defined]
                assert len(session.exec(select(model)).all()) == 2, model.__name__
        pairs = session.exec(select(models.Pair)).all()
        assert {p.program for p in pairs} == {"main"}, "a new column filled for existing rows"
        assert all(p.created_at.tzinfo is not None for p in pairs)
        (answer, _) = session.exec(select(models.PromptAnswer)).all()
        assert answer.answers["question"].startswith("answer 1: Ünïcödé")


def test_a_database_made_before_migrations_is_recorded_and_upgraded(blank: Engine) -> None:
    # The first release created its tables with create_all: the same tables as revision
    # 0001, and no alembic_version.
    upgrade(blank, BASELINE)
    with blank.begin() as connection:
        connection.execute(sa.text(f"DROP TABLE {VERSION_TABLE}"))
    fill_every_table(blank)
    first_release = tables_of(blank)
    before = contents(blank, first_release)
    assert schema_status(blank).current is None and schema_status(blank).has_tables
    assert "created before Mentorbot managed its schema" in schema_status(blank).problem()

    ensure_schema(blank, auto_migrate=True)

    assert revision_of(blank) == head_revision()
    assert contents(blank, first_release) == before
    assert schema_differences(blank) == []


def test_a_database_already_like_the_models_is_recorded_as_current(blank: Engine) -> None:
    create_all(blank)
    assert upgrade(blank) == (head_revision(), head_revision())
    assert schema_differences(blank) == []


def test_every_revision_downgrades_and_upgrades_again(blank: Engine) -> None:
    upgrade(blank)
    with blank.connect() as connection:
        command.downgrade(alembic_config(connection, metadata=()), BASELINE)
        connection.commit()
    assert revision_of(blank) == BASELINE
    with blank.connect() as connection:
        command.downgrade(alembic_config(connection, metadata=()), "base")
        connection.commit()
    assert set(sa.inspect(blank).get_table_names()) <= {VERSION_TABLE}
    upgrade(blank)
    assert schema_differences(blank) == []


@pytest.mark.slow
def test_processes_starting_together_migrate_once(blank: Engine) -> None:
    results: list[tuple[str | None, str | None]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def migrate() -> None:
        engine = another_process_engine(blank)
        try:
            start.wait()
            results.append(upgrade(engine))
        except BaseException as error:
            errors.append(error)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=migrate) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    head = head_revision()
    assert sorted(results, key=str) == sorted([(None, head)] + [(head, head)] * 3, key=str)
    assert schema_differences(blank) == []


def another_process_engine(engine: Engine) -> Engine:
    """An engine of its own on the same database, as another process would have."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            schema = connection.execute(sa.text("SELECT current_schema()")).scalar_one()
        return sa.create_engine(engine.url, connect_args={"options": f"-csearch_path={schema}"})
    return make_engine(engine.url.render_as_string(hide_password=False))


# -- on start ------------------------------------------------------------------------------------
def test_without_auto_migrate_a_database_not_at_head_is_refused(blank: Engine) -> None:
    with pytest.raises(SchemaError, match="it has no tables yet") as empty:
        ensure_schema(blank, auto_migrate=False)
    assert UPGRADE_HINT in str(empty.value)
    upgrade(blank, BASELINE)
    with pytest.raises(SchemaError, match=f"it is at revision {BASELINE}, this Mentorbot"):
        ensure_schema(blank, auto_migrate=False)
    assert revision_of(blank) == BASELINE, "nothing was changed"
    upgrade(blank)
    ensure_schema(blank, auto_migrate=False)  # at head: fine


def test_a_database_from_a_newer_mentorbot_is_refused_either_way(blank: Engine) -> None:
    upgrade(blank)
    with blank.begin() as connection:
        connection.execute(sa.text(f"UPDATE {VERSION_TABLE} SET version_num = '9999'"))
    for auto_migrate in (True, False):
        with pytest.raises(SchemaError, match="revision 9999, which this version of Mentorbot"):
            ensure_schema(blank, auto_migrate=auto_migrate)


def test_an_in_memory_database_gets_its_tables_without_migrations() -> None:
    engine = make_engine("sqlite://")
    ensure_schema(engine, auto_migrate=False)
    names = set(sa.inspect(engine).get_table_names())
    assert "pairs" in names and "slack_installations" in names
    assert VERSION_TABLE not in names, "a database that dies with the process needs no history"
    assert schema_differences(engine) == []


# -- writing revisions ---------------------------------------------------------------------------
def _new_column(column: sa.Column) -> ops.MigrationScript:
    script = ops.MigrationScript(
        "x",
        ops.UpgradeOps(ops=[ops.ModifyTableOps("pairs", [ops.AddColumnOp("pairs", column)])]),
        ops.DowngradeOps(ops=[]),
    )
    _defaults_for_new_columns(None, None, [script])
    return script


def test_a_new_not_null_column_gets_its_default_for_existing_rows() -> None:
    for column, expected in (
        (sa.Column("a", sa.String(8), nullable=False, default="main"), "main"),
        (sa.Column("b", sa.Integer, nullable=False, default=4), "4"),
        (sa.Column("c", sa.Boolean, nullable=False, default=False), "0"),
    ):
        _new_column(column)
        assert column.server_default is not None and column.server_default.arg == expected
    nullable = sa.Column("d", sa.String(8), nullable=True)
    _new_column(nullable)
    assert nullable.server_default is None
    with pytest.raises(SchemaError, match=r"pairs\.e is NOT NULL and has no scalar default"):
        _new_column(sa.Column("e", sa.String(8), nullable=False))


def test_revision_files_are_numbered_in_a_line() -> None:
    versions = sorted(Path(models.__file__).parent.joinpath("migrations", "versions").glob("0*.py"))
    numbers = [p.name.split("_", 1)[0] for p in versions]
    assert numbers == [f"{n:04d}" for n in range(1, len(numbers) + 1)]
    assert numbers[0] == BASELINE and numbers[-1] == head_revision()


# -- `python app.py db …` and the bot on start, as processes ------------------------------------
def _db_env(url: str, **extra: str) -> dict[str, str]:
    return {"DATABASE_URL": url, **extra}


@contextmanager
def database_url(kind: str, tmp_path: Path) -> Iterator[str]:
    """A DATABASE_URL a child process can use: a SQLite file, or a PostgreSQL schema of its own."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'mentorbot.db'}"
        return
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip(PG_SKIP_REASON)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        separator = "&" if "?" in url else "?"
        yield f"{url}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.mark.slow
@pytest.mark.parametrize("kind", DATABASES)
def test_db_upgrade_and_current_by_hand(kind: str, tmp_path: Path) -> None:
    with database_url(kind, tmp_path) as url:
        if kind == "sqlite":
            missing = run_app(["db", "current"], _db_env(url), cwd=tmp_path)
            assert missing.returncode == 1 and "No database at" in missing.stdout
            assert not (tmp_path / "mentorbot.db").exists(), "looking creates nothing"
        engine = make_engine(url)
        try:
            upgrade(engine, BASELINE)
            behind = run_app(["db", "current"], _db_env(url), cwd=tmp_path)
            assert behind.returncode == 1, behind.stderr
            assert f"revision {BASELINE}; this Mentorbot needs revision" in behind.stdout

            upgraded = run_app(["db", "upgrade"], _db_env(url), cwd=tmp_path)
            assert upgraded.returncode == 0, upgraded.stderr
            assert f"from {BASELINE} to revision {head_revision()}" in upgraded.stdout
            assert revision_of(engine) == head_revision()

            again = run_app(["db", "upgrade"], _db_env(url), cwd=tmp_path)
            assert again.returncode == 0 and "up to date" in again.stdout
            current = run_app(["db", "current"], _db_env(url), cwd=tmp_path)
            assert current.returncode == 0
            assert f"revision {head_revision()} (up to date)" in current.stdout
        finally:
            engine.dispose()


@pytest.mark.slow
def test_db_upgrade_explains_an_unreachable_database(tmp_path: Path) -> None:
    url = "postgresql://mentorbot:s3cret@127.0.0.1:9/mentorbot"
    result = run_app(["db", "upgrade"], _db_env(url), cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "couldn't use the database at DATABASE_URL" in result.stderr
    assert "s3cret" not in result.stderr and "***" in result.stderr


def _bot_env(standin: SlackStandIn, url: str, **extra: str) -> dict[str, str]:
    from tests.conftest import ADMIN, BOT_TOKEN
    from tests.support.app_process import free_port

    return {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": standin.api_url,
        "DATABASE_URL": url,
        "MENTORBOT_ADMINS": ADMIN,
        "PORT": str(free_port()),
        "MENTORBOT_DISPATCH_INTERVAL_SECONDS": "3600",
        **extra,
    }


def _a_first_release_pair(engine: Engine) -> None:
    upgrade(engine, BASELINE)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO pairs (team_id, mentor_id, mentee_id, channel_id, status, "
                "created_by, created_at) VALUES ('T0001', 'UMENTOR1', 'UMENTEE1', 'G0PAIR', "
                "'active', 'UADMIN01', :now)"
            ),
            {"now": datetime(2026, 1, 5, 9, 0, tzinfo=UTC)},
        )


@pytest.mark.slow
@pytest.mark.parametrize("kind", DATABASES)
def test_the_bot_upgrades_the_database_when_it_starts(
    kind: str, standin: SlackStandIn, tmp_path: Path
) -> None:
    with database_url(kind, tmp_path) as url:
        engine = make_engine(url)
        try:
            _a_first_release_pair(engine)
            with running_app(_bot_env(standin, url), cwd=tmp_path) as process:
                assert process.get("/healthz") == (200, "ok\n")
            assert revision_of(engine) == head_revision()
            with Session(engine) as session:
                (pair,) = session.exec(select(models.Pair)).all()
            assert (pair.mentor_id, pair.program) == ("UMENTOR1", "main")
            assert f"Upgraded the database schema from {BASELINE}" in process.stderr()
        finally:
            engine.dispose()


@pytest.mark.slow
def test_without_auto_migrate_the_bot_refuses_to_start_and_says_what_to_do(
    standin: SlackStandIn, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'mentorbot.db'}"
    engine = make_engine(url)
    try:
        _a_first_release_pair(engine)
        env = _bot_env(standin, url, MENTORBOT_AUTO_MIGRATE="false")
        refused = run_app([], env, cwd=tmp_path)
        assert refused.returncode == 2
        assert "Traceback" not in refused.stderr, refused.stderr
        assert (
            f"Mentorbot can't start: the database schema is out of date: it is at revision "
            f"{BASELINE}, this Mentorbot needs revision {head_revision()}." in refused.stderr
        )
        assert "python app.py db upgrade" in refused.stderr
        assert standin.calls() == [], "the schema is checked before anything reaches Slack"
        assert revision_of(engine) == BASELINE, "and the database is left alone"

        assert run_app(["db", "upgrade"], env, cwd=tmp_path).returncode == 0
        with running_app(env, cwd=tmp_path) as process:
            assert process.get("/healthz") == (200, "ok\n")
    finally:
        engine.dispose()


@pytest.mark.slow
def test_a_bad_auto_migrate_value_is_a_settings_problem(tmp_path: Path) -> None:
    result = run_app([], {"MENTORBOT_AUTO_MIGRATE": "sometimes"}, cwd=tmp_path)
    assert result.returncode == 2
    assert "MENTORBOT_AUTO_MIGRATE must be true or false, got 'sometimes'" in result.stderr
