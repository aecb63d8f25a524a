"""Listeners for a pair's lifecycle: /mentor pause, resume and end, and End partnership."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from blocks.lifecycle import (
    build_end_confirmation,
    build_lifecycle_done,
    build_pair_ended,
    build_pair_paused,
    build_pair_resumed,
)
from bot import lifecycle, messages
from bot.deps import Deps
from bot.errors import UserError
from bot.lifecycle import LifecycleChange, Verb
from handlers.payloads import first_action_value, int_or_none
from handlers.request import CommandRequest

log = logging.getLogger(__name__)
ANNOUNCEMENTS: dict[str, Callable[[LifecycleChange], dict]] = {
    "pause": build_pair_paused,
    "resume": build_pair_resumed,
    "end": build_pair_ended,
}


def _find(request: CommandRequest, verb: Verb) -> int:
    pair = lifecycle.find_pair_to_change(
        request.deps.db,
        request.deps.settings,
        team_id=request.team_id,
        user_id=request.user_id,
        channel_id=request.channel_id,
        text=request.text,
        verb=verb,
    )
    assert pair.id is not None
    return pair.id


def _announce(client: WebClient, change: LifecycleChange, verb: Verb) -> None:
    """Tell both partners in their conversation; the change stands even if Slack refuses."""
    try:
        client.chat_postMessage(channel=change.pair.channel_id, **ANNOUNCEMENTS[verb](change))
    except SlackApiError as error:
        log.warning(
            "Couldn't announce %s of pair %s: %s", verb, change.pair.id, error.response.get("error")
        )


def _after_change(request: CommandRequest, change: LifecycleChange, verb: Verb) -> None:
    _announce(request.client, change, verb)
    if request.channel_id != change.pair.channel_id:
        request.reply(build_lifecycle_done(change, verb))


def pause_command(request: CommandRequest) -> None:
    deps = request.deps
    change = lifecycle.pause_pair(
        deps.db,
        deps.settings,
        team_id=request.team_id,
        pair_id=_find(request, "pause"),
        actor_id=request.user_id,
        now=deps.clock(),
    )
    _after_change(request, change, "pause")


def resume_command(request: CommandRequest) -> None:
    deps = request.deps
    change = lifecycle.resume_pair(
        deps.db,
        deps.settings,
        team_id=request.team_id,
        pair_id=_find(request, "resume"),
        actor_id=request.user_id,
        now=deps.clock(),
    )
    _after_change(request, change, "resume")


def end_command(request: CommandRequest) -> None:
    """Ending can't be undone: it only offers the End partnership button (with a dialog)."""
    pair = lifecycle.check_can_end(
        request.deps.db,
        request.deps.settings,
        team_id=request.team_id,
        pair_id=_find(request, "end"),
        actor_id=request.user_id,
    )
    request.reply(build_end_confirmation(pair))


def end_clicked(
    ack: Any, body: dict, client: WebClient, respond: Any, context: Any, *, deps: Deps
) -> None:
    ack()
    pair_id = int_or_none(first_action_value(body))
    if pair_id is None:
        raise UserError(messages.BUTTON_NOT_VALID)
    change = lifecycle.end_pair(
        deps.db,
        deps.settings,
        team_id=context.team_id,
        pair_id=pair_id,
        actor_id=context.user_id,
        now=deps.clock(),
    )
    _announce(client, change, "end")
    respond(**build_lifecycle_done(change, "end"), response_type="ephemeral", replace_original=True)
