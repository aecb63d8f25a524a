"""The ack path of every listener (runtime.listeners.bind): the answer goes back at ack().

Each test binds a listener the way runtime.listeners.register does, on a Bolt app built like
Mentorbot's (process_before_response=True) with a real ListenerPool, and dispatches Bolt
requests to it in-process. The listeners block on events the test controls, so what each
test shows is an order of events, not a timing.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, wait
from types import SimpleNamespace
from typing import Any

import pytest
from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.authorization import AuthorizeResult

from runtime import listeners
from runtime.listeners import ListenerPool, bind
from storage.db import Database
from tests.conftest import FixedClock

TEAM = "T0ACK"


@pytest.fixture
def pool() -> Iterator[ListenerPool]:
    executor = ListenerPool(keep=2, limit=16, idle_seconds=5)
    yield executor
    executor.shutdown()


def bolt_app() -> App:
    return App(
        signing_secret="not-checked-here",
        request_verification_enabled=False,
        authorize=lambda **_: AuthorizeResult(
            enterprise_id=None, team_id=TEAM, bot_token="xoxb-test", bot_user_id="UBOT"
        ),
        process_before_response=True,
    )


def command(text: str = "help") -> BoltRequest:
    body = urllib.parse.urlencode(
        {
            "command": "/mentor",
            "text": text,
            "team_id": TEAM,
            "user_id": "U1",
            "channel_id": "C1",
            "response_url": "http://127.0.0.1:9/unused",
            "trigger_id": "1.2.3",
        }
    )
    return BoltRequest(body=body, headers={"content-type": ["application/x-www-form-urlencoded"]})


def event(event_id: str) -> BoltRequest:
    body = json.dumps(
        {
            "type": "event_callback",
            "team_id": TEAM,
            "api_app_id": "A1",
            "event_id": event_id,
            "event_time": 1_800_000_000,
            "event": {"type": "app_home_opened", "user": "U1", "tab": "home"},
        }
    )
    return BoltRequest(body=body, headers={"content-type": ["application/json"]})


def dispatch_in_thread(app: App, request: BoltRequest) -> tuple[threading.Thread, list]:
    answers: list[BoltResponse] = []
    thread = threading.Thread(target=lambda: answers.append(app.dispatch(request)), daemon=True)
    thread.start()
    return thread, answers


def test_the_answer_goes_back_at_ack_while_the_work_after_it_goes_on(
    pool: ListenerPool, file_db: Database, clock: FixedClock
) -> None:
    release, finished = threading.Event(), threading.Event()
    threads: dict[str, int] = {}

    def listener(ack: Callable[..., Any], *, deps: Any) -> None:
        threads["listener"] = threading.get_ident()
        ack(text="on it")
        release.wait(10)  # a slow Web API call after the ack
        finished.set()

    app = bolt_app()
    app.command("/mentor")(bind(listener, SimpleNamespace(db=file_db, clock=clock), pool))
    answer = app.dispatch(command())

    assert (answer.status, answer.body) == (200, "on it")
    assert not finished.is_set(), "the answer waited for the work after the ack"
    assert threads["listener"] != threading.get_ident(), "the work runs on the pool"
    release.set()
    assert finished.wait(10)


def test_a_listener_that_raises_before_acking_still_answers(
    pool: ListenerPool, file_db: Database, clock: FixedClock
) -> None:
    def listener(ack: Callable[..., Any], *, deps: Any) -> None:
        raise RuntimeError("the database went away")

    app = bolt_app()
    app.command("/mentor")(bind(listener, SimpleNamespace(db=file_db, clock=clock), pool))
    answer = app.dispatch(command())
    assert answer.status == 200, "an empty ack, not a 500 or a timeout"


def test_a_listener_that_never_acks_gets_an_empty_200_in_time(
    pool: ListenerPool, file_db: Database, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(listeners, "ACK_WAIT_SECONDS", 0.05)
    release = threading.Event()

    def listener(ack: Callable[..., Any], *, deps: Any) -> None:
        release.wait(10)  # stuck before its ack

    app = bolt_app()
    app.command("/mentor")(bind(listener, SimpleNamespace(db=file_db, clock=clock), pool))
    answer = app.dispatch(command())
    release.set()
    assert (answer.status, answer.body) == (200, "")


class Recording(Executor):
    """The pool, keeping each task's future so a test can wait for all of them."""

    def __init__(self, pool: ListenerPool) -> None:
        self.pool = pool
        self.futures: list[Future] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        future = self.pool.submit(fn, *args, **kwargs)
        self.futures.append(future)
        return future


def test_an_event_is_acknowledged_without_waiting_for_its_listener(
    pool: ListenerPool, file_db: Database, clock: FixedClock
) -> None:
    release = threading.Event()
    runs: list[str] = []

    def listener(event: dict, *, deps: Any) -> None:
        release.wait(10)
        runs.append(event["type"])

    executor = Recording(pool)
    app = bolt_app()
    bound = bind(listener, SimpleNamespace(db=file_db, clock=clock), executor, once_per_event=True)
    app.event("app_home_opened")(bound)

    first = app.dispatch(event("Ev1"))
    retry = app.dispatch(event("Ev1"))  # Slack's retry while the first is still running
    assert first.status == retry.status == 200
    assert runs == [], "both were answered while the listener was still at work"
    release.set()
    done, _ = wait(executor.futures, timeout=10)
    assert len(done) == 2 and all(f.exception() is None for f in done)
    assert runs == ["app_home_opened"], "the retry ran nothing"


def test_an_inline_executor_runs_the_whole_listener_before_the_answer(
    file_db: Database, clock: FixedClock
) -> None:
    """The tests' InlineExecutor: ack() is called on the request's own thread; no handoff wait."""
    from tests.conftest import InlineExecutor

    done: list[str] = []

    def listener(ack: Callable[..., Any], *, deps: Any) -> None:
        ack(text="inline")
        done.append("work")

    app = bolt_app()
    deps = SimpleNamespace(db=file_db, clock=clock)
    app.command("/mentor")(bind(listener, deps, InlineExecutor()))
    thread, answers = dispatch_in_thread(app, command())
    thread.join(timeout=listeners.HANDOFF_SECONDS * 20)
    assert not thread.is_alive()
    assert answers[0].body == "inline" and done == ["work"]
