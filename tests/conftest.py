"""Shared fixtures: databases (SQLite and PostgreSQL), the Slack stand-in, the app and a driver."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import Engine, text

from bot.settings import Settings, load_settings
from runtime.assembly import Mentorbot, create_app
from storage.db import Database, create_schema, make_engine

if TYPE_CHECKING:
    from standin.driver import SlackDriver
    from standin.web_api import SlackStandIn

TEAM = "T0001"
OTHER_TEAM = "T0002"
BOT_TOKEN = "xoxb-test-token"
SIGNING_SECRET = "test-signing-secret"
ADMIN = "UADMIN01"
MENTOR = "UMENTOR1"
MENTEE = "UMENTEE1"
STRANGER = "USTRANGE"
PG_SKIP_REASON = "TEST_DATABASE_URL is not set: PostgreSQL tests skipped (.ci/run sets it)"


@pytest.fixture(autouse=True)
def _no_real_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection outside this machine fails the test: nothing may reach slack.com."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else address
        if (
            isinstance(host, str)
            and host not in ("127.0.0.1", "localhost", "::1")
            and not host.startswith("/")
        ):
            raise AssertionError(f"test tried to reach the network: {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


class FixedClock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


def base_settings(**overrides: str) -> Settings:
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "MENTORBOT_ADMINS": ADMIN,
        "DATABASE_URL": "sqlite://",
        **overrides,
    }
    return load_settings(env)


@pytest.fixture
def settings() -> Settings:
    return base_settings()


@pytest.fixture
def engine() -> Iterator[Engine]:
    engine = make_engine("sqlite://")
    create_schema(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def db(engine: Engine) -> Database:
    return Database(engine)


@pytest.fixture
def file_db(tmp_path: Any) -> Iterator[Database]:
    """A SQLite file rather than memory: each thread (or process) gets its own connection."""
    engine = make_engine(f"sqlite:///{tmp_path / 'mentorbot.db'}")
    create_schema(engine)
    yield Database(engine)
    engine.dispose()


def postgres_engine(url: str) -> tuple[Engine, Callable[[], None]]:
    """An engine on a fresh schema of its own, and how to drop it again."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    from sqlalchemy import create_engine

    engine = create_engine(
        make_engine(url).url,
        connect_args={"options": f"-csearch_path={schema}"},
        pool_pre_ping=True,
    )

    def drop() -> None:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return engine, drop


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_engine(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Engine]:
    """The same tests on a SQLite file and, when TEST_DATABASE_URL is set, on PostgreSQL."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'mentorbot.db'}")
        create_schema(engine)
        yield engine
        engine.dispose()
        return
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip(PG_SKIP_REASON)
    engine, drop = postgres_engine(url)
    create_schema(engine)
    yield engine
    drop()


@pytest.fixture
def any_db(any_engine: Engine) -> Database:
    return Database(any_engine)


class InlineExecutor(Executor):
    """Runs each listener to completion before dispatch returns, so tests need no waiting.

    Bolt still acks through the same code path it uses with a thread pool.
    """

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:  # handed to the caller through the future
            future.set_exception(error)
        return future


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    from standin.web_api import SlackStandIn

    with SlackStandIn() as server:
        server.add_workspace(TEAM, bot_token=BOT_TOKEN, bot_user_id="UBOT0001")
        for user_id, name in (
            (ADMIN, "ada"),
            (MENTOR, "maria"),
            (MENTEE, "tomas"),
            (STRANGER, "sam"),
        ):
            server.add_user(TEAM, user_id, name=name)
        server.add_user(TEAM, "UNEWYORK", name="nia", tz="America/New_York")
        server.add_user(TEAM, "UTOKYO01", name="kenji", tz="Asia/Tokyo")
        server.add_user(TEAM, "UBOTUSER", name="otherbot", is_bot=True)
        server.add_user(TEAM, "UGONE001", name="gone", deleted=True)
        yield server
        assert server.validation_errors == [], "a payload broke Slack's limits"


@dataclass
class Harness:
    """A whole Mentorbot wired to the stand-in, with a driver that talks to it like Slack."""

    bot: Mentorbot
    standin: SlackStandIn
    driver: SlackDriver
    clock: FixedClock

    @property
    def db(self) -> Database:
        return self.bot.deps.db


def build_harness(
    standin: SlackStandIn, clock: FixedClock, settings: Settings, engine: Engine | None = None
) -> Harness:
    settings = replace(settings, slack_api_url=standin.api_url)
    from runtime.assembly import make_client
    from standin.driver import SlackDriver
    from tests.support.in_process import bolt_transport

    bot = create_app(
        settings,
        client=make_client(settings),
        engine=engine or make_engine("sqlite://"),
        clock=clock,
        listener_executor=InlineExecutor(),
    )
    driver = SlackDriver(
        signing_secret=settings.slack_signing_secret,
        transport=bolt_transport(bot.app),
        standin=standin,
        team_id=TEAM,
    )
    return Harness(bot=bot, standin=standin, driver=driver, clock=clock)


@pytest.fixture
def harness(standin: SlackStandIn, clock: FixedClock, settings: Settings) -> Harness:
    return build_harness(standin, clock, settings)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_harness(
    request: pytest.FixtureRequest,
    tmp_path: Any,
    standin: SlackStandIn,
    clock: FixedClock,
    settings: Settings,
) -> Iterator[Harness]:
    """The harness on a SQLite file and, when TEST_DATABASE_URL is set, on PostgreSQL: a
    database the app builds itself (by its migrations), with a connection per thread."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'mentorbot.db'}")
        yield build_harness(standin, clock, settings, engine=engine)
        engine.dispose()
        return
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip(PG_SKIP_REASON)
    engine, drop = postgres_engine(url)
    try:
        yield build_harness(standin, clock, settings, engine=engine)
    finally:
        drop()
