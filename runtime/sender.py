"""The Slack side of delivery: posts prompts with their delivery id as message metadata."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.delivery import PERMANENT_ERRORS, SendFailure

log = logging.getLogger(__name__)
METADATA_EVENT = "mentorbot_delivery"
# What a delivery records when its workspace has no installation (uninstalled, or never was).
NOT_INSTALLED = "not_installed"
TRANSIENT_ERRORS = frozenset(
    {"internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited"}
)


def _failure(error: SlackApiError) -> SendFailure:
    response = error.response
    code = str(response.get("error") or f"http_{response.status_code}")
    if response.status_code == 429:
        retry_after = float(
            response.headers.get("Retry-After", response.headers.get("retry-after", 1))
        )
        return SendFailure(code, retry_after=retry_after)
    if response.status_code >= 500 or code in TRANSIENT_ERRORS:
        return SendFailure(code)
    if code not in PERMANENT_ERRORS:
        # Unknown errors are as likely to repeat as not: retrying forever helps nobody.
        log.error("Slack answered %s; recording the delivery as failed", code)
    return SendFailure(code, permanent=True)


class SlackSender:
    """Implements bot.delivery.Sender over slack_sdk, one Web API client per workspace.

    `client_for_team` gives the client carrying that workspace's bot token, or None when the
    app isn't installed there: retrying can't help, so that is a permanent failure.
    """

    def __init__(self, client_for_team: Callable[[str], WebClient | None]) -> None:
        self.client_for_team = client_for_team

    def _call(self, team_id: str, method: str, **kwargs: object) -> dict:
        client = self.client_for_team(team_id)
        if client is None:
            raise SendFailure(NOT_INSTALLED, permanent=True)
        try:
            return getattr(client, method)(**kwargs).data  # type: ignore[no-any-return]
        except SlackApiError as error:
            raise _failure(error) from None
        except (OSError, TimeoutError) as error:
            raise SendFailure(f"connection: {error}") from None

    def open_dm(self, team_id: str, user_id: str) -> str:
        return str(self._call(team_id, "conversations_open", users=user_id)["channel"]["id"])

    def post(self, team_id: str, channel_id: str, payload: dict, *, delivery_id: int) -> str:
        response = self._call(
            team_id,
            "chat_postMessage",
            channel=channel_id,
            metadata={"event_type": METADATA_EVENT, "event_payload": {"delivery_id": delivery_id}},
            **payload,
        )
        return str(response["ts"])

    def find_posted(
        self, team_id: str, channel_id: str, delivery_id: int, *, since: datetime
    ) -> str | None:
        cursor = None
        for _page in range(20):
            response = self._call(
                team_id,
                "conversations_history",
                channel=channel_id,
                oldest=f"{since.timestamp():.6f}",
                include_all_metadata=True,
                limit=200,
                cursor=cursor,
            )
            for message in response.get("messages", []):
                metadata = message.get("metadata") or {}
                payload = metadata.get("event_payload") or {}
                if (
                    metadata.get("event_type") == METADATA_EVENT
                    and payload.get("delivery_id") == delivery_id
                ):
                    return str(message["ts"])
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None
        return None
