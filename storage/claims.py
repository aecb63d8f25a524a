"""Queries of the effects already taken on (bot/once.py): one click, one effect."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from storage.models import ClickClaim


def claim(*, session: Session, team_id: str, key: str, now: datetime, since: datetime) -> bool:
    """Take on `key`; False when it was taken on after `since` (by this or another process,
    also one that is still running: the unique key makes the second insert wait for it)."""
    session.execute(
        delete(ClickClaim).where(
            col(ClickClaim.team_id) == team_id,
            col(ClickClaim.key) == key,
            col(ClickClaim.claimed_at) <= since,
        )
    )
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = ClickClaim.__table__  # type: ignore[attr-defined]
    result = session.execute(
        insert(table)
        .values(team_id=team_id, key=key, claimed_at=now)
        .on_conflict_do_nothing(index_elements=["team_id", "key"])
        # rowcount isn't reliable here (psycopg reports -1): a returned id means it went in.
        .returning(table.c.id)
    )
    return result.first() is not None


def release(*, session: Session, team_id: str, key: str) -> None:
    """Give `key` up again (what it was for didn't happen)."""
    session.execute(
        delete(ClickClaim).where(col(ClickClaim.team_id) == team_id, col(ClickClaim.key) == key)
    )


def forget_claims(*, session: Session, team_id: str, before: datetime) -> int:
    """Drop the workspace's claims taken before `before` (their windows are long over)."""
    result = session.execute(
        delete(ClickClaim).where(
            col(ClickClaim.team_id) == team_id, col(ClickClaim.claimed_at) < before
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def forget_claims_naming(*, session: Session, team_id: str, user_id: str) -> int:
    """Drop the claims whose key names the person (forget-me)."""
    result = session.execute(
        delete(ClickClaim).where(
            col(ClickClaim.team_id) == team_id,
            col(ClickClaim.key).contains(user_id, autoescape=True),
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
