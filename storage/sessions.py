"""Queries about series and sessions, scoped to one workspace (but for plan-ahead selection)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel import Session, col, func, select

from storage.models import MentoringSession, Series, SessionStatus

# Longer than any session a program allows (lengths go up to 240 minutes).
LONGEST_SESSION = timedelta(hours=5)


def add_series(
    *,
    session: Session,
    team_id: str,
    pair_id: int,
    cadence: str | None,
    first_start: datetime,
    length_minutes: int,
    created_by: str,
    now: datetime,
) -> Series:
    series = Series(
        team_id=team_id,
        pair_id=pair_id,
        cadence=cadence,
        first_start=first_start,
        length_minutes=length_minutes,
        next_plan_at=first_start,
        created_by=created_by,
        created_at=now,
    )
    session.add(series)
    session.flush()
    return series


def add_session(
    *, session: Session, series: Series, occurrence: int, starts_at: datetime, now: datetime
) -> MentoringSession:
    """A session for one occurrence of a series; the series remembers it as its latest."""
    assert series.id is not None
    meeting = MentoringSession(
        team_id=series.team_id,
        pair_id=series.pair_id,
        series_id=series.id,
        occurrence=occurrence,
        starts_at=starts_at,
        length_minutes=series.length_minutes,
        created_at=now,
    )
    session.add(meeting)
    if occurrence >= series.last_occurrence:
        series.last_occurrence = occurrence
        series.next_plan_at = starts_at
        session.add(series)
    session.flush()
    return meeting


def get_series(*, session: Session, team_id: str, series_id: int) -> Series | None:
    return session.exec(
        select(Series).where(Series.team_id == team_id, Series.id == series_id)
    ).first()


def set_series_timezone(*, session: Session, team_id: str, series_id: int, timezone: str) -> None:
    series = get_series(session=session, team_id=team_id, series_id=series_id)
    if series is not None:
        series.timezone = timezone
        session.add(series)


def deactivate_series(*, session: Session, series: Series) -> None:
    series.active = False
    session.add(series)


def series_due_for_planning(*, session: Session, now: datetime, limit: int) -> Sequence[Series]:
    """Active recurring series whose latest slot has begun: they need their next session."""
    return session.exec(
        select(Series)
        .where(
            col(Series.active).is_(True),
            col(Series.cadence).is_not(None),
            col(Series.next_plan_at) <= now,
        )
        .order_by(col(Series.next_plan_at))
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()


def active_series_of(*, session: Session, team_id: str, pair_id: int) -> Sequence[Series]:
    return session.exec(
        select(Series).where(
            Series.team_id == team_id, Series.pair_id == pair_id, col(Series.active).is_(True)
        )
    ).all()


def get_session(*, session: Session, team_id: str, session_id: int) -> MentoringSession | None:
    return session.exec(
        select(MentoringSession).where(
            MentoringSession.team_id == team_id, MentoringSession.id == session_id
        )
    ).first()


def set_session_message(*, session: Session, team_id: str, session_id: int, ts: str) -> None:
    meeting = get_session(session=session, team_id=team_id, session_id=session_id)
    if meeting is not None:
        meeting.message_ts = ts
        session.add(meeting)


def set_status(
    *, session: Session, meeting: MentoringSession, status: SessionStatus, by: str
) -> None:
    meeting.status = status
    meeting.status_changed_by = by
    session.add(meeting)


def scheduled_in_series(
    *, session: Session, team_id: str, series_id: int
) -> Sequence[MentoringSession]:
    return session.exec(
        select(MentoringSession).where(
            MentoringSession.team_id == team_id,
            MentoringSession.series_id == series_id,
            MentoringSession.status == SessionStatus.SCHEDULED,
        )
    ).all()


def held_count(*, session: Session, team_id: str, pair_id: int) -> int:
    return int(
        session.exec(
            select(func.count())
            .select_from(MentoringSession)
            .where(
                MentoringSession.team_id == team_id,
                MentoringSession.pair_id == pair_id,
                MentoringSession.status == SessionStatus.HELD,
            )
        ).one()
    )


def upcoming_for_pair(
    *, session: Session, team_id: str, pair_id: int, now: datetime
) -> Sequence[MentoringSession]:
    """Scheduled sessions that haven't ended yet, soonest first."""
    rows = session.exec(
        select(MentoringSession)
        .where(
            MentoringSession.team_id == team_id,
            MentoringSession.pair_id == pair_id,
            MentoringSession.status == SessionStatus.SCHEDULED,
        )
        .order_by(col(MentoringSession.starts_at))
    ).all()
    return [m for m in rows if m.ends_at > now]


def sessions_of_series(
    *, session: Session, team_id: str, series_id: int | None
) -> Sequence[MentoringSession]:
    """Every session of a series, whatever its status, in the order they occur."""
    return session.exec(
        select(MentoringSession)
        .where(
            col(MentoringSession.team_id) == team_id,
            col(MentoringSession.series_id) == series_id,
        )
        .order_by(col(MentoringSession.occurrence))
    ).all()


def next_scheduled(*, session: Session, now: datetime) -> MentoringSession | None:
    """The scheduled session of any workspace that ends soonest after `now` (the sandbox's clock).

    Sessions are at most a few hours long, so one that ends after `now` started after
    `now - LONGEST_SESSION`.
    """
    rows = session.exec(
        select(MentoringSession)
        .where(
            col(MentoringSession.status) == SessionStatus.SCHEDULED,
            col(MentoringSession.starts_at) > now - LONGEST_SESSION,
        )
        .order_by(col(MentoringSession.starts_at))
        .limit(20)
    ).all()
    return min((m for m in rows if m.ends_at > now), key=lambda m: m.ends_at, default=None)
