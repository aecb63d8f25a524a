"""Block Kit for goals: the list with Mark reached, the "Add goal" modal, note and celebration."""

from __future__ import annotations

import json
from collections.abc import Sequence

from blocks.actions import due_date
from blocks.text import (
    button,
    escape,
    local_time,
    mention,
    mrkdwn,
    plain,
    quoted,
    section,
    truncate,
)
from bot.goals import (
    INDICATOR,
    INDICATOR_LIMIT,
    LIST_ITEM_PREFIX,
    OPEN_GOALS_LIMIT,
    TARGET,
    TITLE,
    TITLE_LIMIT,
)
from bot.ids import INPUT_ACTION, Action, View
from storage.models import Goal, Pair

# Reached goals are listed in one section: the latest this many, the rest counted.
REACHED_SHOWN = 10
# Never more than a few open goals, but a message must stay within 50 blocks whatever happens.
OPEN_SHOWN = 40


def _open_goal(goal: Goal) -> str:
    lines = [f"*{truncate(escape(goal.title), 1000)}*"]
    if goal.indicator:
        lines.append(f"How you'll know: {truncate(escape(goal.indicator), 1500)}")
    if goal.target_on:
        lines.append(f"Target: {due_date(goal.target_on)}")
    return "\n".join(lines)


def _reached_goal(goal: Goal) -> str:
    assert goal.reached_at is not None
    who = f" by {mention(goal.reached_by)}" if goal.reached_by else ""
    when = local_time(goal.reached_at, "{date_short_pretty}")
    return f":white_check_mark: {quoted(goal.title, 400)}, reached{who} · {when}"


def build_goals_list(pair: Pair, goals: Sequence[Goal], *, asker: str) -> dict:
    """The pair's goals: open ones with Mark reached, reached ones with who and when, Add goal."""
    assert pair.id is not None
    partner = mention(pair.partner_of(asker))
    open_goals = [g for g in goals if g.reached_at is None]
    reached = [g for g in goals if g.reached_at is not None]
    add = {
        "type": "actions",
        "block_id": "goal_list_add",
        "elements": [button(Action.GOAL_ADD, "Add goal", str(pair.id), primary=not goals)],
    }
    if not goals:
        text = (
            f"You and {partner} have no goals yet. Write down a few, each with how you'll know "
            "you got there, and I'll celebrate them with you when you do."
        )
        return {"text": text, "blocks": [section(text), add]}
    heading = f"*Goals with {partner}*: {len(open_goals)} open, {len(reached)} reached"
    blocks: list[dict] = [section(heading)]
    for goal in open_goals[:OPEN_SHOWN]:
        blocks.append(
            {
                "type": "section",
                "block_id": f"{LIST_ITEM_PREFIX}{goal.id}",
                "text": mrkdwn(_open_goal(goal)),
                "accessory": button(Action.GOAL_REACHED, "Mark reached", str(goal.id)),
            }
        )
    if reached:
        lines = [_reached_goal(g) for g in reached[:REACHED_SHOWN]]
        earlier = len(reached) - REACHED_SHOWN
        if earlier > 0:
            lines.append(f"…and {earlier} reached earlier.")
        blocks.append(section(truncate("\n".join(lines), 3000)))
    if len(open_goals) >= OPEN_GOALS_LIMIT:
        blocks.append(
            {
                "type": "context",
                "elements": [
                    mrkdwn(
                        f"{len(open_goals)} open goals is plenty. Mark one reached before "
                        "adding another."
                    )
                ],
            }
        )
    blocks.append(add)
    return {"text": heading.replace("*", ""), "blocks": blocks}


def build_add_goal_modal(pair: Pair, *, asker: str, timezone: str | None) -> dict:
    """A goal's title, how the pair will know it's reached, and an optional target date.

    The asker's time zone travels in private_metadata to tell a past target date before the ack.
    """
    return {
        "type": "modal",
        "callback_id": View.GOAL_ADD,
        "title": plain("Add goal", 24),
        "submit": plain("Add goal", 24),
        "close": plain("Cancel", 24),
        "private_metadata": json.dumps({"pair": pair.id, "tz": timezone}),
        "blocks": [
            {
                "type": "context",
                "elements": [
                    mrkdwn(
                        f"A goal for your mentoring pair with {mention(pair.partner_of(asker))}. "
                        f"Keep a few (at most {OPEN_GOALS_LIMIT} open at a time)."
                    )
                ],
            },
            {
                "type": "input",
                "block_id": TITLE,
                "label": plain("Goal", 2000),
                "element": {
                    "type": "plain_text_input",
                    "action_id": INPUT_ACTION,
                    "max_length": TITLE_LIMIT,
                    "placeholder": plain("e.g. Run team meetings with confidence", 150),
                },
            },
            {
                "type": "input",
                "block_id": INDICATOR,
                "label": plain("How will you know?", 2000),
                "element": {
                    "type": "plain_text_input",
                    "action_id": INPUT_ACTION,
                    "multiline": True,
                    "max_length": INDICATOR_LIMIT,
                    "placeholder": plain(
                        "e.g. I lead the weekly meeting three times in a row", 150
                    ),
                },
            },
            {
                "type": "input",
                "block_id": TARGET,
                "optional": True,
                "label": plain("Target date", 2000),
                "element": {"type": "datepicker", "action_id": INPUT_ACTION},
            },
        ],
    }


def build_goal_note(goal: Goal, *, author_id: str) -> dict:
    """The short note in the pair's conversation when someone adds a goal."""
    target = f" (target {due_date(goal.target_on)})" if goal.target_on else ""
    text = f":dart: {mention(author_id)} added a goal: {quoted(goal.title)}{target}"
    if goal.indicator:
        text += f"\nHow you'll know: {truncate(escape(goal.indicator), 1500)}"
    return {"text": truncate(text, 3000), "blocks": [section(text)]}


def build_goal_celebration(goal: Goal, pair: Pair) -> dict:
    """The celebration in the pair's conversation when a goal is reached."""
    text = (
        f":tada: {mention(pair.mentor_id)} and {mention(pair.mentee_id)} reached their goal "
        f"{quoted(goal.title)}!"
    )
    blocks = [section(text)]
    if goal.reached_by:
        blocks.append(
            {
                "type": "context",
                "elements": [mrkdwn(f"Marked reached by {mention(goal.reached_by)}.")],
            }
        )
    return {"text": truncate(text, 3000), "blocks": blocks}
