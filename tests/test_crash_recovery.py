"""A dispatcher killed between "Slack has the message" and "the database knows": no second post.

A real `python app.py dispatch --once` posts to the stand-in, which stores the message and then
holds its answer; the test SIGKILLs the process there, so the claim stays unrecorded. A fresh
dispatcher leaves the claim alone while its lease runs (MENTORBOT_CLAIM_LEASE_SECONDS), then
finds the message by its metadata in conversations.history and records it instead of posting.
"""

from __future__ import annotations

import os
import signal
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from slack_sdk import WebClient
from sqlalchemy import text
from sqlmodel import col, select

from bot import pairing
from bot.delivery import CLAIM_LEASE, Compose, Dispatcher
from runtime.sender import METADATA_EVENT, SlackSender
from standin.web_api import SlackStandIn
from storage import deliveries as store
from storage.db import Database, make_engine
from storage.migrations import ensure_schema
from storage.models import Delivery, DeliveryState, Kind
from tests.conftest import (
    ADMIN,
    BOT_TOKEN,
    MENTEE,
    MENTOR,
    PG_SKIP_REASON,
    SIGNING_SECRET,
    TEAM,
    FixedClock,
    base_settings,
    postgres_engine,
)
from tests.support.app_process import AppProcess, free_port, run_app, running_app

pytestmark = pytest.mark.slow  # process-level or long-running: make test-fast skips it

PAIR_CHANNEL = "GPAIR0001"


@dataclass
class SharedDb:
    """A database both the test and the bot's processes use: its URL for them, a handle for us."""

    url: str
    db: Database


def _with_search_path(url: str, schema: str) -> str:
    """A DATABASE_URL whose connections use `schema` (psycopg passes `options` to the server)."""
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options=-csearch_path%3D{schema}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def shared_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SharedDb]:
    """A SQLite file, or a fresh PostgreSQL schema of this test's own, at the current schema."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'mentorbot.db'}"
        engine = make_engine(url)
        ensure_schema(engine, auto_migrate=True)
        yield SharedDb(url, Database(engine))
        engine.dispose()
        return
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        pytest.skip(PG_SKIP_REASON)
    engine, drop = postgres_engine(base)
    try:
        with engine.connect() as connection:
            schema = connection.execute(text("SELECT current_schema()")).scalar_one()
        ensure_schema(engine, auto_migrate=True)
        yield SharedDb(_with_search_path(base, schema), Database(engine))
    finally:
        drop()


def bot_env(standin: SlackStandIn, database_url: str, **extra: str) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": standin.api_url,
        "DATABASE_URL": database_url,
        "MENTORBOT_ADMINS": ADMIN,
        "PORT": str(free_port()),
        "LOG_LEVEL": "INFO",
        **extra,
    }


def pair_up(db: Database) -> dict[str, int]:
    """A pair; its first-meeting prompts (one for each partner) are due now. {person: id}."""
    now = datetime.now(UTC)
    pairing.create_pair(
        db,
        base_settings(),
        team_id=TEAM,
        request=pairing.PairRequest(mentor_id=MENTOR, mentee_id=MENTEE),
        channel_id=PAIR_CHANNEL,
        created_by=ADMIN,
        now=now - timedelta(seconds=1),
    )
    with db.session() as session:
        rows = session.exec(select(Delivery).where(Delivery.kind == Kind.FIRST_MEETING)).all()
    return {d.recipient: d.id for d in rows if d.id is not None}


def rows(db: Database) -> dict[int, Delivery]:
    with db.session() as session:
        return {d.id: d for d in session.exec(select(Delivery)).all() if d.id is not None}


def accepted_posts(standin: SlackStandIn) -> Counter[int]:
    counted: Counter[int] = Counter()
    for call in standin.calls("chat.postMessage"):
        metadata = call.args.get("metadata") or {}
        if call.status == 200 and metadata.get("event_type") == METADATA_EVENT:
            counted[metadata["event_payload"]["delivery_id"]] += 1
    return counted


def pass_lease(db: Database, ids: tuple[int, ...], elapsed: timedelta) -> None:
    """Move the claims on `ids` `elapsed` into the past, as if that much time had gone by."""
    with db.session() as session:
        for delivery in session.exec(select(Delivery).where(col(Delivery.id).in_(ids))).all():
            assert delivery.state == DeliveryState.CLAIMED and delivery.claimed_at is not None
            delivery.claimed_at -= elapsed
            session.add(delivery)


def dispatch_once(settings: dict[str, str], cwd: Path) -> str:
    result = run_app(["dispatch", "--once"], settings, cwd=cwd)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    return result.stdout


def test_a_dispatcher_killed_after_slack_took_the_message_does_not_send_it_again(
    standin: SlackStandIn, shared_db: SharedDb, tmp_path: Path
) -> None:
    db = shared_db.db
    ids = pair_up(db)
    first, second = ids[MENTOR], ids[MENTEE]  # claimed and sent in this order
    held = standin.hold_after_record("chat.postMessage")
    settings = bot_env(standin, shared_db.url)

    def posting(process: AppProcess) -> None:
        process.wait_until(held.recorded.is_set, "posting its first prompt", timeout=30)

    with running_app(settings, cwd=tmp_path, args=("dispatch", "--once"), ready=posting) as dying:
        dying.popen.send_signal(signal.SIGKILL)  # Slack has the message; the answer never came
        assert dying.popen.wait(timeout=10) == -signal.SIGKILL
    held.release()

    assert accepted_posts(standin) == {first: 1}
    [message] = [m for m in standin.messages(MENTOR) if m.get("metadata")]
    before = rows(db)
    assert before[first].state == DeliveryState.CLAIMED
    assert before[first].message_ts is None, "the database never heard"
    assert before[first].channel_id == message["channel"], "where to look was stored first"
    assert before[second].state == DeliveryState.CLAIMED, "claimed in the same batch"
    calls_before = len(standin.calls())

    # A dispatcher within the lease leaves the dead pass's claims alone: it might be alive.
    assert "0 sent, 0 recovered" in dispatch_once(settings, tmp_path)
    assert {d.state for d in rows(db).values()} == {DeliveryState.CLAIMED}
    assert len(standin.calls("chat.postMessage")) == 1
    assert len(standin.calls()) > calls_before  # it did run (auth.test)

    # Once the claims are older than the lease, the next dispatcher settles them. The lease
    # runs in real time in other processes, so the test makes it pass in the shared database:
    # the stranded claims become a second more than one 60 s lease old. That is well inside
    # the default five minutes: it is MENTORBOT_CLAIM_LEASE_SECONDS that lets the next one act.
    lease = timedelta(seconds=60)
    pass_lease(db, (first, second), lease + timedelta(seconds=1))
    recovering = {**settings, "MENTORBOT_CLAIM_LEASE_SECONDS": str(int(lease.total_seconds()))}
    assert "1 sent, 1 recovered, 0 failed" in dispatch_once(recovering, tmp_path)

    after = rows(db)
    assert {after[i].state for i in (first, second)} == {DeliveryState.SENT}
    assert (after[first].channel_id, after[first].message_ts) == (
        message["channel"],
        message["ts"],
    )
    assert accepted_posts(standin) == {first: 1, second: 1}, "the first was not posted again"
    looked = [c.args["channel"] for c in standin.calls("conversations.history")]
    assert looked == [message["channel"]], "it looked where the dead pass had posted"
    assert [m for m in standin.messages(MENTOR) if m.get("metadata")] == [message]

    assert "0 sent, 0 recovered" in dispatch_once(recovering, tmp_path)
    assert accepted_posts(standin) == {first: 1, second: 1}


def test_a_pass_that_runs_longer_than_the_lease_keeps_its_claims(
    standin: SlackStandIn, shared_db: SharedDb, clock: FixedClock
) -> None:
    """A long pass (a burst paced by Slack's limits) renews what it holds: nobody steals it."""
    db = shared_db.db
    for n in range(3):
        with db.session() as session:
            store.plan_delivery(
                session=session,
                team_id=TEAM,
                kind=Kind.PREP,
                recipient=MENTOR,
                dedupe_key=f"long:{n}",
                due_at=clock.now,
                expires_at=None,
                now=clock.now,
            )
    client = WebClient(token=BOT_TOKEN, base_url=standin.api_url, retry_handlers=[])
    stolen: list[int] = []

    def make(compose: Compose) -> Dispatcher:
        return Dispatcher(db, SlackSender(lambda _t: client), compose, clock=clock)

    other = make(lambda d: {"text": f"other {d.id}"})

    def slow(delivery: Delivery) -> dict:
        # Each message takes 60% of the lease (Slack is slow, or the pass waits its turn);
        # meanwhile another pass starts and looks for abandoned claims.
        clock.advance(seconds=CLAIM_LEASE.total_seconds() * 0.6)
        report = other.run_pass()
        stolen.append(report.sent + report.recovered)
        return {"text": f"prompt {delivery.id}"}

    report = make(slow).run_pass()

    assert report.sent == 3
    assert stolen == [0, 0, 0]
    assert sorted(accepted_posts(standin).values()) == [1, 1, 1]
