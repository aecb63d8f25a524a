"""Queries about action items, always scoped to one workspace."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from storage.models import ActionItem


def add_action_item(
    *,
    session: Session,
    team_id: str,
    pair_id: int,
    owner_id: str,
    text: str,
    due_on: date | None,
    created_by: str,
    now: datetime,
    session_id: int | None = None,
) -> ActionItem:
    item = ActionItem(
        team_id=team_id,
        pair_id=pair_id,
        owner_id=owner_id,
        text=text,
        due_on=due_on,
        session_id=session_id,
        created_by=created_by,
        created_at=now,
    )
    session.add(item)
    session.flush()
    return item


def get_action_item(*, session: Session, team_id: str, item_id: int) -> ActionItem | None:
    return session.exec(
        select(ActionItem).where(col(ActionItem.team_id) == team_id, col(ActionItem.id) == item_id)
    ).first()


def open_items_of_pair(*, session: Session, team_id: str, pair_id: int) -> Sequence[ActionItem]:
    """The pair's open items: the soonest due first, undated ones last, then oldest first."""
    return session.exec(
        select(ActionItem)
        .where(
            col(ActionItem.team_id) == team_id,
            col(ActionItem.pair_id) == pair_id,
            col(ActionItem.done_at).is_(None),
        )
        .order_by(
            col(ActionItem.due_on).is_(None),
            col(ActionItem.due_on),
            col(ActionItem.id),
        )
    ).all()


def mark_item_done(*, session: Session, team_id: str, item_id: int, by: str, now: datetime) -> bool:
    """Record who did it and when; False when it was done already (also by a concurrent click)."""
    result = session.execute(
        update(ActionItem)
        .where(
            col(ActionItem.team_id) == team_id,
            col(ActionItem.id) == item_id,
            col(ActionItem.done_at).is_(None),
        )
        .values(done_at=now, done_by=by)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def items_of_pair(*, session: Session, team_id: str, pair_id: int) -> Sequence[ActionItem]:
    """All the pair's items, open and done, oldest first."""
    return session.exec(
        select(ActionItem)
        .where(col(ActionItem.team_id) == team_id, col(ActionItem.pair_id) == pair_id)
        .order_by(col(ActionItem.created_at))
    ).all()
