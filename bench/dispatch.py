"""Benchmark: one delivery pass with many pending prompts stored and a few of them due.

The queue is what a large program builds up: `pairs` pairs, each with a weekly series of
`sessions_per_pair` planned sessions and a preparation and a check-in prompt per session
(2 x pairs x sessions_per_pair pending deliveries), the people's DM channels already known.
The first session of `due_pairs` pairs starts in 23 hours, so their two prompts are due now;
everything else is due later. The pass is exactly the bot's own (`Mentorbot.deliver_due`:
plan ahead, program health, then the dispatcher) with Slack replaced by an in-process sender
that answers at once, so the figure is the pass's own cost: its time and the SQL statements
it issues. The goal is a cost in proportion to what is due, not to what is stored.
"""

from __future__ import annotations

import dataclasses
import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlmodel import SQLModel

from bench.seed import analyze, insert_rows
from bot.curriculum import load_curriculum
from bot.delivery import Dispatcher
from bot.deps import Deps
from bot.settings import Settings, load_settings
from runtime.assembly import Mentorbot
from storage.db import Database, make_engine
from storage.models import (
    AgreementVersion,
    Delivery,
    DeliveryState,
    DmChannel,
    Kind,
    MentoringSession,
    Pair,
    Series,
)

TEAM = "TBENCH01"
ADMIN = "UBENCHADM"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class DispatchResult:
    """One pass over a loaded queue."""

    database: str
    stored: int  # pending deliveries in the queue before the pass
    due: int
    sent: int
    seconds: float
    statements: int
    sql_seconds: float  # of `seconds`, spent in the database's cursor calls
    transactions: int
    load_seconds: float

    @property
    def statements_per_due(self) -> float:
        return self.statements / self.due if self.due else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "statements_per_due": self.statements_per_due}


class InstantSender:
    """Slack for the benchmark: every post succeeds at once (no network in the figure)."""

    def __init__(self) -> None:
        self.posted = 0

    def open_dm(self, team_id: str, user_id: str) -> str:
        return f"D{user_id[1:]}"

    def post(self, team_id: str, channel_id: str, payload: dict, *, delivery_id: int) -> str:
        self.posted += 1
        return f"{1_700_000_000 + delivery_id}.000100"

    def find_posted(
        self, team_id: str, channel_id: str, delivery_id: int, *, since: datetime
    ) -> str | None:
        return None


def mentor(i: int) -> str:
    return f"UM{i:08d}"


def mentee(i: int) -> str:
    return f"UE{i:08d}"


def pair_rows(count: int, *, start: int = 1) -> Iterator[dict]:
    for i in range(start, start + count):
        yield {
            "id": i,
            "team_id": TEAM,
            "mentor_id": mentor(i),
            "mentee_id": mentee(i),
            "channel_id": f"G{i:09d}",
            "status": "active",
            "created_by": ADMIN,
            "created_at": NOW - timedelta(days=30),
            # Checked for stalling recently, as in a running program (bot/stalling.py).
            "next_health_check_at": NOW + timedelta(days=7),
        }


def agreement_rows(count: int, settings: Settings) -> Iterator[dict]:
    from bot.agreement import initial_clauses

    clauses = initial_clauses(settings.program)
    for i in range(1, count + 1):
        yield {
            "id": i,
            "team_id": TEAM,
            "pair_id": i,
            "version": 1,
            "clauses": clauses,
            "created_by": ADMIN,
            "created_at": NOW - timedelta(days=30),
        }


def first_start(i: int, due_pairs: int) -> datetime:
    if i <= due_pairs:
        return NOW + timedelta(hours=23)  # its prompts (24 h ahead) are due now
    return NOW + timedelta(days=3, minutes=i % 997)


def load_queue(
    engine: Engine, *, pairs: int, sessions_per_pair: int, due_pairs: int, settings: Settings
) -> int:
    """Load the queue described in the module docstring; the number of pending deliveries."""
    insert_rows(engine, Pair, pair_rows(pairs))
    insert_rows(engine, AgreementVersion, agreement_rows(pairs, settings))
    insert_rows(
        engine,
        Series,
        (
            {
                "id": i,
                "team_id": TEAM,
                "pair_id": i,
                "cadence": "weekly",
                "timezone": "UTC",
                "first_start": first_start(i, due_pairs),
                "length_minutes": 60,
                "active": True,
                "last_occurrence": sessions_per_pair,
                # Everything is planned already: plan-ahead finds nothing to do for a year.
                "next_plan_at": NOW + timedelta(days=365),
                "created_by": mentor(i),
                "created_at": NOW - timedelta(days=1),
            }
            for i in range(1, pairs + 1)
        ),
    )

    def sessions() -> Iterator[dict]:
        for i in range(1, pairs + 1):
            for k in range(sessions_per_pair):
                yield {
                    "id": (i - 1) * sessions_per_pair + k + 1,
                    "team_id": TEAM,
                    "pair_id": i,
                    "series_id": i,
                    "occurrence": k + 1,
                    "starts_at": first_start(i, due_pairs) + timedelta(weeks=k),
                    "length_minutes": 60,
                    "status": "scheduled",
                    "created_at": NOW - timedelta(days=1),
                }

    insert_rows(engine, MentoringSession, sessions())

    def deliveries() -> Iterator[dict]:
        number = 0
        for i in range(1, pairs + 1):
            for k in range(sessions_per_pair):
                session_id = (i - 1) * sessions_per_pair + k + 1
                start = first_start(i, due_pairs) + timedelta(weeks=k)
                due = start - timedelta(hours=24)
                for kind, person in ((Kind.PREP, mentor(i)), (Kind.CHECKIN, mentee(i))):
                    number += 1
                    yield {
                        "id": number,
                        "team_id": TEAM,
                        "pair_id": i,
                        "session_id": session_id,
                        "kind": kind.value,
                        "recipient": person,
                        "dedupe_key": f"session:{session_id}:{kind.value}:{person}",
                        "due_at": due,
                        "expires_at": start,
                        "next_attempt_at": due,
                        "state": DeliveryState.PENDING.value,
                        "attempts": 0,
                        "created_at": NOW - timedelta(days=1),
                    }

    stored = insert_rows(engine, Delivery, deliveries())
    insert_rows(
        engine,
        DmChannel,
        (
            {"id": n, "team_id": TEAM, "user_id": user, "channel_id": f"D{user[1:]}"}
            for n, user in enumerate(
                (u for i in range(1, pairs + 1) for u in (mentor(i), mentee(i))), start=1
            )
        ),
    )
    analyze(engine)
    return stored


@dataclass
class SqlCount:
    """What the engine sent while counting: statements, their time, and commits."""

    statements: int = 0
    seconds: float = 0.0
    transactions: int = 0


@contextmanager
def counting(engine: Engine) -> Iterator[SqlCount]:
    """Count the SQL statements (and commits) the engine sends while the block runs."""
    seen = SqlCount()
    started: list[float] = []

    def before(*_args: Any, **_kwargs: Any) -> None:
        seen.statements += 1
        started.append(time.perf_counter())

    def after(*_args: Any, **_kwargs: Any) -> None:
        if started:
            seen.seconds += time.perf_counter() - started.pop()

    def commit(*_args: Any) -> None:
        seen.transactions += 1

    hooks: list[tuple[str, Callable[..., None]]] = [
        ("before_cursor_execute", before),
        ("after_cursor_execute", after),
        ("commit", commit),
    ]
    for name, hook in hooks:
        event.listen(engine, name, hook)
    try:
        yield seen
    finally:
        for name, hook in hooks:
            event.remove(engine, name, hook)


def bench_settings(database_url: str) -> Settings:
    return load_settings(
        {
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": "bench-signing-secret",
            "DATABASE_URL": database_url,
            "MENTORBOT_ADMINS": ADMIN,
        }
    )


def one_pass(engine: Engine, settings: Settings) -> tuple[int, float, SqlCount]:
    """The bot's own delivery pass at NOW: (sent, seconds, what it sent the database)."""
    deps = Deps(
        settings=settings,
        db=Database(engine),
        clock=lambda: NOW,
        curriculum=load_curriculum(settings.curriculum_file),
    )
    from handlers import compose

    sender = InstantSender()
    dispatcher = Dispatcher(deps.db, sender, lambda d: compose(deps, d), clock=deps.clock)
    # Mentorbot.deliver_due uses only deps and the dispatcher; no Slack app is needed.
    values = {f.name: None for f in dataclasses.fields(Mentorbot)}
    bot = Mentorbot(**{**values, "deps": deps, "dispatcher": dispatcher})
    with counting(engine) as sql:
        started = time.perf_counter()
        report = bot.deliver_due()
        seconds = time.perf_counter() - started
    return report.sent, seconds, sql


@contextmanager
def database(url: str | None, folder: Path) -> Iterator[tuple[str, Engine]]:
    """A fresh database: a SQLite file in `folder`, or a schema of its own on PostgreSQL."""
    if url is None:
        path = folder / f"dispatch-{uuid.uuid4().hex[:8]}.db"
        engine = make_engine(f"sqlite:///{path}")
        SQLModel.metadata.create_all(engine)
        try:
            yield "SQLite", engine
        finally:
            engine.dispose()
        return
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_engine(
        admin.url, connect_args={"options": f"-csearch_path={schema}"}, pool_pre_ping=True
    )
    try:
        SQLModel.metadata.create_all(engine)
        with engine.connect() as connection:
            version = connection.execute(text("SHOW server_version")).scalar()
        yield f"PostgreSQL {version}", engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def run(
    stored: int = 1_000_000,
    due: int = 1_000,
    *,
    database_url: str | None = None,
    folder: Path | None = None,
    sessions_per_pair: int = 50,
) -> DispatchResult:
    """Load a queue of `stored` pending prompts, `due` of them due now; time one pass."""
    import tempfile

    if due % 2 or stored % (2 * sessions_per_pair):
        raise ValueError("due must be even, stored a multiple of 2 x sessions_per_pair")
    pairs = stored // (2 * sessions_per_pair)
    due_pairs = due // 2
    if due_pairs > pairs:
        raise ValueError("more due than stored")
    with (
        tempfile.TemporaryDirectory(dir=folder) as tmp,
        database(database_url, Path(tmp)) as (
            name,
            engine,
        ),
    ):
        settings = bench_settings(str(engine.url))
        started = time.perf_counter()
        count = load_queue(
            engine,
            pairs=pairs,
            sessions_per_pair=sessions_per_pair,
            due_pairs=due_pairs,
            settings=settings,
        )
        loaded = time.perf_counter() - started
        sent, seconds, sql = one_pass(engine, settings)
        if sent != due:
            raise AssertionError(f"the pass sent {sent} of {due} due prompts")
        return DispatchResult(
            database=name,
            stored=count,
            due=due,
            sent=sent,
            seconds=round(seconds, 3),
            statements=sql.statements,
            sql_seconds=round(sql.seconds, 3),
            transactions=sql.transactions,
            load_seconds=round(loaded, 1),
        )


def postgres_url() -> str | None:
    """Where to run the PostgreSQL variant: BENCH_DATABASE_URL, else TEST_DATABASE_URL."""
    return os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL") or None
