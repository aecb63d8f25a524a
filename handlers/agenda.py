"""Listeners for the agenda: /mentor agenda (and agenda add), Post, and the shared posting."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from blocks.agenda import build_agenda_message
from blocks.help import build_reply
from blocks.text import local_time
from bot import agenda, messages, once, pairing
from bot.agreement import agreement_clauses
from bot.deps import Deps
from bot.errors import UserError
from handlers.payloads import first_action_value, split_ids
from handlers.request import CommandRequest
from storage.models import Delivery, Pair


def _assemble(deps: Deps, pair: Pair, *, viewer: str | None, now: Any) -> agenda.Agenda:
    meeting = agenda.next_session(deps.db, team_id=pair.team_id, pair=pair, now=now)
    return agenda.build_agenda(
        deps.db,
        deps.curriculum,
        team_id=pair.team_id,
        pair=pair,
        meeting=meeting,
        viewer=viewer,
        agreement_clauses=agreement_clauses(deps.settings.program),
    )


def agenda_command(request: CommandRequest) -> None:
    deps = request.deps
    action, _, rest = request.text.partition(" ")
    adding = action.lower() == "add"
    pair = pairing.find_pair(
        deps.db,
        team_id=request.team_id,
        user_id=request.user_id,
        channel_id=request.channel_id,
        text="" if adding else request.text,
        subcommand="agenda",
    )
    if adding:
        meeting = agenda.add_topic(
            deps.db,
            team_id=request.team_id,
            pair=pair,
            author_id=request.user_id,
            text=rest,
            now=deps.clock(),
        )
        when = local_time(meeting.starts_at, "{date_long_pretty} at {time}")
        request.reply(build_reply(messages.TOPIC_ADDED.format(when=when)))
        return
    view = _assemble(deps, pair, viewer=request.user_id, now=deps.clock())
    request.reply(build_agenda_message(view, with_actions=True))


def post_clicked(
    ack: Any, body: dict, client: WebClient, respond: Any, context: Any, *, deps: Deps
) -> None:
    ack()
    ids = split_ids(first_action_value(body), 2)
    if ids is None:
        raise UserError(messages.BUTTON_NOT_VALID)
    pair = pairing.partners_pair(
        deps.db, team_id=context.team_id, pair_id=ids[0], user_id=context.user_id
    )
    assert pair.id is not None
    now = deps.clock()
    key = once.agenda_post_key(pair.id)
    with once.claimed(deps.db, team_id=context.team_id, key=key, now=now) as first:
        if first:  # a double click posts it once
            shared = _assemble(deps, pair, viewer=None, now=now)
            client.chat_postMessage(
                channel=pair.channel_id, **build_agenda_message(shared, with_actions=False)
            )
    note = messages.AGENDA_POSTED_NOTE if first else messages.AGENDA_ALREADY_POSTED
    if respond is not None:
        respond(**build_reply(note), response_type="ephemeral", replace_original=False)


def compose_agenda_share(deps: Deps, delivery: Delivery) -> dict | None:
    """The agenda the pair's conversation gets at the agreed share time."""
    shared = agenda.agenda_for_sharing(deps.db, delivery, now=deps.clock())
    if shared is None:
        return None
    view = agenda.build_agenda(
        deps.db,
        deps.curriculum,
        team_id=shared.pair.team_id,
        pair=shared.pair,
        meeting=shared.meeting,
        viewer=None,
        agreement_clauses=agreement_clauses(deps.settings.program),
    )
    return build_agenda_message(view, with_actions=False)
