"""Local stand-in for Slack's Socket Mode: a real WebSocket server on 127.0.0.1 that plays Slack.

The stand-in's `apps.connections.open` hands out this server's `ws://` URL (`attach`). On each
connection the server sends `hello`, then whatever a test sends: `slash_commands`,
`interactive` and `events_api` envelopes, shaped as Slack shapes them, each waiting for its
ack (`{"envelope_id": …, "payload": …}`). It can also do what Slack and networks do to a
connection: send a `disconnect` message, close it cleanly (close frames both ways), drop the
TCP connection without a close frame (a FIN, or a RST), or go silent (a half-open link: it
stops reading, answering pings and sending, while the TCP connection stays up).

RFC 6455 is implemented here over the standard library (about 200 lines: the handshake and
frames, no extensions), so that every byte on the wire is the test's to control — which the
failure modes need — and so the server shares no code with any of the clients it tests.
What a client does wrong (an unmasked frame, an ack for an unknown or already acked envelope,
an ack that isn't JSON) is collected in `problems`, like the Web API stand-in's
`validation_errors`.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import itertools
import json
import socket
import struct
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from standin.driver import DriverResponse
    from standin.web_api import SlackStandIn

_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_CONTINUATION, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
SLACK_ACK_SECONDS = 3.0
# What Slack's envelopes say about answering with a payload: commands, modal submissions and
# options requests may carry one in their ack; clicks and events may not.
_ACCEPTS_PAYLOAD = {"view_submission", "block_suggestion", "slash_commands"}


class LinkClosed(Exception):
    """The WebSocket connection is gone (or was never upgraded)."""


@dataclass
class Ack:
    """The client's answer to one envelope."""

    envelope_id: str
    payload: dict | None
    seconds: float  # from the envelope being sent to its ack arriving
    raw: str


@dataclass
class Envelope:
    """One envelope the server sent, and (once it arrives) its ack."""

    envelope_id: str
    type: str
    payload: dict
    link: Link
    sent_at: float = 0.0
    ack: Ack | None = None
    _acked: threading.Event = field(default_factory=threading.Event, repr=False)

    def wait_ack(self, timeout: float = SLACK_ACK_SECONDS) -> Ack:
        """The ack, waiting up to `timeout` seconds (Slack waits 3); AssertionError after."""
        if not self._acked.wait(timeout):
            raise AssertionError(
                f"no ack for {self.type} envelope {self.envelope_id} within {timeout:g}s"
            )
        assert self.ack is not None
        return self.ack


class Link:
    """One WebSocket connection from a client, seen from Slack's side."""

    def __init__(self, server: SocketModeServer, sock: socket.socket, number: int) -> None:
        self.server = server
        self.number = number
        self.sock = sock
        self.path = ""
        self.query: dict[str, str] = {}
        self.opened_at = time.monotonic()
        self.closed_at: float | None = None
        self.client_close_code: int | None = None  # what the client's close frame said
        self.how_closed: str | None = None  # "client", "server-close", "drop", "reset", "stop"
        self.pings = 0  # pings from the client
        self.pongs = 0  # pongs to the server's pings
        self.texts: list[str] = []  # every text message the client sent
        self._send_lock = threading.Lock()
        self._silent = threading.Event()
        self._closed = threading.Event()
        self._close_frame = threading.Event()
        self._server_closing = False
        self._buffer = b""
        self._reader: threading.Thread | None = None

    def __repr__(self) -> str:
        state = "open" if self.is_open else f"closed ({self.how_closed})"
        return f"<Link #{self.number} {state}>"

    @property
    def is_open(self) -> bool:
        return not self._closed.is_set()

    @property
    def silent(self) -> bool:
        return self._silent.is_set()

    def wait_closed(self, timeout: float) -> bool:
        """Block until the connection is closed (by either side): True, or False on timeout."""
        return self._closed.wait(timeout)

    # -- what Slack sends ----------------------------------------------------------------------
    def send_json(self, message: dict) -> None:
        self.send_frame(OP_TEXT, json.dumps(message).encode("utf-8"))

    def send_envelope(
        self,
        kind: str,
        payload: dict,
        *,
        accepts_response_payload: bool | None = None,
        retry_attempt: int | None = None,
        retry_reason: str | None = None,
    ) -> Envelope:
        """Send one envelope (`slash_commands`, `interactive` or `events_api`) for acking."""
        envelope = Envelope(str(uuid.uuid4()), kind, payload, self)
        if accepts_response_payload is None:
            accepts_response_payload = kind in _ACCEPTS_PAYLOAD or (
                kind == "interactive" and payload.get("type") in _ACCEPTS_PAYLOAD
            )
        message: dict[str, Any] = {
            "envelope_id": envelope.envelope_id,
            "payload": payload,
            "type": kind,
            "accepts_response_payload": accepts_response_payload,
        }
        if kind == "events_api":
            message["retry_attempt"] = retry_attempt or 0
            message["retry_reason"] = retry_reason or ""
        self.server._expect(envelope)
        envelope.sent_at = time.monotonic()
        self.send_json(message)
        return envelope

    def disconnect(self, reason: str = "refresh_requested") -> None:
        """Slack's `disconnect` message: reconnect now (the link itself stays open)."""
        self.send_json(
            {"type": "disconnect", "reason": reason, "debug_info": {"host": self.server.host}}
        )

    def ping(self, payload: bytes = b"") -> None:
        self.send_frame(OP_PING, payload)

    # -- what the network does -----------------------------------------------------------------
    def close(self, code: int = 1000, reason: str = "", *, timeout: float = 5.0) -> None:
        """A clean close: a close frame, the client's close frame back, then the TCP close."""
        self._server_closing = True
        with contextlib.suppress(LinkClosed):
            self.send_frame(OP_CLOSE, struct.pack("!H", code) + reason.encode("utf-8"))
        self._close_frame.wait(timeout)
        self._end("server-close")

    def drop(self, *, reset: bool = False) -> None:
        """End the TCP connection with no close frame: a FIN, or with `reset` a RST."""
        # Said first: the reader, woken by the shutdown below, ends the link the same way.
        self.how_closed = "reset" if reset else "drop"
        if reset:
            # Linger 0: close() aborts the connection, which sends a RST instead of a FIN.
            with contextlib.suppress(OSError):
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.sock.shutdown(socket.SHUT_RD)  # wakes the reader without sending anything
        self._end(self.how_closed)

    def go_silent(self) -> None:
        """Half-open: read nothing, answer no ping, send nothing; the TCP connection stays up."""
        self._silent.set()

    # -- wire ----------------------------------------------------------------------------------
    def send_frame(self, opcode: int, data: bytes) -> None:
        if self._silent.is_set():
            return  # nothing leaves a half-open link
        length = len(data)
        if length < 126:
            header = struct.pack("!BB", 0x80 | opcode, length)
        elif length < 1 << 16:
            header = struct.pack("!BBH", 0x80 | opcode, 126, length)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 127, length)
        with self._send_lock:
            if self._closed.is_set():
                raise LinkClosed(f"link #{self.number} is closed")
            try:
                self.sock.sendall(header + data)
            except OSError as error:
                raise LinkClosed(f"link #{self.number}: {error}") from None

    def _end(self, how: str) -> None:
        with self._send_lock:
            if self._closed.is_set():
                return
            self.how_closed = how
            self.closed_at = time.monotonic()
            if how != "reset":
                with contextlib.suppress(OSError):
                    self.sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                self.sock.close()
            self._closed.set()
        self.server._link_changed()

    def _start(self) -> None:
        self._reader = threading.Thread(
            target=self._serve, name=f"socket-mode-link-{self.number}", daemon=True
        )
        self._reader.start()

    def _serve(self) -> None:
        try:
            if not self._handshake():
                return
            self.server._link_opened(self)
            self.send_json(self.server.hello(self))
            while not self._closed.is_set():
                opcode, data = self._read_message()
                if self._silent.is_set():
                    self._closed.wait()  # what arrives from now on stays unread
                    return
                self._handle(opcode, data)
        except (LinkClosed, OSError):
            pass
        finally:
            self._end(self.how_closed or "client")

    def _handshake(self) -> bool:
        request = b""
        while b"\r\n\r\n" not in request:
            chunk = self.sock.recv(4096)
            if not chunk:
                return False
            request += chunk
            if len(request) > 65536:
                self._refuse("400 Bad Request", "handshake request too large")
                return False
        head = request.split(b"\r\n\r\n", 1)[0].decode("latin-1")
        request_line, *header_lines = head.split("\r\n")
        headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        method, _, rest = request_line.partition(" ")
        target = rest.rsplit(" ", 1)[0]
        parsed = urllib.parse.urlsplit(target)
        self.path = parsed.path
        self.query = dict(urllib.parse.parse_qsl(parsed.query))
        key = headers.get("sec-websocket-key", "")
        wrong = [
            what
            for what, ok in (
                ("method GET", method == "GET"),
                ("Upgrade: websocket", headers.get("upgrade", "").lower() == "websocket"),
                ("Connection: Upgrade", "upgrade" in headers.get("connection", "").lower()),
                ("Sec-WebSocket-Version: 13", headers.get("sec-websocket-version") == "13"),
                ("Sec-WebSocket-Key", bool(key)),
                ("a ticket from apps.connections.open", "ticket" in self.query),
            )
            if not ok
        ]
        if wrong:
            self._refuse("400 Bad Request", f"handshake without {', '.join(wrong)}")
            return False
        accept = base64.b64encode(hashlib.sha1((key + _GUID).encode()).digest()).decode()
        self.sock.sendall(
            (
                "HTTP/1.1 101 Switching Protocols\r\n"
                "Upgrade: websocket\r\n"
                "Connection: Upgrade\r\n"
                f"Sec-WebSocket-Accept: {accept}\r\n\r\n"
            ).encode("latin-1")
        )
        self._buffer = request.split(b"\r\n\r\n", 1)[1]
        return True

    def _refuse(self, status: str, problem: str) -> None:
        self.server.problems.append(problem)
        with contextlib.suppress(OSError):
            self.sock.sendall(f"HTTP/1.1 {status}\r\nContent-Length: 0\r\n\r\n".encode())
        self.how_closed = "refused"

    def _read_exact(self, count: int) -> bytes:
        while len(self._buffer) < count:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise LinkClosed("end of stream")
            self._buffer += chunk
        data, self._buffer = self._buffer[:count], self._buffer[count:]
        return data

    def _read_frame(self) -> tuple[bool, int, bytes]:
        first, second = self._read_exact(2)
        fin, opcode = bool(first & 0x80), first & 0x0F
        masked, length = bool(second & 0x80), second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", self._read_exact(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", self._read_exact(8))
        if not masked:
            self.server.problems.append(f"link #{self.number}: an unmasked frame from the client")
            mask = b"\0\0\0\0"
        else:
            mask = self._read_exact(4)
        data = self._read_exact(length)
        return fin, opcode, bytes(b ^ mask[i % 4] for i, b in enumerate(data))

    def _read_message(self) -> tuple[int, bytes]:
        """The next control frame or whole (reassembled) data message."""
        fin, opcode, data = self._read_frame()
        while not fin and opcode in (OP_TEXT, OP_BINARY):
            more_fin, more_opcode, more = self._read_frame()
            if more_opcode >= OP_CLOSE:  # control frames may come between fragments
                self._handle(more_opcode, more)
                continue
            data += more
            fin = more_fin
        return opcode, data

    def _handle(self, opcode: int, data: bytes) -> None:
        if opcode == OP_PING:
            self.pings += 1
            self.send_frame(OP_PONG, data)
        elif opcode == OP_PONG:
            self.pongs += 1
        elif opcode == OP_CLOSE:
            self.client_close_code = struct.unpack("!H", data[:2])[0] if len(data) >= 2 else 1005
            if not self._close_frame.is_set():
                self._close_frame.set()
                if not self._server_closing:  # the client began the close: answer it
                    with contextlib.suppress(LinkClosed):
                        self.send_frame(OP_CLOSE, data[:2])
                    self._end("client")
        elif opcode == OP_TEXT:
            text = data.decode("utf-8", "replace")
            self.texts.append(text)
            self.server._received(self, text)
        else:
            self.server.problems.append(f"link #{self.number}: unexpected opcode {opcode}")


class SocketModeServer:
    """Slack's Socket Mode side on 127.0.0.1: hands out envelopes and checks their acks."""

    def __init__(self, *, app_id: str = "A0MENTOR", host: str = "applink-standin-1") -> None:
        self.app_id = app_id
        self.host = host
        self.problems: list[str] = []
        self._listener: socket.socket | None = None
        self._acceptor: threading.Thread | None = None
        self._changed = threading.Condition()
        self._links: list[Link] = []
        self._opened = 0
        self._numbers = itertools.count(1)
        self._pending: dict[str, Envelope] = {}
        self._sent: list[Envelope] = []
        self._acked: set[str] = set()

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> SocketModeServer:
        if self._listener is not None:
            raise RuntimeError("SocketModeServer already started")
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        self._listener = listener
        self._acceptor = threading.Thread(
            target=self._accept, name="socket-mode-server", daemon=True
        )
        self._acceptor.start()
        return self

    def stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener is None:
            return
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)
        listener.close()
        if self._acceptor is not None:
            self._acceptor.join(timeout=5)
        for link in self.links():
            link._end("stop")

    def __enter__(self) -> SocketModeServer:
        return self if self._listener is not None else self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._listener is None:
            raise RuntimeError("SocketModeServer is not started")
        return f"ws://127.0.0.1:{self._listener.getsockname()[1]}/link/"

    def attach(self, standin: SlackStandIn) -> SocketModeServer:
        """Make the Web API stand-in's apps.connections.open hand out this server's URL."""
        standin.socket_mode_url = self.url
        return self

    # -- connections ---------------------------------------------------------------------------
    def links(self) -> list[Link]:
        """Every connection that completed its handshake, oldest first."""
        with self._changed:
            return list(self._links)

    @property
    def opened(self) -> int:
        """How many connections have been opened so far (all of them, closed or not)."""
        with self._changed:
            return self._opened

    def open_links(self) -> list[Link]:
        return [link for link in self.links() if link.is_open]

    def wait_for_link(self, number: int, timeout: float = 10.0) -> Link:
        """Block until the `number`th connection (counting from 1) has been opened; return it."""
        with self._changed:
            if not self._changed.wait_for(lambda: self._opened >= number, timeout):
                raise AssertionError(
                    f"no connection #{number} within {timeout:g}s ({self._opened} opened)"
                )
            return self._links[number - 1]

    def wait_for_no_open_link(self, timeout: float = 10.0) -> None:
        with self._changed:
            if not self._changed.wait_for(
                lambda: not any(link.is_open for link in self._links), timeout
            ):
                raise AssertionError(f"connections still open after {timeout}s: {self._links}")

    def current(self) -> Link:
        """The newest connection that is open and not silent (where Slack would send)."""
        for link in reversed(self.links()):
            if link.is_open and not link.silent:
                return link
        raise LinkClosed("no open Socket Mode connection")

    def hello(self, link: Link) -> dict:
        return {
            "type": "hello",
            "num_connections": len(self.open_links()),
            "debug_info": {
                "host": self.host,
                "build_number": 1,
                "approximate_connection_time": 18060,
            },
            "connection_info": {"app_id": self.app_id},
        }

    # -- envelopes -----------------------------------------------------------------------------
    def send(self, kind: str, payload: dict, **options: Any) -> Envelope:
        """An envelope on the current connection (see Link.send_envelope)."""
        return self.current().send_envelope(kind, payload, **options)

    def request(self, kind: str, payload: dict, *, timeout: float = SLACK_ACK_SECONDS) -> Ack:
        """Send an envelope and wait for its ack."""
        return self.send(kind, payload).wait_ack(timeout)

    def transport(self, *, timeout: float = SLACK_ACK_SECONDS, wait: bool = True) -> Any:
        """A SlackDriver transport: each HTTP-shaped request goes out as the envelope Slack
        would send over Socket Mode instead, and its ack comes back as the response body.

        Without `wait`, the envelope is only sent (it is the last of `sent`) and the driver
        gets an empty 200 at once.
        """
        from standin.driver import DriverResponse

        def send(body: str, headers: dict[str, str]) -> DriverResponse:
            kind, payload, options = envelope_for(body, headers)
            envelope = self.send(kind, payload, **options)
            if not wait:
                return DriverResponse(200, {}, "")
            ack = envelope.wait_ack(timeout)
            answer = json.dumps(ack.payload) if ack.payload is not None else ""
            content_type = "application/json" if ack.payload is not None else "text/plain"
            return DriverResponse(200, {"Content-Type": content_type}, answer)

        return send

    @property
    def sent(self) -> list[Envelope]:
        """Every envelope sent so far, oldest first."""
        with self._changed:
            return list(self._sent)

    def _expect(self, envelope: Envelope) -> None:
        with self._changed:
            self._pending[envelope.envelope_id] = envelope
            self._sent.append(envelope)

    def _received(self, link: Link, text: str) -> None:
        try:
            message = json.loads(text)
        except ValueError:
            self.problems.append(f"link #{link.number}: a message that isn't JSON: {text[:200]!r}")
            return
        if not isinstance(message, dict) or not isinstance(message.get("envelope_id"), str):
            self.problems.append(f"link #{link.number}: not an ack: {text[:200]!r}")
            return
        envelope_id = message["envelope_id"]
        payload = message.get("payload")
        if payload is not None and not isinstance(payload, dict):
            self.problems.append(f"ack {envelope_id}: payload is not an object: {payload!r}")
        with self._changed:
            envelope = self._pending.pop(envelope_id, None)
            if envelope is None:
                what = "a second ack" if envelope_id in self._acked else "an ack for no envelope"
                self.problems.append(f"link #{link.number}: {what}: {envelope_id}")
                return
            self._acked.add(envelope_id)
        if payload and not _accepts_payload(envelope):
            self.problems.append(
                f"ack {envelope_id} carries a payload a {envelope.type} envelope doesn't take"
            )
        envelope.ack = Ack(envelope_id, payload, time.monotonic() - envelope.sent_at, text)
        envelope._acked.set()

    def _accept(self) -> None:
        listener = self._listener
        assert listener is not None
        while True:
            try:
                sock, _ = listener.accept()
            except OSError:
                return
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            Link(self, sock, next(self._numbers))._start()

    def _link_opened(self, link: Link) -> None:
        with self._changed:
            self._links.append(link)
            self._opened += 1
            self._changed.notify_all()

    def _link_changed(self) -> None:
        with self._changed:
            self._changed.notify_all()


def _accepts_payload(envelope: Envelope) -> bool:
    if envelope.type == "slash_commands":
        return True
    return envelope.type == "interactive" and envelope.payload.get("type") in _ACCEPTS_PAYLOAD


def envelope_for(body: str, headers: dict[str, str]) -> tuple[str, dict, dict[str, Any]]:
    """The Socket Mode envelope Slack sends instead of an HTTP request with `body`.

    A slash command's form fields become a JSON object; an interaction's `payload` field is
    sent parsed; an Events API body goes as it is, with its X-Slack-Retry-* headers as the
    envelope's retry_attempt and retry_reason.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    if "application/json" in lowered.get("content-type", ""):
        options: dict[str, Any] = {}
        if "x-slack-retry-num" in lowered:
            options["retry_attempt"] = int(lowered["x-slack-retry-num"])
            options["retry_reason"] = lowered.get("x-slack-retry-reason", "")
        return "events_api", json.loads(body), options
    fields = dict(urllib.parse.parse_qsl(body, keep_blank_values=True))
    if "payload" in fields:
        return "interactive", json.loads(fields["payload"]), {}
    return "slash_commands", fields, {}
