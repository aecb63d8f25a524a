"""Queries about a pair's goals, always scoped to one workspace."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from storage.models import Goal


def add_goal(
    *,
    session: Session,
    team_id: str,
    pair_id: int,
    title: str,
    indicator: str,
    target_on: date | None,
    created_by: str,
    now: datetime,
) -> Goal:
    goal = Goal(
        team_id=team_id,
        pair_id=pair_id,
        title=title,
        indicator=indicator,
        target_on=target_on,
        created_by=created_by,
        created_at=now,
    )
    session.add(goal)
    session.flush()
    return goal


def get_goal(*, session: Session, team_id: str, goal_id: int) -> Goal | None:
    return session.exec(
        select(Goal).where(col(Goal.team_id) == team_id, col(Goal.id) == goal_id)
    ).first()


def goals_of_pair(*, session: Session, team_id: str, pair_id: int) -> Sequence[Goal]:
    """Open goals first (nearest target first, undated last), then reached ones, latest first."""
    return session.exec(
        select(Goal)
        .where(col(Goal.team_id) == team_id, col(Goal.pair_id) == pair_id)
        .order_by(
            col(Goal.reached_at).is_not(None),
            col(Goal.reached_at).desc(),
            col(Goal.target_on).is_(None),
            col(Goal.target_on),
            col(Goal.id),
        )
    ).all()


def count_open_goals(*, session: Session, team_id: str, pair_id: int) -> int:
    return int(
        session.exec(
            select(func.count())
            .select_from(Goal)
            .where(
                col(Goal.team_id) == team_id,
                col(Goal.pair_id) == pair_id,
                col(Goal.reached_at).is_(None),
            )
        ).one()
    )


def mark_goal_reached(
    *, session: Session, team_id: str, goal_id: int, by: str, now: datetime
) -> bool:
    """Record who reached it and when; False when it was reached already (also concurrently)."""
    result = session.execute(
        update(Goal)
        .where(
            col(Goal.team_id) == team_id,
            col(Goal.id) == goal_id,
            col(Goal.reached_at).is_(None),
        )
        .values(reached_at=now, reached_by=by)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def goals_of_pair_oldest_first(*, session: Session, team_id: str, pair_id: int) -> Sequence[Goal]:
    """All the pair's goals, open and reached, in the order they were set."""
    return session.exec(
        select(Goal)
        .where(col(Goal.team_id) == team_id, col(Goal.pair_id) == pair_id)
        .order_by(col(Goal.created_at))
    ).all()
