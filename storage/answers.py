"""Queries about prompt answers and diary entries: read by their author, or for the agenda."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from storage.models import DiaryEntry, PromptAnswer


def answer_of(
    *,
    session: Session,
    team_id: str,
    pair_id: int,
    session_id: int | None,
    author_id: str,
    question_set: str,
) -> PromptAnswer | None:
    """The person's answers to a question set for a session (or, with None, for the pair)."""
    same_session = (
        col(PromptAnswer.session_id).is_(None)
        if session_id is None
        else col(PromptAnswer.session_id) == session_id
    )
    return session.exec(
        select(PromptAnswer).where(
            PromptAnswer.team_id == team_id,
            PromptAnswer.pair_id == pair_id,
            same_session,
            PromptAnswer.author_id == author_id,
            PromptAnswer.question_set == question_set,
        )
    ).first()


def save_answer(
    *,
    session: Session,
    team_id: str,
    pair_id: int,
    session_id: int | None,
    author_id: str,
    question_set: str,
    answers: dict[str, str],
    now: datetime,
) -> PromptAnswer:
    row = answer_of(
        session=session,
        team_id=team_id,
        pair_id=pair_id,
        session_id=session_id,
        author_id=author_id,
        question_set=question_set,
    ) or PromptAnswer(
        team_id=team_id,
        pair_id=pair_id,
        session_id=session_id,
        author_id=author_id,
        question_set=question_set,
        answered_at=now,
    )
    row.answers = dict(answers)
    row.answered_at = now
    session.add(row)
    session.flush()
    return row


def diary_of(
    *, session: Session, team_id: str, session_id: int, author_id: str
) -> DiaryEntry | None:
    return session.exec(
        select(DiaryEntry).where(
            DiaryEntry.team_id == team_id,
            DiaryEntry.session_id == session_id,
            DiaryEntry.author_id == author_id,
        )
    ).first()


def save_diary(
    *,
    session: Session,
    team_id: str,
    pair_id: int,
    session_id: int,
    author_id: str,
    answers: dict[str, str],
    shared: bool,
    to_agenda: bool,
    now: datetime,
) -> DiaryEntry:
    row = diary_of(
        session=session, team_id=team_id, session_id=session_id, author_id=author_id
    ) or DiaryEntry(
        team_id=team_id, pair_id=pair_id, session_id=session_id, author_id=author_id, written_at=now
    )
    row.answers = dict(answers)
    row.shared_with_partner = shared
    row.open_questions_to_agenda = to_agenda
    row.written_at = now
    session.add(row)
    session.flush()
    return row


def diary_entries_by(
    *, session: Session, team_id: str, author_id: str, offset: int, limit: int
) -> Sequence[DiaryEntry]:
    """The author's own entries, newest first: the only way diary text is listed."""
    return session.exec(
        select(DiaryEntry)
        .where(DiaryEntry.team_id == team_id, DiaryEntry.author_id == author_id)
        .order_by(col(DiaryEntry.written_at).desc(), col(DiaryEntry.id).desc())
        .offset(offset)
        .limit(limit)
    ).all()


def latest_diary_before(
    *, session: Session, team_id: str, pair_id: int, author_id: str, before: datetime
) -> DiaryEntry | None:
    """The author's entry for the pair's latest session that started before `before`."""
    from storage.models import MentoringSession

    return session.exec(
        select(DiaryEntry)
        .join(MentoringSession, col(MentoringSession.id) == col(DiaryEntry.session_id))
        .where(
            DiaryEntry.team_id == team_id,
            DiaryEntry.pair_id == pair_id,
            DiaryEntry.author_id == author_id,
            col(MentoringSession.starts_at) < before,
        )
        .order_by(col(MentoringSession.starts_at).desc())
    ).first()


def answers_of_pair(*, session: Session, team_id: str, pair_id: int) -> Sequence[PromptAnswer]:
    """Every prompt answer given in the pair, by either partner (for the pair's own agenda)."""
    return session.exec(
        select(PromptAnswer).where(
            col(PromptAnswer.team_id) == team_id, col(PromptAnswer.pair_id) == pair_id
        )
    ).all()
