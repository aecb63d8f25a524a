"""What Slack's client does for each person in the sample workspace, over the Slack stand-in.

It shows a person their conversations, the Home tab and the modal on top, and turns what
they do (a command typed, a button pressed, a form submitted, time moved) into the signed
requests Slack would send the app, through `standin.driver.SlackDriver`. Like Slack, it keeps
each person's stack of open modals, the field errors the app answered, and what they have read.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sandbox import people
from sandbox.clock import TimeMachine
from sandbox.people import BOT_NAME, BOT_USER_ID, GENERAL, TEAM_ID, Person
from sandbox.render import (
    Surface,
    Viewer,
    blocks_html,
    esc,
    local_clock,
    message_time,
    mrkdwn_html,
    plain_string,
)
from standin.driver import DriverResponse, SlackDriver
from standin.web_api import SlackStandIn

COMMAND = "/mentor"
_COMMAND_LINE = re.compile(r"^/(\S+)\s*(.*)$", re.DOTALL)
_HANDLE = re.compile(r"(?<![\w<|@])@([\w.\-À-ÿ]+)")
# What Slack's client says when a modal can't reach the app (its own words).
TROUBLE_CONNECTING = "We had some trouble connecting. Try again?"
REQUIRED = "Please complete this required field."
OFFERED = "That isn't one of the choices this form offers."
CLOCK_STEPS = {"hour": timedelta(hours=1), "day": timedelta(days=1)}
# The top of #general, like Slack's channel intro: what this is and where to start.
GENERAL_INTRO = (
    '<section class="intro"><h2>Welcome to the Mentorbot sandbox</h2>'
    "<p>A pretend Slack workspace on your computer: Mentorbot is real, Slack isn't, and "
    "nothing leaves this machine.</p><ol>"
    "<li>As <b>Ada</b>, the program admin, pair a mentor with a mentee: "
    "<code>/mentor pair @maria @tomas</code></li>"
    "<li>Switch to <b>Maria</b> or <b>Tomás</b> under <i>You are</i> and open your pair's "
    "conversation: sign the agreement, <code>/mentor schedule</code> a session.</li>"
    "<li>Move the <b>sandbox time</b> forward to see the check-in, the agenda and the diary "
    "arrive.</li></ol></section>"
)


class SandboxError(Exception):
    """Something the page asked for that can't be done; the message is for the person."""


@dataclass(frozen=True)
class Conversation:
    id: str
    kind: str  # "app", "mpim", "channel"
    title: str
    members: tuple[str, ...]


class SandboxClient:
    """Every person's Slack client in the sample workspace, sharing one stand-in."""

    def __init__(
        self,
        *,
        standin: SlackStandIn,
        driver: SlackDriver,
        time_machine: TimeMachine,
    ) -> None:
        self.standin = standin
        self.driver = driver
        self.time = time_machine
        self.clock = time_machine.clock
        self._lock = threading.RLock()
        self._stacks: dict[str, list[str]] = {}
        self._errors: dict[str, dict[str, str]] = {}
        self._read: dict[tuple[str, str], str] = {}
        self._seen_calls = 0
        self._version = 0
        self._changed = threading.Condition(self._lock)

    # -- change notification --------------------------------------------------------------------
    @property
    def version(self) -> str:
        """Changes whenever anything a person could see changed (the page's live updates)."""
        with self._lock:
            return f"{self.standin.version}.{self._version}"

    def _bump(self) -> None:
        with self._lock:
            self._version += 1
            self._changed.notify_all()

    def wait_for_change(self, since: str, *, timeout: float) -> str:
        """Block until `version` differs from `since`, or `timeout` passes; the version then."""
        standin_part = int(since.split(".")[0]) if since[:1].isdigit() else -1
        remaining = timeout
        step = 0.5
        while remaining > 0 and self.version == since:
            self.standin.wait_for_change(standin_part, timeout=min(step, remaining))
            remaining -= step
        return self.version

    # -- who -----------------------------------------------------------------------------------
    def person(self, user_id: str) -> Person:
        found = people.person(user_id)
        if found is None:
            raise SandboxError("There is nobody with that id in the sandbox.")
        return found

    def viewer(self, user_id: str) -> Viewer:
        someone = self.person(user_id)
        names = {p.user_id: p.real_name for p in people.PEOPLE}
        names[BOT_USER_ID] = BOT_NAME
        channels = {c["id"]: c["name"] for c in self.standin.conversations(TEAM_ID) if c["name"]}
        return Viewer(
            user_id=user_id,
            tz=someone.tz,
            now=self.clock(),
            names=names,
            channels=channels,
            file_url=self._file_url,
        )

    def _file_url(self, file_id: str) -> str | None:
        for record in self.standin.uploaded_files():
            if record["id"] == file_id:
                return f"/sandbox/files/{file_id}/{record['filename']}"
        return None

    # -- where ---------------------------------------------------------------------------------
    def app_dm(self, user_id: str) -> str:
        return self.standin.open_dm(TEAM_ID, user_id)

    def conversations(self, user_id: str) -> list[Conversation]:
        """What the person's sidebar lists: the app, #general, and their group conversations."""
        self.person(user_id)
        found = [Conversation(self.app_dm(user_id), "app", BOT_NAME, (user_id, BOT_USER_ID))]
        groups = []
        for record in self.standin.conversations(TEAM_ID):
            if record["kind"] == "channel" and record["members"] is None:
                found.append(Conversation(record["id"], "channel", f"#{record['name']}", ()))
            elif record["kind"] == "mpim" and user_id in (record["members"] or ()):
                others = [
                    p.real_name.split()[0]
                    for p in people.PEOPLE
                    if p.user_id in record["members"] and p.user_id != user_id
                ]
                title = ", ".join([*others, BOT_NAME])
                groups.append(
                    (
                        record["created"],
                        Conversation(record["id"], "mpim", title, tuple(record["members"])),
                    )
                )
        found += [c for _, c in sorted(groups, key=lambda g: g[0])]
        return found

    def _conversation(self, user_id: str, channel: str) -> Conversation:
        for conversation in self.conversations(user_id):
            if conversation.id == channel:
                return conversation
        raise SandboxError("That conversation isn't one of yours.")

    def _messages(self, user_id: str, channel: str) -> list[dict]:
        shown = self.standin.messages(channel) + self.standin.ephemerals(channel, user=user_id)
        return sorted(shown, key=lambda m: float(m["ts"]))

    def unread(self, user_id: str, channel: str) -> int:
        seen = float(self._read.get((user_id, channel), "0"))
        return sum(
            1
            for m in self._messages(user_id, channel)
            if float(m["ts"]) > seen and m.get("user") != user_id
        )

    # -- what the page shows -------------------------------------------------------------------
    def state(self, user_id: str, where: str) -> dict:
        """Everything the page draws for `user_id` looking at `where` (a channel id or "home")."""
        if people.person(user_id) is None:
            user_id = people.ADMIN.user_id  # a first visit: start as the program admin
        with self._lock:
            self._sync_views()
            viewer = self.viewer(user_id)
            someone = self.person(user_id)
            conversations = self.conversations(user_id)
            app_dm = conversations[0].id
            if where not in ("home", *[c.id for c in conversations]):
                where = GENERAL  # where a newcomer starts: the admin types /mentor pair here
            pane: dict[str, Any]
            if where == "home":
                home = self.standin.home_view(TEAM_ID, user_id)
                pane = {
                    "kind": "home",
                    "id": "home",
                    "title": BOT_NAME,
                    "html": blocks_html(home["blocks"], viewer, Surface("home")) if home else "",
                    "view_id": home["id"] if home else None,
                }
            else:
                conversation = self._conversation(user_id, where)
                messages = self._messages(user_id, where)
                if messages:
                    self._read[(user_id, where)] = messages[-1]["ts"]
                pane = {
                    "kind": conversation.kind,
                    "id": conversation.id,
                    "title": conversation.title,
                    "html": (GENERAL_INTRO if where == GENERAL else "")
                    + self._messages_html(messages, viewer, empty=where != GENERAL),
                    "placeholder": f"Message {conversation.title}",
                }
            sidebar = [
                {
                    "id": c.id,
                    "kind": c.kind,
                    "title": c.title,
                    "unread": 0 if c.id == where else self.unread(user_id, c.id),
                }
                for c in conversations
            ]
            return {
                "version": self.version,
                "me": _person_json(someone),
                "people": [_person_json(p) for p in people.PEOPLE],
                "workspace": people.TEAM_NAME,
                "clock": {
                    "label": local_clock(viewer.now, viewer),
                    "zone": someone.tz.replace("_", " "),
                    "iso": viewer.now.isoformat(),
                },
                "app_dm": app_dm,
                "general": GENERAL,
                "sidebar": sidebar,
                "pane": pane,
                "modal": self._modal(user_id, viewer),
            }

    def _messages_html(self, messages: list[dict], viewer: Viewer, *, empty: bool = True) -> str:
        if not messages:
            return '<div class="empty">No messages yet.</div>' if empty else ""
        rows = []
        previous: tuple[str, float] | None = None
        for message in messages:
            author = message.get("user") or BOT_USER_ID
            at = float(message["ts"])
            grouped = (
                previous is not None
                and previous[0] == author
                and at - previous[1] < 300
                and not message.get("is_ephemeral")
            )
            previous = (author, at)
            rows.append(self._message_html(message, viewer, grouped=grouped))
        return "".join(rows)

    def _message_html(self, message: dict, viewer: Viewer, *, grouped: bool) -> str:
        author = message.get("user") or BOT_USER_ID
        someone = people.person(author)
        is_bot = author == BOT_USER_ID or bool(message.get("bot_id"))
        name = BOT_NAME if is_bot else (someone.real_name if someone else author)
        color = esc(someone.color if someone else "#666")
        initials = esc(someone.initials if someone else "?")
        avatar = (
            '<div class="avatar avatar-bot" aria-hidden="true">M</div>'
            if is_bot
            else f'<div class="avatar" style="background:{color}" aria-hidden="true">'
            f"{initials}</div>"
        )
        if message.get("blocks"):
            body = blocks_html(message["blocks"], viewer, Surface("message"))
        else:
            body = f'<div class="bk-text">{mrkdwn_html(message.get("text") or "", viewer)}</div>'
        files = "".join(self._file_html(f) for f in message.get("files") or [])
        ephemeral = bool(message.get("is_ephemeral"))
        badge = '<span class="badge">APP</span>' if is_bot else ""
        note = '<div class="ephemeral-note">👁 Only visible to you</div>' if ephemeral else ""
        css = "message" + (" ephemeral" if ephemeral else "") + (" grouped" if grouped else "")
        header = (
            ""
            if grouped
            else f'<div class="message-meta"><span class="author">{esc(name)}</span>{badge}'
            f'<span class="time">{esc(message_time(message["ts"], viewer))}</span></div>'
        )
        return (
            f'<article class="{css}" data-ts="{esc(message["ts"])}"'
            f' data-channel="{esc(message.get("channel") or "")}"'
            f' data-ephemeral="{"true" if ephemeral else "false"}">'
            f"{'' if grouped else avatar}"
            f'<div class="message-body">{note}{header}{body}{files}</div>'
            f"</article>"
        )

    def _file_html(self, file: dict) -> str:
        name = str(file.get("name") or "file")
        title = str(file.get("title") or name)
        extension = name.rsplit(".", 1)[-1].upper() if "." in name else "FILE"
        size = int(file.get("size") or 0)
        shown = f"{size} bytes" if size < 1024 else f"{size / 1024:.1f} KB"
        return (
            f'<a class="file" href="/sandbox/files/{esc(file.get("id"))}/{esc(name)}" download>'
            f'<span class="file-type">{esc(extension)}</span>'
            f'<span class="file-name">{esc(title)}<small>{esc(shown)} · Download</small></span></a>'
        )

    def _modal(self, user_id: str, viewer: Viewer) -> dict | None:
        stack = self._stacks.get(user_id) or []
        if not stack:
            return None
        view = self.standin.view(stack[-1])
        if view is None:
            return None
        errors = self._errors.get(view["id"], {})
        return {
            "view_id": view["id"],
            "title": plain_string(view.get("title")),
            "submit": plain_string(view.get("submit")) if view.get("submit") else None,
            "close": plain_string(view.get("close")) or "Cancel",
            "depth": len(stack),
            "html": blocks_html(view.get("blocks") or [], viewer, Surface("modal", errors)),
        }

    def _sync_views(self) -> None:
        """Follow the views the app opened or pushed since last time onto each person's stack."""
        with self._lock:
            calls = self.standin.calls()
            for call in calls[self._seen_calls :]:
                if call.method not in ("views.open", "views.push") or not call.response.get("ok"):
                    continue
                view_id = call.response["view"]["id"]
                user = self.standin.view_user(view_id)
                if user is None:
                    continue
                if call.method == "views.open":
                    self._stacks[user] = [view_id]
                else:
                    self._stacks.setdefault(user, []).append(view_id)
            self._seen_calls = len(calls)

    # -- what people do ------------------------------------------------------------------------
    def open_home(self, user_id: str) -> None:
        """The person opens the app's Home tab: Slack tells the app with app_home_opened."""
        self.person(user_id)
        event: dict[str, Any] = {
            "type": "app_home_opened",
            "user": user_id,
            "channel": self.app_dm(user_id),
            "tab": "home",
        }
        home = self.standin.home_view(TEAM_ID, user_id)
        if home is not None:
            event["view"] = home
        self._check(self.driver.event(event, team_id=TEAM_ID))

    def send(self, user_id: str, channel: str, text: str) -> dict:
        """What the person typed in a conversation's message box: a command, or a message."""
        self._conversation(user_id, channel)
        text = text.strip()
        if not text:
            return {"ok": True}
        match = _COMMAND_LINE.match(text)
        if match:
            command = "/" + match.group(1)
            if command != COMMAND:
                raise SandboxError(
                    f"{command} is not a valid command. Mentorbot's command is {COMMAND}; "
                    f"try {COMMAND} help."
                )
            response = self.driver.command(
                _mentions(match.group(2)), user=user_id, channel=channel, team_id=TEAM_ID
            )
            self._check(response)
            self._show_ack(response, user_id=user_id, channel=channel)
        else:
            self.standin.add_message(channel, user=user_id, text=_escape(_mentions(text)))
        self._bump()
        return {"ok": True}

    def _show_ack(self, response: DriverResponse, *, user_id: str, channel: str) -> None:
        """A command's ack with text or blocks: Slack shows it, as a response URL would."""
        body = response.json()
        if not body or not (body.get("text") or body.get("blocks")):
            return
        url = self.standin.new_response_url(
            team_id=TEAM_ID, channel=channel, user=user_id, kind="commands"
        )
        request = urllib.request.Request(
            url,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            answer.read()

    def act(
        self,
        user_id: str,
        *,
        surface: dict,
        block_id: str,
        action_id: str,
        value: Any = None,
        entered: dict | None = None,
    ) -> dict:
        """A button pressed, or an option, date or time chosen, on a message or a view."""
        viewer = self.viewer(user_id)
        target, channel = self._surface(user_id, surface)
        kinds = _element_kinds(target)
        values = self._values(user_id, kinds, entered or {}, viewer)
        kind = kinds.get((block_id, action_id))
        if kind is None:
            raise SandboxError("That button or menu isn't there any more.")
        options: dict[str, Any] = {}
        if kind not in ("button", "workflow_button"):
            options["value"] = self._value(user_id, kind, value, viewer)
        try:
            response = self.driver.interact(
                target,
                block_id=block_id,
                action_id=action_id,
                user=user_id,
                entered=values,
                channel=channel,
                team_id=TEAM_ID,
                **options,
            )
        except AssertionError:  # the driver refuses what Slack's client couldn't send
            raise SandboxError(OFFERED) from None
        self._check(response)
        self._bump()
        return {"ok": True}

    def submit(self, user_id: str, view_id: str, entered: dict) -> dict:
        """The person submits the modal on top of their stack with what they entered."""
        with self._lock:
            self._sync_views()
            view = self._top_view(user_id, view_id)
            viewer = self.viewer(user_id)
            kinds = _element_kinds(view)
            values = self._values(user_id, kinds, entered, viewer)
            missing = _missing_required(view, values)
            if missing:
                self._errors[view_id] = missing
                self._bump()
                return {"ok": False, "errors": missing}
            before = set(self.standin.views())
        try:
            response = self.driver.submit(view, values, user=user_id, team_id=TEAM_ID)
        except AssertionError:
            raise SandboxError(OFFERED) from None
        with self._lock:
            self._sync_views()
            if response.status != 200:
                self._bump()
                return {"ok": False, "problem": TROUBLE_CONNECTING}
            answer = response.json() or {}
            action = answer.get("response_action")
            stack = self._stacks.setdefault(user_id, [])
            if action == "errors":
                self._errors[view_id] = {
                    str(k): str(v) for k, v in (answer.get("errors") or {}).items()
                }
                self._bump()
                return {"ok": False, "errors": self._errors[view_id]}
            self._errors.pop(view_id, None)
            if action == "clear":
                stack.clear()
            elif action == "push":
                pushed = [
                    v
                    for key, v in self.standin.views().items()
                    if key not in before and v.get("previous_view_id") == view_id
                ]
                if pushed:
                    stack.append(pushed[-1]["id"])
            elif action != "update" and view_id in stack:
                del stack[stack.index(view_id) :]
            self._bump()
            return {"ok": True}

    def close_modal(self, user_id: str, view_id: str, *, everything: bool = False) -> dict:
        """Cancel (back to the view below) or × (close them all), telling the app if it asked."""
        with self._lock:
            self._sync_views()
            view = self._top_view(user_id, view_id)
            stack = self._stacks.setdefault(user_id, [])
            closing = list(stack) if everything else [view_id]
            del stack[len(stack) - len(closing) :]
        if view.get("notify_on_close"):
            self._check(self.driver.close(view, user=user_id, team_id=TEAM_ID))
        self._bump()
        return {"ok": True}

    def move_clock(self, how: str) -> dict:
        """Move the sandbox's time forward and let the bot do what falls due on the way."""
        if how in CLOCK_STEPS:
            self.time.forward(CLOCK_STEPS[how])
        elif how == "session":
            if self.time.to_next_session() is None:
                raise SandboxError(
                    "No session is scheduled yet. Schedule one with /mentor schedule in a "
                    "pair's conversation."
                )
        elif how == "message":
            if self.time.to_next_message() is None:
                raise SandboxError("Mentorbot has nothing planned to send yet.")
        else:
            raise SandboxError("The clock moves by an hour, a day, or to what comes next.")
        self._bump()
        return {"ok": True}

    def file(self, file_id: str) -> tuple[str, bytes] | None:
        """An uploaded file's name and content (the .ics, the CSV, the JSON export)."""
        for record in self.standin.uploaded_files():
            if record["id"] == file_id and record["content"] is not None:
                return record["filename"], record["content"]
        return None

    # -- helpers -------------------------------------------------------------------------------
    def _top_view(self, user_id: str, view_id: str) -> dict:
        stack = self._stacks.get(user_id) or []
        view = self.standin.view(view_id) if stack and stack[-1] == view_id else None
        if view is None:
            raise SandboxError("That form is no longer open.")
        return view

    def _surface(self, user_id: str, surface: dict) -> tuple[dict, str | None]:
        if surface.get("type") == "view":
            view_id = str(surface.get("view_id") or "")
            view = self.standin.view(view_id)
            if view is None or self.standin.view_user(view_id) != user_id:
                raise SandboxError("That view isn't open for you.")
            return view, None
        channel = str(surface.get("channel") or "")
        ts = str(surface.get("ts") or "")
        self._conversation(user_id, channel)
        for message in self._messages(user_id, channel):
            if message["ts"] == ts:
                return message, channel
        raise SandboxError("That message isn't there any more.")

    def _values(
        self, user_id: str, kinds: dict[tuple[str, str], str], entered: dict, viewer: Viewer
    ) -> dict:
        """What the page sent ({block: {action: raw}}), as the values Slack's state holds."""
        values: dict[str, dict] = {}
        for block_id, by_action in entered.items():
            if not isinstance(by_action, dict):
                continue
            for action_id, raw in by_action.items():
                kind = kinds.get((block_id, action_id))
                if kind is None:
                    continue
                values.setdefault(block_id, {})[action_id] = self._value(user_id, kind, raw, viewer)
        return values

    def _value(self, user_id: str, kind: str, raw: Any, viewer: Viewer) -> Any:
        if raw in ("", None):
            return [] if kind.startswith("multi_") or kind in ("checkboxes", "file_input") else None
        if kind == "datetimepicker":
            try:
                local = datetime.fromisoformat(str(raw)).replace(tzinfo=ZoneInfo(viewer.tz))
            except ValueError:
                raise SandboxError("Pick both a date and a time.") from None
            return int(local.timestamp())
        if kind == "file_input":
            return [self._uploaded(user_id, f) for f in raw if isinstance(f, dict)]
        if kind.startswith("multi_") or kind == "checkboxes":
            return [str(v) for v in raw] if isinstance(raw, list) else [str(raw)]
        return raw

    def _uploaded(self, user_id: str, file: dict) -> dict:
        try:
            content = base64.b64decode(str(file.get("content") or ""), validate=True)
        except ValueError:
            raise SandboxError("That file couldn't be read.") from None
        name = str(file.get("name") or "upload.csv")
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else "text"
        mimetype = {"csv": "text/csv", "json": "application/json"}.get(extension, "text/plain")
        return self.standin.add_user_file(
            TEAM_ID, user_id, name=name, content=content, filetype=extension, mimetype=mimetype
        )

    def _check(self, response: DriverResponse) -> None:
        if response.status >= 400:
            raise SandboxError(f"Mentorbot answered HTTP {response.status}: {response.body[:200]}")


def _person_json(someone: Person) -> dict:
    return {
        "id": someone.user_id,
        "handle": someone.handle,
        "name": someone.real_name,
        "first_name": someone.first_name,
        "tz": someone.tz,
        "title": someone.title,
        "initials": someone.initials,
        "color": someone.color,
        "admin": someone.user_id == people.ADMIN.user_id,
    }


def _mentions(text: str) -> str:
    """`@maria` as Slack sends it with escaping on: `<@U…|maria>` (unknown names stay as typed)."""

    def replace(match: re.Match[str]) -> str:
        found = people.find_handle(match.group(1))
        return f"<@{found.user_id}|{found.handle}>" if found else match.group(0)

    return _HANDLE.sub(replace, text)


def _escape(text: str) -> str:
    """A typed message as Slack stores it: &, < and > escaped, but mentions kept."""
    parts = re.split(r"(<@[A-Z0-9]+\|[^>]*>)", text)
    return "".join(
        part
        if part.startswith("<@")
        else part.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        for part in parts
    )


def _element_kinds(surface: dict) -> dict[tuple[str, str], str]:
    """(block_id, action_id) → element type, for every element a person can use."""
    kinds: dict[tuple[str, str], str] = {}
    for block in surface.get("blocks") or []:
        block_id = str(block.get("block_id") or "")
        elements: list[dict] = []
        if block.get("type") == "actions":
            elements = [e for e in block.get("elements") or [] if isinstance(e, dict)]
        for key in ("accessory", "element"):
            if isinstance(block.get(key), dict):
                elements.append(block[key])
        for element in elements:
            if element.get("action_id"):
                kinds[(block_id, str(element["action_id"]))] = str(element.get("type"))
    return kinds


_INITIAL_KEYS = (
    "initial_value",
    "initial_option",
    "initial_options",
    "initial_date",
    "initial_time",
    "initial_date_time",
    "initial_user",
    "initial_users",
    "initial_conversation",
    "initial_channel",
)


def _missing_required(view: dict, values: dict) -> dict[str, str]:
    """What Slack's client refuses to submit, said under the field: an empty required input,
    or text shorter than the input's min_length."""
    missing: dict[str, str] = {}
    for block in view.get("blocks") or []:
        if block.get("type") != "input":
            continue
        element = block.get("element") or {}
        given = values.get(block.get("block_id"), {})
        if element.get("action_id") in given:
            value = given[element.get("action_id")]
        else:  # not touched: what the app filled in
            value = next((element[k] for k in _INITIAL_KEYS if element.get(k)), None)
        if value in (None, "", []):
            if not block.get("optional"):
                missing[str(block.get("block_id"))] = REQUIRED
            continue
        shortest = element.get("min_length")
        if isinstance(value, str) and isinstance(shortest, int) and len(value) < shortest:
            missing[str(block.get("block_id"))] = f"Please enter at least {shortest} characters."
    return missing
