"""Benchmark: resident memory of `python app.py` with many pairs in its database.

A SQLite file gets its schema the way the bot makes it (`python app.py dispatch --once`
against the empty file), then `pairs` pairs with their agreements, bulk-loaded, already
checked for stalling (as in a running program). The bot starts in HTTP mode against the
Slack stand-in; VmRSS is read from /proc/<pid>/status once /healthz answers and the start-up
delivery pass is over, and again after a few requests (`/mentor agenda`, a Sign click and
`/mentor help` for some of the pairs) have been handled. The same run with no pairs is the
baseline: the difference is what the pairs cost.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import (
    REPO,
    SIGNING_SECRET,
    TEAM,
    bot_env,
    child_env,
    free_port,
    healthy,
    memory_kib,
    process,
    python,
    settle,
    standin_with_team,
    wait_until,
)

REQUESTS_PER_KIND = 10


@dataclass(frozen=True)
class MemoryResult:
    pairs: int
    rss_started_mib: float
    rss_after_requests_mib: float
    peak_mib: float
    requests: int
    database_mib: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _load_pairs(url: str, pairs: int) -> None:
    from bench.dispatch import agreement_rows, bench_settings, pair_rows
    from bench.seed import analyze, insert_rows
    from storage.db import make_engine
    from storage.models import AgreementVersion, Pair

    engine = make_engine(url)
    try:
        now = datetime.now(UTC)
        rows = (
            {
                **row,
                "team_id": TEAM,
                "created_at": now - timedelta(days=30),
                "next_health_check_at": now + timedelta(days=7),
            }
            for row in pair_rows(pairs)
        )
        insert_rows(engine, Pair, rows)
        agreements = (
            {**row, "team_id": TEAM} for row in agreement_rows(pairs, bench_settings(url))
        )
        insert_rows(engine, AgreementVersion, agreements)
        analyze(engine)
    finally:
        engine.dispose()


def _requests(standin: Any) -> list[tuple[str, str, str]]:
    """(what, body, content type) of a few requests from people of the first pairs."""
    from bench.dispatch import mentor
    from bot.ids import Action
    from standin.driver import DriverResponse, SlackDriver

    captured: list[tuple[str, dict[str, str]]] = []

    def keep(body: str, headers: dict[str, str]) -> DriverResponse:
        captured.append((body, headers))
        return DriverResponse(200, {}, "")

    capture = SlackDriver(
        signing_secret=SIGNING_SECRET, transport=keep, standin=standin, team_id=TEAM
    )
    found = []
    # The same requests whatever is stored: without pairs, each is answered with a refusal.
    for i in range(1, REQUESTS_PER_KIND + 1):
        channel = f"G{i:09d}"
        capture.command("agenda", user=mentor(i), channel=channel)
        capture.command("help", user=mentor(i), channel=channel)
        capture.click_action(Action.AGREEMENT_SIGN, value=f"{i}:1", user=mentor(i))
    for body, headers in captured:
        found.append(("request", body, headers["Content-Type"]))
    return found


def measure(pairs: int, folder: Path) -> MemoryResult:
    from bench.dispatch import mentee, mentor
    from standin.driver import SlackDriver, http_transport

    people = [u for i in range(1, REQUESTS_PER_KIND + 1) for u in (mentor(i), mentee(i))]
    standin = standin_with_team(people)
    try:
        database = folder / f"memory-{pairs}.db"
        url = f"sqlite:///{database}"
        port = free_port()
        env = bot_env(standin.api_url, url, port)
        subprocess.run(
            [python(), str(REPO / "app.py"), "dispatch", "--once"],
            env=child_env(env),
            cwd=folder,
            check=True,
            capture_output=True,
            timeout=120,
        )
        _load_pairs(url, pairs)
        with process(
            [python(), str(REPO / "app.py")], env, cwd=folder, log=folder / f"app-{pairs}.log"
        ) as child:
            wait_until(lambda: healthy(port), "python app.py", timeout=120)
            settle(lambda: len(standin.calls()), quiet=1.0)
            started = memory_kib(child.pid)
            driver = SlackDriver(
                signing_secret=SIGNING_SECRET,
                transport=http_transport(f"http://127.0.0.1:{port}/slack/events"),
                standin=standin,
                team_id=TEAM,
            )
            sent = 0
            for _what, body, content_type in _requests(standin):
                response = driver.raw(body, {"Content-Type": content_type, **driver.sign(body)})
                if response.status != 200:
                    raise AssertionError(f"the bot answered {response.status}: {response.body}")
                sent += 1
            settle(lambda: len(standin.calls()) + len(standin.responses()), quiet=1.0)
            time.sleep(0.5)
            after = memory_kib(child.pid)
        return MemoryResult(
            pairs=pairs,
            rss_started_mib=round(started["VmRSS"] / 1024, 1),
            rss_after_requests_mib=round(after["VmRSS"] / 1024, 1),
            peak_mib=round(after["VmHWM"] / 1024, 1),
            requests=sent,
            database_mib=round(database.stat().st_size / 2**20, 1),
        )
    finally:
        standin.stop()


def run(pairs: int = 100_000, *, baseline: bool = True) -> list[MemoryResult]:
    """The bot's memory with `pairs` pairs (and, with `baseline`, with none)."""
    with tempfile.TemporaryDirectory() as tmp:
        sizes = [0, pairs] if baseline and pairs else [pairs]
        return [measure(size, Path(tmp)) for size in sizes]
