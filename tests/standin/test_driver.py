"""Tests for the Slack driver: signatures Slack's verifier accepts, payloads Bolt understands."""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from standin.driver import DriverResponse, SlackDriver, http_transport
from standin.web_api import SlackStandIn
from tests.support.in_process import bolt_transport

TEAM = "T0001"
TOKEN = "xoxb-driver-test"
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
NOW = 1_700_000_000.0


def plain(text: str) -> dict:
    return {"type": "plain_text", "text": text}


def option(text: str, value: str) -> dict:
    return {"text": plain(text), "value": value}


SIGNUP = {
    "type": "modal",
    "callback_id": "signup",
    "private_metadata": "program=7",
    "notify_on_close": True,
    "title": plain("Sign up"),
    "submit": plain("Save"),
    "close": plain("Cancel"),
    "blocks": [
        {
            "type": "input",
            "block_id": "goal",
            "label": plain("Goal"),
            "element": {"type": "plain_text_input", "action_id": "goal_input", "min_length": 2},
        },
        {
            "type": "input",
            "block_id": "topic",
            "label": plain("Topic"),
            "element": {
                "type": "static_select",
                "action_id": "topic_select",
                "options": [option("Career", "career"), option("Craft", "craft")],
                "initial_option": option("Craft", "craft"),
            },
        },
        {
            "type": "input",
            "block_id": "days",
            "label": plain("Days"),
            "element": {
                "type": "checkboxes",
                "action_id": "days_boxes",
                "options": [option("Mon", "mon"), option("Tue", "tue"), option("Wed", "wed")],
            },
        },
        {
            "type": "input",
            "block_id": "mentor",
            "label": plain("Mentor"),
            "element": {"type": "users_select", "action_id": "mentor_user"},
        },
        {
            "type": "input",
            "block_id": "start",
            "optional": True,
            "label": plain("Start"),
            "element": {"type": "datepicker", "action_id": "start_date"},
        },
        {
            "type": "input",
            "block_id": "at",
            "optional": True,
            "label": plain("At"),
            "element": {"type": "timepicker", "action_id": "at_time", "initial_time": "09:00"},
        },
        {
            "type": "input",
            "block_id": "when",
            "optional": True,
            "label": plain("When"),
            "element": {"type": "datetimepicker", "action_id": "when_dt"},
        },
        {
            "type": "actions",
            "block_id": "more",
            "elements": [
                {"type": "button", "text": plain("Add goal"), "action_id": "add_goal", "value": "g"}
            ],
        },
    ],
}

PICK = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "Pick a mentor"}},
    {
        "type": "actions",
        "block_id": "pick",
        "elements": [
            {
                "type": "button",
                "text": plain("Accept"),
                "action_id": "accept",
                "value": "pair-1",
                "style": "primary",
            },
            {"type": "button", "text": plain("Decline"), "action_id": "decline", "value": "pair-1"},
            {
                "type": "static_select",
                "action_id": "pick_topic",
                "placeholder": plain("Topic"),
                "options": [option("Career", "career"), option("Craft", "craft")],
            },
            {
                "type": "overflow",
                "action_id": "more",
                "options": [option("Snooze", "snooze"), option("Report", "report")],
            },
        ],
    },
]


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn() as s:
        s.add_workspace(TEAM, bot_token=TOKEN, bot_user_id="UBOT", team_name="Acme")
        s.add_user(TEAM, "U1", name="ann")
        s.add_user(TEAM, "U2", name="bob")
        yield s
        assert s.validation_errors == []


@pytest.fixture
def seen() -> dict[str, Any]:
    return {}


@pytest.fixture
def app(standin: SlackStandIn, seen: dict[str, Any]) -> App:
    bolt = App(
        signing_secret=SECRET,
        client=WebClient(token=TOKEN, base_url=standin.api_url),
        process_before_response=True,
    )

    @bolt.command("/mentor")
    def on_command(ack: Any, body: dict, client: WebClient) -> None:
        ack()
        seen["command"] = body
        client.views_open(trigger_id=body["trigger_id"], view=SIGNUP)

    @bolt.view("signup")
    def on_submit(ack: Any, body: dict, view: dict) -> None:
        seen["submission"] = body
        goal = view["state"]["values"]["goal"]["goal_input"]["value"]
        if goal == "no":
            ack(response_action="errors", errors={"goal": "Say a little more"})
        elif goal == "next":
            ack(response_action="update", view={**SIGNUP, "title": plain("Step 2")})
        else:
            ack()

    @bolt.view_closed("signup")
    def on_close(ack: Any, body: dict) -> None:
        ack()
        seen["closed"] = body

    @bolt.action("accept")
    def on_accept(ack: Any, body: dict, respond: Any) -> None:
        ack()
        seen["accept"] = body
        respond(replace_original=True, text="Accepted, see you soon")

    @bolt.action("pick_topic")
    def on_topic(ack: Any, body: dict) -> None:
        ack()
        seen["topic"] = body

    @bolt.action("more")
    def on_more(ack: Any, body: dict) -> None:
        ack()
        seen["more"] = body

    @bolt.action("add_goal")
    def on_add_goal(ack: Any, body: dict, client: WebClient) -> None:
        ack()
        seen["add_goal"] = body
        pushed = {**SIGNUP, "callback_id": "extra_goal", "notify_on_close": False}
        client.views_push(trigger_id=body["trigger_id"], view=pushed)

    @bolt.event("app_home_opened")
    def on_home(event: dict, client: WebClient, request: Any) -> None:
        seen["home"] = event
        seen["retry"] = request.headers.get("x-slack-retry-num")
        client.views_publish(
            user_id=event["user"],
            view={"type": "home", "blocks": [{"type": "section", "text": plain("Welcome")}]},
        )

    return bolt


@pytest.fixture
def driver(standin: SlackStandIn, app: App) -> SlackDriver:
    return SlackDriver(signing_secret=SECRET, transport=bolt_transport(app), standin=standin)


def verify(driver: SlackDriver, body: str, headers: dict[str, str]) -> bool:
    return SignatureVerifier(driver.signing_secret, clock=_Clock()).is_valid(
        body, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    )


class _Clock:
    def now(self) -> float:
        return NOW


# -- signing -----------------------------------------------------------------------------------
def test_signature_matches_slack_sdk_verifier(standin: SlackStandIn) -> None:
    driver = SlackDriver(
        signing_secret=SECRET,
        transport=lambda b, h: DriverResponse(200, {}, ""),
        standin=standin,
        clock=lambda: NOW,
    )
    body = "token=x&text=hello+world"
    headers = driver.sign(body)
    assert headers["X-Slack-Request-Timestamp"] == str(int(NOW))
    assert headers["X-Slack-Signature"].startswith("v0=")
    assert verify(driver, body, headers)
    assert (
        SignatureVerifier(SECRET).generate_signature(timestamp=str(int(NOW)), body=body)
        == headers["X-Slack-Signature"]
    )
    assert not verify(driver, body + "x", headers)
    old = driver.sign(body, timestamp=int(NOW) - 301)
    assert not SignatureVerifier(SECRET, clock=_Clock()).is_valid(
        body, old["X-Slack-Request-Timestamp"], old["X-Slack-Signature"]
    )


def test_every_request_is_signed(standin: SlackStandIn) -> None:
    sent: list[tuple[str, dict[str, str]]] = []

    def capture(body: str, headers: dict[str, str]) -> DriverResponse:
        sent.append((body, headers))
        return DriverResponse(200, {}, "")

    driver = SlackDriver(
        signing_secret=SECRET, transport=capture, standin=standin, clock=lambda: NOW
    )
    driver.command("hi", user="U1")
    driver.click_action("accept", value="v", user="U1")
    driver.event({"type": "app_home_opened", "user": "U1"}, retry_num=1)
    driver.url_verification("abc")
    for body, headers in sent:
        assert verify(driver, body, headers)
        assert headers["User-Agent"].startswith("Slackbot 1.0")
    assert sent[0][1]["Content-Type"] == "application/x-www-form-urlencoded"
    assert sent[2][1]["Content-Type"] == "application/json"
    assert sent[2][1]["X-Slack-Retry-Num"] == "1"
    assert sent[2][1]["X-Slack-Retry-Reason"] == "http_timeout"


def test_bad_signature_and_replayed_timestamp_are_refused(driver: SlackDriver) -> None:
    body = urllib.parse.urlencode({"command": "/mentor", "text": "x", "user_id": "U1"})
    good = driver.sign(body)
    forged = {**good, "X-Slack-Signature": "v0=" + "0" * 64}
    assert (
        driver.raw(body, {"Content-Type": "application/x-www-form-urlencoded", **forged}).status
        == 401
    )
    stale = driver.sign(body, timestamp=int(driver.clock()) - 600)
    assert (
        driver.raw(body, {"Content-Type": "application/x-www-form-urlencoded", **stale}).status
        == 401
    )


# -- round trips through Bolt ------------------------------------------------------------------
def test_command_opens_modal(driver: SlackDriver, standin: SlackStandIn, seen: dict) -> None:
    response = driver.command("sign me up", user="U1")
    assert response.status == 200
    body = seen["command"]
    assert body["command"] == "/mentor"
    assert body["text"] == "sign me up"
    assert body["user_id"] == "U1"
    assert body["user_name"] == "ann"
    assert body["team_id"] == TEAM
    assert body["team_domain"] == "acme"
    assert body["channel_id"] == "C0GENERAL"
    assert body["api_app_id"] == "A0MENTOR"
    assert body["response_url"].startswith(standin.base_url + "/commands/")
    view = standin.last("views.open").response["view"]
    assert view["callback_id"] == "signup"
    assert standin.view_user(view["id"]) == "U1"


def test_submit_sends_state_values_like_slack(
    driver: SlackDriver, standin: SlackStandIn, seen: dict
) -> None:
    driver.command("", user="U1")
    view = standin.last("views.open").response["view"]
    response = driver.submit(
        view,
        {"goal": "Learn SQL", "days": ["mon", "wed"], "mentor": "U2", "when": 1_700_003_600},
        user="U1",
    )
    assert response.status == 200
    assert response.body == ""
    body = seen["submission"]
    assert body["type"] == "view_submission"
    assert body["user"]["id"] == "U1"
    assert body["team"]["id"] == TEAM
    assert body["view"]["id"] == view["id"]
    assert body["view"]["private_metadata"] == "program=7"
    values = body["view"]["state"]["values"]
    assert values["goal"] == {"goal_input": {"type": "plain_text_input", "value": "Learn SQL"}}
    assert values["topic"]["topic_select"] == {
        "type": "static_select",
        "selected_option": option("Craft", "craft"),
    }
    assert values["days"]["days_boxes"]["selected_options"] == [
        option("Mon", "mon"),
        option("Wed", "wed"),
    ]
    assert values["mentor"] == {"mentor_user": {"type": "users_select", "selected_user": "U2"}}
    assert values["start"] == {"start_date": {"type": "datepicker", "selected_date": None}}
    assert values["at"]["at_time"]["selected_time"] == "09:00"
    assert values["when"]["when_dt"] == {
        "type": "datetimepicker",
        "selected_date_time": 1_700_003_600,
    }
    assert "more" not in values  # buttons hold no state


def test_ack_errors_and_update_show_in_the_response(
    driver: SlackDriver, standin: SlackStandIn
) -> None:
    driver.command("", user="U1")
    view = standin.last("views.open").response["view"]
    entered = {"days": ["tue"], "mentor": "U2"}
    refused = driver.submit(view, {"goal": "no", **entered}, user="U1")
    assert refused.status == 200
    assert refused.json() == {"response_action": "errors", "errors": {"goal": "Say a little more"}}
    updated = driver.submit(view, {"goal": "next", **entered}, user="U1")
    assert updated.json()["response_action"] == "update"
    assert standin.view(view["id"])["title"]["text"] == "Step 2"


def test_submit_checks_like_slack_client_on_request(
    driver: SlackDriver, standin: SlackStandIn
) -> None:
    driver.command("", user="U1")
    view = standin.last("views.open").response["view"]
    with pytest.raises(AssertionError, match="no input block"):
        driver.submit(view, {"nonsense": "x"}, user="U1")
    with pytest.raises(AssertionError, match="no option with value 'fri'"):
        driver.submit(view, {"goal": "ok", "days": ["fri"], "mentor": "U2"}, user="U1")
    with pytest.raises(AssertionError, match="YYYY-MM-DD"):
        driver.submit(
            view, {"goal": "ok", "days": ["mon"], "mentor": "U2", "start": "1/2/24"}, user="U1"
        )
    strict = {"user": "U1", "client_checks": True}
    with pytest.raises(AssertionError, match="required input is empty"):
        driver.submit(view, {"goal": "ok"}, **strict)
    with pytest.raises(AssertionError, match="shorter than min_length"):
        driver.submit(view, {"goal": "x", "days": ["mon"], "mentor": "U2"}, **strict)
    assert (
        driver.submit(view, {"goal": "ok", "days": ["mon"], "mentor": "U2"}, **strict).status == 200
    )


def test_submit_can_send_what_a_tampered_request_would(
    driver: SlackDriver, standin: SlackStandIn, seen: dict
) -> None:
    driver.command("", user="U1")
    view = standin.last("views.open").response["view"]
    # Without client checks, values Slack's client would refuse go through as given.
    driver.submit(view, {"goal": "x", "days": [], "mentor": None}, user="U1")
    values = seen["submission"]["view"]["state"]["values"]
    assert values["goal"]["goal_input"]["value"] == "x"
    assert values["days"]["days_boxes"]["selected_options"] == []
    assert values["mentor"]["mentor_user"]["selected_user"] is None
    # A forged option: add it to the view the driver submits.
    forged = json.loads(json.dumps(view))
    forged["blocks"][1]["element"]["options"].append(option("Gossip", "gossip"))
    driver.submit(forged, {"topic": "gossip", "days": ["mon"], "mentor": "U2"}, user="U1")
    values = seen["submission"]["view"]["state"]["values"]
    assert values["topic"]["topic_select"]["selected_option"]["value"] == "gossip"


def test_close_sends_view_closed(driver: SlackDriver, standin: SlackStandIn, seen: dict) -> None:
    driver.command("", user="U1")
    view = standin.last("views.open").response["view"]
    assert driver.close(view, user="U1").status == 200
    assert seen["closed"]["type"] == "view_closed"
    assert seen["closed"]["view"]["id"] == view["id"]
    assert seen["closed"]["is_cleared"] is False
    quiet = {**view, "notify_on_close": False, "id": "VQUIET"}
    with pytest.raises(AssertionError, match="notify_on_close"):
        driver.close(quiet, user="U1")


def test_click_a_button_in_a_message(
    driver: SlackDriver, standin: SlackStandIn, seen: dict
) -> None:
    client = WebClient(token=TOKEN, base_url=standin.api_url)
    posted = client.chat_postMessage(channel="U1", text="Pick a mentor", blocks=PICK)
    [message] = standin.messages(posted["channel"])
    assert driver.click(message, "Accept", user="U1").status == 200
    body = seen["accept"]
    assert body["type"] == "block_actions"
    assert body["user"] == {"id": "U1", "username": "ann", "name": "ann", "team_id": TEAM}
    assert body["container"] == {
        "type": "message",
        "message_ts": posted["ts"],
        "channel_id": posted["channel"],
        "is_ephemeral": False,
    }
    assert body["channel"] == {"id": posted["channel"], "name": "directmessage"}
    assert body["message"]["ts"] == posted["ts"]
    assert body["message"]["blocks"] == message["blocks"]
    assert "channel" not in body["message"]
    [action] = body["actions"]
    assert action["action_id"] == "accept"
    assert action["block_id"] == "pick"
    assert action["value"] == "pair-1"
    assert action["type"] == "button"
    assert action["text"] == plain("Accept")
    assert action["style"] == "primary"
    assert body["trigger_id"]
    # respond(replace_original=True) went to the response URL and replaced the message.
    [post] = standin.responses()
    assert post.url == body["response_url"]
    assert post.body["replace_original"] is True
    [message] = standin.messages(posted["channel"])
    assert message["text"] == "Accepted, see you soon"
    assert "blocks" not in message


def test_click_reports_what_is_there(driver: SlackDriver, standin: SlackStandIn) -> None:
    client = WebClient(token=TOKEN, base_url=standin.api_url)
    client.chat_postMessage(channel="U1", text="Pick", blocks=PICK)
    [message] = standin.messages("U1")
    with pytest.raises(AssertionError, match=r"labels present: \['Accept', 'Decline', 'Career'"):
        driver.click(message, "Maybe", user="U1")


def test_overflow_and_select(driver: SlackDriver, standin: SlackStandIn, seen: dict) -> None:
    client = WebClient(token=TOKEN, base_url=standin.api_url)
    client.chat_postMessage(channel="U1", text="Pick", blocks=PICK)
    [message] = standin.messages("U1")
    driver.click(message, "Snooze", user="U1")
    [action] = seen["more"]["actions"]
    assert action["type"] == "overflow"
    assert action["selected_option"] == option("Snooze", "snooze")
    driver.select(message, "pick_topic", "career", user="U1")
    body = seen["topic"]
    assert body["actions"][0]["selected_option"] == option("Career", "career")
    assert body["actions"][0]["placeholder"] == plain("Topic")
    assert body["state"]["values"]["pick"]["pick_topic"]["selected_option"]["value"] == "career"
    with pytest.raises(AssertionError, match="no option with value 'art'"):
        driver.select(message, "pick_topic", "art", user="U1")


def test_click_in_a_modal_gives_a_trigger_for_views_push(
    driver: SlackDriver, standin: SlackStandIn, seen: dict
) -> None:
    driver.command("", user="U1")
    view = standin.last("views.open").response["view"]
    driver.click(view, "Add goal", user="U1")
    body = seen["add_goal"]
    assert body["container"] == {"type": "view", "view_id": view["id"]}
    assert body["view"]["id"] == view["id"]
    assert (
        body["view"]["state"]["values"]["topic"]["topic_select"]["selected_option"]["value"]
        == "craft"
    )
    assert "response_url" not in body
    pushed = standin.last("views.push").response["view"]
    assert pushed["previous_view_id"] == view["id"]
    assert pushed["root_view_id"] == view["id"]


def test_forged_click_action(driver: SlackDriver, seen: dict) -> None:
    response = driver.click_action("accept", value="someone-elses-pair", user="U2", block_id="x")
    assert response.status == 200
    [action] = seen["accept"]["actions"]
    assert (action["value"], action["block_id"]) == ("someone-elses-pair", "x")
    assert seen["accept"]["user"]["id"] == "U2"


def test_event_round_trip(driver: SlackDriver, standin: SlackStandIn, seen: dict) -> None:
    event = {"type": "app_home_opened", "user": "U1", "channel": "D0HOME", "tab": "home"}
    response = driver.event(event, event_id="Ev0001")
    assert response.status == 200
    assert seen["home"]["user"] == "U1"
    assert seen["home"]["event_ts"]
    assert seen["retry"] is None
    home = standin.home_view(TEAM, "U1")
    assert home is not None
    assert home["blocks"][0]["text"] == plain("Welcome")
    driver.event(event, event_id="Ev0001", retry_num=2)
    assert seen["retry"] == ["2"]


def test_url_verification(driver: SlackDriver) -> None:
    response = driver.url_verification("challenge-123")
    assert response.status == 200
    assert response.json() == {"challenge": "challenge-123"}


def test_listeners_running_after_ack_can_be_awaited(standin: SlackStandIn) -> None:
    app = App(signing_secret=SECRET, client=WebClient(token=TOKEN, base_url=standin.api_url))

    @app.command("/mentor")
    def on_command(ack: Any, body: dict, client: WebClient) -> None:
        ack("On it")
        client.chat_postMessage(channel=body["user_id"], text="Here is your plan")

    driver = SlackDriver(signing_secret=SECRET, transport=bolt_transport(app), standin=standin)
    response = driver.command("plan", user="U1")
    assert response.status == 200
    assert response.body == "On it"
    [call] = standin.wait_for("chat.postMessage", timeout=5)
    assert call.args["channel"] == "U1"


# -- over HTTP ---------------------------------------------------------------------------------
class _Echo(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        ok = SignatureVerifier(SECRET).is_valid(
            body, self.headers["X-Slack-Request-Timestamp"], self.headers["X-Slack-Signature"]
        )
        answer = json.dumps({"signed": ok, "type": self.headers["Content-Type"], "body": body})
        self.send_response(200 if ok else 401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer.encode())

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_http_transport(standin: SlackStandIn) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01})
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/slack/events"
        driver = SlackDriver(signing_secret=SECRET, transport=http_transport(url), standin=standin)
        response = driver.command("over the wire", user="U1")
        assert response.status == 200
        assert response.json()["signed"] is True
        assert "text=over+the+wire" in response.json()["body"]
        refused = driver.raw("x=1", {"X-Slack-Request-Timestamp": "1", "X-Slack-Signature": "v0=0"})
        assert refused.status == 401
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_interact_presses_a_button_or_chooses_by_block_and_action(
    driver: SlackDriver, standin: SlackStandIn, seen: dict
) -> None:
    message = {"type": "message", "ts": "1700000000.000100", "channel": "C1", "blocks": PICK}
    driver.interact(message, block_id="pick", action_id="pick_topic", value="career", user="U2")
    action = seen["topic"]["actions"][0]
    assert action["selected_option"]["value"] == "career"
    assert seen["topic"]["state"]["values"]["pick"]["pick_topic"]["selected_option"]["value"] == (
        "career"
    )
    with pytest.raises(AssertionError, match="no element 'nope' in block 'pick'"):
        driver.interact(message, block_id="pick", action_id="nope", user="U2")


def test_interact_sends_what_was_entered_elsewhere_in_the_modal(
    driver: SlackDriver, standin: SlackStandIn, seen: dict
) -> None:
    driver.command("sign me up", user="U1")
    view = standin.last("views.open").response["view"]
    driver.interact(
        view,
        block_id="more",
        action_id="add_goal",
        user="U1",
        entered={"goal": {"goal_input": "Speak up more"}, "days": {"days_boxes": ["tue"]}},
    )
    values = seen["add_goal"]["view"]["state"]["values"]
    assert values["goal"]["goal_input"]["value"] == "Speak up more"
    assert [o["value"] for o in values["days"]["days_boxes"]["selected_options"]] == ["tue"]
    assert values["topic"]["topic_select"]["selected_option"]["value"] == "craft"  # untouched
