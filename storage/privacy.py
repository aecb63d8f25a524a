"""Queries for a person's data rights (export, forget-me), always scoped to one workspace."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, inspect, update
from sqlmodel import Session, col, or_, select

from storage.models import (
    ActionItem,
    AgendaTopic,
    AgreementVersion,
    Delivery,
    DeliveryState,
    DiaryEntry,
    DmChannel,
    Goal,
    ImportBatch,
    MentoringSession,
    Pair,
    PromptAnswer,
    Series,
    SessionStatus,
    Signature,
)
from storage.oauth_tables import INSTALLATIONS_TABLE, slack_oauth_metadata

# -- what is stored about a person -------------------------------------------------------------


def pairs_of_person(*, session: Session, team_id: str, user_id: str) -> Sequence[Pair]:
    """Every pair the person is a partner in, whatever its status, oldest first."""
    return session.exec(
        select(Pair)
        .where(Pair.team_id == team_id, or_(Pair.mentor_id == user_id, Pair.mentee_id == user_id))
        .order_by(col(Pair.id))
    ).all()


def pairs_created_by(*, session: Session, team_id: str, user_id: str) -> Sequence[Pair]:
    """The pairs the person set up (as an admin), oldest first."""
    return session.exec(
        select(Pair)
        .where(Pair.team_id == team_id, Pair.created_by == user_id)
        .order_by(col(Pair.id))
    ).all()


def latest_agreement_of_pair(
    *, session: Session, team_id: str, pair_id: int | None
) -> AgreementVersion | None:
    """The pair's agreement at its highest version, if it has one."""
    return session.exec(
        select(AgreementVersion)
        .where(AgreementVersion.team_id == team_id, AgreementVersion.pair_id == pair_id)
        .order_by(col(AgreementVersion.version).desc())
    ).first()


def agreement_versions_of_pair(
    *, session: Session, team_id: str, pair_id: int | None
) -> Sequence[AgreementVersion]:
    """Every version of the pair's agreement, in no particular order."""
    return session.exec(
        select(AgreementVersion).where(
            AgreementVersion.team_id == team_id, AgreementVersion.pair_id == pair_id
        )
    ).all()


def series_of_pairs(*, session: Session, team_id: str, pair_ids: Sequence[int]) -> Sequence[Series]:
    """The series of the given pairs, oldest first."""
    return session.exec(
        select(Series)
        .where(Series.team_id == team_id, col(Series.pair_id).in_(pair_ids))
        .order_by(col(Series.id))
    ).all()


def sessions_of_pairs(
    *, session: Session, team_id: str, pair_ids: Sequence[int]
) -> Sequence[MentoringSession]:
    """The sessions of the given pairs, earliest start first."""
    return session.exec(
        select(MentoringSession)
        .where(MentoringSession.team_id == team_id, col(MentoringSession.pair_id).in_(pair_ids))
        .order_by(col(MentoringSession.starts_at), col(MentoringSession.id))
    ).all()


def answers_by(*, session: Session, team_id: str, user_id: str) -> Sequence[PromptAnswer]:
    """The prompt answers the person wrote, in the order they were answered."""
    return session.exec(
        select(PromptAnswer)
        .where(PromptAnswer.team_id == team_id, PromptAnswer.author_id == user_id)
        .order_by(col(PromptAnswer.answered_at), col(PromptAnswer.id))
    ).all()


def diary_entries_by(*, session: Session, team_id: str, user_id: str) -> Sequence[DiaryEntry]:
    """The diary entries the person wrote, in the order they were written."""
    return session.exec(
        select(DiaryEntry)
        .where(DiaryEntry.team_id == team_id, DiaryEntry.author_id == user_id)
        .order_by(col(DiaryEntry.written_at), col(DiaryEntry.id))
    ).all()


def action_items_of_person(*, session: Session, team_id: str, user_id: str) -> Sequence[ActionItem]:
    """The action items the person owns or created, oldest first."""
    return session.exec(
        select(ActionItem)
        .where(
            ActionItem.team_id == team_id,
            or_(ActionItem.owner_id == user_id, ActionItem.created_by == user_id),
        )
        .order_by(col(ActionItem.id))
    ).all()


def agenda_topics_by(*, session: Session, team_id: str, user_id: str) -> Sequence[AgendaTopic]:
    """The agenda topics the person added, oldest first."""
    return session.exec(
        select(AgendaTopic)
        .where(AgendaTopic.team_id == team_id, AgendaTopic.author_id == user_id)
        .order_by(col(AgendaTopic.id))
    ).all()


def goals_of_pairs(*, session: Session, team_id: str, pair_ids: Sequence[int]) -> Sequence[Goal]:
    """The goals of the given pairs, oldest first."""
    return session.exec(
        select(Goal)
        .where(Goal.team_id == team_id, col(Goal.pair_id).in_(pair_ids))
        .order_by(col(Goal.id))
    ).all()


def signatures_of_person(*, session: Session, team_id: str, user_id: str) -> Sequence[Signature]:
    """The person's agreement signatures, in the order they signed."""
    return session.exec(
        select(Signature)
        .where(Signature.team_id == team_id, Signature.user_id == user_id)
        .order_by(col(Signature.signed_at), col(Signature.id))
    ).all()


def deliveries_to(*, session: Session, team_id: str, user_id: str) -> Sequence[Delivery]:
    """Every delivery addressed to the person, earliest due first."""
    return session.exec(
        select(Delivery)
        .where(Delivery.team_id == team_id, Delivery.recipient == user_id)
        .order_by(col(Delivery.due_at), col(Delivery.id))
    ).all()


def count_answers_by(*, session: Session, team_id: str, user_id: str) -> int:
    """How many prompt answers the person wrote."""
    return len(
        session.exec(
            select(PromptAnswer.id).where(
                PromptAnswer.team_id == team_id, PromptAnswer.author_id == user_id
            )
        ).all()
    )


def count_diary_entries_by(*, session: Session, team_id: str, user_id: str) -> int:
    """How many diary entries the person wrote."""
    return len(
        session.exec(
            select(DiaryEntry.id).where(
                DiaryEntry.team_id == team_id, DiaryEntry.author_id == user_id
            )
        ).all()
    )


def import_batches_of_team(*, session: Session, team_id: str) -> Sequence[ImportBatch]:
    """Every CSV import batch of the workspace."""
    return session.exec(select(ImportBatch).where(ImportBatch.team_id == team_id)).all()


# -- forgetting a person -----------------------------------------------------------------------


def delete_answers_by(*, session: Session, team_id: str, user_id: str) -> int:
    """Delete the prompt answers the person wrote; how many went."""
    result = session.execute(
        delete(PromptAnswer).where(
            col(PromptAnswer.team_id) == team_id, col(PromptAnswer.author_id) == user_id
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def delete_diary_entries_by(*, session: Session, team_id: str, user_id: str) -> int:
    """Delete the diary entries the person wrote; how many went."""
    result = session.execute(
        delete(DiaryEntry).where(
            col(DiaryEntry.team_id) == team_id, col(DiaryEntry.author_id) == user_id
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def delete_dm_channels_of(*, session: Session, team_id: str, user_id: str) -> int:
    """Forget the person's remembered DM channel; how many rows went."""
    result = session.execute(
        delete(DmChannel).where(
            col(DmChannel.team_id) == team_id, col(DmChannel.user_id) == user_id
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def stop_series_of_pair(*, session: Session, team_id: str, pair_id: int | None) -> None:
    """Every series of the pair stops planning sessions."""
    session.execute(
        update(Series)
        .where(col(Series.team_id) == team_id, col(Series.pair_id) == pair_id)
        .values(active=False)
        .execution_options(synchronize_session=False)
    )


def cancel_scheduled_sessions_of_pair(
    *, session: Session, team_id: str, pair_id: int | None, by: str
) -> None:
    """The pair's scheduled sessions become cancelled, `by` as who changed them."""
    session.execute(
        update(MentoringSession)
        .where(
            col(MentoringSession.team_id) == team_id,
            col(MentoringSession.pair_id) == pair_id,
            col(MentoringSession.status) == SessionStatus.SCHEDULED,
        )
        .values(status=SessionStatus.CANCELLED, status_changed_by=by)
        .execution_options(synchronize_session=False)
    )


def withdraw_pending_deliveries_to(
    *, session: Session, team_id: str, user_id: str, reason: str
) -> None:
    """The pending deliveries addressed to the person are withdrawn, with `reason`."""
    session.execute(
        update(Delivery)
        .where(
            col(Delivery.team_id) == team_id,
            col(Delivery.recipient) == user_id,
            col(Delivery.state) == DeliveryState.PENDING,
        )
        .values(state=DeliveryState.WITHDRAWN, last_error=reason)
        .execution_options(synchronize_session=False)
    )


def clear_addresses_of_deliveries_to(*, session: Session, team_id: str, user_id: str) -> None:
    """Deliveries addressed to the person forget the channel and message they went to."""
    session.execute(
        update(Delivery)
        .where(col(Delivery.team_id) == team_id, col(Delivery.recipient) == user_id)
        .values(channel_id=None, message_ts=None)
        .execution_options(synchronize_session=False)
    )


def _replace(
    session: Session, column: Any, team_column: Any, team_id: str, old: str, new: str
) -> int:
    table = column.class_
    result = session.execute(
        update(table)
        .where(team_column == team_id, column == old)
        .values({column.key: new})
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def anonymise_delivery_recipients(
    *, session: Session, team_id: str, user_id: str, alias: str
) -> int:
    """Deliveries addressed to the person are addressed to `alias`; how many changed."""
    return _replace(
        session, col(Delivery.recipient), col(Delivery.team_id), team_id, user_id, alias
    )


def anonymise_dedupe_keys(*, session: Session, team_id: str, user_id: str, alias: str) -> None:
    """Delivery dedupe keys that name the person name `alias` instead."""
    session.execute(
        update(Delivery)
        .where(
            col(Delivery.team_id) == team_id,
            col(Delivery.dedupe_key).contains(user_id, autoescape=True),
        )
        .values(dedupe_key=func.replace(col(Delivery.dedupe_key), user_id, alias))
        .execution_options(synchronize_session=False)
    )


# Where a person's user id is kept, besides pairs and deliveries (handled on their own).
_PERSON_COLUMNS = (
    (Pair.created_by, Pair.team_id),
    (AgreementVersion.created_by, AgreementVersion.team_id),
    (Signature.user_id, Signature.team_id),
    (Series.created_by, Series.team_id),
    (MentoringSession.status_changed_by, MentoringSession.team_id),
    (ActionItem.owner_id, ActionItem.team_id),
    (ActionItem.created_by, ActionItem.team_id),
    (ActionItem.done_by, ActionItem.team_id),
    (AgendaTopic.author_id, AgendaTopic.team_id),
    (Goal.created_by, Goal.team_id),
    (Goal.reached_by, Goal.team_id),
)


def anonymise_person_columns(*, session: Session, team_id: str, user_id: str, alias: str) -> int:
    """`alias` in place of the person's id in every other column naming them; values changed."""
    touched = 0
    for column, team_column in _PERSON_COLUMNS:
        touched += _replace(session, col(column), col(team_column), team_id, user_id, alias)
    return touched


def anonymise_installer(*, session: Session, team_id: str, user_id: str, alias: str) -> int:
    """Installations of the workspace that the person installed name `alias` instead, and
    forget any user token that came with them (slack_sdk's table; absent unless migrated)."""
    if not inspect(session.connection()).has_table(INSTALLATIONS_TABLE):
        return 0
    table = slack_oauth_metadata().tables[INSTALLATIONS_TABLE]
    result = session.execute(
        update(table)
        .where(table.c.team_id == team_id, table.c.user_id == user_id)
        .values(
            user_id=alias,
            user_token=None,
            user_refresh_token=None,
            user_scopes=None,
            user_token_expires_at=None,
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
