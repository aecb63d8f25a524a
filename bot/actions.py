"""Action items: reading `/mentor action`, due dates, storing, reminding and marking them done."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot import messages
from bot.errors import FieldErrors, UserError
from bot.pairing import MENTION, choose_pair, find_pair
from bot.recurrence import valid_timezone
from storage import actions as store
from storage import deliveries as delivery_store
from storage import pairs as pair_store
from storage.db import Database
from storage.models import ActionItem, Delivery, Kind, Pair, PairStatus

# Block ids of the "Add action item" modal's inputs: field errors are keyed by them.
OWNER, TEXT, DUE = "action_owner", "action_text", "action_due"
# Block ids of messages whose Mark done button updates the message it sits in.
LIST_ITEM_PREFIX = "action_item_"
REMINDER_BLOCK = "action_reminder"
TEXT_LIMIT = 300
# A due date further out than this is a typo more often than a plan.
FURTHEST_DUE = timedelta(days=366)
REMINDER_AT = time(9, 0)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# The last " by " (any case) starts the due date: "Read the book by Kahneman by friday".
_BY = re.compile(r"(?:^|\s)by(?:\s|$)", re.IGNORECASE)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_IN_DAYS = re.compile(r"in (\d{1,3}) days?")


@dataclass(frozen=True)
class ActionRequest:
    """What `/mentor action @owner <text> [by <date>]` asked for; the date not yet read."""

    owner_id: str
    text: str
    due_phrase: str | None


@dataclass(frozen=True)
class ActionForm:
    """What the "Add action item" modal holds, as domain values."""

    owner_id: str | None
    text: str
    due_on: date | None


@dataclass(frozen=True)
class ActionOutcome:
    """An item after a change, with its pair; `changed` is False when nothing had to change."""

    item: ActionItem
    pair: Pair
    changed: bool


@dataclass(frozen=True)
class ActionReminder:
    """What a reminder says, loaded when it is sent."""

    item: ActionItem
    pair: Pair


def local_today(now: datetime, tz: str | None) -> date:
    """The calendar date in the person's zone (UTC when Slack didn't say)."""
    return now.astimezone(ZoneInfo(valid_timezone(tz))).date()


def parse_action_command(text: str) -> ActionRequest:
    """`@owner <text> [by <date>]`: the owner must be mentioned first; the text is checked."""
    stripped = text.strip()
    found = MENTION.match(stripped)
    if found is None:
        raise UserError(messages.ACTION_USAGE)
    rest = stripped[found.end() :].strip()
    due_phrase = None
    splits = list(_BY.finditer(rest))
    if splits:
        last = splits[-1]
        due_phrase = rest[last.end() :].strip()
        rest = rest[: last.start()].strip()
    return ActionRequest(found.group(1), check_text(rest), due_phrase)


def check_text(text: str) -> str:
    """An item's text, trimmed: 1 to TEXT_LIMIT characters."""
    cleaned = text.strip()
    if not cleaned:
        raise UserError(messages.ACTION_TEXT_EMPTY)
    if len(cleaned) > TEXT_LIMIT:
        raise UserError(messages.TEXT_TOO_LONG.format(limit=TEXT_LIMIT, length=len(cleaned)))
    return cleaned


def parse_due(text: str, *, today: date) -> date:
    """A due date from how people say it, relative to `today` (the asker's local date).

    YYYY-MM-DD, "today", "tomorrow", a weekday ("friday": the next Friday, never today),
    "next week" (next Monday) or "in N days". Past and unreadable dates are refused.
    """
    phrase = " ".join(text.lower().split()).rstrip(".")
    due: date | None = None
    if _ISO_DATE.fullmatch(phrase):
        try:
            due = date.fromisoformat(phrase)
        except ValueError:
            due = None
    elif phrase == "today":
        due = today
    elif phrase == "tomorrow":
        due = today + timedelta(days=1)
    elif phrase == "next week":
        due = today + timedelta(days=7 - today.weekday())
    elif phrase in WEEKDAYS or phrase in {d[:3] for d in WEEKDAYS}:
        wanted = next(i for i, d in enumerate(WEEKDAYS) if d.startswith(phrase))
        due = today + timedelta(days=(wanted - today.weekday() - 1) % 7 + 1)
    elif match := _IN_DAYS.fullmatch(phrase):
        due = today + timedelta(days=int(match.group(1)))
    if due is None:
        raise UserError(messages.ACTION_DUE_NOT_UNDERSTOOD.format(forms=messages.ACTION_DUE_FORMS))
    if due < today:
        raise UserError(messages.ACTION_DUE_IN_PAST.format(forms=messages.ACTION_DUE_FORMS))
    if due > today + FURTHEST_DUE:
        raise UserError(messages.ACTION_DUE_TOO_FAR)
    return due


def pair_for_new_action(
    db: Database, *, team_id: str, user_id: str, channel_id: str | None, owner_id: str
) -> Pair:
    """The pair an item belongs to: the owner's pair with the asker, or for themselves the
    conversation's pair or their only one."""
    with db.session() as session:
        pairs = pair_store.open_pairs_of(session=session, team_id=team_id, user_id=user_id)
    if not pairs:
        raise UserError(messages.NO_PAIR)
    partners = ", ".join(f"<@{p.partner_of(user_id)}>" for p in pairs)
    if owner_id != user_id:
        for pair in pairs:
            if pair.partner_of(user_id) == owner_id:
                return pair
        raise UserError(messages.ACTION_OWNER_OUTSIDE.format(user=owner_id, partners=partners))
    if len(pairs) > 1 and not any(p.channel_id == channel_id for p in pairs):
        raise UserError(messages.ACTION_WHICH_PAIR.format(partners=partners))
    return choose_pair(pairs, user_id=user_id, channel_id=channel_id, text="", subcommand="action")


def pair_for_actions(
    db: Database, *, team_id: str, user_id: str, channel_id: str | None, text: str
) -> Pair:
    """The pair `/mentor actions [@partner]` is about."""
    return find_pair(
        db,
        team_id=team_id,
        user_id=user_id,
        channel_id=channel_id,
        text=text,
        subcommand="actions",
    )


def _partners_pair(session: Session, team_id: str, pair_id: int, user_id: str) -> Pair:
    pair = pair_store.get_pair(session=session, team_id=team_id, pair_id=pair_id)
    if pair is None or not pair.has_partner(user_id):
        raise UserError(messages.ACTION_NOT_YOUR_PAIR)
    return pair


def _active(pair: Pair) -> Pair:
    if pair.status != PairStatus.ACTIVE:
        raise UserError(messages.ACTION_PAIR_NOT_ACTIVE.format(status=pair.status))
    return pair


def pair_for_adding(db: Database, *, team_id: str, pair_id: int, user_id: str) -> Pair:
    """The pair an "Add action item" button names, if the asker may add to it."""
    with db.session() as session:
        return _active(_partners_pair(session, team_id, pair_id, user_id))


def read_action_form(values: Mapping[str, Any]) -> ActionForm:
    """The modal's values; only their shape is checked here (add_action checks the rest)."""
    owner = values.get(OWNER)
    text = values.get(TEXT)
    raw_due = values.get(DUE)
    due_on = None
    if raw_due is not None:
        try:
            due_on = date.fromisoformat(raw_due) if isinstance(raw_due, str) else None
        except ValueError:
            due_on = None
        if due_on is None:
            raise FieldErrors({DUE: messages.ACTION_PICK_DATE})
    return ActionForm(
        owner_id=owner if isinstance(owner, str) and owner else None,
        text=text if isinstance(text, str) else "",
        due_on=due_on,
    )


def _check_fields(
    pair: Pair,
    *,
    owner_id: str | None,
    text: str,
    due_on: date | None,
    earliest: date,
) -> str:
    errors: dict[str, str] = {}
    if owner_id is None or not pair.has_partner(owner_id):
        errors[OWNER] = messages.ACTION_OWNER_NOT_PARTNER.format(
            mentor=pair.mentor_id, mentee=pair.mentee_id
        )
    cleaned = text.strip()
    if not cleaned:
        errors[TEXT] = messages.ACTION_TEXT_EMPTY
    elif len(cleaned) > TEXT_LIMIT:
        errors[TEXT] = messages.TEXT_TOO_LONG.format(limit=TEXT_LIMIT, length=len(cleaned))
    if due_on is not None and due_on < earliest:
        errors[DUE] = messages.ACTION_DUE_PASSED
    elif due_on is not None and due_on > earliest + FURTHEST_DUE:
        errors[DUE] = messages.ACTION_DUE_TOO_FAR
    if errors:
        raise FieldErrors(errors)
    return cleaned


def reminder_window(
    due_on: date | None, owner_tz: str | None, now: datetime
) -> tuple[datetime, datetime] | None:
    """(due, expires) of an item's reminder: 09:00 owner-local the day before its due date.

    None for undated items and items due today (or earlier) in the owner's zone. A reminder
    whose moment has passed goes now; it is useful until the due date ends.
    """
    if due_on is None:
        return None
    zone = ZoneInfo(valid_timezone(owner_tz))
    if due_on <= now.astimezone(zone).date():
        return None
    remind = datetime.combine(due_on - timedelta(days=1), REMINDER_AT, tzinfo=zone)
    ends = datetime.combine(due_on + timedelta(days=1), time(0, 0), tzinfo=zone)
    return max(now, remind.astimezone(UTC)), ends.astimezone(UTC)


def add_action(
    db: Database,
    *,
    team_id: str,
    pair_id: int,
    author_id: str,
    owner_id: str,
    text: str,
    due_on: date | None,
    owner_tz: str | None,
    now: datetime,
    session_id: int | None = None,
    author_tz: str | None = None,
) -> ActionItem:
    """Store an item for a partner of the pair and plan its reminder.

    A due date counts as past once it has ended for both the author and the owner (each in
    their zone; UTC for an unknown one). Problems with the fields raise FieldErrors keyed by
    the modal's block ids; problems with the pair raise UserError.
    """
    with db.session() as session:
        pair = _active(_partners_pair(session, team_id, pair_id, author_id))
        earliest = min(local_today(now, author_tz), local_today(now, owner_tz))
        cleaned = _check_fields(
            pair, owner_id=owner_id, text=text, due_on=due_on, earliest=earliest
        )
        item = store.add_action_item(
            session=session,
            team_id=team_id,
            pair_id=pair_id,
            owner_id=owner_id,
            text=cleaned,
            due_on=due_on,
            created_by=author_id,
            now=now,
            session_id=session_id,
        )
        assert item.id is not None
        window = reminder_window(due_on, owner_tz, now)
        if window is not None:
            due_at, expires_at = window
            # No session_id on the delivery: moving a session must not withdraw the reminder.
            delivery_store.plan_delivery(
                session=session,
                team_id=team_id,
                pair_id=pair_id,
                subject_id=item.id,
                kind=Kind.ACTION_REMINDER,
                recipient=owner_id,
                dedupe_key=f"action:{item.id}:reminder",
                due_at=due_at,
                expires_at=expires_at,
                now=now,
            )
        return item


def pair_of_item(db: Database, item: ActionItem) -> Pair | None:
    with db.session() as session:
        return pair_store.get_pair(session=session, team_id=item.team_id, pair_id=item.pair_id)


def open_actions(db: Database, *, team_id: str, pair_id: int) -> list[ActionItem]:
    """The pair's open items, the oldest due date first, undated ones last."""
    with db.session() as session:
        return list(store.open_items_of_pair(session=session, team_id=team_id, pair_id=pair_id))


def mark_done(
    db: Database, *, team_id: str, item_id: int, user_id: str, now: datetime
) -> ActionOutcome:
    """A partner of the item's pair marks it done; its reminder is withdrawn. Done twice: no-op."""
    with db.session() as session:
        item = store.get_action_item(session=session, team_id=team_id, item_id=item_id)
        if item is None:
            raise UserError(messages.ACTION_NOT_FOUND)
        pair = pair_store.get_pair(session=session, team_id=team_id, pair_id=item.pair_id)
        if pair is None or not pair.has_partner(user_id):
            raise UserError(messages.ACTION_NOT_YOURS)
        if pair.status == PairStatus.ENDED:
            raise UserError(messages.ACTION_PAIR_NOT_ACTIVE.format(status=pair.status))
        changed = store.mark_item_done(
            session=session, team_id=team_id, item_id=item_id, by=user_id, now=now
        )
        delivery_store.withdraw_for_subject(
            session=session,
            team_id=team_id,
            kind=Kind.ACTION_REMINDER,
            subject_id=item_id,
            reason="done",
        )
        session.refresh(item)
        return ActionOutcome(item, pair, changed)


def reminder_for(db: Database, delivery: Delivery) -> ActionReminder | None:
    """What a reminder delivery is about, or None once the item is done or the pair inactive."""
    if delivery.subject_id is None:
        return None
    with db.session() as session:
        item = store.get_action_item(
            session=session, team_id=delivery.team_id, item_id=delivery.subject_id
        )
        if item is None or item.done_at is not None:
            return None
        pair = pair_store.get_pair(session=session, team_id=delivery.team_id, pair_id=item.pair_id)
        if pair is None or pair.status != PairStatus.ACTIVE:
            return None
        return ActionReminder(item, pair)


def is_overdue(item: ActionItem, today: date) -> bool:
    return item.done_at is None and item.due_on is not None and item.due_on < today
