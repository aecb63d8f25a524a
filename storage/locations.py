"""Queries of where the bot itself put things for a person: messages it posted, modals it opened.

A click's payload names a message (channel and ts) or a view id; only what these find may be
updated in answer to it (handlers/locations.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col, select

from storage.models import (
    Delivery,
    DeliveryState,
    Kind,
    MentoringSession,
    OpenedView,
    Pair,
    ViewPurpose,
)

Message = tuple[str, str]  # (channel id, message ts)


def _partners_pair(session: Session, team_id: str, pair_id: int, user_id: str) -> Pair | None:
    pair = session.exec(select(Pair).where(Pair.team_id == team_id, Pair.id == pair_id)).first()
    return pair if pair is not None and pair.has_partner(user_id) else None


def _sent(statement):  # type: ignore[no-untyped-def]
    return statement.where(
        col(Delivery.state) == DeliveryState.SENT,
        col(Delivery.channel_id).is_not(None),
        col(Delivery.message_ts).is_not(None),
    )


def agreement_message(
    *, session: Session, team_id: str, pair_id: int, user_id: str
) -> list[Message]:
    """The pair's agreement message in its conversation, if `user_id` is one of its partners."""
    pair = _partners_pair(session, team_id, pair_id, user_id)
    if pair is None or not pair.agreement_message_ts:
        return []
    return [(pair.channel_id, pair.agreement_message_ts)]


def session_messages(
    *, session: Session, team_id: str, session_id: int, user_id: str
) -> list[Message]:
    """A session's messages in its pair's conversation (its own and its announcement), if
    `user_id` is one of the pair's partners."""
    meeting = session.exec(
        select(MentoringSession).where(
            MentoringSession.team_id == team_id, MentoringSession.id == session_id
        )
    ).first()
    if meeting is None:
        return []
    pair = _partners_pair(session, team_id, meeting.pair_id, user_id)
    if pair is None:
        return []
    found = [(pair.channel_id, meeting.message_ts)] if meeting.message_ts else []
    announced = session.exec(
        _sent(
            select(Delivery).where(
                col(Delivery.team_id) == team_id,
                col(Delivery.session_id) == session_id,
                col(Delivery.kind) == Kind.SESSION_ANNOUNCE,
                col(Delivery.recipient) == pair.channel_id,
            )
        )
    ).all()
    return found + [(d.channel_id, d.message_ts) for d in announced]  # type: ignore[misc]


def delivered_messages(
    *,
    session: Session,
    team_id: str,
    user_id: str,
    delivery_id: int | None = None,
    kind: Kind | None = None,
    subject_id: int | None = None,
) -> list[Message]:
    """The messages deliveries to `user_id` became: one delivery, or those of a kind about
    one subject (an action item's reminders)."""
    statement = select(Delivery).where(
        col(Delivery.team_id) == team_id, col(Delivery.recipient) == user_id
    )
    if delivery_id is not None:
        statement = statement.where(col(Delivery.id) == delivery_id)
    if kind is not None:
        statement = statement.where(col(Delivery.kind) == kind)
    if subject_id is not None:
        statement = statement.where(col(Delivery.subject_id) == subject_id)
    if delivery_id is None and (kind is None or subject_id is None):
        return []  # never "every message to them"
    rows = session.exec(_sent(statement)).all()
    return [(d.channel_id, d.message_ts) for d in rows]  # type: ignore[misc]


def remember_view(
    *,
    session: Session,
    team_id: str,
    user_id: str,
    view_id: str,
    purpose: ViewPurpose,
    subject_id: int | None,
    now: datetime,
) -> None:
    session.add(
        OpenedView(
            team_id=team_id,
            user_id=user_id,
            view_id=view_id,
            purpose=purpose,
            subject_id=subject_id,
            opened_at=now,
        )
    )


def opened_views(
    *,
    session: Session,
    team_id: str,
    user_id: str,
    purpose: ViewPurpose,
    subject_id: int | None,
) -> Sequence[str]:
    """The ids of the modals of this purpose (and subject) the bot opened for `user_id`."""
    statement = select(OpenedView.view_id).where(
        OpenedView.team_id == team_id,
        OpenedView.user_id == user_id,
        OpenedView.purpose == purpose,
    )
    if subject_id is not None:
        statement = statement.where(OpenedView.subject_id == subject_id)
    return session.exec(statement).all()


def forget_views(*, session: Session, team_id: str, before: datetime) -> int:
    """Drop the workspace's records of modals opened before `before` (long closed by then)."""
    result = session.execute(
        delete(OpenedView).where(
            col(OpenedView.team_id) == team_id, col(OpenedView.opened_at) < before
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def forget_views_of(*, session: Session, team_id: str, user_id: str) -> int:
    """Drop the records of every modal opened for the person (forget-me)."""
    result = session.execute(
        delete(OpenedView).where(
            col(OpenedView.team_id) == team_id, col(OpenedView.user_id) == user_id
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
