"""Queries behind a person's Home tab, always scoped to one workspace and one viewer."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from storage.models import (
    Delivery,
    DeliveryState,
    DiaryEntry,
    MentoringSession,
    Pair,
    PromptAnswer,
    SessionStatus,
)


def sent_question_prompts(
    *,
    session: Session,
    team_id: str,
    user_id: str,
    pair_ids: Collection[int],
    kinds: Collection[str],
    session_bound: Collection[str],
    now: datetime,
) -> Sequence[tuple[Delivery, MentoringSession | None]]:
    """Prompts of `kinds` sent to the person in `pair_ids`, each with its session if it has one.

    Kinds in `session_bound` are left out once their session has started or stopped being
    scheduled. Newest first.
    """
    return session.exec(
        select(Delivery, MentoringSession)
        .join(
            MentoringSession,
            and_(
                col(MentoringSession.id) == col(Delivery.session_id),
                col(MentoringSession.team_id) == col(Delivery.team_id),
            ),
            isouter=True,
        )
        .where(
            col(Delivery.team_id) == team_id,
            col(Delivery.recipient) == user_id,
            col(Delivery.state) == DeliveryState.SENT,
            col(Delivery.kind).in_(list(kinds)),
            col(Delivery.pair_id).in_(list(pair_ids)),
            or_(
                col(Delivery.kind).not_in(list(session_bound)),
                and_(
                    col(MentoringSession.status) == SessionStatus.SCHEDULED,
                    col(MentoringSession.starts_at) > now,
                ),
            ),
        )
        .order_by(col(Delivery.sent_at).desc(), col(Delivery.id).desc())
    ).all()


def answered_question_sets(
    *,
    session: Session,
    team_id: str,
    user_id: str,
    pair_ids: Collection[int],
    session_ids: Collection[int],
) -> set[tuple[int, int | None, str]]:
    """(pair, session, question set) the person answered: without a session, or of `session_ids`."""
    rows = session.exec(
        select(PromptAnswer.pair_id, PromptAnswer.session_id, PromptAnswer.question_set).where(
            col(PromptAnswer.team_id) == team_id,
            col(PromptAnswer.author_id) == user_id,
            col(PromptAnswer.pair_id).in_(list(pair_ids)),
            or_(
                col(PromptAnswer.session_id).is_(None),
                col(PromptAnswer.session_id).in_(list(session_ids)),
            ),
        )
    ).all()
    return {(pair_id, session_id, set_key) for pair_id, session_id, set_key in rows}


def held_sessions_of_person(
    *, session: Session, team_id: str, user_id: str
) -> Sequence[MentoringSession]:
    """Held sessions of every pair the person is a partner in, latest first."""
    return session.exec(
        select(MentoringSession)
        .join(
            Pair,
            and_(
                col(Pair.id) == col(MentoringSession.pair_id),
                col(Pair.team_id) == col(MentoringSession.team_id),
            ),
        )
        .where(
            col(MentoringSession.team_id) == team_id,
            col(MentoringSession.status) == SessionStatus.HELD,
            or_(col(Pair.mentor_id) == user_id, col(Pair.mentee_id) == user_id),
        )
        .order_by(col(MentoringSession.starts_at).desc(), col(MentoringSession.id).desc())
    ).all()


def sessions_with_diary_by(*, session: Session, team_id: str, user_id: str) -> set[int | None]:
    """The ids of the sessions the person wrote a diary entry for (never the entries' text)."""
    return set(
        session.exec(
            select(DiaryEntry.session_id).where(
                col(DiaryEntry.team_id) == team_id,
                col(DiaryEntry.author_id) == user_id,
            )
        ).all()
    )
