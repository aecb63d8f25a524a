"""Hostile and malformed input at every surface the app answers, from handlers' own tables.

Every slash subcommand's text (handlers.SUBCOMMANDS), every button's value (handlers.ACTIONS),
every modal's values and private_metadata (handlers.VIEWS) and every event (handlers.EVENTS)
gets a fixed list of nasty values and hypothesis-drawn ones: random unicode, 10 kB strings,
wrong JSON types, missing keys, ids of another pair and of another workspace, replayed and
re-ordered clicks, Slack's retries of an event. Each case must get an ack within Slack's 3 s
(HTTP 200 with a valid body; a modal's either empty, errors, or a view), a clear answer where
a person waits (never "something went wrong", i.e. no unexpected exception), and must change
nothing of anyone else's (the rows of the other pair and the other workspace are compared
with the pristine database after every case) and send nothing to anyone else.

The world is built once per module: two pairs in workspace T0001 (the actor's and another),
one in T0002, with sessions, prompts, action items, goals and topics; then a crawler runs
every subcommand and clicks every button the bot showed, to learn real button values and
the real modals behind them. Each case starts from the pristine database (SQLite's backup
API restores it in a millisecond).
"""

from __future__ import annotations

import contextlib
import copy
import http.client
import json
import logging
import os
import re
import sqlite3
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, inspect, select
from sqlmodel import SQLModel
from sqlmodel import select as select_rows

import handlers
from bot import actions as action_domain
from bot import agenda, agreement, goals, pairing, sessions
from bot.goals import GoalForm
from bot.pairing import PairRequest
from bot.sessions import ScheduleRequest
from bot.settings import Cadence
from handlers.errors import SOMETHING_WENT_WRONG
from runtime.assembly import create_app, make_client
from runtime.request_guard import SignatureCheck, claim_event
from runtime.runner import EVENTS_PATH, wsgi_app
from standin.driver import (
    FORM,
    DriverResponse,
    SlackDriver,
    http_transport,
)
from standin.web_api import SlackStandIn
from storage.db import Database, make_engine
from storage.models import Pair
from tests.conftest import (
    ADMIN,
    BOT_TOKEN,
    MENTEE,
    MENTOR,
    SIGNING_SECRET,
    STRANGER,
    TEAM,
    FixedClock,
    Harness,
    base_settings,
    build_harness,
)
from tests.support import corpus
from tests.support.corpus import CaseCounter
from tests.support.in_process import bolt_transport

pytestmark = pytest.mark.slow  # process-level or long-running: make test-fast skips it

TEAM2 = "T0002"
OTHER_MENTOR, OTHER_MENTEE = "UNEWYORK", "UTOKYO01"
FOREIGN_MENTOR, FOREIGN_MENTEE, FOREIGN_USER = "UFMENTOR", "UFMENTEE", "UFSTRANG"
FOREIGN_CHANNEL = "GFOREIGN1"
SLACK_ACK_SECONDS = 3.0
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# Examples per target; the fixed list runs in full besides. Raise it locally to dig deeper.
EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", "10"))
HOSTILE = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    # No shrinking: every failure message names the case in full, and a shrink of cases
    # with 10 kB strings would cost more than the whole run.
    phases=(Phase.explicit, Phase.generate),
)
UNHANDLED_EVENTS = ("reaction_added", "member_joined_channel", "team_join", "x_made_up_event")
# Who sends the hostile requests: a partner of the pair, an outsider, the admin, and a
# person of the other workspace.
ACTORS = ((MENTOR, TEAM), (STRANGER, TEAM), (ADMIN, TEAM), (FOREIGN_USER, TEAM2))
# Calls that show a person something (an answer where someone is waiting).
SHOWING = frozenset(
    {
        "chat.postMessage",
        "chat.postEphemeral",
        "chat.update",
        "views.open",
        "views.push",
        "views.update",
        "views.publish",
        "files.completeUploadExternal",
    }
)
# Bookkeeping, nobody's data: events taken on, modals opened (each click on an "open" button
# opens one more), and the claims that make one click one effect.
NOT_DATA = frozenset({"slack_events", "opened_views", "click_claims"})


# -- the count of cases, printed at the end of the run ----------------------------------------
@pytest.fixture(scope="session")
def case_count(request: pytest.FixtureRequest) -> Iterator[CaseCounter]:
    counter = CaseCounter()
    yield counter
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is None or not counter.total:
        return
    # Session fixtures end inside the last test's teardown, whose output is captured.
    with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
        reporter.write("\n")
        reporter.write_line(counter.summary())


# -- the world ---------------------------------------------------------------------------------
class TrackingExecutor(ThreadPoolExecutor):
    """Bolt's listener pool, as in production (acks return before the listener ends), that
    can wait until every listener has finished."""

    def __init__(self) -> None:
        super().__init__(max_workers=8, thread_name_prefix="listener")
        self._pending: set[Future] = set()
        self._lock = threading.Lock()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        future = super().submit(fn, *args, **kwargs)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._done)
        # Most listeners finish in milliseconds: waiting for them here spares Bolt's 10 ms
        # polling for the ack. A slow one is left running (the request answers at its ack),
        # so the time to the answer stays an upper bound of the time to the ack.
        wait([future], timeout=0.05)
        return future

    def _done(self, future: Future) -> None:
        with self._lock:
            self._pending.discard(future)

    def wait_idle(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                pending = list(self._pending)
            if not pending:
                return
            if time.monotonic() > deadline:
                raise AssertionError("listeners still running after the request")
            wait(pending, timeout=1.0)


class SettledTransport:
    """Sends through `inner`, times the answer (the ack), then waits for the listeners."""

    def __init__(
        self, inner: Callable[[str, dict[str, str]], DriverResponse], executor: TrackingExecutor
    ) -> None:
        self.inner = inner
        self.executor = executor
        self.last_ack_seconds = 0.0

    def __call__(self, body: str, headers: dict[str, str]) -> DriverResponse:
        started = time.monotonic()
        response = self.inner(body, headers)
        self.last_ack_seconds = time.monotonic() - started
        self.executor.wait_idle()
        return response


class _Recorder:
    """A transport that keeps the request instead of sending it (to build payloads)."""

    def __init__(self) -> None:
        self.last: tuple[str, dict[str, str]] | None = None

    def __call__(self, body: str, headers: dict[str, str]) -> DriverResponse:
        self.last = (body, headers)
        return DriverResponse(200, {}, "")


@dataclass
class Click:
    """A button (or option) the bot showed someone, and how to click it again."""

    surface: dict
    label: str
    block_id: str | None
    user: str
    channel: str | None
    action_id: str
    value: Any


@dataclass
class Case:
    """One hostile request, and what a correct answer to it looks like."""

    kind: str  # command, action, view, event, raw
    label: str
    body: str
    content_type: str
    actor: str | None  # the person waiting for an answer (None: nobody identifiable)
    team: str = TEAM
    headers: dict[str, str] = field(default_factory=dict)
    routable: bool = True  # a well-formed payload that reaches a listener: 200 required
    waiting: bool = True  # somebody waits and can be answered
    intact: bool = True  # who-and-where keys untouched: no unexpected error allowed
    view: dict | None = None


class _ErrorLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class World:
    """Three pairs in two workspaces, a pristine copy of their database, and what the bot shows."""

    def __init__(self, standin: SlackStandIn, harness: Harness, executor: TrackingExecutor) -> None:
        self.standin = standin
        self.h = harness
        self.executor = executor
        self._others_cache: dict[str | None, dict] = {}
        self.pairs: dict[str, Pair] = {}
        self.clicks: list[Click] = []
        self.views: dict[str, list[tuple[dict, str]]] = {}
        self.others_values: dict[str, list[Any]] = {}
        self.pristine: sqlite3.Connection | None = None
        self.now = START
        self.pristine_rows: dict[str, dict[Any, tuple]] = {}
        self.errors = _ErrorLog()
        self.other_modal = ""  # a modal open for the other pair's mentor
        self.recorder = _Recorder()
        self.capture = SlackDriver(
            signing_secret=SIGNING_SECRET, transport=self.recorder, standin=standin, team_id=TEAM
        )

    @property
    def engine(self) -> Engine:
        return self.h.bot.deps.db.engine

    @property
    def driver(self) -> SlackDriver:
        return self.h.driver

    # database -------------------------------------------------------------------------------
    def _raw(self) -> Any:
        return self.engine.raw_connection()

    def save(self) -> None:
        raw = self._raw()
        try:
            self.pristine = sqlite3.connect(":memory:", check_same_thread=False)
            raw.driver_connection.backup(self.pristine)
        finally:
            raw.close()
        self.pristine_rows = self.rows()
        self._others_cache.clear()

    def restore(self) -> None:
        assert self.pristine is not None
        raw = self._raw()
        try:
            self.pristine.backup(raw.driver_connection)
        finally:
            raw.close()

    def rows(self) -> dict[str, dict[Any, tuple]]:
        """Every row of every table, by primary key."""
        found: dict[str, dict[Any, tuple]] = {}
        present = set(inspect(self.engine).get_table_names())
        with self.engine.connect() as connection:
            for table in SQLModel.metadata.sorted_tables:
                if table.name not in present or table.name in NOT_DATA:
                    continue
                keys = [c.name for c in table.primary_key.columns]
                found[table.name] = {
                    tuple(row._mapping[k] for k in keys): tuple(row)
                    for row in connection.execute(select(table))
                }
        return found

    def pair_ids(self, user: str | None) -> set[int]:
        return {
            p.id for p in self.pairs.values() if user is not None and p.has_partner(user) and p.id
        }

    def owner(self, table: str, row: tuple, rows: dict[str, dict[Any, tuple]]) -> int | None:
        """The pair a row belongs to (None for rows of nobody's pair)."""
        columns = [c.name for c in SQLModel.metadata.tables[table].columns]
        values = dict(zip(columns, row, strict=True))
        if table == "pairs":
            return values["id"]
        if values.get("pair_id") is not None:
            return values["pair_id"]
        if values.get("session_id") is not None:
            meeting = rows.get("sessions", {}).get((values["session_id"],))
            if meeting is not None:
                return self.owner("sessions", meeting, rows)
        return None

    def others_rows(self, rows: dict[str, dict[Any, tuple]], actor: str | None) -> dict:
        """The rows that belong to anybody but `actor`: other pairs, the other workspace."""
        mine = self.pair_ids(actor)
        known = {p.id for p in self.pairs.values()}
        foreign = self.pairs["foreign"].id
        result: dict[str, dict[Any, tuple]] = {}
        for table, table_rows in rows.items():
            columns = [c.name for c in SQLModel.metadata.tables[table].columns]
            team_at = columns.index("team_id") if "team_id" in columns else None
            kept = {}
            for key, row in table_rows.items():
                owner = self.owner(table, row, rows)
                if owner in mine:
                    continue
                if owner in known or (
                    team_at is not None and row[team_at] == TEAM2 and foreign not in mine
                ):
                    kept[key] = row
            result[table] = kept
        return result

    def others_destinations(self, actor: str | None) -> set[str]:
        """Conversations and people that belong to other pairs than the actor's."""
        mine = self.pair_ids(actor)
        own_people = {u for p in self.pairs.values() if p.id in mine for u in members(p)}
        found: set[str] = set()
        for pair in self.pairs.values():
            if pair.id in mine:
                continue
            found.add(pair.channel_id)
            found |= {u for u in members(pair) if u not in own_people and u != actor}
        return found

    def _pristine_dicts(self, table: str) -> list[dict[str, Any]]:
        columns = [c.name for c in SQLModel.metadata.tables[table].columns]
        rows = self.pristine_rows.get(table, {}).values()
        return [dict(zip(columns, row, strict=True)) for row in rows]

    def others_messages(self, actor: str | None) -> set[tuple[str, str]]:
        """(channel, ts) of every message the bot recorded for anyone but `actor`: other pairs'
        agreement and session messages, and what deliveries to anybody else became."""
        mine = self.pair_ids(actor)
        pairs = {p["id"]: p for p in self._pristine_dicts("pairs")}
        own_channels = {p["channel_id"] for i, p in pairs.items() if i in mine}
        found: set[tuple[str, str]] = set()
        for pair_id, pair in pairs.items():
            if pair_id not in mine and pair["agreement_message_ts"]:
                found.add((pair["channel_id"], pair["agreement_message_ts"]))
        for meeting in self._pristine_dicts("sessions"):
            if meeting["pair_id"] not in mine and meeting["message_ts"]:
                found.add((pairs[meeting["pair_id"]]["channel_id"], meeting["message_ts"]))
        for sent in self._pristine_dicts("deliveries"):
            if not (sent["channel_id"] and sent["message_ts"]):
                continue
            theirs = sent["pair_id"] not in mine or sent["recipient"] not in {actor, *own_channels}
            if theirs:
                found.add((sent["channel_id"], sent["message_ts"]))
        return found

    def others_views(self, actor: str | None) -> set[str]:
        """The modals open for anyone but `actor`."""
        return {
            view_id
            for view_id, view in self.standin.views().items()
            if view.get("type") == "modal" and self.standin.view_user(view_id) not in (None, actor)
        }

    # requests -------------------------------------------------------------------------------
    def reset(self) -> None:
        self.executor.wait_idle()
        self.restore()
        self.standin.clear()
        self.errors.records.clear()
        self.h.clock.now = self.now

    def transport(self) -> SettledTransport:
        transport = self.driver.transport
        assert isinstance(transport, SettledTransport)
        return transport

    def send(self, case: Case) -> DriverResponse:
        headers = {"Content-Type": case.content_type, **self.driver.sign(case.body)}
        return self.driver.raw(case.body, {**headers, **case.headers})

    def captured(self) -> tuple[str, dict[str, str]]:
        assert self.recorder.last is not None
        body, headers = self.recorder.last
        self.recorder.last = None
        return body, headers

    def click_payload(self, click: Click, *, user: str, team: str) -> dict:
        self.capture.click(
            click.surface,
            click.label,
            user=user,
            channel=click.channel,
            team_id=team,
            block_id=click.block_id,
        )
        body, _ = self.captured()
        return json.loads(dict(urllib.parse.parse_qsl(body))["payload"])

    def action_payload(self, action_id: str, value: Any, *, user: str, team: str) -> dict:
        self.capture.click_action(action_id, value="", user=user, team_id=team)
        body, _ = self.captured()
        payload = json.loads(dict(urllib.parse.parse_qsl(body))["payload"])
        payload["actions"][0]["value"] = value
        return payload

    def submission_payload(self, view: dict, *, user: str, team: str) -> dict:
        self.capture.submit(view, {}, user=user, team_id=team)
        body, _ = self.captured()
        return json.loads(dict(urllib.parse.parse_qsl(body))["payload"])

    def command_fields(self, text: str, *, user: str, team: str, channel: str) -> list:
        self.capture.command(text, user=user, team_id=team, channel=channel)
        body, _ = self.captured()
        return urllib.parse.parse_qsl(body, keep_blank_values=True)

    def event_envelope(self, event: dict, *, team: str, event_id: str | None = None) -> dict:
        self.capture.event(event, team_id=team, event_id=event_id)
        body, _ = self.captured()
        return json.loads(body)

    # checks ---------------------------------------------------------------------------------
    def run(self, case: Case, counter: CaseCounter) -> DriverResponse:
        """Send one case from the pristine state and check everything a case must satisfy."""
        self.reset()
        seen = self.conversations_of_others(case.actor)
        response = self.send(case)
        elapsed = self.transport().last_ack_seconds
        counter.add(case.kind)
        self.check(case, response, elapsed, seen)
        return response

    def conversations_of_others(self, actor: str | None) -> dict[str, int]:
        """How many messages each other pair's conversation and member's DM holds now."""
        return {
            where: len(self.standin.messages(where))
            for where in sorted(self.others_destinations(actor))
        }

    def check(
        self,
        case: Case,
        response: DriverResponse,
        elapsed: float,
        seen: dict[str, int] | None = None,
    ) -> None:
        where = f"[{case.kind}] {case.label}"
        assert response.status < 500, f"{where}: HTTP {response.status} {response.body[:200]}"
        if case.routable:
            assert response.status == 200, f"{where}: HTTP {response.status} {response.body}"
        else:  # a payload Bolt itself can't read is refused as such
            assert response.status in (200, 400), f"{where}: HTTP {response.status}"
        assert elapsed < SLACK_ACK_SECONDS, f"{where}: answered after {elapsed:.2f}s"
        answered_in_ack = False
        if response.status == 200:
            answered_in_ack = self.check_ack_body(case, response, where)
        shown = self.shown_texts()
        assert not any(SOMETHING_WENT_WRONG in text for text in shown) or not case.intact, (
            f"{where}: the person was told something went wrong: {self.error_summary()}"
        )
        if case.intact:
            assert not self.errors.records, f"{where}: unexpected errors: {self.error_summary()}"
        assert self.standin.validation_errors == [], (
            f"{where}: broke Slack's limits: {self.standin.validation_errors}"
        )
        self.check_others_locations(case.actor, where)
        rows = self.rows()
        self.check_others_data(rows, case.actor, where)
        created_pair = len(rows.get("pairs", {})) > len(self.pristine_rows.get("pairs", {}))
        if not created_pair:  # an admin's /mentor pair or import legitimately writes to others
            if seen is not None:
                now_seen = self.conversations_of_others(case.actor)
                grown = {k: (seen[k], n) for k, n in now_seen.items() if n != seen.get(k)}
                assert not grown, f"{where}: posted in someone else's conversation: {grown}"
            strangers = self.others_destinations(case.actor)
            for call in self.standin.calls():
                if call.method not in SHOWING:  # looking someone up shows them nothing
                    continue
                targets = {call.args.get(k) for k in ("channel", "channel_id", "user", "user_id")}
                assert not targets & strangers, (
                    f"{where}: {call.method} reached someone else: {targets & strangers}"
                )
        if case.waiting and case.intact and response.status == 200 and case.kind != "view":
            told = (
                answered_in_ack
                or self.standin.responses()
                or any(c.method in SHOWING for c in self.standin.calls())
                or rows != self.pristine_rows
            )
            assert told, f"{where}: the person got no answer at all"

    def check_others_locations(self, actor: str | None, where: str) -> None:
        """Nothing the bot recorded for someone else was updated in place."""
        messages = self.others_messages(actor)
        for call in self.standin.calls("chat.update"):
            at = (call.args.get("channel"), call.args.get("ts"))
            assert at not in messages, f"{where}: updated someone else's message {at}"
        views = self.others_views(actor)
        for call in self.standin.calls("views.update") + self.standin.calls("views.push"):
            view_id = call.args.get("view_id")
            assert view_id not in views, f"{where}: {call.method} of someone else's {view_id}"

    def pristine_others(self, actor: str | None) -> dict:
        if actor not in self._others_cache:
            self._others_cache[actor] = self.others_rows(self.pristine_rows, actor)
        return self._others_cache[actor]

    def check_others_data(self, rows: dict, actor: str | None, where: str) -> None:
        """Other pairs' and workspaces' rows are as they were; a column may only have lost
        the actor's own id (their data leaving with them, e.g. /mentor forget-me)."""
        before, after = self.pristine_others(actor), self.others_rows(rows, actor)
        for table, old_rows in before.items():
            new_rows = after.get(table, {})
            for key, old in old_rows.items():
                new = new_rows.get(key)
                assert new is not None, f"{where}: deleted another pair's {table} row {key}"
                changed = [i for i, (a, b) in enumerate(zip(old, new, strict=True)) if a != b]
                assert all(old[i] == actor for i in changed), (
                    f"{where}: changed another pair's {table} row {key}: {old} -> {new}"
                )
            added = set(new_rows) - set(old_rows)
            assert not added, f"{where}: added rows to another pair's {table}: {added}"

    def check_ack_body(self, case: Case, response: DriverResponse, where: str) -> bool:
        """A valid ack body; True when it answers the person itself (modal errors or a view)."""
        if not response.body.strip():
            return False
        answer = response.json()
        assert answer is not None, f"{where}: the ack body isn't a JSON object: {response.body!r}"
        if case.kind != "view":
            return bool(answer.get("text") or answer.get("blocks"))
        action = answer.get("response_action")
        assert action in ("errors", "update", "push", "clear"), f"{where}: ack {answer}"
        if action == "errors":
            errors = answer.get("errors")
            assert isinstance(errors, dict) and errors, f"{where}: empty errors {answer}"
            inputs = {block_id for block_id, _ in corpus.input_elements(case.view or {})}
            for block_id, message in errors.items():
                assert block_id in inputs, f"{where}: errors name {block_id!r}, not an input"
                assert isinstance(message, str) and message.strip(), f"{where}: {errors}"
                assert SOMETHING_WENT_WRONG not in message, f"{where}: {self.error_summary()}"
        return True

    def shown_texts(self) -> list[str]:
        texts = [json.dumps(r.body) for r in self.standin.responses()]
        texts += [json.dumps(c.args) for c in self.standin.calls() if c.method in SHOWING]
        return texts

    def error_summary(self) -> str:
        parts = []
        for record in self.errors.records[:3]:
            text = record.getMessage()
            if record.exc_info and record.exc_info[1] is not None:
                text += f": {type(record.exc_info[1]).__name__}: {record.exc_info[1]}"
            parts.append(text[:400])
        return " | ".join(parts) or "(nothing logged)"


def members(pair: Pair) -> tuple[str, str]:
    return (pair.mentor_id, pair.mentee_id)


def _populate(world: World, key: str, team: str) -> None:
    """Sessions, prompts, an action item, a goal, a topic and a signature for one pair."""
    h = world.h
    db, program, now = h.db, h.bot.deps.settings.program, h.clock.now
    pair = world.pairs[key]
    assert pair.id is not None
    first = (now + timedelta(days=1)).replace(hour=14, minute=0)
    sessions.schedule_session(
        db,
        team_id=team,
        pair_id=pair.id,
        user_id=pair.mentor_id,
        request=ScheduleRequest(first, 60, Cadence.WEEKLY),
        program=program,
        now=now,
    )
    action_domain.add_action(
        db,
        team_id=team,
        pair_id=pair.id,
        author_id=pair.mentor_id,
        owner_id=pair.mentee_id,
        text=f"Read the {key} book",
        due_on=date(2026, 3, 20),
        owner_tz=None,
        now=now,
    )
    action_domain.add_action(  # due the day after tomorrow: its reminder goes out in the world
        db,
        team_id=team,
        pair_id=pair.id,
        author_id=pair.mentor_id,
        owner_id=pair.mentee_id,
        text=f"Send the {key} draft",
        due_on=date(2026, 3, 4),
        owner_tz=None,
        now=now,
    )
    goals.add_goal(
        db,
        team_id=team,
        pair_id=pair.id,
        author_id=pair.mentee_id,
        form=GoalForm(f"Lead a {key} project", "it shipped", None),
        now=now,
    )
    agenda.add_topic(db, team_id=team, pair=pair, author_id=pair.mentee_id, text="Career", now=now)
    agreement.sign_agreement(
        db,
        team_id=team,
        pair_id=pair.id,
        version=1,
        user_id=pair.mentor_id,
        program=program,
        now=now,
    )


def _clickables(surface: dict) -> list[tuple[str, str | None, str, Any]]:
    """(label, block_id, action_id, value) of every button and option on a surface."""
    found = []
    for block in surface.get("blocks") or []:
        elements: list[dict] = []
        if block.get("type") == "actions":
            elements = [e for e in block.get("elements") or [] if isinstance(e, dict)]
        elif block.get("type") == "section" and isinstance(block.get("accessory"), dict):
            elements = [block["accessory"]]
        for element in elements:
            text = element.get("text")
            if element.get("type") == "button" and isinstance(text, dict):
                found.append(
                    (
                        text.get("text", ""),
                        block.get("block_id"),
                        element.get("action_id"),
                        element.get("value"),
                    )
                )
            for option in corpus.options_of(element):
                label = option.get("text", {}).get("text", "")
                found.append(
                    (label, block.get("block_id"), element.get("action_id"), option.get("value"))
                )
    labels = [(label, block) for label, block, _, _ in found]
    return [f for f in found if labels.count((f[0], f[1])) == 1 and f[2]]


def _surfaces(world: World, pair: Pair) -> list[tuple[dict, str, str | None]]:
    """Every message the pair's members can see: their conversation, DMs, Home, ephemerals."""
    standin = world.standin
    found: list[tuple[dict, str, str | None]] = []
    for message in standin.messages(pair.channel_id):
        found.append((message, pair.mentor_id, pair.channel_id))
    for user in members(pair):
        for message in standin.messages(user):
            found.append((message, user, message.get("channel")))
        for message in standin.ephemerals(user=user):
            found.append((message, user, message.get("channel")))
        home = standin.home_view(TEAM, user)
        if home is not None:
            found.append((home, user, None))
    return found


def _crawl(world: World) -> None:
    """Run every subcommand and click everything the bot showed the actor's pair; keep the views."""
    h, standin = world.h, world.standin
    own = world.pairs["own"]
    for name in sorted(handlers.SUBCOMMANDS):
        for user in (MENTOR, ADMIN):
            world.reset()
            h.driver.command(name, user=user, channel=own.channel_id)
            _harvest_views(world, user)
    for event_type in sorted(handlers.EVENTS):
        for user in members(own):  # both partners' Home (the mentee hasn't signed yet)
            world.reset()
            h.driver.event({"type": event_type, "user": user, "tab": "home", "channel": "D0MENTOR"})
    world.reset()
    seen: set[tuple[str, Any, str, str | None, str]] = set()
    queue = list(_surfaces(world, own))
    queued = {_surface_key(s) for s, _, _ in queue}
    while queue and len(world.clicks) < 150:
        surface, user, channel = queue.pop(0)
        for label, block_id, action_id, value in _clickables(surface):
            # The same button elsewhere, or shown to the other partner, is another click: the
            # mentee's Home agreement can still be signed, a reminder is not a list.
            key = (action_id, json.dumps(value, sort_keys=True), label, block_id, user)
            if key in seen:
                continue
            seen.add(key)
            click = Click(surface, label, block_id, user, channel, action_id, value)
            world.clicks.append(click)
            world.reset()
            views_before = len(standin.calls("views.open")) + len(standin.calls("views.push"))
            h.driver.click(surface, label, user=user, channel=channel, block_id=block_id)
            opened = _harvest_views(world, user, skip=views_before)
            found = [(view, user, None) for view in opened] + [
                (m, user, m.get("channel")) for m in standin.ephemerals(user=user)
            ]
            for item in found:
                if _surface_key(item[0]) not in queued:
                    queued.add(_surface_key(item[0]))
                    queue.append(item)
    other = world.pairs["other"]
    for surface, _user, _channel in _surfaces(world, other):
        for _label, _block, action_id, value in _clickables(surface):
            world.others_values.setdefault(action_id, []).append(value)
    world.reset()


def _surface_key(surface: dict) -> str:
    return json.dumps(
        [surface.get("id"), surface.get("ts"), surface.get("channel"), surface.get("blocks")],
        sort_keys=True,
    )


def _harvest_views(world: World, user: str, *, skip: int = 0) -> list[dict]:
    """The modals the bot opened; those that can be submitted become seeds for their modal."""
    opened = []
    calls = world.standin.calls("views.open") + world.standin.calls("views.push")
    for call in calls[skip:]:
        view = call.response.get("view")
        if call.response.get("ok") and isinstance(view, dict):
            opened.append(view)
            if view.get("submit"):
                world.views.setdefault(view.get("callback_id", ""), []).append((view, user))
    return opened


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    with SlackStandIn() as standin:
        standin.add_workspace(TEAM, bot_token=BOT_TOKEN, bot_user_id="UBOT0001")
        for user_id, name in (
            (ADMIN, "ada"),
            (MENTOR, "maria"),
            (MENTEE, "tomas"),
            (STRANGER, "sam"),
        ):
            standin.add_user(TEAM, user_id, name=name)
        standin.add_user(TEAM, OTHER_MENTOR, name="nia", tz="America/New_York")
        standin.add_user(TEAM, OTHER_MENTEE, name="kenji", tz="Asia/Tokyo")
        standin.add_workspace(TEAM2, bot_token="xoxb-other-workspace", bot_user_id="UBOT0002")
        for user_id, name in (
            (FOREIGN_MENTOR, "fmentor"),
            (FOREIGN_MENTEE, "fmentee"),
            (FOREIGN_USER, "fstranger"),
        ):
            standin.add_user(TEAM2, user_id, name=name)
        standin.response_url_max_uses = None
        clock = FixedClock(START)
        executor = TrackingExecutor()
        harness = settled_harness(standin, clock, executor)
        w = World(standin, harness, executor)
        logging.getLogger().addHandler(w.errors)
        try:
            _build(w)
            yield w
        finally:
            logging.getLogger().removeHandler(w.errors)
            executor.shutdown(wait=True)


def settled_harness(
    standin: SlackStandIn, clock: FixedClock, executor: TrackingExecutor
) -> Harness:
    """build_harness, but with listeners in a pool of threads as in production."""
    settings_ = replace(base_settings(), slack_api_url=standin.api_url)
    bot = create_app(
        settings_,
        client=make_client(settings_),
        engine=make_engine("sqlite://"),
        clock=clock,
        listener_executor=executor,
    )
    driver = SlackDriver(
        signing_secret=SIGNING_SECRET,
        transport=SettledTransport(bolt_transport(bot.app), executor),
        standin=standin,
        team_id=TEAM,
    )
    return Harness(bot=bot, standin=standin, driver=driver, clock=clock)


def _build(w: World) -> None:
    h = w.h
    h.driver.command(f"pair <@{MENTOR}> <@{MENTEE}>", user=ADMIN)
    h.driver.command(f"pair <@{OTHER_MENTOR}> <@{OTHER_MENTEE}>", user=ADMIN)
    pairing.create_pair(
        h.db,
        h.bot.deps.settings,
        team_id=TEAM2,
        request=PairRequest(FOREIGN_MENTOR, FOREIGN_MENTEE),
        channel_id=FOREIGN_CHANNEL,
        created_by=FOREIGN_MENTOR,
        now=h.clock.now,
    )
    with h.db.session() as session:
        for pair in session.exec(select_rows(Pair)).all():
            key = {MENTOR: "own", OTHER_MENTOR: "other", FOREIGN_MENTOR: "foreign"}[pair.mentor_id]
            w.pairs[key] = pair
    for key, team in (("own", TEAM), ("other", TEAM), ("foreign", TEAM2)):
        _populate(w, key, team)
    # Prompts before the first session, then the "did it happen?" after it.
    h.bot.deliver_due()
    h.clock.now = START + timedelta(hours=6)
    h.bot.deliver_due()
    h.clock.now = START + timedelta(days=1, hours=6, minutes=20)
    h.bot.deliver_due()
    # Someone else's open modal (the other pair's mentor's agreement, from Home): a forged
    # view id may name it.
    h.driver.event({"type": "app_home_opened", "user": OTHER_MENTOR, "tab": "home"})
    home = w.standin.home_view(TEAM, OTHER_MENTOR)
    assert home is not None
    h.driver.click(home, "Open agreement", user=OTHER_MENTOR)
    w.other_modal = w.standin.last("views.open").response["view"]["id"]
    w.now = h.clock.now
    assert w.standin.validation_errors == []
    w.save()
    _crawl(w)
    w.standin.clear()


# -- ids of other people's things ----------------------------------------------------------------
def others_ids(w: World, actor: str | None) -> list[int]:
    ids = set()
    for table, rows in w.others_rows(w.pristine_rows, actor).items():
        for key in rows:
            ids |= {k for k in key if isinstance(k, int)}
        del table
    return sorted(ids) or [1]


def people() -> list[str]:
    return [MENTOR, MENTEE, STRANGER, ADMIN, OTHER_MENTOR, OTHER_MENTEE, FOREIGN_USER, "UBOT0001"]


# -- slash subcommands -------------------------------------------------------------------------
SUBCOMMAND_TARGETS = [*sorted(handlers.SUBCOMMANDS), "<unknown>"]


def command_case(
    w: World, name: str, rest: str, *, user: str, team: str, channel: str, drop: str | None
) -> Case:
    text = rest if name == "<unknown>" else f"{name} {rest}"
    fields = w.command_fields(text, user=user, team=team, channel=channel)
    identity = {"user_id", "team_id", "response_url", "channel_id", "trigger_id"}
    if drop is not None:
        fields = [(k, v) for k, v in fields if k != drop]
    return Case(
        kind="command",
        label=f"/mentor {text[:80]!r} by {user}@{team} in {channel}"
        + (f" without {drop}" if drop else ""),
        body=urllib.parse.urlencode(fields),
        content_type=FORM,
        actor=user,
        team=team,
        waiting=drop not in ("user_id", "response_url"),
        intact=drop not in identity and user != FOREIGN_USER,
    )


def channels(w: World) -> list[str]:
    own, other = w.pairs["own"], w.pairs["other"]
    return [own.channel_id, other.channel_id, FOREIGN_CHANNEL, "C0GENERAL", "D0MENTOR", "CNOPE"]


@pytest.mark.parametrize("name", SUBCOMMAND_TARGETS)
def test_every_subcommand_survives_hostile_text(
    world: World, case_count: CaseCounter, name: str
) -> None:
    w = world
    own = w.pairs["own"]
    for text in corpus.FIXED_TEXTS:
        w.run(
            command_case(w, name, text, user=MENTOR, team=TEAM, channel=own.channel_id, drop=None),
            case_count,
        )
    mentions = [f"<@{u}>" for u in people()] + ["<@U000>", "<@W99999999999999999999>"]

    @HOSTILE
    @given(st.data())
    def run(data: st.DataObject) -> None:
        user, team = data.draw(st.sampled_from(ACTORS), label="actor")
        words = data.draw(
            st.lists(
                st.one_of(
                    corpus.form_texts(),
                    st.sampled_from(mentions),
                    corpus.ids_as_values(others_ids(w, user)).map(str),
                ),
                max_size=4,
            ),
            label="words",
        )
        channel = data.draw(st.sampled_from(channels(w)), label="channel")
        drop = data.draw(
            st.sampled_from(
                [
                    None,
                    None,
                    None,
                    "user_id",
                    "team_id",
                    "channel_id",
                    "trigger_id",
                    "response_url",
                    "text",
                    "user_name",
                    "team_domain",
                    "api_app_id",
                ]
            ),
            label="drop",
        )
        case = command_case(
            w, name, " ".join(words), user=user, team=team, channel=channel, drop=drop
        )
        w.run(case, case_count)

    run()


# -- buttons -----------------------------------------------------------------------------------
ACTION_TARGETS = sorted(handlers.ACTIONS)
ACTION_KEEP = (("type",), ("actions", 0, "action_id"))


def action_case(
    w: World,
    payload: dict,
    label: str,
    *,
    user: str,
    team: str,
    intact: bool,
    routable: bool = True,
) -> Case:
    return Case(
        routable=routable,
        kind="action",
        label=label,
        body=urllib.parse.urlencode({"payload": json.dumps(payload)}),
        content_type=FORM,
        actor=user,
        team=team,
        intact=intact,
        waiting=intact,
    )


# Who asks, in which workspace, and where the answer goes: a request with these missing or
# junk can't be answered properly (Slack always sends them right), so logged errors are
# allowed there, but never a 500 and never a change to anyone else's data.
REPLY_ROUTES: tuple[tuple[str, ...], ...] = (
    ("user",),
    ("team",),
    ("enterprise",),
    ("is_enterprise_install",),
    ("authorizations",),
    ("response_url",),
    ("response_urls",),
    ("trigger_id",),
    ("container",),
    ("channel",),
    ("message",),
    ("view", "id"),
    ("view", "hash"),
    ("view", "root_view_id"),
    ("view", "previous_view_id"),
    ("view", "team_id"),
    ("view", "app_id"),
    ("view", "bot_id"),
)


def answerable(user: str, change: corpus.Tampering) -> bool:
    """Whether the bot can answer this person where they are (see REPLY_ROUTES).

    The world's bot holds workspace T0001's token only, so a person of T0002 can't be sent
    anything: their cases check acks and data, not the answer.
    """
    return user != FOREIGN_USER and not change.under(*REPLY_ROUTES)


@pytest.mark.parametrize("action_id", ACTION_TARGETS)
def test_every_button_survives_hostile_values(
    world: World, case_count: CaseCounter, action_id: str
) -> None:
    w = world
    real = [c for c in w.clicks if c.action_id == action_id]

    def payload_for(user: str, team: str, value: Any, seed: Click | None) -> dict:
        if seed is None:
            return w.action_payload(action_id, value, user=user, team=team)
        payload = w.click_payload(seed, user=user, team=team)
        action = payload["actions"][0]
        if "selected_option" in action and isinstance(action["selected_option"], dict):
            action["selected_option"]["value"] = value
        else:
            action["value"] = value
        return payload

    seed0 = real[0] if real else None
    for value in (*corpus.FIXED_IDS, *corpus.JSON_TEXTS, *corpus.WRONG_TYPES):
        payload = payload_for(MENTOR, TEAM, value, seed0)
        w.run(
            action_case(
                w,
                payload,
                f"{action_id} = {corpus.short(value)}",
                user=MENTOR,
                team=TEAM,
                intact=True,
            ),
            case_count,
        )

    @HOSTILE
    @given(st.data())
    def run(data: st.DataObject) -> None:
        user, team = data.draw(st.sampled_from(ACTORS), label="actor")
        seed = data.draw(st.sampled_from(real), label="seed") if real else None
        theirs = w.others_values.get(action_id, [])
        value = data.draw(
            st.one_of(
                corpus.junk(),
                corpus.ids_as_values(others_ids(w, user)),
                st.sampled_from(theirs) if theirs else st.nothing(),
                corpus.swap_ids(seed.value, others_ids(w, user)) if seed else st.nothing(),
                st.just(seed.value) if seed else st.nothing(),
            ),
            label="value",
        )
        payload = payload_for(user, team, value, seed)
        change = data.draw(
            st.one_of(
                st.just(corpus.untouched(payload)), corpus.tampered(payload, keep=ACTION_KEEP)
            ),
            label="tampering",
        )
        label = f"{action_id} = {corpus.short(value)} by {user}@{team} {change}"
        w.run(
            action_case(
                w,
                change.payload,
                label,
                user=user,
                team=team,
                intact=answerable(user, change),
                routable=not change.path,
            ),
            case_count,
        )

    run()


# -- modals ------------------------------------------------------------------------------------
VIEW_TARGETS = sorted(handlers.VIEWS)
VIEW_KEEP = (("type",), ("view", "callback_id"))


def synthetic_view(callback_id: str) -> dict:
    return {
        "id": "V0SYNTHETIC",
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": "",
        "blocks": [],
        "title": {"type": "plain_text", "text": "Modal"},
    }


def view_case(
    w: World,
    payload: dict,
    view: dict,
    label: str,
    *,
    user: str,
    team: str,
    intact: bool,
    routable: bool = True,
) -> Case:
    return Case(
        routable=routable,
        kind="view",
        label=label,
        body=urllib.parse.urlencode({"payload": json.dumps(payload)}),
        content_type=FORM,
        actor=user,
        team=team,
        intact=intact,
        waiting=intact,
        view=view,
    )


@pytest.mark.parametrize("callback_id", VIEW_TARGETS)
def test_every_modal_survives_hostile_submissions(
    world: World, case_count: CaseCounter, callback_id: str
) -> None:
    w = world
    seeds = w.views.get(callback_id) or [(synthetic_view(callback_id), MENTOR)]
    view0, _owner = seeds[0]
    # The fixed list: each nasty value in every input at once (with the real metadata, so
    # the values are read), then in private_metadata (with the inputs as they were).
    for value in (*corpus.FIXED_TEXTS, *corpus.JSON_TEXTS, *corpus.WRONG_TYPES):
        view = copy.deepcopy(view0)
        payload = w.submission_payload(view, user=MENTOR, team=TEAM)
        for block_id, element in corpus.input_elements(view0):
            entry = corpus.entry_for(element, value)
            payload["view"]["state"]["values"][block_id] = {element.get("action_id"): entry}
        label = f"{callback_id} every input = {corpus.short(value)}"
        w.run(view_case(w, payload, view, label, user=MENTOR, team=TEAM, intact=True), case_count)
    for value in (*corpus.FIXED_IDS, *(json.dumps(v) for v in corpus.WRONG_TYPES)):
        view = copy.deepcopy(view0)
        view["private_metadata"] = value
        payload = w.submission_payload(view, user=MENTOR, team=TEAM)
        label = f"{callback_id} metadata {corpus.short(value)}"
        w.run(view_case(w, payload, view, label, user=MENTOR, team=TEAM, intact=True), case_count)

    @HOSTILE
    @given(st.data())
    def run(data: st.DataObject) -> None:
        view, _owner = data.draw(st.sampled_from(seeds), label="seed")
        user, team = data.draw(st.sampled_from(ACTORS), label="actor")
        view = copy.deepcopy(view)
        view["private_metadata"] = data.draw(
            corpus.metadatas(view.get("private_metadata"), others_ids(w, user)), label="meta"
        )
        payload = w.submission_payload(view, user=user, team=team)
        payload["view"]["state"] = {
            "values": data.draw(corpus.view_states(view, people()), label="state")
        }
        change = data.draw(
            st.one_of(st.just(corpus.untouched(payload)), corpus.tampered(payload, keep=VIEW_KEEP)),
            label="tampering",
        )
        label = f"{callback_id} by {user}@{team} {change}"
        w.run(
            view_case(
                w,
                change.payload,
                view,
                label,
                user=user,
                team=team,
                intact=answerable(user, change),
                routable=not change.path,
            ),
            case_count,
        )

    run()


# -- events ------------------------------------------------------------------------------------
EVENT_TARGETS = [*sorted(handlers.EVENTS), *UNHANDLED_EVENTS]
EVENT_KEEP = (("type",), ("event", "type"))


def event_case(payload: dict, label: str, *, actor: str | None, retry: int | None) -> Case:
    headers = {}
    if retry is not None:
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
    return Case(
        kind="event",
        label=label,
        body=json.dumps(payload),
        content_type="application/json",
        actor=actor,
        headers=headers,
        waiting=False,
    )


@pytest.mark.parametrize("event_type", EVENT_TARGETS)
def test_every_event_survives_hostile_payloads_and_retries(
    world: World, case_count: CaseCounter, event_type: str
) -> None:
    w = world

    @HOSTILE
    @given(st.data())
    def run(data: st.DataObject) -> None:
        user = data.draw(st.one_of(st.sampled_from(people()), corpus.junk()), label="user")
        team = data.draw(st.sampled_from([TEAM, TEAM, TEAM2]), label="team")
        event = {"type": event_type, "user": user}
        extras = data.draw(
            st.dictionaries(
                st.sampled_from(
                    [
                        "tab",
                        "channel",
                        "view",
                        "text",
                        "ts",
                        "item",
                        "subtype",
                        "bot_id",
                        "event_ts",
                        "reaction",
                    ]
                ),
                st.one_of(st.sampled_from(["home", "messages", "D0MENTOR"]), corpus.junk()),
                max_size=4,
            ),
            label="fields",
        )
        event.update(extras)
        payload = w.event_envelope(event, team=team)
        change = data.draw(
            st.one_of(
                st.just(corpus.untouched(payload)), corpus.tampered(payload, keep=EVENT_KEEP)
            ),
            label="tampering",
        )
        payload = change.payload
        actor = user if isinstance(user, str) else None
        label = f"{event_type} for {corpus.short(user)}@{team} {change}"
        first = event_case(payload, label, actor=actor, retry=None)
        w.run(first, case_count)
        after_first = w.rows()
        calls_after_first = len(w.standin.calls())
        for retry in (1, 2):
            response = w.send(
                replace(first, headers=event_case(payload, "", actor=actor, retry=retry).headers)
            )
            case_count.add("event retry")
            assert response.status == 200, f"{label} retry {retry}: HTTP {response.status}"
            assert w.rows() == after_first, f"{label}: retry {retry} changed data"
            assert len(w.standin.calls()) == calls_after_first, (
                f"{label}: retry {retry} called Slack again"
            )

    run()


# -- forged locations: a click or form naming someone else's message or modal ----------------
def _spread(items: list[Any], count: int) -> list[Any]:
    """Up to `count` of `items`, taken evenly from all of them."""
    if len(items) <= count:
        return items
    step = len(items) / count
    return [items[int(i * step)] for i in range(count)]


def forged_targets(w: World, actor: str) -> tuple[list[tuple[str, str]], list[str]]:
    """Someone else's messages and modals for `actor`'s forged requests to name."""
    views = sorted(w.others_views(actor) - {w.other_modal})
    return _spread(sorted(w.others_messages(actor)), 8), [w.other_modal, *_spread(views, 3)]


@pytest.mark.parametrize("action_id", ACTION_TARGETS)
def test_every_click_naming_someone_elses_message_or_modal_changes_only_its_own(
    world: World, case_count: CaseCounter, action_id: str
) -> None:
    """The container (channel and ts) or the view id of a real click, pointed at another
    pair's messages, the partner's DMs and other people's open modals: nothing of theirs is
    updated (World.check_others_locations), and nothing goes wrong."""
    w = world
    # One real click of each kind: by each person, from each kind of block (a reminder, a list).
    seeds: list[Click | None] = []
    kinds: set[tuple[str, str]] = set()
    for click in (c for c in w.clicks if c.action_id == action_id):
        kind = (click.user, re.sub(r"\d+", "", click.block_id or ""))
        if kind not in kinds:
            kinds.add(kind)
            seeds.append(click)
    seeds = seeds[:4] or [None]
    for seed in seeds:
        user = seed.user if seed is not None else MENTOR

        def fresh(seed: Click | None = seed, user: str = user) -> dict:
            """The click as Slack sends it, with a trigger id of its own."""
            if seed is None:
                return w.action_payload(action_id, "1", user=user, team=TEAM)
            return w.click_payload(seed, user=user, team=TEAM)

        messages, views = forged_targets(w, user)
        forged: list[tuple[str, dict]] = []
        for channel, ts in messages:
            payload = fresh()
            payload.pop("view", None)
            payload["container"] = {
                "type": "message",
                "channel_id": channel,
                "message_ts": ts,
                "is_ephemeral": False,
            }
            payload["channel"] = {"id": channel, "name": "forged"}
            if isinstance(payload.get("message"), dict):
                payload["message"]["ts"] = ts
            forged.append((f"container {channel}/{ts}", payload))
        for view_id in views:
            payload = fresh()
            view = payload.get("view") if isinstance(payload.get("view"), dict) else {}
            payload["view"] = {"type": "modal", "blocks": [], **view, "id": view_id}
            payload["container"] = {"type": "view", "view_id": view_id}
            forged.append((f"view {view_id}", payload))
        for where, payload in forged:
            label = f"{action_id} by {user} naming {where}"
            case = action_case(w, payload, label, user=user, team=TEAM, intact=True)
            w.run(replace(case, waiting=False), case_count)


@pytest.mark.parametrize("callback_id", VIEW_TARGETS)
def test_every_modal_naming_someone_elses_message_or_modal_changes_only_its_own(
    world: World, case_count: CaseCounter, callback_id: str
) -> None:
    """A submission whose view id is someone else's open modal, or whose private_metadata
    names another pair's message: nothing of theirs is updated."""
    w = world
    view0, owner = (w.views.get(callback_id) or [(synthetic_view(callback_id), MENTOR)])[0]
    messages, views = forged_targets(w, owner)
    forged: list[tuple[str, dict]] = []
    for view_id in views:
        forged.append((f"view {view_id}", {**copy.deepcopy(view0), "id": view_id}))
    meta = corpus.private_metadata_of(view0)
    for channel, ts in messages:
        named = {**meta, "channel": channel, "ts": ts, "channel_id": channel, "message_ts": ts}
        forged.append(
            (f"metadata {channel}/{ts}", {**view0, "private_metadata": json.dumps(named)})
        )
    for where, view in forged:
        payload = w.submission_payload(view, user=owner, team=TEAM)
        # Filled in, so the submission gets as far as it can (to where it updates things).
        payload["view"]["state"] = {"values": corpus.filled_state(view, partner=MENTEE)}
        label = f"{callback_id} by {owner} naming {where}"
        case = view_case(w, payload, view, label, user=owner, team=TEAM, intact=True)
        w.run(case, case_count)


# -- what Bolt reads unguarded: a 400 from the door, never a 500 from inside Bolt --------------
@pytest.mark.parametrize(
    ("kind", "target"),
    [*(("action", a) for a in ACTION_TARGETS), *(("view", v) for v in VIEW_TARGETS)],
    ids=[*(f"action:{a}" for a in ACTION_TARGETS), *(f"view:{v}" for v in VIEW_TARGETS)],
)
def test_every_payload_without_what_bolt_reads_is_a_400(
    world: World, case_count: CaseCounter, kind: str, target: str
) -> None:
    w = world
    if kind == "action":
        seed = next((c for c in w.clicks if c.action_id == target), None)
        user = seed.user if seed is not None else MENTOR
        payload = (
            w.click_payload(seed, user=user, team=TEAM)
            if seed is not None
            else w.action_payload(target, "1", user=user, team=TEAM)
        )
    else:
        view, user = (w.views.get(target) or [(synthetic_view(target), MENTOR)])[0]
        payload = w.submission_payload(view, user=user, team=TEAM)
    broken = corpus.unreadable(payload)
    assert broken, f"no Bolt-breaking shapes known for {payload.get('type')}"
    for what, unreadable in broken:
        case = Case(
            kind="raw",
            label=f"{target} {what}",
            body=urllib.parse.urlencode({"payload": json.dumps(unreadable)}),
            content_type=FORM,
            actor=user,
            routable=False,
        )
        response = w.run(case, case_count)
        assert response.status == 400, f"{case.label}: HTTP {response.status} {response.body}"


# -- one submission, one effect ----------------------------------------------------------------
@pytest.mark.parametrize("callback_id", VIEW_TARGETS)
def test_every_modal_submitted_twice_has_one_effect(
    world: World, case_count: CaseCounter, callback_id: str
) -> None:
    """Each real modal, filled in sensibly, submitted and then submitted again (a double
    click on its button, or a replay): the second changes nothing and nothing goes wrong."""
    w = world
    for view, owner in (w.views.get(callback_id) or [(synthetic_view(callback_id), MENTOR)])[:3]:
        payload = w.submission_payload(view, user=owner, team=TEAM)
        payload["view"]["state"] = {"values": corpus.filled_state(view, partner=MENTEE)}
        case = view_case(
            w, payload, view, f"{callback_id} by {owner}", user=owner, team=TEAM, intact=True
        )
        w.run(case, case_count)
        once = w.rows()
        again = w.send(case)
        case_count.add("double submission")
        assert again.status == 200, f"{case.label} again: HTTP {again.status}"
        assert w.rows() == once, f"{case.label}: a second submission changed data again"
        assert not w.errors.records, f"{case.label} twice: {w.error_summary()}"


# -- replayed and re-ordered clicks ------------------------------------------------------------
def test_double_clicks_and_replays_have_one_effect(world: World, case_count: CaseCounter) -> None:
    """Every button the bot showed: clicked by an outsider (nothing changes), and by its
    person twice and then replayed byte for byte (one effect)."""
    w = world
    assert w.clicks, "the crawler found no buttons"
    for click in w.clicks:
        label = f"{click.action_id} {click.label!r}"
        outsider = w.click_payload(click, user=STRANGER, team=TEAM)
        w.run(
            action_case(
                w, outsider, f"{label} by {STRANGER}", user=STRANGER, team=TEAM, intact=True
            ),
            case_count,
        )
        payload = w.click_payload(click, user=click.user, team=TEAM)
        case = action_case(
            w, payload, f"{label} by {click.user}", user=click.user, team=TEAM, intact=True
        )
        w.run(case, case_count)
        once = w.rows()
        # The same button clicked again (Slack sends a fresh trigger and response URL).
        again = w.click_payload(click, user=click.user, team=TEAM)
        response = w.send(action_case(w, again, "", user=click.user, team=TEAM, intact=True))
        case_count.add("double click")
        assert response.status == 200
        assert w.rows() == once, f"{case.label}: a second click changed data again"
        assert not w.errors.records, f"{case.label} twice: {w.error_summary()}"
        # The very same request replayed byte for byte within the five minutes. Its trigger
        # id is spent, so a modal can't open again; the data must not move.
        response = w.send(case)
        case_count.add("replay")
        assert response.status == 200
        assert w.rows() == once, f"{case.label}: a replay changed data again"


def test_clicks_in_any_order_keep_everyone_elses_data(
    world: World, case_count: CaseCounter
) -> None:
    w = world
    assert w.clicks

    @HOSTILE
    @given(st.lists(st.sampled_from(range(len(w.clicks))), min_size=2, max_size=6))
    def run(order: list[int]) -> None:
        w.reset()
        for index in order:
            click = w.clicks[index]
            user = click.user
            payload = w.click_payload(click, user=user, team=TEAM)
            case = action_case(
                w,
                payload,
                f"{click.action_id} {click.label!r} in {order}",
                user=user,
                team=TEAM,
                intact=True,
            )
            started = time.monotonic()
            response = w.send(case)
            case_count.add("re-ordered click")
            assert response.status == 200, f"{case.label}: HTTP {response.status}"
            assert time.monotonic() - started < SLACK_ACK_SECONDS
            assert not w.errors.records, f"{case.label}: {w.error_summary()}"
            assert w.others_rows(w.rows(), user) == w.others_rows(w.pristine_rows, user), (
                f"{case.label}: changed another pair's data"
            )
            assert w.standin.validation_errors == []

    run()


# -- malformed requests and the signature check, in-process and over HTTP ---------------------
def _help_command(standin: SlackStandIn) -> str:
    url = standin.new_response_url(team_id=TEAM, channel="C0GENERAL", user=MENTOR)
    return urllib.parse.urlencode(
        {
            "team_id": TEAM,
            "user_id": MENTOR,
            "channel_id": "C0GENERAL",
            "command": "/mentor",
            "text": "help",
            "response_url": url,
        }
    )


# The app checks timestamps against the real clock, and a loaded machine can take a second or
# more between building a request and the check: the exact 301 s boundary is proven on an
# injected clock (test_the_signature_window_is_five_minutes_each_way); over the wire the
# stale and future cases stand a minute outside the window so elapsed time can't let them in.
OUTSIDE_WINDOW_S = 360


def _malformed(now: int, good: str) -> list[tuple[str, str, dict[str, str], int]]:
    """(label, body, header overrides, expected status) for requests that aren't Slack's."""
    ahead, behind = str(now + OUTSIDE_WINDOW_S), str(now - OUTSIDE_WINDOW_S)
    return [
        ("non-numeric timestamp", good, {"X-Slack-Request-Timestamp": "abc"}, 401),
        ("empty timestamp", good, {"X-Slack-Request-Timestamp": ""}, 401),
        ("timestamp with spaces", good, {"X-Slack-Request-Timestamp": f" {now}"}, 401),
        ("arabic-indic digits", good, {"X-Slack-Request-Timestamp": "١٧٠٠٠٠٠٠٠٠"}, 401),
        ("negative timestamp", good, {"X-Slack-Request-Timestamp": "-1"}, 401),
        ("huge timestamp", good, {"X-Slack-Request-Timestamp": "9" * 40}, 401),
        ("timestamp six minutes ahead", good, {"X-Slack-Request-Timestamp": ahead}, 401),
        ("timestamp six minutes behind", good, {"X-Slack-Request-Timestamp": behind}, 401),
        ("no timestamp", good, {"X-Slack-Request-Timestamp": None}, 401),  # type: ignore[dict-item]
        ("no signature", good, {"X-Slack-Signature": None}, 401),  # type: ignore[dict-item]
        ("non-ASCII signature", good, {"X-Slack-Signature": "v0=é" + "0" * 63}, 401),
        ("signature of another body", good, {"X-Slack-Signature": "v0=" + "0" * 64}, 401),
    ]


def _resign(driver: SlackDriver, body: str, overrides: dict, content_type: str = FORM) -> dict:
    timestamp = overrides.get("X-Slack-Request-Timestamp")
    signed = driver.sign(body, timestamp=timestamp) if timestamp else driver.sign(body)
    headers = {"Content-Type": content_type, **signed}
    for key, value in overrides.items():
        if value is None:
            headers.pop(key, None)
        elif key != "X-Slack-Request-Timestamp" or not timestamp:
            headers[key] = value
    return headers


SIGNED_GARBAGE = [
    ("invalid JSON", "{not json", "application/json"),
    ("a JSON list", "[1, 2]", "application/json"),
    ("a JSON string", '"text"', "application/json"),
    ("deeply nested JSON", "[" * 100_000 + "]" * 100_000, "application/json"),
    ("payload that is a list", "payload=%5B1%5D", FORM),
    ("payload that is not JSON", "payload=%7Bnope", FORM),
    (
        "payload with team as a list",
        "payload="
        + urllib.parse.quote(
            json.dumps({"type": "block_actions", "team": [1], "user": "x", "actions": 5})
        ),
        FORM,
    ),
    (
        "event with authorizations of numbers",
        json.dumps(
            {
                "type": "event_callback",
                "team_id": "T0001",
                "authorizations": [1, 2],
                "event": {"type": "app_home_opened"},
                "event_id": "Ev1",
            }
        ),
        "application/json",
    ),
    ("empty body", "", FORM),
    ("form of nothing Slack sends", "a=1&b=2", FORM),
    (
        "unknown interactive type",
        "payload="
        + urllib.parse.quote(
            json.dumps({"type": "x_unknown", "team": {"id": "T0001"}, "user": {"id": "U1"}})
        ),
        FORM,
    ),
]


def _check_refusals(driver: SlackDriver, counter: CaseCounter, kind: str, *, http: bool) -> None:
    now = int(time.time())
    for label, body, overrides, expected in _malformed(now, _help_command(driver.standin)):
        headers = _resign(driver, body, overrides)
        if http:  # HTTP headers travel as latin-1: send the UTF-8 bytes as such
            headers = {k: v.encode("utf-8").decode("latin-1") for k, v in headers.items()}
        response = driver.raw(body, headers)
        counter.add(kind)
        assert response.status == expected, f"{label}: HTTP {response.status} {response.body}"
    for label, body, content_type in SIGNED_GARBAGE:
        headers = {"Content-Type": content_type, **driver.sign(body)}
        response = driver.raw(body, headers)
        counter.add(kind)
        if '"event_callback"' in body:  # Slack retries an event until it gets a 200
            assert response.status == 200, f"{label}: HTTP {response.status} {response.body}"
        else:
            assert 400 <= response.status < 500, f"{label}: HTTP {response.status}"
    for skew in (-299, 299):
        body = _help_command(driver.standin)
        headers = {"Content-Type": FORM, **driver.sign(body, timestamp=now + skew)}
        response = driver.raw(body, headers)
        counter.add(kind)
        assert response.status == 200, f"skew {skew}s: HTTP {response.status}"
    response = driver.event({"type": "x_never_subscribed", "user": MENTOR})
    counter.add(kind)
    assert response.status == 200, "an unhandled event must get a 200, or Slack retries it"


def test_bad_signatures_and_garbage_get_a_4xx_in_process(
    world: World, case_count: CaseCounter
) -> None:
    world.reset()
    _check_refusals(world.driver, case_count, "refusal in-process", http=False)
    assert not world.errors.records, world.error_summary()
    assert world.rows() == world.pristine_rows


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def http_driver(world: World) -> Iterator[tuple[SlackDriver, str]]:
    server = make_server("127.0.0.1", 0, wsgi_app(world.h.bot), handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01})
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}{EVENTS_PATH}"
    try:
        yield (
            SlackDriver(
                signing_secret=SIGNING_SECRET,
                transport=SettledTransport(http_transport(url), world.executor),
                standin=world.standin,
                team_id=TEAM,
            ),
            url,
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_bad_signatures_and_garbage_get_a_4xx_over_http(
    world: World, case_count: CaseCounter, http_driver: tuple[SlackDriver, str]
) -> None:
    driver, url = http_driver
    world.reset()
    _check_refusals(driver, case_count, "refusal over HTTP", http=True)
    # Bytes that aren't UTF-8, a Content-Length that isn't a number, a body too large to be
    # Slack's (announced by its length: the server answers before reading it).
    parts = urllib.parse.urlsplit(url)
    for label, data, length, expected in (
        ("not UTF-8", b"payload=\xff\xfe\xfd", None, 400),
        ("too large", b"x" * 1000, "1200000", 413),
        ("length not a number", b"x" * 10, "ten", 400),
    ):
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        try:
            connection.putrequest("POST", parts.path)
            headers = {"Content-Type": FORM, **driver.sign(data.decode("latin-1"))}
            headers["Content-Length"] = length or str(len(data))
            for key, value in headers.items():
                connection.putheader(key, value)
            connection.endheaders(data)
            status = connection.getresponse().status
        finally:
            connection.close()
        case_count.add("refusal over HTTP")
        assert status == expected, f"{label}: HTTP {status}"
    assert not world.errors.records, world.error_summary()
    assert world.rows() == world.pristine_rows


def test_the_corpus_reaches_the_app_over_http_too(
    world: World, case_count: CaseCounter, http_driver: tuple[SlackDriver, str]
) -> None:
    """A slice of the corpus through the WSGI app (the production path), checked the same way."""
    w = world
    driver, _url = http_driver
    in_process = w.h.driver
    w.h.driver = driver
    try:
        own = w.pairs["own"]
        for name in SUBCOMMAND_TARGETS:
            for text in ("", "x" * corpus.BIG, "\u202e<@UNEWYORK> 1:1"):
                w.run(
                    command_case(
                        w, name, text, user=MENTOR, team=TEAM, channel=own.channel_id, drop=None
                    ),
                    case_count,
                )
        for click in w.clicks[:20]:
            payload = w.click_payload(click, user=click.user, team=TEAM)
            payload["actions"][0]["value"] = [{"nested": "x" * corpus.BIG}]
            w.run(
                action_case(
                    w,
                    payload,
                    f"{click.action_id} over HTTP",
                    user=click.user,
                    team=TEAM,
                    intact=True,
                ),
                case_count,
            )
    finally:
        w.h.driver = in_process


# -- a listener that raises still acks -------------------------------------------------------
def _boom_listener(ack: Any, body: dict) -> None:
    raise RuntimeError("a listener failed before acknowledging")


def _boom_subcommand(request: Any) -> None:
    raise RuntimeError("a subcommand failed")


def test_every_listener_that_raises_still_acks_and_tells_the_person(
    monkeypatch: pytest.MonkeyPatch, case_count: CaseCounter
) -> None:
    """Every entry of every table replaced by one that raises (before acking): each still gets
    its 200 within the limit, and the person hears that something went wrong."""
    for name in handlers.SUBCOMMANDS:
        monkeypatch.setitem(handlers.SUBCOMMANDS, name, _boom_subcommand)
    for table in (handlers.ACTIONS, handlers.VIEWS, handlers.EVENTS):
        for key in table:
            monkeypatch.setitem(table, key, _boom_listener)
    monkeypatch.setitem(handlers.EVENTS, "x_boom_event", _boom_listener)
    with SlackStandIn() as standin:
        standin.add_workspace(TEAM, bot_token=BOT_TOKEN, bot_user_id="UBOT0001")
        standin.add_user(TEAM, MENTOR, name="maria")
        standin.response_url_max_uses = None
        h = build_harness(standin, FixedClock(START), base_settings())
        surfaces: list[tuple[str, Callable[[], DriverResponse], bool]] = []
        for name in handlers.SUBCOMMANDS:
            surfaces.append(
                (f"/mentor {name}", lambda n=name: h.driver.command(n, user=MENTOR), True)
            )
        for action_id in handlers.ACTIONS:
            surfaces.append(
                (
                    action_id,
                    lambda a=action_id: h.driver.click_action(a, value="1", user=MENTOR),
                    True,
                )
            )
        for callback_id in handlers.VIEWS:
            view = synthetic_view(callback_id)
            surfaces.append((callback_id, lambda v=view: h.driver.submit(v, user=MENTOR), True))
        for event_type in handlers.EVENTS:
            surfaces.append(
                (
                    event_type,
                    lambda e=event_type: h.driver.event({"type": e, "user": MENTOR, "tab": "home"}),
                    False,
                )
            )
        for label, send, waiting in surfaces:
            standin.clear()
            started = time.monotonic()
            response = send()
            case_count.add("raising listener")
            assert response.status == 200, f"{label}: HTTP {response.status} {response.body}"
            assert time.monotonic() - started < SLACK_ACK_SECONDS, label
            assert response.json() is None or response.json().get("response_action") in (
                None,
                "errors",
            ), f"{label}: {response.body}"
            if waiting:
                told = [json.dumps(r.body) for r in standin.responses()] + [
                    json.dumps(c.args) for c in standin.calls("chat.postMessage")
                ]
                assert any(SOMETHING_WENT_WRONG[:40] in t for t in told), (
                    f"{label}: the person wasn't told"
                )


def test_with_the_database_gone_every_surface_still_acks(
    world: World, case_count: CaseCounter
) -> None:
    """Real listeners raising for real: every table dropped, one request per surface."""
    w = world
    w.reset()
    try:
        SQLModel.metadata.drop_all(w.engine)
        own = w.pairs["own"]
        requests: list[tuple[str, Callable[[], DriverResponse]]] = []
        for name in SUBCOMMAND_TARGETS:
            requests.append(
                (name, lambda n=name: w.driver.command(n, user=MENTOR, channel=own.channel_id))
            )
        for click in w.clicks:
            requests.append(
                (
                    click.action_id,
                    lambda c=click: w.driver.click(
                        c.surface, c.label, user=c.user, channel=c.channel, block_id=c.block_id
                    ),
                )
            )
        for callback_id, seeds in w.views.items():
            requests.append((callback_id, lambda v=seeds[0][0]: w.driver.submit(v, user=MENTOR)))
        for event_type in EVENT_TARGETS:
            requests.append(
                (
                    event_type,
                    lambda e=event_type: w.driver.event({"type": e, "user": MENTOR, "tab": "home"}),
                )
            )
        for label, send in requests:
            started = time.monotonic()
            response = send()
            case_count.add("database gone")
            assert response.status == 200, f"{label}: HTTP {response.status} {response.body}"
            assert time.monotonic() - started < SLACK_ACK_SECONDS, label
    finally:
        SQLModel.metadata.create_all(w.engine)
        w.reset()
        w.errors.records.clear()


# -- Slack's retries of one event run its listener once ---------------------------------------
def test_a_retried_event_runs_once_even_while_the_first_is_still_running(
    monkeypatch: pytest.MonkeyPatch, case_count: CaseCounter, tmp_path: Path
) -> None:
    started, release = threading.Event(), threading.Event()
    runs: list[str] = []

    def slow_listener(ack: Any, body: dict, *, deps: Any) -> None:
        runs.append(body["event_id"])
        started.set()
        release.wait(timeout=10)

    monkeypatch.setitem(handlers.EVENTS, "x_slow_event", slow_listener)
    pool = ThreadPoolExecutor(max_workers=8)
    with SlackStandIn() as standin:
        standin.add_workspace(TEAM, bot_token=BOT_TOKEN, bot_user_id="UBOT0001")
        standin.add_workspace(TEAM2, bot_token="xoxb-other-workspace", bot_user_id="UBOT0002")
        settings_ = replace(base_settings(), slack_api_url=standin.api_url)
        bot = create_app(
            settings_,
            client=make_client(settings_),
            # A file, as in production: listener threads each get their own connection.
            engine=make_engine(f"sqlite:///{tmp_path / 'events.db'}"),
            clock=FixedClock(START),
            listener_executor=pool,  # listeners run beside the ack, as in production
        )
        driver = SlackDriver(
            signing_secret=SIGNING_SECRET,
            transport=bolt_transport(bot.app),
            standin=standin,
            team_id=TEAM,
        )
        event = {"type": "x_slow_event", "user": MENTOR}
        first = driver.event(event, event_id="Ev0SAME0001")
        assert first.status == 200
        assert started.wait(timeout=5), "the first delivery never started"
        # Slack retries while the first is still running: acknowledged, not run.
        for retry in (1, 2, 3):
            began = time.monotonic()
            again = driver.event(event, event_id="Ev0SAME0001", retry_num=retry)
            case_count.add("concurrent retry")
            assert again.status == 200
            assert time.monotonic() - began < SLACK_ACK_SECONDS
        # The same id in another workspace is another event.
        other = driver.event(event, event_id="Ev0SAME0001", team_id=TEAM2)
        assert other.status == 200
        release.set()
        pool.shutdown(wait=True)
    assert sorted(runs) == ["Ev0SAME0001", "Ev0SAME0001"], runs
    assert len(runs) == 2  # once per workspace, never for a retry


def test_event_claims_are_scoped_by_workspace_and_taken_once(any_db: Database) -> None:
    now = START
    body = {"team_id": TEAM, "event_id": "Ev0CLAIM001"}
    assert claim_event(any_db, body, now=now)
    assert not claim_event(any_db, body, now=now)
    assert claim_event(any_db, {**body, "team_id": TEAM2}, now=now)
    # Claims older than a day are forgotten when the workspace claims its next event.
    assert claim_event(any_db, {**body, "event_id": "Ev0CLAIM002"}, now=now + timedelta(days=2))
    assert claim_event(any_db, body, now=now + timedelta(days=2))
    # An event without usable ids can't be recognised again: it is taken on.
    for broken in ({}, {"team_id": TEAM}, {"team_id": TEAM, "event_id": "x" * 500}, [1]):
        assert claim_event(any_db, broken, now=now)


def test_event_claims_race_on_postgresql_too(any_db: Database) -> None:
    """Many threads claiming the same event id at once: exactly one wins."""
    body = {"team_id": TEAM, "event_id": "Ev0RACE0001"}
    barrier = threading.Barrier(8)

    def claim() -> bool:
        barrier.wait(timeout=10)
        return claim_event(any_db, body, now=START)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _i: claim(), range(8)))
    assert results.count(True) == 1, results


def test_the_world_covers_every_surface(world: World) -> None:
    """Not a gate on other features: says which surfaces the crawler reached for real seeds."""
    clicked = {c.action_id for c in world.clicks}
    assert world.clicks and world.views
    unreached = sorted(set(handlers.ACTIONS) - clicked) + sorted(
        set(handlers.VIEWS) - set(world.views)
    )
    if unreached:
        print(f"surfaces fuzzed without a real seed (synthetic payloads only): {unreached}")


def test_the_signature_window_is_five_minutes_each_way(case_count: CaseCounter) -> None:
    """SignatureCheck on its own clock: 300 s either side is Slack's, 301 s isn't."""
    now = 1_800_000_000
    check = SignatureCheck(SIGNING_SECRET, clock=lambda: float(now))
    signer = SlackDriver(
        signing_secret=SIGNING_SECRET,
        transport=_Recorder(),
        standin=None,  # type: ignore[arg-type]
    )
    body = "token=t&command=%2Fmentor&text=help"
    for skew, expected in ((-301, False), (-300, True), (0, True), (300, True), (301, False)):
        headers = signer.sign(body, timestamp=now + skew)
        case_count.add("signature window")
        assert check.is_signed(body, headers) is expected, f"{skew:+d} s"
    good = signer.sign(body, timestamp=now)
    for name, value in (
        ("X-Slack-Request-Timestamp", f"{now}.0"),
        ("X-Slack-Request-Timestamp", f"+{now}"),
        ("X-Slack-Request-Timestamp", f"{now}\n"),
        ("X-Slack-Signature", good["X-Slack-Signature"].upper()),
        ("X-Slack-Signature", good["X-Slack-Signature"][:-1]),
        ("X-Slack-Signature", "v1=" + good["X-Slack-Signature"][3:]),
    ):
        case_count.add("signature window")
        assert not check.is_signed(body, {**good, name: value}), f"{name}: {value!r}"
    assert not check.is_signed(body + " ", good)
    assert check.is_signed(body, {k.lower(): [v] for k, v in good.items()})
