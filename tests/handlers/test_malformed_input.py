"""Malformed input: payloads Bolt can't read get a 400 (never a 500), text from Slack is
normalised once at the boundary (no NUL, no lone surrogate, nothing-visible is empty), and the
replies after an error or a failed Slack call never end in a traceback."""

from __future__ import annotations

import json
import logging
import urllib.parse
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot import messages
from handlers.errors import SOMETHING_WENT_WRONG
from runtime.request_guard import shape_problem
from standin.driver import FORM
from storage.models import ActionItem, AgendaTopic, DiaryEntry, Goal, Pair
from tests.conftest import (
    ADMIN,
    MENTEE,
    MENTOR,
    TEAM,
    Harness,
)

START = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def errors() -> Iterator[_Errors]:
    handler = _Errors()
    logging.getLogger().addHandler(handler)
    yield handler
    logging.getLogger().removeHandler(handler)


def send(h: Harness, payload: dict):  # type: ignore[no-untyped-def]
    body = urllib.parse.urlencode({"payload": json.dumps(payload)})
    return h.driver.raw(body, {"Content-Type": FORM, **h.driver.sign(body)})


# -- payloads Bolt can't read: a 400 before Bolt, not a 500 from inside it --------------------
WHO = {"team": {"id": TEAM}, "user": {"id": MENTOR}, "api_app_id": "A0MENTOR"}
UNREADABLE = [
    (
        "a submission whose view has no type",
        {"type": "view_submission", "view": {"id": "V1", "callback_id": "agreement_edit"}},
    ),
    (
        "a workflow step's edit without workflow_step",
        {"type": "workflow_step_edit", "callback_id": "step"},
    ),
    (
        "a workflow step's save without workflow_step",
        {
            "type": "view_submission",
            "view": {"id": "V1", "type": "workflow_step", "callback_id": "step"},
        },
    ),
    (
        "an action without an action_id",
        {"type": "block_actions", "actions": [{"block_id": "b", "value": "1", "type": "button"}]},
    ),
    (
        "an action whose action_id is a number",
        {"type": "block_actions", "actions": [{"action_id": 7, "value": "1"}]},
    ),
]


@pytest.mark.parametrize(("label", "payload"), UNREADABLE, ids=[u[0] for u in UNREADABLE])
def test_a_payload_bolt_cant_read_is_a_400(
    harness: Harness, errors: _Errors, label: str, payload: dict
) -> None:
    response = send(harness, {**WHO, **payload})
    assert response.status == 400, f"{label}: HTTP {response.status} {response.body}"
    assert shape_problem({**WHO, **payload}) is not None
    assert errors.records == []


def test_what_slack_sends_still_passes_the_shape_check() -> None:
    assert (
        shape_problem(
            {
                **WHO,
                "type": "view_submission",
                "view": {"id": "V", "type": "modal", "callback_id": "x"},
            }
        )
        is None
    )
    assert (
        shape_problem(
            {**WHO, "type": "block_actions", "actions": [{"action_id": "a", "block_id": "b"}]}
        )
        is None
    )
    step = {
        "type": "workflow_step_edit",
        "callback_id": "s",
        "workflow_step": {"workflow_step_edit_id": "1"},
    }
    assert shape_problem({**WHO, **step}) is None


# -- text normalised once, at the boundary -----------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("Career", "Career"),
        ("a\x00b", "ab"),
        ("x\ud800y\udfff", "xy"),
        ("\u200b\u200b\u200b", ""),
        (" \t\n", ""),
        ("\ufeff\u200e\u2060\u3164\u2800", ""),
        ("\u0301\u0301", ""),  # combining marks with nothing to sit on
        ("\u200b Lead a team \u200b\n", "Lead a team"),
        ("❤️", "❤️"),  # the variation selector stays
        ("👩‍👩‍👧‍👦", "👩‍👩‍👧‍👦"),
        (
            "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",
            "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",
        ),
        ("line one\n\nline two", "line one\n\nline two"),
        ("<!channel> *b*", "<!channel> *b*"),
    ],
)
def test_clean_text(typed: str, kept: str) -> None:
    from handlers.payloads import clean_text

    assert clean_text(typed) == kept


@pytest.fixture
def on_any_db(any_harness: Harness) -> Harness:
    h = any_harness
    h.driver.command(f"pair <@{MENTOR}> <@{MENTEE}>", user=ADMIN)
    h.driver.command("schedule", user=MENTOR, channel=channel_of(h))
    view = h.standin.last("views.open").response["view"]
    h.driver.submit(view, {"when": int(START.timestamp()), "recurrence": "weekly"}, user=MENTOR)
    h.standin.clear()
    return h


def channel_of(h: Harness) -> str:
    with h.db.session() as session:
        return session.exec(select(Pair)).one().channel_id


def rows(h: Harness, model):  # type: ignore[no-untyped-def]
    with h.db.session() as session:
        return list(session.exec(select(model)).all())


def told(h: Harness) -> list[str]:
    return [json.dumps(r.body) for r in h.standin.responses()] + [
        json.dumps(c.args) for c in h.standin.calls("chat.postMessage")
    ]


def test_nul_in_a_topic_and_an_action_item_is_dropped_on_any_database(
    on_any_db: Harness, errors: _Errors
) -> None:
    h = on_any_db
    h.driver.command("agenda add Care\x00er", user=MENTOR, channel=channel_of(h))
    h.driver.command(f"action <@{MENTEE}> Read\x00 the book", user=MENTOR, channel=channel_of(h))
    assert [t.text for t in rows(h, AgendaTopic)] == ["Career"]
    assert [i.text for i in rows(h, ActionItem)] == ["Read the book"]
    assert errors.records == [] and not any(SOMETHING_WENT_WRONG in t for t in told(h))


def test_nul_and_lone_surrogates_in_a_modal_are_dropped_on_any_database(
    on_any_db: Harness, errors: _Errors
) -> None:
    h = on_any_db
    h.driver.command("goals", user=MENTOR, channel=channel_of(h))
    listing = h.standin.ephemerals(channel_of(h), user=MENTOR)[-1]
    h.driver.click(listing, "Add goal", user=MENTOR, channel=channel_of(h))
    modal = h.standin.last("views.open").response["view"]
    h.driver.submit(
        modal,
        {"goal_title": "Lead\x00 a \ud83d project\udc00", "goal_indicator": "\x00it shipped"},
        user=MENTOR,
    )
    (goal,) = rows(h, Goal)
    assert (goal.title, goal.indicator) == ("Lead a  project", "it shipped")
    assert errors.records == [] and not any(SOMETHING_WENT_WRONG in t for t in told(h))


def test_a_topic_of_nothing_visible_is_no_topic(on_any_db: Harness, errors: _Errors) -> None:
    h = on_any_db
    for invisible in ("\u200b\u200b\u200b", "\u200b \ufeff \u2060", "\u3164"):
        h.driver.command(f"agenda add {invisible}", user=MENTOR, channel=channel_of(h))
    assert rows(h, AgendaTopic) == []
    replies = [r.body["text"] for r in h.standin.responses()]
    assert replies == [messages.TOPIC_EMPTY] * 3
    assert errors.records == []


# -- the replies themselves never end in a traceback -------------------------------------------
def test_an_error_reply_to_a_user_given_as_a_string_reaches_them(
    harness: Harness, errors: _Errors
) -> None:
    h = harness
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM},
        "user": MENTOR,  # Bolt takes a plain string as the user id too
        "api_app_id": "A0MENTOR",
        "trigger_id": h.standin.new_trigger_id(team_id=TEAM, user_id=MENTOR),
        "actions": [{"action_id": "agreement_sign", "block_id": "b", "value": "1:1"}],
    }
    assert send(h, payload).status == 200
    assert errors.records == []
    (dm,) = h.standin.messages(MENTOR)
    assert "mentoring pair" in dm["text"]


def test_when_slack_refuses_home_and_its_notice_the_listener_still_ends_quietly(
    harness: Harness, errors: _Errors
) -> None:
    h = harness
    h.standin.fail_next("views.publish", error="invalid_blocks", times=2)
    response = h.driver.event({"type": "app_home_opened", "user": MENTOR, "tab": "home"})
    assert response.status == 200
    assert len(h.standin.calls("views.publish")) == 2
    assert errors.records == []
    assert not any(SOMETHING_WENT_WRONG in t for t in told(h))


def test_sharing_a_diary_after_the_partner_was_forgotten_saves_it_quietly(
    on_any_db: Harness, errors: _Errors
) -> None:
    h = on_any_db
    h.clock.now = START + timedelta(minutes=70)
    h.bot.deliver_due()
    h.driver.click(h.standin.messages(MENTEE)[-1], "Yes, it happened", user=MENTEE)
    diary = h.standin.last("views.open").response["view"]
    question = next(b["block_id"] for b in diary["blocks"] if b["type"] == "input")
    h.driver.submit(diary, {question: "Kept to myself"}, user=MENTEE)
    # The partner asks to be forgotten; then the entry is shared after all.
    h.driver.command("forget-me", user=MENTOR)
    h.driver.submit(h.standin.last("views.open").response["view"], {}, user=MENTOR)
    h.standin.clear()
    h.driver.click(h.standin.messages(MENTEE)[-1], "Edit diary", user=MENTEE)
    again = h.standin.last("views.open").response["view"]
    h.driver.submit(again, {question: "Shared now", "diary_options": ["share"]}, user=MENTEE)

    (entry,) = [e for e in rows(h, DiaryEntry) if e.author_id == MENTEE]
    assert entry.shared_with_partner and "Shared now" in json.dumps(entry.answers)
    sent_to = {c.args.get("channel") for c in h.standin.calls("chat.postMessage")}
    assert not [who for who in sent_to if str(who).startswith("deleted-")]
    assert errors.records == [] and not any(SOMETHING_WENT_WRONG in t for t in told(h))
