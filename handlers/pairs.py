"""Listeners for pairing and the agreement command: /mentor pair, agreement and help."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from blocks.agreement import build_agreement_message
from blocks.help import build_help, build_reply
from blocks.pairs import build_pair_created, build_welcome
from bot import agreement, messages, pairing
from bot.commands import SUBCOMMANDS as HELP_ENTRIES
from bot.deps import Deps
from bot.errors import UserError
from handlers.request import CommandRequest
from handlers.slack_api import user_profile
from storage.models import Pair


def show_help(request: CommandRequest) -> None:
    request.reply(build_help(HELP_ENTRIES))


def pair_people(request: CommandRequest) -> None:
    deps = request.deps
    wanted = pairing.parse_pair_request(request.text)
    pairing.check_pair_request(
        deps.db, deps.settings, team_id=request.team_id, admin_id=request.user_id, request=wanted
    )
    for user_id in (wanted.mentor_id, wanted.mentee_id):
        pairing.check_person(user_id, user_profile(request.client, user_id))
    pair = establish_pair(
        request.client, deps, team_id=request.team_id, created_by=request.user_id, request=wanted
    )
    request.reply(build_pair_created(pair))


def establish_pair(
    client: WebClient, deps: Deps, *, team_id: str, created_by: str, request: pairing.PairRequest
) -> Pair:
    """Open the partners' conversation, store the pair, welcome them and post the agreement.

    Shared by `/mentor pair` and CSV import; the people were checked already.
    """
    try:
        opened = client.conversations_open(users=f"{request.mentor_id},{request.mentee_id}")
    except SlackApiError as error:
        raise UserError(
            messages.CONVERSATION_FAILED.format(
                mentor=request.mentor_id,
                mentee=request.mentee_id,
                error=error.response.get("error"),
            )
        ) from error
    state = pairing.create_pair(
        deps.db,
        deps.settings,
        team_id=team_id,
        request=request,
        channel_id=opened["channel"]["id"],
        created_by=created_by,
        now=deps.clock(),
    )
    pair = state.pair
    client.chat_postMessage(channel=pair.channel_id, **build_welcome(pair))
    post_agreement(client, deps, state)
    return pair


def post_agreement(client: WebClient, deps: Deps, state: agreement.AgreementState) -> None:
    """Post the agreement in the pair's conversation; later edits update this message."""
    pair = state.pair
    assert pair.id is not None
    posted = client.chat_postMessage(channel=pair.channel_id, **build_agreement_message(state))
    agreement.remember_agreement_message(
        deps.db, team_id=pair.team_id, pair_id=pair.id, message_ts=posted["ts"]
    )


def show_agreement(request: CommandRequest) -> None:
    deps = request.deps
    pair = pairing.find_pair(
        deps.db,
        team_id=request.team_id,
        user_id=request.user_id,
        channel_id=request.channel_id,
        text=request.text,
        subcommand="agreement",
    )
    assert pair.id is not None
    state = agreement.load_agreement(
        deps.db, team_id=request.team_id, pair_id=pair.id, program=deps.settings.program
    )
    post_agreement(request.client, deps, state)
    if request.channel_id != pair.channel_id:
        request.reply(
            build_reply(messages.AGREEMENT_POSTED.format(partner=pair.partner_of(request.user_id)))
        )
