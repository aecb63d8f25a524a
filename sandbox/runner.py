"""`python app.py sandbox`: the real bot against the built-in Slack stand-in, in a web page.

It starts the stand-in with the sample workspace, builds Mentorbot on a fresh SQLite file in
a temporary folder (removed when the sandbox stops), on the sandbox's own clock, and serves
the page and the bot's /slack/events on 127.0.0.1:PORT only. Nothing reaches Slack: the
settings of a real workspace make it refuse to start.
"""

from __future__ import annotations

import errno
import secrets
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO, cast
from wsgiref.simple_server import WSGIServer

from bot.delivery import Dispatcher
from bot.settings import SLACK_APPS_PAGE, Settings, load_sandbox_settings
from runtime.assembly import Mentorbot
from runtime.runner import EVENTS_PATH, StartupError, build_bot, listen, start_dispatcher, wsgi_app
from sandbox import people
from sandbox.client import SandboxClient
from sandbox.clock import SandboxClock, TimeMachine, Upcoming
from sandbox.web import SandboxApp
from standin.driver import SlackDriver, http_transport
from standin.web_api import SlackStandIn
from storage import deliveries, sessions

HOST = "127.0.0.1"


@dataclass
class Sandbox:
    """A running sandbox: its stand-in, bot, page and where its data lives."""

    standin: SlackStandIn
    bot: Mentorbot
    client: SandboxClient
    app: SandboxApp
    server: WSGIServer
    folder: Path
    settings: Settings

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server.server_address[1]}/"

    def serve(self) -> None:
        self.server.serve_forever(poll_interval=0.2)

    def close(self) -> None:
        self.app.stopping.set()
        self.server.server_close()
        self.standin.stop()
        self.bot.deps.db.engine.dispose()
        shutil.rmtree(self.folder, ignore_errors=True)


def build_sandbox(env: Mapping[str, str]) -> Sandbox:
    """Everything, bound and built but not serving yet (SettingsError, StartupError)."""
    clock = SandboxClock()
    standin = SlackStandIn(clock=clock.timestamp).start()
    folder = Path(tempfile.mkdtemp(prefix="mentorbot-sandbox-"))
    try:
        bot_token = f"xoxb-sandbox-{secrets.token_hex(12)}"
        people.seed(standin, bot_token=bot_token)
        settings = load_sandbox_settings(
            env,
            bot_token=bot_token,
            signing_secret=secrets.token_hex(16),
            api_url=standin.api_url,
            database_url=f"sqlite:///{folder / 'mentorbot.db'}",
            admins=frozenset({people.ADMIN.user_id}),
        )
        server = _listen(settings.port)
        try:
            bot = build_bot(settings, clock=clock)
            driver = SlackDriver(
                signing_secret=settings.slack_signing_secret,
                transport=http_transport(f"http://{HOST}:{settings.port}{EVENTS_PATH}"),
                standin=standin,
                team_id=people.TEAM_ID,
                api_app_id=standin.app_id,
            )
            machine = TimeMachine(
                clock,
                _upcoming(bot),
                after_session=timedelta(minutes=settings.program.after_session_minutes),
            )
            client = SandboxClient(standin=standin, driver=driver, time_machine=machine)
            app = SandboxApp(client, wsgi_app(bot))
            server.set_app(app)
        except BaseException:
            server.server_close()
            raise
    except BaseException:
        standin.stop()
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return Sandbox(standin, bot, client, app, server, folder, settings)


def _listen(port: int) -> WSGIServer:
    try:
        return listen(HOST, port, lambda environ, start_response: [])
    except StartupError as error:
        cause = error.__cause__
        if not isinstance(cause, OSError) or cause.errno != errno.EADDRINUSE:
            raise
        raise StartupError(
            f"the sandbox couldn't listen on {HOST}:{port}: another program (another "
            f"Mentorbot?) is using that port. Stop it, or choose a free port: "
            f"PORT={port + 1 if port < 65535 else 3000} make run"
        ) from None


def _upcoming(bot: Mentorbot) -> Upcoming:
    db = bot.deps.db

    def next_due() -> datetime | None:
        with db.session() as session:
            return deliveries.next_pending_at(session=session)

    def next_session(now: datetime) -> tuple[datetime, datetime] | None:
        with db.session() as session:
            found = sessions.next_scheduled(session=session, now=now)
            return (found.starts_at, found.ends_at) if found else None

    return Upcoming(next_due=next_due, next_session=next_session, run_pass=bot.deliver_due)


def run_sandbox(
    env: Mapping[str, str],
    *,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    started: Callable[[Sandbox], None] | None = None,
) -> int:
    """Start the sandbox and serve until interrupted; the page's address is `out`'s one line."""
    sandbox = build_sandbox(env)
    passes = cast(Mentorbot, _OneAtATime(sandbox.bot, sandbox.client.time))
    scheduler = start_dispatcher(passes, sandbox.settings.dispatch_interval_seconds)
    if threading.current_thread() is threading.main_thread():
        # Stopped by a service manager or a test (SIGTERM): clean up as for Ctrl+C.
        signal.signal(signal.SIGTERM, _interrupt)
    try:
        print(explanation(sandbox), file=err, flush=True)
        print(sandbox.url, file=out, flush=True)
        if started is not None:
            threading.Thread(target=started, args=(sandbox,), daemon=True).start()
        sandbox.serve()
    finally:
        scheduler.shutdown(wait=True)
        sandbox.close()
    return 0


class _OneAtATime:
    """The bot as the background scheduler sees it: its passes wait while the clock moves."""

    def __init__(self, bot: Mentorbot, time_machine: TimeMachine) -> None:
        self._bot = bot
        self._time = time_machine

    @property
    def dispatcher(self) -> Dispatcher:
        return self._bot.dispatcher

    def deliver_due(self) -> object:
        return self._time.run_pass()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def explanation(sandbox: Sandbox) -> str:
    """What the terminal says before the address: what this is, and how to connect Slack."""
    return "\n".join(
        [
            "This is Mentorbot's sandbox: the real bot with a pretend Slack workspace "
            f"({people.TEAM_NAME}, {len(people.PEOPLE)} people), on this computer only. "
            "Nothing reaches Slack.",
            f"Its data is in {sandbox.folder / 'mentorbot.db'} and goes when you stop it (Ctrl+C).",
            "To connect a real Slack workspace instead, create the app from manifest.yml at "
            f"{SLACK_APPS_PAGE} and put SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET and "
            "SLACK_APP_TOKEN in .env (see README, 'Create the Slack app'); then make run "
            "starts the bot in Slack.",
            "Open the sandbox in your browser:",
        ]
    )
