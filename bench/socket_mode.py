"""Benchmark: how slack_sdk's Socket Mode clients come back after a connection goes wrong.

Each candidate — one of slack_sdk's four clients (the built-in one, websocket-client, aiohttp,
websockets) through Bolt's adapter for it, with a ping interval — runs a bare Bolt app in a
child process (`python -m bench.socket_mode client …`) against the Slack stand-in and the
Socket Mode stand-in (standin/socket_mode.py), a real WebSocket server on
127.0.0.1. The last row is Mentorbot itself, `python app.py` with SLACK_APP_TOKEN set, as the
runner builds it.

For each fault, in a fresh child that has connected and answered a first command:

- **disconnect**: Slack's `disconnect` message (`refresh_requested`) on the open connection;
- **close**: a clean close (close frames both ways, then the TCP close);
- **drop**: the TCP connection ends with no close frame (a FIN: a proxy or server gone);
- **reset**: the same with a RST;
- **half-open**: the link goes silent — nothing is read, no ping answered, nothing sent, while
  the TCP connection stays up (Wi-Fi changed, the laptop slept, a NAT forgot the flow).

Measured: the seconds from the fault until a command sent on a new connection is acked
("answering again"; given up after `cap` seconds), the connections opened meanwhile, and the
child's CPU time over that wall time as a percentage of one core (from /proc/<pid>/stat) —
then the same percentage over the 3 s after, to catch a loop left spinning. The goal: every
fault answered again within 10 s, and no core spun (under 25 % while reconnecting).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.common import (
    ADMIN,
    BOT_TOKEN,
    REPO,
    SIGNING_SECRET,
    TEAM,
    bot_env,
    free_port,
    process,
    python,
    standin_with_team,
)

APP_TOKEN = "xapp-1-ABENCH01-1-bench"
FAULTS = ("disconnect", "close", "drop", "reset", "half-open")
GOAL_SECONDS = 10.0
SPINNING_PERCENT = 25.0
AFTER_SECONDS = 3.0
MIN_CPU_WINDOW = 2.0
START_TIMEOUT = 60.0
ACK_SECONDS = 3.0  # how long Slack waits for an ack
# The library each client needs, by its import name.
LIBRARIES = {
    "builtin": None,
    "websocket_client": "websocket",
    "aiohttp": "aiohttp",
    "websockets": "websockets",
}
MENTORBOT = "mentorbot"


@dataclass(frozen=True)
class Candidate:
    client: str  # a key of LIBRARIES, or MENTORBOT
    ping_interval: float | None = None  # None: as the client (or Mentorbot's runner) sets it

    @property
    def label(self) -> str:
        if self.client == MENTORBOT:
            from runtime.runner import SOCKET_MODE_PING_SECONDS

            return f"Mentorbot: python app.py (aiohttp, ping {SOCKET_MODE_PING_SECONDS:g} s)"
        return f"{self.client}, ping {self.ping_interval:g} s"


# Bolt's adapters default to a 10 s ping; the shorter intervals are the candidates' best shot
# at noticing a dead link within the goal.
CANDIDATES = (
    Candidate("builtin", 10),
    Candidate("builtin", 2),
    Candidate("websocket_client", 10),
    Candidate("websocket_client", 2),
    Candidate("websockets", 10),
    Candidate("websockets", 2),
    Candidate("aiohttp", 10),
    Candidate("aiohttp", 2),
    Candidate(MENTORBOT),
)


@dataclass(frozen=True)
class Recovery:
    """One fault against one candidate."""

    candidate: str
    fault: str
    seconds: float | None  # None: not answering again within the cap
    cap: float
    connections: int
    cpu_percent: float
    cpu_after_percent: float
    note: str = ""

    @property
    def met(self) -> bool:
        return (
            self.seconds is not None
            and self.seconds <= GOAL_SECONDS
            and self.cpu_percent < SPINNING_PERCENT
            and self.cpu_after_percent < SPINNING_PERCENT
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def by_candidate(found: Sequence[Recovery]) -> list[dict[str, Any]]:
    """Per candidate, in order: its slowest recovery (None: one never came), most CPU, goal."""
    grouped: dict[str, list[Recovery]] = {}
    for recovery in found:
        grouped.setdefault(recovery.candidate, []).append(recovery)
    summary = []
    for candidate, runs in grouped.items():
        missing = [r for r in runs if r.seconds is None]
        slowest = missing[0] if missing else max(runs, key=lambda r: r.seconds or 0.0)
        summary.append(
            {
                "candidate": candidate,
                "faults": [r.fault for r in runs],
                "worst_seconds": slowest.seconds,
                "worst_fault": slowest.fault,
                "most_cpu_percent": max(max(r.cpu_percent, r.cpu_after_percent) for r in runs),
                "met": all(r.met for r in runs),
            }
        )
    return summary


def installed(candidate: Candidate) -> bool:
    library = LIBRARIES.get(candidate.client)
    return library is None or importlib.util.find_spec(library) is not None


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of process `pid` (all its threads), in seconds."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# -- the parent: stand-ins, faults, timing -------------------------------------------------------
def measure(
    candidate: Candidate, fault: str, *, cap: float, folder: Path, log: Any = print
) -> Recovery:
    """Start `candidate`, let it answer once, inflict `fault`, time its way back."""
    from standin.driver import SlackDriver
    from standin.socket_mode import LinkClosed, SocketModeServer

    standin = standin_with_team([])
    server = SocketModeServer(app_id="ABENCH01").start().attach(standin)
    standin.add_app_token(APP_TOKEN, TEAM)
    driver = SlackDriver(
        signing_secret=SIGNING_SECRET, transport=server.transport(), standin=standin, team_id=TEAM
    )
    name = f"{candidate.client}-{candidate.ping_interval}-{fault}"
    try:
        args, env = _child(candidate, standin.api_url, folder, name)
        with process(args, env, cwd=folder, log=folder / f"{name}.log") as child:
            first = server.wait_for_link(1, timeout=START_TIMEOUT)
            driver.command("help", user=ADMIN)  # answering (the transport waits for the ack)
            opened = server.opened
            cpu_before, started = cpu_seconds(child.pid), time.monotonic()
            _inflict(fault, first)
            seconds, note = None, ""
            deadline = started + cap
            while (left := deadline - time.monotonic()) > 0:
                try:  # a connection opened after the fault (the one it hit may be open still)
                    server.wait_for_link(opened + 1, timeout=left)
                    link = server.current()
                    if link.number <= first.number:
                        raise LinkClosed("only the connection the fault hit is open")
                    # Answering means acking within Slack's 3 s; a late ack doesn't count.
                    link.send_envelope("slash_commands", _command(standin)).wait_ack(
                        min(ACK_SECONDS, left)
                    )
                except AssertionError as error:
                    reconnected = "no connection" not in str(error)
                    note = "reconnected, but no ack in 3 s" if reconnected else "never reconnected"
                    continue
                except LinkClosed:
                    note = "its new connection closed"
                    time.sleep(0.05)
                    continue
                seconds = round(time.monotonic() - started, 2)
                break
            # CPU time comes in 10 ms ticks: a window of a few ms would read as 0 or 100 %.
            while (wall := time.monotonic() - started) < MIN_CPU_WINDOW:
                time.sleep(MIN_CPU_WINDOW - wall)
            cpu_percent = 100 * (cpu_seconds(child.pid) - cpu_before) / wall
            cpu_mark = cpu_seconds(child.pid)
            time.sleep(AFTER_SECONDS)
            cpu_after = 100 * (cpu_seconds(child.pid) - cpu_mark) / AFTER_SECONDS
            if child.poll() is not None:
                note = f"the process exited with {child.returncode}"
            found = Recovery(
                candidate=candidate.label,
                fault=fault,
                seconds=seconds,
                cap=cap,
                connections=server.opened - 1,
                cpu_percent=round(cpu_percent, 1),
                cpu_after_percent=round(cpu_after, 1),
                note=note if seconds is None else "",
            )
            log(f"   {found.as_dict()}")
            return found
    finally:
        server.stop()
        standin.stop()


def _inflict(fault: str, link: Any) -> None:
    if fault == "disconnect":
        link.disconnect("refresh_requested")
    elif fault == "close":
        link.close(1000)
    elif fault == "drop":
        link.drop()
    elif fault == "reset":
        link.drop(reset=True)
    elif fault == "half-open":
        link.go_silent()
    else:
        raise ValueError(f"unknown fault {fault!r}")


def _command(standin: Any) -> dict:
    return {
        "token": "bench",
        "team_id": TEAM,
        "team_domain": "bench",
        "channel_id": "C0GENERAL",
        "channel_name": "general",
        "user_id": ADMIN,
        "user_name": "admin",
        "command": "/mentor",
        "text": "help",
        "api_app_id": "ABENCH01",
        "is_enterprise_install": "false",
        "response_url": standin.new_response_url(
            team_id=TEAM, channel="C0GENERAL", user=ADMIN, kind="commands"
        ),
        "trigger_id": standin.new_trigger_id(team_id=TEAM, user_id=ADMIN),
    }


def _child(
    candidate: Candidate, api_url: str, folder: Path, name: str
) -> tuple[list[str], dict[str, str]]:
    if candidate.client == MENTORBOT:
        env = bot_env(api_url, f"sqlite:///{folder / f'{name}.db'}", free_port())
        env["SLACK_APP_TOKEN"] = APP_TOKEN
        return [python(), str(REPO / "app.py")], env
    env = {"SLACK_API_URL": api_url, "SLACK_APP_TOKEN": APP_TOKEN, "SLACK_BOT_TOKEN": BOT_TOKEN}
    args = [python(), "-m", "bench.socket_mode", "client", candidate.client]
    return [*args, "--ping-interval", str(candidate.ping_interval)], env


def run(
    candidates: Sequence[Candidate] = CANDIDATES,
    faults: Sequence[str] = FAULTS,
    *,
    cap: float = 70.0,
    log: Any = print,
) -> list[Recovery]:
    """Every fault against every installed candidate; a missing library gives a note row."""
    found = []
    with tempfile.TemporaryDirectory() as tmp:
        for candidate in candidates:
            if not installed(candidate):
                library = LIBRARIES[candidate.client]
                found += [
                    Recovery(candidate.label, f, None, cap, 0, 0.0, 0.0, f"{library} not installed")
                    for f in faults
                ]
                continue
            for fault in faults:
                found.append(measure(candidate, fault, cap=cap, folder=Path(tmp), log=log))
    return found


# -- the child: a bare Bolt app on one Socket Mode adapter --------------------------------------
def serve(client: str, ping_interval: float) -> None:
    """Run a Bolt app whose one listener acks `/mentor`, until SIGTERM."""
    import logging

    from slack_bolt import App
    from slack_sdk import WebClient

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    api_url = os.environ["SLACK_API_URL"]
    app_token = os.environ["SLACK_APP_TOKEN"]
    app = App(
        client=WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=api_url),
        signing_secret=SIGNING_SECRET,
        token_verification_enabled=False,
    )
    app.command("/mentor")(lambda ack: ack())
    if client in ("aiohttp", "websockets"):
        asyncio.run(_serve_async(app, client, app_token, api_url, ping_interval))
        return
    if client == "builtin":
        from slack_bolt.adapter.socket_mode.builtin import SocketModeHandler
    else:
        from slack_bolt.adapter.socket_mode.websocket_client import (  # type: ignore[assignment]
            SocketModeHandler,
        )
    handler = SocketModeHandler(app, app_token, ping_interval=ping_interval)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    handler.connect()
    stop.wait()
    handler.close()


async def _serve_async(
    app: Any, client: str, app_token: str, api_url: str, ping_interval: float
) -> None:
    from slack_sdk.web.async_client import AsyncWebClient

    if client == "aiohttp":
        from slack_bolt.adapter.socket_mode.aiohttp import SocketModeHandler
    else:
        from slack_bolt.adapter.socket_mode.websockets import (  # type: ignore[assignment]
            SocketModeHandler,
        )
    # The async clients open their connection with an async Web API client.
    handler = SocketModeHandler(
        app, app_token, web_client=AsyncWebClient(base_url=api_url), ping_interval=ping_interval
    )
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await handler.connect_async()
    await stop.wait()
    await handler.close_async()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.socket_mode")
    commands = parser.add_subparsers(dest="command", required=True)
    child = commands.add_parser("client", help="run one candidate (the benchmark starts these)")
    child.add_argument("client", choices=sorted(LIBRARIES))
    child.add_argument("--ping-interval", type=float, required=True)
    args = parser.parse_args(argv)
    serve(args.client, args.ping_interval)
    return 0


if __name__ == "__main__":
    sys.exit(main())
