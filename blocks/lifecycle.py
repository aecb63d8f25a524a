"""Block Kit for a pair's lifecycle: the End confirmation, announcements and replies."""

from __future__ import annotations

from blocks.text import button, mention, plain, section
from bot.ids import Action
from bot.lifecycle import LifecycleChange
from storage.models import Pair


def _pair_names(pair: Pair) -> str:
    return f"{mention(pair.mentor_id)} (mentor) and {mention(pair.mentee_id)} (mentee)"


def _who(change: LifecycleChange) -> str:
    actor = mention(change.actor_id)
    return f"{actor}, a program admin," if change.by_admin else actor


def _message(text: str) -> dict:
    return {"text": text, "blocks": [section(text)]}


def build_end_confirmation(pair: Pair) -> dict:
    """Asks whoever ran `/mentor end` to confirm, with a dialog on the button too."""
    assert pair.id is not None
    text = (
        f"End the mentoring partnership of {_pair_names(pair)}? Their upcoming sessions are "
        "cancelled, pending prompts and reminders stop, and each of them gets a short closing "
        "reflection. This can't be undone; to stop for a while, use `/mentor pause` instead."
    )
    end = button(Action.PAIR_END, "End partnership", str(pair.id))
    end["style"] = "danger"
    end["confirm"] = {
        "title": plain("End this partnership?", 100),
        "text": plain(
            "Upcoming sessions are cancelled and the pair can't be resumed afterwards.", 300
        ),
        "confirm": plain("End partnership", 30),
        "deny": plain("Keep it", 30),
        "style": "danger",
    }
    return {
        "text": text,
        "blocks": [
            section(text),
            {"type": "actions", "block_id": "pair_end", "elements": [end]},
        ],
    }


def build_pair_paused(change: LifecycleChange) -> dict:
    """Posted in the pair's conversation when it is paused."""
    return _message(
        f":double_vertical_bar: {_who(change)} paused this mentoring pair. I won't send "
        "preparation prompts, reminders or agendas until it is resumed; your sessions stay in "
        "the calendar. Either of you can pick it up again with `/mentor resume`."
    )


def build_pair_resumed(change: LifecycleChange) -> dict:
    """Posted in the pair's conversation when it is resumed."""
    return _message(
        f":arrow_forward: {_who(change)} resumed this mentoring pair. Prompts and reminders for "
        "your upcoming sessions are back on, and a recurring schedule carries on from the next "
        "slot. `/mentor sessions` shows what's planned."
    )


def build_pair_ended(change: LifecycleChange) -> dict:
    """Posted in the pair's conversation when it ends."""
    cancelled = change.sessions_cancelled
    sessions = (
        f" I've cancelled {cancelled} upcoming session{'s' if cancelled != 1 else ''}."
        if cancelled
        else ""
    )
    return _message(
        f":checkered_flag: {_who(change)} ended this mentoring partnership.{sessions} Thank "
        "you both for the time you gave it. I'll send each of you a short closing reflection; "
        "your diary stays yours (`/mentor diary`)."
    )


VERB_DONE = {"pause": "Paused", "resume": "Resumed", "end": "Ended"}


def build_lifecycle_done(change: LifecycleChange, verb: str) -> dict:
    """The reply to whoever made the change, when they made it outside the pair's conversation."""
    return _message(
        f":white_check_mark: {VERB_DONE[verb]} the pair of {_pair_names(change.pair)}. I've "
        "told them in their conversation."
    )
