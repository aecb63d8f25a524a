"""The install flow for several workspaces (OAuth): signed states and Bolt's install settings."""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any

from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk.oauth.installation_store import InstallationStore
from slack_sdk.oauth.state_store import OAuthStateStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine

from bot.settings import Settings

# Multi-workspace install (OAuth): where Slack's install flow starts and returns, and the bot
# scopes it asks for (the same as manifest.yml; tests/test_multi_workspace.py checks).
INSTALL_PATH = "/slack/install"
OAUTH_REDIRECT_PATH = "/slack/oauth_redirect"
INSTALL_SCOPES = (
    "commands",
    "chat:write",
    "im:write",
    "im:history",
    "mpim:write",
    "mpim:history",
    "users:read",
    "files:write",
    "users:read.email",
    "files:read",
)
OAUTH_STATE_SECONDS = 600


class SignedStateStore(OAuthStateStore):
    """OAuth `state` values signed with SLACK_STATE_SECRET, each also kept in the database.

    The database row makes a state single-use and short-lived (and shared by every process);
    the signature means only this deployment's states are even looked up.
    """

    def __init__(self, store: OAuthStateStore, secret: str) -> None:
        self.store = store
        self._key = secret.encode("utf-8")

    @property
    def logger(self) -> logging.Logger:
        return self.store.logger

    def _sign(self, state: str) -> str:
        return hmac.new(self._key, state.encode("utf-8"), hashlib.sha256).hexdigest()

    def issue(self, *args: Any, **kwargs: Any) -> str:
        state = self.store.issue(*args, **kwargs)
        return f"{state}.{self._sign(state)}"

    def consume(self, state: str) -> bool:
        raw, _, signature = state.rpartition(".")
        if not raw or not hmac.compare_digest(signature, self._sign(raw)):
            return False
        return self.store.consume(raw)


def make_oauth_settings(
    settings: Settings, installation_store: InstallationStore, engine: Engine
) -> OAuthSettings:
    """Bolt's install flow at INSTALL_PATH, with installations and states in our database."""
    states = SQLAlchemyOAuthStateStore(expiration_seconds=OAUTH_STATE_SECONDS, engine=engine)
    return OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        scopes=list(INSTALL_SCOPES),
        install_path=INSTALL_PATH,
        redirect_uri_path=OAUTH_REDIRECT_PATH,
        installation_store=installation_store,
        installation_store_bot_only=True,
        state_store=SignedStateStore(states, str(settings.slack_state_secret)),
        state_expiration_seconds=OAUTH_STATE_SECONDS,
    )
