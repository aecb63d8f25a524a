"""The door of the HTTP app: only Slack's signed requests get in, malformed ones get a 4xx.

Bolt's own RequestVerification turns a non-numeric X-Slack-Request-Timestamp into a 500 (it
calls int() unguarded), and Bolt parses the body before anything checks it: a body that isn't
JSON, or a payload whose parts have the wrong types, raises on the way (a 500 again). So:

- `parse_request` never raises: a body Bolt can't parse becomes an empty request marked as
  such, still carrying the raw body its signature covers;
- `SignatureCheck` replaces Bolt's middleware (the app is built with
  `request_verification_enabled=False` and this check first in line): 401 for a missing,
  malformed, stale (or future) timestamp or a wrong signature; then, for a signed request
  Bolt can't route, 400 (or, for an Events API delivery, 200: Slack retries anything else);
- `SlackWsgiHandler` is Bolt's WSGI adapter reading bytes: not UTF-8 is a 400, too big a 413.

Events API retries: `claim_event` records each event id once per workspace before its
listener runs, so a retry (also one arriving while the first delivery is still being handled)
is acknowledged and does nothing.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.middleware import Middleware
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.signature import Clock as _SdkClock
from slack_sdk.signature import SignatureVerifier

from storage import events as store
from storage.db import Database

log = logging.getLogger(__name__)

# Slack's payloads stay far below this; anything bigger is not from Slack.
MAX_BODY_BYTES = 1_000_000
# How long a claimed event id is kept: Slack retries three times within about five minutes.
EVENT_MEMORY = timedelta(days=1)
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
_TEAM_ID = re.compile(r"[A-Z0-9]{1,32}")
_EVENT_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}")

Headers = Mapping[str, str | Sequence[str]]


def _first(headers: Headers, name: str) -> str | None:
    """A header's first value, whatever case or shape (str or list) the caller keeps them in."""
    for key, value in headers.items():
        if key.lower() == name:
            if isinstance(value, str):
                return value
            if isinstance(value, Sequence) and value and isinstance(value[0], str):
                return value[0]
            return None
    return None


class _Clock(_SdkClock):
    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now

    def now(self) -> float:
        return self._now()


class SignatureCheck(Middleware):
    """Lets a request through only when Slack signed it within the last (or next) five minutes.

    Built on slack_sdk's SignatureVerifier (which refuses |now - timestamp| > 300 s either
    way); the timestamp and signature are checked for shape first, so a malformed header is a
    401 rather than an exception. Socket Mode requests come over Slack's own socket and skip it.
    """

    def __init__(self, signing_secret: str, *, clock: Callable[[], float] = time.time) -> None:
        self._verifier = SignatureVerifier(signing_secret, clock=_Clock(clock))

    def is_signed(self, body: str, headers: Headers) -> bool:
        timestamp = _first(headers, "x-slack-request-timestamp")
        signature = _first(headers, "x-slack-signature")
        if timestamp is None or not _TIMESTAMP.fullmatch(timestamp):
            return False
        if signature is None or not _SIGNATURE.fullmatch(signature):
            return False
        try:
            # Refuses |now - timestamp| > 300 s in both directions, then compares the HMAC.
            return self._verifier.is_valid(body, timestamp, signature)
        except UnicodeEncodeError:  # a body no HTTP request could carry
            return False

    def process(
        self,
        *,
        req: BoltRequest,
        resp: BoltResponse,
        next: Callable[[], BoltResponse],
    ) -> BoltResponse:
        if req.mode == "socket_mode":
            return next()
        if not self.is_signed(req.raw_body, req.headers):
            log.info("Refused a request without a valid Slack signature")
            return unauthorized()
        problem = req.context.get(UNPARSEABLE) or shape_problem(req.body)
        if problem is None:
            return next()
        if problem == EVENT or req.body.get("type") == "event_callback":
            # Slack retries an event until it gets a 200; this one can't ever be handled.
            log.warning("Dropped a signed event that isn't well-formed")
            return BoltResponse(status=200, body="")
        log.warning("Refused a signed request that isn't well-formed: %s", problem)
        return bad_request("not a Slack payload")


# The context key marking a request whose body Bolt couldn't parse (its value: EVENT or OTHER).
UNPARSEABLE = "mentorbot_unparseable"
EVENT, OTHER = "an event", "not a payload"


def unauthorized() -> BoltResponse:
    return BoltResponse(status=401, body={"error": "invalid request"})


def bad_request(reason: str) -> BoltResponse:
    return BoltResponse(status=400, body={"error": reason})


def _is(value: Any, kind: type) -> bool:
    return isinstance(value, kind) and not isinstance(value, bool)


def shape_problem(body: Any) -> str | None:
    """What would make Bolt raise on this payload before any listener runs (None: nothing).

    Bolt's listener matching and argument building (slack_bolt.request.payload_utils, run for
    every listener on every request) index into these parts without checking they are there
    or have the type Slack always gives them; a signed payload without them would be a 500.
    """
    if not isinstance(body, dict):
        return "not an object"
    kind = body.get("type")
    if kind == "event_callback" or "event" in body:
        event = body.get("event")
        if not (isinstance(event, dict) and _is(event.get("type"), str)):
            return "event without a type"
    if kind in ("block_actions", "interactive_message"):
        actions = body.get("actions")
        if not (isinstance(actions, list) and actions and isinstance(actions[0], dict)):
            return "actions is not a list of actions"
        # to_action() hands the first action to every action matcher, which reads its id.
        if kind == "block_actions" and not _is(actions[0].get("action_id"), str):
            return "an action without an action_id"
    if kind in ("view_submission", "view_closed"):
        view = body.get("view")
        callback_id = view.get("callback_id") if isinstance(view, dict) else 0
        if not (isinstance(view, dict) and (callback_id is None or _is(callback_id, str))):
            return "view without a callback_id"
        # is_workflow_step_save() reads view["type"] of every submission with a callback_id.
        if kind == "view_submission" and "callback_id" in view and not _is(view.get("type"), str):
            return "view without a type"
    if _is_workflow_step(body) and not isinstance(body.get("workflow_step"), dict):
        # to_step() reads it for a step's edit and save (Mentorbot has no steps to offer).
        return "workflow step without workflow_step"
    if "command" in body and not _is(body.get("command"), str):
        return "command is not a string"
    for key in ("callback_id", "action_id", "block_id"):
        if key in body and not (_is(body[key], str) or body[key] is None):
            return f"{key} is not a string"
    return None


def _is_workflow_step(body: dict) -> bool:
    """A workflow step's edit or save, as Bolt's to_step() recognises them."""
    if body.get("type") == "workflow_step_edit":
        return "callback_id" in body
    view = body.get("view")
    return (
        body.get("type") == "view_submission"
        and isinstance(view, dict)
        and "callback_id" in view
        and view.get("type") == "workflow_step"
    )


def parse_request(body: str, headers: Headers, query: str | None = None) -> BoltRequest:
    """Bolt's request for `body`; for a body Bolt can't parse, an empty one marked UNPARSEABLE.

    BoltRequest parses JSON and form bodies itself and reads ids out of the result; a body
    that is not JSON, JSON that is not an object, or ids of the wrong type make it raise.
    The marked request keeps the raw body, so SignatureCheck still answers 401 or 400.
    """
    try:
        return BoltRequest(body=body, query=query, headers=dict(headers))
    except Exception:  # building the request only parses: whatever fails, it wasn't a payload
        request = BoltRequest(body="", query=query, headers=dict(headers))
        request.raw_body = body
        request.context[UNPARSEABLE] = EVENT if _looks_like_event(body) else OTHER
        return request


def _looks_like_event(body: str) -> bool:
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):
        return False
    return isinstance(parsed, dict) and parsed.get("type") == "event_callback"


def dispatch_raw(
    app: App, body: bytes | str, headers: Headers, query: str | None = None
) -> BoltResponse:
    """Dispatch one HTTP request to the Bolt app; a malformed one gets a 4xx, never a 500."""
    if isinstance(body, bytes):
        if len(body) > MAX_BODY_BYTES:
            return BoltResponse(status=413, body={"error": "request too large"})
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError:
            return bad_request("the body is not UTF-8")
    return app.dispatch(parse_request(body, headers, query))


class SlackWsgiHandler(SlackRequestHandler):
    """Bolt's WSGI adapter, reading the body as bytes and dispatching through `dispatch_raw`."""

    def dispatch(self, request: Any) -> BoltResponse:
        environ = request.environ
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return bad_request("bad Content-Length")
        if length > MAX_BODY_BYTES:
            return BoltResponse(status=413, body={"error": "request too large"})
        stream = environ.get("wsgi.input")
        raw = stream.read(length) if stream is not None and length > 0 else b""
        return dispatch_raw(self.app, raw, request.get_headers(), request.query_string)


def event_key(body: Any) -> tuple[str, str] | None:
    """(team_id, event_id) of an Events API delivery; None when it doesn't carry both."""
    if not isinstance(body, dict):
        return None
    team_id, event_id = body.get("team_id"), body.get("event_id")
    if not (isinstance(team_id, str) and _TEAM_ID.fullmatch(team_id)):
        return None
    if not (isinstance(event_id, str) and _EVENT_ID.fullmatch(event_id)):
        return None
    return team_id, event_id


def claim_event(db: Database, body: Any, *, now: datetime) -> bool:
    """Take on an event: True the first time its id is seen in its workspace, else False.

    The claim is committed before the listener's work starts, so a retry that arrives while
    the first delivery is still running finds it. An event without usable ids (Slack always
    sends them) can't be recognised again and is taken on.
    """
    key = event_key(body)
    if key is None:
        return True
    team_id, event_id = key
    with db.session() as session:
        store.forget_events(session=session, team_id=team_id, before=now - EVENT_MEMORY)
        claimed = store.claim_event(session=session, team_id=team_id, event_id=event_id, now=now)
    if not claimed:
        log.info("Event %s of %s was already taken on; not running it again", event_id, team_id)
    return claimed
