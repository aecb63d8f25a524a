"""One `/mentor` invocation, taken apart for the subcommand listeners."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient

from bot.deps import Deps


@dataclass(frozen=True)
class CommandRequest:
    """One `/mentor` invocation, already taken apart."""

    deps: Deps
    client: WebClient
    respond: Any
    team_id: str
    user_id: str
    channel_id: str | None
    trigger_id: str | None
    name: str
    text: str

    def reply(self, payload: dict) -> None:
        self.respond(**payload, response_type="ephemeral", replace_original=False)
