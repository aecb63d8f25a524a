"""Benchmark: ack latency and throughput over HTTP under gunicorn, beside a bare Bolt app.

Both servers run the production setup (`gunicorn -w 2 -k gthread --threads 8`, README
"Running in production"): Mentorbot as `wsgi:application` with its gunicorn.conf.py, the
baseline as bench/bare_app.py (one trivial `ack()` listener). They talk to the Slack
stand-in in this process; Mentorbot keeps its data in a SQLite file prepared here with
`pairs` pairs, each with its agreement posted and a session scheduled.

Three requests, each signed the moment it is sent: `/mentor agenda` from a partner in the
pair's conversation (acked at once, the agenda follows through the response URL), a click on
"Sign agreement" (acked at once, the message updated after), and the "Add action item"
modal's submission (validated and stored before the ack, as modal errors must come in it).
Each runs at 1, 8 and 32 concurrent clients, from a second process (bench/load.py), for both
servers in turn; between cells the stand-in is left to settle so that one cell's trailing
work (Mentorbot's listeners finishing after their acks) doesn't land in the next.
"""

from __future__ import annotations

import json
import statistics
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import (
    ADMIN,
    BOT_TOKEN,
    REPO,
    SIGNING_SECRET,
    TEAM,
    InlineExecutor,
    bot_env,
    free_port,
    healthy,
    process,
    python,
    settle,
    standin_with_team,
    wait_until,
)

KINDS = ("agenda", "sign", "submit")
LABELS = {
    "agenda": "/mentor agenda",
    "sign": "Sign click",
    "submit": "modal submission",
}
# "bare": Bolt as shipped (process_before_response=False: the listener runs in Bolt's executor
# and the request thread looks for its ack every 10 ms), the baseline the goal names;
# "bare_inline": the same app answering in the request's thread (process_before_response=
# True), the fastest a Bolt app answers; "mentorbot": wsgi:application.
SERVERS = ("bare", "bare_inline", "mentorbot")
# Per-client request rates: PACED, each client sends PACED_RATE requests a second (32 clients
# make 64 a second, far above what a program of hundreds of people sends, and within what
# both servers can finish); FLAT_OUT, each sends its next request as the answer arrives.
PACED_RATE, FLAT_OUT = 2.0, 0.0
RATES = (PACED_RATE, FLAT_OUT)
WORKERS, THREADS = 2, 8
SLACK_LIMIT = 3.0


@dataclass(frozen=True)
class Cell:
    """One (request, concurrency, server) measurement."""

    kind: str
    concurrency: int
    server: str
    rate: float  # requests a second per client; 0: flat out (closed loop)
    requests: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    per_second: float
    non_200: int
    errors: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def _prepare(folder: Path, standin: Any, pairs: int) -> tuple[str, dict[str, list[dict]]]:
    """The SQLite file with `pairs` pairs, and each request kind's bodies (one per pair)."""
    from blocks.actions import build_add_action_modal
    from bot import sessions
    from bot.actions import OWNER, TEXT
    from bot.ids import Action
    from bot.sessions import ScheduleRequest
    from bot.settings import Cadence, load_settings
    from runtime.assembly import create_app
    from standin.driver import SlackDriver
    from storage.models import Pair
    from tests.support.in_process import bolt_transport

    url = f"sqlite:///{folder / 'mentorbot.db'}"
    settings = load_settings(bot_env(standin.api_url, url, 3000))
    bot = create_app(settings, listener_executor=InlineExecutor())
    driver = SlackDriver(
        signing_secret=SIGNING_SECRET,
        transport=bolt_transport(bot.app),
        standin=standin,
        team_id=TEAM,
    )
    now = datetime.now(UTC)
    made: list[Pair] = []
    for i in range(pairs):
        mentor, mentee = f"UBM{i:06d}", f"UBE{i:06d}"
        driver.command(f"pair <@{mentor}> <@{mentee}>", user=ADMIN)
    from sqlmodel import select

    with bot.deps.db.session() as session:
        made = list(session.exec(select(Pair).order_by(Pair.id)).all())
    for pair in made:
        assert pair.id is not None
        sessions.schedule_session(
            bot.deps.db,
            team_id=pair.team_id,
            pair_id=pair.id,
            user_id=pair.mentor_id,
            request=ScheduleRequest(
                (now + timedelta(days=2)).replace(minute=0, second=0, microsecond=0),
                60,
                Cadence.WEEKLY,
            ),
            program=settings.program,
            now=now,
        )
    bot.deliver_due()  # what's due goes now, not during the measurement
    bot.deps.db.engine.dispose()

    captured: list[tuple[str, dict[str, str]]] = []

    def keep(body: str, headers: dict[str, str]) -> Any:
        from standin.driver import DriverResponse

        captured.append((body, headers))
        return DriverResponse(200, {}, "")

    capture = SlackDriver(
        signing_secret=SIGNING_SECRET, transport=keep, standin=standin, team_id=TEAM
    )
    bodies: dict[str, list[dict]] = {kind: [] for kind in KINDS}

    def take(kind: str) -> None:
        body, headers = captured.pop()
        bodies[kind].append({"body": body, "content_type": headers["Content-Type"]})

    for pair in made:
        capture.command("agenda", user=pair.mentor_id, channel=pair.channel_id)
        take("agenda")
        agreement = next(
            m
            for m in standin.messages(pair.channel_id)
            if any(
                e.get("action_id") == Action.AGREEMENT_SIGN
                for b in m.get("blocks") or []
                for e in b.get("elements") or []
            )
        )
        capture.click(agreement, "Sign agreement", user=pair.mentor_id)
        take("sign")
        modal = build_add_action_modal(pair, asker=pair.mentor_id, partner_name="", zones={})
        owner = next(b for b in modal["blocks"] if b.get("block_id") == OWNER)
        me = owner["element"]["options"][0]["value"]
        capture.submit(modal, {OWNER: me, TEXT: "Prepare the demo"}, user=pair.mentor_id)
        take("submit")
    return url, bodies


def _measure(
    folder: Path,
    port: int,
    bodies: list[dict],
    concurrency: int,
    warmup: float,
    duration: float,
    rate: float,
) -> dict[str, Any]:
    spec = {
        "rate": rate,
        "port": port,
        "path": "/slack/events",
        "secret": SIGNING_SECRET,
        "concurrency": concurrency,
        "warmup": warmup,
        "duration": duration,
        "requests": bodies,
    }
    spec_path, result_path = folder / "spec.json", folder / "result.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    import subprocess

    subprocess.run(
        [python(), "-m", "bench.load", str(spec_path), str(result_path)],
        cwd=REPO,
        check=True,
        timeout=warmup + duration + 120,
    )
    return json.loads(result_path.read_text(encoding="utf-8"))


def run(
    *,
    pairs: int = 64,
    concurrencies: tuple[int, ...] = (1, 8, 32),
    warmup: float = 1.0,
    duration: float = 5.0,
    workers: int = WORKERS,
    threads: int = THREADS,
    rates: tuple[float, ...] = RATES,
    paced_duration: float | None = None,
) -> list[Cell]:
    """Measure every (request, load, concurrency) for every server; one Cell each."""
    users = [u for i in range(pairs) for u in (f"UBM{i:06d}", f"UBE{i:06d}")]
    standin = standin_with_team(users)
    cells: list[Cell] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            url, bodies = _prepare(folder, standin, pairs)
            ports = {server: free_port() for server in SERVERS}
            gunicorn = [python(), "-m", "gunicorn", "-k", "gthread", "-w", str(workers)]
            gunicorn += ["--threads", str(threads), "--log-level", "warning"]
            bare_env = {
                "BENCH_SLACK_API_URL": standin.api_url,
                "BENCH_SIGNING_SECRET": SIGNING_SECRET,
                "BENCH_BOT_TOKEN": BOT_TOKEN,
            }
            bare_app = "bench.bare_app:application"
            # server: (gunicorn's arguments after the common ones, environment, ready when)
            setups: dict[str, tuple[list[str], dict[str, str], Callable[[], bool]]] = {
                "mentorbot": (
                    ["-c", str(REPO / "gunicorn.conf.py"), "wsgi:application"],
                    bot_env(standin.api_url, url, ports["mentorbot"]),
                    lambda: healthy(ports["mentorbot"]),
                ),
                "bare": ([bare_app], bare_env, lambda: _listening(ports["bare"])),
                "bare_inline": (
                    [bare_app],
                    {**bare_env, "BENCH_PROCESS_BEFORE_RESPONSE": "1"},
                    lambda: _listening(ports["bare_inline"]),
                ),
            }
            # All run in the scratch folder, so none reads a .env or another's config.
            with ExitStack() as servers:
                for server, (args, env, _) in setups.items():
                    bind = ["-b", f"127.0.0.1:{ports[server]}"]
                    log = folder / f"{server}.log"
                    servers.enter_context(
                        process([*gunicorn, *bind, *args], env, cwd=folder, log=log)
                    )
                for server, (_, _, ready) in setups.items():
                    wait_until(ready, f"{server} under gunicorn")
                settle(lambda: len(standin.calls()))
                for kind in KINDS:
                    for rate in rates:
                        for concurrency in concurrencies:
                            for server in SERVERS:
                                standin.clear()
                                result = _measure(
                                    folder,
                                    ports[server],
                                    bodies[kind],
                                    concurrency,
                                    warmup,
                                    (paced_duration or duration) if rate else duration,
                                    rate,
                                )
                                settle(lambda: len(standin.calls()) + len(standin.responses()))
                                cells.append(_cell(kind, concurrency, server, rate, result))
    finally:
        standin.stop()
    return cells


def _listening(port: int) -> bool:
    import socket

    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _cell(kind: str, concurrency: int, server: str, rate: float, result: dict[str, Any]) -> Cell:
    latencies = result["latencies"]
    ok = result["statuses"].get("200", 0)
    return Cell(
        kind=kind,
        concurrency=concurrency,
        server=server,
        rate=rate,
        requests=len(latencies),
        p50_ms=round(statistics.median(latencies) * 1000, 2) if latencies else float("nan"),
        p99_ms=round(percentile(latencies, 0.99) * 1000, 2),
        max_ms=round(max(latencies) * 1000, 2) if latencies else float("nan"),
        per_second=round(len(latencies) / result["seconds"], 1),
        non_200=len(latencies) - ok,
        errors=result["errors"],
    )


def load_label(rate: float) -> str:
    """How the clients sent: paced at `rate` a second each, or flat out."""
    return f"{rate:g}/s each" if rate else "flat out"


def ratios(cells: list[Cell]) -> list[dict[str, Any]]:
    """Mentorbot's p99 over the bare app's, per request, load and concurrency."""
    by = {(c.kind, c.rate, c.concurrency, c.server): c for c in cells}
    rows = []
    for kind, rate, concurrency in sorted(
        {(c.kind, c.rate, c.concurrency) for c in cells},
        key=lambda k: (KINDS.index(k[0]), -k[1], k[2]),
    ):
        ours, bare, inline = (
            by.get((kind, rate, concurrency, "mentorbot")),
            by.get((kind, rate, concurrency, "bare")),
            by.get((kind, rate, concurrency, "bare_inline")),
        )
        if ours is None or bare is None:
            continue
        rows.append(
            {
                "kind": kind,
                "rate": rate,
                "concurrency": concurrency,
                "mentorbot_p99_ms": ours.p99_ms,
                "bare_p99_ms": bare.p99_ms,
                "ratio": round(ours.p99_ms / bare.p99_ms, 2) if bare.p99_ms else float("nan"),
                "inline_p99_ms": inline.p99_ms if inline else float("nan"),
                "inline_ratio": (
                    round(ours.p99_ms / inline.p99_ms, 2)
                    if inline and inline.p99_ms
                    else float("nan")
                ),
                "under_slack_limit": ours.p99_ms < SLACK_LIMIT * 1000,
            }
        )
    return rows
