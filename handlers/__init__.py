"""The app's whole surface in one table: every /mentor subcommand, button, modal and event
Mentorbot answers, and the message each kind of delivery becomes when the dispatcher sends it.

runtime/listeners.py binds these to Bolt. A key listed twice is a DuplicateListener error at
import, never a silent overwrite.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from functools import partial
from typing import Any, TypeVar

from bot.deps import Deps
from bot.ids import COMMAND, Action, View
from handlers import (
    actions,
    agenda,
    agreement,
    calendar,
    commands,
    goals,
    home,
    importer,
    lifecycle,
    pairs,
    privacy,
    prompts,
    report,
    sessions,
)
from handlers.request import CommandRequest
from storage.models import Delivery, Kind

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class DuplicateListener(Exception):
    """Two entries of one table answer the same key."""


def listener_table(what: str, entries: Iterable[tuple[K, V]]) -> dict[K, V]:
    """`entries` as a dict; a key that appears twice raises DuplicateListener."""
    table: dict[K, V] = {}
    for key, value in entries:
        if key in table:
            raise DuplicateListener(f"{what} {key!r} is registered twice")
        table[key] = value
    return table


Composer = Callable[[Deps, Delivery], dict | None]

# /mentor <subcommand>: each takes the CommandRequest that handlers/commands.py builds.
SUBCOMMANDS: dict[str, Callable[[CommandRequest], None]] = listener_table(
    "subcommand",
    [
        ("help", pairs.show_help),
        ("pair", pairs.pair_people),
        ("agreement", pairs.show_agreement),
        ("schedule", sessions.schedule_command),
        ("sessions", sessions.sessions_command),
        ("diary", prompts.diary_command),
        ("agenda", agenda.agenda_command),
        ("action", actions.action_command),
        ("actions", actions.actions_command),
        ("goals", goals.goals_command),
        ("pause", lifecycle.pause_command),
        ("resume", lifecycle.resume_command),
        ("end", lifecycle.end_command),
        ("import", importer.import_command),
        ("export", privacy.export_command),
        ("forget-me", privacy.forget_command),
        ("report", report.report_command),
    ],
)

COMMANDS: dict[str, Callable[..., Any]] = listener_table(
    "command", [(COMMAND, partial(commands.mentor_command, subcommands=SUBCOMMANDS))]
)

# Buttons (and other interactive elements), by action_id.
ACTIONS: dict[str, Callable[..., Any]] = listener_table(
    "action",
    [
        (Action.AGREEMENT_SIGN, agreement.sign_clicked),
        (Action.AGREEMENT_EDIT, agreement.edit_clicked),
        (Action.SESSION_RESCHEDULE, sessions.reschedule_clicked),
        (Action.SESSION_SKIP, sessions.skip_clicked),
        (Action.SESSION_CANCEL, sessions.cancel_clicked),
        (Action.SESSION_CALENDAR, calendar.calendar_clicked),
        (Action.PROMPT_ANSWER, prompts.answer_clicked),
        (Action.SESSION_HAPPENED, prompts.happened_clicked),
        (Action.SESSION_DID_NOT_HAPPEN, prompts.did_not_happen_clicked),
        (Action.DIARY_WRITE, prompts.diary_clicked),
        (Action.DIARY_PAGE, prompts.diary_page_clicked),
        (Action.AGENDA_POST, agenda.post_clicked),
        (Action.ACTION_DONE, actions.done_clicked),
        (Action.ACTION_ADD, actions.add_clicked),
        (Action.GOAL_ADD, goals.add_clicked),
        (Action.GOAL_REACHED, goals.reached_clicked),
        (Action.HOME_AGREEMENT_OPEN, home.agreement_clicked),
        (Action.HOME_AGREEMENT_SIGN, home.sign_clicked),
        (Action.HOME_ACTION_DONE, home.done_clicked),
        (Action.PAIR_END, lifecycle.end_clicked),
        (Action.IMPORT_CONFIRM, importer.import_confirm_clicked),
        (Action.REPORT_EXPORT, report.export_clicked),
        (Action.NUDGE_SCHEDULE, report.nudge_schedule_clicked),
    ],
)

# Modal submissions, by callback_id.
VIEWS: dict[str, Callable[..., Any]] = listener_table(
    "view",
    [
        (View.AGREEMENT_EDIT, agreement.edit_submitted),
        (View.SCHEDULE, sessions.schedule_submitted),
        (View.RESCHEDULE, sessions.reschedule_submitted),
        (View.PROMPT_ANSWERS, prompts.answers_submitted),
        (View.DIARY, prompts.diary_submitted),
        (View.ACTION_ADD, actions.add_submitted),
        (View.GOAL_ADD, goals.add_submitted),
        (View.IMPORT, importer.import_submitted),
        (View.FORGET_ME, privacy.forget_submitted),
    ],
)

# Events API, by event type; each runs once per event id (Slack's retries run nothing).
EVENTS: dict[str, Callable[..., Any]] = listener_table(
    "event", [("app_home_opened", home.home_opened)]
)

# What each delivery kind becomes when the dispatcher sends it (None: no longer needed).
COMPOSERS: dict[Kind, Composer] = listener_table(
    "delivery kind",
    [
        (Kind.PREP, prompts.compose_prompt),
        (Kind.CHECKIN, prompts.compose_prompt),
        (Kind.AFTER_SESSION, prompts.compose_prompt),
        (Kind.DIARY_REMINDER, prompts.compose_prompt),
        (Kind.SESSION_ANNOUNCE, prompts.compose_prompt),
        (Kind.FIRST_MEETING, prompts.compose_prompt),
        (Kind.EXPECTATIONS, prompts.compose_prompt),
        (Kind.CLOSING, prompts.compose_prompt),
        (Kind.AGENDA_SHARE, agenda.compose_agenda_share),
        (Kind.ACTION_REMINDER, actions.compose_reminder),
        (Kind.NUDGE, report.compose_nudge),
        (Kind.ADMIN_DIGEST, report.compose_digest),
    ],
)


def compose(deps: Deps, delivery: Delivery) -> dict | None:
    """The message a delivery becomes, by its kind."""
    return COMPOSERS[delivery.kind](deps, delivery)
