"""`python app.py` with no Slack settings opens the sandbox; with them, or on a busy port, it
refuses and says why. Real processes, as a newcomer runs them."""

from __future__ import annotations

import socket
import urllib.request
from pathlib import Path

import pytest

from tests.support.app_process import free_port, run_app, running_app

pytestmark = pytest.mark.slow  # process-level: make test-fast skips it


def test_with_no_slack_settings_it_opens_the_sandbox_and_prints_its_address(
    tmp_path: Path,
) -> None:
    port = free_port()
    # DATABASE_URL is a real deployment's: the sandbox keeps its own data elsewhere.
    settings = {"PORT": str(port), "DATABASE_URL": f"sqlite:///{tmp_path / 'production.db'}"}
    with running_app(settings, cwd=tmp_path, timeout=30) as process:
        assert process.stdout().splitlines() == [f"http://127.0.0.1:{port}/"]
        said = process.stderr()
        assert "This is Mentorbot's sandbox" in said and "Nothing reaches Slack" in said
        assert "mentorbot-sandbox-" in said, "it says where its data is"
        assert "SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET and SLACK_APP_TOKEN in .env" in said
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as page:
            assert b"Mentorbot sandbox" in page.read()
        folder = said.split("Its data is in ")[1].split("/mentorbot.db")[0]
        assert Path(folder, "mentorbot.db").exists()
    assert not (tmp_path / "production.db").exists()
    assert not (tmp_path / "mentorbot.db").exists()
    assert not Path(folder).exists(), "its data goes when it stops"


def test_python_app_py_sandbox_says_the_same(tmp_path: Path) -> None:
    port = free_port()
    with running_app({"PORT": str(port)}, cwd=tmp_path, args=("sandbox",), timeout=30) as process:
        assert process.stdout().strip() == f"http://127.0.0.1:{port}/"


@pytest.mark.parametrize(
    "settings",
    [
        {"SLACK_BOT_TOKEN": "xoxb-real"},
        {"SLACK_APP_TOKEN": "xapp-real", "SLACK_SIGNING_SECRET": "s3cret"},
        {"SLACK_CLIENT_ID": "123.456"},
    ],
    ids=["bot token", "socket mode", "oauth"],
)
def test_it_refuses_real_slack_settings(tmp_path: Path, settings: dict[str, str]) -> None:
    result = run_app(["sandbox"], {"PORT": str(free_port()), **settings}, cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "Mentorbot's sandbox can't start" in result.stderr
    assert "the sandbox never talks to Slack" in result.stderr
    assert "python app.py run" in result.stderr
    for name in settings:
        assert name in result.stderr
    assert result.stdout == "", "no address: nothing was started"


def test_with_some_slack_settings_plain_python_app_py_is_the_real_bot(tmp_path: Path) -> None:
    result = run_app([], {"SLACK_BOT_TOKEN": "xoxb-real"}, cwd=tmp_path)
    assert result.returncode == 2
    assert "SLACK_SIGNING_SECRET is missing" in result.stderr
    assert "sandbox can't start" not in result.stderr


def test_a_busy_port_is_named_with_a_way_out(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_app(["sandbox"], {"PORT": str(port)}, cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"couldn't listen on 127.0.0.1:{port}" in result.stderr
    assert "another program" in result.stderr and f"PORT={port + 1} make run" in result.stderr
    assert result.stdout == ""
