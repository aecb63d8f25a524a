"""The `/mentor` command: routes each subcommand to the listener function that handles it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from slack_sdk import WebClient

from blocks.help import build_help
from bot.commands import SUBCOMMANDS, split_command
from bot.deps import Deps
from handlers.payloads import clean_text
from handlers.request import CommandRequest


def mentor_command(
    ack: Any,
    body: dict,
    respond: Any,
    client: WebClient,
    context: Any,
    *,
    deps: Deps,
    subcommands: Mapping[str, Callable[[CommandRequest], None]],
) -> None:
    ack()
    text = body.get("text")
    name, rest = split_command(clean_text(text) if isinstance(text, str) else "")
    request = CommandRequest(
        deps=deps,
        client=client,
        respond=respond,
        team_id=str(context.team_id or body.get("team_id") or ""),
        user_id=str(context.user_id or body.get("user_id") or ""),
        channel_id=body.get("channel_id"),
        trigger_id=body.get("trigger_id"),
        name=name,
        text=rest,
    )
    handler = subcommands.get(name)
    if handler is None:
        request.reply(build_help(SUBCOMMANDS, unknown=name))
        return
    handler(request)
