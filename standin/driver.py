"""Sends correctly signed requests to the app exactly as Slack would: commands, clicks, events."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from standin.web_api import SlackStandIn

Transport = Callable[[str, dict[str, str]], "DriverResponse"]

SLACK_USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"
FORM = "application/x-www-form-urlencoded"
_MISSING: Any = object()
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_TEXT_INPUTS = {"plain_text_input", "email_text_input", "url_text_input", "number_input"}
_OPTION_CHOOSERS = {"static_select", "radio_buttons", "overflow"}
_MULTI_OPTION_CHOOSERS = {"multi_static_select", "checkboxes"}
# Elements whose current value Slack reports in state.values.
_STATEFUL = (
    _TEXT_INPUTS
    | _OPTION_CHOOSERS
    | _MULTI_OPTION_CHOOSERS
    | {
        "external_select",
        "multi_external_select",
        "users_select",
        "multi_users_select",
        "conversations_select",
        "multi_conversations_select",
        "channels_select",
        "multi_channels_select",
        "datepicker",
        "timepicker",
        "datetimepicker",
        "rich_text_input",
        "file_input",
    }
) - {"overflow"}


@dataclass
class DriverResponse:
    """What the app answered to one request."""

    status: int
    headers: dict[str, str]
    body: str

    def json(self) -> dict | None:
        """The body as a JSON object, or None when it is empty or not a JSON object."""
        if not self.body or not self.body.strip():
            return None
        try:
            parsed = json.loads(self.body)
        except ValueError:
            return None
        return parsed if isinstance(parsed, dict) else None


def http_transport(url: str, *, timeout: float = 10.0) -> Transport:
    """Deliver requests over HTTP to a running server, e.g. http://127.0.0.1:3000/slack/events."""

    def send(body: str, headers: dict[str, str]) -> DriverResponse:
        request = urllib.request.Request(
            url, data=body.encode("utf-8"), headers=dict(headers), method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return DriverResponse(
                    response.status,
                    dict(response.headers.items()),
                    response.read().decode("utf-8", "replace"),
                )
        except urllib.error.HTTPError as error:
            return DriverResponse(
                error.code,
                dict(error.headers.items()) if error.headers else {},
                error.read().decode("utf-8", "replace"),
            )

    return send


class SlackDriver:
    """Plays Slack's side of the conversation with the app, signing every request."""

    def __init__(
        self,
        *,
        signing_secret: str,
        transport: Transport,
        standin: SlackStandIn,
        team_id: str = "T0001",
        api_app_id: str = "A0MENTOR",
        clock: Callable[[], float] = time.time,
        verification_token: str = "vErIfIcAtIoNtOkEn0000",
    ) -> None:
        self.signing_secret = signing_secret
        self.transport = transport
        self.standin = standin
        self.team_id = team_id
        self.api_app_id = api_app_id
        self.clock = clock
        self.verification_token = verification_token
        self._event_counter = 0

    # -- signing and sending -------------------------------------------------------------------
    def sign(self, body: str, *, timestamp: int | str | None = None) -> dict[str, str]:
        """Slack's v0 request signature headers for `body`."""
        ts = str(int(self.clock())) if timestamp is None else str(timestamp)
        base = f"v0:{ts}:{body}".encode()
        digest = hmac.new(self.signing_secret.encode("utf-8"), base, hashlib.sha256).hexdigest()
        return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}

    def raw(self, body: str, headers: dict[str, str]) -> DriverResponse:
        """Send `body` with exactly these headers (for bad-signature and replay tests)."""
        return self.transport(body, dict(headers))

    def _send(
        self, body: str, content_type: str, extra: dict[str, str] | None = None
    ) -> DriverResponse:
        headers = {
            "Content-Type": content_type,
            "User-Agent": SLACK_USER_AGENT,
            "Accept": "application/json,*/*",
            "Accept-Encoding": "gzip,deflate",
            **self.sign(body),
            **(extra or {}),
        }
        return self.transport(body, headers)

    def _send_payload(self, payload: dict) -> DriverResponse:
        return self._send(urllib.parse.urlencode({"payload": json.dumps(payload)}), FORM)

    # -- who and where -------------------------------------------------------------------------
    def _user(self, user: str, team: str) -> dict:
        record = self.standin.user(team, user)
        name = record["name"] if record else user.lower()
        return {"id": user, "username": name, "name": name, "team_id": team}

    def _team(self, team: str) -> dict:
        return {"id": team, "domain": self.standin.workspace_domain(team) or team.lower()}

    def _channel_name(self, channel: str) -> str:
        name = self.standin.channel_name(channel)
        if name:
            return name
        if channel.startswith("D"):
            return "directmessage"
        return channel.lower()

    def _action_ts(self) -> str:
        return f"{self.clock():.6f}"

    # -- slash commands ------------------------------------------------------------------------
    def command(
        self,
        text: str,
        *,
        user: str,
        command: str = "/mentor",
        channel: str = "C0GENERAL",
        team_id: str | None = None,
    ) -> DriverResponse:
        """A slash command, form-encoded with a fresh response_url and trigger_id."""
        team = team_id or self.team_id
        user_name = self._user(user, team)["name"]
        fields = [
            ("token", self.verification_token),
            ("team_id", team),
            ("team_domain", self._team(team)["domain"]),
            ("channel_id", channel),
            ("channel_name", self._channel_name(channel)),
            ("user_id", user),
            ("user_name", user_name),
            ("command", command),
            ("text", text),
            ("api_app_id", self.api_app_id),
            ("is_enterprise_install", "false"),
            (
                "response_url",
                self.standin.new_response_url(
                    team_id=team, channel=channel, user=user, kind="commands"
                ),
            ),
            ("trigger_id", self.standin.new_trigger_id(team_id=team, user_id=user)),
        ]
        return self._send(urllib.parse.urlencode(fields), FORM)

    # -- block actions -------------------------------------------------------------------------
    def click(
        self,
        message_or_view: dict,
        label: str,
        *,
        user: str,
        channel: str | None = None,
        team_id: str | None = None,
        block_id: str | None = None,
    ) -> DriverResponse:
        """Click the button (or overflow / select / radio / checkbox option) showing `label`."""
        surface = copy.deepcopy(message_or_view)
        matches: list[tuple[dict, dict, dict | None]] = []
        labels: list[str] = []
        for block in surface.get("blocks") or []:
            for element in _interactive_elements(block):
                kind = element.get("type")
                if kind in ("button", "workflow_button"):
                    shown = _label(element.get("text"))
                    labels.append(shown)
                    if shown == label:
                        matches.append((block, element, None))
                elif kind in _OPTION_CHOOSERS | _MULTI_OPTION_CHOOSERS:
                    for option in _options(element):
                        shown = _label(option.get("text"))
                        labels.append(shown)
                        if shown == label:
                            matches.append((block, element, option))
        if block_id is not None:
            matches = [m for m in matches if m[0].get("block_id") == block_id]
        if not matches:
            raise AssertionError(f"nothing labelled {label!r} to click; labels present: {labels}")
        if len(matches) > 1:
            where = [m[0].get("block_id") for m in matches]
            raise AssertionError(
                f"{len(matches)} elements labelled {label!r} (blocks {where}); pass block_id="
            )
        block, element, option = matches[0]
        action = self._action(block, element, option=option)
        chosen = None
        if "selected_option" in action:
            chosen = (block.get("block_id"), element.get("action_id"), option)
        elif "selected_options" in action:
            picked = [o["value"] for o in action["selected_options"]]
            chosen = (block.get("block_id"), element.get("action_id"), picked)
        return self._block_actions(
            surface, action, user=user, channel=channel, team_id=team_id, chosen=chosen
        )

    def select(
        self,
        message_or_view: dict,
        action_id: str,
        option_value: Any,
        *,
        user: str,
        channel: str | None = None,
        team_id: str | None = None,
    ) -> DriverResponse:
        """Choose `option_value` in the element `action_id` (a select, radio, picker, ...)."""
        surface = copy.deepcopy(message_or_view)
        found = None
        action_ids = []
        for block in surface.get("blocks") or []:
            for element in _interactive_elements(block, include_inputs=True):
                action_ids.append(element.get("action_id"))
                if element.get("action_id") == action_id:
                    found = (block, element)
        if found is None:
            raise AssertionError(f"no element with action_id {action_id!r}; present: {action_ids}")
        block, element = found
        action = self._action(block, element, value=option_value)
        return self._block_actions(
            surface,
            action,
            user=user,
            channel=channel,
            team_id=team_id,
            chosen=(block.get("block_id"), action_id, option_value),
        )

    def interact(
        self,
        message_or_view: dict,
        *,
        block_id: str,
        action_id: str,
        user: str,
        value: Any = _MISSING,
        entered: dict[str, dict] | None = None,
        channel: str | None = None,
        team_id: str | None = None,
    ) -> DriverResponse:
        """Use the element `action_id` of block `block_id` as a person would in Slack's client.

        A button is pressed; a chooser, picker or input takes `value` (an option's value, a
        list of them, a date, ...). `entered` is what the person has typed or chosen elsewhere
        on the surface so far ({block_id: {action_id: value}}), which Slack sends as the state.
        """
        surface = copy.deepcopy(message_or_view)
        for block in surface.get("blocks") or []:
            if block.get("block_id") != block_id:
                continue
            for element in _interactive_elements(block, include_inputs=True):
                if element.get("action_id") != action_id:
                    continue
                action = self._action(block, element, value=value)
                if "selected_options" in action:
                    chosen_value: Any = [o["value"] for o in action["selected_options"]]
                elif "selected_option" in action:
                    chosen_value = action["selected_option"]["value"]
                else:
                    chosen_value = value
                chosen = None if value is _MISSING else (block_id, action_id, chosen_value)
                return self._block_actions(
                    surface,
                    action,
                    user=user,
                    channel=channel,
                    team_id=team_id,
                    chosen=chosen,
                    entered=entered,
                )
        raise AssertionError(f"no element {action_id!r} in block {block_id!r} to use")

    def click_action(
        self,
        action_id: str,
        *,
        value: str,
        user: str,
        message: dict | None = None,
        view: dict | None = None,
        block_id: str = "b",
        team_id: str | None = None,
    ) -> DriverResponse:
        """A button click with any ids and value, whether or not such a button exists."""
        action = {
            "action_id": action_id,
            "block_id": block_id,
            "text": {"type": "plain_text", "text": "Button", "emoji": True},
            "value": value,
            "type": "button",
            "action_ts": self._action_ts(),
        }
        if view is not None:
            surface = copy.deepcopy(view)
        elif message is not None:
            surface = copy.deepcopy(message)
        else:
            surface = {"type": "message", "ts": "1700000000.000100", "channel": "C0GENERAL"}
        return self._block_actions(surface, action, user=user, channel=None, team_id=team_id)

    def _action(
        self, block: dict, element: dict, *, option: dict | None = None, value: Any = _MISSING
    ) -> dict:
        kind = element.get("type")
        action: dict = {
            "type": kind,
            "action_id": element.get("action_id"),
            "block_id": block.get("block_id"),
        }
        where = f"{block.get('block_id')}/{element.get('action_id')}"
        if kind in ("button", "workflow_button"):
            action["text"] = copy.deepcopy(element.get("text"))
            for key in ("value", "style", "url"):
                if key in element:
                    action[key] = element[key]
        elif kind in _OPTION_CHOOSERS:
            chosen = option if option is not None else _find_option(element, value, where)
            action["selected_option"] = _option_payload(chosen)
        elif kind in _MULTI_OPTION_CHOOSERS:
            if option is not None:
                selected = [_option_payload(o) for o in element.get("initial_options") or []]
                toggled = _option_payload(option)
                if toggled in selected:
                    selected.remove(toggled)
                else:
                    selected.append(toggled)
            else:
                values = value if isinstance(value, list) else [value]
                selected = [_option_payload(_find_option(element, v, where)) for v in values]
            action["selected_options"] = selected
        else:
            state = _element_state(element, value, where)
            action.update({k: v for k, v in state.items() if k != "type"})
        if "placeholder" in element and kind.endswith("select"):
            action["placeholder"] = copy.deepcopy(element["placeholder"])
        action["action_ts"] = self._action_ts()
        return action

    def _block_actions(
        self,
        surface: dict,
        action: dict,
        *,
        user: str,
        channel: str | None,
        team_id: str | None,
        chosen: tuple[Any, Any, Any] | None = None,
        entered: dict | None = None,
    ) -> DriverResponse:
        team = team_id or self.team_id
        values = dict(entered or {})
        if chosen is not None and chosen[0] is not None and action.get("type") in _STATEFUL:
            values[chosen[0]] = {**values.get(chosen[0], {}), chosen[1]: chosen[2]}
        state = _state_values(surface, values, strict=False)
        payload: dict = {"type": "block_actions", "user": self._user(user, team)}
        payload["api_app_id"] = self.api_app_id
        payload["token"] = self.verification_token
        if _is_view(surface):
            view = copy.deepcopy(surface)
            view["state"] = {"values": state}
            payload["container"] = {"type": "view", "view_id": view["id"]}
            payload["trigger_id"] = self.standin.new_trigger_id(
                team_id=team, user_id=user, view_id=view["id"]
            )
            payload.update(team=self._team(team), enterprise=None, is_enterprise_install=False)
            payload["view"] = view
        else:
            where = channel or surface.get("channel")
            if not where:
                raise AssertionError("a message needs a channel (pass channel=)")
            ephemeral = bool(surface.get("is_ephemeral"))
            payload["container"] = {
                "type": "message",
                "message_ts": surface.get("ts"),
                "channel_id": where,
                "is_ephemeral": ephemeral,
            }
            payload["trigger_id"] = self.standin.new_trigger_id(team_id=team, user_id=user)
            payload.update(team=self._team(team), enterprise=None, is_enterprise_install=False)
            payload["channel"] = {"id": where, "name": self._channel_name(where)}
            if not ephemeral:  # Slack leaves the message out for ephemeral messages
                message = {
                    k: copy.deepcopy(v)
                    for k, v in surface.items()
                    if k not in ("channel", "is_ephemeral", "recipient")
                }
                payload["message"] = message
            payload["state"] = {"values": state}
            payload["response_url"] = self.standin.new_response_url(
                team_id=team,
                channel=where,
                user=user,
                message_ts=surface.get("ts"),
                is_ephemeral=ephemeral,
                kind="actions",
            )
        payload["actions"] = [action]
        return self._send_payload(payload)

    # -- views ---------------------------------------------------------------------------------
    def submit(
        self,
        view: dict,
        values: dict[str, object] | None = None,
        *,
        user: str,
        team_id: str | None = None,
        client_checks: bool = False,
    ) -> DriverResponse:
        """Submit `view` (as given) with `values` (block_id -> what the person entered).

        With `client_checks`, refuse what Slack's own client would not send (an empty required
        input, text outside min_length/max_length, a number outside its bounds); without, such
        values go through, as a tampered request would send them.
        """
        team = team_id or self.team_id
        current = copy.deepcopy(view)
        state = _state_values(current, values or {}, strict=True, client_checks=client_checks)
        current["state"] = {"values": state}
        payload = {
            "type": "view_submission",
            "team": self._team(team),
            "user": self._user(user, team),
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "trigger_id": self.standin.new_trigger_id(
                team_id=team, user_id=user, view_id=current.get("id")
            ),
            "view": current,
            "response_urls": self._response_urls(current, state, team, user),
            "is_enterprise_install": False,
            "enterprise": None,
        }
        # The view as Slack holds it now: a views.update the listener makes changes its hash.
        stored = self.standin.view(current["id"]) if current.get("id") else None
        submitted_hash = stored["hash"] if stored else None
        response = self._send_payload(payload)
        if response.status == 200 and current.get("id"):
            self.standin.apply_view_submission_response(
                current["id"], response.json(), submitted_hash=submitted_hash
            )
        return response

    def _response_urls(self, view: dict, state: dict, team: str, user: str) -> list[dict]:
        urls = []
        for block in view.get("blocks") or []:
            element = block.get("element") if block.get("type") == "input" else None
            if not isinstance(element, dict) or not element.get("response_url_enabled"):
                continue
            entry = state.get(block.get("block_id"), {}).get(element.get("action_id"), {})
            channel = entry.get("selected_conversation") or entry.get("selected_channel")
            if channel:
                urls.append(
                    {
                        "block_id": block.get("block_id"),
                        "action_id": element.get("action_id"),
                        "channel_id": channel,
                        "response_url": self.standin.new_response_url(
                            team_id=team, channel=channel, user=user, kind="actions"
                        ),
                    }
                )
        return urls

    def close(self, view: dict, *, user: str, team_id: str | None = None) -> DriverResponse:
        """The person closes the modal (Slack only tells the app when notify_on_close is set)."""
        team = team_id or self.team_id
        current = copy.deepcopy(view)
        if not current.get("notify_on_close"):
            raise AssertionError("Slack sends view_closed only for views with notify_on_close")
        current["state"] = {"values": _state_values(current, {}, strict=False)}
        payload = {
            "type": "view_closed",
            "team": self._team(team),
            "user": self._user(user, team),
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "view": current,
            "is_cleared": False,
            "is_enterprise_install": False,
            "enterprise": None,
        }
        return self._send_payload(payload)

    # -- events --------------------------------------------------------------------------------
    def event(
        self,
        event: dict,
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
        team_id: str | None = None,
    ) -> DriverResponse:
        """An Events API event_callback (with X-Slack-Retry-* headers when `retry_num` is given)."""
        team = team_id or self.team_id
        self._event_counter += 1
        inner = copy.deepcopy(event)
        inner.setdefault("event_ts", self._action_ts())
        bot_user = self.standin.bot_user_id(team) or "UBOT"
        context = base64.b64encode(
            json.dumps({"tid": team, "aid": self.api_app_id, "n": self._event_counter}).encode()
        ).decode()
        envelope = {
            "token": self.verification_token,
            "team_id": team,
            "context_team_id": team,
            "context_enterprise_id": None,
            "api_app_id": self.api_app_id,
            "event": inner,
            "type": "event_callback",
            "event_id": event_id or f"Ev{int(self.clock())}{self._event_counter:06d}",
            "event_time": int(self.clock()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": team,
                    "user_id": bot_user,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": f"4-{context}",
        }
        extra = {}
        if retry_num is not None:
            extra = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
        return self._send(json.dumps(envelope), "application/json", extra)

    def url_verification(self, challenge: str = "3eZbrw1aBm2rZgRNFdxV2595E9CY3") -> DriverResponse:
        """The url_verification request Slack sends when the Request URL is saved."""
        body = {
            "token": self.verification_token,
            "challenge": challenge,
            "type": "url_verification",
        }
        return self._send(json.dumps(body), "application/json")


# -- payload helpers ---------------------------------------------------------------------------
def _is_view(obj: dict) -> bool:
    return obj.get("type") in ("modal", "home") and isinstance(obj.get("id"), str)


def _label(text: Any) -> str:
    return text.get("text", "") if isinstance(text, dict) else str(text or "")


def _options(element: dict) -> list[dict]:
    if element.get("option_groups"):
        return [o for group in element["option_groups"] for o in group.get("options") or []]
    return list(element.get("options") or [])


def _option_payload(option: dict) -> dict:
    return {k: copy.deepcopy(v) for k, v in option.items() if k in ("text", "value", "description")}


def _find_option(element: dict, value: Any, where: str) -> dict:
    if isinstance(value, dict):
        value = value.get("value")
    for option in _options(element):
        if option.get("value") == value:
            return option
    present = [o.get("value") for o in _options(element)]
    raise AssertionError(f"{where}: no option with value {value!r}; values present: {present}")


def _interactive_elements(block: dict, *, include_inputs: bool = False) -> list[dict]:
    kind = block.get("type")
    if kind == "actions":
        return [e for e in block.get("elements") or [] if isinstance(e, dict)]
    if kind == "section" and isinstance(block.get("accessory"), dict):
        return [block["accessory"]]
    if (
        kind == "input"
        and isinstance(block.get("element"), dict)
        and (include_inputs or block.get("dispatch_action"))
    ):
        return [block["element"]]
    return []


def _stateful_elements(block: dict) -> list[dict]:
    kind = block.get("type")
    if kind == "input":
        element = block.get("element")
        return [element] if isinstance(element, dict) else []
    return [e for e in _interactive_elements(block) if e.get("type") in _STATEFUL]


def _state_values(
    surface: dict, values: dict, *, strict: bool, client_checks: bool = False
) -> dict:
    """state.values as Slack builds it: every stateful element, with `values` applied."""
    known: dict[str, tuple[dict, list[dict]]] = {}
    for block in surface.get("blocks") or []:
        elements = _stateful_elements(block)
        if elements and block.get("block_id"):
            known[block["block_id"]] = (block, elements)
    unknown = [key for key in values if key not in known]
    if unknown and strict:
        raise AssertionError(f"no input block(s) {unknown} in the view; inputs: {list(known)}")
    state: dict = {}
    for block_id, (block, elements) in known.items():
        given = values.get(block_id, _MISSING)
        entries: dict = {}
        for element in elements:
            action_id = element.get("action_id")
            where = f"{block_id}/{action_id}"
            value = given
            if given is not _MISSING and len(elements) > 1:
                if not isinstance(given, dict):
                    raise AssertionError(f"{block_id}: several inputs; give {{action_id: value}}")
                value = given.get(action_id, _MISSING)
            elif isinstance(given, dict) and set(given) == {action_id} and action_id:
                value = given[action_id]
            entries[action_id] = _element_state(element, value, where)
            if client_checks and block.get("type") == "input":
                _check_submittable(block, element, entries[action_id], where)
        state[block_id] = entries
    return state


def _element_state(element: dict, value: Any, where: str) -> dict:
    kind = element.get("type")
    state: dict = {"type": kind}
    missing = value is _MISSING
    if kind in _TEXT_INPUTS:
        text = element.get("initial_value") if missing else value
        state["value"] = None if text in (None, "") else str(text)
    elif kind in ("static_select", "radio_buttons"):
        if missing:
            state["selected_option"] = copy.deepcopy(element.get("initial_option"))
        else:
            state["selected_option"] = (
                None if value is None else _option_payload(_find_option(element, value, where))
            )
    elif kind in _MULTI_OPTION_CHOOSERS:
        if missing:
            state["selected_options"] = copy.deepcopy(element.get("initial_options") or [])
        else:
            chosen = value if isinstance(value, list) else [value]
            state["selected_options"] = [
                _option_payload(_find_option(element, v, where)) for v in chosen
            ]
    elif kind == "external_select":
        state["selected_option"] = (
            copy.deepcopy(element.get("initial_option")) if missing else _external_option(value)
        )
    elif kind == "multi_external_select":
        state["selected_options"] = (
            copy.deepcopy(element.get("initial_options") or [])
            if missing
            else [_external_option(v) for v in (value if isinstance(value, list) else [value])]
        )
    elif kind in ("users_select", "conversations_select", "channels_select"):
        noun = {"users_select": "user", "conversations_select": "conversation"}.get(kind, "channel")
        state[f"selected_{noun}"] = element.get(f"initial_{noun}") if missing else value
    elif kind in ("multi_users_select", "multi_conversations_select", "multi_channels_select"):
        noun = {"multi_users_select": "users", "multi_conversations_select": "conversations"}.get(
            kind, "channels"
        )
        chosen = element.get(f"initial_{noun}") if missing else value
        state[f"selected_{noun}"] = list(chosen or []) if not isinstance(chosen, str) else [chosen]
    elif kind == "datepicker":
        date = element.get("initial_date") if missing else value
        if date is not None and not (isinstance(date, str) and _DATE_RE.match(date)):
            raise AssertionError(f"{where}: a datepicker value is 'YYYY-MM-DD', got {date!r}")
        state["selected_date"] = date
    elif kind == "timepicker":
        chosen_time = element.get("initial_time") if missing else value
        if chosen_time is not None and not (
            isinstance(chosen_time, str) and _TIME_RE.match(chosen_time)
        ):
            raise AssertionError(f"{where}: a timepicker value is 'HH:MM', got {chosen_time!r}")
        state["selected_time"] = chosen_time
        if element.get("timezone"):
            state["timezone"] = element["timezone"]
    elif kind == "datetimepicker":
        moment = element.get("initial_date_time") if missing else value
        if moment is not None and (not isinstance(moment, int) or isinstance(moment, bool)):
            raise AssertionError(f"{where}: a datetimepicker value is an int epoch, got {moment!r}")
        state["selected_date_time"] = moment
    elif kind == "rich_text_input":
        initial = element.get("initial_value") if missing else value
        state["rich_text_value"] = (
            initial
            if isinstance(initial, dict) or initial is None
            else {
                "type": "rich_text",
                "elements": [
                    {"type": "rich_text_section", "elements": [{"type": "text", "text": initial}]}
                ],
            }
        )
    elif kind == "file_input":
        state["files"] = [] if missing or value is None else list(value)
    else:
        raise AssertionError(f"{where}: cannot enter a value into a {kind} element")
    return state


def _external_option(value: Any) -> dict | None:
    if value is None or isinstance(value, dict):
        return copy.deepcopy(value)
    return {"text": {"type": "plain_text", "text": str(value), "emoji": True}, "value": str(value)}


def _is_empty(state: dict) -> bool:
    payload = [v for k, v in state.items() if k not in ("type", "timezone")]
    return all(v in (None, "", []) for v in payload)


def _check_submittable(block: dict, element: dict, state: dict, where: str) -> None:
    """Slack's client refuses to submit what these checks reject; so does the driver."""
    if not block.get("optional") and _is_empty(state):
        raise AssertionError(f"{where}: required input is empty; Slack would not submit the modal")
    text = state.get("value")
    if element.get("type") == "plain_text_input" and isinstance(text, str):
        low, high = element.get("min_length"), element.get("max_length")
        if low is not None and len(text) < low:
            raise AssertionError(f"{where}: shorter than min_length {low}; Slack would not submit")
        if high is not None and len(text) > high:
            raise AssertionError(f"{where}: longer than max_length {high}; Slack would not submit")
    if element.get("type") == "number_input" and isinstance(text, str):
        try:
            number = float(text)
        except ValueError:
            raise AssertionError(
                f"{where}: {text!r} is not a number; Slack would not submit"
            ) from None
        if not element.get("is_decimal_allowed") and not number.is_integer():
            raise AssertionError(f"{where}: decimals not allowed; Slack would not submit")
        for key, outside in (("min_value", number.__lt__), ("max_value", number.__gt__)):
            if element.get(key) is not None and outside(float(element[key])):
                raise AssertionError(f"{where}: outside {key}; Slack would not submit")
