"""Sessions on a cadence: scheduling, the prompts each session plans, moving or dropping them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session

from bot import messages
from bot.errors import FieldErrors, UserError
from bot.recurrence import next_index_after, occurrence, valid_timezone
from bot.settings import Cadence, ProgramSettings
from storage import deliveries as delivery_store
from storage import pairs as pair_store
from storage import sessions as store
from storage.agreements import current_version
from storage.db import Database
from storage.models import Kind, MentoringSession, Pair, PairStatus, Series, SessionStatus

ONCE = "once"
# Block ids of the schedule modal's inputs: field errors are keyed by them.
WHEN, LENGTH, RECURRENCE = "when", "length", "recurrence"


def recurrence_options(program: ProgramSettings) -> tuple[tuple[str, str], ...]:
    return ((ONCE, "Just this once"), *((c.value, c.label) for c in program.cadences))


@dataclass(frozen=True)
class ScheduleDefaults:
    """What the schedule modal starts from: the agreement's choices, else the program's."""

    length_minutes: int
    recurrence: str


@dataclass(frozen=True)
class ScheduleRequest:
    starts_at: datetime
    length_minutes: int
    cadence: Cadence | None


@dataclass(frozen=True)
class SessionView:
    """A session with the pair it belongs to, for rendering."""

    session: MentoringSession
    pair: Pair
    cadence: Cadence | None


def schedule_defaults(
    db: Database, *, team_id: str, pair: Pair, program: ProgramSettings
) -> ScheduleDefaults:
    assert pair.id is not None
    with db.session() as session:
        row = current_version(session=session, team_id=team_id, pair_id=pair.id)
    clauses = dict(row.clauses) if row else {}
    length = int(clauses["session_length"]) if clauses.get("session_length", "").isdigit() else 0
    cadence = clauses.get("frequency", "")
    return ScheduleDefaults(
        length_minutes=length if length in program.lengths else program.default_length,
        recurrence=cadence if cadence in {c.value for c in program.cadences} else ONCE,
    )


def read_schedule(
    program: ProgramSettings, values: Mapping[str, Any], *, now: datetime
) -> ScheduleRequest:
    """Check the schedule modal's values; FieldErrors says what to fix under which field."""
    errors: dict[str, str] = {}
    starts_at: datetime | None = None
    raw_when = values.get(WHEN)
    if isinstance(raw_when, bool) or not isinstance(raw_when, int | float | str):
        errors[WHEN] = messages.SCHEDULE_PICK_TIME
    else:
        try:
            starts_at = datetime.fromtimestamp(int(raw_when), UTC)
        except (ValueError, OverflowError, OSError):
            errors[WHEN] = messages.SCHEDULE_PICK_TIME
    if starts_at is not None and starts_at <= now:
        errors[WHEN] = messages.SCHEDULE_IN_PAST
    elif starts_at is not None and starts_at > now + timedelta(days=366):
        errors[WHEN] = messages.SCHEDULE_TOO_FAR
    raw_length = values.get(LENGTH)
    length = int(raw_length) if isinstance(raw_length, str) and raw_length.isdigit() else None
    if length not in program.lengths:
        errors[LENGTH] = messages.SCHEDULE_LENGTH.format(
            lengths=", ".join(str(n) for n in program.lengths)
        )
    raw_recurrence = values.get(RECURRENCE)
    if raw_recurrence not in dict(recurrence_options(program)):
        errors[RECURRENCE] = messages.SCHEDULE_RECURRENCE.format(
            options=", ".join(label for _, label in recurrence_options(program))
        )
    if errors:
        raise FieldErrors(errors)
    assert starts_at is not None and length is not None
    cadence = None if raw_recurrence == ONCE else Cadence(str(raw_recurrence))
    return ScheduleRequest(starts_at=starts_at, length_minutes=length, cadence=cadence)


def _active_pair_of(session: Session, team_id: str, pair_id: int, user_id: str) -> Pair:
    pair = pair_store.get_pair(session=session, team_id=team_id, pair_id=pair_id)
    if pair is None or not pair.has_partner(user_id):
        raise UserError(messages.NOT_IN_THIS_PAIR)
    if pair.status != PairStatus.ACTIVE:
        raise UserError(messages.PAIR_NOT_ACTIVE.format(status=pair.status))
    return pair


def check_can_schedule(db: Database, *, team_id: str, pair_id: int, user_id: str) -> Pair:
    with db.session() as session:
        return _active_pair_of(session, team_id, pair_id, user_id)


def plan_session_prompts(
    session: Session,
    *,
    pair: Pair,
    meeting: MentoringSession,
    program: ProgramSettings,
    now: datetime,
) -> None:
    """The deliveries one session needs: preparation before, the "did it happen?" after."""
    assert meeting.id is not None and pair.id is not None
    start, end = meeting.starts_at, meeting.ends_at
    stamp = int(start.timestamp())

    def plan(kind: Kind, recipient: str, due: datetime, expires: datetime) -> None:
        delivery_store.plan_delivery(
            session=session,
            team_id=pair.team_id,
            pair_id=pair.id,
            session_id=meeting.id,
            kind=kind,
            recipient=recipient,
            # Keyed by the session's start: a moved session plans its prompts afresh.
            dedupe_key=f"session:{meeting.id}:{kind}:{recipient}:{stamp}",
            due_at=due,
            expires_at=expires,
            now=now,
        )

    if start > now:
        prep_due = max(now, start - timedelta(hours=program.prep_lead_hours))
        plan(Kind.PREP, pair.mentor_id, prep_due, start)
        plan(Kind.CHECKIN, pair.mentee_id, prep_due, start)
    share_at = _agenda_share_time(session, pair, start, program)
    if share_at is not None:
        delivery_store.plan_delivery(
            session=session,
            team_id=pair.team_id,
            pair_id=pair.id,
            session_id=meeting.id,
            kind=Kind.AGENDA_SHARE,
            recipient=pair.channel_id,
            dedupe_key=f"session:{meeting.id}:{Kind.AGENDA_SHARE}:{stamp}",
            due_at=share_at,
            expires_at=end,
            now=now,
        )
    asked = end + timedelta(minutes=program.after_session_minutes)
    useful_until = asked + timedelta(hours=program.diary_useful_hours)
    reminder = asked + timedelta(hours=program.diary_reminder_hours)
    for person in (pair.mentor_id, pair.mentee_id):
        plan(Kind.AFTER_SESSION, person, asked, useful_until)
        plan(Kind.DIARY_REMINDER, person, reminder, useful_until)


def _agenda_share_time(
    session: Session, pair: Pair, start: datetime, program: ProgramSettings
) -> datetime | None:
    """When the agreement shares the agenda: the day before (the default), or at the start."""
    row = current_version(session=session, team_id=pair.team_id, pair_id=pair.id or 0)
    when = dict(row.clauses).get("agenda_shared") if row else None
    if when == "session_start":
        return start
    return start - timedelta(hours=24)


def _announce(session: Session, *, pair: Pair, meeting: MentoringSession, now: datetime) -> None:
    """Post the session's message (with its buttons) in the pair's conversation, durably."""
    assert meeting.id is not None
    delivery_store.plan_delivery(
        session=session,
        team_id=pair.team_id,
        pair_id=pair.id,
        session_id=meeting.id,
        kind=Kind.SESSION_ANNOUNCE,
        recipient=pair.channel_id,
        dedupe_key=f"announce:{meeting.id}",
        due_at=now,
        expires_at=meeting.starts_at,
        now=now,
    )


def schedule_session(
    db: Database,
    *,
    team_id: str,
    pair_id: int,
    user_id: str,
    request: ScheduleRequest,
    program: ProgramSettings,
    now: datetime,
) -> SessionView:
    """Start a series (or a one-off) with its first session, and plan its prompts."""
    with db.session() as session:
        pair_store.lock_pair(session=session, team_id=team_id, pair_id=pair_id)
        pair = _active_pair_of(session, team_id, pair_id, user_id)
        series = store.add_series(
            session=session,
            team_id=team_id,
            pair_id=pair_id,
            cadence=request.cadence.value if request.cadence else None,
            first_start=request.starts_at,
            length_minutes=request.length_minutes,
            created_by=user_id,
            now=now,
        )
        meeting = store.add_session(
            session=session, series=series, occurrence=0, starts_at=request.starts_at, now=now
        )
        plan_session_prompts(session, pair=pair, meeting=meeting, program=program, now=now)
        return SessionView(meeting, pair, request.cadence)


def set_series_timezone(
    db: Database, *, team_id: str, series_id: int, timezone: str | None
) -> None:
    """The zone recurrence is computed in: the scheduler's, from their Slack profile."""
    with db.session() as session:
        store.set_series_timezone(
            session=session, team_id=team_id, series_id=series_id, timezone=valid_timezone(timezone)
        )


def remember_session_message(db: Database, *, team_id: str, session_id: int, ts: str) -> None:
    with db.session() as session:
        store.set_session_message(session=session, team_id=team_id, session_id=session_id, ts=ts)


def _materialize_next(
    session: Session, series: Series, pair: Pair, program: ProgramSettings, now: datetime
) -> MentoringSession | None:
    """Add the series' next occurrence after `now` and plan it; None for a one-off."""
    if series.cadence is None or not series.active:
        return None
    cadence = Cadence(series.cadence)
    index = max(
        series.last_occurrence + 1,
        next_index_after(series.first_start, series.timezone, cadence, now),
    )
    starts_at = occurrence(series.first_start, series.timezone, cadence, index)
    meeting = store.add_session(
        session=session, series=series, occurrence=index, starts_at=starts_at, now=now
    )
    plan_session_prompts(session, pair=pair, meeting=meeting, program=program, now=now)
    _announce(session, pair=pair, meeting=meeting, now=now)
    return meeting


def plan_ahead(db: Database, *, program: ProgramSettings, now: datetime, limit: int = 200) -> int:
    """Give every active series whose latest slot has begun its next session; returns how many.

    Like the dispatcher's claim, this is work selection across workspaces: every change it
    makes is scoped by the series' own team.
    """
    planned = 0
    with db.session() as session:
        for series in store.series_due_for_planning(session=session, now=now, limit=limit):
            pair = pair_store.get_pair(
                session=session, team_id=series.team_id, pair_id=series.pair_id
            )
            if pair is None or pair.status != PairStatus.ACTIVE:
                store.deactivate_series(session=session, series=series)
                continue
            if _materialize_next(session, series, pair, program, now) is not None:
                planned += 1
    return planned


def _session_for_change(
    session: Session, team_id: str, session_id: int, user_id: str, *, allow_missed: bool = False
) -> tuple[MentoringSession, Pair]:
    meeting = store.get_session(session=session, team_id=team_id, session_id=session_id)
    if meeting is None:
        raise UserError(messages.SESSION_NOT_FOUND)
    pair = _active_pair_of(session, team_id, meeting.pair_id, user_id)
    allowed = (
        {SessionStatus.SCHEDULED, SessionStatus.MISSED}
        if allow_missed
        else {SessionStatus.SCHEDULED}
    )
    if meeting.status not in allowed:
        raise UserError(messages.SESSION_NOT_SCHEDULED.format(status=meeting.status))
    return meeting, pair


def session_for_change(
    db: Database, *, team_id: str, session_id: int, user_id: str, allow_missed: bool = False
) -> SessionView:
    with db.session() as session:
        meeting, pair = _session_for_change(
            session, team_id, session_id, user_id, allow_missed=allow_missed
        )
        series = store.get_series(session=session, team_id=team_id, series_id=meeting.series_id)
        return SessionView(meeting, pair, _cadence(series))


def _cadence(series: Series | None) -> Cadence | None:
    return Cadence(series.cadence) if series and series.cadence else None


def reschedule_session(
    db: Database,
    *,
    team_id: str,
    session_id: int,
    user_id: str,
    request: ScheduleRequest,
    program: ProgramSettings,
    now: datetime,
) -> SessionView:
    """Move one session (also one that didn't happen): its prompts are planned afresh."""
    with db.session() as session:
        pair_store.lock_pair(session=session, team_id=team_id, session_id=session_id)
        meeting, pair = _session_for_change(
            session, team_id, session_id, user_id, allow_missed=True
        )
        assert meeting.id is not None
        delivery_store.withdraw_pending(
            session=session, team_id=team_id, session_ids=[meeting.id], reason="rescheduled"
        )
        meeting.starts_at = request.starts_at
        meeting.length_minutes = request.length_minutes
        meeting.status = SessionStatus.SCHEDULED
        meeting.status_changed_by = user_id
        session.add(meeting)
        session.flush()
        plan_session_prompts(session, pair=pair, meeting=meeting, program=program, now=now)
        series = store.get_series(session=session, team_id=team_id, series_id=meeting.series_id)
        return SessionView(meeting, pair, _cadence(series))


def skip_session(
    db: Database,
    *,
    team_id: str,
    session_id: int,
    user_id: str,
    program: ProgramSettings,
    now: datetime,
) -> tuple[SessionView, MentoringSession | None]:
    """Skip one session (its prompts are withdrawn); a series goes on with its next one."""
    with db.session() as session:
        pair_store.lock_pair(session=session, team_id=team_id, session_id=session_id)
        meeting, pair = _session_for_change(session, team_id, session_id, user_id)
        assert meeting.id is not None
        store.set_status(session=session, meeting=meeting, status=SessionStatus.SKIPPED, by=user_id)
        delivery_store.withdraw_pending(
            session=session, team_id=team_id, session_ids=[meeting.id], reason="skipped"
        )
        series = store.get_series(session=session, team_id=team_id, series_id=meeting.series_id)
        following = None
        if series is not None and series.last_occurrence == meeting.occurrence:
            following = _materialize_next(
                session, series, pair, program, max(now, meeting.starts_at)
            )
        return SessionView(meeting, pair, _cadence(series)), following


def cancel_session(
    db: Database, *, team_id: str, session_id: int, user_id: str, now: datetime
) -> SessionView:
    """Cancel this session and the rest of its series; every pending prompt is withdrawn."""
    with db.session() as session:
        pair_store.lock_pair(session=session, team_id=team_id, session_id=session_id)
        meeting, pair = _session_for_change(session, team_id, session_id, user_id)
        series = store.get_series(session=session, team_id=team_id, series_id=meeting.series_id)
        upcoming = store.scheduled_in_series(
            session=session, team_id=team_id, series_id=meeting.series_id
        )
        for other in upcoming:
            store.set_status(
                session=session, meeting=other, status=SessionStatus.CANCELLED, by=user_id
            )
        delivery_store.withdraw_pending(
            session=session,
            team_id=team_id,
            session_ids=[m.id for m in upcoming if m.id is not None],
            reason="cancelled",
        )
        if series is not None:
            store.deactivate_series(session=session, series=series)
        return SessionView(meeting, pair, _cadence(series))


@dataclass(frozen=True)
class Upcoming:
    """A session in the list: a stored one, or a later occurrence the series will add."""

    starts_at: datetime
    length_minutes: int
    cadence: Cadence | None
    session_id: int | None


def upcoming_sessions(
    db: Database, *, team_id: str, pair: Pair, now: datetime, count: int = 5
) -> Sequence[Upcoming]:
    """The pair's next sessions, soonest first: scheduled ones, then the series' next slots."""
    assert pair.id is not None
    with db.session() as session:
        scheduled = store.upcoming_for_pair(
            session=session, team_id=team_id, pair_id=pair.id, now=now
        )
        series_rows = store.active_series_of(session=session, team_id=team_id, pair_id=pair.id)
    by_series = {s.id: s for s in series_rows}
    items = [
        Upcoming(m.starts_at, m.length_minutes, _cadence(by_series.get(m.series_id)), m.id)
        for m in scheduled
    ]
    for series in series_rows:
        cadence = _cadence(series)
        if cadence is None:
            continue
        first = series.last_occurrence + 1
        for index in range(first, first + count):
            start = occurrence(series.first_start, series.timezone, cadence, index)
            if start > now:
                items.append(Upcoming(start, series.length_minutes, cadence, None))
    items.sort(key=lambda u: u.starts_at)
    return items[:count]
