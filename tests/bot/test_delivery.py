"""The delivery engine against a real local Slack Web API and real databases.

Every test drives `Dispatcher.run_pass` with a hand-moved clock; "later" means moving the clock
and running another pass (a restart is a new Dispatcher on the same database). What reached
Slack is read back from the stand-in: posts are matched to deliveries by the message metadata.
"""

from __future__ import annotations

import logging
import re
import socket
import threading
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine, event, insert
from sqlmodel import select

from bot.delivery import CLAIM_LEASE, MAX_ATTEMPTS, Dispatcher, SendFailure, backoff
from runtime.sender import SlackSender
from standin.web_api import SlackStandIn
from storage import deliveries as store
from storage.db import Database
from storage.models import Delivery, DeliveryState, Kind
from tests.conftest import BOT_TOKEN, MENTEE, MENTOR, OTHER_TEAM, STRANGER, TEAM, FixedClock

OTHER_TOKEN = "xoxb-other-team-token"
OTHER_USER = "UOTHER01"
CHANNEL = "CPAIRS01"  # a channel the bot is in
OUTSIDE = "COUTSIDE"  # a channel the bot is not in
TOKENS = {TEAM: BOT_TOKEN, OTHER_TEAM: OTHER_TOKEN}
METADATA_EVENT = "mentorbot_delivery"


@pytest.fixture
def slack(standin: SlackStandIn) -> SlackStandIn:
    """The conftest stand-in, plus a second workspace and two channels."""
    standin.add_workspace(OTHER_TEAM, bot_token=OTHER_TOKEN, bot_user_id="UBOT0002")
    standin.add_user(OTHER_TEAM, OTHER_USER, name="olga")
    standin.add_channel(TEAM, CHANNEL, name="pairs")
    standin.add_channel(TEAM, OUTSIDE, name="outside", bot_member=False)
    return standin


def compose(delivery: Delivery) -> dict | None:
    text = f"{delivery.kind} for {delivery.recipient}"
    return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}


def client_factory(slack: SlackStandIn, **options: Any) -> Callable[[str], WebClient]:
    """One client per workspace, without slack_sdk's own retries (the dispatcher decides)."""
    clients: dict[str, WebClient] = {}

    def client_for(team_id: str) -> WebClient:
        if team_id not in clients:
            clients[team_id] = WebClient(
                token=TOKENS[team_id], base_url=slack.api_url, retry_handlers=[], **options
            )
        return clients[team_id]

    return client_for


def dispatcher(
    db: Database,
    slack: SlackStandIn,
    clock: FixedClock,
    compose: Callable[[Delivery], dict | None] = compose,
    *,
    client_for: Callable[[str], WebClient] | None = None,
    **options: Any,
) -> Dispatcher:
    sender = SlackSender(client_for or client_factory(slack))
    return Dispatcher(db, sender, compose, clock=clock, **options)


def plan(
    db: Database,
    key: str,
    *,
    due: datetime,
    expires: datetime | None = None,
    recipient: str = MENTOR,
    team: str = TEAM,
    kind: str = Kind.PREP,
    now: datetime | None = None,
) -> int:
    with db.session() as session:
        store.plan_delivery(
            session=session,
            team_id=team,
            kind=kind,
            recipient=recipient,
            dedupe_key=key,
            due_at=due,
            expires_at=expires,
            now=now or due,
        )
    with db.session() as session:
        found = session.exec(
            select(Delivery.id).where(Delivery.team_id == team, Delivery.dedupe_key == key)
        ).one()
        assert found is not None
        return found


def row(db: Database, delivery_id: int) -> Delivery:
    with db.session() as session:
        found = session.get(Delivery, delivery_id)
        assert found is not None
        return found


def rows(db: Database) -> list[Delivery]:
    with db.session() as session:
        return list(session.exec(select(Delivery).order_by(Delivery.id)).all())


def _delivery_id(call: Any) -> int | None:
    metadata = call.args.get("metadata") or {}
    if metadata.get("event_type") != METADATA_EVENT:
        return None
    return (metadata.get("event_payload") or {}).get("delivery_id")


def posted(slack: SlackStandIn) -> Counter[int | None]:
    """How many times Slack accepted a post for each delivery id."""
    return Counter(
        _delivery_id(c) for c in slack.calls("chat.postMessage") if c.response.get("ok") is True
    )


def post_calls(slack: SlackStandIn) -> Counter[int | None]:
    """How many times each delivery was tried (accepted or not)."""
    return Counter(_delivery_id(c) for c in slack.calls("chat.postMessage"))


def dm_of(slack: SlackStandIn, user_id: str) -> str:
    messages = slack.messages(user_id)
    assert messages, f"no DM with {user_id}"
    return str(messages[0]["channel"])


# -- timing and the record ----------------------------------------------------------------------
@pytest.mark.parametrize("recipient", [MENTOR, CHANNEL], ids=["dm", "channel"])
def test_a_delivery_is_sent_once_when_due_with_its_id_in_the_message_metadata(
    any_db: Database, slack: SlackStandIn, clock: FixedClock, recipient: str
) -> None:
    start = clock.now
    delivery_id = plan(
        any_db, "k", due=start + timedelta(minutes=10), recipient=recipient, now=start
    )
    bot = dispatcher(any_db, slack, clock)

    assert bot.run_pass().sent == 0
    clock.advance(minutes=9, seconds=59)
    assert bot.run_pass().sent == 0
    assert slack.calls() == []  # nothing is even looked up before it is due
    assert row(any_db, delivery_id).state == DeliveryState.PENDING

    clock.advance(seconds=1)
    report = bot.run_pass()

    assert report.sent == 1
    [message] = slack.messages(recipient)
    assert message["metadata"] == {
        "event_type": METADATA_EVENT,
        "event_payload": {"delivery_id": delivery_id},
    }
    assert message["text"] == f"prep for {recipient}"
    record = row(any_db, delivery_id)
    assert record.state == DeliveryState.SENT
    assert record.channel_id == message["channel"]
    assert record.message_ts == message["ts"]
    assert record.sent_at == start + timedelta(minutes=10)
    assert record.attempts == 1
    assert record.last_error is None
    if recipient == CHANNEL:
        assert record.channel_id == CHANNEL
        assert slack.calls("conversations.open") == []
    else:
        assert record.channel_id.startswith("D")

    for _ in range(3):
        clock.advance(days=1)
        assert bot.run_pass().sent == 0
    assert posted(slack) == {delivery_id: 1}


def test_planning_the_same_prompt_twice_sends_it_once(
    any_db: Database, slack: SlackStandIn, clock: FixedClock
) -> None:
    first = plan(any_db, "session:7:prep:UMENTOR1", due=clock.now)
    second = plan(any_db, "session:7:prep:UMENTOR1", due=clock.now + timedelta(minutes=5))
    assert first == second
    assert len(rows(any_db)) == 1

    dispatcher(any_db, slack, clock).run_pass()
    clock.advance(minutes=10)
    dispatcher(any_db, slack, clock).run_pass()

    assert posted(slack) == {first: 1}


def test_a_pass_run_twice_sends_each_prompt_once(
    any_db: Database, slack: SlackStandIn, clock: FixedClock
) -> None:
    recipients = [MENTOR, MENTEE, STRANGER, CHANNEL, MENTOR]
    ids = [plan(any_db, f"k{i}", due=clock.now, recipient=r) for i, r in enumerate(recipients)]
    bot = dispatcher(any_db, slack, clock)

    first, second = bot.run_pass(), bot.run_pass()

    assert (first.sent, second.sent) == (5, 0)
    assert posted(slack) == dict.fromkeys(ids, 1)
    assert {r.state for r in rows(any_db)} == {DeliveryState.SENT}


@pytest.mark.parametrize("batch_size", [100, 7])
def test_two_concurrent_passes_send_each_delivery_exactly_once(
    any_engine: Engine, slack: SlackStandIn, clock: FixedClock, batch_size: int
) -> None:
    db = Database(any_engine)
    recipients = [MENTOR, MENTEE, STRANGER, CHANNEL, OTHER_USER]
    due = []
    for i in range(300):
        recipient = recipients[i % len(recipients)]
        team = OTHER_TEAM if recipient == OTHER_USER else TEAM
        due.append(
            plan(
                db, f"due{i}", due=clock.now - timedelta(seconds=i), recipient=recipient, team=team
            )
        )
    stale = [
        plan(
            db,
            f"expired{i}",
            due=clock.now - timedelta(days=2),
            expires=clock.now - timedelta(days=1),
            recipient=MENTEE,
        )
        for i in range(20)
    ]
    barrier = threading.Barrier(2)
    reports = []
    errors: list[BaseException] = []

    def run() -> None:
        bot = dispatcher(db, slack, clock, batch_size=batch_size)
        try:
            barrier.wait()
            reports.append(bot.run_pass())
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    assert errors == []
    assert len(reports) == 2
    assert posted(slack) == dict.fromkeys(due, 1)
    assert post_calls(slack) == dict.fromkeys(due, 1)  # not even a refused second try
    assert sum(r.sent for r in reports) == 300
    assert sum(r.expired for r in reports) == 20
    states = {r.id: r.state for r in rows(db)}
    assert DeliveryState.CLAIMED not in states.values()
    assert {states[i] for i in due} == {DeliveryState.SENT}
    assert {states[i] for i in stale} == {DeliveryState.EXPIRED}
    assert all(r.attempts == 1 for r in rows(db) if r.id in set(due))


# -- downtime -----------------------------------------------------------------------------------
SESSION_START = timedelta(days=1)  # after the clock fixture's "now"


@pytest.mark.parametrize(
    ("kind", "recipient", "due", "useful_for", "outcome"),
    [
        # Preparation is useless once the session has started.
        (Kind.PREP, MENTOR, -timedelta(hours=24), timedelta(hours=24), DeliveryState.EXPIRED),
        (Kind.CHECKIN, MENTEE, -timedelta(hours=24), timedelta(hours=24), DeliveryState.EXPIRED),
        (Kind.SESSION_ANNOUNCE, CHANNEL, -SESSION_START, SESSION_START, DeliveryState.EXPIRED),
        # The diary prompts stay useful for 48 hours after the session.
        (Kind.AFTER_SESSION, MENTOR, timedelta(hours=1), timedelta(hours=48), DeliveryState.SENT),
        (Kind.DIARY_REMINDER, MENTEE, timedelta(hours=25), timedelta(hours=24), DeliveryState.SENT),
        # Without an expiry, late is better than never.
        ("nudge", STRANGER, -SESSION_START, None, DeliveryState.SENT),
    ],
)
def test_after_downtime_stale_prompts_expire_and_useful_ones_still_go(
    any_db: Database,
    slack: SlackStandIn,
    clock: FixedClock,
    kind: str,
    recipient: str,
    due: timedelta,
    useful_for: timedelta | None,
    outcome: DeliveryState,
) -> None:
    planned_at = clock.now
    start = planned_at + SESSION_START
    due_at = start + due
    delivery_id = plan(
        any_db,
        f"{kind}:{recipient}",
        kind=kind,
        recipient=recipient,
        due=due_at,
        expires=None if useful_for is None else due_at + useful_for,
        now=planned_at,
    )
    # The bot was down from before the session until 30 hours after its start.
    clock.now = start + timedelta(hours=30)

    report = dispatcher(any_db, slack, clock).run_pass()

    record = row(any_db, delivery_id)
    assert record.state == outcome
    if outcome == DeliveryState.EXPIRED:
        assert (report.expired, report.sent) == (1, 0)
        assert record.last_error == "expired before it could be sent"
        assert slack.calls() == []
        assert record.attempts == 0
    else:
        assert (report.expired, report.sent) == (0, 1)
        assert posted(slack) == {delivery_id: 1}
    clock.advance(days=3)
    dispatcher(any_db, slack, clock).run_pass()
    assert row(any_db, delivery_id).state == outcome
    assert sum(posted(slack).values()) == (1 if outcome == DeliveryState.SENT else 0)


def test_after_downtime_one_pass_sorts_a_backlog(
    any_db: Database, slack: SlackStandIn, clock: FixedClock
) -> None:
    start = clock.now + SESSION_START
    prep = plan(any_db, "prep", due=start - timedelta(hours=24), expires=start, now=clock.now)
    diary = plan(
        any_db,
        "diary",
        kind=Kind.AFTER_SESSION,
        due=start + timedelta(hours=1),
        expires=start + timedelta(hours=49),
        now=clock.now,
    )
    later = plan(any_db, "later", due=start + timedelta(days=7), now=clock.now)
    clock.now = start + timedelta(hours=6)

    report = dispatcher(any_db, slack, clock).run_pass()

    assert (report.expired, report.sent) == (1, 1)
    assert posted(slack) == {diary: 1}
    assert row(any_db, prep).state == DeliveryState.EXPIRED
    assert row(any_db, later).state == DeliveryState.PENDING


# -- rate limits --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "retry_after"),
    [("chat.postMessage", 30), ("chat.postMessage", 120), ("conversations.open", 45)],
)
def test_a_rate_limit_defers_the_workspace_without_losing_or_counting_anything(
    any_db: Database, slack: SlackStandIn, clock: FixedClock, method: str, retry_after: int
) -> None:
    start = clock.now
    limited = plan(any_db, "first", due=start - timedelta(minutes=3), recipient=MENTOR)
    same_team = [
        plan(any_db, "second", due=start - timedelta(minutes=2), recipient=MENTEE),
        plan(any_db, "third", due=start - timedelta(minutes=1), recipient=CHANNEL),
    ]
    elsewhere = plan(any_db, "other", due=start, recipient=OTHER_USER, team=OTHER_TEAM)
    slack.fail_next(method, status=429, retry_after=retry_after)
    bot = dispatcher(any_db, slack, clock)

    report = bot.run_pass()

    until = start + timedelta(seconds=retry_after)
    assert (report.sent, report.deferred, report.failed) == (1, 3, 0)
    assert report.errors == ["ratelimited"]
    # Once Slack said "wait", nothing more was asked of that workspace in this pass.
    team_calls = slack.calls(team_id=TEAM)
    assert team_calls[-1].method == method and team_calls[-1].status == 429
    assert posted(slack) == {elsewhere: 1}  # another workspace is not held up
    for delivery_id in [limited, *same_team]:
        record = row(any_db, delivery_id)
        assert record.state == DeliveryState.PENDING
        assert record.next_attempt_at == until
        assert record.attempts == 0  # a rate limit is not a failed attempt
        assert record.claim_token is None
    assert row(any_db, limited).last_error == "rate limited: ratelimited"
    assert {row(any_db, i).last_error for i in same_team} == {"waiting out a rate limit"}

    calls_before = len(slack.calls())
    clock.now = until - timedelta(seconds=1)
    assert bot.run_pass().sent == 0
    assert len(slack.calls()) == calls_before

    clock.now = until
    assert bot.run_pass().sent == 3
    clock.advance(hours=1)
    assert bot.run_pass().sent == 0
    assert posted(slack) == dict.fromkeys([limited, *same_team, elsewhere], 1)
    for delivery_id in [limited, *same_team]:
        record = row(any_db, delivery_id)
        assert (record.state, record.attempts, record.last_error) == ("sent", 1, None)


# -- transient errors ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("status", "error"),
    [(500, None), (502, "bad_gateway"), (503, "service_unavailable"), (200, "internal_error")],
)
def test_server_errors_are_retried_with_growing_backoff_until_they_clear(
    any_db: Database,
    slack: SlackStandIn,
    clock: FixedClock,
    status: int,
    error: str | None,
) -> None:
    delivery_id = plan(any_db, "k", due=clock.now)
    slack.fail_next("chat.postMessage", status=status, error=error, times=3)
    bot = dispatcher(any_db, slack, clock)

    gaps = []
    for attempt in (1, 2, 3):
        tried_at = clock.now
        report = bot.run_pass()
        assert (report.sent, report.deferred) == (0, 1)
        record = row(any_db, delivery_id)
        assert record.state == DeliveryState.PENDING
        assert record.attempts == attempt
        assert record.last_error == (error or "internal_error")
        gaps.append(record.next_attempt_at - tried_at)
        # Not before its time ...
        clock.now = record.next_attempt_at - timedelta(seconds=1)
        calls = len(slack.calls("chat.postMessage"))
        assert bot.run_pass().sent == 0
        assert len(slack.calls("chat.postMessage")) == calls
        clock.now = record.next_attempt_at  # ... but then again.

    assert gaps == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
    assert bot.run_pass().sent == 1
    record = row(any_db, delivery_id)
    assert (record.state, record.attempts, record.last_error) == ("sent", 4, None)
    assert post_calls(slack) == {delivery_id: 4}
    assert posted(slack) == {delivery_id: 1}
    assert len(slack.calls("conversations.open")) == 1  # the DM is known after the first try


def test_transient_failures_give_up_after_max_attempts(
    any_db: Database, slack: SlackStandIn, clock: FixedClock
) -> None:
    delivery_id = plan(any_db, "k", due=clock.now, recipient=CHANNEL)
    slack.fail_next("chat.postMessage", status=503, times=MAX_ATTEMPTS + 10)
    bot = dispatcher(any_db, slack, clock)

    for attempt in range(1, MAX_ATTEMPTS + 1):
        report = bot.run_pass()
        record = row(any_db, delivery_id)
        assert record.attempts == attempt
        if attempt < MAX_ATTEMPTS:
            assert record.state == DeliveryState.PENDING
            assert report.deferred == 1
            clock.now = record.next_attempt_at
        else:
            assert report.failed == 1

    record = row(any_db, delivery_id)
    assert record.state == DeliveryState.FAILED
    assert record.last_error == f"gave up after {MAX_ATTEMPTS} attempts: internal_error"
    assert post_calls(slack) == {delivery_id: MAX_ATTEMPTS}
    for _ in range(3):
        clock.advance(days=1)
        bot.run_pass()
    assert post_calls(slack) == {delivery_id: MAX_ATTEMPTS}


def test_backoff_doubles_from_a_minute_and_stops_at_an_hour() -> None:
    assert [backoff(n) for n in range(0, 9)] == [
        timedelta(minutes=m) for m in (1, 1, 2, 4, 8, 16, 32, 60, 60)
    ]
    assert backoff(100) == timedelta(hours=1)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unreachable_slack_is_a_transient_failure(
    any_db: Database, slack: SlackStandIn, clock: FixedClock
) -> None:
    delivery_id = plan(any_db, "k", due=clock.now, recipient=CHANNEL)
    url = {"api": f"http://127.0.0.1:{_closed_port()}/api/"}

    def client_for(team_id: str) -> WebClient:
        return WebClient(token=TOKENS[team_id], base_url=url["api"], retry_handlers=[])

    bot = dispatcher(any_db, slack, clock, client_for=client_for)
    report = bot.run_pass()

    record = row(any_db, delivery_id)
    assert report.deferred == 1
    assert record.state == DeliveryState.PENDING
    assert record.attempts == 1
    assert (record.last_error or "").startswith("connection:")
    assert record.next_attempt_at == clock.now + backoff(1)

    url["api"] = slack.api_url
    clock.now = record.next_attempt_at
    assert bot.run_pass().sent == 1
    assert posted(slack) == {delivery_id: 1}


# -- permanent errors ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("recipient", "forced", "error"),
    [
        ("UNOBODY1", None, "user_not_found"),  # conversations.open refuses the unknown user
        ("UGONE001", None, "user_disabled"),  # a deactivated person
        (MENTOR, "account_inactive", "account_inactive"),
        ("CMISSING", None, "channel_not_found"),
        (OUTSIDE, None, "not_in_channel"),
        (CHANNEL, "is_archived", "is_archived"),
        (CHANNEL, "something_slack_added_later", "something_slack_added_later"),
    ],
)
def test_permanent_errors_are_recorded_and_never_retried(
    any_db: Database,
    slack: SlackStandIn,
    clock: FixedClock,
    recipient: str,
    forced: str | None,
    error: str,
) -> None:
    broken = plan(any_db, "broken", due=clock.now - timedelta(minutes=1), recipient=recipient)
    fine = plan(any_db, "fine", due=clock.now, recipient=MENTEE)
    if forced:
        slack.fail_next("chat.postMessage", error=forced)
    bot = dispatcher(any_db, slack, clock)

    report = bot.run_pass()

    assert (report.failed, report.sent) == (1, 1)
    assert report.errors == [error]
    record = row(any_db, broken)
    assert (record.state, record.last_error, record.attempts) == ("failed", error, 1)
    assert posted(slack) == {fine: 1}  # one person's problem is nobody else's

    calls = len(slack.calls())
    for _ in range(3):
        clock.advance(days=2)
        assert bot.run_pass().failed == 0
    assert len(slack.calls()) == calls
    assert row(any_db, broken).state == DeliveryState.FAILED


# -- composing ----------------------------------------------------------------------------------
def test_a_prompt_no_longer_needed_is_withdrawn_without_touching_slack(
    any_db: Database, slack: SlackStandIn, clock: FixedClock
) -> None:
    gone = plan(any_db, "gone", due=clock.now, recipient=MENTOR)
    kept = plan(any_db, "kept", due=clock.now, recipient=MENTEE)

    def only_mentee(delivery: Delivery) -> dict | None:
        return compose(delivery) if delivery.recipient == MENTEE else None

    report = dispatcher(any_db, slack, clock, only_mentee).run_pass()

    assert (report.withdrawn, report.sent) == (1, 1)
    record = row(any_db, gone)
    assert (record.state, record.last_error) == ("withdrawn", "no longer needed")
    assert posted(slack) == {kept: 1}
    assert [c.args["users"] for c in slack.calls("conversations.open")] == [MENTEE]
    clock.advance(days=1)
    dispatcher(any_db, slack, clock).run_pass()
    assert posted(slack) == {kept: 1}


def test_a_compose_error_fails_only_its_own_delivery(
    any_db: Database, slack: SlackStandIn, clock: FixedClock
) -> None:
    ids = [plan(any_db, f"k{i}", due=clock.now - timedelta(minutes=3 - i)) for i in range(3)]

    def fragile(delivery: Delivery) -> dict | None:
        if delivery.id == ids[1]:
            raise KeyError("question set 'prep-v2'")
        return compose(delivery)

    report = dispatcher(any_db, slack, clock, fragile).run_pass()

    assert (report.sent, report.failed) == (2, 1)
    record = row(any_db, ids[1])
    assert record.state == DeliveryState.FAILED
    assert record.last_error == "compose: \"question set 'prep-v2'\""
    assert posted(slack) == {ids[0]: 1, ids[2]: 1}
    clock.advance(days=1)
    dispatcher(any_db, slack, clock).run_pass()
    assert ids[1] not in post_calls(slack)


def test_after_sent_hears_of_each_send_and_its_failure_changes_nothing(
    any_db: Database, slack: SlackStandIn, clock: FixedClock
) -> None:
    ids = [plan(any_db, f"k{i}", due=clock.now, recipient=CHANNEL) for i in range(2)]
    heard: list[tuple[int | None, str, str]] = []

    def after_sent(delivery: Delivery, channel: str, ts: str) -> None:
        heard.append((delivery.id, channel, ts))
        raise RuntimeError("remembering the message failed")

    report = dispatcher(any_db, slack, clock, after_sent=after_sent).run_pass()

    assert report.sent == 2
    assert heard == [(i, CHANNEL, row(any_db, i).message_ts) for i in ids]
    assert {row(any_db, i).state for i in ids} == {DeliveryState.SENT}


# -- crash recovery -----------------------------------------------------------------------------
def crash_mid_send(
    db: Database,
    slack: SlackStandIn,
    clock: FixedClock,
    delivery_id: int,
    *,
    record_channel: bool,
    post: bool,
) -> tuple[str | None, str | None]:
    """Do what a pass does up to the moment it died: claim, find the DM, maybe post."""
    with db.session() as session:
        [claimed] = store.claim_due(session=session, now=clock.now, limit=1, token="crashed")
    assert claimed.id == delivery_id
    if not record_channel:
        return None, None
    client = WebClient(token=BOT_TOKEN, base_url=slack.api_url, retry_handlers=[])
    channel = client.conversations_open(users=claimed.recipient)["channel"]["id"]
    with db.session() as session:
        store.record_channel(
            session=session, delivery_id=delivery_id, token="crashed", channel_id=channel
        )
    if not post:
        return channel, None
    # Other bot messages in the same DM must not be mistaken for this one.
    client.chat_postMessage(
        channel=channel,
        text="an earlier prompt",
        metadata={"event_type": METADATA_EVENT, "event_payload": {"delivery_id": delivery_id + 1}},
    )
    ts = client.chat_postMessage(
        channel=channel,
        text="the prompt",
        metadata={"event_type": METADATA_EVENT, "event_payload": {"delivery_id": delivery_id}},
    )["ts"]
    client.chat_postMessage(channel=channel, text="a later note without metadata")
    return channel, str(ts)


@pytest.mark.parametrize(
    ("record_channel", "post"),
    [(True, True), (True, False), (False, False)],
    ids=["posted-not-recorded", "channel-known-not-posted", "died-before-opening-the-dm"],
)
def test_a_claim_left_by_a_dead_pass_is_settled_after_the_lease_without_a_second_post(
    any_db: Database,
    slack: SlackStandIn,
    clock: FixedClock,
    record_channel: bool,
    post: bool,
    caplog: pytest.LogCaptureFixture,
) -> None:
    delivery_id = plan(any_db, "k", due=clock.now, recipient=MENTOR)
    channel, ts = crash_mid_send(
        any_db, slack, clock, delivery_id, record_channel=record_channel, post=post
    )
    crashed_posts = post_calls(slack)[delivery_id]

    clock.advance(seconds=CLAIM_LEASE.total_seconds() + 1)
    with caplog.at_level(logging.INFO, logger="bot.delivery"):
        report = dispatcher(any_db, slack, clock).run_pass()
    # A pass that only recovered still says so in the bot's log.
    summary = f"{report.sent} sent, {report.recovered} recovered"
    assert any(summary in r.getMessage() for r in caplog.records), caplog.text

    record = row(any_db, delivery_id)
    assert record.state == DeliveryState.SENT
    assert posted(slack)[delivery_id] == 1
    assert [m.get("metadata", {}).get("event_payload") for m in slack.messages(MENTOR)].count(
        {"delivery_id": delivery_id}
    ) == 1
    assert record.channel_id == dm_of(slack, MENTOR)
    if post:
        assert (report.recovered, report.sent) == (1, 0)
        assert post_calls(slack)[delivery_id] == crashed_posts == 1
        assert (record.channel_id, record.message_ts) == (channel, ts)
        assert record.attempts == 2
    else:
        assert (report.recovered, report.sent) == (0, 1)
    if record_channel:
        # It looked before it posted.
        history = slack.calls("conversations.history")
        assert [c.args["channel"] for c in history] == [channel]
    else:
        assert slack.calls("conversations.history") == []

    clock.advance(days=1)
    dispatcher(any_db, slack, clock).run_pass()
    assert posted(slack)[delivery_id] == 1


def test_a_claim_younger_than_the_lease_is_left_alone(
    any_db: Database, slack: SlackStandIn, clock: FixedClock
) -> None:
    delivery_id = plan(any_db, "k", due=clock.now, recipient=MENTOR)
    crash_mid_send(any_db, slack, clock, delivery_id, record_channel=True, post=False)
    calls = len(slack.calls())

    for at in (timedelta(minutes=1), CLAIM_LEASE - timedelta(seconds=1), CLAIM_LEASE):
        clock.now = row(any_db, delivery_id).claimed_at + at
        report = dispatcher(any_db, slack, clock).run_pass()
        assert (report.sent, report.recovered) == (0, 0)
        record = row(any_db, delivery_id)
        assert (record.state, record.claim_token) == ("claimed", "crashed")
        assert len(slack.calls()) == calls

    clock.advance(seconds=1)
    assert dispatcher(any_db, slack, clock).run_pass().sent == 1
    assert posted(slack) == {delivery_id: 1}


# -- DM channels --------------------------------------------------------------------------------
def test_dm_channels_are_opened_once_per_person_and_remembered_across_restarts(
    any_db: Database, slack: SlackStandIn, clock: FixedClock
) -> None:
    first = plan(any_db, "a", due=clock.now, recipient=MENTOR)
    second = plan(any_db, "b", due=clock.now, recipient=MENTOR, kind=Kind.CHECKIN)
    dispatcher(any_db, slack, clock).run_pass()

    assert len(slack.calls("conversations.open")) == 1
    later = plan(any_db, "c", due=clock.now + timedelta(hours=1), recipient=MENTOR)
    clock.advance(hours=1)
    dispatcher(any_db, slack, clock).run_pass()  # a new process: nothing held in memory

    assert len(slack.calls("conversations.open")) == 1
    channel = dm_of(slack, MENTOR)
    assert {row(any_db, i).channel_id for i in (first, second, later)} == {channel}
    assert posted(slack) == {first: 1, second: 1, later: 1}


# -- cost ---------------------------------------------------------------------------------------
def _future_rows(start: datetime, count: int, offset: int) -> list[dict[str, Any]]:
    return [
        {
            "team_id": TEAM,
            "kind": Kind.DIARY_REMINDER.value,
            "recipient": CHANNEL,
            "dedupe_key": f"future{offset + i}",
            "due_at": start + timedelta(days=1, minutes=i),
            "expires_at": start + timedelta(days=3, minutes=i),
            "next_attempt_at": start + timedelta(days=1, minutes=i),
            "state": DeliveryState.PENDING.value,
            "attempts": 0,
            "created_at": start,
        }
        for i in range(count)
    ]


def _statements_of_a_pass(
    engine: Engine, bot: Dispatcher
) -> tuple[int, list[tuple[str, Any]], Any]:
    seen: list[tuple[str, Any]] = []

    def count(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", count)
    try:
        report = bot.run_pass()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen), seen, report


def _full_scans(engine: Engine, statements: list[tuple[str, Any]]) -> list[str]:
    """SQLite's plan for each statement that touches the deliveries table, if it scans it."""
    scans = []
    with engine.connect() as connection:
        for statement, parameters in statements:
            if "deliveries" not in statement:
                continue
            plan_rows = connection.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + statement, parameters
            ).all()
            for plan_row in plan_rows:
                detail = str(plan_row[-1])
                if re.match(r"SCAN (TABLE )?deliveries\b", detail):
                    scans.append(f"{detail}: {statement}")
        connection.rollback()
    return scans


def test_a_pass_costs_what_is_due_not_what_is_stored(
    any_engine: Engine, slack: SlackStandIn, clock: FixedClock
) -> None:
    db = Database(any_engine)
    bot = dispatcher(db, slack, clock)
    counts = []
    stored = 0
    for round_, future in enumerate((50, 5_000)):
        with db.session() as session:
            session.execute(insert(Delivery), _future_rows(clock.now, future - stored, stored))
        stored = future
        due = [
            plan(db, f"due{round_}-{i}", due=clock.now - timedelta(minutes=i), recipient=CHANNEL)
            for i in range(3)
        ]
        count, statements, report = _statements_of_a_pass(any_engine, bot)
        assert report.sent == 3
        assert posted(slack)[due[0]] == 1
        counts.append(count)
        if any_engine.dialect.name == "sqlite":
            assert _full_scans(any_engine, statements) == []
        with db.session() as session:
            total = len(session.exec(select(Delivery.id)).all())
        assert total == future + 3 * (round_ + 1)
        clock.advance(minutes=1)

    assert counts[0] == counts[1]
    assert counts[1] <= 40, counts  # a handful per due delivery, none per stored row


# -- bugs ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("status", "retry_after"), [(500, None), (429, 10)])
def test_a_failed_recovery_lookup_does_not_lead_to_a_second_post(
    any_db: Database,
    slack: SlackStandIn,
    clock: FixedClock,
    status: int,
    retry_after: int | None,
) -> None:
    delivery_id = plan(any_db, "k", due=clock.now, recipient=MENTOR)
    crash_mid_send(any_db, slack, clock, delivery_id, record_channel=True, post=True)
    clock.advance(seconds=CLAIM_LEASE.total_seconds() + 1)
    slack.fail_next("conversations.history", status=status, retry_after=retry_after)
    dispatcher(any_db, slack, clock).run_pass()

    for _ in range(3):
        clock.advance(hours=1)
        dispatcher(any_db, slack, clock).run_pass()

    assert row(any_db, delivery_id).state == DeliveryState.SENT
    assert posted(slack)[delivery_id] == 1


def _join_standin_requests() -> None:
    """Let the stand-in finish answering the client that gave up (it writes to a closed socket)."""
    for thread in threading.enumerate():
        if "process_request_thread" in thread.name:
            thread.join(timeout=10)


def test_a_post_that_timed_out_after_reaching_slack_is_not_posted_again(
    any_db: Database, slack: SlackStandIn, clock: FixedClock
) -> None:
    delivery_id = plan(any_db, "k", due=clock.now, recipient=CHANNEL)
    bot = dispatcher(any_db, slack, clock, client_for=client_factory(slack, timeout=0.2))
    slack.set_latency(0.6)  # Slack stores the message, but answers too late
    try:
        report = bot.run_pass()
    finally:
        slack.set_latency(0)
        _join_standin_requests()
    assert report.deferred == 1
    assert (row(any_db, delivery_id).last_error or "").startswith("connection:")
    assert posted(slack) == {delivery_id: 1}

    clock.now = row(any_db, delivery_id).next_attempt_at
    bot.run_pass()

    assert row(any_db, delivery_id).state == DeliveryState.SENT
    messages = [m for m in slack.messages(CHANNEL) if m.get("metadata")]
    assert len(messages) == 1


def test_a_dead_pass_claim_that_expired_during_downtime_is_not_sent(
    any_db: Database, slack: SlackStandIn, clock: FixedClock
) -> None:
    start = clock.now + timedelta(minutes=30)
    delivery_id = plan(any_db, "prep", due=clock.now, expires=start, recipient=MENTOR)
    crash_mid_send(any_db, slack, clock, delivery_id, record_channel=True, post=False)
    clock.now = start + timedelta(hours=6)  # the bot came back after the session

    dispatcher(any_db, slack, clock).run_pass()

    assert posted(slack) == {}
    assert row(any_db, delivery_id).state == DeliveryState.EXPIRED


def test_a_pass_slower_than_the_lease_does_not_double_send(
    any_db: Database, slack: SlackStandIn, clock: FixedClock
) -> None:
    ids = [plan(any_db, f"k{i}", due=clock.now, recipient=CHANNEL) for i in range(2)]
    other = dispatcher(any_db, slack, clock)
    overlapped: list[Any] = []

    def slow(delivery: Delivery) -> dict | None:
        if not overlapped:
            # This pass stalls (slow Slack calls before this one, say) past the lease, and
            # the next pass - a scheduler tick or `app.py dispatch --once` - runs meanwhile.
            clock.advance(seconds=CLAIM_LEASE.total_seconds() + 60)
            overlapped.append(other.run_pass())
        return compose(delivery)

    dispatcher(any_db, slack, clock, slow).run_pass()

    assert posted(slack) == dict.fromkeys(ids, 1)


def test_send_failure_carries_what_the_dispatcher_needs() -> None:
    limited = SendFailure("ratelimited", retry_after=30)
    permanent = SendFailure("user_not_found", permanent=True)
    assert (limited.error, limited.retry_after, limited.permanent) == ("ratelimited", 30, False)
    assert (permanent.error, permanent.retry_after, permanent.permanent) == (
        "user_not_found",
        None,
        True,
    )
    assert str(permanent) == "user_not_found"
