"""What the benchmarks share: the Slack stand-in, child processes, ports, and resident memory."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Executor, Future
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SIGNING_SECRET = "bench-signing-secret"
BOT_TOKEN = "xoxb-bench-token"
TEAM = "TBENCH01"
ADMIN = "UBENCHADM"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def child_env(settings: Mapping[str, str]) -> dict[str, str]:
    """Exactly `settings`, plus what a Python child needs to import this checkout."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(REPO),
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        **settings,
    }


def bot_env(standin_url: str, database_url: str, port: int) -> dict[str, str]:
    """A complete environment for Mentorbot against the stand-in (HTTP mode)."""
    return {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": standin_url,
        "DATABASE_URL": database_url,
        "MENTORBOT_ADMINS": ADMIN,
        "PORT": str(port),
        # One pass at start, then none while measuring.
        "MENTORBOT_DISPATCH_INTERVAL_SECONDS": "3600",
        "LOG_LEVEL": "WARNING",
    }


def wait_until(ready: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not ready after {timeout}s")
        time.sleep(0.05)


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as answer:
            return answer.status == 200
    except (OSError, urllib.error.URLError):
        return False


@contextmanager
def process(
    args: list[str], env: Mapping[str, str], *, cwd: Path, log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """A child process that is always stopped (politely, then by force) on the way out."""
    with log.open("wb") as out:
        child = subprocess.Popen(
            args, env=child_env(env), cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=out
        )
    try:
        yield child
    finally:
        if child.poll() is None:
            child.terminate()
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait(timeout=5)


def python() -> str:
    return sys.executable


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of a process, in KiB, from /proc/<pid>/status."""
    found = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                found[key] = int(value.split()[0])
    return found


def settle(count: Callable[[], int], *, quiet: float = 0.5, timeout: float = 60.0) -> None:
    """Wait until `count` (e.g. the stand-in's calls) stops growing for `quiet` seconds."""
    deadline = time.monotonic() + timeout
    last, since = count(), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.1)
        now = count()
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return


class InlineExecutor(Executor):
    """Runs each listener before dispatch returns (for setting a benchmark up in-process)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:
            future.set_exception(error)
        return future


def standin_with_team(users: list[str]) -> Any:
    """A started Slack stand-in with the benchmark's workspace and these people in it."""
    from standin.web_api import SlackStandIn

    standin = SlackStandIn().start()
    standin.add_workspace(TEAM, bot_token=BOT_TOKEN, bot_user_id="UBENCHBOT")
    standin.add_user(TEAM, ADMIN, name="admin")
    for user in users:
        standin.add_user(TEAM, user, name=user.lower())
    standin.response_url_max_uses = None  # load tests reuse each request's response URL
    return standin


def load_average() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "n/a"
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"
