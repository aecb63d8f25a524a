"""Tests for the Slack Web API stand-in, driven through slack_sdk's real WebClient."""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from standin.web_api import (
    NO_BLOCKS_TEXT,
    SLACK_CHANNEL_RATE_LIMITS,
    SLACK_RATE_LIMITS,
    RateLimit,
    SlackStandIn,
)

TEAM = "T0001"
TOKEN = "xoxb-test-token"

MODAL = {
    "type": "modal",
    "callback_id": "signup",
    "private_metadata": "program=7",
    "title": {"type": "plain_text", "text": "Sign up"},
    "submit": {"type": "plain_text", "text": "Save"},
    "blocks": [
        {
            "type": "input",
            "block_id": "goal",
            "label": {"type": "plain_text", "text": "Goal"},
            "element": {"type": "plain_text_input", "action_id": "goal_input"},
        }
    ],
}
HOME = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hi"}}]}
SECTION = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hello*"}}]


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn() as s:
        s.add_workspace(TEAM, bot_token=TOKEN, bot_user_id="UBOT", team_name="Acme")
        s.add_user(TEAM, "U1", name="ann", real_name="Ann Lee", email="ann@example.com")
        s.add_user(TEAM, "U2", name="bob", tz="America/New_York")
        s.add_user(TEAM, "U3", name="cara", tz="Asia/Kolkata")
        s.add_user(TEAM, "UGONE", name="gone", deleted=True)
        yield s


@pytest.fixture
def client(standin: SlackStandIn) -> WebClient:
    return WebClient(token=TOKEN, base_url=standin.api_url)


def form_post(standin: SlackStandIn, method: str, fields: dict, token: str | None = None) -> dict:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        standin.api_url + method,
        data=urllib.parse.urlencode(fields).encode(),
        headers=headers,
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def error_of(call: object) -> str:
    with pytest.raises(SlackApiError) as info:
        call()  # type: ignore[operator]
    return info.value.response["error"]


# -- server and auth ---------------------------------------------------------------------------
def test_binds_a_free_local_port(standin: SlackStandIn) -> None:
    assert standin.base_url.startswith("http://127.0.0.1:")
    assert not standin.base_url.endswith(":0")
    assert standin.api_url == standin.base_url + "/api/"
    with SlackStandIn() as other:
        assert other.base_url != standin.base_url


def test_auth_test(client: WebClient, standin: SlackStandIn) -> None:
    response = client.auth_test()
    assert response["user_id"] == "UBOT"
    assert response["team_id"] == TEAM
    assert response["bot_id"] == "B0BOT"
    assert response["team"] == "Acme"
    assert response["url"] == "https://acme.slack.com/"
    call = standin.last("auth.test")
    assert (call.token, call.team_id, call.status) == (TOKEN, TEAM, 200)


def test_auth_errors_and_unknown_method(standin: SlackStandIn) -> None:
    assert error_of(lambda: WebClient(base_url=standin.api_url).auth_test()) == "not_authed"
    bad = WebClient(token="xoxb-nope", base_url=standin.api_url)
    assert error_of(bad.auth_test) == "invalid_auth"
    good = WebClient(token=TOKEN, base_url=standin.api_url)
    assert error_of(lambda: good.api_call("pins.add")) == "unknown_method"
    assert [c.team_id for c in standin.calls()] == [None, None, TEAM]


def test_token_in_form_body_is_accepted(standin: SlackStandIn) -> None:
    answer = form_post(standin, "auth.test", {"token": TOKEN})
    assert answer["ok"] is True
    call = standin.last("auth.test")
    assert call.token == TOKEN
    assert "token" not in call.args


def test_form_and_json_bodies_are_recorded_parsed(standin: SlackStandIn, client: WebClient) -> None:
    channel = client.conversations_open(users="U1")["channel"]["id"]
    form_call = standin.last("conversations.open")
    assert form_call.content_type == "application/x-www-form-urlencoded"
    assert form_call.args == {"users": "U1"}

    client.chat_postMessage(channel=channel, text="hi", blocks=SECTION)
    json_call = standin.last("chat.postMessage")
    assert json_call.content_type.startswith("application/json")
    assert json_call.args["blocks"] == SECTION

    form_post(
        standin,
        "chat.postMessage",
        {"channel": channel, "text": "x", "blocks": json.dumps(SECTION), "metadata": "{}"},
        token=TOKEN,
    )
    assert standin.last("chat.postMessage").args["blocks"] == SECTION
    assert standin.last("chat.postMessage").args["metadata"] == {}


def test_calls_filters_and_last(standin: SlackStandIn, client: WebClient) -> None:
    client.auth_test()
    client.users_info(user="U1")
    assert [c.method for c in standin.calls()] == ["auth.test", "users.info"]
    assert standin.calls("users.info", team_id=TEAM)[0].args == {"user": "U1"}
    assert standin.calls(team_id="T9999") == []
    with pytest.raises(AssertionError, match=r"no views.open call recorded.*auth.test"):
        standin.last("views.open")


def test_clear_forgets_calls_but_keeps_state(standin: SlackStandIn, client: WebClient) -> None:
    posted = client.chat_postMessage(channel="U1", text="kept")
    WebhookClient(standin.new_response_url(channel="C1")).send(text="r")
    standin.clear()
    assert standin.calls() == []
    assert standin.responses() == []
    assert [m["text"] for m in standin.messages(posted["channel"])] == ["kept"]
    assert client.users_info(user="U1")["ok"]


# -- conversations.open ------------------------------------------------------------------------
def test_conversations_open_is_deterministic(standin: SlackStandIn, client: WebClient) -> None:
    first = client.conversations_open(users="U1")
    assert first["channel"]["id"].startswith("D")
    assert "already_open" not in first.data
    again = client.conversations_open(users=["U1"])
    assert again["channel"]["id"] == first["channel"]["id"]
    assert again["already_open"] is True
    assert again["no_op"] is True

    group = client.conversations_open(users="U1,U2,U3")["channel"]["id"]
    assert group.startswith("G")
    assert client.conversations_open(users="U3, U2,U1")["channel"]["id"] == group
    assert client.conversations_open(users="U1,U2")["channel"]["id"] not in (
        group,
        first["channel"]["id"],
    )

    with SlackStandIn() as other:
        other.add_workspace(TEAM, bot_token=TOKEN)
        other.add_user(TEAM, "U1", name="ann")
        elsewhere = WebClient(token=TOKEN, base_url=other.api_url)
        assert elsewhere.conversations_open(users="U1")["channel"]["id"] == first["channel"]["id"]


def test_conversations_open_reopen_by_channel(client: WebClient) -> None:
    channel = client.conversations_open(users="U1")["channel"]["id"]
    reopened = client.conversations_open(channel=channel, return_im=True)
    assert reopened["channel"]["id"] == channel
    assert reopened["channel"]["user"] == "U1"
    assert reopened["channel"]["is_im"] is True
    assert error_of(lambda: client.conversations_open(channel="DNOPE")) == "channel_not_found"


def test_conversations_open_errors(standin: SlackStandIn, client: WebClient) -> None:
    for i in range(9):
        standin.add_user(TEAM, f"UX{i}", name=f"x{i}")
    assert error_of(lambda: client.conversations_open(users="U1,UNKNOWN")) == "user_not_found"
    assert error_of(lambda: client.conversations_open(users="UGONE")) == "user_disabled"
    nine = ",".join(f"UX{i}" for i in range(9))
    assert error_of(lambda: client.conversations_open(users=nine)) == "too_many_users"
    assert error_of(lambda: client.api_call("conversations.open")) == "users_list_not_supplied"
    eight = ",".join(f"UX{i}" for i in range(8))
    assert client.conversations_open(users=eight)["ok"]


# -- chat.postMessage --------------------------------------------------------------------------
def test_post_message_to_a_user_goes_to_their_dm(standin: SlackStandIn, client: WebClient) -> None:
    dm = client.conversations_open(users="U1")["channel"]["id"]
    posted = client.chat_postMessage(
        channel="U1",
        text="Welcome",
        blocks=SECTION,
        metadata={"event_type": "pairing", "event_payload": {"pair_id": 42}},
    )
    assert posted["channel"] == dm
    assert posted["message"]["metadata"]["event_payload"] == {"pair_id": 42}
    [message] = standin.messages(dm)
    assert message["text"] == "Welcome"
    assert message["user"] == "UBOT"
    assert message["bot_id"] == "B0BOT"
    assert message["channel"] == dm
    assert message["ts"] == posted["ts"]
    assert message["blocks"][0]["text"] == SECTION[0]["text"]
    assert message["blocks"][0]["block_id"]  # Slack fills in missing block_ids
    assert standin.messages("U1") == [message]


def test_post_message_ts_are_unique_and_increasing(client: WebClient) -> None:
    stamps = [client.chat_postMessage(channel="U1", text=str(i))["ts"] for i in range(20)]
    assert len(set(stamps)) == 20
    assert stamps == sorted(stamps, key=float)
    for ts in stamps:
        seconds, micros = ts.split(".")
        assert len(seconds) == 10
        assert len(micros) == 6


def test_post_message_errors(standin: SlackStandIn, client: WebClient) -> None:
    assert (
        error_of(lambda: client.chat_postMessage(channel="C404", text="x")) == "channel_not_found"
    )
    assert error_of(lambda: client.api_call("chat.postMessage", json={"text": "x"})) == (
        "channel_not_found"
    )
    assert (
        error_of(lambda: client.api_call("chat.postMessage", json={"channel": "U1"})) == "no_text"
    )
    assert (
        error_of(lambda: client.chat_postMessage(channel="U1", text="x" * 40_001)) == "msg_too_long"
    )
    assert client.chat_postMessage(channel="U1", text="x" * 40_000)["ok"]
    assert standin.validation_errors == [
        "chat.postMessage: no text, blocks or attachments",
        "chat.postMessage: text: longer than 40000 characters",
    ]


def test_post_message_validates_blocks(standin: SlackStandIn, client: WebClient) -> None:
    bad = [{"type": "header", "text": {"type": "mrkdwn", "text": "Hi"}}]
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel="U1", text="x", blocks=bad)
    assert info.value.response["error"] == "invalid_blocks"
    assert info.value.response["errors"] == ["blocks[0].text: must be plain_text, got mrkdwn"]
    assert info.value.response["response_metadata"]["messages"][0].startswith("[ERROR] ")
    assert standin.validation_errors == [
        "chat.postMessage: blocks[0].text: must be plain_text, got mrkdwn"
    ]
    assert standin.messages("U1") == []
    assert standin.last("chat.postMessage").status == 200


def test_post_message_blocks_only_gets_slack_fallback_text(
    standin: SlackStandIn, client: WebClient
) -> None:
    posted = client.api_call("chat.postMessage", json={"channel": "U1", "blocks": SECTION})
    assert posted["message"]["text"] == NO_BLOCKS_TEXT


def test_registered_channels(standin: SlackStandIn, client: WebClient) -> None:
    standin.add_channel(TEAM, "C0GENERAL", name="general")
    standin.add_channel(TEAM, "C0SECRET", name="secret", bot_member=False)
    assert client.chat_postMessage(channel="C0GENERAL", text="a")["channel"] == "C0GENERAL"
    assert client.chat_postMessage(channel="#general", text="b")["channel"] == "C0GENERAL"
    assert (
        error_of(lambda: client.chat_postMessage(channel="C0SECRET", text="c")) == "not_in_channel"
    )
    assert [m["text"] for m in standin.messages("C0GENERAL")] == ["a", "b"]


def test_threads(standin: SlackStandIn, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="U1", text="parent")
    reply = client.chat_postMessage(channel="U1", text="reply", thread_ts=parent["ts"])
    channel = parent["channel"]
    history = client.conversations_history(channel=channel)["messages"]
    assert [m["text"] for m in history] == ["parent"]
    assert history[0]["reply_count"] == 1
    replies = client.conversations_replies(channel=channel, ts=parent["ts"])["messages"]
    assert [m["text"] for m in replies] == ["parent", "reply"]
    assert replies[1]["thread_ts"] == parent["ts"]
    assert standin.messages(channel)[1]["ts"] == reply["ts"]


# -- chat.update / delete / postEphemeral ------------------------------------------------------
def test_chat_update_replaces_state(standin: SlackStandIn, client: WebClient) -> None:
    posted = client.chat_postMessage(
        channel="U1",
        text="v1",
        blocks=SECTION,
        metadata={"event_type": "pairing", "event_payload": {"v": 1}},
    )
    channel, ts = posted["channel"], posted["ts"]
    new_blocks = [{"type": "section", "text": {"type": "plain_text", "text": "v2"}}]
    updated = client.chat_update(channel=channel, ts=ts, text="v2", blocks=new_blocks)
    assert (updated["channel"], updated["ts"], updated["text"]) == (channel, ts, "v2")
    [message] = standin.messages(channel)
    assert message["text"] == "v2"
    assert message["blocks"][0]["text"] == new_blocks[0]["text"]
    assert message["metadata"]["event_payload"] == {"v": 1}  # kept when not given

    client.chat_update(channel=channel, ts=ts, text="v3")
    [message] = standin.messages(channel)
    assert message["text"] == "v3"
    assert message["blocks"][0]["text"] == new_blocks[0]["text"]  # kept when not given

    client.chat_update(channel=channel, ts=ts, text="v4", blocks=[], metadata={})
    [message] = standin.messages(channel)
    assert "blocks" not in message
    assert "metadata" not in message


def test_chat_update_errors(standin: SlackStandIn, client: WebClient) -> None:
    posted = client.chat_postMessage(channel="U1", text="x")
    channel = posted["channel"]
    assert error_of(lambda: client.chat_update(channel=channel, ts="1.000001", text="y")) == (
        "message_not_found"
    )
    assert error_of(lambda: client.chat_update(channel="C404", ts=posted["ts"], text="y")) == (
        "channel_not_found"
    )
    # chat.update wants the DM's id, not the user's.
    assert error_of(lambda: client.chat_update(channel="U1", ts=posted["ts"], text="y")) == (
        "channel_not_found"
    )
    standin.add_channel(TEAM, "C0GENERAL")
    human = standin.add_message("C0GENERAL", user="U2", text="mine")
    assert error_of(lambda: client.chat_update(channel="C0GENERAL", ts=human["ts"], text="z")) == (
        "cant_update_message"
    )
    bad = [{"type": "nope"}]
    assert error_of(
        lambda: client.chat_update(channel=channel, ts=posted["ts"], text="z", blocks=bad)
    ) == ("invalid_blocks")


def test_chat_delete(standin: SlackStandIn, client: WebClient) -> None:
    first = client.chat_postMessage(channel="U1", text="one")
    client.chat_postMessage(channel="U1", text="two")
    deleted = client.chat_delete(channel=first["channel"], ts=first["ts"])
    assert deleted["ts"] == first["ts"]
    assert [m["text"] for m in standin.messages(first["channel"])] == ["two"]
    assert error_of(lambda: client.chat_delete(channel=first["channel"], ts=first["ts"])) == (
        "message_not_found"
    )


def test_chat_post_ephemeral(standin: SlackStandIn, client: WebClient) -> None:
    standin.add_channel(TEAM, "C0TEAM", members=["U1", "U2"])
    answer = client.chat_postEphemeral(channel="C0TEAM", user="U1", text="psst", blocks=SECTION)
    assert answer["message_ts"]
    [shown] = standin.ephemerals("C0TEAM")
    assert (shown["recipient"], shown["text"], shown["ts"]) == ("U1", "psst", answer["message_ts"])
    assert shown["is_ephemeral"] is True
    assert standin.messages("C0TEAM") == []
    assert error_of(lambda: client.chat_postEphemeral(channel="C0TEAM", user="U3", text="x")) == (
        "user_not_in_channel"
    )
    assert error_of(lambda: client.chat_postEphemeral(channel="C0TEAM", user="UZ", text="x")) == (
        "user_not_found"
    )


# -- conversations.history ---------------------------------------------------------------------
def test_history_newest_first_with_pagination(client: WebClient) -> None:
    channel = client.conversations_open(users="U1")["channel"]["id"]
    stamps = [client.chat_postMessage(channel=channel, text=f"m{i}")["ts"] for i in range(5)]
    page1 = client.conversations_history(channel=channel, limit=2)
    assert [m["text"] for m in page1["messages"]] == ["m4", "m3"]
    assert page1["has_more"] is True
    cursor = page1["response_metadata"]["next_cursor"]
    page2 = client.conversations_history(channel=channel, limit=2, cursor=cursor)
    assert [m["text"] for m in page2["messages"]] == ["m2", "m1"]
    last = client.conversations_history(
        channel=channel, limit=2, cursor=page2["response_metadata"]["next_cursor"]
    )
    assert [m["text"] for m in last["messages"]] == ["m0"]
    assert last["has_more"] is False
    assert last["response_metadata"]["next_cursor"] == ""

    window = client.conversations_history(channel=channel, oldest=stamps[1], latest=stamps[3])
    assert [m["text"] for m in window["messages"]] == ["m2"]
    inclusive = client.conversations_history(
        channel=channel, oldest=stamps[1], latest=stamps[3], inclusive=True
    )
    assert [m["text"] for m in inclusive["messages"]] == ["m3", "m2", "m1"]
    assert error_of(lambda: client.conversations_history(channel=channel, cursor="garbage")) == (
        "invalid_cursor"
    )
    assert error_of(lambda: client.conversations_history(channel="C404")) == "channel_not_found"


def test_metadata_round_trip_through_history(client: WebClient) -> None:
    metadata = {"event_type": "mentor_pairing", "event_payload": {"mentor": "U1", "mentee": "U2"}}
    posted = client.chat_postMessage(channel="U1", text="paired", metadata=metadata)
    plain = client.conversations_history(channel=posted["channel"])["messages"][0]
    assert "metadata" not in plain
    full = client.conversations_history(channel=posted["channel"], include_all_metadata=True)
    assert full["messages"][0]["metadata"] == metadata
    assert full["messages"][0]["ts"] == posted["ts"]


def test_bad_metadata_is_rejected(standin: SlackStandIn, client: WebClient) -> None:
    assert (
        error_of(
            lambda: client.chat_postMessage(channel="U1", text="x", metadata={"event_payload": {}})
        )
        == "invalid_metadata_format"
    )
    assert standin.validation_errors


# -- users -------------------------------------------------------------------------------------
def test_users_info(client: WebClient) -> None:
    user = client.users_info(user="U2")["user"]
    expected_offset = datetime.now(ZoneInfo("America/New_York")).utcoffset()
    assert expected_offset is not None
    assert user["tz"] == "America/New_York"
    assert user["tz_offset"] == int(expected_offset.total_seconds())
    assert user["tz_label"] in ("Eastern Standard Time", "Eastern Daylight Time")
    assert user["is_bot"] is False
    assert user["is_app_user"] is False
    assert user["deleted"] is False
    assert user["team_id"] == TEAM
    assert client.users_info(user="U3")["user"]["tz_offset"] == 19_800
    ann = client.users_info(user="U1")["user"]
    assert ann["real_name"] == "Ann Lee"
    assert ann["profile"]["email"] == "ann@example.com"
    assert ann["profile"]["display_name"] == "ann"
    assert client.users_info(user="UGONE")["user"]["deleted"] is True
    assert client.users_info(user="UBOT")["user"]["is_bot"] is True
    assert error_of(lambda: client.users_info(user="UNOPE")) == "user_not_found"


def test_users_lookup_by_email(client: WebClient) -> None:
    assert client.users_lookupByEmail(email="ANN@example.com")["user"]["id"] == "U1"
    assert error_of(lambda: client.users_lookupByEmail(email="x@example.com")) == "users_not_found"


def test_workspaces_are_separate(standin: SlackStandIn, client: WebClient) -> None:
    standin.add_workspace("T0002", bot_token="xoxb-other", bot_user_id="UBOT2")
    standin.add_user("T0002", "U9", name="zed")
    other = WebClient(token="xoxb-other", base_url=standin.api_url)
    assert error_of(lambda: other.users_info(user="U1")) == "user_not_found"
    assert other.users_info(user="U9")["user"]["team_id"] == "T0002"
    assert other.auth_test()["user_id"] == "UBOT2"
    assert [c.method for c in standin.calls(team_id="T0002")] == [
        "users.info",
        "users.info",
        "auth.test",
    ]


# -- views -------------------------------------------------------------------------------------
def test_views_open_accepts_each_trigger_once(standin: SlackStandIn, client: WebClient) -> None:
    trigger = standin.new_trigger_id(team_id=TEAM, user_id="U1")
    view = client.views_open(trigger_id=trigger, view=MODAL)["view"]
    assert view["id"].startswith("V")
    assert view["team_id"] == TEAM
    assert view["callback_id"] == "signup"
    assert view["private_metadata"] == "program=7"
    assert view["state"] == {"values": {}}
    assert view["hash"]
    assert view["root_view_id"] == view["id"]
    assert view["previous_view_id"] is None
    assert view["title"] == MODAL["title"]
    assert view["blocks"][0]["element"]["action_id"] == "goal_input"
    assert standin.views() == {view["id"]: view}
    assert standin.view_user(view["id"]) == "U1"
    assert error_of(lambda: client.views_open(trigger_id=trigger, view=MODAL)) == (
        "exchanged_trigger_id"
    )
    assert error_of(lambda: client.views_open(trigger_id="123.456.abc", view=MODAL)) == (
        "invalid_trigger_id"
    )


def test_views_open_expired_trigger(standin: SlackStandIn, client: WebClient) -> None:
    standin.trigger_ttl = 0.0
    trigger = standin.new_trigger_id()
    assert error_of(lambda: client.views_open(trigger_id=trigger, view=MODAL)) == (
        "expired_trigger_id"
    )


def test_views_open_validates_the_view(standin: SlackStandIn, client: WebClient) -> None:
    trigger = standin.new_trigger_id()
    bad = {**MODAL, "title": {"type": "plain_text", "text": "A title that is far too long"}}
    with pytest.raises(SlackApiError) as info:
        client.views_open(trigger_id=trigger, view=bad)
    assert info.value.response["error"] == "invalid_arguments"
    assert info.value.response["response_metadata"]["messages"] == [
        "[ERROR] title: longer than 24 characters"
    ]
    assert standin.validation_errors == ["views.open: title: longer than 24 characters"]
    # A rejected view does not use up the trigger.
    assert client.views_open(trigger_id=trigger, view=MODAL)["ok"]
    assert error_of(lambda: client.views_open(trigger_id=standin.new_trigger_id(), view=HOME)) == (
        "invalid_arguments"
    )


def test_views_update(standin: SlackStandIn, client: WebClient) -> None:
    opened = client.views_open(
        trigger_id=standin.new_trigger_id(), view={**MODAL, "external_id": "signup-U1"}
    )["view"]
    changed = {**MODAL, "title": {"type": "plain_text", "text": "Step 2"}}
    updated = client.views_update(view_id=opened["id"], hash=opened["hash"], view=changed)["view"]
    assert updated["id"] == opened["id"]
    assert updated["hash"] != opened["hash"]
    assert standin.views()[opened["id"]]["title"]["text"] == "Step 2"
    assert (
        error_of(lambda: client.views_update(view_id=opened["id"], hash=opened["hash"], view=MODAL))
        == "hash_conflict"
    )
    by_external = client.views_update(external_id="signup-U1", view=MODAL)["view"]
    assert by_external["id"] == opened["id"]
    assert error_of(lambda: client.views_update(view_id="VNOPE", view=MODAL)) == "not_found"
    assert error_of(lambda: client.api_call("views.update", json={"view": MODAL})) == (
        "invalid_arguments"
    )


def test_views_push_and_limit(standin: SlackStandIn, client: WebClient) -> None:
    root = client.views_open(trigger_id=standin.new_trigger_id(), view=MODAL)["view"]
    parent = root
    for _ in range(2):
        trigger = standin.new_trigger_id(view_id=parent["id"])
        pushed = client.views_push(trigger_id=trigger, view=MODAL)["view"]
        assert pushed["previous_view_id"] == parent["id"]
        assert pushed["root_view_id"] == root["id"]
        parent = pushed
    trigger = standin.new_trigger_id(view_id=parent["id"])
    assert error_of(lambda: client.views_push(trigger_id=trigger, view=MODAL)) == (
        "push_limit_reached"
    )


def test_views_publish_home(standin: SlackStandIn, client: WebClient) -> None:
    first = client.views_publish(user_id="U1", view=HOME)["view"]
    assert first["type"] == "home"
    assert "title" not in first
    assert standin.home_view(TEAM, "U1") == first
    assert standin.home_view(TEAM, "U2") is None
    second = client.views_publish(user_id="U1", view=HOME, hash=first["hash"])["view"]
    assert second["id"] == first["id"]
    assert error_of(lambda: client.views_publish(user_id="U1", view=HOME, hash=first["hash"])) == (
        "hash_conflict"
    )
    assert error_of(lambda: client.views_publish(user_id="UNOPE", view=HOME)) == "user_not_found"
    assert error_of(lambda: client.views_publish(user_id="U1", view=MODAL)) == "invalid_arguments"


def test_duplicate_external_id(standin: SlackStandIn, client: WebClient) -> None:
    view = {**MODAL, "external_id": "only-one"}
    client.views_open(trigger_id=standin.new_trigger_id(), view=view)
    assert error_of(lambda: client.views_open(trigger_id=standin.new_trigger_id(), view=view)) == (
        "duplicate_external_id"
    )


# -- failures and latency ----------------------------------------------------------------------
def test_rate_limit_is_retried_by_slack_sdk(standin: SlackStandIn) -> None:
    standin.fail_next("chat.postMessage", status=429, retry_after=0)
    client = WebClient(
        token=TOKEN,
        base_url=standin.api_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    assert client.chat_postMessage(channel="U1", text="eventually")["ok"]
    calls = standin.calls("chat.postMessage")
    assert [c.status for c in calls] == [429, 200]
    assert calls[0].response == {"ok": False, "error": "ratelimited"}
    assert [m["text"] for m in standin.messages("U1")] == ["eventually"]


def test_rate_limit_without_retries(standin: SlackStandIn, client: WebClient) -> None:
    standin.fail_next("users.info", status=429, retry_after=30)
    with pytest.raises(SlackApiError) as info:
        client.users_info(user="U1")
    assert info.value.response.status_code == 429
    assert info.value.response.headers["Retry-After"] == "30"
    assert info.value.response["error"] == "ratelimited"
    assert client.users_info(user="U1")["ok"]


def test_server_errors_and_error_codes(standin: SlackStandIn, client: WebClient) -> None:
    standin.fail_next("chat.postMessage", status=503, times=2)
    standin.fail_next("chat.postMessage", error="channel_not_found")
    for _ in range(2):
        with pytest.raises(SlackApiError) as info:
            client.chat_postMessage(channel="U1", text="x")
        assert info.value.response.status_code == 503
    assert error_of(lambda: client.chat_postMessage(channel="U1", text="x")) == "channel_not_found"
    assert client.chat_postMessage(channel="U1", text="x")["ok"]
    assert [c.status for c in standin.calls("chat.postMessage")] == [503, 503, 200, 200]
    with pytest.raises(ValueError):
        standin.fail_next("chat.postMessage")


def test_failures_apply_only_to_their_method(standin: SlackStandIn, client: WebClient) -> None:
    standin.fail_next("views.open", error="expired_trigger_id")
    assert client.auth_test()["ok"]
    trigger = standin.new_trigger_id()
    assert error_of(lambda: client.views_open(trigger_id=trigger, view=MODAL)) == (
        "expired_trigger_id"
    )
    assert client.views_open(trigger_id=trigger, view=MODAL)["ok"]  # the failure used nothing


def test_latency_delays_answers(standin: SlackStandIn, client: WebClient) -> None:
    standin.set_latency(0.2)
    started = time.monotonic()
    client.auth_test()
    assert time.monotonic() - started >= 0.2
    standin.set_latency(0)


def test_wait_for_another_thread(standin: SlackStandIn, client: WebClient) -> None:
    worker = threading.Thread(
        target=lambda: [client.chat_postMessage(channel="U1", text=str(i)) for i in range(3)]
    )
    worker.start()
    calls = standin.wait_for("chat.postMessage", 3, timeout=5)
    worker.join()
    assert len(calls) == 3
    with pytest.raises(AssertionError, match=r"waited 0\.05s for 1 views\.open"):
        standin.wait_for("views.open", timeout=0.05)


def test_concurrent_posts_are_all_recorded(standin: SlackStandIn) -> None:
    def post(n: int) -> None:
        client = WebClient(token=TOKEN, base_url=standin.api_url)
        for i in range(5):
            client.chat_postMessage(channel="U1", text=f"{n}-{i}")

    workers = [threading.Thread(target=post, args=(n,)) for n in range(6)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    messages = standin.messages("U1")
    assert len(messages) == 30
    assert len({m["ts"] for m in messages}) == 30


# -- response URLs -----------------------------------------------------------------------------
def test_response_url_posts_are_recorded(standin: SlackStandIn) -> None:
    standin.add_channel(TEAM, "C0GENERAL")
    url = standin.new_response_url(channel="C0GENERAL", user="U1")
    assert url.startswith(standin.base_url + "/commands/" + TEAM + "/")
    webhook = WebhookClient(url)
    answer = webhook.send(text="only you", blocks=SECTION)
    assert (answer.status_code, answer.body) == (200, "ok")
    answer = webhook.send(text="everyone", response_type="in_channel")
    assert answer.status_code == 200
    posts = standin.responses()
    assert [p.url for p in posts] == [url, url]
    assert posts[0].body == {"text": "only you", "blocks": SECTION}
    assert posts[1].body["response_type"] == "in_channel"
    assert [m["text"] for m in standin.messages("C0GENERAL")] == ["everyone"]
    assert [e["text"] for e in standin.ephemerals("C0GENERAL", user="U1")] == ["only you"]


def test_response_url_rejections(standin: SlackStandIn) -> None:
    url = standin.new_response_url(channel="C0GENERAL", user="U1")
    webhook = WebhookClient(url)
    bad = webhook.send(blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}])
    assert (bad.status_code, bad.body) == (400, "invalid_blocks")
    assert standin.validation_errors == [
        "response_url: blocks[0].text: longer than 3000 characters"
    ]
    assert webhook.send_dict({"response_type": "ephemeral"}).body == "no_text"
    for i in range(5):
        assert webhook.send(text=str(i)).status_code == 200
    used = webhook.send(text="sixth")
    assert (used.status_code, used.body) == (404, "used_url")
    unknown = WebhookClient(standin.base_url + "/commands/T0001/1/nope").send(text="x")
    assert unknown.status_code == 404
    standin.fail_next("response_url", status=500, error="internal_error")
    fresh = WebhookClient(standin.new_response_url()).send(text="x")
    assert (fresh.status_code, fresh.body) == (500, "internal_error")
    assert len(standin.responses()) == 10


def test_response_url_replace_and_delete_original(standin: SlackStandIn, client: WebClient) -> None:
    posted = client.chat_postMessage(channel="U1", text="Pick a mentor", blocks=SECTION)
    url = standin.new_response_url(
        channel=posted["channel"], user="U1", message_ts=posted["ts"], kind="actions"
    )
    WebhookClient(url).send(text="Picked Ann", replace_original=True)
    [message] = standin.messages(posted["channel"])
    assert message["text"] == "Picked Ann"
    assert "blocks" not in message
    WebhookClient(url).send(delete_original=True)
    assert standin.messages(posted["channel"]) == []


# -- files and OAuth ---------------------------------------------------------------------------
def test_file_upload_v2(standin: SlackStandIn, client: WebClient) -> None:
    dm = client.conversations_open(users="U1")["channel"]["id"]
    uploaded = client.files_upload_v2(
        channel=dm,
        content=b"name,mentor\nann,bob\n",
        filename="pairs.csv",
        title="Pairs",
        initial_comment="This week's pairs",
    )
    assert uploaded["file"]["title"] == "Pairs"
    [record] = standin.uploaded_files()
    assert record["content"] == b"name,mentor\nann,bob\n"
    assert record["filename"] == "pairs.csv"
    assert record["channel_id"] == dm
    assert record["initial_comment"] == "This week's pairs"
    assert [m["text"] for m in standin.messages(dm)] == ["This week's pairs"]
    url = standin.last("files.getUploadURLExternal").response["upload_url"]
    assert url.startswith(standin.base_url + "/upload/v1/")
    assert error_of(lambda: client.files_completeUploadExternal(files=[{"id": "FNOPE"}])) == (
        "file_not_found"
    )


def test_oauth_v2_access_installs_a_workspace(standin: SlackStandIn) -> None:
    standin.set_oauth_client("123.456", "s3cret")
    standin.add_oauth_code("code-1", "T0NEW", "xoxb-new", "UNEWBOT", team_name="Newco")
    anonymous = WebClient(base_url=standin.api_url)
    assert (
        error_of(
            lambda: anonymous.oauth_v2_access(
                client_id="123.456", client_secret="nope", code="code-1"
            )
        )
        == "bad_client_secret"
    )
    answer = anonymous.oauth_v2_access(client_id="123.456", client_secret="s3cret", code="code-1")
    assert answer["access_token"] == "xoxb-new"
    assert answer["token_type"] == "bot"
    assert answer["bot_user_id"] == "UNEWBOT"
    assert answer["team"] == {"name": "Newco", "id": "T0NEW"}
    assert answer["app_id"] == "A0MENTOR"
    assert answer["authed_user"]["id"]
    installed = WebClient(token="xoxb-new", base_url=standin.api_url)
    assert installed.auth_test()["team_id"] == "T0NEW"
    assert (
        error_of(
            lambda: anonymous.oauth_v2_access(
                client_id="123.456", client_secret="s3cret", code="code-1"
            )
        )
        == "invalid_code"
    )


def test_response_url_text_too_long(standin: SlackStandIn) -> None:
    answer = WebhookClient(standin.new_response_url()).send(text="x" * 40_001)
    assert (answer.status_code, answer.body) == (400, "msg_too_long")
    assert standin.validation_errors == ["response_url: text: longer than 40000 characters"]
    standin.validation_errors.clear()


# -- Socket Mode -------------------------------------------------------------------------------
def test_apps_connections_open_takes_only_a_registered_app_token(standin: SlackStandIn) -> None:
    standin.add_app_token("xapp-1-good", TEAM)
    opened = WebClient(base_url=standin.api_url).apps_connections_open(app_token="xapp-1-good")
    assert opened["url"].startswith("ws://127.0.0.1:") and "ticket=" in opened["url"]
    assert standin.last("apps.connections.open").team_id == TEAM
    for token, error in (("xapp-1-unknown", "invalid_auth"), (TOKEN, "not_allowed_token_type")):
        with pytest.raises(SlackApiError) as refused:
            WebClient(base_url=standin.api_url).apps_connections_open(app_token=token)
        assert refused.value.response["error"] == error
    with pytest.raises(SlackApiError) as refused:
        WebClient(token="xapp-1-good", base_url=standin.api_url).chat_postMessage(
            channel="U1", text="an app token can't post"
        )
    assert refused.value.response["error"] == "not_allowed_token_type"


# -- rate limits -------------------------------------------------------------------------------
def status_of(call: object) -> tuple[int, str | None]:
    """(HTTP status, Retry-After) of a call that may be refused."""
    try:
        call()  # type: ignore[operator]
    except SlackApiError as error:
        return error.response.status_code, error.response.headers.get("Retry-After")
    return 200, None


def test_rate_limits_are_off_until_a_test_turns_them_on(
    standin: SlackStandIn, client: WebClient
) -> None:
    for _ in range(10):
        assert client.chat_postMessage(channel="U1", text="fast")["ok"]
    assert standin.rate_limit_hits() == []


def test_published_numbers_and_sources_are_in_the_table() -> None:
    assert SLACK_CHANNEL_RATE_LIMITS["chat.postMessage"] == RateLimit(per_minute=60, burst=3)
    assert SLACK_RATE_LIMITS["chat.postMessage"].per_minute == 300
    assert SLACK_RATE_LIMITS["conversations.open"] == RateLimit(per_minute=50, burst=50)
    assert SLACK_RATE_LIMITS["users.info"].per_minute == 100
    assert RateLimit(60, 3).faster(20) == RateLimit(1200, 3)


def test_a_channel_gets_a_short_burst_then_429_with_retry_after(
    standin: SlackStandIn, client: WebClient
) -> None:
    standin.add_channel(TEAM, "C1", name="one")
    standin.add_channel(TEAM, "C2", name="two")
    standin.enable_rate_limits()
    for _ in range(3):
        assert client.chat_postMessage(channel="C1", text="burst")["ok"]
    assert status_of(lambda: client.chat_postMessage(channel="C1", text="one too many")) == (
        429,
        "1",
    )
    refused = standin.last("chat.postMessage")
    assert (refused.status, refused.response) == (429, {"ok": False, "error": "ratelimited"})
    assert [m["text"] for m in standin.messages("C1")] == ["burst"] * 3
    # Only that channel is closed: another one, and a DM (by user id), still take posts.
    assert client.chat_postMessage(channel="C2", text="elsewhere")["ok"]
    assert client.chat_postMessage(channel="U1", text="a DM")["ok"]
    [hit] = standin.rate_limit_hits()
    assert (hit.method, hit.team_id, hit.channel, hit.retry_after) == (
        "chat.postMessage",
        TEAM,
        "C1",
        1,
    )
    assert 0 < hit.wait <= 1
    assert standin.unhonoured_rate_limits() == []

    assert status_of(lambda: client.chat_postMessage(channel="C1", text="again"))[0] == 429
    [(first, came_at), *_] = standin.unhonoured_rate_limits()
    assert first == hit and hit.arrived < came_at < hit.until


def test_the_workspace_ceiling_closes_the_method_in_every_channel(
    standin: SlackStandIn, client: WebClient
) -> None:
    standin.enable_rate_limits(limits={"chat.postMessage": RateLimit(per_minute=6, burst=2)})
    assert client.chat_postMessage(channel="U1", text="1")["ok"]
    assert client.chat_postMessage(channel="U2", text="2")["ok"]
    assert status_of(lambda: client.chat_postMessage(channel="U3", text="3")) == (429, "10")
    [hit] = standin.rate_limit_hits()
    assert (hit.channel, hit.retry_after) == (None, 10)
    assert client.users_info(user="U1")["ok"], "other methods have buckets of their own"
    assert status_of(lambda: client.chat_postMessage(channel="U1", text="4"))[0] == 429
    assert len(standin.unhonoured_rate_limits()) == 1
    standin.disable_rate_limits()
    assert client.chat_postMessage(channel="U3", text="limits off")["ok"]


def test_speedup_refills_faster_and_keeps_retry_after_in_whole_seconds(
    standin: SlackStandIn, client: WebClient
) -> None:
    # One post a second per channel, sped up 100 times: a token every 10 ms.
    standin.enable_rate_limits(speedup=100)
    seen: list[tuple[int, str | None]] = []
    while (429, "1") not in seen or seen[-1] != (200, None):
        seen.append(status_of(lambda: client.chat_postMessage(channel="U1", text="x")))
        assert len(seen) < 500, "refused for good, or never refused"
    assert seen[:3] == [(200, None)] * 3, "the burst"
    assert set(seen) == {(200, None), (429, "1")}
    hits = standin.rate_limit_hits()
    assert hits and all(hit.retry_after == 1 and hit.wait <= 0.01 for hit in hits)


def test_a_held_answer_comes_after_the_message_is_stored(
    standin: SlackStandIn, client: WebClient
) -> None:
    hold = standin.hold_after_record("chat.postMessage")
    answers: list[str] = []
    poster = threading.Thread(
        target=lambda: answers.append(client.chat_postMessage(channel="U1", text="held")["ts"])
    )
    poster.start()
    hold.wait_recorded()
    assert [m["text"] for m in standin.messages("U1")] == ["held"]
    assert standin.last("chat.postMessage").status == 200
    poster.join(timeout=0.2)
    assert poster.is_alive() and answers == [], "the caller hasn't heard back"
    hold.release()
    poster.join(timeout=5)
    assert answers == [standin.messages("U1")[0]["ts"]]
    assert hold.count == 1


def test_open_dm_is_the_dm_conversations_open_gives(
    standin: SlackStandIn, client: WebClient
) -> None:
    channel = standin.open_dm(TEAM, "U2")
    assert standin.calls() == []
    assert client.conversations_open(users="U2")["channel"]["id"] == channel
    with pytest.raises(KeyError):
        standin.open_dm(TEAM, "UNOBODY")


def test_what_changed_can_be_waited_for(standin: SlackStandIn, client: WebClient) -> None:
    seen = standin.version
    assert standin.wait_for_change(seen, timeout=0.05) == seen, "nothing changed yet"
    client.chat_postMessage(channel="U1", text="hello")
    assert standin.wait_for_change(seen, timeout=5) > seen
    later = standin.version
    channel = standin.open_dm(TEAM, "U2")
    standin.add_message(channel, user="U2", text="hi")
    assert standin.version > later, "a person's message is a change too"


def test_conversations_and_users_of_a_workspace(standin: SlackStandIn, client: WebClient) -> None:
    standin.add_channel(TEAM, "C0GENERAL", name="general")
    group = client.conversations_open(users="U1,U2")["channel"]["id"]
    found = {c["id"]: c for c in standin.conversations(TEAM)}
    assert found["C0GENERAL"]["kind"] == "channel" and found["C0GENERAL"]["members"] is None
    assert found[group]["kind"] == "mpim" and found[group]["members"] == ["U1", "U2", "UBOT"]
    users = {u["id"]: u for u in standin.users(TEAM)}
    assert users["U2"]["tz"] == "America/New_York" and users["UBOT"]["is_bot"]


def test_message_timestamps_follow_the_clock_it_is_given() -> None:
    moved = 1_900_000_000.25
    with SlackStandIn(clock=lambda: moved) as s:
        s.add_workspace(TEAM, bot_token=TOKEN)
        s.add_user(TEAM, "U1", name="ann")
        ts = WebClient(token=TOKEN, base_url=s.api_url).chat_postMessage(channel="U1", text="x")
        assert ts["ts"] == "1900000000.250000"
        second = s.add_message(ts["channel"], user="U1", text="y")
        assert second["ts"] == "1900000000.250001", "never two messages with one ts"
