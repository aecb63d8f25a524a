"""Queries for pausing, resuming and ending a pair, scoped to one workspace."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import case, update
from sqlmodel import Session, col, or_, select

from storage import pairs
from storage.models import (
    Delivery,
    DeliveryState,
    MentoringSession,
    Pair,
    PairStatus,
    Series,
    SessionStatus,
)

# Open pairs before ended ones, then the newest: the same two people may have an ended pair and
# a newer one, and a conversation may hold an ended pair and its successor.
_OPEN_FIRST = (case((col(Pair.status) == PairStatus.ENDED, 1), else_=0), col(Pair.id).desc())


def pair_between(*, session: Session, team_id: str, first_id: str, second_id: str) -> Pair | None:
    """The pair of these two people in either role: an open one if any, else the latest."""
    people = {first_id, second_id}
    return session.exec(
        select(Pair)
        .where(
            Pair.team_id == team_id,
            col(Pair.mentor_id).in_(people),
            col(Pair.mentee_id).in_(people),
        )
        .order_by(*_OPEN_FIRST)
    ).first()


def pair_in_channel(*, session: Session, team_id: str, channel_id: str) -> Pair | None:
    """The pair this conversation belongs to: its open one if any, else the latest."""
    return session.exec(
        select(Pair)
        .where(Pair.team_id == team_id, Pair.channel_id == channel_id)
        .order_by(*_OPEN_FIRST)
    ).first()


def latest_pair_of(*, session: Session, team_id: str, user_id: str) -> Pair | None:
    """The person's newest pair, whatever its status."""
    return session.exec(
        select(Pair)
        .where(Pair.team_id == team_id, or_(Pair.mentor_id == user_id, Pair.mentee_id == user_id))
        .order_by(col(Pair.id).desc())
    ).first()


def lock_pair(*, session: Session, team_id: str, pair_id: int) -> Pair | None:
    """The pair, locked for this unit of work, so two status changes can't interleave."""
    pairs.lock_pair(session=session, team_id=team_id, pair_id=pair_id)
    return pairs.get_pair(session=session, team_id=team_id, pair_id=pair_id)


def withdraw_pair_deliveries(*, session: Session, team_id: str, pair_id: int, reason: str) -> int:
    """Withdraw every pending delivery of the pair, whatever its kind or session."""
    result = session.execute(
        update(Delivery)
        .where(
            col(Delivery.team_id) == team_id,
            col(Delivery.pair_id) == pair_id,
            col(Delivery.state) == DeliveryState.PENDING,
        )
        .values(state=DeliveryState.WITHDRAWN, last_error=reason[:200])
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def withdrawn_for(
    *, session: Session, team_id: str, pair_id: int, reason: str
) -> Sequence[Delivery]:
    """The pair's deliveries withdrawn for `reason` (e.g. by its pause)."""
    return session.exec(
        select(Delivery).where(
            col(Delivery.team_id) == team_id,
            col(Delivery.pair_id) == pair_id,
            col(Delivery.state) == DeliveryState.WITHDRAWN,
            col(Delivery.last_error) == reason,
        )
    ).all()


def revive(*, session: Session, delivery: Delivery, now: datetime) -> None:
    """A withdrawn delivery goes back to pending, due at its own time or now if that passed."""
    delivery.state = DeliveryState.PENDING
    delivery.next_attempt_at = max(delivery.due_at, now)
    delivery.last_error = None
    delivery.claim_token = None
    delivery.claimed_at = None
    session.add(delivery)


def series_of_pair(*, session: Session, team_id: str, pair_id: int) -> Sequence[Series]:
    return session.exec(
        select(Series).where(Series.team_id == team_id, Series.pair_id == pair_id)
    ).all()


def scheduled_sessions_of_pair(
    *, session: Session, team_id: str, pair_id: int, after: datetime
) -> Sequence[MentoringSession]:
    """The pair's scheduled sessions that start after `after`, soonest first."""
    return session.exec(
        select(MentoringSession)
        .where(
            MentoringSession.team_id == team_id,
            MentoringSession.pair_id == pair_id,
            MentoringSession.status == SessionStatus.SCHEDULED,
            col(MentoringSession.starts_at) > after,
        )
        .order_by(col(MentoringSession.starts_at))
    ).all()
