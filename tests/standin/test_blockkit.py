"""Tests for the Block Kit validator: valid payloads pass, every documented limit is enforced."""

from __future__ import annotations

import copy

import pytest

from standin.blockkit import validate_message_blocks, validate_view


def plain(text: str) -> dict:
    return {"type": "plain_text", "text": text}


def mrkdwn(text: str) -> dict:
    return {"type": "mrkdwn", "text": text}


def option(text: str, value: str) -> dict:
    return {"text": plain(text), "value": value}


def section(text: str = "hi", **extra: object) -> dict:
    return {"type": "section", "text": mrkdwn(text), **extra}


def button(text: str = "Go", **extra: object) -> dict:
    return {"type": "button", "text": plain(text), "action_id": "go", **extra}


def actions(*elements: dict, **extra: object) -> dict:
    return {"type": "actions", "elements": list(elements), **extra}


def input_block(element: dict, block_id: str = "in", **extra: object) -> dict:
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain("Label"),
        "element": element,
        **extra,
    }


def modal(*blocks: dict, **extra: object) -> dict:
    view = {
        "type": "modal",
        "title": plain("Sign up"),
        "submit": plain("Save"),
        "close": plain("Cancel"),
        "blocks": list(blocks),
    }
    view.update(extra)
    return view


SELECT_OPTIONS = [option("Alpha", "a"), option("Beta", "b")]

VALID_MESSAGE = [
    {"type": "header", "text": plain("Your mentoring week")},
    section("*Hello* there", block_id="intro"),
    {
        "type": "section",
        "fields": [mrkdwn("*Mentor*"), plain("Ann")],
        "accessory": {
            "type": "overflow",
            "action_id": "more",
            "options": [option("Edit", "edit"), option("Delete", "delete")],
        },
    },
    {"type": "divider"},
    {
        "type": "context",
        "elements": [
            mrkdwn("Last met _yesterday_"),
            {"type": "image", "image_url": "https://example.com/a.png", "alt_text": "avatar"},
        ],
    },
    actions(
        button("Accept", value="m-1", style="primary"),
        {
            "type": "button",
            "text": plain("Decline"),
            "action_id": "decline",
            "value": "m-1",
            "style": "danger",
            "confirm": {
                "title": plain("Sure?"),
                "text": mrkdwn("This *cannot* be undone."),
                "confirm": plain("Yes"),
                "deny": plain("No"),
            },
        },
        {
            "type": "static_select",
            "action_id": "topic",
            "placeholder": plain("Topic"),
            "option_groups": [{"label": plain("Tech"), "options": SELECT_OPTIONS}],
            "initial_option": option("Beta", "b"),
        },
        {"type": "users_select", "action_id": "who", "initial_user": "U1"},
        {"type": "conversations_select", "action_id": "where"},
        {"type": "external_select", "action_id": "ext", "min_query_length": 2},
        {"type": "datepicker", "action_id": "day", "initial_date": "2024-02-29"},
        {"type": "timepicker", "action_id": "time", "initial_time": "09:30"},
        block_id="buttons",
    ),
    {"type": "image", "image_url": "https://example.com/b.png", "alt_text": "chart"},
]

VALID_MODAL = modal(
    input_block(
        {
            "type": "plain_text_input",
            "action_id": "goal",
            "multiline": True,
            "min_length": 5,
            "max_length": 3000,
            "initial_value": "Grow",
        },
        block_id="goal",
        hint=plain("A sentence or two"),
    ),
    input_block(
        {
            "type": "static_select",
            "action_id": "topic",
            "options": SELECT_OPTIONS,
            "initial_option": option("Alpha", "a"),
        },
        block_id="topic",
    ),
    input_block(
        {
            "type": "multi_static_select",
            "action_id": "topics",
            "options": SELECT_OPTIONS,
            "initial_options": [option("Beta", "b")],
            "max_selected_items": 2,
        },
        block_id="topics",
    ),
    input_block({"type": "multi_users_select", "action_id": "people"}, block_id="people"),
    input_block({"type": "datepicker", "action_id": "start"}, block_id="start", optional=True),
    input_block({"type": "timepicker", "action_id": "at"}, block_id="at", optional=True),
    input_block(
        {"type": "datetimepicker", "action_id": "when", "initial_date_time": 1_700_000_000},
        block_id="when",
    ),
    input_block(
        {
            "type": "number_input",
            "action_id": "hours",
            "is_decimal_allowed": False,
            "min_value": "1",
            "max_value": "10",
            "initial_value": "2",
        },
        block_id="hours",
    ),
    input_block({"type": "email_text_input", "action_id": "mail"}, block_id="mail"),
    input_block({"type": "url_text_input", "action_id": "site"}, block_id="site", optional=True),
    input_block(
        {
            "type": "checkboxes",
            "action_id": "days",
            "options": [
                {"text": mrkdwn("*Mon*"), "value": "mon", "description": mrkdwn("early")},
                option("Tue", "tue"),
            ],
            "initial_options": [option("Tue", "tue")],
        },
        block_id="days",
    ),
    input_block(
        {"type": "radio_buttons", "action_id": "level", "options": SELECT_OPTIONS},
        block_id="level",
    ),
    section("Pick one", accessory=button("More")),
    actions({"type": "overflow", "action_id": "o", "options": [option("One", "1")]}),
    private_metadata='{"program": 7}',
    callback_id="signup",
    external_id="signup-U1",
    notify_on_close=True,
)

VALID_HOME = {
    "type": "home",
    "callback_id": "home",
    "blocks": [{"type": "header", "text": plain("Mentorbot")}, section("Welcome")],
}


def test_valid_message_passes() -> None:
    assert validate_message_blocks(VALID_MESSAGE, text="fallback") == []


def test_valid_modal_passes() -> None:
    assert validate_view(VALID_MODAL) == []


def test_valid_home_passes() -> None:
    assert validate_view(VALID_HOME) == []


def test_view_as_slack_returns_it_passes() -> None:
    returned = {
        **VALID_HOME,
        "id": "V1",
        "team_id": "T1",
        "state": {"values": {}},
        "hash": "1.abc",
        "root_view_id": "V1",
        "previous_view_id": None,
        "app_id": "A1",
        "app_installed_team_id": "T1",
        "bot_id": "B1",
        "private_metadata": "",
        "external_id": "",
    }
    assert validate_view(returned) == []


def test_unchanged_inputs() -> None:
    message, view = copy.deepcopy(VALID_MESSAGE), copy.deepcopy(VALID_MODAL)
    validate_message_blocks(message)
    validate_view(view)
    assert message == VALID_MESSAGE
    assert view == VALID_MODAL


def with_element(element: dict) -> list:
    return [actions(element)]


def long(n: int) -> str:
    return "x" * n


INVALID_MESSAGES = [
    ("too many blocks", [section()] * 51, "blocks: more than 50 blocks"),
    ("fallback text too long", None, "text: longer than 40000 characters"),
    ("section text", [section(long(3001))], "blocks[0].text: longer than 3000 characters"),
    (
        "too many fields",
        [{"type": "section", "fields": [mrkdwn("f")] * 11}],
        "blocks[0].fields: more than 10 items",
    ),
    (
        "field too long",
        [{"type": "section", "fields": [mrkdwn(long(2001))]}],
        "blocks[0].fields[0]: longer than 2000 characters",
    ),
    (
        "header must be plain_text",
        [{"type": "header", "text": mrkdwn("Hi")}],
        "blocks[0].text: must be plain_text, got mrkdwn",
    ),
    (
        "header too long",
        [{"type": "header", "text": plain(long(151))}],
        "blocks[0].text: longer than 150 characters",
    ),
    (
        "context elements",
        [{"type": "context", "elements": [mrkdwn("c")] * 11}],
        "blocks[0].elements: more than 10 elements",
    ),
    (
        "actions elements",
        [actions(*[button(action_id=f"b{i}") for i in range(26)])],
        "blocks[0].elements: more than 25 elements",
    ),
    (
        "button text too long",
        with_element(button(long(76))),
        "blocks[0].elements[0].text: longer than 75 characters",
    ),
    (
        "button text mrkdwn",
        with_element({"type": "button", "text": mrkdwn("Go"), "action_id": "go"}),
        "blocks[0].elements[0].text: must be plain_text, got mrkdwn",
    ),
    (
        "button value",
        with_element(button(value=long(2001))),
        "blocks[0].elements[0].value: longer than 2000 characters",
    ),
    (
        "button url",
        with_element(button(url="https://e.com/" + long(3000))),
        "blocks[0].elements[0].url: longer than 3000 characters",
    ),
    (
        "action_id",
        with_element(button(action_id=long(256))),
        "blocks[0].elements[0].action_id: longer than 255 characters",
    ),
    (
        "block_id",
        [section(block_id=long(256))],
        "blocks[0].block_id: longer than 255 characters",
    ),
    (
        "duplicate block_id",
        [section(block_id="same"), section(block_id="same")],
        "blocks[1].block_id: duplicate block_id 'same' (also at blocks[0])",
    ),
    (
        "duplicate action_id in a block",
        [actions(button(action_id="a"), button(action_id="a"))],
        "blocks[0].elements[1].action_id: duplicate action_id 'a'",
    ),
    (
        "select options",
        with_element(
            {
                "type": "static_select",
                "action_id": "s",
                "options": [option(f"o{i}", f"v{i}") for i in range(101)],
            }
        ),
        "blocks[0].elements[0].options: more than 100 options",
    ),
    (
        "option text",
        with_element(
            {"type": "static_select", "action_id": "s", "options": [option(long(76), "v")]}
        ),
        "blocks[0].elements[0].options[0].text: longer than 75 characters",
    ),
    (
        "option value",
        with_element(
            {"type": "static_select", "action_id": "s", "options": [option("o", long(151))]}
        ),
        "blocks[0].elements[0].options[0].value: longer than 150 characters",
    ),
    (
        "select option mrkdwn",
        with_element(
            {
                "type": "static_select",
                "action_id": "s",
                "options": [{"text": mrkdwn("o"), "value": "v"}],
            }
        ),
        "blocks[0].elements[0].options[0].text: must be plain_text, got mrkdwn",
    ),
    (
        "initial_option not an option",
        with_element(
            {
                "type": "static_select",
                "action_id": "s",
                "options": SELECT_OPTIONS,
                "initial_option": option("Gamma", "g"),
            }
        ),
        "blocks[0].elements[0].initial_option: does not match any option",
    ),
    (
        "overflow options",
        with_element(
            {
                "type": "overflow",
                "action_id": "o",
                "options": [option("o", f"{i}") for i in range(6)],
            }
        ),
        "blocks[0].elements[0].options: more than 5 options",
    ),
    (
        "checkboxes options",
        with_element(
            {
                "type": "checkboxes",
                "action_id": "c",
                "options": [option("o", f"{i}") for i in range(11)],
            }
        ),
        "blocks[0].elements[0].options: more than 10 options",
    ),
    (
        "radio options",
        with_element(
            {
                "type": "radio_buttons",
                "action_id": "r",
                "options": [option("o", f"{i}") for i in range(11)],
            }
        ),
        "blocks[0].elements[0].options: more than 10 options",
    ),
    ("unknown block type", [{"type": "carousel_of_doom"}], "blocks[0].type: unknown block type"),
    (
        "unknown element type",
        with_element({"type": "slider", "action_id": "s"}),
        "blocks[0].elements[0].type: unknown element type 'slider'",
    ),
    (
        "text input in an actions block",
        with_element({"type": "plain_text_input", "action_id": "t"}),
        "a plain_text_input element is not allowed in an actions block",
    ),
    (
        "emoji on mrkdwn",
        [{"type": "section", "text": {"type": "mrkdwn", "text": "hi", "emoji": True}}],
        "blocks[0].text.emoji: not allowed in a mrkdwn text object",
    ),
    ("misspelt field", [{"type": "divider", "blok_id": "x"}], "blocks[0].blok_id: unknown field"),
    ("empty text", [section("")], "blocks[0].text.text: must be a non-empty string"),
    (
        "bad date",
        with_element({"type": "datepicker", "action_id": "d", "initial_date": "2023-02-30"}),
        "initial_date",
    ),
    ("caught by slack_sdk's models", [{"type": "video", "alt_text": "v"}], "blocks[0]: "),
]


@pytest.mark.parametrize(
    ("blocks", "expected"),
    [(b, e) for _, b, e in INVALID_MESSAGES],
    ids=[name for name, _, _ in INVALID_MESSAGES],
)
def test_invalid_message_payloads(blocks: list | None, expected: str) -> None:
    if blocks is None:
        problems = validate_message_blocks([section()], text=long(40_001))
    else:
        problems = validate_message_blocks(blocks, text="fallback")
    assert any(expected in p for p in problems), problems


def text_input(**extra: object) -> dict:
    return {"type": "plain_text_input", "action_id": "t", **extra}


INVALID_VIEWS = [
    ("too many blocks", modal(*[section()] * 101), "blocks: more than 100 blocks"),
    ("no blocks", modal(), "blocks: a view needs at least one block"),
    ("title too long", modal(section(), title=plain(long(25))), "title: longer than 24 characters"),
    ("title mrkdwn", modal(section(), title=mrkdwn("T")), "title: must be plain_text, got mrkdwn"),
    (
        "submit too long",
        modal(section(), submit=plain(long(25))),
        "submit: longer than 24 characters",
    ),
    ("close too long", modal(section(), close=plain(long(25))), "close: longer than 24 characters"),
    (
        "private_metadata",
        modal(section(), private_metadata=long(3001)),
        "private_metadata: longer than 3000 characters",
    ),
    (
        "callback_id",
        modal(section(), callback_id=long(256)),
        "callback_id: longer than 255 characters",
    ),
    (
        "external_id",
        modal(section(), external_id=long(256)),
        "external_id: longer than 255 characters",
    ),
    (
        "inputs need a submit button",
        {"type": "modal", "title": plain("T"), "blocks": [input_block(text_input())]},
        "submit: required when the modal contains input blocks",
    ),
    (
        "modal without title",
        {"type": "modal", "blocks": [section()]},
        "title: required for a modal",
    ),
    (
        "home with title",
        {**VALID_HOME, "title": plain("Home")},
        "title: not allowed in a home view",
    ),
    (
        "home with submit",
        {**VALID_HOME, "submit": plain("Go")},
        "submit: not allowed in a home view",
    ),
    (
        "unknown view type",
        {"type": "sheet", "blocks": [section()]},
        "type: must be 'modal' or 'home'",
    ),
    (
        "max_length over 3000",
        modal(input_block(text_input(max_length=3001))),
        "blocks[0].element.max_length: must be an integer from 1 to 3000",
    ),
    (
        "min_length over 3000",
        modal(input_block(text_input(min_length=3001))),
        "blocks[0].element.min_length: must be an integer from 0 to 3000",
    ),
    (
        "min_length above max_length",
        modal(input_block(text_input(min_length=10, max_length=5))),
        "blocks[0].element.min_length: greater than max_length",
    ),
    (
        "label too long",
        modal({"type": "input", "label": plain(long(2001)), "element": text_input()}),
        "blocks[0].label: longer than 2000 characters",
    ),
    (
        "label mrkdwn",
        modal({"type": "input", "label": mrkdwn("L"), "element": text_input()}),
        "blocks[0].label: must be plain_text, got mrkdwn",
    ),
    (
        "hint too long",
        modal(input_block(text_input(), hint=plain(long(2001)))),
        "blocks[0].hint: longer than 2000 characters",
    ),
    (
        "button in an input block",
        modal(input_block(button())),
        "a button element is not allowed in an input block",
    ),
    (
        "number_input bounds",
        modal(
            input_block(
                {
                    "type": "number_input",
                    "action_id": "n",
                    "is_decimal_allowed": True,
                    "min_value": "5",
                    "max_value": "1",
                }
            )
        ),
        "blocks[0].element.min_value: greater than max_value",
    ),
    (
        "number_input needs is_decimal_allowed",
        modal(input_block({"type": "number_input", "action_id": "n"})),
        "is_decimal_allowed: required boolean",
    ),
    (
        "checkbox initial option",
        modal(
            input_block(
                {
                    "type": "checkboxes",
                    "action_id": "c",
                    "options": SELECT_OPTIONS,
                    "initial_options": [option("Zed", "z")],
                }
            )
        ),
        "blocks[0].element.initial_options[0]: does not match any option",
    ),
    (
        "duplicate input block_ids",
        modal(input_block(text_input(), block_id="x"), input_block(text_input(), block_id="x")),
        "blocks[1].block_id: duplicate block_id 'x'",
    ),
    ("unknown view field", modal(section(), colour="red"), "colour: unknown view field"),
]


@pytest.mark.parametrize(
    ("view", "expected"),
    [(v, e) for _, v, e in INVALID_VIEWS],
    ids=[name for name, _, _ in INVALID_VIEWS],
)
def test_invalid_views(view: dict, expected: str) -> None:
    problems = validate_view(view)
    assert any(expected in p for p in problems), problems


def test_boundaries_are_inclusive() -> None:
    blocks = [
        {"type": "header", "text": plain(long(150))},
        section(long(3000), block_id=long(255)),
        {"type": "section", "fields": [mrkdwn(long(2000))] * 10},
        actions(
            button(
                long(75), value=long(2000), url="https://e.com/" + long(2986), action_id=long(255)
            )
        ),
    ]
    blocks += [{"type": "divider"}] * (50 - len(blocks))
    assert validate_message_blocks(blocks, text=long(40_000)) == []
    view = modal(
        input_block(text_input(min_length=3000, max_length=3000), hint=plain(long(2000))),
        title=plain(long(24)),
        submit=plain(long(24)),
        close=plain(long(24)),
        private_metadata=long(3000),
        callback_id=long(255),
        external_id=long(255),
    )
    view["blocks"] += [{"type": "divider"}] * 99
    assert validate_view(view) == []


def test_problems_name_their_place() -> None:
    blocks = [section(), section(), section(), actions(button(), button(long(80), action_id="b"))]
    assert validate_message_blocks(blocks) == [
        "blocks[3].elements[1].text: longer than 75 characters"
    ]


def test_non_list_blocks_and_non_dict_view() -> None:
    assert validate_message_blocks({"type": "section"}) == ["blocks: must be an array"]  # type: ignore[arg-type]
    assert validate_view([]) == ["view: must be an object"]  # type: ignore[arg-type]
    assert validate_message_blocks(["nope"]) == ["blocks[0]: must be an object"]
