"""Stalling pairs: when a nudge is due, once per period, what counts as ignored, risk, digests."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from bot import stalling
from bot.settings import Cadence
from bot.stalling import (
    Risk,
    ignored_nudges,
    missed_in_a_row,
    next_digest_slot,
    plan_program_health,
    unanswered_in_a_row,
)
from storage import agreements as agreement_store
from storage import deliveries as delivery_store
from storage import pairs as pair_store
from storage import sessions as session_store
from storage.db import Database
from storage.models import (
    Delivery,
    DeliveryState,
    Kind,
    MentoringSession,
    Pair,
    PairStatus,
    PromptAnswer,
    SessionStatus,
)
from storage.report import AnswerKey, DeliveryFact, SessionFact
from tests.conftest import ADMIN, MENTEE, MENTOR, OTHER_TEAM, TEAM, base_settings

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
DAY = timedelta(days=1)
WEEK = timedelta(days=7)
SETTINGS = base_settings()
_channels = itertools.count(1)


# -- building a world --------------------------------------------------------------------------
def make_pair(
    db: Database,
    *,
    team: str = TEAM,
    mentor: str = MENTOR,
    mentee: str = MENTEE,
    frequency: str | None = "weekly",
    created_at: datetime = START,
    created_by: str = ADMIN,
    status: str = PairStatus.ACTIVE,
    program: str = "main",
) -> Pair:
    with db.session() as session:
        pair = pair_store.add_pair(
            session=session,
            team_id=team,
            mentor_id=mentor,
            mentee_id=mentee,
            channel_id=f"G{next(_channels):08d}",
            created_by=created_by,
            now=created_at,
        )
        pair.status = status
        pair.program = program
        session.add(pair)
        clauses = {"frequency": frequency} if frequency else {}
        agreement_store.add_version(
            session=session,
            team_id=team,
            pair_id=pair.id or 0,
            version=1,
            clauses=clauses,
            created_by=created_by,
            now=created_at,
        )
        return pair


def add_meeting(
    db: Database,
    pair: Pair,
    starts_at: datetime,
    *,
    status: str = SessionStatus.SCHEDULED,
    scheduled_at: datetime | None = None,
    cadence: str | None = None,
) -> int:
    """A session of the pair (a one-off unless `cadence`), scheduled at `scheduled_at`."""
    when = scheduled_at or min(starts_at - DAY, starts_at)
    with db.session() as session:
        series = session_store.add_series(
            session=session,
            team_id=pair.team_id,
            pair_id=pair.id or 0,
            cadence=cadence,
            first_start=starts_at,
            length_minutes=60,
            created_by=pair.mentor_id,
            now=when,
        )
        meeting = session_store.add_session(
            session=session, series=series, occurrence=0, starts_at=starts_at, now=when
        )
        meeting.status = status
        session.add(meeting)
        session.flush()
        return meeting.id or 0


def run(db: Database, now: datetime, **kwargs: int) -> stalling.HealthPass:
    return plan_program_health(db, SETTINGS, now, **kwargs)


def check_again(db: Database) -> None:
    """Make every pair due for its next check (as if RECHECK had passed)."""
    with db.session() as session:
        session.execute(update(Pair).values(next_health_check_at=None))


def deliveries(db: Database, kind: Kind) -> list[Delivery]:
    with db.session() as session:
        return list(
            session.exec(
                select(Delivery).where(Delivery.kind == kind).order_by(col(Delivery.id))
            ).all()
        )


def send_due(db: Database, now: datetime) -> None:
    """What the dispatcher would do with what is due (nothing here talks to Slack)."""
    with db.session() as session:
        session.execute(
            update(Delivery)
            .where(
                col(Delivery.state) == DeliveryState.PENDING,
                col(Delivery.due_at) <= now,
            )
            .values(state=DeliveryState.SENT, sent_at=now)
        )


# -- nudges ------------------------------------------------------------------------------------
def test_a_pair_is_nudged_once_its_cadence_has_passed_without_a_session(db: Database) -> None:
    pair = make_pair(db)
    run(db, START + WEEK - timedelta(minutes=1))
    assert deliveries(db, Kind.NUDGE) == []

    check_again(db)
    outcome = run(db, START + WEEK)
    assert outcome.nudged == 1
    nudges = deliveries(db, Kind.NUDGE)
    assert sorted(n.recipient for n in nudges) == sorted([MENTOR, MENTEE])
    for nudge in nudges:
        assert (nudge.team_id, nudge.pair_id, nudge.state) == (TEAM, pair.id, "pending")
        assert nudge.due_at == START + WEEK
        assert nudge.expires_at == START + 2 * WEEK  # stale once the next one is due

    # At most one per period, however often the pair is looked at.
    for hours in (1, 30, 100):
        check_again(db)
        run(db, START + WEEK + timedelta(hours=hours))
    assert len(deliveries(db, Kind.NUDGE)) == 2


def test_the_next_nudge_comes_a_period_later(db: Database) -> None:
    make_pair(db, frequency="biweekly")
    run(db, START + 2 * WEEK)
    check_again(db)
    run(db, START + 4 * WEEK - timedelta(minutes=1))
    assert len(deliveries(db, Kind.NUDGE)) == 2
    check_again(db)
    run(db, START + 4 * WEEK)
    nudges = deliveries(db, Kind.NUDGE)
    assert len(nudges) == 4 and len({n.dedupe_key for n in nudges}) == 4
    assert nudges[-1].expires_at == START + 6 * WEEK


def test_a_pair_without_a_frequency_follows_the_program_default(db: Database) -> None:
    make_pair(db, frequency=None)  # the program default is biweekly
    run(db, START + WEEK + 6 * DAY)
    check_again(db)
    run(db, START + 2 * WEEK)
    assert len(deliveries(db, Kind.NUDGE)) == 2


@pytest.mark.parametrize("cadence", [None, "weekly"])
def test_an_upcoming_session_or_a_recurring_series_means_no_nudge(
    db: Database, cadence: str | None
) -> None:
    pair = make_pair(db)
    later = START + 3 * WEEK
    if cadence is None:
        add_meeting(db, pair, later)  # one-off, planned for later
    else:
        # A series whose latest session is past: plan-ahead will add the next one.
        add_meeting(db, pair, START + DAY, cadence=cadence, status=SessionStatus.HELD)
    run(db, START + 2 * WEEK)
    assert deliveries(db, Kind.NUDGE) == []


def test_the_count_starts_again_at_the_last_session_held_or_left_unmarked(db: Database) -> None:
    pair = make_pair(db)
    add_meeting(db, pair, START + 10 * DAY, status=SessionStatus.HELD)  # ends 10 d 1 h in
    run(db, START + 17 * DAY)
    assert deliveries(db, Kind.NUDGE) == []
    check_again(db)
    run(db, START + 17 * DAY + timedelta(hours=1))
    assert len(deliveries(db, Kind.NUDGE)) == 2

    # A session nobody marked (still "scheduled") counts as one; a missed one does not.
    other = make_pair(db, mentor="UNEWYORK", mentee="UTOKYO01")
    add_meeting(db, other, START + 2 * DAY, status=SessionStatus.MISSED)
    add_meeting(db, other, START + 3 * DAY)
    check_again(db)
    run(db, START + 10 * DAY)
    assert not [n for n in deliveries(db, Kind.NUDGE) if n.pair_id == other.id]
    check_again(db)
    run(db, START + 10 * DAY + timedelta(hours=1))
    assert len([n for n in deliveries(db, Kind.NUDGE) if n.pair_id == other.id]) == 2


@pytest.mark.parametrize("status", [PairStatus.PAUSED, PairStatus.ENDED])
def test_paused_and_ended_pairs_are_left_alone(db: Database, status: str) -> None:
    make_pair(db, status=status)
    outcome = run(db, START + 5 * WEEK)
    assert outcome.checked == 0 and deliveries(db, Kind.NUDGE) == []


def test_pairs_are_checked_in_bounded_batches_then_not_before_their_next_check(
    any_db: Database,
) -> None:
    pairs = [
        make_pair(any_db, mentor=f"UMENTOR{i}", mentee=f"UMENTEE{i}", team=team)
        for i, team in enumerate([TEAM, TEAM, OTHER_TEAM, TEAM, OTHER_TEAM])
    ]
    now = START + timedelta(hours=1)
    assert run(any_db, now, limit=2).checked == 2
    assert run(any_db, now, limit=2).checked == 2
    assert run(any_db, now, limit=2).checked == 1
    assert run(any_db, now, limit=2).checked == 0
    with any_db.session() as session:
        checks = {p.id: p.next_health_check_at for p in session.exec(select(Pair)).all()}
    # Not before the recheck interval (or the moment a nudge would be due, if sooner).
    assert set(checks) == {p.id for p in pairs}
    assert set(checks.values()) == {now + stalling.RECHECK}
    assert run(any_db, now + stalling.RECHECK - timedelta(seconds=1)).checked == 0
    assert run(any_db, now + stalling.RECHECK).checked == 5


def test_the_next_check_comes_when_the_next_nudge_is_due(db: Database) -> None:
    make_pair(db)
    run(db, START + WEEK - timedelta(hours=2))
    with db.session() as session:
        (pair,) = session.exec(select(Pair)).all()
    assert pair.next_health_check_at == START + WEEK


# -- what counts towards risk ------------------------------------------------------------------
def _session(
    starts_at: datetime,
    status: str = SessionStatus.HELD,
    *,
    sid: int = 1,
    created_at: datetime | None = None,
) -> SessionFact:
    return SessionFact(sid, 1, starts_at, 60, status, created_at or starts_at - DAY)


def _nudge(due_at: datetime, next_due: datetime, person: str = MENTOR) -> DeliveryFact:
    key = f"nudge:1:0:weekly:{due_at.day}:{person}"
    return DeliveryFact(1, None, Kind.NUDGE, person, key, due_at, next_due, DeliveryState.SENT)


def test_missed_sessions_count_in_a_row_until_one_is_held() -> None:
    now = START + 10 * WEEK
    missed, held = SessionStatus.MISSED, SessionStatus.HELD
    assert missed_in_a_row([], now) == 0
    sessions = [
        _session(START, held),
        _session(START + WEEK, missed),
        _session(START + 2 * WEEK, SessionStatus.SCHEDULED),  # nobody said: doesn't count
        _session(START + 3 * WEEK, SessionStatus.SKIPPED),
        _session(START + 4 * WEEK, missed),
    ]
    assert missed_in_a_row(sessions, now) == 2
    assert missed_in_a_row([*sessions, _session(START + 5 * WEEK, held)], now) == 0
    # A session still to come doesn't count either way.
    assert missed_in_a_row([*sessions, _session(now + DAY, missed)], now) == 2


def test_a_nudge_is_ignored_when_nothing_was_scheduled_before_the_next_was_due() -> None:
    first = _nudge(START + WEEK, START + 2 * WEEK)
    second = _nudge(START + 2 * WEEK, START + 3 * WEEK)
    assert ignored_nudges([first], [], START + 2 * WEEK - timedelta(seconds=1)) == 0
    assert ignored_nudges([first], [], START + 2 * WEEK) == 1
    assert ignored_nudges([first, second], [], START + 3 * WEEK) == 2
    # Both partners' nudges are one nudge.
    both = [first, _nudge(START + WEEK, START + 2 * WEEK, MENTEE)]
    assert ignored_nudges(both, [], START + 2 * WEEK) == 1
    # Nudges that weren't sent (withdrawn, expired) don't count.
    unsent = DeliveryFact(**{**first.__dict__, "state": DeliveryState.WITHDRAWN})
    assert ignored_nudges([unsent], [], START + 3 * WEEK) == 0


def test_scheduling_after_a_nudge_answers_it_and_ends_the_streak() -> None:
    first = _nudge(START + WEEK, START + 2 * WEEK)
    second = _nudge(START + 2 * WEEK, START + 3 * WEEK)
    now = START + 3 * WEEK
    # Scheduled (then skipped) in the second nudge's period: only the first was ignored.
    answered = _session(START + 4 * WEEK, SessionStatus.SKIPPED, created_at=START + 2 * WEEK + DAY)
    assert ignored_nudges([first, second], [answered], now) == 0
    answered_first = _session(
        START + 5 * WEEK, SessionStatus.CANCELLED, created_at=START + WEEK + DAY
    )
    assert ignored_nudges([first, second], [answered_first], now) == 1
    # An upcoming session, or one held since the latest nudge, ends the streak.
    upcoming = _session(now + DAY, SessionStatus.SCHEDULED, created_at=START)
    assert ignored_nudges([first, second], [upcoming], now) == 0
    held = _session(START + 2 * WEEK + DAY, SessionStatus.HELD, created_at=START)
    assert ignored_nudges([first, second], [held], now) == 0


def _prompt(
    kind: Kind, due_at: datetime, *, session_id: int | None, person: str = MENTOR
) -> DeliveryFact:
    key = f"session:{session_id}:{kind}:{person}:{due_at.timestamp()}"
    expires = due_at + DAY if session_id is not None else due_at + 2 * WEEK
    return DeliveryFact(1, session_id, kind, person, key, due_at, expires, DeliveryState.SENT)


def test_unanswered_prompts_count_per_partner_once_closed() -> None:
    pair = Pair(
        id=1,
        team_id=TEAM,
        mentor_id=MENTOR,
        mentee_id=MENTEE,
        channel_id="G1",
        created_by=ADMIN,
        created_at=START,
    )
    sessions = [_session(START + i * WEEK, sid=i) for i in range(1, 6)]
    preps = [_prompt(Kind.PREP, START + i * WEEK - DAY, session_id=i) for i in range(1, 5)]
    now = START + 4 * WEEK + timedelta(hours=1)
    assert unanswered_in_a_row(pair, preps, sessions, set(), now) == 4
    answered = {AnswerKey(1, 2, MENTOR, "preparation")}
    assert unanswered_in_a_row(pair, preps, sessions, answered, now) == 2
    # Someone else's answer, or another question set's, is not theirs.
    wrong = {AnswerKey(1, 4, MENTEE, "preparation"), AnswerKey(1, 4, MENTOR, "checkin")}
    assert unanswered_in_a_row(pair, preps, sessions, wrong, now) == 4
    # Still open (its session hasn't begun): not counted yet, either way.
    upcoming = _prompt(Kind.PREP, START + 5 * WEEK - DAY, session_id=5)
    assert unanswered_in_a_row(pair, [*preps, upcoming], sessions, set(), now) == 4
    # A cancelled session's prompt is nobody's to answer.
    cancelled = [*sessions[:3], _session(START + 4 * WEEK, SessionStatus.CANCELLED, sid=4)]
    assert unanswered_in_a_row(pair, preps, cancelled, set(), now) == 3
    # Prompts without a session close when they expire; the mentee's streak counts too.
    first_meeting = _prompt(Kind.FIRST_MEETING, START, session_id=None, person=MENTEE)
    checkins = [
        _prompt(Kind.CHECKIN, START + i * WEEK - DAY, session_id=i, person=MENTEE) for i in (1, 2)
    ]
    assert unanswered_in_a_row(pair, [first_meeting, *checkins], sessions, set(), now) == 3
    assert (
        unanswered_in_a_row(pair, [first_meeting, checkins[0]], sessions, set(), START + 6 * DAY)
        == 0
    )


def test_a_pair_is_at_risk_from_any_one_streak() -> None:
    assert not Risk(1, 1, 2).at_risk
    assert Risk(ignored_nudges=2).at_risk
    assert Risk(missed_in_a_row=2).at_risk
    assert Risk(unanswered_in_a_row=3).at_risk


# -- the health pass flags pairs and plans the admins' digest ----------------------------------
def test_two_ignored_nudges_flag_the_pair_and_plan_a_digest_for_each_workspaces_admins(
    db: Database,
) -> None:
    settings = base_settings(MENTORBOT_ADMINS=f"{ADMIN},UOTHERAD,UIDLEAD1")
    pair = make_pair(db)
    elsewhere = make_pair(db, team=OTHER_TEAM, created_by="UOTHERAD", mentor="UNEWYORK")
    for weeks in (1, 2):
        check_again(db)
        plan_program_health(db, settings, START + weeks * WEEK)
        send_due(db, START + weeks * WEEK)
    assert deliveries(db, Kind.ADMIN_DIGEST) == []
    check_again(db)
    outcome = plan_program_health(db, settings, START + 3 * WEEK)
    assert outcome.at_risk == 2
    digests = deliveries(db, Kind.ADMIN_DIGEST)
    # Today's 09:00 digest (the pass ran at 09:00), to the admins who paired people in that
    # workspace (UIDLEAD1 paired nobody anywhere), one per admin and day.
    assert sorted((d.team_id, d.recipient, d.pair_id) for d in digests) == [
        (TEAM, ADMIN, None),
        (OTHER_TEAM, "UOTHERAD", None),
    ]
    assert {d.due_at for d in digests} == {START + 3 * WEEK}
    assert {d.dedupe_key for d in digests} == {
        f"digest:{ADMIN}:2026-03-23",
        "digest:UOTHERAD:2026-03-23",
    }
    found = stalling.at_risk_pairs(db, team_id=TEAM, now=START + 3 * WEEK)
    assert [(r.pair.id, r.risk.ignored_nudges) for r in found] == [(pair.id, 2)]
    found = stalling.at_risk_pairs(db, team_id=OTHER_TEAM, now=START + 3 * WEEK)
    assert [r.pair.id for r in found] == [elsewhere.id]


def test_a_pair_that_answers_a_nudge_is_not_at_risk(db: Database) -> None:
    pair = make_pair(db)
    run(db, START + WEEK)
    send_due(db, START + WEEK)
    add_meeting(db, pair, START + 2 * WEEK + DAY, scheduled_at=START + WEEK + DAY)
    check_again(db)
    run(db, START + 2 * WEEK)
    assert len(deliveries(db, Kind.NUDGE)) == 2  # a session is planned: no second nudge
    assert stalling.at_risk_pairs(db, team_id=TEAM, now=START + 3 * WEEK) == []


def test_missed_sessions_and_unanswered_prompts_flag_a_pair_too(db: Database) -> None:
    missing = make_pair(db)
    for week in (1, 2):
        add_meeting(db, missing, START + week * WEEK, status=SessionStatus.MISSED)
    silent = make_pair(db, mentor="UNEWYORK", mentee="UTOKYO01")
    now = START + 3 * WEEK
    with db.session() as session:
        for week in (1, 2, 3):
            delivery_store.plan_delivery(
                session=session,
                team_id=TEAM,
                pair_id=silent.id,
                kind=Kind.EXPECTATIONS,
                recipient="UTOKYO01",
                dedupe_key=f"expectations:{week}",
                due_at=START + (week - 1) * WEEK,
                expires_at=START + (week - 1) * WEEK + 3 * DAY,
                now=START,
            )
    send_due(db, now)
    found = {r.pair.id: r.risk for r in stalling.at_risk_pairs(db, team_id=TEAM, now=now)}
    assert found[missing.id].missed_in_a_row == 2
    assert found[silent.id].unanswered_in_a_row == 3
    # One answer ends the silent streak.
    with db.session() as session:
        session.add(
            PromptAnswer(
                team_id=TEAM,
                pair_id=silent.id or 0,
                session_id=None,
                author_id="UTOKYO01",
                question_set="expectations",
                answers={"x": "y"},
                answered_at=now,
            )
        )
    assert {r.pair.id for r in stalling.at_risk_pairs(db, team_id=TEAM, now=now)} == {missing.id}


def test_the_digest_waits_for_nine_and_says_nothing_when_nothing_is_at_risk(
    db: Database,
) -> None:
    pair = make_pair(db)
    for week in (1, 2):
        add_meeting(db, pair, START + week * WEEK, status=SessionStatus.MISSED)
    evening = START + 2 * WEEK + timedelta(hours=10)  # 19:00
    run(db, evening)
    (digest,) = deliveries(db, Kind.ADMIN_DIGEST)
    assert digest.due_at == datetime(2026, 3, 17, 9, 0, tzinfo=UTC)
    assert stalling.digest_for(db, SETTINGS, digest, now=digest.due_at) is not None
    # Someone says the last one happened after all: nothing to report, so nothing is sent.
    with db.session() as session:
        session.execute(
            update(MentoringSession)
            .where(col(MentoringSession.starts_at) == START + 2 * WEEK)
            .values(status=SessionStatus.HELD)
        )
    assert stalling.digest_for(db, SETTINGS, digest, now=digest.due_at) is None
    # Nor to someone who is no longer an admin.
    assert (
        stalling.digest_for(
            db, base_settings(MENTORBOT_ADMINS="UOTHERAD"), digest, now=digest.due_at
        )
        is None
    )


def test_the_digest_slot_is_the_next_nine_oclock_utc() -> None:
    assert next_digest_slot(START - timedelta(minutes=1)) == START
    assert next_digest_slot(START) == START
    assert next_digest_slot(START + timedelta(minutes=1)) == START + DAY


def test_a_nudge_is_composed_only_while_the_pair_still_has_nothing_planned(db: Database) -> None:
    pair = make_pair(db)
    run(db, START + WEEK)
    nudge_row = deliveries(db, Kind.NUDGE)[0]
    nudge = stalling.nudge_for(db, SETTINGS, nudge_row, now=START + WEEK)
    assert nudge is not None
    assert (nudge.cadence, nudge.last_session_end) == (Cadence.WEEKLY, None)
    assert nudge.partner == pair.partner_of(nudge_row.recipient)
    add_meeting(db, pair, START + 2 * WEEK)
    assert stalling.nudge_for(db, SETTINGS, nudge_row, now=START + WEEK) is None
