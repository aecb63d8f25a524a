"""Where the bot put each thing it may update later, for a pair and a person.

A click carries the channel and message (or the view id) it came from, and a tampered one can
name anybody's. The bot updates only the places it recorded itself: the agreement and session
messages on their rows, what deliveries became on theirs, and the modals it opened here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from storage import locations as store
from storage.db import Database
from storage.models import Kind, ViewPurpose

# How long an opened modal is remembered: Slack closes a modal after a day at the latest.
VIEW_MEMORY = timedelta(days=1)


class Surface(StrEnum):
    """What the bot shows at a place it recorded, and what `subject_id` then names."""

    AGREEMENT = "agreement"  # the pair's agreement message; subject: the pair
    SESSION = "session"  # a session's message or its announcement; subject: the session
    PROMPT = "prompt"  # the message a delivery to the person became; subject: the delivery
    ACTION_REMINDER = "action_reminder"  # the person's reminders of an item; subject: the item
    HOME_AGREEMENT = ViewPurpose.HOME_AGREEMENT.value  # the Home agreement modal; the pair
    IMPORT = ViewPurpose.IMPORT.value  # the CSV import modal; no subject


MODALS = {Surface.HOME_AGREEMENT: ViewPurpose.HOME_AGREEMENT, Surface.IMPORT: ViewPurpose.IMPORT}


@dataclass(frozen=True)
class Location:
    """A message (channel and ts) or a modal (view id) in Slack."""

    channel: str | None = None
    ts: str | None = None
    view_id: str | None = None


def recorded_locations(
    db: Database, *, team_id: str, user_id: str, surface: Surface, subject_id: int | None
) -> frozenset[Location]:
    """Every place the bot recorded `surface` about `subject_id` for `user_id` (and their pair)."""
    with db.session() as session:
        if surface in MODALS:
            views = store.opened_views(
                session=session,
                team_id=team_id,
                user_id=user_id,
                purpose=MODALS[surface],
                subject_id=subject_id,
            )
            return frozenset(Location(view_id=v) for v in views)
        if subject_id is None:
            return frozenset()
        if surface == Surface.AGREEMENT:
            messages = store.agreement_message(
                session=session, team_id=team_id, pair_id=subject_id, user_id=user_id
            )
        elif surface == Surface.SESSION:
            messages = store.session_messages(
                session=session, team_id=team_id, session_id=subject_id, user_id=user_id
            )
        elif surface == Surface.PROMPT:
            messages = store.delivered_messages(
                session=session, team_id=team_id, user_id=user_id, delivery_id=subject_id
            )
        else:
            messages = store.delivered_messages(
                session=session,
                team_id=team_id,
                user_id=user_id,
                kind=Kind.ACTION_REMINDER,
                subject_id=subject_id,
            )
        return frozenset(Location(channel=channel, ts=ts) for channel, ts in messages)


def remember_view(
    db: Database,
    *,
    team_id: str,
    user_id: str,
    view_id: str,
    surface: Surface,
    subject_id: int | None,
    now: datetime,
) -> None:
    """Record a modal the bot opened for `user_id`, so its clicks may update it."""
    with db.session() as session:
        store.forget_views(session=session, team_id=team_id, before=now - VIEW_MEMORY)
        store.remember_view(
            session=session,
            team_id=team_id,
            user_id=user_id,
            view_id=view_id,
            purpose=MODALS[surface],
            subject_id=subject_id,
            now=now,
        )
