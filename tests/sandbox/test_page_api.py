"""The sandbox's page API, over HTTP: what each person sees, and what doing things sends the bot.

Every action goes through the real request path (signed HTTP to /slack/events), so these are
journeys through the bot as much as tests of the sandbox.
"""

from __future__ import annotations

import http.client
import json
import urllib.parse
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot import messages
from bot.ids import INPUT_ACTION
from bot.sessions import RECURRENCE, WHEN
from sandbox.client import REQUIRED
from sandbox.people import ADMIN, GENERAL
from tests.sandbox.conftest import MARIA, TOMAS, Page


def test_the_page_and_its_assets_are_served(page: Page) -> None:
    status, headers, body = page.get("/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert b"/sandbox/static/sandbox.js" in body and b"/sandbox/static/sandbox.css" in body
    for asset, kind in (("sandbox.js", "text/javascript"), ("sandbox.css", "text/css")):
        status, headers, _ = page.get(f"/sandbox/static/{asset}")
        assert (status, headers["Content-Type"]) == (200, kind)
    assert page.get("/sandbox/static/../runner.py")[0] == 404


def test_only_requests_addressed_to_this_machine_are_answered(page: Page) -> None:
    status, _, body = page.get("/", headers={"Host": "sandbox.attacker.example"})
    assert status == 403 and b"127.0.0.1" in body
    assert page.get("/", headers={"Host": f"localhost:{page.sandbox.settings.port}"})[0] == 200


def test_the_api_takes_only_json(page: Page) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", page.sandbox.settings.port, timeout=10)
    body = urllib.parse.urlencode({"user": ADMIN.user_id, "channel": GENERAL, "text": "hi"})
    connection.request(
        "POST",
        "/sandbox/api/send",
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    response = connection.getresponse()
    assert response.status == 400
    assert json.loads(response.read())["problem"] == "The sandbox's API takes JSON."
    assert page.sandbox.standin.messages(GENERAL) == []


def test_a_first_visit_starts_as_the_admin_in_general(page: Page) -> None:
    state = page.state("")
    assert state["me"]["id"] == ADMIN.user_id and state["me"]["admin"]
    assert state["pane"]["title"] == "#general"
    assert [c["title"] for c in state["sidebar"]] == ["Mentorbot", "#general"]
    assert len({p["tz"] for p in state["people"]}) == len(state["people"]) >= 5


def test_pairing_from_general_answers_the_admin_and_opens_the_pair_conversation(
    page: Page,
) -> None:
    page.send(ADMIN.user_id, GENERAL, "/mentor pair @maria @Tomás")
    admin = page.until(ADMIN.user_id, GENERAL, lambda s: "Paired" in s["pane"]["html"])
    assert "Only visible to you" in admin["pane"]["html"]
    assert "@Maria Santos" in admin["pane"]["html"] and "@Tomás Ruiz" in admin["pane"]["html"]
    # Nobody else sees the admin's ephemeral answer.
    assert "Paired" not in page.state(MARIA.user_id, GENERAL)["pane"]["html"]
    channel = page.pair_conversation(MARIA.user_id)
    maria = page.until(MARIA.user_id, channel, lambda s: "Sign agreement" in s["pane"]["html"])
    assert maria["pane"]["title"] == "Tomás, Mentorbot"
    # Maria is the viewer: her own mention is marked as hers.
    assert 'class="mention mention-me" data-user="U0MARIA001"' in maria["pane"]["html"]


def test_an_unknown_command_is_answered_the_way_slack_does(page: Page) -> None:
    answer = page.send(ADMIN.user_id, GENERAL, "/pair @maria", expect=400)
    assert answer["problem"].startswith("/pair is not a valid command.")
    assert page.sandbox.standin.calls() == [] or all(
        c.method != "chat.postEphemeral" for c in page.sandbox.standin.calls()
    )


def test_a_typed_message_is_shown_escaped_with_mentions_as_names(page: Page) -> None:
    page.send(MARIA.user_id, GENERAL, "Hello @tomas <b>&</b>")
    html = page.state(TOMAS.user_id, GENERAL)["pane"]["html"]
    assert 'Hello <span class="mention mention-me"' in html
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in html


def _message(page: Page, channel: str, label: str) -> dict:
    for message in page.sandbox.standin.messages(channel):
        if label in json.dumps(message.get("blocks") or []):
            return message
    raise AssertionError(f"no message with {label!r} in {channel}")


def _button(message_or_view: dict, label: str) -> tuple[str, str]:
    for block in message_or_view.get("blocks") or []:
        elements = block.get("elements") if block.get("type") == "actions" else []
        for element in [*(elements or []), block.get("accessory") or {}]:
            if element.get("type") == "button" and element["text"]["text"] == label:
                return block["block_id"], element["action_id"]
    raise AssertionError(f"no button {label!r}")


def _click(page: Page, user: str, channel: str, label: str) -> None:
    message = _message(page, channel, label)
    block_id, action_id = _button(message, label)
    page.post(
        "/sandbox/api/act",
        {
            "user": user,
            "surface": {"type": "message", "channel": channel, "ts": message["ts"]},
            "block_id": block_id,
            "action_id": action_id,
        },
    )


def test_signing_the_agreement_updates_the_message_everyone_sees(paired: tuple[Page, str]) -> None:
    page, channel = paired
    page.until(MARIA.user_id, channel, lambda s: "Sign agreement" in s["pane"]["html"])
    _click(page, MARIA.user_id, channel, "Sign agreement")
    _click(page, TOMAS.user_id, channel, "Sign agreement")
    tomas = page.until(TOMAS.user_id, channel, lambda s: "Signed by both" in s["pane"]["html"])
    assert "Sign agreement" not in tomas["pane"]["html"]


def _open_schedule(page: Page, user: str, channel: str) -> dict:
    page.send(user, channel, "/mentor schedule")
    state = page.until(user, channel, lambda s: s["modal"] is not None)
    assert state["modal"]["title"] == "Schedule a session"
    assert state["modal"]["submit"] == "Schedule"
    return state["modal"]


def _local(page: Page, user_tz: str, *, hours: float) -> str:
    moment = (page.sandbox.client.clock() + timedelta(hours=hours)).astimezone(ZoneInfo(user_tz))
    return moment.strftime("%Y-%m-%dT%H:%M")


def test_a_required_field_left_empty_is_said_under_it_and_never_sent(
    paired: tuple[Page, str],
) -> None:
    page, channel = paired
    modal = _open_schedule(page, TOMAS.user_id, channel)
    before = len(page.sandbox.standin.calls())
    answer = page.post(
        "/sandbox/api/submit",
        {"user": TOMAS.user_id, "view_id": modal["view_id"], "entered": {}},
    )
    assert answer == {"ok": False, "errors": {WHEN: REQUIRED}}
    state = page.state(TOMAS.user_id, channel)
    assert REQUIRED in state["modal"]["html"]
    assert len(page.sandbox.standin.calls()) == before, "Slack's client doesn't send it"


def test_the_bots_own_field_error_is_shown_under_the_field(paired: tuple[Page, str]) -> None:
    page, channel = paired
    modal = _open_schedule(page, TOMAS.user_id, channel)
    past = _local(page, TOMAS.tz, hours=-3)
    answer = page.post(
        "/sandbox/api/submit",
        {
            "user": TOMAS.user_id,
            "view_id": modal["view_id"],
            "entered": {WHEN: {INPUT_ACTION: past}},
        },
    )
    assert answer == {"ok": False, "errors": {WHEN: messages.SCHEDULE_IN_PAST}}
    state = page.state(TOMAS.user_id, channel)
    assert state["modal"]["view_id"] == modal["view_id"], "the modal stays open"
    assert 'class="bk-input has-error" data-block="when"' in state["modal"]["html"]
    assert messages.SCHEDULE_IN_PAST in state["modal"]["html"]


def test_scheduling_closes_the_modal_and_moving_the_clock_brings_the_prompts(
    paired: tuple[Page, str],
) -> None:
    page, channel = paired
    modal = _open_schedule(page, TOMAS.user_id, channel)
    answer = page.post(
        "/sandbox/api/submit",
        {
            "user": TOMAS.user_id,
            "view_id": modal["view_id"],
            "entered": {WHEN: {INPUT_ACTION: _local(page, TOMAS.tz, hours=30)}},
        },
    )
    assert answer == {"ok": True}
    state = page.until(TOMAS.user_id, channel, lambda s: "Add to calendar" in s["pane"]["html"])
    assert state["modal"] is None
    dm = state["app_dm"]
    before = page.sandbox.client.clock()
    page.post("/sandbox/api/clock", {"user": TOMAS.user_id, "how": "day"})
    assert page.sandbox.client.clock() - before >= timedelta(days=1)
    tomas = page.until(TOMAS.user_id, dm, lambda s: "Answer" in s["pane"]["html"])
    assert "check-in" in tomas["pane"]["html"].lower()
    sidebar = page.state(MARIA.user_id, channel)["sidebar"]
    assert next(c for c in sidebar if c["kind"] == "app")["unread"] >= 1


def test_the_calendar_file_is_downloadable(paired: tuple[Page, str]) -> None:
    page, channel = paired
    modal = _open_schedule(page, MARIA.user_id, channel)
    page.post(
        "/sandbox/api/submit",
        {
            "user": MARIA.user_id,
            "view_id": modal["view_id"],
            "entered": {WHEN: {INPUT_ACTION: _local(page, MARIA.tz, hours=48)}},
        },
    )
    page.until(MARIA.user_id, channel, lambda s: "Add to calendar" in s["pane"]["html"])
    _click(page, MARIA.user_id, channel, "Add to calendar")
    state = page.until(MARIA.user_id, page.state(MARIA.user_id)["app_dm"], _has_file)
    link = state["pane"]["html"].split('<a class="file" href="')[1].split('"')[0]
    status, headers, body = page.get(link)
    assert status == 200 and headers["Content-Type"] == "text/calendar"
    assert "attachment" in headers["Content-Disposition"]
    assert body.startswith(b"BEGIN:VCALENDAR")
    assert page.get("/sandbox/files/FNOTHERE/x.ics")[0] == 404


def _has_file(state: dict) -> bool:
    return 'class="file"' in state["pane"]["html"]


def test_the_clock_explains_when_there_is_nothing_to_move_to(page: Page) -> None:
    answer = page.post("/sandbox/api/clock", {"user": ADMIN.user_id, "how": "session"}, expect=400)
    assert "No session is scheduled yet" in answer["problem"]
    answer = page.post("/sandbox/api/clock", {"user": ADMIN.user_id, "how": "week"}, expect=400)
    assert answer["problem"].startswith("The clock moves")


def test_the_page_hears_of_changes_as_they_happen(page: Page) -> None:
    since = page.sandbox.client.version
    connection = http.client.HTTPConnection("127.0.0.1", page.sandbox.settings.port, timeout=10)
    connection.request("GET", f"/sandbox/api/events?since={since}")
    response = connection.getresponse()
    assert response.getheader("Content-Type") == "text/event-stream"
    assert response.readline() == b"retry: 1000\n"
    response.readline()
    page.send(ADMIN.user_id, GENERAL, "anyone around?")
    line = response.readline().decode()
    assert line.startswith("data: ") and line.strip() != f"data: {since}"
    connection.close()


def test_opening_home_asks_the_bot_to_publish_it(paired: tuple[Page, str]) -> None:
    page, _ = paired
    page.post("/sandbox/api/home", {"user": TOMAS.user_id})
    state = page.until(TOMAS.user_id, "home", lambda s: bool(s["pane"]["html"]))
    assert state["pane"]["kind"] == "home"
    assert "Maria Santos" in state["pane"]["html"]


def test_a_choice_the_form_does_not_offer_is_refused_before_the_bot(
    paired: tuple[Page, str],
) -> None:
    page, channel = paired
    modal = _open_schedule(page, TOMAS.user_id, channel)
    answer = page.post(
        "/sandbox/api/submit",
        {
            "user": TOMAS.user_id,
            "view_id": modal["view_id"],
            "entered": {
                WHEN: {INPUT_ACTION: _local(page, TOMAS.tz, hours=30)},
                RECURRENCE: {INPUT_ACTION: "hourly"},
            },
        },
        expect=400,
    )
    assert answer["problem"] == "That isn't one of the choices this form offers."
    assert page.state(TOMAS.user_id, channel)["modal"]["view_id"] == modal["view_id"]


def test_it_listens_on_127_0_0_1_only(page: Page) -> None:
    assert page.sandbox.server.server_address[0] == "127.0.0.1"
    assert page.sandbox.standin.base_url.startswith("http://127.0.0.1:")
