"""Benchmark: a burst of prompts all due at once, delivered under rate limits, against the floor.

`run(size)` plans `size` prompts due in the same minute, starts the Slack stand-in with Slack's
published limits switched on (standin/web_api.py, SLACK_RATE_LIMITS: about one
message a second per channel with a short burst, and a workspace ceiling of 300 a minute), and
times the real delivery engine (bot.delivery.Dispatcher, paced as in production) until every
prompt is sent. The floor is the least time those limits allow for the same messages, whatever
the client does:

    floor = max((size - workspace burst) / workspace rate,
                max over channels of (its messages - channel burst) / channel rate)

and the ratio is measured / floor (the goal: at most 1.2).

By default the prompts go to `size` different people whose DMs the bot already knows (the
steady state: a person's DM is opened once, with their first prompt). `channels=k` sends them
round-robin to k channels instead, so that the per-channel limit binds when k is small. (A
first burst to people the bot never wrote to must also open each DM: conversations.open is a
Tier 3 method, 50 a minute, which then sets a floor of its own, 40 minutes for 2,000.)

At Slack's real numbers 2,000 prompts take about six and a half minutes (the workspace
ceiling). `speedup` runs the same limits that many times faster on both sides - the stand-in
refills its buckets, the engine paces itself, that much faster - so a run takes minutes/speedup;
bursts keep their size and Retry-After stays in whole seconds, as Slack sends it. The larger
the speedup, the more the engine's own cost per message shows in the ratio (at 10, the
default, 2,000 prompts take about 40 s; the engine's own cost starts to show near 50).

Run it alone with `python -m bench.burst [size]` from the repository's root.
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import Engine, func, insert, select

from bot.delivery import Dispatcher, PassReport, slack_pacing
from bot.deps import system_clock
from runtime.sender import METADATA_EVENT, SlackSender
from standin.web_api import (
    POSTS_PER_CHANNEL,
    POSTS_PER_WORKSPACE,
    SlackStandIn,
)
from storage.db import Database, create_schema, make_engine
from storage.models import Delivery, DeliveryState, DmChannel, Kind

TEAM = "TBURST01"
TOKEN = "xoxb-burst-token"
DEFAULT_SPEEDUP = 10.0
CHANNEL_PREFIX = "CBURST"


@dataclass(frozen=True)
class BurstResult:
    """One run: the time it took, the least time Slack's limits allow, and their ratio."""

    size: int
    channels: int | None  # None: one DM per person
    speedup: float
    seconds: float
    floor: float
    ratio: float | None  # None when the bursts allow the whole lot at once (floor 0)
    passes: int
    rate_limited: int  # 429s the stand-in answered
    unhonoured: int  # 429s the engine didn't wait out (always 0, or it's a bug)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def recipients(size: int, channels: int | None) -> list[str]:
    """Who each of the `size` prompts goes to: a person each, or k channels in turn."""
    if channels is None:
        return [f"UB{i:07d}" for i in range(size)]
    return [f"{CHANNEL_PREFIX}{i % channels:03d}" for i in range(size)]


def floor_seconds(to: list[str], *, speedup: float = 1.0) -> float:
    """The least time the stand-in's chat.postMessage limits allow for posts to `to`."""
    workspace = POSTS_PER_WORKSPACE.faster(speedup)
    channel = POSTS_PER_CHANNEL.faster(speedup)
    by_workspace = max(0, len(to) - workspace.burst) / (workspace.per_minute / 60)
    per_channel = Counter(to).values()
    by_channel = max(max(0, n - channel.burst) / (channel.per_minute / 60) for n in per_channel)
    return max(by_workspace, by_channel)


def prepare(
    standin: SlackStandIn, db: Database, to: list[str], *, now: datetime, team: str = TEAM
) -> None:
    """People, channels and known DMs in the stand-in and database; one prompt due for each."""
    people = sorted({r for r in to if r.startswith("U")})
    for user_id in people:
        standin.add_user(team, user_id, name=user_id.lower())
    for channel in sorted({r for r in to if not r.startswith("U")}):
        standin.add_channel(team, channel, name=channel.lower())
    dms = [{"team_id": team, "user_id": u, "channel_id": standin.open_dm(team, u)} for u in people]
    rows = [
        {
            "team_id": team,
            "kind": Kind.PREP.value,
            "recipient": recipient,
            "dedupe_key": f"burst:{i}",
            # Due within the same minute.
            "due_at": now - timedelta(seconds=i % 60),
            "expires_at": now + timedelta(hours=1),
            "next_attempt_at": now - timedelta(seconds=i % 60),
            "state": DeliveryState.PENDING.value,
            "attempts": 0,
            "created_at": now - timedelta(hours=1),
        }
        for i, recipient in enumerate(to)
    ]
    with db.session() as session:
        if dms:
            session.execute(insert(DmChannel), dms)
        session.execute(insert(Delivery), rows)


def compose(delivery: Delivery) -> dict:
    text = f"Time to prepare (prompt {delivery.id})"
    return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}


def dispatcher(
    db: Database, standin: SlackStandIn, *, speedup: float, **options: Any
) -> Dispatcher:
    """The production engine's pacing, sped up like the stand-in; no client-side retries."""
    client = WebClient(token=TOKEN, base_url=standin.api_url, timeout=10, retry_handlers=[])
    options.setdefault("pacing", slack_pacing().faster(speedup))
    return Dispatcher(db, SlackSender(lambda _team: client), compose, clock=system_clock, **options)


def unsent(db: Database) -> int:
    with db.session() as session:
        return int(
            session.execute(
                select(func.count())
                .select_from(Delivery)
                .where(Delivery.state != DeliveryState.SENT.value)  # type: ignore[arg-type]
            ).scalar_one()
        )


def deliver_all(engine: Dispatcher, db: Database, *, timeout: float) -> list[PassReport]:
    """Run passes as the in-process job does - again as soon as a deferral is due - until done."""
    deadline = time.monotonic() + timeout
    reports = []
    while True:
        reports.append(engine.run_pass())
        if not unsent(db):
            return reports
        due = reports[-1].next_attempt_at
        pause = (due - datetime.now(UTC)).total_seconds() if due is not None else 0.1
        if time.monotonic() + pause > deadline:
            raise TimeoutError(f"{unsent(db)} prompts still unsent after {timeout}s")
        time.sleep(max(0.0, pause))


def posts_by_delivery(standin: SlackStandIn) -> Counter[int]:
    """How many messages Slack accepted per delivery id (read from the message metadata)."""
    counted: Counter[int] = Counter()
    for call in standin.calls("chat.postMessage"):
        metadata = call.args.get("metadata") or {}
        if call.status == 200 and metadata.get("event_type") == METADATA_EVENT:
            counted[metadata["event_payload"]["delivery_id"]] += 1
    return counted


def run(
    size: int = 2000,
    *,
    channels: int | None = None,
    speedup: float = DEFAULT_SPEEDUP,
    database_url: str | None = None,
) -> BurstResult:
    """Deliver a burst of `size` prompts against the limits; the time, the floor and the ratio.

    `database_url`: an empty database to use (default: a SQLite file in a temporary folder).
    """
    to = recipients(size, channels)
    floor = floor_seconds(to, speedup=speedup)
    with tempfile.TemporaryDirectory() as folder, SlackStandIn() as standin:
        db_engine: Engine = make_engine(database_url or f"sqlite:///{Path(folder) / 'burst.db'}")
        try:
            create_schema(db_engine)
            db = Database(db_engine)
            standin.add_workspace(TEAM, bot_token=TOKEN, bot_user_id="UBURSTBOT")
            prepare(standin, db, to, now=datetime.now(UTC))
            standin.enable_rate_limits(speedup=speedup)
            engine = dispatcher(db, standin, speedup=speedup)
            started = time.monotonic()
            reports = deliver_all(engine, db, timeout=max(60.0, 20 * floor))
            seconds = time.monotonic() - started
            posted = posts_by_delivery(standin)
            if len(posted) != size or set(posted.values()) != {1}:
                raise AssertionError(f"not each prompt exactly once: {len(posted)} of {size}")
            return BurstResult(
                size=size,
                channels=channels,
                speedup=speedup,
                seconds=round(seconds, 3),
                floor=round(floor, 3),
                ratio=round(seconds / floor, 3) if floor else None,
                passes=len(reports),
                rate_limited=len(standin.rate_limit_hits()),
                unhonoured=len(standin.unhonoured_rate_limits()),
            )
        finally:
            db_engine.dispose()


if __name__ == "__main__":
    import sys

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    for variant in (None, 4):
        print(run(count, channels=variant).as_dict())
