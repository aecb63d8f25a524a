"""The one error handler: domain errors become a message to the person; the rest is logged."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from sqlalchemy.exc import DBAPIError, IntegrityError

from blocks.help import build_reply
from bot.errors import UserError
from bot.messages import LOST_RACE

SOMETHING_WENT_WRONG = (
    "Sorry, something went wrong on my side and I couldn't finish that. Please try again in a "
    "minute; if it keeps happening, let your program admin know."
)


def handle_error(
    error: Exception, body: dict, respond: Any, client: WebClient, logger: logging.Logger
) -> None:
    if isinstance(error, UserError):
        message = error.message
    elif lost_a_race(error):
        # Another request for the same thing committed first: the person's click found it
        # changed, which is no failure of theirs (nor of the bot's).
        logger.warning("A request lost a race to a concurrent one: %s", error.__cause__ or error)
        message = LOST_RACE
    else:
        logger.exception("Unexpected error while handling a Slack request", exc_info=error)
        message = SOMETHING_WENT_WRONG
    tell_person(body, respond, client, message, logger)


# What the database says when a concurrent transaction got there first: a unique key taken
# (SQLSTATE 23505; SQLite's own wording), or PostgreSQL giving up on a serialization or a
# deadlock (40001, 40P01).
_RACE_STATES = frozenset({"23505", "40001", "40P01"})


def lost_a_race(error: BaseException) -> bool:
    """Whether `error` is the database refusing a change because another one came first."""
    if not isinstance(error, DBAPIError):
        return False
    cause = error.orig
    if getattr(cause, "sqlstate", None) in _RACE_STATES:
        return True
    return isinstance(error, IntegrityError) and "UNIQUE constraint failed" in str(cause)


def tell_person(
    body: dict, respond: Any, client: WebClient, message: str, logger: logging.Logger
) -> None:
    """Answer only the person who asked: via the response URL, else their DM with the bot."""
    reply = build_reply(message)
    try:
        if respond is not None and (body.get("response_url") or body.get("response_urls")):
            respond(**reply, response_type="ephemeral", replace_original=False)
            return
        user = asker(body)
        if user is not None:
            client.chat_postMessage(channel=user, **reply)
    except Exception:
        logger.exception("Couldn't tell the person about an error")


def asker(body: Any) -> str | None:
    """Who sent the request, wherever its kind of payload says it (Bolt takes `user` as an
    object with an id or as a plain string); None when it doesn't say."""
    if not isinstance(body, dict):
        return None
    user = body.get("user")
    found = user.get("id") if isinstance(user, dict) else user
    if not (isinstance(found, str) and found):
        found = body.get("user_id")
    return found if isinstance(found, str) and found else None
