"""Small wrappers over Web API calls the listeners share, mapping Slack errors to domain ones."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.recurrence import valid_timezone

log = logging.getLogger(__name__)

MISSING_USER_ERRORS = {"user_not_found", "users_not_found", "user_not_visible"}


def user_profile(client: WebClient, user_id: str) -> dict[str, Any] | None:
    """users.info for one person; None when Slack doesn't know them."""
    try:
        response = client.users_info(user=user_id)
    except SlackApiError as error:
        if error.response.get("error") in MISSING_USER_ERRORS:
            return None
        raise
    user = response.get("user")
    return user if isinstance(user, dict) else None


def zone_of(profile: dict | None) -> str | None:
    """The zone a users.info profile names, if it is a real one; None when Slack doesn't say."""
    tz = (profile or {}).get("tz")
    return tz if isinstance(tz, str) and valid_timezone(tz) == tz else None


def timezone_of(client: WebClient, user_id: str) -> str | None:
    return zone_of(user_profile(client, user_id))


def display_name(profile: dict | None) -> str:
    """What Slack shows for a person: display name, else real name, else handle."""
    profile = profile or {}
    inner = profile.get("profile") if isinstance(profile.get("profile"), dict) else {}
    for name in (inner.get("display_name"), profile.get("real_name"), profile.get("name")):
        if isinstance(name, str) and name.strip():
            return name.strip()
    return ""


def names_of(client: WebClient, user_ids: Sequence[str], *, limit: int) -> dict[str, str]:
    """The names Slack shows for the first `limit` of `user_ids` (users.info, one call each).

    Best effort, for labelling: someone Slack doesn't know is left out, and the first other
    refusal (a rate limit, say) ends the lookups with the names found so far.
    """
    names: dict[str, str] = {}
    for user_id in user_ids[:limit]:
        try:
            name = display_name(user_profile(client, user_id))
        except SlackApiError as error:
            log.warning("Stopped looking up names: users.info said %s", error.response.get("error"))
            break
        if name:
            names[user_id] = name
    return names
