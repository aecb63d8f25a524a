"""The sandbox's web page and its small JSON API, in front of the bot's own WSGI app.

`/` is the page (plain HTML, CSS and JS from sandbox/static, no build step), `/sandbox/api/…`
is what the page asks and does, `/sandbox/api/events` tells it when to look again
(server-sent events), and `/sandbox/files/…` serves what the bot uploaded. Everything else
goes to the bot's app, so the page's requests reach `/slack/events` signed, as Slack's do.
Only requests addressed to this machine (Host 127.0.0.1 or localhost) are answered, and the
API takes JSON only, so another web page open in the same browser can't drive it.
"""

from __future__ import annotations

import json
import logging
import threading
import urllib.parse
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from sandbox.client import SandboxClient, SandboxError

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent / "static"
_TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css", ".js": "text/javascript"}
_LOCAL_HOSTS = ("127.0.0.1", "localhost")
EVENTS_HEARTBEAT_SECONDS = 15.0
MAX_BODY = 5 * 1024 * 1024

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict, StartResponse], Iterable[bytes]]


class SandboxApp:
    """The page, its API and the files, with the bot's WSGI app behind them."""

    def __init__(self, client: SandboxClient, bot_app: WsgiApp) -> None:
        self.client = client
        self.bot_app = bot_app
        self.stopping = threading.Event()
        self._posts: dict[str, Callable[[dict], dict]] = {
            "/sandbox/api/send": lambda b: client.send(
                _user(b), _text(b, "channel"), _text(b, "text")
            ),
            "/sandbox/api/home": lambda b: _done(client.open_home(_user(b))),
            "/sandbox/api/act": lambda b: client.act(
                _user(b),
                surface=b.get("surface") if isinstance(b.get("surface"), dict) else {},
                block_id=_text(b, "block_id"),
                action_id=_text(b, "action_id"),
                value=b.get("value"),
                entered=_entered(b),
            ),
            "/sandbox/api/submit": lambda b: client.submit(
                _user(b), _text(b, "view_id"), _entered(b)
            ),
            "/sandbox/api/close": lambda b: client.close_modal(
                _user(b), _text(b, "view_id"), everything=bool(b.get("all"))
            ),
            "/sandbox/api/clock": lambda b: client.move_clock(_text(b, "how")),
        }

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/slack/") or path == "/healthz":
            return self.bot_app(environ, start_response)
        host = (environ.get("HTTP_HOST") or "").rsplit(":", 1)[0].strip("[]")
        if host not in _LOCAL_HOSTS:
            return _plain(start_response, "403 Forbidden", "The sandbox answers only 127.0.0.1.\n")
        method = environ.get("REQUEST_METHOD", "GET")
        query = dict(urllib.parse.parse_qsl(environ.get("QUERY_STRING", "")))
        try:
            if method == "GET" and path in ("/", "/index.html"):
                return _static(start_response, "index.html")
            if method == "GET" and path.startswith("/sandbox/static/"):
                return _static(start_response, path.rsplit("/", 1)[-1])
            if method == "GET" and path == "/sandbox/api/state":
                state = self.client.state(query.get("user", ""), query.get("where", ""))
                return _json(start_response, state)
            if method == "GET" and path == "/sandbox/api/events":
                return self._events(start_response, query.get("since", ""))
            if method == "GET" and path.startswith("/sandbox/files/"):
                return self._file(start_response, path)
            if method == "POST" and path in self._posts:
                return _json(start_response, self._posts[path](_body(environ)))
        except SandboxError as error:
            return _json(start_response, {"ok": False, "problem": str(error)}, "400 Bad Request")
        return _plain(start_response, "404 Not Found", "not found\n")

    def _events(self, start_response: StartResponse, since: str) -> Iterator[bytes]:
        start_response(
            "200 OK",
            [
                ("Content-Type", "text/event-stream"),
                ("Cache-Control", "no-cache"),
                ("X-Accel-Buffering", "no"),
            ],
        )
        return self._event_stream(since)

    def _event_stream(self, since: str) -> Iterator[bytes]:
        yield b"retry: 1000\n\n"
        seen = since
        while not self.stopping.is_set():
            now = self.client.wait_for_change(seen, timeout=EVENTS_HEARTBEAT_SECONDS)
            if self.stopping.is_set():
                return
            if now != seen:
                seen = now
                yield f"data: {now}\n\n".encode()
            else:
                yield b": still here\n\n"

    def _file(self, start_response: StartResponse, path: str) -> list[bytes]:
        parts = path.split("/")
        found = self.client.file(parts[3]) if len(parts) > 3 else None
        if found is None:
            return _plain(start_response, "404 Not Found", "no such file\n")
        name, content = found
        kind = {"ics": "text/calendar", "csv": "text/csv", "json": "application/json"}.get(
            name.rsplit(".", 1)[-1].lower(), "application/octet-stream"
        )
        quoted = urllib.parse.quote(name)
        start_response(
            "200 OK",
            [
                ("Content-Type", kind),
                ("Content-Length", str(len(content))),
                ("Content-Disposition", f"attachment; filename*=UTF-8''{quoted}"),
            ],
        )
        return [content]


def _done(_: object) -> dict:
    return {"ok": True}


def _user(body: dict) -> str:
    return _text(body, "user")


def _text(body: dict, key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str):
        raise SandboxError(f"The page sent no {key}.")
    return value


def _entered(body: dict) -> dict:
    entered = body.get("entered")
    return entered if isinstance(entered, dict) else {}


def _body(environ: dict) -> dict:
    if "application/json" not in (environ.get("CONTENT_TYPE") or ""):
        raise SandboxError("The sandbox's API takes JSON.")
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY:
        raise SandboxError("That is too big for the sandbox (5 MB at most).")
    raw = environ["wsgi.input"].read(length) if length else b""
    try:
        body = json.loads(raw.decode("utf-8") or "{}")
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise SandboxError("The page sent something that isn't JSON.") from None
    if not isinstance(body, dict):
        raise SandboxError("The page sent something that isn't a JSON object.")
    return body


def _json(start_response: StartResponse, payload: dict, status: str = "200 OK") -> list[bytes]:
    body = json.dumps(payload).encode()
    start_response(
        status,
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
        ],
    )
    return [body]


def _plain(start_response: StartResponse, status: str, text: str) -> list[bytes]:
    body = text.encode()
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def _static(start_response: StartResponse, name: str) -> list[bytes]:
    path = STATIC / name
    if path.parent != STATIC or not path.is_file():
        return _plain(start_response, "404 Not Found", "not found\n")
    body = path.read_bytes()
    start_response(
        "200 OK",
        [
            ("Content-Type", _TYPES.get(path.suffix, "application/octet-stream")),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-cache"),
        ],
    )
    return [body]
