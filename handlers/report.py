"""Listeners for program health: /mentor report, Export CSV and a nudge's Schedule button."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

from blocks.help import build_reply
from blocks.report import build_admin_digest, build_export_sent, build_nudge, build_report_message
from blocks.sessions import build_schedule_modal
from bot import messages, once, report, sessions, stalling
from bot.deps import Deps
from bot.errors import UserError
from handlers.payloads import first_action_value, int_or_none
from handlers.request import CommandRequest
from handlers.slack_api import names_of
from storage.models import Delivery

# The CSV names at most this many people (one users.info each, in the click's listener);
# beyond that, and wherever Slack won't say, the rows carry the user ids alone.
CSV_NAME_LOOKUPS = 100


def report_command(request: CommandRequest) -> None:
    deps = request.deps
    report.check_admin(deps.settings, request.user_id)
    if request.text:
        raise UserError(messages.REPORT_TAKES_NOTHING)
    built = report.program_report(
        deps.db,
        deps.settings,
        team_id=request.team_id,
        user_id=request.user_id,
        now=deps.clock(),
    )
    request.reply(build_report_message(built))


def export_clicked(
    ack: Any, body: dict, client: WebClient, respond: Any, context: Any, *, deps: Deps
) -> None:
    """The report again, as CSV, uploaded to the admin's DM with the bot."""
    ack()
    built = report.program_report(
        deps.db,
        deps.settings,
        team_id=context.team_id,
        user_id=context.user_id,
        now=deps.clock(),
    )
    filename = report.csv_filename(built)
    key = once.report_export_key(context.user_id)
    try:
        with once.claimed(deps.db, team_id=context.team_id, key=key, now=deps.clock()) as first:
            if not first:  # a double click sends one file
                respond(
                    **build_reply(messages.REPORT_ALREADY_SENT),
                    response_type="ephemeral",
                    replace_original=False,
                )
                return
            names = names_of(client, report.people_listed(built), limit=CSV_NAME_LOOKUPS)
            opened = client.conversations_open(users=context.user_id)
            client.files_upload_v2(
                channel=opened["channel"]["id"],
                content=report.report_csv(built, names),
                filename=filename,
                title="Mentorbot program health",
                initial_comment="Program health, as you asked: counts and names only.",
            )
    except SlackApiError as error:
        raise UserError(
            messages.REPORT_EXPORT_FAILED.format(error=error.response.get("error"))
        ) from error
    except SlackRequestError as error:
        raise UserError(messages.REPORT_EXPORT_FAILED.format(error="upload_failed")) from error
    respond(**build_export_sent(filename), response_type="ephemeral", replace_original=False)


def nudge_schedule_clicked(
    ack: Any, body: dict, client: WebClient, context: Any, *, deps: Deps
) -> None:
    """A nudge's Schedule: the usual schedule form (its submission is handlers/sessions.py's)."""
    ack()
    pair_id = int_or_none(first_action_value(body))
    if pair_id is None:
        raise UserError(messages.BUTTON_NOT_VALID)
    pair = sessions.check_can_schedule(
        deps.db, team_id=context.team_id, pair_id=pair_id, user_id=context.user_id
    )
    program = deps.settings.program
    defaults = sessions.schedule_defaults(
        deps.db, team_id=context.team_id, pair=pair, program=program
    )
    modal = build_schedule_modal(pair, defaults, program, sessions.recurrence_options(program))
    client.views_open(trigger_id=body.get("trigger_id"), view=modal)


def compose_nudge(deps: Deps, delivery: Delivery) -> dict | None:
    """A stalling pair's nudge, unless a session got planned (or the pair stopped) meanwhile."""
    nudge = stalling.nudge_for(deps.db, deps.settings, delivery, now=deps.clock())
    return None if nudge is None else build_nudge(nudge)


def compose_digest(deps: Deps, delivery: Delivery) -> dict | None:
    """An admin's daily digest of at-risk pairs; nothing when nothing is at risk."""
    digest = stalling.digest_for(deps.db, deps.settings, delivery, now=deps.clock())
    return None if digest is None else build_admin_digest(digest)
