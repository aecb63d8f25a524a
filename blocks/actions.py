"""Block Kit for action items: the note, the list, the reminder and the "Add action item" modal."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time

from blocks.text import button, mention, mrkdwn, plain, quoted, section, truncate
from bot.actions import (
    DUE,
    LIST_ITEM_PREFIX,
    OWNER,
    REMINDER_BLOCK,
    TEXT,
    TEXT_LIMIT,
    ActionReminder,
    is_overdue,
)
from bot.ids import INPUT_ACTION, Action, View
from storage.models import ActionItem, Pair

# A message holds at most 50 blocks; the list shows this many items and counts the rest.
LIST_LIMIT = 40
ITEM_TEXT_LIMIT = 2000  # characters of an item (escaped) shown in one section


def due_date(day: date) -> str:
    """A calendar date every reader sees as that date (Slack says "today"/"tomorrow" itself).

    Noon UTC falls on the same calendar date in every zone from UTC-12 to UTC+11.
    """
    noon = datetime.combine(day, time(12, 0), tzinfo=UTC)
    return f"<!date^{int(noon.timestamp())}^{{date_short_pretty}}|{day.isoformat()}>"


def build_action_note(item: ActionItem, *, author_id: str) -> dict:
    """The short note in the pair's conversation when someone adds an item."""
    due = f" (due {due_date(item.due_on)})" if item.due_on else ""
    text = (
        f":pushpin: {mention(author_id)} added an action item for {mention(item.owner_id)}: "
        f"{quoted(item.text, ITEM_TEXT_LIMIT)}{due}"
    )
    return {"text": truncate(text, 3000), "blocks": [section(text)]}


def _item_line(item: ActionItem, today: date) -> str:
    line = f"{mention(item.owner_id)}: {quoted(item.text, ITEM_TEXT_LIMIT)}"
    if item.due_on is None:
        return line + "\n_No due date_"
    due = f"Due {due_date(item.due_on)}"
    if is_overdue(item, today):
        due = f":warning: *Overdue* · {due}"
    return f"{line}\n{due}"


def build_actions_list(pair: Pair, items: Sequence[ActionItem], *, asker: str, today: date) -> dict:
    """The pair's open items, each with Mark done; `today` (the reader's) decides "overdue"."""
    assert pair.id is not None
    partner = mention(pair.partner_of(asker))
    add = {
        "type": "actions",
        "block_id": "action_list_add",
        "elements": [button(Action.ACTION_ADD, "Add action item", str(pair.id))],
    }
    if not items:
        text = (
            f"No open action items with {partner}. Add one with "
            "`/mentor action @owner <what> by <date>`, or with the button below."
        )
        return {"text": text, "blocks": [section(text), add]}
    overdue = sum(1 for item in items if is_overdue(item, today))
    heading = f"*Open action items with {partner}* ({len(items)}"
    heading += f", {overdue} overdue)" if overdue else ")"
    blocks: list[dict] = [section(heading)]
    for item in items[:LIST_LIMIT]:
        blocks.append(
            {
                "type": "section",
                "block_id": f"{LIST_ITEM_PREFIX}{item.id}",
                "text": mrkdwn(_item_line(item, today)),
                "accessory": button(Action.ACTION_DONE, "Mark done", str(item.id)),
            }
        )
    hidden = len(items) - LIST_LIMIT
    if hidden > 0:
        blocks.append(
            {
                "type": "context",
                "elements": [
                    mrkdwn(
                        f"…and {hidden} more, due later. Mark some done and they'll show up here."
                    )
                ],
            }
        )
    blocks.append(add)
    fallback = f"Open action items with {partner}: {len(items)}"
    if overdue:
        fallback += f", {overdue} overdue"
    return {"text": fallback, "blocks": blocks}


def build_action_reminder(reminder: ActionReminder) -> dict:
    """The owner's DM the day before an item falls due, with Mark done."""
    item, pair = reminder.item, reminder.pair
    assert item.due_on is not None
    partner = mention(pair.partner_of(item.owner_id))
    text = f":alarm_clock: Due {due_date(item.due_on)}: {quoted(item.text, ITEM_TEXT_LIMIT)}"
    return {
        "text": truncate(text, 3000),
        "blocks": [
            section(text),
            {
                "type": "context",
                "elements": [mrkdwn(f"An action item from your mentoring pair with {partner}.")],
            },
            {
                "type": "actions",
                "block_id": REMINDER_BLOCK,
                "elements": [button(Action.ACTION_DONE, "Mark done", str(item.id), primary=True)],
            },
        ],
    }


def build_done_message(item: ActionItem) -> dict:
    """What a reminder (or a confirmation) says once its item is done."""
    who = f" by {mention(item.done_by)}" if item.done_by else ""
    text = f":white_check_mark: Done{who}: {quoted(item.text, ITEM_TEXT_LIMIT)}"
    return {"text": truncate(text, 3000), "blocks": [section(text)]}


def _radio_option(value: str, label: str) -> dict:
    return {"text": plain(label, 75), "value": value}


def action_inputs(pair: Pair, *, asker: str, partner_name: str, optional: bool) -> list[dict]:
    """Owner, text and due date of a new action item (optional ones inside the diary modal)."""
    partner = pair.partner_of(asker)
    me = _radio_option(asker, "Me")
    return [
        {
            "type": "input",
            "block_id": OWNER,
            "optional": optional,
            "label": plain("Who owns it?", 2000),
            "element": {
                "type": "radio_buttons",
                "action_id": INPUT_ACTION,
                "options": [me, _radio_option(partner, partner_name or "My partner")],
                "initial_option": me,
            },
        },
        {
            "type": "input",
            "block_id": TEXT,
            "optional": optional,
            "label": plain("What needs doing?", 2000),
            "element": {
                "type": "plain_text_input",
                "action_id": INPUT_ACTION,
                "multiline": True,
                "max_length": TEXT_LIMIT,
                "placeholder": plain("e.g. Draft the project proposal", 150),
            },
        },
        {
            "type": "input",
            "block_id": DUE,
            "optional": True,
            "label": plain("Due date", 2000),
            "hint": plain("The owner gets a reminder at 9:00 the day before.", 2000),
            "element": {"type": "datepicker", "action_id": INPUT_ACTION},
        },
    ]


def build_add_action_modal(
    pair: Pair, *, asker: str, partner_name: str, zones: Mapping[str, str | None]
) -> dict:
    """Who owns it ("Me" or the partner), what it is, and an optional due date.

    `zones` (each partner's time zone) travel in private_metadata, so the submission can be
    checked and its reminder planned before the ack, without calling Slack.
    """
    partner = pair.partner_of(asker)
    return {
        "type": "modal",
        "callback_id": View.ACTION_ADD,
        "title": plain("Add action item", 24),
        "submit": plain("Add", 24),
        "close": plain("Cancel", 24),
        "private_metadata": json.dumps({"pair": pair.id, "zones": dict(zones)}),
        "blocks": [
            {
                "type": "context",
                "elements": [mrkdwn(f"For your mentoring pair with {mention(partner)}.")],
            },
            *action_inputs(pair, asker=asker, partner_name=partner_name, optional=False),
        ],
    }
