"""`python app.py` in Socket Mode, over a real WebSocket: acks, reconnecting, and SIGTERM.

Each test starts the bot as a subprocess with SLACK_APP_TOKEN set. The Web API stand-in's
apps.connections.open sends it to the Socket Mode stand-in (standin/socket_mode.py),
which plays Slack's side of the connection: it sends the envelopes a driver builds, checks
their acks, and breaks the link in the ways networks and Slack do.
"""

from __future__ import annotations

import signal
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from standin.driver import DriverResponse, SlackDriver
from standin.socket_mode import SLACK_ACK_SECONDS, Link, SocketModeServer
from standin.web_api import SlackStandIn
from tests.conftest import ADMIN, BOT_TOKEN, MENTEE, MENTOR, SIGNING_SECRET, TEAM
from tests.support.app_process import AppProcess, running_app
from tests.test_app_process import APP_TOKEN, agreement_message, assert_explained, bot_settings

pytestmark = pytest.mark.slow

BACK_WITHIN = 10.0  # seconds from a broken link to answering again (issue 14)
PROMPT = 1.0  # an ack on 127.0.0.1 takes milliseconds; this leaves room for a busy machine


@pytest.fixture
def server(standin: SlackStandIn) -> Iterator[SocketModeServer]:
    standin.add_app_token(APP_TOKEN, TEAM)
    with SocketModeServer() as running:
        running.attach(standin)
        yield running
        assert running.problems == [], "the bot broke Socket Mode's rules"


@contextmanager
def socket_mode_bot(
    standin: SlackStandIn, server: SocketModeServer, tmp_path: Path
) -> Iterator[AppProcess]:
    """`python app.py` in Socket Mode, once it has opened its first connection."""
    settings = bot_settings(standin, tmp_path, SLACK_APP_TOKEN=APP_TOKEN)

    def connected(process: AppProcess) -> None:
        process.wait_until(lambda: server.opened >= 1, "connected over Socket Mode", 15)

    with running_app(settings, cwd=tmp_path, ready=connected) as process:
        yield process


@pytest.fixture
def bot(standin: SlackStandIn, server: SocketModeServer, tmp_path: Path) -> Iterator[AppProcess]:
    with socket_mode_bot(standin, server, tmp_path) as process:
        yield process


def driver_for(standin: SlackStandIn, server: SocketModeServer) -> SlackDriver:
    """A driver whose requests go out as envelopes; each call returns once it is acked."""
    return SlackDriver(
        signing_secret=SIGNING_SECRET,
        transport=server.transport(timeout=SLACK_ACK_SECONDS),
        standin=standin,
        team_id=TEAM,
    )


def answers_help(standin: SlackStandIn, driver: SlackDriver) -> None:
    """`/mentor help` is acked within Slack's 3 s and answered through its response URL."""
    answered = len(standin.responses())
    assert driver.command("help", user=MENTOR).status == 200
    (*_, reply) = standin.wait_for_responses(answered + 1)
    assert "/mentor" in str(reply.body)


def acked_promptly(send: Callable[[], DriverResponse]) -> DriverResponse:
    """What `send` got back: its envelope's ack, which must come within PROMPT seconds."""
    started = time.monotonic()
    response = send()
    assert time.monotonic() - started < PROMPT
    assert response.status == 200
    return response


def test_commands_buttons_modals_and_events_are_acked_promptly(
    standin: SlackStandIn, server: SocketModeServer, bot: AppProcess
) -> None:
    driver = driver_for(standin, server)

    # A command: acked at once, answered afterwards through its response URL.
    acked_promptly(lambda: driver.command(f"pair <@{MENTOR}|maria> <@{MENTEE}|tomas>", user=ADMIN))
    (reply,) = standin.wait_for_responses(1)
    assert "Paired" in reply.body["text"]
    channel = standin.last("conversations.open").response["channel"]["id"]

    # A button: an empty ack, then the message is updated.
    agreement = agreement_message(standin, channel)
    signed = acked_promptly(lambda: driver.click(agreement, "Sign agreement", user=MENTOR))
    assert signed.body == ""
    standin.wait_for("chat.update", 1)
    assert f"<@{MENTOR}> (mentor) signed on <!date^" in str(agreement_message(standin, channel))

    # A modal: a field error travels in the ack, and nothing is stored or posted.
    driver.command("actions", user=MENTOR, channel="C0GENERAL")
    standin.wait_for_responses(2)
    listing = standin.ephemerals("C0GENERAL", user=MENTOR)[-1]
    acked_promptly(lambda: driver.click(listing, "Add action item", user=MENTOR))
    modal = standin.wait_for("views.open")[-1].response["view"]
    refused = acked_promptly(lambda: driver.submit(modal, {"action_text": "   "}, user=MENTOR))
    errors = refused.json()
    assert errors is not None and errors["response_action"] == "errors"
    assert "Say what needs doing" in errors["errors"]["action_text"]
    # Corrected, it is taken: an empty ack closes the modal, and the pair hears of it.
    taken = acked_promptly(
        lambda: driver.submit(modal, {"action_text": "Read chapter 3"}, user=MENTOR)
    )
    assert taken.body == ""
    (note,) = standin.wait_for(
        "chat.postMessage", where=lambda c: "added an action item" in c.args["text"]
    )
    assert "Read chapter 3" in note.args["text"], "only the corrected item was stored"

    # An event: acked with nothing, then Home is published.
    home = {"type": "app_home_opened", "user": MENTEE, "tab": "home"}
    assert acked_promptly(lambda: driver.event(home)).body == ""
    (published,) = standin.wait_for("views.publish")
    assert published.args["user_id"] == MENTEE


def test_an_ack_waiting_for_the_database_holds_up_no_one_else(
    standin: SlackStandIn, server: SocketModeServer, bot: AppProcess, tmp_path: Path
) -> None:
    driver = driver_for(standin, server)
    driver.command(f"pair <@{MENTOR}|maria> <@{MENTEE}|tomas>", user=ADMIN)
    standin.wait_for_responses(1)
    driver.command("actions", user=MENTOR, channel="C0GENERAL")
    standin.wait_for_responses(2)
    driver.click(standin.ephemerals("C0GENERAL", user=MENTOR)[-1], "Add action item", user=MENTOR)
    modal = standin.wait_for("views.open")[-1].response["view"]

    # Another writer holds the database, so the submission (stored before its ack) waits.
    writer = sqlite3.connect(tmp_path / "mentorbot.db", isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        SlackDriver(
            signing_secret=SIGNING_SECRET,
            transport=server.transport(wait=False),
            standin=standin,
            team_id=TEAM,
        ).submit(modal, {"action_text": "Read chapter 3"}, user=MENTOR)
        submission = server.sent[-1]
        # Meanwhile another person's command, sent after it, is acked at once and answered.
        acked_promptly(lambda: driver.command("help", user=MENTEE))
        assert submission.ack is None, "the submission was still waiting for the database"
    finally:
        writer.execute("COMMIT")
        writer.close()
    assert submission.wait_ack().payload is None
    standin.wait_for("chat.postMessage", where=lambda c: "added an action item" in c.args["text"])


def break_link(link: Link, fault: str) -> None:
    if fault == "disconnect":
        link.disconnect("refresh_requested")
    elif fault == "close":
        link.close(1000)
    elif fault == "drop":
        link.drop()
    elif fault == "reset":
        link.drop(reset=True)
    else:
        link.go_silent()


@pytest.mark.parametrize("fault", ["disconnect", "close", "drop", "reset", "half-open"])
def test_the_bot_answers_again_within_ten_seconds_after_its_link_breaks(
    standin: SlackStandIn, server: SocketModeServer, bot: AppProcess, fault: str
) -> None:
    driver = driver_for(standin, server)
    first = server.wait_for_link(1)
    answers_help(standin, driver)

    broken = time.monotonic()
    break_link(first, fault)
    second = server.wait_for_link(2, timeout=BACK_WITHIN)
    assert server.current() is second
    answers_help(standin, driver)  # on the new connection, acked within Slack's 3 s
    assert time.monotonic() - broken < BACK_WITHIN
    if fault == "disconnect":
        # The bot leaves the connection Slack asked it to leave, with a close frame.
        assert first.wait_closed(BACK_WITHIN)
        assert (first.how_closed, first.client_close_code) == ("client", 1000)
    assert not bot.exited()


def test_sigterm_closes_the_connection_and_exits_0(
    standin: SlackStandIn, server: SocketModeServer, bot: AppProcess
) -> None:
    link = server.wait_for_link(1)
    answers_help(standin, driver_for(standin, server))
    asked = time.monotonic()
    bot.popen.send_signal(signal.SIGTERM)
    assert bot.popen.wait(timeout=10) == 0, bot.stderr()
    assert time.monotonic() - asked < 5
    # It said goodbye with a close frame rather than vanishing.
    assert link.wait_closed(0)
    assert (link.how_closed, link.client_close_code) == ("client", 1000)
    assert server.opened == 1, "and didn't reconnect on its way out"
    assert_explained(bot.stderr(), "closing its Socket Mode connection")


def test_while_slack_cannot_be_reached_it_retries_in_one_line_and_still_stops(
    standin: SlackStandIn, tmp_path: Path
) -> None:
    standin.add_app_token(APP_TOKEN, TEAM)  # the URL it is given leads to a closed port
    settings = bot_settings(standin, tmp_path, SLACK_APP_TOKEN=APP_TOKEN)

    def retried(process: AppProcess) -> None:
        process.wait_for_output(lambda log: log.count("Failed to connect") >= 2, timeout=15)

    with running_app(settings, cwd=tmp_path, ready=retried) as process:
        assert "Traceback" not in process.stderr()
        process.popen.send_signal(signal.SIGTERM)
        assert process.popen.wait(timeout=10) == 0, process.stderr()
    assert_explained(process.stderr(), "Retrying", "closing its Socket Mode connection")


class BrokenLinks(RuleBasedStateMachine):
    """The bot in Socket Mode through any sequence of broken links.

    After each fault it is answering again (on a new connection) within ten seconds, whatever
    came before; it never exits, and never breaks Socket Mode's rules (a second ack, an ack
    for nothing).
    """

    def __init__(self) -> None:
        super().__init__()
        self.stack = ExitStack()
        folder = Path(self.stack.enter_context(tempfile.TemporaryDirectory()))
        self.standin = self.stack.enter_context(SlackStandIn())
        self.standin.add_workspace(TEAM, bot_token=BOT_TOKEN, bot_user_id="UBOT0001")
        self.standin.add_user(TEAM, MENTOR, name="maria")
        self.standin.add_app_token(APP_TOKEN, TEAM)
        self.server = self.stack.enter_context(SocketModeServer()).attach(self.standin)
        self.bot = self.stack.enter_context(socket_mode_bot(self.standin, self.server, folder))
        self.driver = driver_for(self.standin, self.server)

    @rule(fault=st.sampled_from(["disconnect", "close", "drop", "reset", "half-open"]))
    def break_the_link(self, fault: str) -> None:
        opened = self.server.opened
        broken = time.monotonic()
        break_link(self.server.current(), fault)
        self.server.wait_for_link(opened + 1, timeout=BACK_WITHIN)
        answers_help(self.standin, self.driver)
        assert time.monotonic() - broken < BACK_WITHIN

    @invariant()
    def still_running_by_the_rules(self) -> None:
        assert not self.bot.exited(), self.bot.stderr()
        assert self.server.problems == []

    def teardown(self) -> None:
        self.stack.close()


BrokenLinks.TestCase.settings = settings(
    max_examples=3,
    stateful_step_count=4,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestBrokenLinks = BrokenLinks.TestCase
