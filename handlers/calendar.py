"""Listener for a session's "Add to calendar": the .ics goes to the clicking partner's DM."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from blocks.help import build_reply
from blocks.sessions import cadence_label
from bot import calendar, messages, once
from bot.deps import Deps
from bot.errors import UserError
from handlers.payloads import first_action_value, int_or_none
from handlers.slack_api import display_name, user_profile


def open_dm(client: WebClient, user_id: str | None) -> str:
    """The bot's DM channel with a person (files go to a channel id, not a user id)."""
    if not user_id:
        raise UserError(messages.BUTTON_NOT_VALID)
    try:
        return str(client.conversations_open(users=user_id)["channel"]["id"])
    except SlackApiError as error:
        raise UserError(messages.DM_FAILED.format(error=error.response.get("error"))) from None


def calendar_clicked(
    ack: Any, body: dict, client: WebClient, respond: Any, context: Any, *, deps: Deps
) -> None:
    ack()
    session_id = int_or_none(first_action_value(body))
    if session_id is None:
        raise UserError(messages.BUTTON_NOT_VALID)
    series = calendar.series_for_calendar(
        deps.db, team_id=context.team_id, session_id=session_id, user_id=context.user_id
    )
    pair = series.pair
    invite = calendar.build_invite(
        series,
        mentor_name=display_name(user_profile(client, pair.mentor_id)),
        mentee_name=display_name(user_profile(client, pair.mentee_id)),
        now=deps.clock(),
    )
    what = "this session" if series.cadence is None else "the series"
    key = once.calendar_key(session_id, context.user_id)
    with once.claimed(deps.db, team_id=context.team_id, key=key, now=deps.clock()) as first:
        if first:  # a double click sends one file
            client.files_upload_v2(
                channel=open_dm(client, context.user_id),
                content=invite.content,
                filename=invite.filename,
                title=invite.title,
                initial_comment=messages.CALENDAR_FILE_COMMENT.format(
                    what=cadence_label(series.cadence), partner=pair.partner_of(context.user_id)
                ),
            )
    sent = messages.CALENDAR_SENT if first else messages.CALENDAR_ALREADY_SENT
    if respond is not None and body.get("response_url"):
        respond(
            **build_reply(sent.format(what=what)),
            response_type="ephemeral",
            replace_original=False,
        )
