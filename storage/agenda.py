"""Queries for agendas: the next session, its number, the one before, and added topics."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel import Session, col, func, select

from storage.models import AgendaTopic, MentoringSession, SessionStatus

# Sessions that count: planned, held or missed (not skipped or cancelled).
COUNTED = (SessionStatus.SCHEDULED, SessionStatus.HELD, SessionStatus.MISSED)


def next_session(
    *, session: Session, team_id: str, pair_id: int, now: datetime
) -> MentoringSession | None:
    """The earliest scheduled session that hasn't ended yet."""
    candidates = session.exec(
        select(MentoringSession)
        .where(
            MentoringSession.team_id == team_id,
            MentoringSession.pair_id == pair_id,
            MentoringSession.status == SessionStatus.SCHEDULED,
            # Sessions are at most a few hours long: look back far enough to include one
            # that is still running.
            col(MentoringSession.starts_at) > now - timedelta(hours=6),
        )
        .order_by(col(MentoringSession.starts_at))
        .limit(5)
    ).all()
    return next((m for m in candidates if m.ends_at > now), None)


def session_number(*, session: Session, team_id: str, meeting: MentoringSession) -> int:
    """1 for the pair's first session: counts those before it that were planned or held."""
    earlier = session.exec(
        select(func.count())
        .select_from(MentoringSession)
        .where(
            MentoringSession.team_id == team_id,
            MentoringSession.pair_id == meeting.pair_id,
            col(MentoringSession.status).in_(COUNTED),
            col(MentoringSession.starts_at) < meeting.starts_at,
        )
    ).one()
    return int(earlier) + 1


def previous_session(
    *, session: Session, team_id: str, meeting: MentoringSession
) -> MentoringSession | None:
    return session.exec(
        select(MentoringSession)
        .where(
            MentoringSession.team_id == team_id,
            MentoringSession.pair_id == meeting.pair_id,
            col(MentoringSession.status).in_(COUNTED),
            col(MentoringSession.starts_at) < meeting.starts_at,
        )
        .order_by(col(MentoringSession.starts_at).desc())
    ).first()


def add_topic(
    *,
    session: Session,
    team_id: str,
    pair_id: int,
    session_id: int,
    author_id: str,
    text: str,
    now: datetime,
) -> AgendaTopic:
    topic = AgendaTopic(
        team_id=team_id,
        pair_id=pair_id,
        session_id=session_id,
        author_id=author_id,
        text=text,
        created_at=now,
    )
    session.add(topic)
    session.flush()
    return topic


def topics_for(*, session: Session, team_id: str, session_id: int) -> Sequence[AgendaTopic]:
    return session.exec(
        select(AgendaTopic)
        .where(AgendaTopic.team_id == team_id, AgendaTopic.session_id == session_id)
        .order_by(col(AgendaTopic.created_at), col(AgendaTopic.id))
    ).all()
