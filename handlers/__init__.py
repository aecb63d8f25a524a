"""Registers every command, action, view and event listener: the app's surface in one table.

Each feature module in handlers/ exports what it answers: SUBCOMMANDS (of /mentor),
ACTIONS (by action_id), VIEWS (by callback_id) and COMPOSERS (the message each delivery
kind becomes when the dispatcher sends it).
"""

from __future__ import annotations

import inspect
import logging
import re
import threading
from collections.abc import Callable
from concurrent.futures import Executor
from functools import partial
from typing import Any

from slack_bolt import Ack, App

from bot.delivery import Kind
from bot.deps import Deps
from bot.ids import COMMAND
from bot.request_guard import claim_event
from handlers import actions, agenda, agreement, commands, goals, home, pairs, prompts, sessions
from handlers import calendar as session_calendar
from handlers import importer as csv_import
from handlers import lifecycle as pair_lifecycle
from handlers import privacy as data_rights
from handlers import report as program_health
from handlers.errors import handle_error
from handlers.request import CommandRequest
from storage.models import Delivery

FEATURES = (
    pairs,
    agreement,
    sessions,
    prompts,
    agenda,
    actions,
    goals,
    session_calendar,
    home,
    data_rights,
    pair_lifecycle,
    csv_import,
    program_health,
)

Composer = Callable[[Deps, Delivery], dict | None]
SUBCOMMANDS: dict[str, Callable[[CommandRequest], None]] = {}
ACTIONS: dict[str, Callable[..., Any]] = {}
VIEWS: dict[str, Callable[..., Any]] = {}
COMPOSERS: dict[Kind, Composer] = {}
EVENTS: dict[str, Callable[..., Any]] = {}
for _feature in FEATURES:
    for _table, _name in (
        (SUBCOMMANDS, "SUBCOMMANDS"),
        (ACTIONS, "ACTIONS"),
        (VIEWS, "VIEWS"),
        (COMPOSERS, "COMPOSERS"),
        (EVENTS, "EVENTS"),
    ):
        _entries = getattr(_feature, _name, {})
        assert not set(_entries) & set(_table), f"{_feature.__name__} registers {_name} twice"
        _table.update(_entries)
COMMANDS: dict[str, Callable[..., Any]] = {
    COMMAND: partial(commands.mentor_command, subcommands=SUBCOMMANDS)
}


log = logging.getLogger(__name__)

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


def _bind(
    listener: Callable[..., Any],
    deps: Deps,
    executor: Executor,
    *,
    once_per_event: bool = False,
) -> Callable[..., Any]:
    """The listener with `deps` filled in, run on `executor`; its ack travels back at once.

    The app runs with process_before_response=True, so Bolt calls this in the thread that
    serves the HTTP request and sends whatever was acked when it returns. The listener itself
    runs on `executor`: this thread waits only for its ack() (an Event, not Bolt's 10 ms
    polling), and the Web API calls after the ack go on in the listener's thread. Events are
    acknowledged by Bolt as soon as this returns, so their listener isn't waited for at all.

    Errors are answered here rather than by Bolt: Bolt resets an already-sent ack when a
    listener raises, and Slack would then see a failure. With `once_per_event`, the event's
    id is claimed first and a retry runs nothing.
    """
    own = [
        name
        for name, p in inspect.signature(listener).parameters.items()
        if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    ]
    needed = sorted(set(own) | {"ack", "body", "client", "respond", "logger"})
    name = getattr(listener, "__name__", getattr(listener, "func", listener).__name__)

    def run(kwargs: dict[str, Any], relay: AckRelay | None) -> None:
        try:
            if once_per_event and not claim_event(deps.db, kwargs["body"], now=deps.clock()):
                return  # Slack's retry of an event already taken on
            listener(**{name: kwargs[name] for name in own}, deps=deps)
        except Exception as error:
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
    for name, listener in COMMANDS.items():
        app.command(name)(_bind(listener, deps, executor))
    for action_id, listener in ACTIONS.items():
        app.action(action_id)(_bind(listener, deps, executor))
    for callback_id, listener in VIEWS.items():
        app.view(callback_id)(_bind(listener, deps, executor))
    for event_type, listener in EVENTS.items():
        app.event(event_type)(_bind(listener, deps, executor, once_per_event=True))
    # Last, so it only sees what nothing above answers: an event the app is subscribed to but
    # doesn't handle gets a 200 (a 404 would make Slack retry it, then disable the URL).
    app.event(ANY_EVENT)(acknowledge_event)
    app.error(handle_error)


ANY_EVENT = re.compile(r".*", re.DOTALL)


def acknowledge_event(body: dict) -> None:
    """Nothing to do: Bolt has already acknowledged the event."""


def compose(deps: Deps, delivery: Delivery) -> dict | None:
    """The message a delivery becomes, by its kind."""
    return COMPOSERS[Kind(delivery.kind)](deps, delivery)
