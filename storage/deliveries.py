"""Queries of the durable delivery queue: planning, claiming, recording and withdrawing prompts.

The dispatcher's work selection (`expire_overdue`, `claim_due`, `stale_claims`) is the one
place that looks across workspaces: it picks rows whose time has come, and everything done
with a row afterwards is scoped by that row's own team id.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from storage.models import Delivery, DeliveryState, DmChannel, Kind


def plan_delivery(
    *,
    session: Session,
    team_id: str,
    kind: Kind,
    recipient: str,
    dedupe_key: str,
    due_at: datetime,
    expires_at: datetime | None,
    now: datetime,
    pair_id: int | None = None,
    session_id: int | None = None,
    subject_id: int | None = None,
) -> None:
    """Add a delivery unless one with the same dedupe key exists (planning is idempotent)."""
    values = {
        "team_id": team_id,
        "pair_id": pair_id,
        "session_id": session_id,
        "subject_id": subject_id,
        "kind": kind,
        "recipient": recipient,
        "dedupe_key": dedupe_key,
        "due_at": due_at,
        "expires_at": expires_at,
        "next_attempt_at": due_at,
        "state": DeliveryState.PENDING,
        "attempts": 0,
        "created_at": now,
    }
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = Delivery.__table__  # type: ignore[attr-defined]
    statement = (
        insert(table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["team_id", "dedupe_key"])
    )
    session.execute(statement)


def expire_overdue(*, session: Session, now: datetime) -> int:
    """Pending deliveries whose usefulness ran out before they could go: mark them expired."""
    result = session.execute(
        update(Delivery)
        .where(
            col(Delivery.state) == DeliveryState.PENDING,
            col(Delivery.next_attempt_at) <= now,
            col(Delivery.expires_at).is_not(None),
            col(Delivery.expires_at) <= now,
        )
        .values(state=DeliveryState.EXPIRED, last_error="expired before it could be sent")
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def claim_due(*, session: Session, now: datetime, limit: int, token: str) -> list[Delivery]:
    """Claim up to `limit` pending deliveries that are due; another pass can't claim them too.

    PostgreSQL skips rows another transaction holds (FOR UPDATE SKIP LOCKED); SQLite runs
    write transactions one at a time (BEGIN IMMEDIATE). The conditional UPDATE re-checks
    the state either way, so a row is only ever claimed once.
    """
    candidates = session.exec(
        select(Delivery.id)
        .where(
            col(Delivery.state) == DeliveryState.PENDING,
            col(Delivery.next_attempt_at) <= now,
        )
        .order_by(col(Delivery.next_attempt_at), col(Delivery.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    return _claim(
        session, [i for i in candidates if i is not None], DeliveryState.PENDING, now, token
    )


def stale_claims(
    *, session: Session, older_than: datetime, now: datetime, limit: int, token: str
) -> list[Delivery]:
    """Re-claim deliveries a pass claimed but never recorded (it crashed or was killed)."""
    candidates = session.exec(
        select(Delivery.id)
        .where(
            col(Delivery.state) == DeliveryState.CLAIMED,
            col(Delivery.claimed_at) < older_than,
        )
        .order_by(col(Delivery.claimed_at))
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    return _claim(
        session, [i for i in candidates if i is not None], DeliveryState.CLAIMED, now, token
    )


def _claim(
    session: Session, ids: Sequence[int], from_state: DeliveryState, now: datetime, token: str
) -> list[Delivery]:
    if not ids:
        return []
    session.execute(
        update(Delivery)
        .where(col(Delivery.id).in_(ids), col(Delivery.state) == from_state)
        .values(
            state=DeliveryState.CLAIMED,
            claimed_at=now,
            claim_token=token,
            attempts=Delivery.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    return list(
        session.exec(
            select(Delivery)
            .where(col(Delivery.id).in_(ids), col(Delivery.claim_token) == token)
            .order_by(col(Delivery.next_attempt_at), col(Delivery.id))
        ).all()
    )


def _finish(session: Session, delivery_id: int, token: str, **values: object) -> bool:
    """Record an outcome, but only for the pass that holds the claim."""
    result = session.execute(
        update(Delivery)
        .where(
            col(Delivery.id) == delivery_id,
            col(Delivery.claim_token) == token,
            col(Delivery.state) == DeliveryState.CLAIMED,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def renew_claim(*, session: Session, delivery_id: int, token: str, now: datetime) -> bool:
    """Still ours? Refresh the claim right before sending; False when another pass took over."""
    return _finish(session, delivery_id, token, claimed_at=now)


def mark_expired(*, session: Session, delivery_id: int, token: str) -> bool:
    return _finish(
        session,
        delivery_id,
        token,
        state=DeliveryState.EXPIRED,
        last_error="expired before it could be sent",
    )


def record_channel(*, session: Session, delivery_id: int, token: str, channel_id: str) -> None:
    session.execute(
        update(Delivery)
        .where(col(Delivery.id) == delivery_id, col(Delivery.claim_token) == token)
        .values(channel_id=channel_id)
        .execution_options(synchronize_session=False)
    )


def mark_sent(
    *, session: Session, delivery_id: int, token: str, channel_id: str, ts: str, now: datetime
) -> bool:
    return _finish(
        session,
        delivery_id,
        token,
        state=DeliveryState.SENT,
        channel_id=channel_id,
        message_ts=ts,
        sent_at=now,
        last_error=None,
    )


def mark_failed(*, session: Session, delivery_id: int, token: str, error: str) -> bool:
    return _finish(session, delivery_id, token, state=DeliveryState.FAILED, last_error=error[:200])


def mark_withdrawn(*, session: Session, delivery_id: int, token: str, reason: str) -> bool:
    return _finish(
        session, delivery_id, token, state=DeliveryState.WITHDRAWN, last_error=reason[:200]
    )


def retry_later(
    *,
    session: Session,
    delivery_id: int,
    token: str,
    at: datetime,
    error: str,
    count_attempt: bool = True,
) -> bool:
    """Back to pending until `at`; a rate-limited try doesn't count against the attempts."""
    values: dict[str, object] = {
        "state": DeliveryState.PENDING,
        "next_attempt_at": at,
        "claim_token": None,
        "claimed_at": None,
        "last_error": error[:200],
    }
    if not count_attempt:
        values["attempts"] = Delivery.attempts - 1
    return _finish(session, delivery_id, token, **values)


def withdraw_pending(
    *,
    session: Session,
    team_id: str,
    session_ids: Iterable[int],
    kinds: Iterable[str] | None = None,
    reason: str,
) -> int:
    """Withdraw the pending deliveries of these sessions (all kinds, or only `kinds`)."""
    ids = list(session_ids)
    if not ids:
        return 0
    statement = update(Delivery).where(
        col(Delivery.team_id) == team_id,
        col(Delivery.session_id).in_(ids),
        col(Delivery.state) == DeliveryState.PENDING,
    )
    if kinds is not None:
        statement = statement.where(col(Delivery.kind).in_(list(kinds)))
    result = session.execute(
        statement.values(state=DeliveryState.WITHDRAWN, last_error=reason[:200]).execution_options(
            synchronize_session=False
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def withdraw_for_subject(
    *, session: Session, team_id: str, kind: Kind, subject_id: int, reason: str
) -> int:
    """Withdraw the pending deliveries of one kind about one subject (e.g. an action item)."""
    result = session.execute(
        update(Delivery)
        .where(
            col(Delivery.team_id) == team_id,
            col(Delivery.kind) == kind,
            col(Delivery.subject_id) == subject_id,
            col(Delivery.state) == DeliveryState.PENDING,
        )
        .values(state=DeliveryState.WITHDRAWN, last_error=reason[:200])
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def delivery_of(
    *, session: Session, team_id: str, session_id: int, kind: Kind, recipient: str
) -> Delivery | None:
    """The latest delivery of a kind for a session and person."""
    return session.exec(
        select(Delivery)
        .where(
            col(Delivery.team_id) == team_id,
            col(Delivery.session_id) == session_id,
            col(Delivery.kind) == kind,
            col(Delivery.recipient) == recipient,
        )
        .order_by(col(Delivery.id).desc())
    ).first()


def get_delivery(*, session: Session, team_id: str, delivery_id: int) -> Delivery | None:
    return session.exec(
        select(Delivery).where(col(Delivery.team_id) == team_id, col(Delivery.id) == delivery_id)
    ).first()


def dm_channel(*, session: Session, team_id: str, user_id: str) -> str | None:
    row = session.exec(
        select(DmChannel).where(DmChannel.team_id == team_id, DmChannel.user_id == user_id)
    ).first()
    return row.channel_id if row else None


def remember_dm_channel(*, session: Session, team_id: str, user_id: str, channel_id: str) -> None:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = DmChannel.__table__  # type: ignore[attr-defined]
    session.execute(
        insert(table)
        .values(team_id=team_id, user_id=user_id, channel_id=channel_id)
        .on_conflict_do_nothing(index_elements=["team_id", "user_id"])
    )


def next_pending_at(*, session: Session) -> datetime | None:
    """When the earliest pending delivery of any workspace is next due (the sandbox's clock)."""
    return session.exec(
        select(Delivery.next_attempt_at)
        .where(col(Delivery.state) == DeliveryState.PENDING)
        .order_by(col(Delivery.next_attempt_at))
        .limit(1)
    ).first()
