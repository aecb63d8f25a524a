"""Production HTTP entry point: `gunicorn wsgi:application` (README, "Running in production").

Importing this module reads the settings, upgrades the database and builds the bot; it starts
no thread. Each process that serves requests runs its own delivery scheduler, started after
gunicorn has forked it (gunicorn.conf.py calls `start_dispatcher_once` in each worker), never
in gunicorn's master: threads do not survive a fork. Several processes each running the
dispatcher is safe, because every delivery is claimed in the database before it is sent.
Under a server without those hooks, a process starts its scheduler with its first request.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Iterable
from typing import NoReturn

from apscheduler.schedulers.background import BackgroundScheduler

from bot.settings import Settings, SettingsError, load_settings, read_environment
from runtime.assembly import Mentorbot
from runtime.runner import StartResponse, StartupError, build_bot, start_dispatcher, wsgi_app

log = logging.getLogger("mentorbot.wsgi")
# gunicorn stops (rather than restarting workers forever) when a worker exits with this.
WORKER_BOOT_ERROR = 3


def _build() -> tuple[Settings, Mentorbot]:
    try:
        settings = load_settings(read_environment())
    except SettingsError as error:
        problems = "".join(f"\n  - {problem}" for problem in error.problems)
        _refuse(f"Mentorbot can't start; fix these settings (see .env.example):{problems}")
    try:
        return settings, build_bot(settings)
    except StartupError as error:
        _refuse(f"Mentorbot can't start: {error}")


def _refuse(message: str) -> NoReturn:
    print(message, file=sys.stderr, flush=True)
    raise SystemExit(WORKER_BOOT_ERROR)


settings, bot = _build()
_serve = wsgi_app(bot)
_lock = threading.Lock()
_scheduler: BackgroundScheduler | None = None
_scheduler_pid: int | None = None


def start_dispatcher_once() -> None:
    """Start this process's delivery scheduler, unless it already runs."""
    global _scheduler, _scheduler_pid
    with _lock:
        if _scheduler_pid == os.getpid():
            return
        _scheduler = start_dispatcher(bot, settings.dispatch_interval_seconds)
        _scheduler_pid = os.getpid()
    log.info("Delivery scheduler started in process %s", _scheduler_pid)


def after_fork() -> None:
    """In a forked child: drop the parent's database connections (never share them)."""
    bot.deps.db.engine.dispose(close=False)


def stop_dispatcher() -> None:
    """Let a running delivery pass finish, then stop (a worker shutting down)."""
    if _scheduler is not None and _scheduler_pid == os.getpid():
        _scheduler.shutdown(wait=True)


def application(environ: dict, start_response: StartResponse) -> Iterable[bytes]:
    if _scheduler_pid != os.getpid():
        start_dispatcher_once()
    return _serve(environ, start_response)
