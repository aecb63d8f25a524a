"""Local stand-in for the Slack Web API: a real HTTP server that answers, records and validates."""

from __future__ import annotations

import base64
import copy
import email.policy
import hashlib
import itertools
import json
import math
import random
import socket
import string
import sys
import threading
import time
import urllib.parse
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from zoneinfo import ZoneInfo

from standin.blockkit import MAX_MESSAGE_TEXT, validate_message_blocks, validate_view

NO_BLOCKS_TEXT = "This content can't be displayed."
# The methods an app-level token (xapp-) may call; anything else is not_allowed_token_type.
_APP_TOKEN_METHODS = frozenset({"apps.connections.open", "api.test"})
DEFAULT_SCOPES = "chat:write,commands,im:write,mpim:write,users:read,users:read.email"
_JSON_FIELDS = ("blocks", "attachments", "view", "metadata", "files")
_ID_ALPHABET = string.ascii_uppercase + string.digits
# Long names Slack shows as `tz_label`, keyed by the zone abbreviation zoneinfo gives.
_TZ_LABELS = {
    "CET": "Central European Time",
    "CEST": "Central European Summer Time",
    "EET": "Eastern European Time",
    "EEST": "Eastern European Summer Time",
    "WET": "Western European Time",
    "WEST": "Western European Summer Time",
    "GMT": "Greenwich Mean Time",
    "BST": "British Summer Time",
    "IST": "India Standard Time",
    "UTC": "Coordinated Universal Time",
    "EST": "Eastern Standard Time",
    "EDT": "Eastern Daylight Time",
    "CST": "Central Standard Time",
    "CDT": "Central Daylight Time",
    "MST": "Mountain Standard Time",
    "MDT": "Mountain Daylight Time",
    "PST": "Pacific Standard Time",
    "PDT": "Pacific Daylight Time",
    "JST": "Japan Standard Time",
    "AEST": "Australian Eastern Standard Time",
    "AEDT": "Australian Eastern Daylight Time",
}


@dataclass
class Call:
    """One Web API call the stand-in received, with its parsed arguments and its answer."""

    method: str
    args: dict
    token: str | None
    team_id: str | None
    status: int
    response: dict
    content_type: str = ""
    at: float = 0.0


@dataclass
class ResponsePost:
    """One POST to a response URL, with the HTTP status and body the stand-in answered."""

    url: str
    body: dict
    status: int = 200
    answer: str = "ok"


@dataclass
class _Workspace:
    team_id: str
    name: str
    domain: str
    bot_token: str
    bot_user_id: str
    bot_id: str
    users: dict[str, dict] = field(default_factory=dict)


@dataclass
class _Channel:
    id: str
    team_id: str
    kind: str  # "im", "mpim" or "channel"
    members: set[str] | None  # None: everybody in the workspace
    name: str | None = None
    bot_member: bool = True
    created: int = 0
    messages: list[dict] = field(default_factory=list)
    ephemerals: list[dict] = field(default_factory=list)


@dataclass
class _ResponseUrl:
    team_id: str
    channel: str | None
    user: str | None
    message_ts: str | None
    is_ephemeral: bool
    uses: int = 0


@dataclass
class _Trigger:
    team_id: str | None
    user_id: str | None
    view_id: str | None
    issued_at: float
    used: bool = False


@dataclass
class _Failure:
    error: str | None
    status: int
    retry_after: int | None
    remaining: int


@dataclass(frozen=True)
class RateLimit:
    """A token bucket: `per_minute` calls sustained, up to `burst` of them back to back."""

    per_minute: float
    burst: int

    def faster(self, speedup: float) -> RateLimit:
        """The same bucket refilling `speedup` times as fast (the burst stays as it is)."""
        return RateLimit(self.per_minute * speedup, self.burst)


# Slack's published Web API rate limits, per app per workspace per method
# (https://docs.slack.dev/apis/web-api/rate-limits, "Rate limits"):
#   Tier 1: 1+ per minute; Tier 2: 20+; Tier 3: 50+ ("sporadic bursts are welcome");
#   Tier 4: 100+ ("generous burst behavior"). Windows are per minute, so a method's burst here
#   is its minute's allowance spent at once.
#   Posting messages: "1 per second. Short bursts >1 allowed"; chat.postMessage "generally
#   allows posting one message per second per channel, while also maintaining a workspace-wide
#   limit", which the method's reference puts at "several hundred messages per minute".
# Slack publishes neither the size of a channel's "short burst" nor the exact workspace
# ceiling; the stand-in takes 3 for the first and 300 a minute (the low end of "several
# hundred"), with a burst of 60, for the second. Each method's tier is the one its reference
# page gives.
TIER_1 = RateLimit(per_minute=1, burst=1)
TIER_2 = RateLimit(per_minute=20, burst=20)
TIER_3 = RateLimit(per_minute=50, burst=50)
TIER_4 = RateLimit(per_minute=100, burst=100)
POSTS_PER_CHANNEL = RateLimit(per_minute=60, burst=3)
POSTS_PER_WORKSPACE = RateLimit(per_minute=300, burst=60)
SLACK_RATE_LIMITS: dict[str, RateLimit] = {
    "api.test": TIER_4,
    "apps.connections.open": TIER_1,
    "auth.test": TIER_4,
    "chat.delete": TIER_3,
    "chat.postEphemeral": TIER_4,
    "chat.postMessage": POSTS_PER_WORKSPACE,
    "chat.update": TIER_3,
    "conversations.history": TIER_3,
    "conversations.open": TIER_3,
    "conversations.replies": TIER_3,
    "files.completeUploadExternal": TIER_4,
    "files.getUploadURLExternal": TIER_4,
    "oauth.v2.access": TIER_4,
    "users.info": TIER_4,
    "users.lookupByEmail": TIER_3,
    "views.open": TIER_4,
    "views.publish": TIER_4,
    "views.push": TIER_4,
    "views.update": TIER_4,
}
# Methods limited per channel as well as per workspace.
SLACK_CHANNEL_RATE_LIMITS: dict[str, RateLimit] = {"chat.postMessage": POSTS_PER_CHANNEL}


@dataclass(frozen=True)
class RateLimitHit:
    """One 429 the stand-in answered: whose bucket ran dry, and how long it told them to wait.

    `channel` is set when the channel's own bucket was the empty one (then only that channel
    was closed); otherwise the whole workspace was, for this method. `arrived` is on
    time.monotonic(); `wait` is the exact time until the next token, `retry_after` the whole
    seconds the Retry-After header said (as Slack sends them).
    """

    method: str
    team_id: str
    channel: str | None
    arrived: float
    retry_after: int
    wait: float

    @property
    def until(self) -> float:
        return self.arrived + self.retry_after


@dataclass(frozen=True)
class _Arrival:
    method: str
    team_id: str
    channel: str | None
    at: float
    status: int


class Hold:
    """Holds the HTTP answers of one method after the call is recorded, until `release()`."""

    def __init__(self, method: str) -> None:
        self.method = method
        self.recorded = threading.Event()
        self.released = threading.Event()
        self.count = 0

    def wait_recorded(self, timeout: float = 10.0) -> None:
        """Block until a held call has been recorded; AssertionError after `timeout`."""
        if not self.recorded.wait(timeout):
            raise AssertionError(f"no {self.method} call arrived within {timeout}s")

    def release(self) -> None:
        self.released.set()


class _ApiError(Exception):
    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.payload = {"ok": False, "error": error, **extra}


@dataclass
class _Ctx:
    method: str
    ws: _Workspace | None
    args: dict
    headers: dict[str, str]
    token: str | None = None


def _truthy(value: Any) -> bool:
    return value in (True, 1, "1", "true", "True", "TRUE")


def _ts_key(ts: str) -> Decimal:
    return Decimal(ts)


class SlackStandIn:
    """A Slack Web API look-alike on 127.0.0.1 that records every call and can be told to fail."""

    def __init__(self, *, app_id: str = "A0MENTOR", clock: Callable[[], float] = time.time) -> None:
        self.app_id = app_id
        # Seconds since the epoch for message timestamps (the sandbox moves its own clock).
        self._clock = clock
        self._version = 0  # goes up with every change anyone could see; see wait_for_change
        self.validation_errors: list[str] = []
        self.trigger_ttl: float | None = None  # Slack expires trigger ids after 3 s; off by default
        self.response_url_max_uses: int | None = 5  # Slack allows five posts per response URL
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._workspaces: dict[str, _Workspace] = {}
        self._tokens: dict[str, str] = {}
        self._app_tokens: dict[str, str] = {}
        # Where apps.connections.open sends Socket Mode clients; None: a closed local port.
        self.socket_mode_url: str | None = None
        self._channels: dict[str, _Channel] = {}
        self._calls: list[Call] = []
        self._responses: list[ResponsePost] = []
        self._response_urls: dict[str, _ResponseUrl] = {}
        self._triggers: dict[str, _Trigger] = {}
        self._views: dict[str, dict] = {}
        self._view_users: dict[str, str | None] = {}
        self._home_views: dict[tuple[str, str], str] = {}
        self._failures: dict[str, deque[_Failure]] = {}
        self._files: dict[str, dict] = {}
        # Files people picked in a modal's file_input, and every download of one.
        self._user_files: dict[str, dict] = {}
        self._downloads: list[dict] = []
        self._oauth_codes: dict[str, dict] = {}
        self._oauth_client: tuple[str, str] | None = None
        self._latency = 0.0
        # Rate limits (off unless a test turns them on): buckets and every call's arrival.
        self._limits: dict[str, RateLimit] | None = None
        self._channel_limits: dict[str, RateLimit] = {}
        self._buckets: dict[tuple[str, str, str | None], tuple[float, float]] = {}
        self._hits: list[RateLimitHit] = []
        self._arrivals: list[_Arrival] = []
        self._holds: dict[str, Hold] = {}
        self._last_ts_us = 0
        self._counter = itertools.count(1)
        self._rand = random.Random(20_150_811)
        self._methods: dict[str, tuple[Callable[[_Ctx], dict], bool]] = {
            "api.test": (self._api_test, False),
            "apps.connections.open": (self._apps_connections_open, False),
            "auth.test": (self._auth_test, True),
            "conversations.open": (self._conversations_open, True),
            "conversations.history": (self._conversations_history, True),
            "conversations.replies": (self._conversations_replies, True),
            "chat.postMessage": (self._chat_post_message, True),
            "chat.update": (self._chat_update, True),
            "chat.postEphemeral": (self._chat_post_ephemeral, True),
            "chat.delete": (self._chat_delete, True),
            "users.info": (self._users_info, True),
            "users.lookupByEmail": (self._users_lookup_by_email, True),
            "views.open": (self._views_open, True),
            "views.push": (self._views_push, True),
            "views.update": (self._views_update, True),
            "views.publish": (self._views_publish, True),
            "files.getUploadURLExternal": (self._files_get_upload_url, True),
            "files.completeUploadExternal": (self._files_complete_upload, True),
            "oauth.v2.access": (self._oauth_v2_access, False),
        }

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> SlackStandIn:
        if self._server is not None:
            raise RuntimeError("SlackStandIn already started")
        self._server = _Server(("127.0.0.1", 0), _make_handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.01},
            name="slack-standin",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        with self._lock:
            for hold in self._holds.values():
                hold.release()  # never leave a request thread waiting
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> SlackStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("SlackStandIn is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    # -- set-up --------------------------------------------------------------------------------
    def add_workspace(
        self,
        team_id: str,
        *,
        bot_token: str,
        bot_user_id: str = "UBOT",
        team_name: str = "Acme",
        bot_id: str = "B0BOT",
        bot_name: str = "mentorbot",
    ) -> None:
        with self._lock:
            old = self._workspaces.get(team_id)
            if old is not None:
                self._tokens.pop(old.bot_token, None)
            domain = "".join(c for c in team_name.lower() if c.isalnum()) or team_id.lower()
            ws = _Workspace(team_id, team_name, domain, bot_token, bot_user_id, bot_id)
            if old is not None:
                ws.users = old.users
            self._workspaces[team_id] = ws
            self._tokens[bot_token] = team_id
            ws.users[bot_user_id] = {
                "id": bot_user_id,
                "name": bot_name,
                "real_name": bot_name,
                "tz": "America/Los_Angeles",
                "is_bot": True,
                "deleted": False,
                "email": None,
                "updated": int(time.time()),
            }

    def add_app_token(self, token: str, team_id: str) -> None:
        """Register an app-level token (`xapp-…`); only apps.connections.open accepts it."""
        with self._lock:
            self._workspace(team_id)
            self._app_tokens[token] = team_id

    def add_user(
        self,
        team_id: str,
        user_id: str,
        *,
        name: str,
        real_name: str | None = None,
        tz: str = "Europe/Berlin",
        is_bot: bool = False,
        deleted: bool = False,
        email: str | None = None,
    ) -> dict:
        ZoneInfo(tz)  # an unknown zone is a mistake in the test, not something Slack would send
        with self._lock:
            ws = self._workspace(team_id)
            ws.users[user_id] = {
                "id": user_id,
                "name": name,
                "real_name": real_name if real_name is not None else name,
                "tz": tz,
                "is_bot": is_bot,
                "deleted": deleted,
                "email": email,
                "updated": int(time.time()),
            }
            return self._user_view(ws, ws.users[user_id])

    def add_channel(
        self,
        team_id: str,
        channel_id: str,
        *,
        members: list[str] | None = None,
        name: str | None = None,
        bot_member: bool = True,
    ) -> None:
        """Register a channel (`members=None`: everybody; `bot_member=False`: not_in_channel)."""
        with self._lock:
            self._workspace(team_id)
            self._channels[channel_id] = _Channel(
                channel_id,
                team_id,
                "channel",
                set(members) if members is not None else None,
                name=name,
                bot_member=bot_member,
                created=int(time.time()),
            )

    def add_message(
        self,
        channel: str,
        *,
        user: str,
        text: str,
        blocks: list | None = None,
        thread_ts: str | None = None,
        metadata: dict | None = None,
    ) -> dict:
        """Put a message from a person into a channel, as if they had typed it."""
        with self._lock:
            ch = self._channels.get(channel)
            if ch is None:
                raise KeyError(f"unknown channel {channel!r}; register it with add_channel first")
            message: dict = {"type": "message", "user": user, "text": text, "ts": self._next_ts()}
            message["team"] = ch.team_id
            if blocks is not None:
                message["blocks"] = copy.deepcopy(blocks)
            if metadata is not None:
                message["metadata"] = copy.deepcopy(metadata)
            self._append_message(ch, message, thread_ts)
            self._changed()
            return self._public_message(ch, message, metadata=True, with_channel=True)

    def add_oauth_code(
        self,
        code: str,
        team_id: str,
        bot_token: str,
        bot_user_id: str,
        *,
        team_name: str = "Acme",
        bot_id: str = "B0BOT",
        installer_user_id: str = "U0INSTALLER",
        scope: str = DEFAULT_SCOPES,
    ) -> None:
        """Make `code` exchangeable once at oauth.v2.access; the exchange installs the workspace."""
        with self._lock:
            self._oauth_codes[code] = {
                "team_id": team_id,
                "bot_token": bot_token,
                "bot_user_id": bot_user_id,
                "team_name": team_name,
                "bot_id": bot_id,
                "installer_user_id": installer_user_id,
                "scope": scope,
            }

    def set_oauth_client(self, client_id: str, client_secret: str) -> None:
        """Require these credentials at oauth.v2.access (any are accepted until this is called)."""
        with self._lock:
            self._oauth_client = (client_id, client_secret)

    def new_response_url(
        self,
        *,
        team_id: str | None = None,
        channel: str | None = None,
        user: str | None = None,
        message_ts: str | None = None,
        is_ephemeral: bool = False,
        kind: str = "commands",
    ) -> str:
        """A fresh response URL on this server; POSTs to it are recorded and applied like Slack."""
        with self._lock:
            team = team_id or self._default_team()
            secret = "".join(self._rand.choices(string.ascii_letters + string.digits, k=24))
            path = f"/{kind}/{team}/{next(self._counter)}{self._rand.randrange(10**9)}/{secret}"
            self._response_urls[path] = _ResponseUrl(team, channel, user, message_ts, is_ephemeral)
            return self.base_url + path

    def new_trigger_id(
        self,
        *,
        team_id: str | None = None,
        user_id: str | None = None,
        view_id: str | None = None,
    ) -> str:
        """A trigger id views.open / views.push accept once (`view_id`: the view it came from)."""
        with self._lock:
            trigger = (
                f"{next(self._counter)}{self._rand.randrange(10**6)}."
                f"{int(time.time())}.{self._rand.getrandbits(128):032x}"
            )
            self._triggers[trigger] = _Trigger(team_id, user_id, view_id, time.monotonic())
            return trigger

    # -- control -------------------------------------------------------------------------------
    def fail_next(
        self,
        method: str,
        *,
        error: str | None = None,
        status: int = 200,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Make the next `times` calls of `method` fail ("response_url" for response URL posts)."""
        if status == 200 and error is None:
            raise ValueError("fail_next needs an error code or a non-200 status")
        with self._lock:
            self._failures.setdefault(method, deque()).append(
                _Failure(error, status, retry_after, times)
            )

    def set_latency(self, seconds: float) -> None:
        """Answer every request that arrives from now on `seconds` late (0: at once again)."""
        with self._lock:
            self._latency = seconds

    def enable_rate_limits(
        self,
        *,
        speedup: float = 1.0,
        limits: dict[str, RateLimit] | None = None,
        channel_limits: dict[str, RateLimit] | None = None,
    ) -> None:
        """Answer 429 with Retry-After, as Slack does, once a method's bucket runs dry.

        `limits` (default SLACK_RATE_LIMITS) are per workspace per method, `channel_limits`
        (default SLACK_CHANNEL_RATE_LIMITS) per channel too. `speedup` refills every bucket that
        many times as fast, so a test can run a burst whose real floor is minutes; bursts keep
        their size and Retry-After stays in whole seconds (at least 1), as Slack sends it.
        Every bucket starts full.
        """
        with self._lock:
            base = SLACK_RATE_LIMITS if limits is None else limits
            per_channel = SLACK_CHANNEL_RATE_LIMITS if channel_limits is None else channel_limits
            self._limits = {m: limit.faster(speedup) for m, limit in base.items()}
            self._channel_limits = {m: limit.faster(speedup) for m, limit in per_channel.items()}
            self._buckets.clear()

    def disable_rate_limits(self) -> None:
        with self._lock:
            self._limits = None
            self._channel_limits = {}
            self._buckets.clear()

    def rate_limit_hits(self) -> list[RateLimitHit]:
        """Every 429 answered because a bucket ran dry (not those fail_next asked for)."""
        with self._lock:
            return list(self._hits)

    def unhonoured_rate_limits(self) -> list[tuple[RateLimitHit, float]]:
        """429s the client did not wait out: (the hit, when a call it closed came anyway).

        A hit closes its method in its workspace (or only in its channel, when the channel's
        bucket was the empty one) for the Retry-After it gave.
        """
        with self._lock:
            found = []
            for hit in self._hits:
                for arrival in self._arrivals:
                    if not hit.arrived < arrival.at < hit.until:
                        continue
                    if arrival.method != hit.method or arrival.team_id != hit.team_id:
                        continue
                    if hit.channel is None or arrival.channel == hit.channel:
                        found.append((hit, arrival.at))
                        break
            return found

    def hold_after_record(self, method: str) -> Hold:
        """Record (and apply) each `method` call at once, but answer it only after release().

        Like Slack having stored a message when the connection drops: the caller never learns.
        """
        with self._lock:
            hold = Hold(method)
            self._holds[method] = hold
            return hold

    def open_dm(self, team_id: str, user_id: str) -> str:
        """The id of the bot's DM with a person, opening it without a recorded call."""
        with self._lock:
            ws = self._workspace(team_id)
            if user_id not in ws.users:
                raise KeyError(f"unknown user {user_id!r}; add_user first")
            return self._conversation(ws, [user_id])[0].id

    def clear(self) -> None:
        """Forget recorded calls and response posts (workspaces, channels and views stay)."""
        with self._lock:
            self._calls.clear()
            self._responses.clear()
            self._hits.clear()
            self._arrivals.clear()

    # -- inspection ----------------------------------------------------------------------------
    def calls(self, method: str | None = None, *, team_id: str | None = None) -> list[Call]:
        with self._lock:
            return [
                c
                for c in self._calls
                if (method is None or c.method == method)
                and (team_id is None or c.team_id == team_id)
            ]

    def last(self, method: str) -> Call:
        with self._lock:
            matching = self.calls(method)
            if not matching:
                seen = [c.method for c in self._calls]
                raise AssertionError(f"no {method} call recorded; recorded calls: {seen}")
            return matching[-1]

    def wait_for(
        self,
        method: str,
        count: int = 1,
        *,
        where: Callable[[Call], bool] | None = None,
        timeout: float = 10.0,
    ) -> list[Call]:
        """Block until `count` calls of `method` (those `where` accepts) were recorded.

        AssertionError after `timeout`.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                matching = [c for c in self.calls(method) if where is None or where(c)]
                if len(matching) >= count:
                    return matching
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [c.method for c in self._calls]
                    which = "" if where is None else " that `where` accepts"
                    raise AssertionError(
                        f"waited {timeout}s for {count} {method} call(s){which}, "
                        f"got {len(matching)}; recorded calls: {seen}"
                    )
                self._cond.wait(remaining)

    def wait_for_responses(self, count: int = 1, *, timeout: float = 10.0) -> list[ResponsePost]:
        """Block until `count` response URL posts were recorded; AssertionError after `timeout`."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self._responses) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"waited {timeout}s for {count} response URL post(s), "
                        f"got {len(self._responses)}"
                    )
                self._cond.wait(remaining)
            return list(self._responses)

    def responses(self) -> list[ResponsePost]:
        with self._lock:
            return list(self._responses)

    def messages(self, channel: str) -> list[dict]:
        """The channel's messages oldest first, as they are now (a user id means their DM)."""
        with self._lock:
            ch = self._channels.get(channel) or self._dm_of_user(channel)
            if ch is None:
                return []
            ordered = sorted(ch.messages, key=lambda m: _ts_key(m["ts"]))
            return [self._public_message(ch, m, metadata=True, with_channel=True) for m in ordered]

    def ephemerals(self, channel: str | None = None, *, user: str | None = None) -> list[dict]:
        """Ephemeral messages shown so far (chat.postEphemeral and ephemeral responses)."""
        with self._lock:
            found = []
            for ch in self._channels.values():
                if channel is not None and ch.id != channel:
                    continue
                for m in ch.ephemerals:
                    if user is None or m["recipient"] == user:
                        found.append(copy.deepcopy(m))
            return sorted(found, key=lambda m: _ts_key(m["ts"]))

    def views(self) -> dict[str, dict]:
        with self._lock:
            return copy.deepcopy(self._views)

    def view(self, view_id: str) -> dict | None:
        with self._lock:
            found = self._views.get(view_id)
            return copy.deepcopy(found) if found is not None else None

    def view_user(self, view_id: str) -> str | None:
        """The user a view was opened for (when its trigger id said so)."""
        with self._lock:
            return self._view_users.get(view_id)

    def home_view(self, team_id: str, user_id: str) -> dict | None:
        with self._lock:
            view_id = self._home_views.get((team_id, user_id))
            return copy.deepcopy(self._views[view_id]) if view_id else None

    def uploaded_files(self) -> list[dict]:
        with self._lock:
            return [copy.deepcopy(f) for f in self._files.values() if f["completed"]]

    def add_user_file(
        self,
        team_id: str,
        user_id: str,
        *,
        name: str,
        content: bytes,
        filetype: str = "csv",
        mimetype: str = "text/csv",
    ) -> dict:
        """A file a person picked in a file_input: the file object Slack puts in the view state.

        Its `url_private_download` serves `content` to a bearer token of the same workspace
        (files:read), and Slack's sign-in page (HTML, status 200) to anyone else.
        """
        with self._lock:
            self._workspace(team_id)
            file_id = self._new_id("F")
            path = f"/files-pri/{team_id}-{file_id}/download/{urllib.parse.quote(name)}"
            self._user_files[path] = {"team_id": team_id, "content": content, "mimetype": mimetype}
            return {
                "id": file_id,
                "created": int(time.time()),
                "timestamp": int(time.time()),
                "name": name,
                "title": name,
                "mimetype": mimetype,
                "filetype": filetype,
                "pretty_type": filetype.upper(),
                "user": user_id,
                "user_team": team_id,
                "mode": "hosted",
                "is_external": False,
                "is_public": False,
                "size": len(content),
                "url_private": self.base_url + path.replace("/download/", "/", 1),
                "url_private_download": self.base_url + path,
            }

    def downloads(self) -> list[dict]:
        """Every GET of a user file: its path, whether the token was accepted, and the token."""
        with self._lock:
            return [dict(d) for d in self._downloads]

    def user(self, team_id: str, user_id: str) -> dict | None:
        """A user as users.info would return them, or None."""
        with self._lock:
            ws = self._workspaces.get(team_id)
            record = ws.users.get(user_id) if ws else None
            return self._user_view(ws, record) if ws and record else None

    def conversations(self, team_id: str) -> list[dict]:
        """Every conversation of a workspace: id, kind ("im", "mpim", "channel"), name, members.

        `members` is None for a channel everybody is in; the bot's own conversations list it.
        """
        with self._lock:
            return [
                {
                    "id": ch.id,
                    "kind": ch.kind,
                    "name": ch.name,
                    "members": sorted(ch.members) if ch.members is not None else None,
                    "created": ch.created,
                }
                for ch in self._channels.values()
                if ch.team_id == team_id
            ]

    def users(self, team_id: str) -> list[dict]:
        """Every user of a workspace as users.info would return them, the bot included."""
        with self._lock:
            ws = self._workspace(team_id)
            return [self._user_view(ws, record) for record in ws.users.values()]

    @property
    def version(self) -> int:
        """A number that goes up whenever a call, a post or a message changes what is shown."""
        with self._lock:
            return self._version

    def wait_for_change(self, since: int, *, timeout: float) -> int:
        """Block until `version` is past `since` (or `timeout` passes); the version then."""
        with self._cond:
            self._cond.wait_for(lambda: self._version != since, timeout)
            return self._version

    def channel_name(self, channel: str) -> str | None:
        with self._lock:
            ch = self._channels.get(channel)
            if ch is None:
                return None
            if ch.kind == "im":
                return "directmessage"
            if ch.kind == "mpim":
                return "mpdm-" + "--".join(sorted(ch.members or ())) + "-1"
            return ch.name

    def workspace_domain(self, team_id: str) -> str | None:
        with self._lock:
            ws = self._workspaces.get(team_id)
            return ws.domain if ws else None

    def bot_user_id(self, team_id: str) -> str | None:
        with self._lock:
            ws = self._workspaces.get(team_id)
            return ws.bot_user_id if ws else None

    def apply_view_submission_response(
        self, view_id: str, answer: dict | None, *, submitted_hash: str | None = None
    ) -> None:
        """Apply what an app answered to a view_submission (update / push / errors / clear).

        With `submitted_hash` (the view's hash when it was submitted): if the app already
        changed the view with views.update while handling the submission, an "update" answer is
        not applied. Slack applies the answer first and that views.update after it; in-process
        listeners finish before their answer is returned, so the order has to be restored here.
        """
        if not answer:
            return
        with self._lock:
            current = self._views.get(view_id)
            if current is None:
                return
            if (
                answer.get("response_action") == "update"
                and submitted_hash is not None
                and current.get("hash") != submitted_hash
            ):
                return
            ws = self._workspaces.get(current["team_id"])
            action = answer.get("response_action")
            where = f"view_submission response for {view_id}"
            if action in ("update", "push"):
                payload = answer.get("view")
                problems = (
                    validate_view(payload) if isinstance(payload, dict) else ["view: missing"]
                )
                if isinstance(payload, dict) and payload.get("type") != "modal":
                    problems.append("type: response_action views must be modals")
                if problems:
                    self.validation_errors.extend(f"{where}: {p}" for p in problems)
                    return
                if ws is None:
                    return
                user = self._view_users.get(view_id)
                if action == "update":
                    self._store_view(
                        ws,
                        payload,
                        user,
                        view_id=view_id,
                        root_view_id=current["root_view_id"],
                        previous_view_id=current["previous_view_id"],
                    )
                else:
                    self._store_view(
                        ws,
                        payload,
                        user,
                        root_view_id=current["root_view_id"],
                        previous_view_id=view_id,
                    )
            elif action == "errors":
                errors = answer.get("errors")
                input_ids = {
                    b.get("block_id") for b in current["blocks"] if b.get("type") == "input"
                }
                if not isinstance(errors, dict) or not errors:
                    self.validation_errors.append(f"{where}: errors must be a non-empty object")
                else:
                    for block_id in errors:
                        if block_id not in input_ids:
                            self.validation_errors.append(
                                f"{where}: errors names {block_id!r}, which is not an input block"
                            )
            elif action not in ("clear", None):
                self.validation_errors.append(f"{where}: unknown response_action {action!r}")

    def _changed(self) -> None:
        self._version += 1
        self._cond.notify_all()

    # -- HTTP plumbing -------------------------------------------------------------------------
    def _handle_http(
        self, verb: str, path: str, headers: dict[str, str], raw: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            latency = self._latency  # a request that arrives while Slack is slow is answered late
        parts = urllib.parse.urlsplit(path)
        if parts.path.startswith("/api/"):
            method = parts.path[len("/api/") :]
            result = self._handle_api(method, parts.query, headers, raw)
            with self._lock:
                hold = self._holds.get(method)
                if hold is not None:
                    hold.count += 1
                    hold.recorded.set()
            if hold is not None:
                hold.released.wait(timeout=120)
        elif parts.path.startswith(("/commands/", "/actions/")):
            result = self._handle_response_url(parts.path, raw)
        elif parts.path.startswith("/upload/v1/") and verb == "POST":
            result = self._handle_upload(parts.path.rsplit("/", 1)[-1], raw)
        elif parts.path.startswith("/files-pri/") and verb == "GET":
            result = self._handle_file_download(parts.path, headers)
        else:
            result = (404, {"Content-Type": "text/plain"}, b"not_found")
        if latency:
            time.sleep(latency)  # the server is slow; this runs in the server's request thread
        return result

    def _handle_api(
        self, method: str, query: str, headers: dict[str, str], raw: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        content_type = headers.get("content-type", "")
        parse_error: _ApiError | None = None
        try:
            args = _parse_body(content_type, raw)
        except _ApiError as e:
            args, parse_error = {}, e
        for key, value in urllib.parse.parse_qsl(query, keep_blank_values=True):
            args.setdefault(key, value)
        token = None
        authorization = headers.get("authorization", "")
        if authorization.lower().startswith("bearer "):
            token = authorization[len("bearer ") :].strip()
        form_token = args.pop("token", None)
        token = token or form_token
        if parse_error is None:
            try:
                _decode_json_fields(args)
            except _ApiError as e:
                parse_error = e

        extra_headers: dict[str, str] = {}
        with self._lock:
            team_id = (self._tokens.get(token) or self._app_tokens.get(token)) if token else None
            failure = self._take_failure(method)
            limited = None if failure is not None else self._rate_limit(method, team_id, args)
            if failure is not None:
                status, extra_headers, response = _failure_answer(failure)
            elif limited is not None:
                status = 429
                extra_headers = {"Retry-After": str(limited.retry_after)}
                response = {"ok": False, "error": "ratelimited"}
            else:
                status = 200
                try:
                    response = self._call_method(method, args, token, team_id, headers, parse_error)
                except _ApiError as e:
                    response = e.payload
            self._calls.append(
                Call(
                    method=method,
                    args=args,
                    token=token,
                    team_id=team_id,
                    status=status,
                    response=response,
                    content_type=content_type,
                    at=time.time(),
                )
            )
            self._changed()
            body = json.dumps(response).encode("utf-8")
        return (
            status,
            {
                "Content-Type": "application/json; charset=utf-8",
                "X-Slack-Req-Id": f"{next(self._counter):016x}",
                **extra_headers,
            },
            body,
        )

    def _call_method(
        self,
        method: str,
        args: dict,
        token: str | None,
        team_id: str | None,
        headers: dict[str, str],
        parse_error: _ApiError | None,
    ) -> dict:
        entry = self._methods.get(method)
        if entry is None:
            raise _ApiError("unknown_method", req_method=method)
        handler, needs_auth = entry
        ws = self._workspaces.get(team_id) if team_id else None
        if token in self._app_tokens and method not in _APP_TOKEN_METHODS:
            raise _ApiError("not_allowed_token_type")
        if needs_auth:
            if not token:
                raise _ApiError("not_authed")
            if ws is None:
                raise _ApiError("invalid_auth")
        if parse_error is not None:
            self.validation_errors.append(f"{method}: {parse_error.payload['error']}")
            raise parse_error
        return handler(_Ctx(method, ws, args, headers, token))

    def _rate_limit(self, method: str, team_id: str | None, args: dict) -> RateLimitHit | None:
        """Spend a token from each bucket this call draws on, or say how long until one refills."""
        if self._limits is None or team_id is None:
            return None
        now = time.monotonic()
        channel = self._limited_channel(method, args)
        buckets: list[tuple[tuple[str, str, str | None], RateLimit]] = []
        if method in self._limits:
            buckets.append(((team_id, method, None), self._limits[method]))
        if channel is not None:
            buckets.append(((team_id, method, channel), self._channel_limits[method]))
        levels: list[tuple[tuple[str, str, str | None], float]] = []
        dry: list[tuple[float, str | None]] = []
        for key, limit in buckets:
            tokens, at = self._buckets.get(key, (float(limit.burst), now))
            tokens = min(float(limit.burst), tokens + (now - at) * limit.per_minute / 60)
            levels.append((key, tokens))
            if tokens < 1:
                dry.append(((1 - tokens) * 60 / limit.per_minute, key[2]))
        spend = 0 if dry else 1
        for key, tokens in levels:
            self._buckets[key] = (tokens - spend, now)
        status = 429 if dry else 200
        self._arrivals.append(_Arrival(method, team_id, channel, now, status))
        if not dry:
            return None
        wait = max(w for w, _ in dry)
        # An empty workspace bucket closes the method everywhere; else only this channel.
        scope = None if any(c is None for _, c in dry) else channel
        hit = RateLimitHit(method, team_id, scope, now, max(1, math.ceil(wait)), wait)
        self._hits.append(hit)
        return hit

    def _limited_channel(self, method: str, args: dict) -> str | None:
        """The conversation a per-channel limit counts this call against (a person: their DM)."""
        if method not in self._channel_limits:
            return None
        raw = args.get("channel")
        if not isinstance(raw, str) or not raw:
            return None
        ch = self._channels.get(raw) or self._dm_of_user(raw)
        return ch.id if ch is not None else raw

    def _take_failure(self, method: str) -> _Failure | None:
        queue = self._failures.get(method)
        if not queue:
            return None
        failure = queue[0]
        failure.remaining -= 1
        if failure.remaining <= 0:
            queue.popleft()
        return failure

    # -- helpers -------------------------------------------------------------------------------
    def _workspace(self, team_id: str) -> _Workspace:
        ws = self._workspaces.get(team_id)
        if ws is None:
            raise KeyError(f"unknown workspace {team_id!r}; call add_workspace first")
        return ws

    def _default_team(self) -> str:
        if len(self._workspaces) == 1:
            return next(iter(self._workspaces))
        return "T0000000000"

    def _new_id(self, prefix: str, length: int = 10) -> str:
        return prefix + "".join(self._rand.choices(_ID_ALPHABET, k=length))

    def _next_ts(self) -> str:
        now_us = int(self._clock() * 1_000_000)
        self._last_ts_us = max(now_us, self._last_ts_us + 1)
        seconds, micros = divmod(self._last_ts_us, 1_000_000)
        return f"{seconds}.{micros:06d}"

    def _problem(self, ctx: _Ctx, error: str, problems: list[str], **extra: Any) -> _ApiError:
        self.validation_errors.extend(f"{ctx.method}: {p}" for p in problems)
        return _ApiError(error, **extra)

    def _invalid_arguments(self, ctx: _Ctx, *messages: str) -> _ApiError:
        return self._problem(
            ctx,
            "invalid_arguments",
            list(messages),
            response_metadata={"messages": [f"[ERROR] {m}" for m in messages]},
        )

    def _dm_of_user(self, user_id: str) -> _Channel | None:
        for ws in self._workspaces.values():
            if user_id in ws.users:
                return self._channels.get(_dm_id(ws.team_id, [user_id]))
        return None

    def _conversation(self, ws: _Workspace, users: list[str]) -> tuple[_Channel, bool]:
        channel_id = _dm_id(ws.team_id, users)
        existing = self._channels.get(channel_id)
        if existing is not None:
            return existing, False
        ch = _Channel(
            channel_id,
            ws.team_id,
            "im" if len(users) == 1 else "mpim",
            {*users, ws.bot_user_id},
            created=int(time.time()),
        )
        self._channels[channel_id] = ch
        return ch, True

    def _resolve_channel(self, ctx: _Ctx, channel: Any, *, allow_user: bool = True) -> _Channel:
        ws = ctx.ws
        assert ws is not None
        if not isinstance(channel, str) or not channel:
            raise _ApiError("channel_not_found")
        ch = self._channels.get(channel)
        if ch is not None and ch.team_id == ws.team_id:
            return ch
        name = channel.removeprefix("#")
        for candidate in self._channels.values():
            if candidate.team_id == ws.team_id and candidate.name and candidate.name == name:
                return candidate
        if allow_user and channel in ws.users and channel != ws.bot_user_id:
            return self._conversation(ws, [channel])[0]
        raise _ApiError("channel_not_found")

    def _find_message(self, ch: _Channel, ts: Any) -> dict:
        for message in ch.messages:
            if message["ts"] == ts:
                return message
        raise _ApiError("message_not_found")

    def _check_text(self, ctx: _Ctx, args: dict, *, required: bool = True) -> str | None:
        text = args.get("text")
        if text is not None and not isinstance(text, str):
            text = str(text)
        if required and not text and not args.get("blocks") and not args.get("attachments"):
            raise self._problem(ctx, "no_text", ["no text, blocks or attachments"])
        if text is not None and len(text) > MAX_MESSAGE_TEXT:
            raise self._problem(
                ctx, "msg_too_long", [f"text: longer than {MAX_MESSAGE_TEXT} characters"]
            )
        return text

    def _check_blocks(self, ctx: _Ctx, blocks: Any) -> list | None:
        if blocks is None or blocks == "":
            return None
        problems = validate_message_blocks(blocks)
        if problems:
            raise self._problem(
                ctx,
                "invalid_blocks",
                problems,
                errors=problems,
                response_metadata={"messages": [f"[ERROR] {p}" for p in problems]},
            )
        return self._with_ids(blocks)

    def _check_metadata(self, ctx: _Ctx, metadata: Any) -> dict | None:
        if metadata in (None, "", {}):
            return None
        if (
            not isinstance(metadata, dict)
            or not isinstance(metadata.get("event_type"), str)
            or not metadata["event_type"]
            or not isinstance(metadata.get("event_payload"), dict)
        ):
            raise self._problem(
                ctx,
                "invalid_metadata_format",
                ["metadata: needs a string event_type and an object event_payload"],
            )
        return copy.deepcopy(metadata)

    def _with_ids(self, blocks: list) -> list:
        """Copy blocks, filling in block_id / action_id where Slack would generate them."""
        result = copy.deepcopy(blocks)
        for block in result:
            block.setdefault("block_id", "".join(self._rand.choices(string.ascii_letters, k=5)))
            elements = list(block.get("elements") or []) if block.get("type") == "actions" else []
            for key in ("accessory", "element"):
                if isinstance(block.get(key), dict):
                    elements.append(block[key])
            for element in elements:
                if isinstance(element, dict) and element.get("type") != "image":
                    element.setdefault(
                        "action_id", "".join(self._rand.choices(string.ascii_letters, k=4))
                    )
        return result

    def _append_message(self, ch: _Channel, message: dict, thread_ts: str | None) -> None:
        if thread_ts:
            message["thread_ts"] = thread_ts
            for parent in ch.messages:
                if parent["ts"] == thread_ts:
                    parent["thread_ts"] = thread_ts
                    parent["reply_count"] = parent.get("reply_count", 0) + 1
                    replies = parent.setdefault("reply_users", [])
                    if message.get("user") not in replies:
                        replies.append(message.get("user"))
                    parent["latest_reply"] = message["ts"]
        ch.messages.append(message)

    def _bot_message(
        self,
        ws: _Workspace,
        *,
        text: str | None,
        blocks: list | None,
        metadata: dict | None = None,
        attachments: Any = None,
    ) -> dict:
        message: dict = {
            "type": "message",
            "user": ws.bot_user_id,
            "bot_id": ws.bot_id,
            "app_id": self.app_id,
            "text": text if text else (NO_BLOCKS_TEXT if blocks else ""),
            "ts": self._next_ts(),
            "team": ws.team_id,
        }
        if blocks is not None:
            message["blocks"] = blocks
        if attachments:
            message["attachments"] = copy.deepcopy(attachments)
        if metadata is not None:
            message["metadata"] = metadata
        return message

    def _public_message(
        self, ch: _Channel, message: dict, *, metadata: bool, with_channel: bool = False
    ) -> dict:
        result = copy.deepcopy(message)
        if not metadata:
            result.pop("metadata", None)
        if with_channel:
            result["channel"] = ch.id
        return result

    def _user_view(self, ws: _Workspace, record: dict) -> dict:
        now = datetime.now(ZoneInfo(record["tz"]))
        offset = now.utcoffset()
        abbreviation = now.tzname() or ""
        profile = {
            "real_name": record["real_name"],
            "real_name_normalized": record["real_name"],
            "display_name": record["name"],
            "display_name_normalized": record["name"],
            "team": ws.team_id,
        }
        if record["email"]:
            profile["email"] = record["email"]
        if record["is_bot"] and record["id"] == ws.bot_user_id:
            profile.update(bot_id=ws.bot_id, api_app_id=self.app_id, always_active=True)
        return {
            "id": record["id"],
            "team_id": ws.team_id,
            "name": record["name"],
            "deleted": record["deleted"],
            "color": "9f69e7",
            "real_name": record["real_name"],
            "tz": record["tz"],
            "tz_label": _TZ_LABELS.get(abbreviation, abbreviation),
            "tz_offset": int(offset.total_seconds()) if offset is not None else 0,
            "profile": profile,
            "is_admin": False,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": record["is_bot"],
            "is_app_user": False,
            "updated": record["updated"],
            "is_email_confirmed": bool(record["email"]),
        }

    # -- methods -------------------------------------------------------------------------------
    def _api_test(self, ctx: _Ctx) -> dict:
        return {"ok": True, "args": dict(ctx.args)}

    def _apps_connections_open(self, ctx: _Ctx) -> dict:
        if not ctx.token:
            raise _ApiError("not_authed")
        if ctx.token in self._tokens:
            raise _ApiError("not_allowed_token_type")
        if ctx.ws is None:
            raise _ApiError("invalid_auth")
        url = self.socket_mode_url or f"ws://127.0.0.1:{_closed_port()}/link/"
        ticket = f"{self._rand.getrandbits(64):016x}"
        return {"ok": True, "url": f"{url}?ticket={ticket}&app_id={self.app_id}"}

    def _auth_test(self, ctx: _Ctx) -> dict:
        ws = ctx.ws
        assert ws is not None
        return {
            "ok": True,
            "url": f"https://{ws.domain}.slack.com/",
            "team": ws.name,
            "user": ws.users[ws.bot_user_id]["name"],
            "team_id": ws.team_id,
            "user_id": ws.bot_user_id,
            "bot_id": ws.bot_id,
            "is_enterprise_install": False,
        }

    def _conversations_open(self, ctx: _Ctx) -> dict:
        ws = ctx.ws
        assert ws is not None
        args = ctx.args
        return_im = _truthy(args.get("return_im"))
        if args.get("channel"):
            ch = self._channels.get(args["channel"])
            if ch is None or ch.team_id != ws.team_id:
                raise _ApiError("channel_not_found")
            if ch.kind not in ("im", "mpim"):
                raise _ApiError("method_not_supported_for_channel_type")
            return {
                "ok": True,
                "no_op": True,
                "already_open": True,
                "channel": _channel_info(ch, ws, return_im),
            }
        users = args.get("users")
        if isinstance(users, str):
            ids = [u.strip() for u in users.split(",") if u.strip()]
        elif isinstance(users, list):
            ids = [str(u) for u in users]
        else:
            ids = []
        if not ids:
            raise self._problem(ctx, "users_list_not_supplied", ["users: required"])
        ids = sorted(set(ids))
        if len(ids) > 8:
            raise _ApiError("too_many_users")
        for user_id in ids:
            record = ws.users.get(user_id)
            if record is None:
                raise _ApiError("user_not_found")
            if record["deleted"]:
                raise _ApiError("user_disabled")
        if _truthy(args.get("prevent_creation")) and _dm_id(ws.team_id, ids) not in self._channels:
            return {"ok": True, "channel": None}
        ch, created = self._conversation(ws, ids)
        response: dict = {"ok": True, "channel": _channel_info(ch, ws, return_im)}
        if not created:
            response.update(no_op=True, already_open=True)
        return response

    def _chat_post_message(self, ctx: _Ctx) -> dict:
        ws = ctx.ws
        assert ws is not None
        args = ctx.args
        ch = self._resolve_channel(ctx, args.get("channel"))
        if ch.kind == "channel" and not ch.bot_member:
            raise _ApiError("not_in_channel")
        text = self._check_text(ctx, args)
        blocks = self._check_blocks(ctx, args.get("blocks"))
        metadata = self._check_metadata(ctx, args.get("metadata"))
        message = self._bot_message(
            ws, text=text, blocks=blocks, metadata=metadata, attachments=args.get("attachments")
        )
        self._append_message(ch, message, args.get("thread_ts") or None)
        return {
            "ok": True,
            "channel": ch.id,
            "ts": message["ts"],
            "message": self._public_message(ch, message, metadata=True),
        }

    def _chat_update(self, ctx: _Ctx) -> dict:
        ws = ctx.ws
        assert ws is not None
        args = ctx.args
        ch = self._channels.get(args.get("channel") or "")
        if ch is None or ch.team_id != ws.team_id:
            raise _ApiError("channel_not_found")
        message = self._find_message(ch, args.get("ts"))
        if message.get("user") != ws.bot_user_id:
            raise _ApiError("cant_update_message")
        text = self._check_text(ctx, args)
        blocks = self._check_blocks(ctx, args.get("blocks"))
        if "blocks" in args:
            if blocks:
                message["blocks"] = blocks
            else:
                message.pop("blocks", None)  # an empty array removes the blocks
        if "attachments" in args:
            message["attachments"] = copy.deepcopy(args["attachments"])
        message["text"] = text if text else (NO_BLOCKS_TEXT if message.get("blocks") else "")
        if "metadata" in args:
            metadata = self._check_metadata(ctx, args["metadata"])
            if metadata is None:
                message.pop("metadata", None)  # an empty object removes the metadata
            else:
                message["metadata"] = metadata
        return {
            "ok": True,
            "channel": ch.id,
            "ts": message["ts"],
            "text": message["text"],
            "message": self._public_message(ch, message, metadata=True),
        }

    def _chat_post_ephemeral(self, ctx: _Ctx) -> dict:
        ws = ctx.ws
        assert ws is not None
        args = ctx.args
        ch = self._resolve_channel(ctx, args.get("channel"))
        user = args.get("user")
        if not user or user not in ws.users:
            raise _ApiError("user_not_found")
        if ch.members is not None and user not in ch.members:
            raise _ApiError("user_not_in_channel")
        text = self._check_text(ctx, args)
        blocks = self._check_blocks(ctx, args.get("blocks"))
        record = self._ephemeral(ws, ch, user, text=text, blocks=blocks)
        if args.get("thread_ts"):
            record["thread_ts"] = args["thread_ts"]
        return {"ok": True, "message_ts": record["ts"]}

    def _ephemeral(
        self, ws: _Workspace, ch: _Channel, user: str | None, *, text: Any, blocks: Any
    ) -> dict:
        record = self._bot_message(ws, text=text, blocks=blocks)
        record.update(channel=ch.id, recipient=user, is_ephemeral=True)
        ch.ephemerals.append(record)
        return record

    def _chat_delete(self, ctx: _Ctx) -> dict:
        ws = ctx.ws
        assert ws is not None
        ch = self._channels.get(ctx.args.get("channel") or "")
        if ch is None or ch.team_id != ws.team_id:
            raise _ApiError("channel_not_found")
        message = self._find_message(ch, ctx.args.get("ts"))
        if message.get("user") != ws.bot_user_id:
            raise _ApiError("cant_delete_message")
        ch.messages.remove(message)
        return {"ok": True, "channel": ch.id, "ts": message["ts"]}

    def _readable_channel(self, ctx: _Ctx) -> _Channel:
        ws = ctx.ws
        assert ws is not None
        ch = self._channels.get(ctx.args.get("channel") or "")
        if ch is None or ch.team_id != ws.team_id:
            raise _ApiError("channel_not_found")
        if ch.kind == "channel" and not ch.bot_member:
            raise _ApiError("not_in_channel")
        return ch

    def _conversations_history(self, ctx: _Ctx) -> dict:
        ch = self._readable_channel(ctx)
        args = ctx.args
        inclusive = _truthy(args.get("inclusive"))
        bounds = {}
        for key in ("oldest", "latest"):
            if args.get(key) not in (None, ""):
                try:
                    bounds[key] = Decimal(str(args[key]))
                except InvalidOperation:
                    raise _ApiError(f"invalid_ts_{key}") from None
                if not bounds[key].is_finite():
                    raise _ApiError(f"invalid_ts_{key}")
        messages = [m for m in ch.messages if m.get("thread_ts") in (None, m["ts"])]
        messages.sort(key=lambda m: _ts_key(m["ts"]), reverse=True)
        if "oldest" in bounds:
            low = bounds["oldest"]
            messages = [
                m
                for m in messages
                if _ts_key(m["ts"]) > low or (inclusive and _ts_key(m["ts"]) == low)
            ]
        if "latest" in bounds:
            high = bounds["latest"]
            messages = [
                m
                for m in messages
                if _ts_key(m["ts"]) < high or (inclusive and _ts_key(m["ts"]) == high)
            ]
        page, has_more, next_cursor = _paginate(messages, args)
        with_metadata = _truthy(args.get("include_all_metadata"))
        return {
            "ok": True,
            "messages": [self._public_message(ch, m, metadata=with_metadata) for m in page],
            "has_more": has_more,
            "pin_count": 0,
            "channel_actions_ts": None,
            "channel_actions_count": 0,
            "response_metadata": {"next_cursor": next_cursor},
        }

    def _conversations_replies(self, ctx: _Ctx) -> dict:
        ch = self._readable_channel(ctx)
        ts = ctx.args.get("ts")
        if not ts:
            raise self._invalid_arguments(ctx, "missing required field: ts")
        thread = [m for m in ch.messages if m["ts"] == ts or m.get("thread_ts") == ts]
        if not thread:
            raise _ApiError("thread_not_found")
        thread.sort(key=lambda m: _ts_key(m["ts"]))
        page, has_more, next_cursor = _paginate(thread, ctx.args)
        with_metadata = _truthy(ctx.args.get("include_all_metadata"))
        return {
            "ok": True,
            "messages": [self._public_message(ch, m, metadata=with_metadata) for m in page],
            "has_more": has_more,
            "response_metadata": {"next_cursor": next_cursor},
        }

    def _users_info(self, ctx: _Ctx) -> dict:
        ws = ctx.ws
        assert ws is not None
        record = ws.users.get(ctx.args.get("user") or "")
        if record is None:
            raise _ApiError("user_not_found")
        return {"ok": True, "user": self._user_view(ws, record)}

    def _users_lookup_by_email(self, ctx: _Ctx) -> dict:
        ws = ctx.ws
        assert ws is not None
        wanted = str(ctx.args.get("email") or "").lower()
        for record in ws.users.values():
            if wanted and (record["email"] or "").lower() == wanted:
                return {"ok": True, "user": self._user_view(ws, record)}
        raise _ApiError("users_not_found")

    # views -----------------------------------------------------------------------------------
    def _check_trigger(self, ctx: _Ctx) -> _Trigger:
        ws = ctx.ws
        assert ws is not None
        trigger_id = ctx.args.get("trigger_id") or ctx.args.get("interactivity_pointer")
        if not trigger_id:
            raise self._invalid_arguments(ctx, "missing required field: trigger_id")
        trigger = self._triggers.get(str(trigger_id))
        if trigger is None or trigger.team_id not in (None, ws.team_id):
            raise _ApiError(
                "invalid_trigger_id", response_metadata={"messages": ["invalid `trigger_id`"]}
            )
        if trigger.used:
            raise _ApiError("exchanged_trigger_id")
        if self.trigger_ttl is not None and time.monotonic() - trigger.issued_at > self.trigger_ttl:
            raise _ApiError("expired_trigger_id")
        return trigger

    def _check_view(self, ctx: _Ctx, view: Any, *, kind: str) -> dict:
        if not isinstance(view, dict):
            raise self._invalid_arguments(ctx, "missing required field: view")
        problems = validate_view(view)
        if view.get("type") != kind:
            problems.append(f"type: {ctx.method} needs a {kind} view, got {view.get('type')!r}")
        if problems:
            raise self._invalid_arguments(ctx, *problems)
        return view

    def _check_external_id(self, ws: _Workspace, view: dict, own_id: str | None = None) -> None:
        external_id = view.get("external_id")
        if not external_id:
            return
        for view_id, existing in self._views.items():
            if (
                view_id != own_id
                and existing["team_id"] == ws.team_id
                and existing.get("external_id") == external_id
            ):
                raise _ApiError("duplicate_external_id")

    def _store_view(
        self,
        ws: _Workspace,
        payload: dict,
        user_id: str | None,
        *,
        view_id: str | None = None,
        root_view_id: str | None = None,
        previous_view_id: str | None = None,
    ) -> dict:
        view_id = view_id or self._new_id("V")
        stored: dict = {
            "id": view_id,
            "team_id": ws.team_id,
            "type": payload["type"],
            "blocks": self._with_ids(payload["blocks"]),
            "private_metadata": payload.get("private_metadata", ""),
            "callback_id": payload.get("callback_id", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{self._new_id('', 8)}",
        }
        if payload["type"] == "modal":
            stored.update(
                title=copy.deepcopy(payload.get("title")),
                clear_on_close=payload.get("clear_on_close", False),
                notify_on_close=payload.get("notify_on_close", False),
                close=copy.deepcopy(payload.get("close")),
                submit=copy.deepcopy(payload.get("submit")),
            )
        stored.update(
            previous_view_id=previous_view_id,
            root_view_id=root_view_id or view_id,
            app_id=self.app_id,
            external_id=payload.get("external_id", ""),
            app_installed_team_id=ws.team_id,
            bot_id=ws.bot_id,
        )
        self._views[view_id] = stored
        self._view_users[view_id] = user_id
        return copy.deepcopy(stored)

    def _views_open(self, ctx: _Ctx) -> dict:
        ws = ctx.ws
        assert ws is not None
        trigger = self._check_trigger(ctx)
        view = self._check_view(ctx, ctx.args.get("view"), kind="modal")
        self._check_external_id(ws, view)
        trigger.used = True
        return {"ok": True, "view": self._store_view(ws, view, trigger.user_id)}

    def _views_push(self, ctx: _Ctx) -> dict:
        ws = ctx.ws
        assert ws is not None
        trigger = self._check_trigger(ctx)
        view = self._check_view(ctx, ctx.args.get("view"), kind="modal")
        self._check_external_id(ws, view)
        parent = self._views.get(trigger.view_id or "")
        root = previous = None
        if parent is not None and parent["type"] == "modal":
            depth, cursor = 1, parent
            while cursor.get("previous_view_id") in self._views:
                depth += 1
                cursor = self._views[cursor["previous_view_id"]]
            if depth >= 3:
                raise _ApiError("push_limit_reached")
            root, previous = parent["root_view_id"], parent["id"]
        trigger.used = True
        stored = self._store_view(
            ws, view, trigger.user_id, root_view_id=root, previous_view_id=previous
        )
        return {"ok": True, "view": stored}

    def _views_update(self, ctx: _Ctx) -> dict:
        ws = ctx.ws
        assert ws is not None
        args = ctx.args
        view_id, external_id = args.get("view_id"), args.get("external_id")
        if not view_id and not external_id:
            raise self._invalid_arguments(ctx, "either view_id or external_id is required")
        current = None
        if view_id:
            current = self._views.get(view_id)
        else:
            current = next(
                (
                    v
                    for v in self._views.values()
                    if v["team_id"] == ws.team_id and v.get("external_id") == external_id
                ),
                None,
            )
        if current is None or current["team_id"] != ws.team_id:
            raise _ApiError("not_found")
        view = self._check_view(ctx, args.get("view"), kind=current["type"])
        if args.get("hash") and args["hash"] != current["hash"]:
            raise _ApiError("hash_conflict")
        self._check_external_id(ws, view, own_id=current["id"])
        if not view.get("external_id") and current.get("external_id"):
            view = {**view, "external_id": current["external_id"]}  # the view keeps its handle
        stored = self._store_view(
            ws,
            view,
            self._view_users.get(current["id"]),
            view_id=current["id"],
            root_view_id=current["root_view_id"],
            previous_view_id=current["previous_view_id"],
        )
        return {"ok": True, "view": stored}

    def _views_publish(self, ctx: _Ctx) -> dict:
        ws = ctx.ws
        assert ws is not None
        args = ctx.args
        user_id = args.get("user_id")
        if not user_id:
            raise self._invalid_arguments(ctx, "missing required field: user_id")
        view = self._check_view(ctx, args.get("view"), kind="home")
        if user_id not in ws.users:
            raise _ApiError("user_not_found")
        existing_id = self._home_views.get((ws.team_id, user_id))
        if existing_id and args.get("hash") and args["hash"] != self._views[existing_id]["hash"]:
            raise _ApiError("hash_conflict")
        self._check_external_id(ws, view, own_id=existing_id)
        stored = self._store_view(ws, view, user_id, view_id=existing_id)
        self._home_views[(ws.team_id, user_id)] = stored["id"]
        return {"ok": True, "view": stored}

    # files and oauth -------------------------------------------------------------------------
    def _files_get_upload_url(self, ctx: _Ctx) -> dict:
        ws = ctx.ws
        assert ws is not None
        filename = ctx.args.get("filename")
        if not filename:
            raise self._invalid_arguments(ctx, "missing required field: filename")
        try:
            length = int(ctx.args.get("length"))
        except (TypeError, ValueError):
            raise self._invalid_arguments(ctx, "length: must be an integer") from None
        if length <= 0:
            raise _ApiError("missing_argument")
        file_id = self._new_id("F")
        self._files[file_id] = {
            "id": file_id,
            "team_id": ws.team_id,
            "filename": filename,
            "title": None,
            "length": length,
            "alt_txt": ctx.args.get("alt_txt"),
            "content": None,
            "completed": False,
            "channel_id": None,
            "initial_comment": None,
            "thread_ts": None,
        }
        return {
            "ok": True,
            "upload_url": f"{self.base_url}/upload/v1/{file_id}",
            "file_id": file_id,
        }

    def _handle_upload(self, file_id: str, raw: bytes) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            record = self._files.get(file_id)
            if record is None:
                return 404, {"Content-Type": "text/plain"}, b"not_found"
            record["content"] = raw
            self._changed()
        return 200, {"Content-Type": "text/plain"}, f"OK - {len(raw)}".encode()

    def _handle_file_download(
        self, path: str, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        authorization = headers.get("authorization", "")
        token = authorization[7:].strip() if authorization.lower().startswith("bearer ") else None
        with self._lock:
            record = self._user_files.get(path)
            allowed = (
                record is not None
                and token is not None
                and self._tokens.get(token) == record["team_id"]
            )
            self._downloads.append({"path": path, "token": token, "allowed": allowed})
            if record is None:
                return 404, {"Content-Type": "text/plain"}, b"not_found"
            if not allowed:
                page = b"<!DOCTYPE html><html><body>Sign in to Slack</body></html>"
                return 200, {"Content-Type": "text/html; charset=utf-8"}, page
            return 200, {"Content-Type": record["mimetype"]}, record["content"]

    def _files_complete_upload(self, ctx: _Ctx) -> dict:
        ws = ctx.ws
        assert ws is not None
        files = ctx.args.get("files")
        if not isinstance(files, list) or not files:
            raise self._invalid_arguments(ctx, "files: must be a non-empty JSON array")
        records = []
        for entry in files:
            record = self._files.get(entry.get("id") if isinstance(entry, dict) else None)
            if record is None or record["team_id"] != ws.team_id or record["content"] is None:
                raise _ApiError("file_not_found")
            records.append((record, entry))
        channel_id = ctx.args.get("channel_id") or (ctx.args.get("channels") or "").split(",")[0]
        ch = None
        if channel_id:
            try:
                ch = self._resolve_channel(ctx, channel_id)
            except _ApiError:
                raise _ApiError("invalid_channel") from None
        for record, entry in records:
            record.update(
                title=entry.get("title") or record["filename"],
                completed=True,
                channel_id=ch.id if ch else None,
                initial_comment=ctx.args.get("initial_comment"),
                thread_ts=ctx.args.get("thread_ts"),
            )
        if ch is not None:
            message = self._bot_message(ws, text=ctx.args.get("initial_comment") or "", blocks=None)
            message["upload"] = True
            message["files"] = [
                {"id": r["id"], "name": r["filename"], "title": r["title"], "size": r["length"]}
                for r, _ in records
            ]
            self._append_message(ch, message, ctx.args.get("thread_ts") or None)
        return {"ok": True, "files": [{"id": r["id"], "title": r["title"]} for r, _ in records]}

    def _oauth_v2_access(self, ctx: _Ctx) -> dict:
        client_id = ctx.args.get("client_id")
        client_secret = ctx.args.get("client_secret")
        authorization = ctx.headers.get("authorization", "")
        if authorization.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(authorization[6:].strip()).decode("utf-8")
                client_id, _, client_secret = decoded.partition(":")
            except ValueError:
                raise _ApiError("invalid_client_id") from None
        if not client_id:
            raise _ApiError("invalid_client_id")
        if self._oauth_client is not None:
            if client_id != self._oauth_client[0]:
                raise _ApiError("invalid_client_id")
            if client_secret != self._oauth_client[1]:
                raise _ApiError("bad_client_secret")
        install = self._oauth_codes.pop(str(ctx.args.get("code") or ""), None)
        if install is None:
            raise _ApiError("invalid_code")
        self.add_workspace(
            install["team_id"],
            bot_token=install["bot_token"],
            bot_user_id=install["bot_user_id"],
            team_name=install["team_name"],
            bot_id=install["bot_id"],
        )
        return {
            "ok": True,
            "access_token": install["bot_token"],
            "token_type": "bot",
            "scope": install["scope"],
            "bot_user_id": install["bot_user_id"],
            "app_id": self.app_id,
            "team": {"name": install["team_name"], "id": install["team_id"]},
            "enterprise": None,
            "authed_user": {"id": install["installer_user_id"]},
            "is_enterprise_install": False,
        }

    # response URLs ---------------------------------------------------------------------------
    def _handle_response_url(self, path: str, raw: bytes) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            status, answer, headers, body = self._response_url_post(path, raw)
            self._responses.append(ResponsePost(self.base_url + path, body, status, answer))
            self._changed()
        return status, {"Content-Type": "text/html", **headers}, answer.encode()

    def _response_url_post(self, path: str, raw: bytes) -> tuple[int, str, dict[str, str], dict]:
        try:
            body = json.loads(raw.decode("utf-8") or "null")
        except (UnicodeDecodeError, json.JSONDecodeError):
            body = None
        recorded = body if isinstance(body, dict) else {"_raw": raw.decode("utf-8", "replace")}
        failure = self._take_failure("response_url")
        if failure is not None:
            status = failure.status if failure.status != 200 else 404
            headers = {}
            if status == 429:
                headers["Retry-After"] = str(failure.retry_after or 1)
            return status, failure.error or "rate_limited", headers, recorded
        target = self._response_urls.get(path)
        if target is None:
            return 404, "no_service", {}, recorded
        if not isinstance(body, dict):
            self.validation_errors.append("response_url: body is not a JSON object")
            return 400, "invalid_payload", {}, recorded
        if self.response_url_max_uses is not None and target.uses >= self.response_url_max_uses:
            return 404, "used_url", {}, recorded
        deleting = _truthy(body.get("delete_original"))
        text, blocks = body.get("text"), body.get("blocks")
        if not deleting and not text and not blocks and not body.get("attachments"):
            self.validation_errors.append("response_url: no text, blocks or attachments")
            return 400, "no_text", {}, recorded
        text_problems = validate_message_blocks(None, text=text)
        if text_problems:
            self.validation_errors.extend(f"response_url: {p}" for p in text_problems)
            return 400, "msg_too_long", {}, recorded
        problems = validate_message_blocks(blocks) if blocks is not None else []
        if problems:
            self.validation_errors.extend(f"response_url: {p}" for p in problems)
            return 400, "invalid_blocks", {}, recorded
        if body.get("response_type") not in (None, "ephemeral", "in_channel"):
            self.validation_errors.append(
                "response_url: response_type must be ephemeral or in_channel"
            )
            return 400, "invalid_payload", {}, recorded
        target.uses += 1
        self._apply_response(target, body)
        return 200, "ok", {}, recorded

    def _apply_response(self, target: _ResponseUrl, body: dict) -> None:
        ws = self._workspaces.get(target.team_id)
        if ws is None or not target.channel:
            return
        ch = self._channels.get(target.channel)
        if ch is None:
            # The interaction came from a conversation this stand-in was not told about.
            ch = _Channel(target.channel, ws.team_id, "channel", None, bot_member=False)
            self._channels[target.channel] = ch
        original = None
        if target.message_ts:
            pool = ch.ephemerals if target.is_ephemeral else ch.messages
            original = next((m for m in pool if m["ts"] == target.message_ts), None)
        blocks = self._with_ids(body["blocks"]) if body.get("blocks") else None
        if _truthy(body.get("delete_original")):
            if original is not None:
                (ch.ephemerals if target.is_ephemeral else ch.messages).remove(original)
            return
        if _truthy(body.get("replace_original")) and original is not None:
            original["text"] = body.get("text") or (NO_BLOCKS_TEXT if blocks else "")
            if blocks is not None:
                original["blocks"] = blocks
            else:
                original.pop("blocks", None)
            return
        if body.get("response_type") == "in_channel":
            message = self._bot_message(ws, text=body.get("text"), blocks=blocks)
            self._append_message(ch, message, body.get("thread_ts") or None)
        else:
            self._ephemeral(ws, ch, target.user, text=body.get("text"), blocks=blocks)


# -- module helpers ----------------------------------------------------------------------------
class _Server(ThreadingHTTPServer):
    # Many clients at once (a burst, two bot processes): socketserver's backlog of 5 is not.
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A caller that gave up (a client timeout, a killed process) is not the server's error.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


def _make_handler(standin: SlackStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "SlackStandIn/1.0"

        def do_POST(self) -> None:
            self._serve()

        def do_GET(self) -> None:
            self._serve()

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, out_headers, body = standin._handle_http(self.command, self.path, headers, raw)
            self.send_response(status)
            for key, value in out_headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def _parse_body(content_type: str, raw: bytes) -> dict:
    if not raw:
        return {}
    lowered = content_type.lower()
    if "application/json" in lowered:
        try:
            parsed = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise _ApiError("invalid_json") from None
        if not isinstance(parsed, dict):
            raise _ApiError("invalid_json")
        return parsed
    if "multipart/form-data" in lowered:
        message = BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + raw
        )
        result: dict = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            result[str(name)] = payload if part.get_filename() else payload.decode("utf-8")
        return result
    try:
        return dict(urllib.parse.parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError:
        raise _ApiError("invalid_form_data") from None


def _decode_json_fields(args: dict) -> None:
    errors = {
        "blocks": "invalid_blocks_format",
        "attachments": "invalid_attachments",
        "view": "invalid_arguments",
        "metadata": "invalid_metadata_format",
        "files": "invalid_arguments",
    }
    for key in _JSON_FIELDS:
        value = args.get(key)
        if not isinstance(value, str) or value == "":
            continue
        try:
            args[key] = json.loads(value)
        except json.JSONDecodeError:
            raise _ApiError(errors[key]) from None


def _failure_answer(failure: _Failure) -> tuple[int, dict[str, str], dict]:
    headers: dict[str, str] = {}
    if failure.status == 429:
        headers["Retry-After"] = str(failure.retry_after if failure.retry_after is not None else 1)
        return 429, headers, {"ok": False, "error": failure.error or "ratelimited"}
    if failure.retry_after is not None:
        headers["Retry-After"] = str(failure.retry_after)
    default = "internal_error" if failure.status >= 500 else "fatal_error"
    return failure.status, headers, {"ok": False, "error": failure.error or default}


def _closed_port() -> int:
    """A local port nothing listens on (bound for a moment, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _dm_id(team_id: str, users: list[str]) -> str:
    members = sorted(set(users))
    digest = hashlib.sha1(f"{team_id}:{','.join(members)}".encode()).digest()
    number = int.from_bytes(digest[:8], "big")
    chars = []
    for _ in range(10):
        number, index = divmod(number, len(_ID_ALPHABET))
        chars.append(_ID_ALPHABET[index])
    return ("D" if len(members) == 1 else "G") + "".join(chars)


def _channel_info(ch: _Channel, ws: _Workspace, full: bool) -> dict:
    if not full:
        return {"id": ch.id}
    info: dict = {
        "id": ch.id,
        "created": ch.created,
        "is_im": ch.kind == "im",
        "is_mpim": ch.kind == "mpim",
        "is_org_shared": False,
        "priority": 0,
    }
    if ch.kind == "im":
        other = next(u for u in sorted(ch.members or ()) if u != ws.bot_user_id)
        info.update(user=other, is_user_deleted=bool(ws.users.get(other, {}).get("deleted")))
    return info


def _paginate(items: list, args: dict) -> tuple[list, bool, str]:
    try:
        limit = int(args.get("limit") or 100)
    except (TypeError, ValueError):
        raise _ApiError("invalid_limit") from None
    limit = max(1, min(limit, 999))
    offset = 0
    cursor = args.get("cursor")
    if cursor:
        try:
            kind, _, number = base64.b64decode(str(cursor)).decode("ascii").partition(":")
            offset = int(number)
            if kind != "next_offset" or offset < 0:
                raise ValueError(cursor)
        except ValueError:
            raise _ApiError("invalid_cursor") from None
    page = items[offset : offset + limit]
    has_more = offset + limit < len(items)
    next_cursor = (
        base64.b64encode(f"next_offset:{offset + limit}".encode()).decode() if has_more else ""
    )
    return page, has_more, next_cursor
