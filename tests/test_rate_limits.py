"""Slack's rate limits as the floor: a 2,000-prompt burst goes out whole, once each, 429s obeyed.

The stand-in enforces Slack's published limits (standin/web_api.py,
SLACK_RATE_LIMITS) and answers 429 with Retry-After when a bucket runs dry. At Slack's real
numbers a 2,000-prompt burst takes minutes (300 posts a minute per workspace), so these tests
run the same limits SPEEDUP times faster on both sides (the stand-in's buckets and the
engine's pacing); bursts keep their size and Retry-After stays in whole seconds. They check
completeness, not time: bench/burst.py measures the time against the floor.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk import WebClient
from sqlmodel import select

from bench import burst
from bot.delivery import MAX_WAIT_SECONDS, Dispatcher, Pacer, Pacing, PassReport, Rate, slack_pacing
from bot.settings import SettingsError
from runtime.runner import start_dispatcher
from runtime.sender import SlackSender
from standin.web_api import RateLimit, SlackStandIn
from storage import deliveries as store
from storage.db import Database
from storage.models import Delivery, DeliveryState, Kind
from tests.conftest import BOT_TOKEN, MENTEE, MENTOR, TEAM, FixedClock, base_settings

pytestmark = pytest.mark.slow  # process-level or long-running: make test-fast skips it

SPEEDUP = 100  # Slack's limits, 100 times as fast: the 2,000-person burst's floor is ~4 s.
BURST = 2000


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn() as standin:
        standin.add_workspace(burst.TEAM, bot_token=burst.TOKEN, bot_user_id="UBURSTBOT")
        yield standin
        assert standin.validation_errors == []


def states(db: Database) -> Counter[str]:
    with db.session() as session:
        return Counter(str(d.state) for d in session.exec(select(Delivery)).all())


def delivery_ids(db: Database) -> set[int]:
    with db.session() as session:
        return {i for i in session.exec(select(Delivery.id)).all() if i is not None}


def assert_each_sent_once(slack: SlackStandIn, db: Database) -> None:
    expected = delivery_ids(db)
    posted = burst.posts_by_delivery(slack)
    assert set(posted) == expected, f"{len(expected - set(posted))} never posted"
    assert {n for n in posted.values()} == {1}, "a prompt was posted twice"
    assert states(db) == {DeliveryState.SENT: len(expected)}
    assert slack.unhonoured_rate_limits() == [], "a 429 was not waited out"


@pytest.mark.parametrize("channels", [None, 4], ids=["2000-people", "2000-prompts-to-4-channels"])
def test_a_burst_of_2000_prompts_goes_out_once_each_in_one_pass(
    slack: SlackStandIn, file_db: Database, channels: int | None
) -> None:
    to = burst.recipients(BURST, channels)
    burst.prepare(slack, file_db, to, now=datetime.now(UTC))
    slack.enable_rate_limits(speedup=SPEEDUP)
    engine = burst.dispatcher(file_db, slack, speedup=SPEEDUP)

    report = engine.run_pass()  # what `python app.py dispatch --once` runs

    assert report.sent == BURST
    assert (report.deferred, report.failed) == (0, 0)
    assert_each_sent_once(slack, file_db)
    # Paced to Slack's numbers, the engine rarely hears a 429 at all; any it heard it obeyed.
    assert report.rate_limited == len(slack.rate_limit_hits()) <= BURST // 100
    assert slack.calls("conversations.open") == [], "the DMs were known"
    if channels:
        per_channel = Counter(c.args["channel"] for c in slack.calls("chat.postMessage"))
        assert per_channel == Counter(to)


def test_without_pacing_every_429_is_waited_out_and_nothing_is_lost_or_doubled(
    slack: SlackStandIn, file_db: Database
) -> None:
    # A client that paces nothing: the stand-in's 429s are its only brake. Bigger bursts
    # than Slack's keep the test short (each 429 closes the workspace for at least a second).
    to = burst.recipients(45, 3) + burst.recipients(30, None)
    burst.prepare(slack, file_db, to, now=datetime.now(UTC))
    slack.enable_rate_limits(
        limits={"chat.postMessage": RateLimit(per_minute=3000, burst=30)},
        channel_limits={"chat.postMessage": RateLimit(per_minute=1200, burst=10)},
    )
    engine = burst.dispatcher(file_db, slack, speedup=1, pacing=Pacing())

    reports = burst.deliver_all(engine, file_db, timeout=60)

    assert_each_sent_once(slack, file_db)
    hits = slack.rate_limit_hits()
    assert hits, "the limits were felt"
    assert sum(r.rate_limited for r in reports) == len(hits)
    assert sum(r.deferred for r in reports) == 0, "short waits are waited out in the pass"
    refused = [c for c in slack.calls("chat.postMessage") if c.status == 429]
    assert len(refused) == len(hits)


# -- waiting out a 429 ----------------------------------------------------------------------------
class FakeTime:
    """monotonic() and sleep() for a Dispatcher: sleeping moves the time, nothing waits."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def plain_dispatcher(
    db: Database, standin: SlackStandIn, clock: FixedClock, fake: FakeTime, **options: object
) -> Dispatcher:
    client = WebClient(token=BOT_TOKEN, base_url=standin.api_url, retry_handlers=[])
    return Dispatcher(
        db,
        SlackSender(lambda _team: client),
        burst.compose,
        clock=clock,
        sleep=fake.sleep,
        monotonic=fake.monotonic,
        **options,  # type: ignore[arg-type]
    )


def plan(db: Database, key: str, recipient: str, due: datetime) -> int:
    with db.session() as session:
        store.plan_delivery(
            session=session,
            team_id=TEAM,
            kind=Kind.PREP,
            recipient=recipient,
            dedupe_key=key,
            due_at=due,
            expires_at=None,
            now=due,
        )
        found = session.exec(select(Delivery.id).where(Delivery.dedupe_key == key)).one()
        assert found is not None
        return found


def test_a_short_retry_after_is_waited_out_in_the_same_pass(
    standin: SlackStandIn, file_db: Database, clock: FixedClock
) -> None:
    first = plan(file_db, "a", MENTOR, clock.now)
    second = plan(file_db, "b", MENTEE, clock.now)
    standin.fail_next("chat.postMessage", status=429, retry_after=2)
    fake = FakeTime()

    report = plain_dispatcher(file_db, standin, clock, fake).run_pass()

    assert (report.sent, report.deferred, report.rate_limited) == (2, 0, 1)
    assert report.next_attempt_at is None
    assert fake.slept == [2.0], "the whole workspace waited the Retry-After, once"
    calls = standin.calls("chat.postMessage")
    assert [c.status for c in calls] == [429, 200, 200]
    assert burst.posts_by_delivery(standin) == {first: 1, second: 1}
    # The refused post was known not to be in Slack: no look in the conversation before retrying.
    assert standin.calls("conversations.history") == []
    with file_db.session() as session:
        assert {d.attempts for d in session.exec(select(Delivery)).all()} == {1}


def test_a_long_retry_after_goes_back_to_the_queue_and_the_pass_says_until_when(
    standin: SlackStandIn, file_db: Database, clock: FixedClock
) -> None:
    delivery_id = plan(file_db, "a", MENTOR, clock.now)
    retry_after = int(MAX_WAIT_SECONDS) + 25
    standin.fail_next("chat.postMessage", status=429, retry_after=retry_after)
    fake = FakeTime()
    engine = plain_dispatcher(file_db, standin, clock, fake)

    report = engine.run_pass()

    until = clock.now + timedelta(seconds=retry_after)
    assert (report.sent, report.deferred, report.rate_limited) == (0, 1, 1)
    assert report.next_attempt_at == until
    assert fake.slept == []
    clock.now = until
    assert engine.run_pass().sent == 1
    assert burst.posts_by_delivery(standin) == {delivery_id: 1}


def test_a_delivery_refused_again_and_again_is_not_retried_forever_in_one_pass(
    standin: SlackStandIn, file_db: Database, clock: FixedClock
) -> None:
    plan(file_db, "a", MENTOR, clock.now)
    standin.fail_next("chat.postMessage", status=429, retry_after=1, times=1000)
    fake = FakeTime()

    report = plain_dispatcher(file_db, standin, clock, fake).run_pass()

    assert (report.sent, report.deferred) == (0, 1)
    assert 1 < len(fake.slept) < 20
    assert report.next_attempt_at == clock.now + timedelta(seconds=1)


# -- pacing ---------------------------------------------------------------------------------------
def test_the_pacer_allows_a_short_burst_then_one_a_second_per_channel() -> None:
    fake = FakeTime()
    pacer = Pacer(Pacing(per_channel=Rate(1.0, 3), per_workspace=None), fake.monotonic)
    start = fake.now
    sent = []
    for _ in range(6):
        fake.now = max(fake.now, pacer.ready_at(TEAM, "C1"))
        pacer.take(TEAM, "C1")
        sent.append(round(fake.now - start, 6))
    # One of the three kept back for jitter: two at once, then one a second.
    assert sent == [0, 0, 1, 2, 3, 4]
    assert pacer.ready_at(TEAM, "C2") == fake.now, "another channel is not held up"
    pacer.hold(TEAM, 2.5)
    assert pacer.ready_at(TEAM, "C2") == fake.now + 2.5, "a 429 holds the whole workspace"
    assert pacer.ready_at("T0OTHER", "C2") == fake.now


def test_the_pacer_keeps_a_workspace_under_its_ceiling_across_channels() -> None:
    fake = FakeTime()
    pacer = Pacer(Pacing(per_channel=Rate(1.0, 3), per_workspace=Rate(5.0, 11)), fake.monotonic)
    start = fake.now
    for i in range(60):
        fake.now = max(fake.now, pacer.ready_at(TEAM, f"D{i}"))
        pacer.take(TEAM, f"D{i}")
    # Ten at once, then five a second: the 60th goes 10 s in.
    assert fake.now - start == pytest.approx(10.0)


# -- the in-process job ---------------------------------------------------------------------------
class CountingBot:
    """Stands in for a Mentorbot: its first pass leaves work due in a moment."""

    def __init__(self, come_back_in: float) -> None:
        self.come_back_in = come_back_in
        self.passes: list[float] = []
        self.second = threading.Event()

    def deliver_due(self) -> PassReport:
        self.passes.append(time.monotonic())
        report = PassReport()
        if len(self.passes) == 1:
            due = datetime.now(UTC) + timedelta(seconds=self.come_back_in)
            report.deferred_until(due)
        else:
            self.second.set()
        return report


def test_the_in_process_job_runs_again_when_the_first_deferral_is_due() -> None:
    bot = CountingBot(come_back_in=0.5)
    scheduler = start_dispatcher(bot, interval_seconds=3600)  # type: ignore[arg-type]
    try:
        assert bot.second.wait(timeout=10), "it waited for the next interval"
    finally:
        scheduler.shutdown(wait=True)
    first, second = bot.passes[:2]
    assert 0.4 <= second - first < 5


def test_stopping_a_pass_that_waits_for_its_turn_hands_its_deliveries_back(
    standin: SlackStandIn, file_db: Database, clock: FixedClock
) -> None:
    ids = [plan(file_db, f"k{n}", MENTOR, clock.now) for n in range(5)]
    client = WebClient(token=BOT_TOKEN, base_url=standin.api_url, retry_handlers=[])
    engine = Dispatcher(
        file_db,
        SlackSender(lambda _team: client),
        burst.compose,
        clock=clock,
        pacing=Pacing(per_channel=Rate(per_second=0.2, burst=2)),  # one now, the next in 5 s
    )
    reports: list[PassReport] = []
    running = threading.Thread(target=lambda: reports.append(engine.run_pass()))
    running.start()
    standin.wait_for("chat.postMessage")
    started = time.monotonic()
    engine.stop()  # what the scheduler's shutdown does first
    running.join(timeout=5)

    assert not running.is_alive() and time.monotonic() - started < 2
    [report] = reports
    assert (report.sent, report.deferred) == (1, 4)
    with file_db.session() as session:
        rows = {d.id: d for d in session.exec(select(Delivery)).all()}
    back = [rows[i] for i in ids[1:]]
    assert {(d.state, d.attempts, d.claim_token) for d in back} == {("pending", 0, None)}
    assert all(d.next_attempt_at <= clock.now for d in back), "due again at once"
    assert engine.run_pass().sent == 0, "a stopped dispatcher starts no pass"


def test_pacing_and_lease_settings() -> None:
    default = base_settings()
    assert (default.posts_per_minute, default.claim_lease_seconds) == (300, 300)
    assert slack_pacing(default.posts_per_minute) == Pacing(
        per_channel=Rate(1.0, 3), per_workspace=Rate(5.0, 60)
    )
    assert slack_pacing(0).per_workspace is None, "0: only Slack's 429s brake the workspace"
    assert base_settings(MENTORBOT_CLAIM_LEASE_SECONDS="30").claim_lease_seconds == 30
    with pytest.raises(SettingsError) as bad:
        base_settings(MENTORBOT_POSTS_PER_MINUTE="-1", MENTORBOT_CLAIM_LEASE_SECONDS="0")
    assert [p.split(" must")[0] for p in bad.value.problems] == [
        "MENTORBOT_CLAIM_LEASE_SECONDS",
        "MENTORBOT_POSTS_PER_MINUTE",
    ]
