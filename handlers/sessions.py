"""Listeners for sessions: /mentor schedule and sessions, the modals, Reschedule/Skip/Cancel."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from blocks.help import build_reply
from blocks.sessions import (
    build_reschedule_modal,
    build_schedule_modal,
    build_session_message,
    build_sessions_list,
)
from bot import messages, pairing, sessions
from bot.deps import Deps
from bot.errors import FieldErrors, UserError
from bot.locations import Surface
from bot.sessions import ONCE, RECURRENCE, WHEN, SessionView
from handlers.locations import clicked_location
from handlers.payloads import (
    first_action_value,
    int_or_none,
    private_metadata,
    view_values,
)
from handlers.request import CommandRequest
from handlers.slack_api import user_profile

log = logging.getLogger(__name__)


def _pair_for(request: CommandRequest, subcommand: str):  # type: ignore[no-untyped-def]
    return pairing.find_pair(
        request.deps.db,
        team_id=request.team_id,
        user_id=request.user_id,
        channel_id=request.channel_id,
        text=request.text,
        subcommand=subcommand,
    )


def schedule_command(request: CommandRequest) -> None:
    deps = request.deps
    pair = _pair_for(request, "schedule")
    assert pair.id is not None
    sessions.check_can_schedule(
        deps.db, team_id=request.team_id, pair_id=pair.id, user_id=request.user_id
    )
    defaults = sessions.schedule_defaults(
        deps.db, team_id=request.team_id, pair=pair, program=deps.settings.program
    )
    modal = build_schedule_modal(
        pair, defaults, deps.settings.program, sessions.recurrence_options(deps.settings.program)
    )
    request.client.views_open(trigger_id=request.trigger_id, view=modal)


def sessions_command(request: CommandRequest) -> None:
    deps = request.deps
    pair = _pair_for(request, "sessions")
    upcoming = sessions.upcoming_sessions(
        deps.db, team_id=request.team_id, pair=pair, now=deps.clock()
    )
    request.reply(build_sessions_list(pair, upcoming, asker=request.user_id))


def _ack_errors(ack: Any, error: UserError, field: str) -> None:
    errors = error.errors if isinstance(error, FieldErrors) else {field: error.message}
    ack(response_action="errors", errors=errors)


def schedule_submitted(
    ack: Any, view: dict, client: WebClient, context: Any, *, deps: Deps
) -> None:
    pair_id = int_or_none(private_metadata(view).get("pair"))
    now = deps.clock()
    try:
        if pair_id is None:
            raise UserError(messages.BUTTON_NOT_VALID)
        request = sessions.read_schedule(deps.settings.program, view_values(view), now=now)
        outcome = sessions.schedule_session(
            deps.db,
            team_id=context.team_id,
            pair_id=pair_id,
            user_id=context.user_id,
            request=request,
            program=deps.settings.program,
            now=now,
        )
    except UserError as error:
        _ack_errors(ack, error, WHEN)
        return
    ack()
    # After the ack: the scheduler's zone decides how the recurrence falls in local time.
    profile = user_profile(client, context.user_id) or {}
    sessions.set_series_timezone(
        deps.db,
        team_id=context.team_id,
        series_id=outcome.session.series_id,
        timezone=profile.get("tz"),
    )
    post_session_message(client, deps, outcome)


def post_session_message(client: WebClient, deps: Deps, view: SessionView) -> None:
    meeting = view.session
    assert meeting.id is not None
    posted = client.chat_postMessage(channel=view.pair.channel_id, **build_session_message(view))
    sessions.remember_session_message(
        deps.db, team_id=meeting.team_id, session_id=meeting.id, ts=posted["ts"]
    )


def refresh_session_message(client: WebClient, view: SessionView) -> None:
    meeting = view.session
    if not meeting.message_ts:
        return
    try:
        client.chat_update(
            channel=view.pair.channel_id, ts=meeting.message_ts, **build_session_message(view)
        )
    except SlackApiError as error:
        log.warning(
            "Couldn't update session message %s: %s", meeting.id, error.response.get("error")
        )


def reschedule_clicked(
    ack: Any, body: dict, client: WebClient, context: Any, *, deps: Deps
) -> None:
    ack()
    session_id = int_or_none(first_action_value(body))
    if session_id is None:
        raise UserError(messages.BUTTON_NOT_VALID)
    view = sessions.session_for_change(
        deps.db,
        team_id=context.team_id,
        session_id=session_id,
        user_id=context.user_id,
        allow_missed=True,
    )
    client.views_open(
        trigger_id=body.get("trigger_id"), view=build_reschedule_modal(view, deps.settings.program)
    )


def reschedule_submitted(
    ack: Any, view: dict, client: WebClient, context: Any, *, deps: Deps
) -> None:
    session_id = int_or_none(private_metadata(view).get("session"))
    now = deps.clock()
    try:
        if session_id is None:
            raise UserError(messages.BUTTON_NOT_VALID)
        values = {**view_values(view), RECURRENCE: ONCE}
        request = sessions.read_schedule(deps.settings.program, values, now=now)
        outcome = sessions.reschedule_session(
            deps.db,
            team_id=context.team_id,
            session_id=session_id,
            user_id=context.user_id,
            request=request,
            program=deps.settings.program,
            now=now,
        )
    except UserError as error:
        _ack_errors(ack, error, WHEN)
        return
    ack()
    refresh_session_message(client, outcome)
    if not outcome.session.message_ts:
        post_session_message(client, deps, outcome)
    client.chat_postMessage(
        channel=outcome.pair.channel_id,
        **build_reply(messages.SESSION_MOVED.format(user=context.user_id, when=_when(outcome))),
    )


def _when(view: SessionView) -> str:
    from blocks.text import local_time

    return local_time(view.session.starts_at, "{date_long_pretty} at {time}")


def skip_clicked(ack: Any, body: dict, client: WebClient, context: Any, *, deps: Deps) -> None:
    ack()
    session_id = int_or_none(first_action_value(body))
    if session_id is None:
        raise UserError(messages.BUTTON_NOT_VALID)
    view, _following = sessions.skip_session(
        deps.db,
        team_id=context.team_id,
        session_id=session_id,
        user_id=context.user_id,
        program=deps.settings.program,
        now=deps.clock(),
    )
    _update_clicked(client, deps, body, context, view)


def cancel_clicked(ack: Any, body: dict, client: WebClient, context: Any, *, deps: Deps) -> None:
    ack()
    session_id = int_or_none(first_action_value(body))
    if session_id is None:
        raise UserError(messages.BUTTON_NOT_VALID)
    view = sessions.cancel_session(
        deps.db,
        team_id=context.team_id,
        session_id=session_id,
        user_id=context.user_id,
        now=deps.clock(),
    )
    _update_clicked(client, deps, body, context, view)


def _update_clicked(
    client: WebClient, deps: Deps, body: dict, context: Any, view: SessionView
) -> None:
    """Show the change on the clicked message (one the bot recorded) and the session's own."""
    clicked = clicked_location(
        deps,
        body,
        team_id=context.team_id,
        user_id=context.user_id,
        surface=Surface.SESSION,
        subject_id=view.session.id,
    )
    ts = clicked.ts if clicked is not None else None
    if clicked is not None and clicked.channel and ts:
        client.chat_update(channel=clicked.channel, ts=ts, **build_session_message(view))
    if view.session.message_ts and view.session.message_ts != ts:
        refresh_session_message(client, view)
