"""Production HTTP mode: real gunicorn serving wsgi:application against the Slack stand-in.

gunicorn runs with two gthread workers and the repository's gunicorn.conf.py, in the test's own
directory (so no stray `.env` is read); requests go over real HTTP, signed like Slack's.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from standin.driver import SlackDriver, http_transport
from standin.web_api import SlackStandIn
from storage.db import make_engine
from tests.conftest import ADMIN, BOT_TOKEN, PG_SKIP_REASON, SIGNING_SECRET, STRANGER, TEAM
from tests.support.app_process import REPO, AppProcess, child_env, free_port
from tests.support.tcp_proxy import TcpProxy

pytestmark = pytest.mark.slow  # process-level or long-running: make test-fast skips it

WORKERS = 2
STARTED = re.compile(r"Delivery scheduler started in process (\d+)")


def gunicorn_settings(standin: SlackStandIn, database_url: str) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": standin.api_url,
        "DATABASE_URL": database_url,
        "MENTORBOT_ADMINS": ADMIN,
        "MENTORBOT_DISPATCH_INTERVAL_SECONDS": "3600",
        "LOG_LEVEL": "INFO",
    }


@contextmanager
def running_gunicorn(settings: Mapping[str, str], *, cwd: Path) -> Iterator[AppProcess]:
    """`gunicorn -w 2 -k gthread … wsgi:application`, as the README says; always stopped after."""
    port = free_port()
    out, err = cwd / "gunicorn.out", cwd / "gunicorn.err"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        popen = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--config",
                str(REPO / "gunicorn.conf.py"),
                "--chdir",
                str(cwd),
                "-w",
                str(WORKERS),
                "-k",
                "gthread",
                "--threads",
                "4",
                "-b",
                f"127.0.0.1:{port}",
                "--graceful-timeout",
                "5",
                "wsgi:application",
            ],
            # gunicorn's control socket goes to $XDG_RUNTIME_DIR: one of this test's own.
            env=child_env({**settings, "XDG_RUNTIME_DIR": str(cwd)}),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
        )
    process = AppProcess(popen, out, err, port)
    try:
        process.wait_until(process.healthy, "serving /healthz under gunicorn", 30)
        yield process
    finally:
        process.stop()


def started_schedulers(process: AppProcess) -> set[int]:
    return {int(pid) for pid in STARTED.findall(process.stderr())}


def worker_pids(master: int) -> set[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return {int(pid) for pid in children.read_text().split()} if children.exists() else set()


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="needs Linux /proc")
def test_gunicorn_serves_health_and_signed_slack_requests(
    standin: SlackStandIn, tmp_path: Path
) -> None:
    settings = gunicorn_settings(standin, f"sqlite:///{tmp_path / 'mentorbot.db'}")
    with running_gunicorn(settings, cwd=tmp_path) as gunicorn:
        assert gunicorn.get("/healthz") == (200, "ok\n")
        assert gunicorn.get("/elsewhere")[0] == 404

        driver = SlackDriver(
            signing_secret=SIGNING_SECRET,
            transport=http_transport(gunicorn.url("/slack/events"), timeout=3.0),
            standin=standin,
            team_id=TEAM,
        )
        assert driver.command("help", user=STRANGER).status == 200
        (reply,) = standin.wait_for_responses(1)
        assert "/mentor pair" in str(reply.body)
        forged = SlackDriver(
            signing_secret="not-the-secret",
            transport=http_transport(gunicorn.url("/slack/events")),
            standin=standin,
        )
        assert forged.command("help", user=STRANGER).status == 401

        # One delivery scheduler in each worker, started after the fork: none in the master.
        gunicorn.wait_until(
            lambda: len(started_schedulers(gunicorn)) == WORKERS, "starting the schedulers", 15
        )
        schedulers = started_schedulers(gunicorn)
        assert gunicorn.pid not in schedulers
        assert schedulers <= worker_pids(gunicorn.pid)
    assert gunicorn.popen.returncode == 0, gunicorn.stderr()
    assert "Traceback" not in gunicorn.stderr(), gunicorn.stderr()


def test_gunicorn_stops_at_once_with_bad_settings(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            str(REPO / "gunicorn.conf.py"),
            "--chdir",
            str(tmp_path),
            "-b",
            f"127.0.0.1:{free_port()}",
            "wsgi:application",
        ],
        env=child_env({"SLACK_SIGNING_SECRET": SIGNING_SECRET, "XDG_RUNTIME_DIR": str(tmp_path)}),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "SLACK_BOT_TOKEN is missing" in result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stderr.count("Mentorbot can't start") == 1, "it stops, not retries forever"


@contextmanager
def postgres_schema_url(url: str) -> Iterator[str]:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield schema
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.mark.postgres
def test_healthz_says_503_while_the_database_is_unreachable(
    standin: SlackStandIn, tmp_path: Path
) -> None:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip(PG_SKIP_REASON)
    server = sa.make_url(url)
    with (
        postgres_schema_url(url) as schema,
        TcpProxy((server.host or "127.0.0.1", server.port or 5432)) as proxy,
    ):
        through_proxy = server.set(host="127.0.0.1", port=proxy.port)
        database_url = through_proxy.update_query_dict({"options": f"-csearch_path={schema}"})
        settings = gunicorn_settings(standin, database_url.render_as_string(hide_password=False))
        with running_gunicorn(settings, cwd=tmp_path) as gunicorn:
            assert gunicorn.get("/healthz") == (200, "ok\n")

            proxy.cut()
            for _ in range(WORKERS * 2):  # whichever worker answers
                assert gunicorn.get("/healthz", timeout=10) == (503, "database unreachable\n")

            proxy.restore()
            for _ in range(WORKERS * 2):
                assert gunicorn.get("/healthz", timeout=10) == (200, "ok\n")
