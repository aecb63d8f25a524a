"""Text helpers for Block Kit: mrkdwn escaping, safe truncation, mentions and local dates."""

from __future__ import annotations

import re
from datetime import UTC, datetime

_USER_ID = re.compile(r"^[UWB][A-Z0-9]+$")
_ENTITY_TAIL = re.compile(r"&[a-z]{0,4}$")


def escape(text: str) -> str:
    """Escape user text for mrkdwn, so `<!channel>` or `<@U1>` show as typed and ping nobody."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int) -> str:
    """Cut to `limit` characters with an ellipsis, never through an escape like `&amp;`."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    cut = _ENTITY_TAIL.sub("", cut)
    return cut + "…"


def mention(user_id: str) -> str:
    """A user mention; anything that isn't a user id is shown escaped instead."""
    return f"<@{user_id}>" if _USER_ID.match(user_id) else escape(user_id)


def local_time(moment: datetime, fmt: str = "{date_short_pretty} at {time}") -> str:
    """A time every reader sees in their own zone (Slack's date formatting), UTC as fallback."""
    moment = moment.astimezone(UTC)
    fallback = moment.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{fmt}|{fallback}>"


def plain(text: str, limit: int) -> dict:
    """A plain_text object cut to Slack's limit for where it is used."""
    return {"type": "plain_text", "text": truncate(text, limit), "emoji": True}


def mrkdwn(text: str, limit: int = 3000) -> dict:
    return {"type": "mrkdwn", "text": truncate(text, limit)}


def button(action_id: str, label: str, value: str, *, primary: bool = False) -> dict:
    """A button whose visible label says what the click does."""
    element = {"type": "button", "action_id": action_id, "text": plain(label, 75), "value": value}
    if primary:
        element["style"] = "primary"
    return element


def section(text: str) -> dict:
    """A mrkdwn section (text already escaped where it holds user text)."""
    return {"type": "section", "text": mrkdwn(text)}


def quoted(text: str, limit: int = 1000) -> str:
    """User text in quotes, escaped and cut to `limit`."""
    return f"“{truncate(escape(text), limit)}”"
