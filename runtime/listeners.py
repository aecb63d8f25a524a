"""Where listeners run: the listener pool, the ack relay, and binding the handlers' table to Bolt.

Bolt runs with process_before_response=True: it calls a bound listener in the thread serving
the HTTP request and answers Slack when that returns. `bind` runs the listener itself on the
listener pool and returns as soon as it acks, so the Web API calls after the ack never hold
the answer back.
"""

from __future__ import annotations

import inspect
import json
import logging
import queue
import re
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

from slack_bolt import Ack, App
from sqlalchemy.exc import SQLAlchemyError

import handlers
from bot import once
from bot.deps import Deps
from handlers.errors import asker, handle_error
from runtime.request_guard import claim_event

log = logging.getLogger(__name__)

# Threads kept warm for listeners; ListenerPool starts more when they are all busy.
LISTENER_THREADS = 16
# The most listeners running at once; beyond it they queue (and acks wait).
LISTENER_THREADS_LIMIT = 512
LISTENER_IDLE_SECONDS = 60.0


class ListenerPool(Executor):
    """Where listeners run: every listener starts at once, on an idle thread or a new one.

    `bind` runs a whole listener - the ack() it starts with and the Web API calls
    after it - as one task here, while the request's thread waits (up to 2.5 s) for the ack.
    A fixed-size pool (Bolt's default has 5 threads) queues tasks once all its threads wait
    on slow Slack calls, and then acks would wait behind other people's Slack calls. This
    pool doesn't queue: it keeps `keep` threads and starts another whenever none is idle (up
    to `limit`, a last line of defence); the extra ones end after `idle_seconds` without work.
    """

    def __init__(
        self,
        *,
        keep: int = LISTENER_THREADS,
        limit: int = LISTENER_THREADS_LIMIT,
        idle_seconds: float = LISTENER_IDLE_SECONDS,
    ) -> None:
        self.keep = keep
        self.limit = limit
        self.idle_seconds = idle_seconds
        self._tasks: queue.SimpleQueue[tuple[Future, Callable[..., Any], tuple, dict] | None] = (
            queue.SimpleQueue()
        )
        self._lock = threading.Lock()
        # Notified whenever the thread count changes (under `_lock`); see wait_for_threads.
        self._threads_changed = threading.Condition(self._lock)
        self._threads = 0
        self._idle = 0  # threads waiting for a task no other task has been promised to
        self._waiting = 0  # tasks queued with no thread promised to them (at the limit)
        self._closed = False
        self._started = 0

    @property
    def threads(self) -> int:
        with self._lock:
            return self._threads

    def wait_for_threads(self, count: int, *, timeout: float) -> bool:
        """Block until exactly `count` threads are alive: True, or False after `timeout`."""
        with self._threads_changed:
            return self._threads_changed.wait_for(lambda: self._threads == count, timeout)

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("ListenerPool is shut down")
            self._tasks.put((future, fn, args, kwargs))
            if self._idle:
                self._idle -= 1
            elif self._threads < self.limit:
                self._threads += 1
                self._threads_changed.notify_all()
                self._started += 1
                name = f"listener-{self._started}"
                threading.Thread(target=self._work, name=name, daemon=True).start()
            else:
                self._waiting += 1  # the next thread to finish its task takes this one
                log.warning("All %s listener threads are busy; a listener waits", self.limit)
        return future

    def _work(self) -> None:
        while True:
            try:
                task = self._tasks.get(timeout=self.idle_seconds)
            except queue.Empty:
                with self._lock:
                    # Only a thread nobody promised a task to may end (and never the last `keep`).
                    if self._idle and self._threads > self.keep:
                        self._idle -= 1
                        self._threads -= 1
                        self._threads_changed.notify_all()
                        return
                continue
            if task is None:
                with self._lock:
                    self._threads -= 1
                    self._threads_changed.notify_all()
                return
            future, fn, args, kwargs = task
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(fn(*args, **kwargs))
                except BaseException as error:
                    future.set_exception(error)
            del task, future, fn, args, kwargs
            with self._lock:
                if self._waiting:
                    self._waiting -= 1
                else:
                    self._idle += 1

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._closed = True
            count = self._threads
        for _ in range(count):
            self._tasks.put(None)


# How long a request thread waits for its listener's ack() before answering Slack with an empty
# 200 on its own: Slack gives up at 3 s, and the answer still has to travel back.
ACK_WAIT_SECONDS = 2.5
# How long a listener thread, having acked, lets the request thread take the answer out before
# its own work after the ack competes with it (for the GIL, and for the cores).
HANDOFF_SECONDS = 0.05


class AckRelay:
    """The ack() a listener is given: answers through Bolt's Ack and wakes the request thread.

    The request thread waits on `given`, set by the ack or, if the listener raises or ends
    without acking, when it finishes. The listener thread, once it has acked, waits (briefly)
    on `taken`, which the request thread sets as it takes the answer back to Slack.
    """

    def __init__(self, ack: Ack) -> None:
        self._ack = ack
        self._request_thread = threading.get_ident()
        self.given = threading.Event()
        self.taken = threading.Event()

    @property
    def response(self) -> Any:
        return self._ack.response

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        answer = self._ack(*args, **kwargs)
        self.given.set()
        if threading.get_ident() != self._request_thread:  # an inline executor runs it here
            self.taken.wait(HANDOFF_SECONDS)
        return answer


def submission_key(body: Any, context: Any) -> tuple[str, str] | None:
    """(team, claim key) of a modal's submission: its person and view id (None: it has none)."""
    view = body.get("view") if isinstance(body, dict) else None
    view_id = view.get("id") if isinstance(view, dict) else None
    user_id, team_id = asker(body), getattr(context, "team_id", None)
    if not (isinstance(view_id, str) and view_id and user_id and isinstance(team_id, str)):
        return None
    return team_id, once.submission_key(user_id, view_id)


def _answered_with_errors(ack: Any) -> bool:
    """Whether the listener acked with field errors (the modal stays open to be fixed)."""
    response = getattr(ack, "response", None)
    try:
        answer = json.loads(response.body) if response is not None and response.body else {}
    except (TypeError, ValueError):
        return False
    return isinstance(answer, dict) and answer.get("response_action") == "errors"


def _release(deps: Deps, claim: tuple[str, str]) -> None:
    team_id, key = claim
    try:
        once.release(deps.db, team_id=team_id, key=key)
    except SQLAlchemyError:
        log.exception("Couldn't release the claim %s; that modal can't be submitted again", key)


def bind(
    listener: Callable[..., Any],
    deps: Deps,
    executor: Executor,
    *,
    once_per_event: bool = False,
    once_per_view: bool = False,
) -> Callable[..., Any]:
    """The listener with `deps` filled in, run on `executor`; its ack travels back at once.

    The app runs with process_before_response=True, so Bolt calls this in the thread that
    serves the HTTP request and sends whatever was acked when it returns. The listener itself
    runs on `executor`: this thread waits only for its ack() (an Event, not Bolt's 10 ms
    polling), and the Web API calls after the ack go on in the listener's thread. Events are
    acknowledged by Bolt as soon as this returns, so their listener isn't waited for at all.

    Errors are answered here rather than by Bolt: Bolt resets an already-sent ack when a
    listener raises, and Slack would then see a failure. With `once_per_event`, the event's
    id is claimed first and a retry runs nothing. With `once_per_view`, a modal's submission
    is claimed first (bot/once.py): a second submission of the same modal (a double click,
    several at once, a replay) is acked and runs nothing; one answered with field errors, or
    that failed, gives its claim back so the corrected form can be sent.
    """
    own = [
        name
        for name, p in inspect.signature(listener).parameters.items()
        if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    ]
    needed = sorted(set(own) | {"ack", "body", "client", "respond", "logger", "context"})
    name = getattr(listener, "__name__", getattr(listener, "func", listener).__name__)

    def run(kwargs: dict[str, Any], relay: AckRelay | None) -> None:
        claim = None
        try:
            if once_per_event and not claim_event(deps.db, kwargs["body"], now=deps.clock()):
                return  # Slack's retry of an event already taken on
            if once_per_view:
                claim = submission_key(kwargs["body"], kwargs["context"])
                if claim is not None and not once.claim_once(
                    deps.db,
                    team_id=claim[0],
                    key=claim[1],
                    now=deps.clock(),
                    window=once.SUBMISSION_WINDOW,
                ):
                    log.info("%s: this modal was submitted already; nothing done again", name)
                    claim = None
                    kwargs["ack"]()
                    return
            listener(**{name: kwargs[name] for name in own}, deps=deps)
            if claim is not None and _answered_with_errors(kwargs["ack"]):
                _release(deps, claim)
        except Exception as error:
            if claim is not None:
                _release(deps, claim)
            if kwargs["ack"].response is None:
                # It raised before acknowledging (a modal validates first): ack now, so Slack
                # doesn't show a timeout; the person hears about it from handle_error.
                kwargs["ack"]()
            handle_error(
                error, kwargs["body"], kwargs["respond"], kwargs["client"], kwargs["logger"]
            )
        finally:
            if relay is not None:
                relay.given.set()

    def guarded(**kwargs: Any) -> None:
        if once_per_event:  # Bolt acks an event when this returns
            executor.submit(run, kwargs, None)
            return
        relay = AckRelay(kwargs["ack"])
        executor.submit(run, {**kwargs, "ack": relay}, relay)
        if not relay.given.wait(ACK_WAIT_SECONDS):
            log.warning(
                "%s did not ack within %ss; Slack gets an empty 200", name, ACK_WAIT_SECONDS
            )
        if kwargs["ack"].response is None:  # late, or it ended without acking
            kwargs["ack"]()
        relay.taken.set()

    # Bolt passes a listener exactly the arguments its signature names.
    guarded.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in needed]
    )
    guarded.__name__ = name
    return guarded


def register(app: App, deps: Deps, executor: Executor) -> None:
    """Every listener on `app` (built with process_before_response=True), run on `executor`."""
    for name, listener in handlers.COMMANDS.items():
        app.command(name)(bind(listener, deps, executor))
    for action_id, listener in handlers.ACTIONS.items():
        app.action(action_id)(bind(listener, deps, executor))
    for callback_id, listener in handlers.VIEWS.items():
        app.view(callback_id)(bind(listener, deps, executor, once_per_view=True))
    for event_type, listener in handlers.EVENTS.items():
        app.event(event_type)(bind(listener, deps, executor, once_per_event=True))
    # Last, so it only sees what nothing above answers: an event the app is subscribed to but
    # doesn't handle gets a 200 (a 404 would make Slack retry it, then disable the URL).
    app.event(ANY_EVENT)(acknowledge_event)
    app.error(handle_error)


ANY_EVENT = re.compile(r".*", re.DOTALL)


def acknowledge_event(body: dict) -> None:
    """Nothing to do: Bolt has already acknowledged the event."""
