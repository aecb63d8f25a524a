"""The Socket Mode stand-in: handshake, hello, envelopes and acks, and what it does to a link.

Most tests speak to it frame by frame through `WireClient` (below), so they can see exactly
what arrives — a close frame or none, a FIN or a RST, a pong or silence. One connects
slack_sdk's own built-in client through the Web API stand-in, as the bot does.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import socket
import struct
import threading
import urllib.parse
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from standin.driver import SlackDriver
from standin.socket_mode import (
    OP_CLOSE,
    OP_PING,
    OP_PONG,
    OP_TEXT,
    LinkClosed,
    SocketModeServer,
    envelope_for,
)
from standin.web_api import SlackStandIn
from tests.conftest import ADMIN, MENTOR, SIGNING_SECRET, TEAM

APP_TOKEN = "xapp-1-A0MENTOR-1-test"
GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
WAIT = 5.0


class WireClient:
    """The client side of RFC 6455 at frame level: masked frames out, raw frames in."""

    def __init__(self, url: str, *, handshake: bool = True) -> None:
        parts = urllib.parse.urlsplit(url)
        self.target = f"{parts.path}?{parts.query}" if parts.query else parts.path
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=WAIT)
        self.buffer = b""
        if handshake:
            status, headers = self.handshake()
            assert status == 101, status
            self.accept = headers["sec-websocket-accept"]

    def handshake(self, extra: str = "") -> tuple[int, dict[str, str]]:
        self.key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            (
                f"GET {self.target} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {self.key}\r\n"
                f"Sec-WebSocket-Version: 13\r\n{extra}\r\n"
            ).encode()
        )
        while b"\r\n\r\n" not in self.buffer:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("closed during the handshake")
            self.buffer += chunk
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines)}
        return int(status_line.split()[1]), headers

    def _exact(self, count: int) -> bytes:
        while len(self.buffer) < count:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("the server ended the stream")
            self.buffer += chunk
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def frame(self) -> tuple[int, bytes]:
        first, second = self._exact(2)
        assert not second & 0x80, "server frames are never masked"
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", self._exact(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", self._exact(8))
        return first & 0x0F, self._exact(length)

    def json(self) -> dict:
        opcode, data = self.frame()
        assert opcode == OP_TEXT, opcode
        return json.loads(data)

    def send(self, opcode: int, data: bytes, *, masked: bool = True) -> None:
        length = len(data)
        mask_bit = 0x80 if masked else 0
        if length < 126:
            header = struct.pack("!BB", 0x80 | opcode, mask_bit | length)
        else:
            header = struct.pack("!BBH", 0x80 | opcode, mask_bit | 126, length)
        if masked:
            mask = os.urandom(4)
            data = mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data))
        self.sock.sendall(header + data)

    def send_json(self, message: object) -> None:
        self.send(OP_TEXT, json.dumps(message).encode())

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def server(standin: SlackStandIn) -> Iterator[SocketModeServer]:
    standin.add_app_token(APP_TOKEN, TEAM)
    with SocketModeServer() as running:
        running.attach(standin)
        yield running
        assert running.problems == [], "the client broke Socket Mode's rules"


@pytest.fixture
def client(server: SocketModeServer) -> Iterator[WireClient]:
    wire = WireClient(server.url + "?ticket=t1&app_id=A0MENTOR")
    assert wire.json()["type"] == "hello"
    yield wire
    wire.close()


def test_slack_sdks_client_finds_the_server_through_apps_connections_open(
    standin: SlackStandIn, server: SocketModeServer
) -> None:
    client = SocketModeClient(
        app_token=APP_TOKEN, web_client=WebClient(base_url=standin.api_url), ping_interval=30
    )
    messages: list[dict] = []
    got_hello = threading.Event()

    def hear(_client: object, message: dict, _raw: str | None) -> None:
        messages.append(message)
        got_hello.set()

    def answer(sdk: SocketModeClient, request: SocketModeRequest) -> None:
        sdk.send_socket_mode_response(
            SocketModeResponse(envelope_id=request.envelope_id, payload={"text": "hi"})
        )

    client.message_listeners.append(hear)
    client.socket_mode_request_listeners.append(answer)
    try:
        client.connect()
        link = server.wait_for_link(1, timeout=WAIT)
        assert got_hello.wait(WAIT)
        hello = messages[0]
        assert hello["type"] == "hello" and hello["num_connections"] == 1
        assert hello["connection_info"] == {"app_id": "A0MENTOR"}
        opened = standin.last("apps.connections.open")
        assert opened.token == APP_TOKEN
        assert link.query["ticket"] in opened.response["url"]
        assert link.query["app_id"] == "A0MENTOR" and link.path == "/link/"

        ack = server.request("slash_commands", {"command": "/mentor", "text": "help"})
        assert ack.payload == {"text": "hi"}
        assert ack.seconds < 3
    finally:
        client.close()
    assert link.wait_closed(WAIT)


def test_envelopes_are_shaped_as_slack_sends_them(
    server: SocketModeServer, client: WireClient
) -> None:
    sent = [
        ("slash_commands", {"command": "/mentor", "text": "help"}, True),
        ("interactive", {"type": "block_actions", "actions": []}, False),
        ("interactive", {"type": "view_submission", "view": {"id": "V1"}}, True),
        ("events_api", {"type": "event_callback", "event": {"type": "app_home_opened"}}, False),
    ]
    for kind, payload, takes_payload in sent:
        envelope = server.send(kind, payload)
        message = client.json()
        assert message["envelope_id"] == envelope.envelope_id
        assert message["type"] == kind and message["payload"] == payload
        assert message["accepts_response_payload"] is takes_payload
        if kind == "events_api":
            assert (message["retry_attempt"], message["retry_reason"]) == (0, "")
        else:
            assert "retry_attempt" not in message
        answer = {"response_action": "clear"} if takes_payload else None
        client.send_json({"envelope_id": envelope.envelope_id, "payload": answer})
        ack = envelope.wait_ack(WAIT)
        assert (ack.envelope_id, ack.payload) == (envelope.envelope_id, answer)


def test_a_retried_event_says_so(server: SocketModeServer, client: WireClient) -> None:
    server.send("events_api", {"type": "event_callback"}, retry_attempt=2, retry_reason="timeout")
    message = client.json()
    assert (message["retry_attempt"], message["retry_reason"]) == (2, "timeout")
    client.send_json({"envelope_id": message["envelope_id"]})


def test_an_envelope_nobody_acks_fails_the_wait(
    server: SocketModeServer, client: WireClient
) -> None:
    envelope = server.send("slash_commands", {"command": "/mentor"})
    client.json()
    with pytest.raises(AssertionError, match="no ack for slash_commands envelope"):
        envelope.wait_ack(0.05)
    client.send_json({"envelope_id": envelope.envelope_id})  # late: Slack had given up


def test_wrong_acks_are_problems(server: SocketModeServer, client: WireClient) -> None:
    click = server.send("interactive", {"type": "block_actions"})
    client.json()
    client.send_json({"envelope_id": click.envelope_id, "payload": {"text": "not allowed"}})
    click.wait_ack(WAIT)
    client.send_json({"envelope_id": click.envelope_id})
    client.send_json({"envelope_id": "never-sent"})
    client.send(OP_TEXT, b"not json")
    client.send_json(["not", "an", "ack"])
    client.send(OP_TEXT, json.dumps({"envelope_id": "x"}).encode(), masked=False)
    last = server.send("slash_commands", {})
    client.json()
    client.send_json({"envelope_id": last.envelope_id})
    last.wait_ack(WAIT)  # everything before it has been read
    found, server.problems[:] = list(server.problems), []
    assert found == [
        f"ack {click.envelope_id} carries a payload a interactive envelope doesn't take",
        f"link #1: a second ack: {click.envelope_id}",
        "link #1: an ack for no envelope: never-sent",
        "link #1: a message that isn't JSON: 'not json'",
        'link #1: not an ack: \'["not", "an", "ack"]\'',
        "link #1: an unmasked frame from the client",
        "link #1: an ack for no envelope: x",
    ]


def test_pings_are_answered_with_their_payload(
    server: SocketModeServer, client: WireClient
) -> None:
    client.send(OP_PING, b"are you there")
    assert client.frame() == (OP_PONG, b"are you there")
    (link,) = server.links()
    assert link.pings == 1
    link.ping(b"and you?")
    assert client.frame() == (OP_PING, b"and you?")
    envelope = server.send("events_api", {})
    client.json()
    client.send(OP_PONG, b"and you?")
    client.send_json({"envelope_id": envelope.envelope_id})
    envelope.wait_ack(WAIT)  # read after the pong
    assert link.pongs == 1


def test_disconnect_asks_the_client_to_reconnect(
    server: SocketModeServer, client: WireClient
) -> None:
    server.current().disconnect("warning")
    assert client.json() == {
        "type": "disconnect",
        "reason": "warning",
        "debug_info": {"host": "applink-standin-1"},
    }
    assert server.current().is_open, "the link stays open until the client leaves it"


def test_a_clean_close_exchanges_close_frames(server: SocketModeServer, client: WireClient) -> None:
    link = server.current()
    closing = threading.Thread(target=link.close, args=(1001, "bye"))
    closing.start()
    assert client.frame() == (OP_CLOSE, struct.pack("!H", 1001) + b"bye")
    client.send(OP_CLOSE, struct.pack("!H", 1000))
    closing.join(WAIT)
    with pytest.raises(EOFError):
        client.frame()
    assert (link.how_closed, link.client_close_code) == ("server-close", 1000)
    assert link.wait_closed(0)


def test_a_client_that_closes_is_answered(server: SocketModeServer, client: WireClient) -> None:
    client.send(OP_CLOSE, struct.pack("!H", 1000))
    assert client.frame() == (OP_CLOSE, struct.pack("!H", 1000))
    link = server.links()[0]
    assert link.wait_closed(WAIT)
    assert (link.how_closed, link.client_close_code) == ("client", 1000)
    with pytest.raises(LinkClosed):
        server.current()


def test_a_drop_ends_the_stream_with_no_close_frame(
    server: SocketModeServer, client: WireClient
) -> None:
    server.current().drop()
    with pytest.raises(EOFError):  # a FIN: the stream ends, no close frame came first
        client.frame()
    assert server.links()[0].how_closed == "drop"


def test_a_reset_drop_resets_the_connection(server: SocketModeServer, client: WireClient) -> None:
    server.current().drop(reset=True)
    with pytest.raises(ConnectionResetError):
        client.frame()
    assert server.links()[0].how_closed == "reset"


def test_a_silent_link_stays_up_but_answers_nothing(
    server: SocketModeServer, client: WireClient
) -> None:
    link = server.current()
    link.go_silent()
    client.send(OP_PING, b"hello?")
    client.send_json({"envelope_id": "unheard"})  # TCP still takes what the client sends
    link.ping(b"from slack")  # nor does Slack send anything
    client.sock.settimeout(0.3)
    with pytest.raises(TimeoutError):
        client.frame()
    assert link.is_open and link.pings == 0
    with pytest.raises(LinkClosed, match="no open Socket Mode connection"):
        server.current()


def test_connections_are_counted_and_waited_for(server: SocketModeServer) -> None:
    first = WireClient(server.url + "?ticket=a")
    assert first.json()["num_connections"] == 1
    second = WireClient(server.url + "?ticket=b")
    assert second.json()["num_connections"] == 2
    assert server.wait_for_link(2, timeout=WAIT) is server.current()
    assert server.opened == 2
    with pytest.raises(AssertionError, match="no connection #3"):
        server.wait_for_link(3, timeout=0.05)
    first.close()
    second.close()
    server.wait_for_no_open_link(timeout=WAIT)


def test_a_handshake_without_a_ticket_is_refused(server: SocketModeServer) -> None:
    wire = WireClient(server.url, handshake=False)
    status, _ = wire.handshake()
    assert status == 400
    wire.close()
    found, server.problems[:] = list(server.problems), []
    assert found == ["handshake without a ticket from apps.connections.open"]
    assert server.opened == 0


def test_the_accept_key_follows_rfc_6455(client: WireClient) -> None:
    expected = base64.b64encode(hashlib.sha1((client.key + GUID).encode()).digest()).decode()
    assert client.accept == expected


# -- the driver's requests as envelopes --------------------------------------------------------
def test_driver_requests_become_the_envelopes_slack_sends(standin: SlackStandIn) -> None:
    captured: list[tuple[str, dict, dict]] = []

    def capture(body: str, headers: dict[str, str]):  # type: ignore[no-untyped-def]
        from standin.driver import DriverResponse

        captured.append(envelope_for(body, headers))
        return DriverResponse(200, {}, "")

    driver = SlackDriver(
        signing_secret=SIGNING_SECRET, transport=capture, standin=standin, team_id=TEAM
    )
    driver.command("help", user=ADMIN)
    driver.click_action("agreement_sign", value="1:1", user=MENTOR)
    driver.event({"type": "app_home_opened", "user": MENTOR, "tab": "home"}, retry_num=1)
    (command, click, event) = captured
    assert command[0] == "slash_commands" and command[2] == {}
    assert command[1]["command"] == "/mentor" and command[1]["text"] == "help"
    assert command[1]["user_id"] == ADMIN and command[1]["response_url"].startswith("http://")
    assert click[0] == "interactive" and click[1]["type"] == "block_actions"
    assert click[1]["actions"][0]["action_id"] == "agreement_sign"
    assert event[0] == "events_api" and event[1]["event"]["type"] == "app_home_opened"
    assert event[2] == {"retry_attempt": 1, "retry_reason": "http_timeout"}


def test_the_transport_returns_the_ack_as_the_answer(
    standin: SlackStandIn, server: SocketModeServer, client: WireClient
) -> None:
    driver = SlackDriver(
        signing_secret=SIGNING_SECRET,
        transport=server.transport(timeout=WAIT),
        standin=standin,
        team_id=TEAM,
    )
    answered: list = []
    asking = threading.Thread(target=lambda: answered.append(driver.command("x", user=ADMIN)))
    asking.start()
    message = client.json()
    errors = {"response_action": "errors", "errors": {"topic": "Say what it is about."}}
    client.send_json({"envelope_id": message["envelope_id"], "payload": errors})
    asking.join(WAIT)
    (response,) = answered
    assert response.status == 200 and response.json() == errors
