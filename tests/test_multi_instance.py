"""Two bot processes on one PostgreSQL database: every due prompt is sent exactly once.

Both run `python app.py` in HTTP mode, each with its own in-process dispatcher passing every
second, against a fresh schema of this test's own. Thousands of prompts become due at once;
the stand-in counts the messages Slack accepted by the delivery id in their metadata. The
claims are the database's own (SELECT ... FOR UPDATE SKIP LOCKED, then a conditional UPDATE):
no leader, no lock in memory.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, text, update

from runtime.sender import METADATA_EVENT
from standin.web_api import SlackStandIn
from storage.db import Database
from storage.migrations import ensure_schema
from storage.models import Delivery, DeliveryState, Kind, Pair
from tests.conftest import (
    ADMIN,
    BOT_TOKEN,
    PG_SKIP_REASON,
    SIGNING_SECRET,
    TEAM,
    postgres_engine,
)
from tests.support.app_process import AppProcess, free_port, running_app, wait_for_output

pytestmark = pytest.mark.slow  # process-level or long-running: make test-fast skips it

PAIRS = 1000  # two first-meeting prompts each: 2,000 due at once
# Of those, some were claimed ten minutes ago by an instance that died (both take them over),
# and some had expired (both expire them): all at once too.
ABANDONED = 100
EXPIRED = 100
PASS_LINE = re.compile(r"Delivery pass: (\d+) sent, (\d+) recovered, (\d+) failed, (\d+) expired")


@pytest.fixture
def postgres() -> Iterator[tuple[str, Database]]:
    """A fresh schema: (a DATABASE_URL for the bots that uses it, the test's handle on it)."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        pytest.skip(PG_SKIP_REASON)
    engine, drop = postgres_engine(base)
    try:
        with engine.connect() as connection:
            schema = connection.execute(text("SELECT current_schema()")).scalar_one()
        ensure_schema(engine, auto_migrate=True)
        joiner = "&" if "?" in base else "?"
        # The bots' connections use this schema; they needn't wait for the disk at each commit
        # (a test database: durability is not what is tested, exactly-once is).
        options = f"-csearch_path%3D{schema}%20-csynchronous_commit%3Doff"
        yield f"{base}{joiner}options={options}", Database(engine)
    finally:
        drop()


def bot_env(standin: SlackStandIn, database_url: str) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": standin.api_url,
        "DATABASE_URL": database_url,
        "MENTORBOT_ADMINS": ADMIN,
        "PORT": str(free_port()),
        "MENTORBOT_DISPATCH_INTERVAL_SECONDS": "1",
        # The stand-in's rate limits are off here: no need to pace the workspace.
        "MENTORBOT_POSTS_PER_MINUTE": "0",
        "LOG_LEVEL": "INFO",
    }


def plan_burst(db: Database, standin: SlackStandIn, pairs: int) -> tuple[set[int], set[int]]:
    """`pairs` pairs whose partners' first-meeting prompts all become due in one commit.

    Returns (the prompts to send, the expired ones): ABANDONED of the first are claimed by a
    dead instance long ago, EXPIRED more are past their use.
    """
    now = datetime.now(UTC)
    people = [(f"UM{i:06d}", f"UE{i:06d}") for i in range(pairs)]
    for mentor, mentee in people:
        standin.add_user(TEAM, mentor, name=mentor.lower())
        standin.add_user(TEAM, mentee, name=mentee.lower())
    with db.session() as session:
        rows = [
            Pair(
                team_id=TEAM,
                mentor_id=mentor,
                mentee_id=mentee,
                channel_id=f"GPAIR{i:06d}",
                created_by=ADMIN,
                created_at=now,
                # Program-health checks are another feature's business: not during this test.
                next_health_check_at=now + timedelta(days=30),
            )
            for i, (mentor, mentee) in enumerate(people)
        ]
        session.add_all(rows)
        session.flush()
        session.execute(
            insert(Delivery),
            [
                {
                    "team_id": TEAM,
                    "pair_id": pair.id,
                    "kind": Kind.FIRST_MEETING.value,
                    "recipient": person,
                    "dedupe_key": f"pair:{pair.id}:{Kind.FIRST_MEETING}:{person}",
                    "due_at": now,
                    "expires_at": now + timedelta(days=30),
                    "next_attempt_at": now,
                    "state": DeliveryState.PENDING.value,
                    "attempts": 0,
                    "created_at": now,
                }
                for pair in rows
                for person in (pair.mentor_id, pair.mentee_id)
            ],
        )
        long_ago = now - timedelta(minutes=10)
        session.execute(
            insert(Delivery),
            [
                {
                    "team_id": TEAM,
                    "pair_id": pair.id,
                    "kind": Kind.EXPECTATIONS.value,
                    "recipient": pair.mentor_id,
                    "dedupe_key": f"expired:{pair.id}",
                    "due_at": long_ago,
                    "expires_at": now - timedelta(minutes=1),
                    "next_attempt_at": long_ago,
                    "state": DeliveryState.PENDING.value,
                    "attempts": 0,
                    "created_at": long_ago,
                }
                for pair in rows[:EXPIRED]
            ],
        )
    with db.session() as session:
        due = session.execute(
            select(Delivery.id).where(Delivery.kind == Kind.FIRST_MEETING.value)  # type: ignore[arg-type]
        ).scalars()
        due_ids = sorted(i for i in due if i is not None)
        session.execute(
            update(Delivery)
            .where(Delivery.id.in_(due_ids[:ABANDONED]))  # type: ignore[union-attr]
            .values(
                state=DeliveryState.CLAIMED.value,
                claim_token="a-dead-instance",
                claimed_at=now - timedelta(minutes=10),
                attempts=1,
            )
        )
        expired = session.execute(
            select(Delivery.id).where(Delivery.kind == Kind.EXPECTATIONS.value)  # type: ignore[arg-type]
        ).scalars()
        return set(due_ids), {i for i in expired if i is not None}


def settled_count(db: Database) -> int:
    with db.session() as session:
        return int(
            session.execute(
                select(func.count())
                .select_from(Delivery)
                .where(
                    Delivery.state.in_([DeliveryState.SENT.value, DeliveryState.EXPIRED.value])  # type: ignore[attr-defined]
                )
            ).scalar_one()
        )


def reported(process: AppProcess) -> tuple[int, int, int]:
    """(sent, failed, expired) summed over the delivery passes this process logged.

    A pass logs its line after it has recorded in the database all it reports.
    """
    passes = [tuple(map(int, m.groups())) for m in PASS_LINE.finditer(process.stderr())]
    return (
        sum(p[0] + p[1] for p in passes),
        sum(p[2] for p in passes),
        sum(p[3] for p in passes),
    )


def test_two_bots_on_one_postgresql_send_every_due_prompt_exactly_once(
    standin: SlackStandIn, postgres: tuple[str, Database], tmp_path: Path
) -> None:
    url, db = postgres
    first_dir, second_dir = tmp_path / "one", tmp_path / "two"
    first_dir.mkdir()
    second_dir.mkdir()
    with (
        running_app(bot_env(standin, url), cwd=first_dir, timeout=30) as first,
        running_app(bot_env(standin, url), cwd=second_dir, timeout=30) as second,
    ):
        due, expired = plan_burst(db, standin, PAIRS)  # both are up: they race for these

        def logged() -> tuple[int, int]:
            """(sent, expired) as the two bots' pass lines have it between them."""
            counts = [reported(first), reported(second)]
            return sum(c[0] for c in counts), sum(c[2] for c in counts)

        def all_logged() -> bool:
            sent, gone = logged()
            return sent >= len(due) and gone >= len(expired)

        def progress() -> str:
            sent, gone = logged()
            return (
                f"logged {sent} of {len(due)} sent and {gone} of {len(expired)} expired; "
                f"the stand-in has {len(standin.calls('chat.postMessage'))} posts, "
                f"the database {settled_count(db)} of {len(due) + len(expired)} settled"
            )

        # Each bot logs a pass once it has recorded what it did; a bot that dies fails this
        # at once (its log ends).
        wait_for_output(
            (first, second),
            all_logged,
            what="accounting for every due prompt and every expired one",
            timeout=180,
            progress=progress,
        )
        assert first.healthy() and second.healthy(), "a bot stopped serving during the burst"
        by_process = [reported(first), reported(second)]
        settled = settled_count(db)
        assert settled == len(due) + len(expired), progress()

    posted = Counter(
        call.args["metadata"]["event_payload"]["delivery_id"]
        for call in standin.calls("chat.postMessage")
        if call.status == 200
        and (call.args.get("metadata") or {}).get("event_type") == METADATA_EVENT
    )
    assert set(posted) == due
    assert set(posted.values()) == {1}, "a prompt was sent twice"
    assert len(standin.calls("chat.postMessage")) == len(due), "not even a refused second try"
    with db.session() as session:
        rows = {d.id: d for d in session.execute(select(Delivery)).scalars().all()}
    assert {rows[i].state for i in due} == {DeliveryState.SENT}
    assert {rows[i].state for i in expired} == {DeliveryState.EXPIRED}
    # Each claimed once (the abandoned ones twice: the dead instance, then one of these).
    abandoned = {d.id for d in rows.values() if d.attempts == 2}
    assert len(abandoned) == ABANDONED and {rows[i].attempts for i in due - abandoned} == {1}
    # Both did a share of the work, and between them accounted for every prompt once.
    assert all(sent > 0 for sent, _, _ in by_process), by_process
    assert sum(sent for sent, _, _ in by_process) == len(due)
    assert sum(failed for _, failed, _ in by_process) == 0
    assert sum(gone for _, _, gone in by_process) == len(expired)
    for process in (first, second):
        assert "Traceback" not in process.stderr(), process.stderr()[-3000:]
