"""Where a click (or a submission) came from, trusted only when the bot recorded it there.

The channel and ts in a click's `container`, and a view id, are whatever the payload says: a
tampered payload can name another pair's message or someone else's open modal. The one way a
listener learns what to update in place is `clicked_location`, which answers with a location
only when it is among those bot/locations.py recorded for that pair and person.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.deps import Deps
from bot.locations import Location, Surface, recorded_locations, remember_view

log = logging.getLogger(__name__)


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def claimed_location(body: Any) -> Location | None:
    """The message or modal the payload says it came from (None when it names neither)."""
    body = _dict(body)
    view = body.get("view")
    if isinstance(view, dict):  # a click in a modal or on Home, or a modal's submission
        view_id = _text(view.get("id"))
        return Location(view_id=view_id) if view_id else None
    container = _dict(body.get("container"))
    channel = _text(container.get("channel_id")) or _text(_dict(body.get("channel")).get("id"))
    ts = _text(container.get("message_ts"))
    return Location(channel=channel, ts=ts) if channel and ts else None


def clicked_location(
    deps: Deps,
    body: Any,
    *,
    team_id: str,
    user_id: str,
    surface: Surface,
    subject_id: int | None,
) -> Location | None:
    """Where the click came from, if the bot recorded `surface` about `subject_id` there for
    this person and their pair; None otherwise (the payload named somewhere else: nothing
    there may change, and it is logged)."""
    claimed = claimed_location(body)
    if claimed is None:
        return None
    recorded = recorded_locations(
        deps.db, team_id=team_id, user_id=user_id, surface=surface, subject_id=subject_id
    )
    if claimed in recorded:
        return claimed
    log.warning(
        "Not updating %s for %s in %s: the bot recorded no %s there for them (subject %s)",
        claimed,
        user_id,
        team_id,
        surface,
        subject_id,
    )
    return None


def remember_opened(
    deps: Deps,
    opened: Any,
    *,
    team_id: str,
    user_id: str,
    surface: Surface,
    subject_id: int | None = None,
) -> None:
    """Record the modal a views.open answer describes, so clicks in it may update it."""
    answer = getattr(opened, "data", opened)  # a SlackResponse, or its dict
    view_id = _text(_dict(_dict(answer).get("view")).get("id"))
    if view_id is None:
        return
    remember_view(
        deps.db,
        team_id=team_id,
        user_id=user_id,
        view_id=view_id,
        surface=surface,
        subject_id=subject_id,
        now=deps.clock(),
    )
