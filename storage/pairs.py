"""Queries about pairs, always scoped to one workspace."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, or_, select

from storage.models import Delivery, MentoringSession, Pair, PairStatus

OPEN_STATUSES = (PairStatus.ACTIVE, PairStatus.PAUSED)


def add_pair(
    *,
    session: Session,
    team_id: str,
    mentor_id: str,
    mentee_id: str,
    channel_id: str,
    created_by: str,
    now: datetime,
) -> Pair:
    pair = Pair(
        team_id=team_id,
        mentor_id=mentor_id,
        mentee_id=mentee_id,
        channel_id=channel_id,
        created_by=created_by,
        created_at=now,
    )
    session.add(pair)
    session.flush()
    return pair


def get_pair(*, session: Session, team_id: str, pair_id: int) -> Pair | None:
    return session.exec(select(Pair).where(Pair.team_id == team_id, Pair.id == pair_id)).first()


def lock_pair(
    *,
    session: Session,
    team_id: str,
    pair_id: int | None = None,
    session_id: int | None = None,
    delivery_id: int | None = None,
) -> None:
    """Hold the row lock of a pair (named, or found by one of its sessions or deliveries)
    until the transaction ends.

    The first statement of every unit of work that changes a pair's things: a concurrent one
    for the same pair waits here until this one commits, and then reads what it did, so the
    domain's own checks ("already signed", "it changed while you were editing") answer the
    second click. That is PostgreSQL's SELECT … FOR UPDATE; SQLite runs one writer at a time
    already (BEGIN IMMEDIATE), and there this is a plain read.
    """
    if pair_id is not None:
        which = Pair.id == pair_id
    elif session_id is not None:
        which = Pair.id == (
            select(MentoringSession.pair_id)
            .where(MentoringSession.team_id == team_id, MentoringSession.id == session_id)
            .scalar_subquery()
        )
    elif delivery_id is not None:
        which = Pair.id == (
            select(Delivery.pair_id)
            .where(Delivery.team_id == team_id, Delivery.id == delivery_id)
            .scalar_subquery()
        )
    else:
        raise ValueError("lock_pair needs the pair, one of its sessions or a delivery")
    session.exec(select(Pair.id).where(Pair.team_id == team_id, which).with_for_update())


def open_pair_between(
    *, session: Session, team_id: str, first_id: str, second_id: str
) -> Pair | None:
    """The active or paused pair of these two people, in either role."""
    people = {first_id, second_id}
    return session.exec(
        select(Pair).where(
            Pair.team_id == team_id,
            Pair.status.in_(OPEN_STATUSES),  # type: ignore[attr-defined]
            Pair.mentor_id.in_(people),  # type: ignore[attr-defined]
            Pair.mentee_id.in_(people),  # type: ignore[attr-defined]
        )
    ).first()


def open_pairs_of(*, session: Session, team_id: str, user_id: str) -> Sequence[Pair]:
    """The person's active and paused pairs, oldest first."""
    return session.exec(
        select(Pair)
        .where(
            Pair.team_id == team_id,
            Pair.status.in_(OPEN_STATUSES),  # type: ignore[attr-defined]
            or_(Pair.mentor_id == user_id, Pair.mentee_id == user_id),
        )
        .order_by(Pair.id)  # type: ignore[arg-type]
    ).all()


def set_agreement_message(*, session: Session, team_id: str, pair_id: int, message_ts: str) -> None:
    pair = get_pair(session=session, team_id=team_id, pair_id=pair_id)
    if pair is not None:
        pair.agreement_message_ts = message_ts
        session.add(pair)
