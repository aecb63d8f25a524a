"""Runs the bot: Socket Mode with an app token, otherwise an HTTP server at /slack/events."""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from apscheduler.schedulers.background import BackgroundScheduler
from slack_bolt.error import BoltError
from slack_sdk.errors import SlackApiError
from sqlalchemy import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.curriculum import CurriculumError
from bot.delivery import PassReport
from bot.deps import Clock, system_clock
from bot.settings import SLACK_APPS_PAGE, Settings
from runtime.assembly import WEB_API_TIMEOUT_SECONDS, Mentorbot, create_app
from runtime.oauth import INSTALL_PATH, OAUTH_REDIRECT_PATH
from runtime.request_guard import SlackWsgiHandler
from storage.migrations import SchemaError

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"
APPS_PAGE = f"your app's page at {SLACK_APPS_PAGE}"
HEALTH_PATH = "/healthz"

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict, StartResponse], Iterable[bytes]]


class StartupError(Exception):
    """The bot can't start; the message says why and what to do."""


def build_bot(settings: Settings, *, clock: Clock = system_clock) -> Mentorbot:
    """create_app, turning a rejected token or an unreachable Slack into a StartupError."""
    try:
        return create_app(settings, clock=clock)
    except BoltError as error:
        raise StartupError(
            f"Slack rejected SLACK_BOT_TOKEN ({error}). Copy the Bot User OAuth Token again from "
            "OAuth & Permissions on your app's page at https://api.slack.com/apps."
        ) from None
    except CurriculumError as error:
        raise StartupError(
            f"the curriculum file (CURRICULUM_FILE) has problems:\n{error}"
        ) from None
    except SchemaError as error:
        raise StartupError(str(error)) from None
    except SQLAlchemyError as error:
        raise StartupError(database_problem(settings.database_url, error)) from None
    except OSError as error:
        raise StartupError(
            f"couldn't reach Slack at {settings.slack_api_url} ({error}). Check the network "
            "and SLACK_API_URL."
        ) from None


def database_problem(url: str, error: SQLAlchemyError) -> str:
    """What to tell an operator whose database can't be opened (the password left out)."""
    shown = make_url(url).render_as_string(hide_password=True)
    cause = " ".join(str(getattr(error, "orig", None) or error).split())
    return (
        f"couldn't use the database at DATABASE_URL {shown} ({cause}). Check "
        "that it is running and reachable, and the URL, user and password."
    )


def wsgi_app(bot: Mentorbot) -> WsgiApp:
    """Slack's requests at /slack/events, a database health check at /healthz, 404 elsewhere.

    With the multi-workspace install, Slack's install flow too: INSTALL_PATH starts it and
    OAUTH_REDIRECT_PATH is where Slack sends the person back.
    """
    # Bolt's adapter, but a body that isn't UTF-8 or isn't a Slack payload gets a 400, not a 500.
    slack = SlackWsgiHandler(bot.app, path=EVENTS_PATH)
    slack_paths = {EVENTS_PATH}
    if bot.app.oauth_flow is not None:
        slack_paths |= {INSTALL_PATH, OAUTH_REDIRECT_PATH}

    def application(environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == HEALTH_PATH:
            try:
                bot.deps.db.ping()
            except Exception:
                log.exception("Health check: database unreachable")
                start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
                return [b"database unreachable\n"]
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok\n"]
        if path in slack_paths:
            return slack(environ, start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found\n"]

    return application


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    # socketserver's default backlog is 5: a burst of Slack requests arriving together would
    # find the door shut (connection refused or reset) before a thread could take them.
    request_queue_size = 128


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)


def listen(host: str, port: int, app: WsgiApp) -> WSGIServer:
    """A threaded WSGI server bound to host:port; StartupError when the port is taken."""
    try:
        return make_server(
            host, port, app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
        )
    except OSError as error:
        raise StartupError(
            f"couldn't listen on PORT {port} ({error.strerror or error}). Is another program "
            "using it? Set PORT to a free port."
        ) from error


def serve_http(bot: Mentorbot, port: int) -> None:
    server = listen("0.0.0.0", port, wsgi_app(bot))
    log.info("Mentorbot is listening for Slack on http://0.0.0.0:%s%s", port, EVENTS_PATH)
    if bot.app.oauth_flow is not None:
        log.info("Install it in a workspace from http://0.0.0.0:%s%s", port, INSTALL_PATH)
    try:
        server.serve_forever()
    finally:
        server.server_close()


DISPATCH_JOB = "deliver-due-prompts"


def start_dispatcher(bot: Mentorbot, interval_seconds: int) -> BackgroundScheduler:
    """One periodic delivery job in this process; overlapping runs are skipped, not stacked.

    A pass waits out short rate limits itself; when it had to send deliveries back to the
    queue for longer (a long Retry-After, a retry after an error), the job runs again as soon
    as the first of them is due rather than at the next tick.
    """
    scheduler = _DispatchScheduler(bot, timezone="UTC")

    def deliver() -> None:
        report = _deliver_safely(bot)
        if report is not None and report.next_attempt_at is not None:
            _come_back_at(scheduler, report.next_attempt_at)

    scheduler.add_job(
        deliver,
        "interval",
        seconds=interval_seconds,
        id=DISPATCH_JOB,
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now(UTC),
    )
    scheduler.start()
    return scheduler


class _DispatchScheduler(BackgroundScheduler):
    """Shutting down first tells a running pass to hand back what it holds, then waits for it."""

    def __init__(self, bot: Mentorbot, **options: Any) -> None:
        super().__init__(**options)
        self._bot = bot

    def shutdown(self, wait: bool = True) -> None:
        dispatcher = getattr(self._bot, "dispatcher", None)
        if dispatcher is not None:
            dispatcher.stop()
        super().shutdown(wait)


# The job's next run is moved at the end of the run before, which still counts as running for
# a moment: never ask for a run sooner than this after it.
_EARLIEST_RERUN = timedelta(milliseconds=100)


def _come_back_at(scheduler: BackgroundScheduler, due: datetime) -> None:
    try:
        job = scheduler.get_job(DISPATCH_JOB)
        if job is None:
            return  # shutting down
        at = max(due, datetime.now(UTC) + _EARLIEST_RERUN)
        if job.next_run_time is None or at < job.next_run_time:
            job.modify(next_run_time=at)
    except Exception:  # only an early run is lost: the next tick comes anyway
        log.debug("Couldn't move the delivery job's next run", exc_info=True)


def _deliver_safely(bot: Mentorbot) -> PassReport | None:
    try:
        return bot.deliver_due()
    except Exception:
        # The next run tries again; what was claimed and not recorded is recovered then.
        log.exception("Delivery pass failed")
        return None


def dispatch_once(settings: Settings) -> int:
    """`python app.py dispatch --once`: the same pass the bot runs, then exit.

    One pass sends everything that was due when it started, pacing itself to Slack's limits
    (so a big burst takes as long as those allow) and waiting out short 429s in place; what it
    had to send back to the queue for longer is left to the next run.
    """
    bot = build_bot(settings)
    report = bot.deliver_due()
    print(
        f"Delivery pass: {report.sent} sent, {report.recovered} recovered, {report.failed} failed, "
        f"{report.expired} expired, {report.withdrawn} withdrawn, {report.deferred} deferred, "
        f"{report.rate_limited} rate limited"
    )
    return 0


# Socket Mode runs on slack_sdk's aiohttp client: it pings every SOCKET_MODE_PING_SECONDS and
# drops a link whose pong is half that late, so a connection that closed, dropped, reset or
# went half-open is replaced within seconds, and nothing spins while it is (the built-in
# client spins a core for a minute after a dropped connection). bench/socket_mode.py measures
# every client and interval; bench/RESULTS.md has the figures.
SOCKET_MODE_PING_SECONDS = 2.0


def socket_mode_handler(bot: Mentorbot, settings: Settings) -> Any:
    """Bolt's Socket Mode adapter for aiohttp, for `bot`; build it inside a running event loop.

    Bolt's adapter runs a synchronous app on the event loop itself; this one hands each
    envelope to a worker thread, so a listener slow to ack holds up neither the other
    envelopes nor the pings that keep the link alive.
    """
    from slack_bolt.adapter.socket_mode.aiohttp import SocketModeHandler
    from slack_bolt.adapter.socket_mode.async_internals import send_async_response
    from slack_bolt.adapter.socket_mode.internals import run_bolt_app
    from slack_sdk.web.async_client import AsyncWebClient

    class Handler(SocketModeHandler):
        async def handle(self, client: Any, req: Any) -> None:
            started = time.time()
            response = await asyncio.to_thread(run_bolt_app, self.app, req)
            await send_async_response(client, req, response, started)

    client_log = logging.getLogger("mentorbot.socket_mode")
    client_log.addFilter(_traceback_at_debug)
    return Handler(
        bot.app,
        settings.slack_app_token,
        logger=client_log,
        # Only for apps.connections.open, with the app token; the app's own calls use bot.client.
        web_client=AsyncWebClient(base_url=settings.slack_api_url, timeout=WEB_API_TIMEOUT_SECONDS),
        ping_interval=SOCKET_MODE_PING_SECONDS,
    )


def _traceback_at_debug(record: logging.LogRecord) -> bool:
    """The client logs each failed try with a traceback, every ping interval while Slack is
    out of reach; its message says what failed, and the traceback is shown at DEBUG only."""
    if not logging.getLogger(record.name).isEnabledFor(logging.DEBUG):
        record.exc_info, record.exc_text = None, None
    return True


async def serve_socket_mode(bot: Mentorbot, settings: Settings) -> None:
    """Connect, serve until SIGTERM (or Ctrl+C), then close the connection."""
    handler = socket_mode_handler(bot, settings)
    stopping = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopping.set)
    connecting: asyncio.Future[None] | None = None
    try:
        # The first URL is asked for here, so that a rejected token or an unreachable Slack
        # stops the start (the client's own connect would retry it forever).
        handler.client.wss_uri = await handler.client.issue_new_wss_url()
        # The client retries a connection that fails; a SIGTERM meanwhile still stops it.
        connecting = asyncio.ensure_future(handler.connect_async())
        await stopping.wait()
        log.info("Mentorbot is closing its Socket Mode connection (SIGTERM)")
    finally:
        if connecting is not None:
            connecting.cancel()
        await handler.close_async()


def run_bot(settings: Settings) -> int:
    bot = build_bot(settings)
    start_dispatcher(bot, settings.dispatch_interval_seconds)
    if settings.slack_app_token:
        log.info("Mentorbot is connecting to Slack in Socket Mode")
        try:
            asyncio.run(serve_socket_mode(bot, settings))
        except SlackApiError as error:
            raise StartupError(
                f"Slack rejected SLACK_APP_TOKEN ({error.response.get('error')}). Generate an "
                "app-level token with the connections:write scope under Basic Information on "
                f"{APPS_PAGE}, or leave SLACK_APP_TOKEN unset to run in HTTP mode."
            ) from None
        except OSError as error:
            raise StartupError(
                f"couldn't reach Slack at {settings.slack_api_url} ({error}). Check the network "
                "and SLACK_API_URL."
            ) from None
    else:
        serve_http(bot, settings.port)
    return 0
