"""Block Kit for pairing: the welcome in the pair's conversation and the admin's confirmation."""

from __future__ import annotations

from blocks.text import mention, mrkdwn
from storage.models import Pair


def build_welcome(pair: Pair) -> dict:
    """The first message in a new pair's conversation."""
    mentor, mentee = mention(pair.mentor_id), mention(pair.mentee_id)
    text = (
        f":wave: Welcome, {mentor} and {mentee}! {mention(pair.created_by)} has paired you: "
        f"{mentor} is the mentor and {mentee} the mentee."
    )
    steps = (
        "*How we'll work together*\n"
        "• This conversation is your shared space: I'll post your agreement, agendas and "
        "reminders here.\n"
        "• Start with the partnership agreement below: read it together in your first session, "
        "edit it to fit how you want to work, then each of you signs it.\n"
        "• Type `/mentor help` any time to see what I can do."
    )
    return {
        "text": text,
        "blocks": [
            {"type": "section", "text": mrkdwn(text)},
            {"type": "section", "text": mrkdwn(steps)},
        ],
    }


def build_pair_created(pair: Pair) -> dict:
    """Tells the admin the pair exists (an ephemeral reply to `/mentor pair`)."""
    text = (
        f":white_check_mark: Paired {mention(pair.mentor_id)} (mentor) with "
        f"{mention(pair.mentee_id)} (mentee). I've welcomed them in a group conversation and "
        "posted their partnership agreement there."
    )
    return {"text": text, "blocks": [{"type": "section", "text": mrkdwn(text)}]}
