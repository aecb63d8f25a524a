"""Listeners for goals: /mentor goals, Add goal and its modal, Mark reached and the celebration."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from blocks.goals import (
    build_add_goal_modal,
    build_goal_celebration,
    build_goal_note,
    build_goals_list,
)
from bot import goals, messages
from bot.actions import local_today
from bot.deps import Deps
from bot.errors import FieldErrors, UserError
from bot.goals import LIST_ITEM_PREFIX, TITLE
from handlers.payloads import (
    clicked_block,
    first_action_value,
    int_or_none,
    private_metadata,
    view_values,
)
from handlers.request import CommandRequest
from handlers.slack_api import user_profile, zone_of

log = logging.getLogger(__name__)


def _post(client: WebClient, channel: str, payload: dict) -> None:
    try:
        client.chat_postMessage(channel=channel, **payload)
    except SlackApiError as error:
        # The goal is stored either way; a missing note is no reason to report a failure.
        log.warning("Couldn't post a goal message in %s: %s", channel, error.response.get("error"))


def goals_command(request: CommandRequest) -> None:
    deps = request.deps
    pair = goals.pair_for_goals(
        deps.db,
        team_id=request.team_id,
        user_id=request.user_id,
        channel_id=request.channel_id,
        text=request.text,
    )
    assert pair.id is not None
    listed = goals.goals_of(deps.db, team_id=request.team_id, pair_id=pair.id)
    request.reply(build_goals_list(pair, listed, asker=request.user_id))


def add_clicked(ack: Any, body: dict, client: WebClient, context: Any, *, deps: Deps) -> None:
    ack()
    pair_id = int_or_none(first_action_value(body))
    if pair_id is None:
        raise UserError(messages.BUTTON_NOT_VALID)
    pair = goals.pair_for_new_goal(
        deps.db, team_id=context.team_id, pair_id=pair_id, user_id=context.user_id
    )
    timezone = zone_of(user_profile(client, context.user_id))
    client.views_open(
        trigger_id=body.get("trigger_id"),
        view=build_add_goal_modal(pair, asker=context.user_id, timezone=timezone),
    )


def add_submitted(ack: Any, view: dict, client: WebClient, context: Any, *, deps: Deps) -> None:
    meta = private_metadata(view)
    pair_id = int_or_none(meta.get("pair"))
    tz = meta.get("tz") if isinstance(meta.get("tz"), str) else None
    now = deps.clock()
    try:
        if pair_id is None:
            raise UserError(messages.BUTTON_NOT_VALID)
        form = goals.read_goal_form(view_values(view), today=local_today(now, tz))
        goal, pair = goals.add_goal(
            deps.db,
            team_id=context.team_id,
            pair_id=pair_id,
            author_id=context.user_id,
            form=form,
            now=now,
        )
    except UserError as error:
        errors = error.errors if isinstance(error, FieldErrors) else {TITLE: error.message}
        ack(response_action="errors", errors=errors)
        return
    ack()
    _post(client, pair.channel_id, build_goal_note(goal, author_id=context.user_id))


def reached_clicked(
    ack: Any, body: dict, client: WebClient, respond: Any, context: Any, *, deps: Deps
) -> None:
    ack()
    goal_id = int_or_none(first_action_value(body))
    if goal_id is None:
        raise UserError(messages.BUTTON_NOT_VALID)
    outcome = goals.mark_reached(
        deps.db, team_id=context.team_id, goal_id=goal_id, user_id=context.user_id, now=deps.clock()
    )
    pair = outcome.pair
    if outcome.changed:
        _post(client, pair.channel_id, build_goal_celebration(outcome.goal, pair))
    if clicked_block(body).startswith(LIST_ITEM_PREFIX):
        assert pair.id is not None
        listed = goals.goals_of(deps.db, team_id=context.team_id, pair_id=pair.id)
        respond(
            **build_goals_list(pair, listed, asker=context.user_id),
            response_type="ephemeral",
            replace_original=True,
        )
