"""Block Kit for data rights: the forget-me confirmation modal and what it did."""

from __future__ import annotations

from blocks.text import mention, mrkdwn, plain
from bot import messages
from bot.ids import View
from bot.privacy import PSEUDONYM_PREFIX, ForgetOutcome, ForgetPreview


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def forget_steps(preview: ForgetPreview, *, asker: str) -> list[str]:
    """Exactly what pressing "Delete my data" does, in the order it happens."""
    partners = ", ".join(mention(p.partner_of(asker)) for p in preview.open_pairs)
    ending = (
        f"*Your {_plural(len(preview.open_pairs), 'pair ends', 'pairs end')}* (with {partners}): "
        "planned sessions are cancelled, nothing more is sent about them, and a note in each "
        "pair's conversation says the pair has ended."
        if preview.open_pairs
        else "*You're in no open pair*, so no pair ends."
    )
    return [
        f"*Deleted for good:* your {_plural(preview.answers, 'prompt answer', 'prompt answers')} "
        "(preparation, check-in, first-meeting and expectations questions) and your "
        f"{_plural(preview.diary_entries, 'learning-diary entry', 'learning-diary entries')}, "
        "shared ones included. Your own words in your agreements' success clause are cleared.",
        ending,
        "*Anonymised:* wherever a record is your partner's too (pairs, sessions, agreement "
        "signatures, action items, agenda topics, goals) or is the bot's history of messages "
        f"to you, your Slack user id is replaced by a random pseudonym (`{PSEUDONYM_PREFIX}…`) "
        "that can't be traced back to you. The text of shared items (action items, topics, "
        "goals, the agreement) stays, so your partner keeps their history.",
        "*Not touched:* messages already in Slack (your DMs with Mentorbot and your pairs' "
        "conversations) are Slack's to keep under your workspace's retention rules.",
        "*This can't be undone.* Run `/mentor export` first if you'd like a copy.",
    ]


def build_forget_modal(preview: ForgetPreview, *, asker: str) -> dict:
    """The confirmation: what is deleted, what is anonymised, what stays; nothing happens yet."""
    blocks: list[dict] = [
        {
            "type": "section",
            "text": mrkdwn(
                "Mentorbot will forget you in this workspace. Here is exactly what happens when "
                "you press *Delete my data*:"
            ),
        }
    ]
    blocks += [
        {"type": "section", "text": mrkdwn(f"• {step}")}
        for step in forget_steps(preview, asker=asker)
    ]
    if not preview.anything:
        blocks.append({"type": "context", "elements": [mrkdwn(messages.FORGET_NOTHING)]})
    return {
        "type": "modal",
        "callback_id": View.FORGET_ME,
        "title": plain("Delete my data", 24),
        "submit": plain("Delete my data", 24),
        "close": plain("Keep my data", 24),
        "blocks": blocks,
    }


def build_forget_done(outcome: ForgetOutcome) -> dict:
    """The DM that tells the person it's done."""
    if not outcome.anything:
        text = messages.FORGET_NOTHING
    else:
        text = messages.FORGET_DONE.format(
            answers=_plural(outcome.answers_deleted, "prompt answer", "prompt answers"),
            diaries=_plural(outcome.diary_entries_deleted, "diary entry", "diary entries"),
            pairs=_plural(len(outcome.ended_pairs), "pair", "pairs"),
            pseudonym=outcome.pseudonym,
        )
    return {"text": text, "blocks": [{"type": "section", "text": mrkdwn(text)}]}
