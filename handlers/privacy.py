"""Listeners for data rights: /mentor export (a JSON file to the DM) and /mentor forget-me."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from blocks.help import build_reply
from blocks.privacy import build_forget_done, build_forget_modal
from bot import messages, privacy
from bot.deps import Deps
from bot.errors import UserError
from handlers.calendar import open_dm
from handlers.request import CommandRequest
from handlers.slack_api import user_profile

log = logging.getLogger(__name__)


def _only_about_the_asker(request: CommandRequest) -> None:
    # Both act on whoever runs them; a name in the text would suggest otherwise.
    if request.text.strip():
        raise UserError(messages.ONLY_YOUR_OWN_DATA.format(subcommand=request.name))


def export_command(request: CommandRequest) -> None:
    _only_about_the_asker(request)
    deps = request.deps
    data = privacy.export_person(
        deps.db,
        deps.curriculum,
        team_id=request.team_id,
        user_id=request.user_id,
        now=deps.clock(),
    )
    request.client.files_upload_v2(
        channel=open_dm(request.client, request.user_id),
        content=privacy.export_json(data),
        filename=privacy.EXPORT_FILENAME,
        title="Your Mentorbot data",
        initial_comment=messages.EXPORT_FILE_COMMENT,
    )
    request.reply(build_reply(messages.EXPORT_SENT))


def forget_command(request: CommandRequest) -> None:
    _only_about_the_asker(request)
    preview = privacy.forget_preview(
        request.deps.db, team_id=request.team_id, user_id=request.user_id
    )
    request.client.views_open(
        trigger_id=request.trigger_id, view=build_forget_modal(preview, asker=request.user_id)
    )


def _emails_of(client: WebClient, user_id: str) -> list[str]:
    """The person's email as Slack has it (an admin may have typed it in a CSV import)."""
    try:
        profile = user_profile(client, user_id) or {}
    except SlackApiError as error:
        log.warning("Couldn't read the email of someone to forget: %s", error.response.get("error"))
        return []
    inner = profile.get("profile")
    email = inner.get("email") if isinstance(inner, dict) else None
    return [email] if isinstance(email, str) and "@" in email else []


def forget_submitted(ack: Any, view: dict, client: WebClient, context: Any, *, deps: Deps) -> None:
    ack()
    # Always the person who pressed the button: nothing in the view can name someone else.
    outcome = privacy.forget_person(
        deps.db,
        team_id=context.team_id,
        user_id=context.user_id,
        now=deps.clock(),
        emails=_emails_of(client, context.user_id),
    )
    for pair in outcome.ended_pairs:
        try:
            client.chat_postMessage(
                channel=pair.channel_id, **build_reply(messages.FORGOTTEN_PAIR_ENDED)
            )
        except SlackApiError as error:
            log.warning("Couldn't tell pair %s it ended: %s", pair.id, error.response.get("error"))
    client.chat_postMessage(channel=context.user_id, **build_forget_done(outcome))
