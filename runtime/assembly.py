"""Builds a complete Mentorbot: settings, storage and the Bolt app with every listener."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from slack_bolt import App
from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.oauth.installation_store import InstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy import Engine

from bot import sessions, stalling
from bot.curriculum import load_curriculum
from bot.delivery import Dispatcher, PassReport, slack_pacing
from bot.deps import Clock, Deps, system_clock
from bot.settings import Settings
from handlers import compose
from runtime.listeners import ListenerPool, register
from runtime.oauth import make_oauth_settings
from runtime.request_guard import SignatureCheck
from runtime.sender import SlackSender
from storage.db import Database, make_engine
from storage.migrations import ensure_schema
from storage.models import Delivery, Kind

log = logging.getLogger(__name__)

# Web API calls run after the ack, in listener threads; don't let one slow call hold a
# thread for the client's default 30 s. Slow is not dead: Slack answering in 5 s still works.
WEB_API_TIMEOUT_SECONDS = 10
# A listener's client retries a 429 only when Slack asks for a short wait; a longer one is
# the listener's error to report, not a thread to park (the dispatcher has its own client).
LISTENER_MAX_RETRY_AFTER_SECONDS = 3


@dataclass(frozen=True)
class Mentorbot:
    """The Bolt app, what its listeners share, and the delivery engine."""

    app: App
    deps: Deps
    client: WebClient
    dispatcher: Dispatcher
    # Multi-workspace install only: each workspace's installation and bot token.
    installation_store: InstallationStore | None = None

    def deliver_due(self) -> PassReport:
        """One delivery pass: plan the next session of each due series, then send what's due."""
        now = self.deps.clock()
        sessions.plan_ahead(self.deps.db, program=self.deps.settings.program, now=now)
        # Nudge stalling pairs, flag at-risk ones for the admins' digest (bot/stalling.py).
        stalling.plan_program_health(self.deps.db, self.deps.settings, now)
        return self.dispatcher.run_pass()


def make_client(settings: Settings) -> WebClient:
    """A Web API client pointed at SLACK_API_URL that retries 429s, 5xx and dropped connections.

    With the multi-workspace install it carries no token: Bolt gives each request a client
    with the token of the workspace it came from.
    """
    return WebClient(
        token=None if settings.oauth_install else settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=WEB_API_TIMEOUT_SECONDS,
        # One retry in all (slack_sdk counts attempts across its handlers), so a listener's
        # call gives up within two timeouts plus a short Retry-After: never the 30 s default.
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=1),
            ShortRateLimitRetryHandler(max_retry_count=1),
            ServerErrorRetryHandler(max_retry_count=1),
        ],
    )


class ShortRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """Retries a 429 only when Slack asks for at most LISTENER_MAX_RETRY_AFTER_SECONDS."""

    def _can_retry(
        self, *, state: Any, request: Any, response: Any = None, error: Any = None
    ) -> bool:
        if not super()._can_retry(state=state, request=request, response=response, error=error):
            return False
        for name, values in response.headers.items():
            if name.lower() == "retry-after":
                try:
                    return int(values[0]) <= LISTENER_MAX_RETRY_AFTER_SECONDS
                except (ValueError, IndexError, TypeError):
                    return False
        return True  # slack_sdk waits a second when Slack gives no Retry-After


def make_delivery_client(settings: Settings, token: str | None = None) -> WebClient:
    """Like make_client, but a 429 reaches the dispatcher, which defers rather than sleeps."""
    return WebClient(
        token=token or settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=WEB_API_TIMEOUT_SECONDS,
        retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=1)],
    )


def make_dispatcher(deps: Deps, client_for_team: Callable[[str], WebClient | None]) -> Dispatcher:
    def after_sent(delivery: Delivery, channel: str, ts: str) -> None:
        if delivery.kind == Kind.SESSION_ANNOUNCE and delivery.session_id is not None:
            sessions.remember_session_message(
                deps.db, team_id=delivery.team_id, session_id=delivery.session_id, ts=ts
            )

    settings = deps.settings
    return Dispatcher(
        deps.db,
        SlackSender(client_for_team),
        lambda delivery: compose(deps, delivery),
        clock=deps.clock,
        after_sent=after_sent,
        pacing=slack_pacing(settings.posts_per_minute),
        lease=timedelta(seconds=settings.claim_lease_seconds),
    )


def create_app(
    settings: Settings,
    *,
    client: WebClient | None = None,
    delivery_client: WebClient | None = None,
    engine: Engine | None = None,
    clock: Clock = system_clock,
    listener_executor: Executor | None = None,
) -> Mentorbot:
    """Wire everything; nothing runs until a caller starts a server or handler.

    The database schema is upgraded to the code's (or checked, with MENTORBOT_AUTO_MIGRATE=false:
    storage.migrations.SchemaError when it isn't current). `delivery_client` replaces the
    dispatcher's client in single-workspace mode; with the multi-workspace install each
    workspace's client is built from its installation.
    """
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    curriculum = load_curriculum(settings.curriculum_file)
    engine = engine or make_engine(settings.database_url)
    ensure_schema(engine, auto_migrate=settings.auto_migrate)
    deps = Deps(settings=settings, db=Database(engine), clock=clock, curriculum=curriculum)
    client = client or make_client(settings)
    installation_store = None
    oauth: dict[str, Any] = {}
    if settings.oauth_install:
        installation_store = SQLAlchemyInstallationStore(
            client_id=str(settings.slack_client_id), engine=engine
        )
        oauth["oauth_settings"] = make_oauth_settings(settings, installation_store, engine)
        # Bolt checks a workspace's token with auth.test before each request's ack; remember
        # the answer per token (a reinstall brings a new token, an uninstall deletes it).
        oauth["authorize"] = InstallationStoreAuthorize(
            logger=logging.getLogger("mentorbot.authorize"),
            installation_store=installation_store,
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret,
            bot_only=True,
            cache_enabled=True,
            client=client,
        )
    executor = listener_executor or ListenerPool()
    app = App(
        **oauth,
        client=client,
        signing_secret=settings.slack_signing_secret,
        # Bolt's check answers a malformed timestamp with a 500; ours (first in line) with 401.
        request_verification_enabled=False,
        before_authorize=SignatureCheck(settings.slack_signing_secret),
        # Bolt calls each listener in the request's own thread and answers Slack when it
        # returns; runtime.listeners.bind runs the listener on `executor` and returns at its ack().
        process_before_response=True,
        listener_executor=executor,
    )
    if installation_store is not None:
        # app_uninstalled and tokens_revoked delete the workspace's installation (registered
        # before our listeners, whose catch-all would otherwise answer those events).
        app.enable_token_revocation_listeners()
    register(app, deps, executor)
    if installation_store is not None:
        client_for_team = installed_clients(settings, installation_store)
    else:
        single = delivery_client or make_delivery_client(settings)
        client_for_team = lambda _team: single  # noqa: E731
    dispatcher = make_dispatcher(deps, client_for_team)
    return Mentorbot(
        app=app,
        deps=deps,
        client=client,
        dispatcher=dispatcher,
        installation_store=installation_store,
    )


def installed_clients(
    settings: Settings, installation_store: InstallationStore
) -> Callable[[str], WebClient | None]:
    """The dispatcher's client for a workspace, with that workspace's own bot token.

    Looked up on every call, so a reinstall's new token is used at once and a workspace that
    uninstalled the app (Bolt deletes its installation) gets None: a permanent failure.
    """

    def client_for_team(team_id: str) -> WebClient | None:
        bot = installation_store.find_bot(enterprise_id=None, team_id=team_id)
        if bot is None or not bot.bot_token:
            return None
        return make_delivery_client(settings, token=bot.bot_token)

    return client_for_team
