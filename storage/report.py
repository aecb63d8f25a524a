"""Queries for program health: counts, dates and ids only, never what people wrote.

Every function here selects named columns, none of them free text: no answers, diary
entries, agreement clauses (but the agreed meeting frequency), topics or action items. That
is what keeps the report, its CSV and the admins' digest to counts and names.

All queries are scoped to one workspace, except `claim_health_checks`: like the delivery
dispatcher's claim and sessions' plan-ahead, it is work selection across workspaces (active
pairs whose check is due, by the ix_pairs_health_check index, a bounded batch at a time),
and everything done with a pair afterwards is scoped by the pair's own team id.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import true, update
from sqlmodel import Session, col, func, or_, select

from storage.models import (
    AgreementVersion,
    Delivery,
    DeliveryState,
    DiaryEntry,
    Kind,
    MentoringSession,
    Pair,
    PairStatus,
    PromptAnswer,
    SessionStatus,
    Signature,
)


@dataclass(frozen=True)
class SessionFact:
    """When a session was (or is), how it went, and when it was scheduled."""

    id: int
    pair_id: int
    starts_at: datetime
    length_minutes: int
    status: SessionStatus
    created_at: datetime

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.length_minutes)


@dataclass(frozen=True)
class DeliveryFact:
    """What the bot sent (or meant to send) to whom and when, and what became of it."""

    pair_id: int | None
    session_id: int | None
    kind: Kind
    recipient: str
    dedupe_key: str
    due_at: datetime
    expires_at: datetime | None
    state: DeliveryState


class AnswerKey(NamedTuple):
    """That someone answered a question set (for a session, or for the pair): not what."""

    pair_id: int
    session_id: int | None
    author_id: str
    question_set: str


@dataclass(frozen=True)
class AgreementHead:
    """A pair's current agreement version and the meeting frequency it names."""

    version: int
    frequency: str | None


def _in(column: Any, values: Collection[int] | None) -> Any:
    return true() if values is None else col(column).in_(list(values))


def team_pairs(*, session: Session, team_id: str) -> list[Pair]:
    """Every pair of the workspace (any status), oldest first."""
    return list(
        session.exec(select(Pair).where(Pair.team_id == team_id).order_by(col(Pair.id))).all()
    )


def agreement_heads(
    *, session: Session, team_id: str, pair_ids: Collection[int] | None = None
) -> dict[int, AgreementHead]:
    """Each pair's current (latest) agreement version, with only its frequency clause read."""
    rows = session.exec(
        select(
            AgreementVersion.pair_id,
            AgreementVersion.version,
            col(AgreementVersion.clauses)["frequency"].as_string(),
        ).where(AgreementVersion.team_id == team_id, _in(AgreementVersion.pair_id, pair_ids))
    ).all()
    heads: dict[int, AgreementHead] = {}
    for pair_id, version, frequency in rows:
        if pair_id not in heads or version > heads[pair_id].version:
            heads[pair_id] = AgreementHead(version, frequency)
    return heads


def signatures(*, session: Session, team_id: str) -> set[tuple[int, int, str]]:
    """(pair id, version, signer) of every signature in the workspace."""
    rows = session.exec(
        select(Signature.pair_id, Signature.version, Signature.user_id).where(
            Signature.team_id == team_id
        )
    ).all()
    return {(pair_id, version, user_id) for pair_id, version, user_id in rows}


def session_facts(
    *, session: Session, team_id: str, since: datetime, pair_ids: Collection[int] | None = None
) -> list[SessionFact]:
    """Sessions starting at or after `since` (any status, the future included)."""
    rows = session.exec(
        select(
            MentoringSession.id,
            MentoringSession.pair_id,
            MentoringSession.starts_at,
            MentoringSession.length_minutes,
            MentoringSession.status,
            MentoringSession.created_at,
        ).where(
            MentoringSession.team_id == team_id,
            _in(MentoringSession.pair_id, pair_ids),
            col(MentoringSession.starts_at) >= since,
        )
    ).all()
    return [SessionFact(*row) for row in rows if row[0] is not None]


def latest_session_ends(
    *,
    session: Session,
    team_id: str,
    statuses: Iterable[str],
    before: datetime,
    pair_ids: Collection[int] | None = None,
) -> dict[int, datetime]:
    """When each pair's latest session of these statuses that started by `before` ended."""
    wanted = list(statuses)
    latest = (
        select(
            col(MentoringSession.pair_id).label("pair_id"),
            func.max(MentoringSession.starts_at).label("starts_at"),
        )
        .where(
            MentoringSession.team_id == team_id,
            _in(MentoringSession.pair_id, pair_ids),
            col(MentoringSession.status).in_(wanted),
            col(MentoringSession.starts_at) <= before,
        )
        .group_by(col(MentoringSession.pair_id))
        .subquery()
    )
    rows = session.exec(
        select(
            MentoringSession.pair_id, MentoringSession.starts_at, MentoringSession.length_minutes
        )
        .join(
            latest,
            (col(MentoringSession.pair_id) == latest.c.pair_id)
            & (col(MentoringSession.starts_at) == latest.c.starts_at),
        )
        .where(MentoringSession.team_id == team_id, col(MentoringSession.status).in_(wanted))
    ).all()
    ends: dict[int, datetime] = {}
    for pair_id, starts_at, length in rows:
        end = starts_at + timedelta(minutes=length)
        ends[pair_id] = max(end, ends.get(pair_id, end))
    return ends


def delivery_facts(
    *,
    session: Session,
    team_id: str,
    kinds: Iterable[str],
    since: datetime,
    pair_ids: Collection[int] | None = None,
) -> list[DeliveryFact]:
    """Deliveries of these kinds about pairs, due at or after `since`."""
    rows = session.exec(
        select(
            Delivery.pair_id,
            Delivery.session_id,
            Delivery.kind,
            Delivery.recipient,
            Delivery.dedupe_key,
            Delivery.due_at,
            Delivery.expires_at,
            Delivery.state,
        ).where(
            Delivery.team_id == team_id,
            col(Delivery.pair_id).is_not(None),
            _in(Delivery.pair_id, pair_ids),
            col(Delivery.kind).in_(list(kinds)),
            col(Delivery.due_at) >= since,
        )
    ).all()
    return [DeliveryFact(*row) for row in rows]


def answer_keys(
    *, session: Session, team_id: str, since: datetime, pair_ids: Collection[int] | None = None
) -> set[AnswerKey]:
    """Who answered which question set, for answers given (or edited) since `since`."""
    rows = session.exec(
        select(
            PromptAnswer.pair_id,
            PromptAnswer.session_id,
            PromptAnswer.author_id,
            PromptAnswer.question_set,
        ).where(
            PromptAnswer.team_id == team_id,
            _in(PromptAnswer.pair_id, pair_ids),
            col(PromptAnswer.answered_at) >= since,
        )
    ).all()
    return {AnswerKey(*row) for row in rows}


def diary_entries_for_held(
    *, session: Session, team_id: str, since: datetime, until: datetime
) -> dict[int, int]:
    """Per pair: how many diary entries were written for its sessions held in the window."""
    rows = session.exec(
        select(DiaryEntry.pair_id, func.count())
        .join(MentoringSession, col(MentoringSession.id) == col(DiaryEntry.session_id))
        .where(
            DiaryEntry.team_id == team_id,
            MentoringSession.team_id == team_id,
            MentoringSession.status == SessionStatus.HELD,
            col(MentoringSession.starts_at) >= since,
            col(MentoringSession.starts_at) <= until,
        )
        .group_by(col(DiaryEntry.pair_id))
    ).all()
    return {pair_id: int(count) for pair_id, count in rows}


def failed_deliveries(
    *, session: Session, team_id: str, since: datetime
) -> list[tuple[int | None, str | None]]:
    """(pair id, recorded error) of every delivery due since `since` that failed for good."""
    rows = session.exec(
        select(Delivery.pair_id, Delivery.last_error).where(
            Delivery.team_id == team_id,
            Delivery.state == DeliveryState.FAILED,
            col(Delivery.due_at) >= since,
        )
    ).all()
    return [(pair_id, error) for pair_id, error in rows]


def admins_in_team(*, session: Session, team_id: str, admins: Collection[str]) -> list[str]:
    """The admins among the people who paired someone in this workspace."""
    if not admins:
        return []
    rows = session.exec(
        select(Pair.created_by)
        .where(Pair.team_id == team_id, col(Pair.created_by).in_(list(admins)))
        .distinct()
    ).all()
    return sorted(rows)


def claim_health_checks(
    *, session: Session, now: datetime, hold_until: datetime, limit: int
) -> list[Pair]:
    """Active pairs (of any workspace) whose health check is due: claimed until `hold_until`.

    The claim moves each picked pair's next check to `hold_until`, so another pass (another
    process) doesn't pick it too, and a pass that dies mid-way leaves it for a later one.
    """
    due = or_(
        col(Pair.next_health_check_at).is_(None),
        col(Pair.next_health_check_at) <= now,
    )
    pairs = list(
        session.exec(
            select(Pair)
            .where(Pair.status == PairStatus.ACTIVE, due)
            .order_by(col(Pair.next_health_check_at).asc().nulls_first(), col(Pair.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
    )
    if pairs:
        session.execute(
            update(Pair)
            .where(col(Pair.id).in_([p.id for p in pairs]))
            .values(next_health_check_at=hold_until)
            .execution_options(synchronize_session=False)
        )
    return pairs


def set_next_health_check(*, session: Session, team_id: str, pair_id: int, at: datetime) -> None:
    session.execute(
        update(Pair)
        .where(col(Pair.team_id) == team_id, col(Pair.id) == pair_id)
        .values(next_health_check_at=at)
        .execution_options(synchronize_session=False)
    )
