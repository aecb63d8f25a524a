"""Goals: a few per pair, each with how the pair will know it got there, and reaching them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import Session

from bot import messages
from bot.errors import FieldErrors, UserError
from bot.pairing import find_pair
from storage import goals as store
from storage import pairs as pair_store
from storage.db import Database
from storage.models import Goal, Pair, PairStatus

# Block ids of the "Add goal" modal's inputs: field errors are keyed by them.
TITLE, INDICATOR, TARGET = "goal_title", "goal_indicator", "goal_target"
# Block ids of the goals list's sections, one per open goal: its Mark reached updates the list.
LIST_ITEM_PREFIX = "goal_item_"
TITLE_LIMIT = 150
INDICATOR_LIMIT = 300
# "Keep a few": more open goals than this and none of them gets attention.
OPEN_GOALS_LIMIT = 5
FURTHEST_TARGET = timedelta(days=5 * 366)


@dataclass(frozen=True)
class GoalForm:
    """What the "Add goal" modal holds, as domain values."""

    title: str
    indicator: str
    target_on: date | None


@dataclass(frozen=True)
class GoalOutcome:
    """A goal after a change, with its pair; `changed` is False when it was reached already."""

    goal: Goal
    pair: Pair
    changed: bool


def pair_for_goals(
    db: Database, *, team_id: str, user_id: str, channel_id: str | None, text: str
) -> Pair:
    """The pair `/mentor goals [@partner]` is about."""
    return find_pair(
        db, team_id=team_id, user_id=user_id, channel_id=channel_id, text=text, subcommand="goals"
    )


def goals_of(db: Database, *, team_id: str, pair_id: int) -> list[Goal]:
    """The pair's goals: open ones first (nearest target first), then reached ones, latest first."""
    with db.session() as session:
        return list(store.goals_of_pair(session=session, team_id=team_id, pair_id=pair_id))


def _partners_pair(session: Session, team_id: str, pair_id: int, user_id: str) -> Pair:
    pair = pair_store.get_pair(session=session, team_id=team_id, pair_id=pair_id)
    if pair is None or not pair.has_partner(user_id):
        raise UserError(messages.GOAL_NOT_YOUR_PAIR)
    return pair


def _room_for_a_goal(session: Session, pair: Pair) -> Pair:
    assert pair.id is not None
    if pair.status != PairStatus.ACTIVE:
        raise UserError(messages.GOAL_PAIR_NOT_ACTIVE.format(status=pair.status))
    count = store.count_open_goals(session=session, team_id=pair.team_id, pair_id=pair.id)
    if count >= OPEN_GOALS_LIMIT:
        raise UserError(messages.GOAL_LIMIT.format(limit=OPEN_GOALS_LIMIT))
    return pair


def pair_for_new_goal(db: Database, *, team_id: str, pair_id: int, user_id: str) -> Pair:
    """The pair an "Add goal" button names, if the asker may add a goal to it now."""
    with db.session() as session:
        return _room_for_a_goal(session, _partners_pair(session, team_id, pair_id, user_id))


def read_goal_form(values: Mapping[str, Any], *, today: date) -> GoalForm:
    """The modal's values, checked; FieldErrors says what to fix under which field.

    `today` is the author's local date: a target before it has passed.
    """
    errors: dict[str, str] = {}
    title = values.get(TITLE)
    title = title.strip() if isinstance(title, str) else ""
    if not title:
        errors[TITLE] = messages.REQUIRED_FIELD
    elif len(title) > TITLE_LIMIT:
        errors[TITLE] = messages.TEXT_TOO_LONG.format(limit=TITLE_LIMIT, length=len(title))
    indicator = values.get(INDICATOR)
    indicator = indicator.strip() if isinstance(indicator, str) else ""
    if not indicator:
        errors[INDICATOR] = messages.GOAL_INDICATOR_EMPTY
    elif len(indicator) > INDICATOR_LIMIT:
        errors[INDICATOR] = messages.TEXT_TOO_LONG.format(
            limit=INDICATOR_LIMIT, length=len(indicator)
        )
    raw_target = values.get(TARGET)
    target_on = None
    if raw_target is not None:
        try:
            target_on = date.fromisoformat(raw_target) if isinstance(raw_target, str) else None
        except ValueError:
            target_on = None
        if target_on is None:
            errors[TARGET] = messages.GOAL_PICK_DATE
        elif target_on < today:
            errors[TARGET] = messages.GOAL_TARGET_PASSED
        elif target_on > today + FURTHEST_TARGET:
            errors[TARGET] = messages.GOAL_TARGET_TOO_FAR
    if errors:
        raise FieldErrors(errors)
    return GoalForm(title, indicator, target_on)


def add_goal(
    db: Database, *, team_id: str, pair_id: int, author_id: str, form: GoalForm, now: datetime
) -> tuple[Goal, Pair]:
    """Store a goal for a pair the author is in, while it has fewer than the limit open."""
    with db.session() as session:
        pair = _room_for_a_goal(session, _partners_pair(session, team_id, pair_id, author_id))
        goal = store.add_goal(
            session=session,
            team_id=team_id,
            pair_id=pair_id,
            title=form.title,
            indicator=form.indicator,
            target_on=form.target_on,
            created_by=author_id,
            now=now,
        )
        return goal, pair


def mark_reached(
    db: Database, *, team_id: str, goal_id: int, user_id: str, now: datetime
) -> GoalOutcome:
    """A partner marks a goal reached; marking it again changes nothing."""
    with db.session() as session:
        goal = store.get_goal(session=session, team_id=team_id, goal_id=goal_id)
        if goal is None:
            raise UserError(messages.GOAL_NOT_FOUND)
        pair = pair_store.get_pair(session=session, team_id=team_id, pair_id=goal.pair_id)
        if pair is None or not pair.has_partner(user_id):
            raise UserError(messages.GOAL_NOT_YOURS)
        if pair.status == PairStatus.ENDED:
            raise UserError(messages.GOAL_PAIR_NOT_ACTIVE.format(status=pair.status))
        changed = store.mark_goal_reached(
            session=session, team_id=team_id, goal_id=goal_id, by=user_id, now=now
        )
        session.refresh(goal)
        return GoalOutcome(goal, pair, changed)
