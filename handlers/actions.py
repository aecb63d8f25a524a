"""Listeners for action items: /mentor action and actions, Mark done, "Add action item"."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from blocks.actions import (
    build_action_note,
    build_action_reminder,
    build_actions_list,
    build_add_action_modal,
    build_done_message,
)
from blocks.help import build_reply
from bot import actions, messages
from bot.actions import LIST_ITEM_PREFIX, OWNER, REMINDER_BLOCK
from bot.deps import Deps
from bot.errors import FieldErrors, UserError
from bot.locations import Surface
from handlers.locations import clicked_location
from handlers.payloads import (
    clicked_block,
    first_action_value,
    int_or_none,
    private_metadata,
    view_values,
)
from handlers.request import CommandRequest
from handlers.slack_api import display_name, timezone_of, user_profile, zone_of
from storage.models import ActionItem, Delivery, Pair

log = logging.getLogger(__name__)


def post_action_note(client: WebClient, pair: Pair, item: ActionItem, author_id: str) -> bool:
    try:
        client.chat_postMessage(
            channel=pair.channel_id, **build_action_note(item, author_id=author_id)
        )
    except SlackApiError as error:
        # The item is stored either way; the person hears it was added.
        log.warning(
            "Couldn't post the action note in %s: %s", pair.channel_id, error.response.get("error")
        )
        return False
    return True


def action_command(request: CommandRequest) -> None:
    deps = request.deps
    wanted = actions.parse_action_command(request.text)
    pair = actions.pair_for_new_action(
        deps.db,
        team_id=request.team_id,
        user_id=request.user_id,
        channel_id=request.channel_id,
        owner_id=wanted.owner_id,
    )
    assert pair.id is not None
    now = deps.clock()
    asker_tz = timezone_of(request.client, request.user_id)
    due_on = None
    if wanted.due_phrase is not None:
        due_on = actions.parse_due(wanted.due_phrase, today=actions.local_today(now, asker_tz))
    owner_tz = (
        asker_tz
        if wanted.owner_id == request.user_id
        else timezone_of(request.client, wanted.owner_id)
    )
    item = actions.add_action(
        deps.db,
        team_id=request.team_id,
        pair_id=pair.id,
        author_id=request.user_id,
        owner_id=wanted.owner_id,
        text=wanted.text,
        due_on=due_on,
        owner_tz=owner_tz,
        author_tz=asker_tz,
        now=now,
    )
    posted = post_action_note(request.client, pair, item, request.user_id)
    if not posted:
        request.reply(build_reply(messages.ACTION_ADDED))
    elif request.channel_id != pair.channel_id:
        partner = pair.partner_of(request.user_id)
        request.reply(build_reply(messages.ACTION_ADDED_ELSEWHERE.format(partner=partner)))


def actions_command(request: CommandRequest) -> None:
    deps = request.deps
    pair = actions.pair_for_actions(
        deps.db,
        team_id=request.team_id,
        user_id=request.user_id,
        channel_id=request.channel_id,
        text=request.text,
    )
    assert pair.id is not None
    items = actions.open_actions(deps.db, team_id=request.team_id, pair_id=pair.id)
    today = actions.local_today(deps.clock(), timezone_of(request.client, request.user_id))
    request.reply(build_actions_list(pair, items, asker=request.user_id, today=today))


def done_clicked(
    ack: Any, body: dict, client: WebClient, respond: Any, context: Any, *, deps: Deps
) -> None:
    ack()
    item_id = int_or_none(first_action_value(body))
    if item_id is None:
        raise UserError(messages.BUTTON_NOT_VALID)
    outcome = actions.mark_done(
        deps.db, team_id=context.team_id, item_id=item_id, user_id=context.user_id, now=deps.clock()
    )
    block = clicked_block(body)
    if block.startswith(LIST_ITEM_PREFIX):
        pair = outcome.pair
        assert pair.id is not None
        items = actions.open_actions(deps.db, team_id=context.team_id, pair_id=pair.id)
        today = actions.local_today(deps.clock(), timezone_of(client, context.user_id))
        respond(
            **build_actions_list(pair, items, asker=context.user_id, today=today),
            response_type="ephemeral",
            replace_original=True,
        )
        return
    if block == REMINDER_BLOCK:
        clicked = clicked_location(
            deps,
            body,
            team_id=context.team_id,
            user_id=context.user_id,
            surface=Surface.ACTION_REMINDER,
            subject_id=item_id,
        )
        if clicked is not None and clicked.channel and clicked.ts:
            client.chat_update(
                channel=clicked.channel, ts=clicked.ts, **build_done_message(outcome.item)
            )
            return
    # A Mark done elsewhere (e.g. in an agenda): that message stays; the clicker hears it.
    respond(**build_done_message(outcome.item), response_type="ephemeral", replace_original=False)


def add_clicked(ack: Any, body: dict, client: WebClient, context: Any, *, deps: Deps) -> None:
    ack()
    pair_id = int_or_none(first_action_value(body))
    if pair_id is None:
        raise UserError(messages.BUTTON_NOT_VALID)
    pair = actions.pair_for_adding(
        deps.db, team_id=context.team_id, pair_id=pair_id, user_id=context.user_id
    )
    partner = pair.partner_of(context.user_id)
    partner_profile = user_profile(client, partner)
    zones = {
        context.user_id: timezone_of(client, context.user_id),
        partner: zone_of(partner_profile),
    }
    modal = build_add_action_modal(
        pair, asker=context.user_id, partner_name=display_name(partner_profile), zones=zones
    )
    client.views_open(trigger_id=body.get("trigger_id"), view=modal)


def add_submitted(ack: Any, view: dict, client: WebClient, context: Any, *, deps: Deps) -> None:
    meta = private_metadata(view)
    pair_id = int_or_none(meta.get("pair"))
    zones = meta.get("zones") if isinstance(meta.get("zones"), dict) else {}

    def zone(user_id: str | None) -> str | None:
        tz = zones.get(user_id) if user_id else None
        return tz if isinstance(tz, str) else None

    try:
        if pair_id is None:
            raise UserError(messages.BUTTON_NOT_VALID)
        form = actions.read_action_form(view_values(view))
        item = actions.add_action(
            deps.db,
            team_id=context.team_id,
            pair_id=pair_id,
            author_id=context.user_id,
            owner_id=form.owner_id or "",
            text=form.text,
            due_on=form.due_on,
            owner_tz=zone(form.owner_id),
            author_tz=zone(context.user_id),
            now=deps.clock(),
        )
    except UserError as error:
        errors = error.errors if isinstance(error, FieldErrors) else {OWNER: error.message}
        ack(response_action="errors", errors=errors)
        return
    ack()
    pair = actions.pair_of_item(deps.db, item)
    if pair is not None:
        post_action_note(client, pair, item, context.user_id)


def compose_reminder(deps: Deps, delivery: Delivery) -> dict | None:
    """The owner's reminder the day before an item falls due (None: done, or pair inactive)."""
    reminder = actions.reminder_for(deps.db, delivery)
    return None if reminder is None else build_action_reminder(reminder)
