"""Queries of the events already taken on, so Slack's retries of an event run nothing twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from storage.models import SlackEvent


def claim_event(*, session: Session, team_id: str, event_id: str, now: datetime) -> bool:
    """Record the event as taken on; False when it already was (by this or another process)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = SlackEvent.__table__  # type: ignore[attr-defined]
    result = session.execute(
        insert(table)
        .values(team_id=team_id, event_id=event_id, received_at=now)
        .on_conflict_do_nothing(index_elements=["team_id", "event_id"])
        # rowcount isn't reliable here (psycopg reports -1): a returned id means it went in.
        .returning(table.c.id)
    )
    return result.first() is not None


def forget_events(*, session: Session, team_id: str, before: datetime) -> int:
    """Drop the workspace's claims older than `before` (Slack stops retrying within the hour)."""
    result = session.execute(
        delete(SlackEvent).where(
            col(SlackEvent.team_id) == team_id, col(SlackEvent.received_at) < before
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
