"""Listeners for prompts: Answer and its modal, "did it happen?", the diary and /mentor diary."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from blocks.prompts import (
    build_after_session_prompt,
    build_answer_modal,
    build_delivery_message,
    build_diary_list,
    build_diary_modal,
    build_question_prompt,
    build_shared_diary,
)
from bot import actions, agreement, messages, prompts
from bot.deps import Deps
from bot.errors import FieldErrors, UserError
from bot.ids import DIARY_OPTIONS_BLOCK, OPEN_QUESTIONS_TO_AGENDA, SHARE_WITH_PARTNER
from bot.locations import Surface
from handlers.actions import post_action_note
from handlers.agreement import announce_agreement_change
from handlers.home import publish_home
from handlers.locations import clicked_location
from handlers.payloads import (
    clicked_on_home,
    first_action_value,
    int_or_none,
    private_metadata,
    view_values,
)
from handlers.request import CommandRequest
from handlers.slack_api import display_name, timezone_of, user_profile, zone_of
from storage.models import ActionItem, Delivery

log = logging.getLogger(__name__)


def _id_from_click(body: dict) -> int:
    value = int_or_none(first_action_value(body))
    if value is None:
        raise UserError(messages.BUTTON_NOT_VALID)
    return value


def _ack_errors(ack: Any, error: UserError, view: dict) -> None:
    if isinstance(error, FieldErrors):
        ack(response_action="errors", errors=error.errors)
        return
    first = next(iter(view_values(view)), None)
    if first is None:
        ack()
        return
    ack(response_action="errors", errors={first: error.message})


def answer_clicked(ack: Any, body: dict, client: WebClient, context: Any, *, deps: Deps) -> None:
    ack()
    content = prompts.prompt_for_answering(
        deps.db,
        deps.curriculum,
        team_id=context.team_id,
        delivery_id=_id_from_click(body),
        user_id=context.user_id,
        now=deps.clock(),
    )
    modal = build_answer_modal(content)
    if clicked_on_home(body):
        modal = _with_metadata(modal, home=True)
    client.views_open(trigger_id=body.get("trigger_id"), view=modal)


def answers_submitted(ack: Any, view: dict, client: WebClient, context: Any, *, deps: Deps) -> None:
    meta = private_metadata(view)
    delivery_id = int_or_none(meta.get("delivery"))
    try:
        if delivery_id is None:
            raise UserError(messages.BUTTON_NOT_VALID)
        saved = prompts.save_prompt_answers(
            deps.db,
            deps.curriculum,
            team_id=context.team_id,
            delivery_id=delivery_id,
            user_id=context.user_id,
            values=view_values(view),
            now=deps.clock(),
        )
    except UserError as error:
        _ack_errors(ack, error, view)
        return
    ack()
    content = saved.content
    delivery = content.delivery
    if delivery.channel_id and delivery.message_ts:
        _update(client, delivery.channel_id, delivery.message_ts, build_question_prompt(content))
    pair_id = content.pair.id or 0
    outcome = None
    if saved.success:
        outcome = agreement.record_success(
            deps.db,
            team_id=context.team_id,
            pair_id=pair_id,
            user_id=context.user_id,
            success=saved.success,
            program=deps.settings.program,
            now=deps.clock(),
        )
    if saved.reopen_agreement:
        outcome = agreement.reopen_agreement(
            deps.db,
            team_id=context.team_id,
            pair_id=pair_id,
            user_id=context.user_id,
            program=deps.settings.program,
            now=deps.clock(),
        )
    if outcome is not None and outcome.changed:
        announce_agreement_change(client, deps, outcome, editor_id=context.user_id)
    if meta.get("home") is True:
        # Answered from Home: take the prompt off the dashboard the person is looking at.
        publish_home(client, deps, team_id=context.team_id, user_id=context.user_id)


def _update(client: WebClient, channel: str, ts: str, payload: dict) -> None:
    try:
        client.chat_update(channel=channel, ts=ts, **payload)
    except SlackApiError as error:
        log.warning(
            "Couldn't update prompt message %s/%s: %s", channel, ts, error.response.get("error")
        )


def _attendance(
    happened: bool, ack: Any, body: dict, client: WebClient, context: Any, deps: Deps
) -> None:
    ack()
    content = prompts.record_attendance(
        deps.db,
        team_id=context.team_id,
        delivery_id=_id_from_click(body),
        user_id=context.user_id,
        happened=happened,
        program=deps.settings.program,
        now=deps.clock(),
    )
    clicked = clicked_location(
        deps,
        body,
        team_id=context.team_id,
        user_id=context.user_id,
        surface=Surface.PROMPT,
        subject_id=content.delivery.id,
    )
    if happened:
        assert content.session.id is not None
        form = prompts.diary_form(
            deps.db,
            deps.curriculum,
            team_id=context.team_id,
            session_id=content.session.id,
            user_id=context.user_id,
        )
        client.views_open(trigger_id=body.get("trigger_id"), view=_diary_modal(client, form))
    if clicked is not None and clicked.channel and clicked.ts:
        _update(client, clicked.channel, clicked.ts, build_after_session_prompt(content))


def _diary_modal(client: WebClient, form: prompts.DiaryForm) -> dict:
    """The diary modal with the partner's name and both zones, for its action-item part."""
    partner = form.pair.partner_of(form.author_id)
    profile = user_profile(client, partner)
    zones = {form.author_id: timezone_of(client, form.author_id), partner: zone_of(profile)}
    return build_diary_modal(form, partner_name=display_name(profile), zones=zones)


def _with_metadata(modal: dict, **extra: Any) -> dict:
    """The modal with `extra` added to its private_metadata (a JSON object)."""
    meta = json.loads(modal["private_metadata"])
    meta.update(extra)
    return {**modal, "private_metadata": json.dumps(meta)}


def happened_clicked(ack: Any, body: dict, client: WebClient, context: Any, *, deps: Deps) -> None:
    _attendance(True, ack, body, client, context, deps)


def did_not_happen_clicked(
    ack: Any, body: dict, client: WebClient, context: Any, *, deps: Deps
) -> None:
    _attendance(False, ack, body, client, context, deps)


def diary_clicked(ack: Any, body: dict, client: WebClient, context: Any, *, deps: Deps) -> None:
    ack()
    form = prompts.diary_form(
        deps.db,
        deps.curriculum,
        team_id=context.team_id,
        session_id=_id_from_click(body),
        user_id=context.user_id,
    )
    client.views_open(trigger_id=body.get("trigger_id"), view=_diary_modal(client, form))


def diary_submitted(ack: Any, view: dict, client: WebClient, context: Any, *, deps: Deps) -> None:
    meta = private_metadata(view)
    session_id = int_or_none(meta.get("session"))
    values = view_values(view)
    chosen = values.pop(DIARY_OPTIONS_BLOCK, None)
    chosen = chosen if isinstance(chosen, list) else []
    zones = meta.get("zones") if isinstance(meta.get("zones"), dict) else {}
    item = None
    try:
        if session_id is None:
            raise UserError(messages.BUTTON_NOT_VALID)
        # Check the diary first, then store the action item, then the diary: a problem with
        # either leaves nothing stored.
        prompts.read_answers(prompts.diary_question_sets(deps.curriculum), values)
        item = _action_from_diary(deps, context, session_id, values, zones)
        saved = prompts.save_diary_entry(
            deps.db,
            deps.curriculum,
            team_id=context.team_id,
            session_id=session_id,
            user_id=context.user_id,
            values=values,
            shared=SHARE_WITH_PARTNER in chosen,
            to_agenda=OPEN_QUESTIONS_TO_AGENDA in chosen,
            now=deps.clock(),
        )
    except UserError as error:
        _ack_errors(ack, error, view)
        return
    ack()
    form = saved.form
    if item is not None:
        post_action_note(client, form.pair, item, context.user_id)
    if saved.newly_shared:
        partner = form.pair.partner_of(context.user_id)
        try:
            client.chat_postMessage(channel=partner, **build_shared_diary(form))
        except SlackApiError as error:
            # The entry is saved and marked shared either way; only the copy didn't arrive.
            log.warning(
                "Couldn't send a shared diary to %s: %s", partner, error.response.get("error")
            )
    # The "did it happen?" message the bot sent them, as recorded (never one the modal names).
    content = prompts.attendance_after_diary(deps.db, form, now=deps.clock())
    if content is not None and content.delivery.channel_id and content.delivery.message_ts:
        delivery = content.delivery
        _update(
            client, delivery.channel_id, delivery.message_ts, build_after_session_prompt(content)
        )


def _action_from_diary(
    deps: Deps, context: Any, session_id: int, values: dict, zones: dict
) -> ActionItem | None:
    """The optional action item of a diary submission, stored when its text is filled in."""
    text = values.get(actions.TEXT)
    if not isinstance(text, str) or not text.strip():
        return None
    form = actions.read_action_form(values)
    pair = prompts.diary_form(
        deps.db,
        deps.curriculum,
        team_id=context.team_id,
        session_id=session_id,
        user_id=context.user_id,
    ).pair

    def zone(user_id: str | None) -> str | None:
        tz = zones.get(user_id) if user_id else None
        return tz if isinstance(tz, str) else None

    return actions.add_action(
        deps.db,
        team_id=context.team_id,
        pair_id=pair.id or 0,
        author_id=context.user_id,
        owner_id=form.owner_id or context.user_id,
        text=form.text,
        due_on=form.due_on,
        owner_tz=zone(form.owner_id or context.user_id),
        author_tz=zone(context.user_id),
        now=deps.clock(),
        session_id=session_id,
    )


def diary_command(request: CommandRequest) -> None:
    page = prompts.own_diary(
        request.deps.db,
        request.deps.curriculum,
        team_id=request.team_id,
        user_id=request.user_id,
        page=0,
    )
    request.reply(build_diary_list(page, asker=request.user_id))


def diary_page_clicked(ack: Any, body: dict, respond: Any, context: Any, *, deps: Deps) -> None:
    ack()
    page = prompts.own_diary(
        deps.db,
        deps.curriculum,
        team_id=context.team_id,
        user_id=context.user_id,
        page=_id_from_click(body),
    )
    respond(
        **build_diary_list(page, asker=context.user_id),
        response_type="ephemeral",
        replace_original=True,
    )


def compose_prompt(deps: Deps, delivery: Delivery) -> dict | None:
    """The message a session prompt becomes when it is sent (None: no longer needed)."""
    content = prompts.content_for(deps.db, delivery, deps.curriculum, now=deps.clock())
    return None if content is None else build_delivery_message(content)
