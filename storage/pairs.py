"""Queries about pairs, always scoped to one workspace."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, or_, select

from storage.models import Pair, PairStatus

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
