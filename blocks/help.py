"""Block Kit for `/mentor help` and for short replies to the person who asked."""

from __future__ import annotations

from collections.abc import Sequence

from blocks.text import escape, mrkdwn, truncate
from bot import messages
from bot.commands import Subcommand


def build_help(subcommands: Sequence[Subcommand], *, unknown: str | None = None) -> dict:
    """Every subcommand with its usage; `unknown` is a subcommand someone typed that we lack."""
    intro = None
    if unknown is not None:
        intro = messages.UNKNOWN_SUBCOMMAND.format(subcommand=truncate(escape(unknown), 60))
    lines = [
        f"`{escape(c.usage)}`{' _(admins)_' if c.admin_only else ''}\n{escape(c.summary)}"
        for c in subcommands
    ]
    blocks: list[dict] = []
    if intro:
        blocks.append({"type": "section", "text": mrkdwn(intro)})
    blocks.append({"type": "section", "text": mrkdwn("*Mentorbot commands*")})
    # Sections hold 3,000 characters each; keep a few subcommands per section.
    for start in range(0, len(lines), 6):
        blocks.append({"type": "section", "text": mrkdwn("\n\n".join(lines[start : start + 6]))})
    text = (
        (intro + " " if intro else "")
        + "Mentorbot commands: "
        + ", ".join(f"/mentor {c.name}" for c in subcommands)
    )
    return {"text": text, "blocks": blocks}


def build_reply(message: str) -> dict:
    """A short reply in our own wording (which may hold mentions, never raw user text)."""
    return {"text": message, "blocks": [{"type": "section", "text": mrkdwn(message)}]}
