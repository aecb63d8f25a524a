"""`python app.py` as a real process: settings, HTTP and Socket Mode, acks in time, dispatch --once.

Each test starts the program in a subprocess with only the environment it gives, in its own
temporary directory, against the Slack stand-in on 127.0.0.1; requests go over real HTTP.
"""

from __future__ import annotations

import os
import signal
import socket
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from bot import sessions
from bot.settings import ProgramSettings
from standin.driver import SlackDriver, http_transport
from standin.socket_mode import SocketModeServer
from standin.web_api import SlackStandIn
from storage.db import Database, make_engine
from storage.models import Delivery, DeliveryState, Kind, Pair
from tests.conftest import ADMIN, BOT_TOKEN, MENTEE, MENTOR, SIGNING_SECRET, STRANGER, TEAM
from tests.support.app_process import AppProcess, free_port, run_app, running_app

pytestmark = pytest.mark.slow  # process-level or long-running: make test-fast skips it

SLACK_ACK_SECONDS = 3.0
APPS_PAGE = "https://api.slack.com/apps"
APP_TOKEN = "xapp-1-A0MENTOR-1-test"


def bot_settings(standin: SlackStandIn, tmp_path: Path, **extra: str) -> dict[str, str]:
    """A complete, valid environment for a bot against the stand-in, on a SQLite file."""
    return {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": standin.api_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'mentorbot.db'}",
        "MENTORBOT_ADMINS": ADMIN,
        "PORT": str(free_port()),
        # The bot's own pass runs once at start, then not again during a test.
        "MENTORBOT_DISPATCH_INTERVAL_SECONDS": "3600",
        "LOG_LEVEL": "INFO",
        **extra,
    }


def driver_for(
    standin: SlackStandIn,
    process: AppProcess,
    *,
    signing_secret: str = SIGNING_SECRET,
    timeout: float = SLACK_ACK_SECONDS,
    clock: Callable[[], float] = time.time,
) -> SlackDriver:
    """A driver that sends to the process over HTTP and, like Slack, gives up after 3 s."""
    return SlackDriver(
        signing_secret=signing_secret,
        transport=http_transport(process.url("/slack/events"), timeout=timeout),
        standin=standin,
        team_id=TEAM,
        clock=clock,
    )


def assert_explained(result_stderr: str, *needles: str) -> None:
    assert "Traceback" not in result_stderr, result_stderr
    for needle in needles:
        assert needle in result_stderr, f"{needle!r} not in:\n{result_stderr}"


@dataclass
class Paired:
    channel: str
    agreement: dict


def pair_over_http(standin: SlackStandIn, driver: SlackDriver) -> Paired:
    """`/mentor pair` by the admin; returns once the bot has answered and posted everything."""
    answered = len(standin.responses())
    response = driver.command(f"pair <@{MENTOR}|maria> <@{MENTEE}|tomas>", user=ADMIN)
    assert response.status == 200
    (*_, reply) = standin.wait_for_responses(answered + 1)
    assert "Paired" in reply.body["text"], reply.body
    channel = standin.last("conversations.open").response["channel"]["id"]
    return Paired(channel, agreement_message(standin, channel))


def agreement_message(standin: SlackStandIn, channel: str) -> dict:
    messages = standin.messages(channel)
    return next(m for m in reversed(messages) if "Partnership agreement" in str(m["blocks"][:1]))


@pytest.fixture
def http_bot(standin: SlackStandIn, tmp_path: Path) -> Iterator[AppProcess]:
    with running_app(bot_settings(standin, tmp_path), cwd=tmp_path) as process:
        yield process


# -- settings ----------------------------------------------------------------------------------
def test_without_settings_it_says_what_is_missing_and_where_to_get_it(tmp_path: Path) -> None:
    # `run` asks for the real bot; with no Slack settings at all, plain `python app.py` opens
    # the sandbox instead (tests/sandbox/test_process.py).
    result = run_app(["run"], {}, cwd=tmp_path)
    assert result.returncode == 2
    assert_explained(
        result.stderr,
        "SLACK_BOT_TOKEN is missing",
        "Bot User OAuth Token under OAuth & Permissions",
        "SLACK_SIGNING_SECRET is missing",
        "Signing Secret under Basic Information",
        APPS_PAGE,
        ".env",
        "To try Mentorbot without a Slack workspace: python app.py sandbox",
    )
    assert not (tmp_path / "mentorbot.db").exists(), "nothing starts with bad settings"


def test_every_malformed_setting_is_listed_at_once(standin: SlackStandIn, tmp_path: Path) -> None:
    settings = bot_settings(
        standin,
        tmp_path,
        SLACK_BOT_TOKEN="xapp-not-a-bot-token",
        PORT="abc",
        SLACK_APP_TOKEN="xoxb-wrong",
        MENTORBOT_ADMINS="alice",
    )
    result = run_app([], settings, cwd=tmp_path)
    assert result.returncode == 2
    assert_explained(
        result.stderr,
        "SLACK_BOT_TOKEN should start with 'xoxb-'",
        "PORT must be a whole number, got 'abc'",
        "SLACK_APP_TOKEN should start with 'xapp-'",
        "connections:write",
        "MENTORBOT_ADMINS: 'alice' is not a Slack user ID",
        "Copy member ID",
    )
    assert standin.calls() == [], "settings are checked before anything reaches Slack"


def test_a_dotenv_file_in_the_working_directory_is_read(
    standin: SlackStandIn, tmp_path: Path
) -> None:
    settings = bot_settings(standin, tmp_path)
    port = settings["PORT"]
    (tmp_path / ".env").write_text(
        "# written like .env.example\n"
        + "".join(f"{name}={value}\n" for name, value in settings.items())
        # A real environment variable wins over .env: this bad value is never used.
        + "MENTORBOT_LENGTHS=ten\n",
        encoding="utf-8",
    )
    with running_app({"PORT": port, "MENTORBOT_LENGTHS": "30,60"}, cwd=tmp_path) as process:
        assert process.get("/healthz") == (200, "ok\n")
    (auth,) = standin.calls("auth.test")
    assert auth.token == BOT_TOKEN and auth.response["ok"]


def test_a_rejected_bot_token_is_explained(standin: SlackStandIn, tmp_path: Path) -> None:
    settings = bot_settings(standin, tmp_path, SLACK_BOT_TOKEN="xoxb-from-another-app")
    result = run_app([], settings, cwd=tmp_path)
    assert result.returncode == 2
    assert_explained(result.stderr, "Slack rejected SLACK_BOT_TOKEN", "invalid_auth", APPS_PAGE)
    assert standin.last("auth.test").response == {"ok": False, "error": "invalid_auth"}


def test_an_unreachable_slack_is_explained(standin: SlackStandIn, tmp_path: Path) -> None:
    closed = f"http://127.0.0.1:{free_port()}/api/"
    result = run_app([], bot_settings(standin, tmp_path, SLACK_API_URL=closed), cwd=tmp_path)
    assert result.returncode == 2
    assert_explained(result.stderr, f"couldn't reach Slack at {closed}", "SLACK_API_URL")


def test_a_port_in_use_is_explained(standin: SlackStandIn, tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_app([], bot_settings(standin, tmp_path, PORT=str(port)), cwd=tmp_path)
    assert result.returncode == 2
    assert_explained(result.stderr, f"couldn't listen on PORT {port}", "free port")


def test_a_rejected_app_token_is_explained(standin: SlackStandIn, tmp_path: Path) -> None:
    settings = bot_settings(standin, tmp_path, SLACK_APP_TOKEN="xapp-1-revoked")
    result = run_app([], settings, cwd=tmp_path)
    assert result.returncode == 2
    assert_explained(result.stderr, "Slack rejected SLACK_APP_TOKEN", "invalid_auth", APPS_PAGE)


def test_a_bad_curriculum_file_is_explained(standin: SlackStandIn, tmp_path: Path) -> None:
    (tmp_path / "ours.toml").write_text("[questions\n", encoding="utf-8")
    for name, problem in (("missing.toml", "file not found"), ("ours.toml", "not valid TOML")):
        settings = bot_settings(standin, tmp_path, CURRICULUM_FILE=name)
        result = run_app([], settings, cwd=tmp_path)
        assert result.returncode == 2
        assert_explained(result.stderr, "CURRICULUM_FILE", f"{name}: {problem}")


# -- HTTP mode ---------------------------------------------------------------------------------
def test_http_mode_answers_health_checks(http_bot: AppProcess) -> None:
    assert http_bot.get("/healthz") == (200, "ok\n")
    assert http_bot.get("/somewhere-else")[0] == 404


def stop_with_ctrl_c(process: AppProcess) -> None:
    """Ctrl+C (SIGINT) stops the bot as a normal stop: exit 0, one line, no traceback."""
    process.popen.send_signal(signal.SIGINT)
    assert process.popen.wait(timeout=10) == 0, process.stderr()
    assert_explained(process.stderr(), "Mentorbot stopped.")


def test_ctrl_c_stops_an_http_bot_cleanly(http_bot: AppProcess) -> None:
    stop_with_ctrl_c(http_bot)


def test_pair_and_sign_over_http(standin: SlackStandIn, http_bot: AppProcess) -> None:
    driver = driver_for(standin, http_bot)
    paired = pair_over_http(standin, driver)
    welcome = standin.messages(paired.channel)[0]
    assert f"<@{MENTOR}> is the mentor" in welcome["text"]

    assert driver.click(paired.agreement, "Sign agreement", user=MENTOR).status == 200
    standin.wait_for("chat.update", 1)
    mine = agreement_message(standin, paired.channel)
    assert f"<@{MENTOR}> (mentor) signed on <!date^" in str(mine["blocks"])

    assert driver.click(mine, "Sign agreement", user=MENTEE).status == 200
    standin.wait_for("chat.update", 2)
    signed = agreement_message(standin, paired.channel)
    assert signed["ts"] == paired.agreement["ts"], "updated in place"
    assert signed["blocks"][0]["text"]["text"] == "Partnership agreement — signed"
    blocks = str(signed["blocks"])
    assert f"<@{MENTOR}> (mentor) signed on <!date^" in blocks
    assert f"<@{MENTEE}> (mentee) signed on <!date^" in blocks
    assert "Sign agreement" not in blocks
    assert standin.validation_errors == []


def test_every_request_is_acked_within_three_seconds_while_slack_is_slow(
    standin: SlackStandIn, http_bot: AppProcess
) -> None:
    driver = driver_for(standin, http_bot)
    paired = pair_over_http(standin, driver)
    standin.clear()

    standin.set_latency(4.0)  # every Web API call now takes longer than Slack waits for an ack
    for send in (
        lambda: driver.command("pair <@UNEWYORK|nia> <@UTOKYO01|kenji>", user=ADMIN),
        lambda: driver.click(paired.agreement, "Sign agreement", user=MENTOR),
    ):
        started = time.monotonic()
        response = send()  # the transport gives up after 3 s, as Slack does
        assert response.status == 200
        assert time.monotonic() - started < SLACK_ACK_SECONDS
    # The work behind both acks went on: its first (slow) calls reached Slack after the acks.
    standin.wait_for("users.info")
    standin.wait_for("chat.update")
    standin.set_latency(0)

    (reply,) = standin.wait_for_responses(1, timeout=20)
    assert "Paired" in reply.body["text"]
    opened = standin.last("conversations.open")
    assert set(opened.args["users"].split(",")) == {"UNEWYORK", "UTOKYO01"}
    new_agreement = agreement_message(standin, opened.response["channel"]["id"])
    assert "Sign agreement" in str(new_agreement["blocks"])
    signed_once = agreement_message(standin, paired.channel)
    assert f"<@{MENTOR}> (mentor) signed on" in str(signed_once["blocks"])


def test_unsigned_or_stale_requests_get_401_and_do_nothing(
    standin: SlackStandIn, http_bot: AppProcess
) -> None:
    standin.clear()
    forged = driver_for(standin, http_bot, signing_secret="not-the-secret")
    stale = driver_for(standin, http_bot, clock=lambda: time.time() - 301)
    pair = f"pair <@{MENTOR}|maria> <@{MENTEE}|tomas>"
    assert forged.command(pair, user=ADMIN).status == 401
    assert stale.command(pair, user=ADMIN).status == 401
    body = "token=x&team_id=T0001&user_id=UADMIN01&command=%2Fmentor&text=help"
    assert forged.raw(body, {"Content-Type": "application/x-www-form-urlencoded"}).status == 401

    # A correctly signed request afterwards is answered, and is the only thing that was.
    honest = driver_for(standin, http_bot)
    assert honest.command("help", user=STRANGER).status == 200
    (reply,) = standin.wait_for_responses(1)
    assert "/mentor pair" in str(reply.body)
    assert standin.calls() == []


# -- Socket Mode -------------------------------------------------------------------------------
def listening_ports(pid: int) -> set[int]:
    """TCP ports the process `pid` listens on (Linux: its socket inodes in /proc/net/tcp*)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not Path(table).exists():
            continue
        for row in Path(table).read_text().splitlines()[1:]:
            fields = row.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="needs Linux /proc")
def test_socket_mode_connects_with_the_app_token_and_opens_no_port(
    standin: SlackStandIn, tmp_path: Path
) -> None:
    standin.add_app_token(APP_TOKEN, TEAM)
    settings = bot_settings(standin, tmp_path, SLACK_APP_TOKEN=APP_TOKEN)
    server = SocketModeServer().start().attach(standin)

    def connected(process: AppProcess) -> None:
        process.wait_until(lambda: server.opened >= 1, "connected over Socket Mode", 15)

    with server, running_app(settings, cwd=tmp_path, ready=connected) as process:
        opened = standin.calls("apps.connections.open")[0]
        assert opened.token == APP_TOKEN
        assert opened.response["ok"] and opened.response["url"].startswith(server.url)
        assert server.links()[0].query["ticket"] in opened.response["url"]
        assert standin.last("auth.test").token == BOT_TOKEN
        assert not process.exited()
        assert listening_ports(process.pid) == set()
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", int(settings["PORT"])), timeout=1).close()
        stop_with_ctrl_c(process)
    assert "Mentorbot is connecting to Slack in Socket Mode" in process.stderr()


# -- dispatch --once ---------------------------------------------------------------------------
def test_dispatch_once_sends_each_due_prompt_once_beside_a_running_bot(
    standin: SlackStandIn, http_bot: AppProcess, tmp_path: Path
) -> None:
    settings = bot_settings(standin, tmp_path)
    # The running bot's own pass at start is over: it can't race this test for the prompts.
    http_bot.wait_for_output("executed successfully", timeout=10)
    pair_over_http(standin, driver_for(standin, http_bot))

    engine = make_engine(settings["DATABASE_URL"])
    try:
        db = Database(engine)
        with db.session() as session:
            pair = session.exec(select(Pair)).one()
            assert pair.id is not None
        now = datetime.now(UTC)
        sessions.schedule_session(
            db,
            team_id=TEAM,
            pair_id=pair.id,
            user_id=MENTOR,
            request=sessions.ScheduleRequest(
                starts_at=now + timedelta(minutes=10), length_minutes=60, cadence=None
            ),
            program=ProgramSettings(),
            now=now,
        )
        with db.session() as session:
            due = {
                d.id: (d.kind, d.recipient)
                for d in session.exec(select(Delivery)).all()
                if d.state == DeliveryState.PENDING and d.next_attempt_at <= now
            }
    finally:
        engine.dispose()
    # With the session 10 minutes away, both preparation prompts are due now (and possibly
    # more, e.g. the agenda); the "did it happen?" prompts are not.
    assert {(Kind.PREP, MENTOR), (Kind.CHECKIN, MENTEE)} <= set(due.values())
    assert Kind.AFTER_SESSION not in {kind for kind, _ in due.values()}
    standin.clear()

    first = run_app(["dispatch", "--once"], settings, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert f"Delivery pass: {len(due)} sent, 0 recovered, 0 failed" in first.stdout
    posted = Counter(
        c.args["metadata"]["event_payload"]["delivery_id"]
        for c in standin.calls("chat.postMessage")
    )
    assert posted == Counter(dict.fromkeys(due, 1))
    for call in standin.calls("chat.postMessage"):
        recipient = due[call.args["metadata"]["event_payload"]["delivery_id"]][1]
        sent = [m["ts"] for m in standin.messages(recipient)]
        assert call.response["ts"] in sent, "sent to its recipient (a person's DM, a channel)"

    second = run_app(["dispatch", "--once"], settings, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert "Delivery pass: 0 sent" in second.stdout
    assert len(standin.calls("chat.postMessage")) == len(due)
    assert http_bot.healthy(), "the running bot was undisturbed"
