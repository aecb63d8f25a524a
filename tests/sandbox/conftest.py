"""A whole sandbox in this process, served on a free local port, and a small client for its API."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from sandbox.people import ADMIN, PEOPLE
from sandbox.runner import Sandbox, build_sandbox
from tests.support.app_process import free_port

MARIA = next(p for p in PEOPLE if p.handle == "maria")
TOMAS = next(p for p in PEOPLE if p.handle == "tomas")


@dataclass
class Page:
    """What the sandbox's page does, over HTTP: read the state, call the API."""

    sandbox: Sandbox

    @property
    def base(self) -> str:
        return self.sandbox.url.rstrip("/")

    def get(self, path: str, *, headers: dict[str, str] | None = None) -> tuple[int, dict, bytes]:
        request = urllib.request.Request(self.base + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, dict(response.headers.items()), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers.items()), error.read()

    def state(self, user: str, where: str = "") -> dict:
        query = urllib.parse.urlencode({"user": user, "where": where})
        status, _, body = self.get(f"/sandbox/api/state?{query}")
        assert status == 200, body
        return json.loads(body)

    def post(self, path: str, body: dict, *, expect: int = 200) -> dict:
        request = urllib.request.Request(
            self.base + path,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        assert status == expect, raw
        return json.loads(raw)

    def send(self, user: str, channel: str, text: str, *, expect: int = 200) -> dict:
        return self.post(
            "/sandbox/api/send", {"user": user, "channel": channel, "text": text}, expect=expect
        )

    def until(
        self, user: str, where: str, shows: Callable[[dict], object], *, timeout: float = 15.0
    ) -> dict:
        """The state once `shows(state)` is true; the bot works after its ack, so wait for it."""
        deadline = time.monotonic() + timeout
        client = self.sandbox.client
        while True:
            seen = client.version
            state = self.state(user, where)
            if shows(state):
                return state
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"the page never showed it; last state: {state['pane']}")
            client.wait_for_change(seen, timeout=remaining)

    def pair_conversation(self, user: str) -> str:
        state = self.until(user, "", lambda s: any(c["kind"] == "mpim" for c in s["sidebar"]))
        return [c for c in state["sidebar"] if c["kind"] == "mpim"][-1]["id"]


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    built = build_sandbox({"PORT": str(free_port())})
    serving = threading.Thread(target=built.serve, name="sandbox", daemon=True)
    serving.start()
    try:
        yield built
    finally:
        built.server.shutdown()
        serving.join(timeout=10)
        built.close()
    assert built.standin.validation_errors == [], "a payload broke Slack's limits"


@pytest.fixture
def page(sandbox: Sandbox) -> Page:
    return Page(sandbox)


@pytest.fixture
def paired(page: Page) -> tuple[Page, str]:
    """Maria mentors Tomás; the id of their conversation."""
    page.send(ADMIN.user_id, "C0GENERAL1", "/mentor pair @maria @tomas")
    return page, page.pair_conversation(MARIA.user_id)
