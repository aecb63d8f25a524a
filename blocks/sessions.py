"""Block Kit for sessions: the schedule modal, a session's message with its buttons, the list."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from blocks.text import local_time, mention, mrkdwn, plain
from bot.ids import INPUT_ACTION, Action, View
from bot.sessions import LENGTH, RECURRENCE, WHEN, ScheduleDefaults, SessionView, Upcoming
from bot.settings import Cadence, ProgramSettings
from storage.models import Pair, SessionStatus


def _option(value: str, label: str) -> dict:
    return {"text": plain(label, 75), "value": value}


def _select(block_id: str, label: str, options: Sequence[tuple[str, str]], initial: str) -> dict:
    element: dict = {
        "type": "static_select",
        "action_id": INPUT_ACTION,
        "options": [_option(v, text) for v, text in options],
    }
    chosen = dict(options)
    if initial in chosen:
        element["initial_option"] = _option(initial, chosen[initial])
    return {"type": "input", "block_id": block_id, "label": plain(label, 2000), "element": element}


def _length_input(program: ProgramSettings, initial: int) -> dict:
    return _select(
        LENGTH,
        "Length",
        [(str(n), f"{n} minutes") for n in program.lengths],
        str(initial),
    )


def _when_input(initial: datetime | None) -> dict:
    element: dict = {"type": "datetimepicker", "action_id": INPUT_ACTION}
    if initial is not None:
        element["initial_date_time"] = int(initial.timestamp())
    return {
        "type": "input",
        "block_id": WHEN,
        "label": plain("Date and time", 2000),
        "hint": plain("Shown in your own time zone; your partner sees it in theirs.", 2000),
        "element": element,
    }


def build_schedule_modal(
    pair: Pair,
    defaults: ScheduleDefaults,
    program: ProgramSettings,
    options: Sequence[tuple[str, str]],
) -> dict:
    """Pick date and time, length and recurrence for a pair's next session."""
    return {
        "type": "modal",
        "callback_id": View.SCHEDULE,
        "title": plain("Schedule a session", 24),
        "submit": plain("Schedule", 24),
        "close": plain("Cancel", 24),
        "private_metadata": json.dumps({"pair": pair.id}),
        "blocks": [
            {
                "type": "context",
                "elements": [
                    mrkdwn(f"With {mention(pair.mentor_id)} and {mention(pair.mentee_id)}.")
                ],
            },
            _when_input(None),
            _length_input(program, defaults.length_minutes),
            _select(RECURRENCE, "Repeats", options, defaults.recurrence),
        ],
    }


def build_reschedule_modal(view: SessionView, program: ProgramSettings) -> dict:
    """Move one session to another time (and length)."""
    meeting = view.session
    return {
        "type": "modal",
        "callback_id": View.RESCHEDULE,
        "title": plain("Reschedule", 24),
        "submit": plain("Move session", 24),
        "close": plain("Cancel", 24),
        "private_metadata": json.dumps({"session": meeting.id}),
        "blocks": [
            {
                "type": "context",
                "elements": [
                    mrkdwn(
                        f"Now planned for {local_time(meeting.starts_at)}. Only this session "
                        "moves; the rest of the series stays as it is."
                    )
                ],
            },
            _when_input(meeting.starts_at),
            _length_input(program, meeting.length_minutes),
        ],
    }


def cadence_label(cadence: Cadence | None) -> str:
    return {
        None: "One-off session",
        Cadence.WEEKLY: "Repeats weekly",
        Cadence.BIWEEKLY: "Repeats every two weeks",
        Cadence.MONTHLY: "Repeats monthly",
    }[cadence]


STATUS_LINES = {
    SessionStatus.SKIPPED: ":fast_forward: Skipped by {who}.",
    SessionStatus.CANCELLED: ":no_entry_sign: Cancelled by {who}.",
    SessionStatus.HELD: ":white_check_mark: Held.",
    SessionStatus.MISSED: ":grey_question: Didn't happen.",
}


def build_session_message(view: SessionView) -> dict:
    """A session in the pair's conversation, with Reschedule, Skip and Cancel while it's planned."""
    meeting, pair = view.session, view.pair
    when = local_time(meeting.starts_at, "{date_long_pretty} at {time}")
    text = f":calendar: Session for {mention(pair.mentor_id)} and {mention(pair.mentee_id)}: {when}"
    details = f"{meeting.length_minutes} minutes · {cadence_label(view.cadence)}"
    blocks: list[dict] = [
        {"type": "section", "text": mrkdwn(f"{text}\n{details}")},
    ]
    if meeting.status == SessionStatus.SCHEDULED:
        value = str(meeting.id)
        # The .ics goes to whoever clicks (a partner), in their DM with the bot.
        blocks[0]["accessory"] = _button(Action.SESSION_CALENDAR, "Add to calendar", value)
        blocks.append(
            {
                "type": "actions",
                "block_id": "session_actions",
                "elements": [
                    _button(Action.SESSION_RESCHEDULE, "Reschedule", value),
                    _button(Action.SESSION_SKIP, "Skip", value),
                    {
                        **_button(Action.SESSION_CANCEL, "Cancel", value),
                        "style": "danger",
                        "confirm": {
                            "title": plain("Cancel the session?", 100),
                            "text": plain(
                                "This cancels this session and every later one in its series. "
                                "To miss just this one, use Skip.",
                                300,
                            ),
                            "confirm": plain("Cancel sessions", 30),
                            "deny": plain("Keep them", 30),
                            "style": "danger",
                        },
                    },
                ],
            }
        )
    else:
        who = mention(meeting.status_changed_by) if meeting.status_changed_by else "a partner"
        line = STATUS_LINES.get(meeting.status, "").format(who=who)
        blocks.append({"type": "context", "elements": [mrkdwn(line)]})
    return {"text": f"{text} ({details})", "blocks": blocks}


def _button(action_id: str, label: str, value: str) -> dict:
    return {"type": "button", "action_id": action_id, "text": plain(label, 75), "value": value}


def build_sessions_list(pair: Pair, upcoming: Sequence[Upcoming], *, asker: str) -> dict:
    """The pair's upcoming sessions, each in the reader's own time zone."""
    partner = mention(pair.partner_of(asker))
    if not upcoming:
        text = (
            f"No sessions with {partner} are planned. Schedule the next one with "
            "`/mentor schedule`."
        )
        return {"text": text, "blocks": [{"type": "section", "text": mrkdwn(text)}]}
    lines = [
        f"• {local_time(u.starts_at, '{date_long_pretty} at {time}')} · {u.length_minutes} min"
        f" · {cadence_label(u.cadence)}"
        for u in upcoming
    ]
    text = f"Upcoming sessions with {partner}:"
    return {
        "text": text + " " + "; ".join(lines),
        "blocks": [{"type": "section", "text": mrkdwn(text + "\n" + "\n".join(lines))}],
    }
