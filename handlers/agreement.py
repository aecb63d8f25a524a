"""Listeners for the agreement message: Sign, Edit, and the edit modal's submission."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from blocks.agreement import (
    build_agreement_changed_notice,
    build_agreement_edit_modal,
    build_agreement_message,
)
from blocks.help import build_reply
from bot import agreement, messages
from bot.agreement import AgreementState
from bot.deps import Deps
from bot.errors import FieldErrors, UserError
from bot.locations import Location, Surface
from handlers.locations import clicked_location
from handlers.payloads import (
    first_action_value,
    int_or_none,
    private_metadata,
    split_ids,
    text_values,
)

log = logging.getLogger(__name__)


def sign_clicked(
    ack: Any, body: dict, client: WebClient, respond: Any, context: Any, *, deps: Deps
) -> None:
    ack()
    ids = split_ids(first_action_value(body), 2)
    if ids is None:
        raise UserError(messages.BUTTON_NOT_VALID)
    pair_id, version = ids
    outcome = agreement.sign_agreement(
        deps.db,
        team_id=context.team_id,
        pair_id=pair_id,
        version=version,
        user_id=context.user_id,
        program=deps.settings.program,
        now=deps.clock(),
    )
    clicked = clicked_location(
        deps,
        body,
        team_id=context.team_id,
        user_id=context.user_id,
        surface=Surface.AGREEMENT,
        subject_id=pair_id,
    )
    refresh_agreement_messages(client, outcome.state, clicked=clicked)
    if not outcome.newly_signed and respond is not None:
        respond(
            **build_reply(messages.ALREADY_SIGNED.format(version=outcome.state.version)),
            response_type="ephemeral",
            replace_original=False,
        )


def refresh_agreement_messages(
    client: WebClient, state: AgreementState, *, clicked: Location | None = None
) -> None:
    """Update the clicked message (one the bot recorded) and the pair's agreement message."""
    pair = state.pair
    payload = build_agreement_message(state)
    targets = {(clicked.channel, clicked.ts)} if clicked and clicked.channel else set()
    if pair.agreement_message_ts:
        targets.add((pair.channel_id, pair.agreement_message_ts))
    for channel, ts in targets:
        try:
            client.chat_update(channel=channel, ts=ts, **payload)
        except SlackApiError as error:
            # A deleted message is no reason to fail the signature; the state is stored.
            log.warning(
                "Couldn't update agreement message %s/%s: %s",
                channel,
                ts,
                error.response.get("error"),
            )


def edit_clicked(ack: Any, body: dict, client: WebClient, context: Any, *, deps: Deps) -> None:
    ack()
    pair_id = int_or_none(first_action_value(body))
    if pair_id is None:
        raise UserError(messages.BUTTON_NOT_VALID)
    state = agreement.agreement_for_editing(
        deps.db,
        team_id=context.team_id,
        pair_id=pair_id,
        user_id=context.user_id,
        program=deps.settings.program,
    )
    client.views_open(trigger_id=body.get("trigger_id"), view=build_agreement_edit_modal(state))


def edit_submitted(
    ack: Any, body: dict, view: dict, client: WebClient, context: Any, *, deps: Deps
) -> None:
    meta = private_metadata(view)
    pair_id, seen_version = int_or_none(meta.get("pair")), int_or_none(meta.get("version"))
    values = text_values(view)
    first_field = next(iter(values), "success_mentor")
    if pair_id is None or seen_version is None:
        ack(response_action="errors", errors={first_field: messages.BUTTON_NOT_VALID})
        return
    try:
        outcome = agreement.edit_agreement(
            deps.db,
            team_id=context.team_id,
            pair_id=pair_id,
            seen_version=seen_version,
            user_id=context.user_id,
            submitted=values,
            program=deps.settings.program,
            now=deps.clock(),
        )
    except FieldErrors as error:
        ack(response_action="errors", errors=error.errors)
        return
    except UserError as error:
        ack(response_action="errors", errors={first_field: error.message})
        return
    ack()
    if outcome.changed:
        announce_agreement_change(client, deps, outcome, editor_id=context.user_id)


def announce_agreement_change(
    client: WebClient, deps: Deps, outcome: agreement.EditOutcome, *, editor_id: str
) -> None:
    """Show the new version in place and tell both partners, in their conversation."""
    state = outcome.state
    refresh_agreement_messages(client, state)
    client.chat_postMessage(
        channel=state.pair.channel_id,
        **build_agreement_changed_notice(
            state, editor_id=editor_id, signatures_cleared=outcome.signatures_cleared
        ),
    )
