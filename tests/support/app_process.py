"""Runs `python app.py` as a real subprocess for tests: clean environment, bounded waits, no leaks.

The child gets only the environment a test gives it (plus PATH and PYTHONPATH so it imports
this checkout), runs in the test's own directory (so no stray `.env` is read), and writes its
output to files there. `running_app` waits until the bot is ready and always kills it after;
it follows the child's stderr as it comes, so a test can wait for a log line instead of polling.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "app.py"
START_TIMEOUT = 15.0
POLL = 0.05
TAIL = 3000  # how much of a child's log a failed wait shows


class _LogNews:
    """Where every followed child's stderr reports a new line (or its end), waking waiters.

    One for all children, so that a test can wait on what several processes have logged
    between them. The count goes up with each report: a waiter can tell whether anything came
    since it last looked.
    """

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._count = 0

    def arrived(self) -> None:
        with self._changed:
            self._count += 1
            self._changed.notify_all()

    def count(self) -> int:
        with self._changed:
            return self._count

    def wait_past(self, seen: int, timeout: float) -> bool:
        """Block until a report comes after `seen`: True, or False after `timeout`."""
        with self._changed:
            return self._changed.wait_for(lambda: self._count != seen, timeout)


_LOG_NEWS = _LogNews()


def free_port() -> int:
    """A local TCP port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def child_env(settings: Mapping[str, str]) -> dict[str, str]:
    """Exactly `settings`, plus what a Python child needs to find this checkout."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(REPO),
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env.update(settings)
    return env


def run_app(
    args: list[str], settings: Mapping[str, str], *, cwd: Path, timeout: float = 30.0
) -> subprocess.CompletedProcess[str]:
    """`python app.py <args>` to completion (settings problems, `dispatch --once`)."""
    return subprocess.run(
        [sys.executable, str(APP), *args],
        env=child_env(settings),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@dataclass
class AppProcess:
    """A running `python app.py` and where its output goes."""

    popen: subprocess.Popen[bytes]
    stdout_path: Path
    stderr_path: Path
    port: int | None = None
    _stderr_reader: threading.Thread | None = field(default=None, repr=False)
    _stderr_ended: bool = field(default=False, repr=False)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def url(self, path: str) -> str:
        if self.port is None:
            raise RuntimeError("this process was not started in HTTP mode")
        return f"http://127.0.0.1:{self.port}{path}"

    def stdout(self) -> str:
        return self.stdout_path.read_text(errors="replace")

    def stderr(self) -> str:
        """What the process has logged so far (all of it, once it has ended)."""
        if self._stderr_reader is not None and self.popen.poll() is not None:
            self._stderr_reader.join(timeout=5)  # its last lines may still be in the pipe
        return self.stderr_path.read_text(errors="replace")

    def follow_stderr(self, pipe: IO[bytes]) -> None:
        """Copy the child's stderr `pipe` to `stderr_path` line by line, waking output waiters."""
        log = self.stderr_path.open("wb")

        def copy() -> None:
            with pipe, log:
                for line in iter(pipe.readline, b""):
                    log.write(line)
                    log.flush()
                    _LOG_NEWS.arrived()
            self._stderr_ended = True
            _LOG_NEWS.arrived()

        self._stderr_reader = threading.Thread(
            target=copy, name=f"app-stderr-{self.pid}", daemon=True
        )
        self._stderr_reader.start()

    def exited(self, pause: float = 0.0) -> bool:
        """Whether the process has ended, waiting up to `pause` seconds for it to."""
        try:
            self.popen.wait(timeout=pause)
        except subprocess.TimeoutExpired:
            return False
        return True

    def wait_until(self, ready: Callable[[], bool], what: str, timeout: float) -> None:
        """Poll `ready` until true; fail if the process ends or `timeout` passes first."""
        deadline = time.monotonic() + timeout
        while not ready():
            if self.exited(POLL):
                raise AssertionError(
                    f"app.py exited with {self.popen.returncode} before {what}:\n{self.stderr()}"
                )
            if time.monotonic() > deadline:
                raise AssertionError(f"app.py not {what} after {timeout}s:\n{self.stderr()}")

    def wait_for_output(
        self, expected: str | Callable[[str], bool], *, timeout: float = 10.0
    ) -> None:
        """Wait until the process's stderr (its log) contains `expected`, or satisfies it.

        Fails at once if the process ends first, and after `timeout` otherwise.
        """

        def ready() -> bool:
            log = self.stderr()
            return expected in log if isinstance(expected, str) else expected(log)

        what = f"logging {expected!r}" if isinstance(expected, str) else "logging what was expected"
        wait_for_output([self], ready, what=what, timeout=timeout)

    def get(self, path: str, *, timeout: float = 2.0) -> tuple[int, str]:
        """GET `path` on the bot's HTTP port: (status, body)."""
        try:
            with urllib.request.urlopen(self.url(path), timeout=timeout) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")

    def healthy(self) -> bool:
        try:
            return self.get("/healthz", timeout=1.0)[0] == 200
        except (OSError, urllib.error.URLError):
            return False

    def stop(self) -> None:
        """End the process (politely, then by force); never leaves it running."""
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=5)
        if self._stderr_reader is not None:
            self._stderr_reader.join(timeout=5)


def wait_for_output(
    processes: Sequence[AppProcess],
    ready: Callable[[], bool],
    *,
    what: str,
    timeout: float,
    progress: Callable[[], str] | None = None,
) -> None:
    """Block until `ready()` holds, looking again each time one of `processes` logs a line.

    The processes must have been started by `running_app` (which follows their stderr).
    Fails as soon as one of them ends first, or after `timeout`, showing each one's log and,
    on a timeout, what `progress()` says.
    """
    if any(p._stderr_reader is None for p in processes):
        raise RuntimeError("wait_for_output needs processes started by running_app")
    deadline = time.monotonic() + timeout
    while True:
        seen = _LOG_NEWS.count()
        # Read before `ready()` looks: a process that had ended by then has logged everything.
        ended = [p for p in processes if p._stderr_ended]
        if ready():
            return
        if ended:
            gone = ended[0]
            try:
                code: int | None = gone.popen.wait(timeout=5)
            except subprocess.TimeoutExpired:
                code = None  # it closed its stderr but hasn't ended (yet)
            raise AssertionError(
                f"app.py (pid {gone.pid}) exited with {code} before {what}:\n"
                f"{gone.stderr()[-TAIL:]}"
            )
        if not _LOG_NEWS.wait_past(seen, deadline - time.monotonic()):
            logs = "\n".join(f"-- pid {p.pid}:\n{p.stderr()[-TAIL:]}" for p in processes)
            extra = f" ({progress()})" if progress is not None else ""
            raise AssertionError(f"app.py not {what} after {timeout}s{extra}:\n{logs}")


@contextmanager
def running_app(
    settings: Mapping[str, str],
    *,
    cwd: Path,
    args: tuple[str, ...] = (),
    ready: Callable[[AppProcess], None] | None = None,
    timeout: float = START_TIMEOUT,
) -> Iterator[AppProcess]:
    """Start `python app.py`, wait until `ready` (default: GET /healthz answers 200), yield it.

    The process is killed on the way out, whatever the test did.
    """
    port = int(settings["PORT"]) if "PORT" in settings else None
    stdout_path = cwd / f"app-{len(list(cwd.glob('app-*.out')))}.out"
    stderr_path = stdout_path.with_suffix(".err")
    with stdout_path.open("wb") as out:
        popen = subprocess.Popen(
            [sys.executable, str(APP), *args],
            env=child_env(settings),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.PIPE,
        )
    process = AppProcess(popen, stdout_path, stderr_path, port)
    assert popen.stderr is not None
    process.follow_stderr(popen.stderr)
    try:
        if ready is not None:
            ready(process)
        else:
            process.wait_until(process.healthy, "serving /healthz", timeout)
        yield process
    finally:
        process.stop()
