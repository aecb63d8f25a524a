"""Block Kit and mrkdwn as the sandbox shows them: formatting, mentions, dates, every element."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sandbox.render import (
    BLOCK_TYPES,
    ELEMENT_TYPES,
    TEXT_TYPES,
    Surface,
    Viewer,
    block_html,
    blocks_html,
    mrkdwn_html,
    plain_html,
)

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
TOKYO = Viewer(
    user_id="U0KENJI001",
    tz="Asia/Tokyo",
    now=NOW,
    names={"U0KENJI001": "Kenji Sato", "U0MARIA001": "Maria Santos"},
    channels={"C0GENERAL1": "general"},
    file_url=lambda file_id: f"/sandbox/files/{file_id}/picture.png",
)
LONDON = Viewer(user_id="U0ADA00001", tz="Europe/London", now=NOW, names=TOKYO.names)
MESSAGE = Surface("message")


@pytest.mark.parametrize(
    ("mrkdwn", "html"),
    [
        ("*bold* and _italic_ and ~gone~", "<b>bold</b> and <i>italic</i> and <s>gone</s>"),
        ("a*b*c stays", "a*b*c stays"),
        ("snake_case_name stays", "snake_case_name stays"),
        ("`<code> *as is*`", "<code>&lt;code&gt; *as is*</code>"),
        ("```\nline one\n*two*```", '<pre class="code-block">line one\n*two*</pre>'),
        ("one\ntwo", "one<br>two"),
        ("&gt; quoted\nafter", "<blockquote>quoted</blockquote>after"),
        ("fish &amp; chips &lt;3", "fish &amp; chips &lt;3"),
        # Slack reads <…> as a link or a mention: what's inside shows as text, never as HTML.
        ("<script>alert(1)</script>", "scriptalert(1)/script"),
        ("&lt;img src=x onerror=alert(1)&gt;", "&lt;img src=x onerror=alert(1)&gt;"),
        (":tada: :white_check_mark: :not_an_emoji:", "🎉 ✅ :not_an_emoji:"),
        (
            "<https://example.com/a?b=1&amp;c=2|the *docs*>",
            '<a href="https://example.com/a?b=1&amp;c=2" target="_blank" '
            'rel="noopener noreferrer">the *docs*</a>',
        ),
        ("<javascript:alert(1)|click>", "click"),
        ("<#C0GENERAL1>", '<span class="mention">#general</span>'),
        ("<!here>", '<span class="mention">@here</span>'),
    ],
)
def test_mrkdwn_formatting(mrkdwn: str, html: str) -> None:
    assert mrkdwn_html(mrkdwn, TOKYO) == html


def test_mentions_show_names_and_mark_the_viewers_own() -> None:
    html = mrkdwn_html("<@U0MARIA001> and <@U0KENJI001|kenji> and <@U0NOBODY|sam>", TOKYO)
    assert html == (
        '<span class="mention" data-user="U0MARIA001">@Maria Santos</span> and '
        '<span class="mention mention-me" data-user="U0KENJI001">@Kenji Sato</span> and '
        '<span class="mention" data-user="U0NOBODY">@sam</span>'
    )


def test_dates_are_shown_in_the_viewers_zone_relative_to_the_sandbox_clock() -> None:
    moment = int(datetime(2026, 3, 2, 14, 30, tzinfo=UTC).timestamp())
    text = f"Next: <!date^{moment}^{{date_short_pretty}} at {{time}}|2026-03-02 14:30 UTC>."
    assert ">today at 2:30 PM<" in mrkdwn_html(text, LONDON)
    # 23:30 in Tokyo, still Monday there.
    assert ">today at 11:30 PM<" in mrkdwn_html(text, TOKYO)
    tomorrow = int(datetime(2026, 3, 3, 10, 0, tzinfo=UTC).timestamp())
    assert ">tomorrow at 7:00 PM<" in mrkdwn_html(
        f"Due <!date^{tomorrow}^{{date_pretty}} at {{time}}|x>", TOKYO
    )


@pytest.mark.parametrize(
    ("fmt", "shown"),
    [
        ("{date_num}", "2026-03-12"),
        ("{date}", "March 12th, 2026"),
        ("{date_short}", "Mar 12, 2026"),
        ("{date_long}", "Thursday, March 12th, 2026"),
        ("{date_long_pretty}", "Thursday, March 12th, 2026"),
        ("{time}", "6:05 PM"),
        ("{time_secs}", "6:05:09 PM"),
        ("{ago}", "in 10 days"),
    ],
)
def test_every_date_token(fmt: str, shown: str) -> None:
    moment = int(datetime(2026, 3, 12, 18, 5, 9, tzinfo=UTC).timestamp())
    assert f">{shown}</time>" in mrkdwn_html(f"<!date^{moment}^{fmt}|fallback>", LONDON)


def test_a_date_starting_a_line_is_capitalised_and_a_bad_one_falls_back() -> None:
    moment = int(datetime(2026, 3, 2, 12, 0, tzinfo=UTC).timestamp())
    assert ">Today at 12:00 PM<" in mrkdwn_html(
        f"*<!date^{moment}^{{date_pretty}} at {{time}}|x>*", LONDON
    )
    assert mrkdwn_html("<!date^soon^{date}|the fallback>", LONDON) == "the fallback"


def test_plain_text_is_escaped_and_shows_emoji_unless_told_not_to() -> None:
    assert plain_html({"type": "plain_text", "text": "<b> :tada:", "emoji": True}) == "&lt;b&gt; 🎉"
    assert plain_html({"type": "plain_text", "text": ":tada:", "emoji": False}) == ":tada:"


def test_a_section_with_fields_and_a_button_accessory() -> None:
    block = {
        "type": "section",
        "block_id": "s1",
        "text": {"type": "mrkdwn", "text": "*Title*"},
        "fields": [{"type": "mrkdwn", "text": "one"}, {"type": "plain_text", "text": "two"}],
        "accessory": {
            "type": "button",
            "action_id": "go",
            "text": {"type": "plain_text", "text": "Go"},
            "style": "danger",
            "confirm": {
                "title": {"type": "plain_text", "text": "Sure?"},
                "text": {"type": "mrkdwn", "text": "*Really*"},
                "confirm": {"type": "plain_text", "text": "Yes"},
                "deny": {"type": "plain_text", "text": "No"},
                "style": "danger",
            },
        },
    }
    html = block_html(block, TOKYO, MESSAGE)
    assert '<div class="bk-text"><b>Title</b></div>' in html
    assert '<div class="bk-field">one</div><div class="bk-field">two</div>' in html
    assert 'class="bk-button bk-danger" data-block="s1" data-action="go" data-kind="button"' in html
    assert "data-confirm=" in html and "&lt;b&gt;Really&lt;/b&gt;" in html


def test_an_input_shows_its_error_under_the_field() -> None:
    block = {
        "type": "input",
        "block_id": "when",
        "label": {"type": "plain_text", "text": "Date"},
        "hint": {"type": "plain_text", "text": "Your zone"},
        "element": {"type": "datepicker", "action_id": "value", "initial_date": "2026-03-04"},
    }
    html = block_html(block, TOKYO, Surface("modal", {"when": "Pick a later day."}))
    assert 'class="bk-input has-error" data-block="when" data-required="true"' in html
    assert html.index("Your zone") < html.index("Pick a later day.")
    assert 'type="date"' in html and 'value="2026-03-04"' in html
    assert "has-error" not in block_html(block, TOKYO, Surface("modal"))


def test_a_datetimepicker_shows_its_moment_in_the_viewers_zone() -> None:
    moment = int(datetime(2026, 3, 2, 16, 0, tzinfo=UTC).timestamp())
    element = {"type": "datetimepicker", "action_id": "value", "initial_date_time": moment}
    html = block_html({"type": "actions", "block_id": "b", "elements": [element]}, TOKYO, MESSAGE)
    assert 'value="2026-03-03"' in html and 'value="01:00"' in html


def _option(value: str, text: str) -> dict:
    return {"value": value, "text": {"type": "plain_text", "text": text}}


def test_choosers_show_their_options_and_initial_choices() -> None:
    options = [_option("a", "Alpha"), _option("b", "Beta")]
    elements = [
        {
            "type": "static_select",
            "action_id": "s",
            "options": options,
            "initial_option": options[1],
        },
        {
            "type": "multi_static_select",
            "action_id": "m",
            "options": options,
            "initial_options": options[:1],
        },
        {"type": "radio_buttons", "action_id": "r", "options": options},
        {"type": "checkboxes", "action_id": "c", "options": options, "initial_options": options},
        {"type": "users_select", "action_id": "u", "initial_user": "U0MARIA001"},
        {"type": "multi_users_select", "action_id": "mu"},
        {"type": "overflow", "action_id": "o", "options": options},
        {"type": "timepicker", "action_id": "t", "initial_time": "09:30", "timezone": "Asia/Tokyo"},
    ]
    html = blocks_html([{"type": "actions", "block_id": "b", "elements": elements}], TOKYO, MESSAGE)
    assert '<option value="b" selected>Beta</option>' in html
    assert html.count('type="checkbox"') == 2 + 2 + 2  # multi select, checkboxes, multi users
    assert '<input type="radio" name="b/r" value="a">' in html
    assert '<option value="U0MARIA001" selected>Maria Santos</option>' in html
    assert 'aria-label="More actions"' in html
    assert 'value="09:30"' in html and "Asia/Tokyo" in html


def test_images_from_a_url_or_an_uploaded_slack_file() -> None:
    by_url = {"type": "image", "image_url": "https://example.com/a.png", "alt_text": "A chart"}
    by_file = {"type": "image", "slack_file": {"id": "F0123"}, "alt_text": "Our plan"}
    html = blocks_html([by_url, by_file], TOKYO, MESSAGE)
    assert '<img class="bk-image-img" src="https://example.com/a.png" alt="A chart"' in html
    assert 'src="/sandbox/files/F0123/picture.png" alt="Our plan"' in html


def test_an_unknown_block_says_it_cant_be_shown() -> None:
    assert "can't be displayed" in block_html({"type": "hologram"}, TOKYO, MESSAGE)


def _types_emitted_by_blocks() -> set[str]:
    """Every `"type": "…"` literal in blocks/ (what the bot can send)."""
    found: set[str] = set()
    for path in (ROOT / "blocks").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if (
                        isinstance(key, ast.Constant)
                        and key.value == "type"
                        and isinstance(value, ast.Constant)
                        and isinstance(value.value, str)
                    ):
                        found.add(value.value)
    return found


def test_the_renderer_handles_every_type_the_bot_emits() -> None:
    emitted = _types_emitted_by_blocks()
    assert {"section", "actions", "input", "button", "datetimepicker"} <= emitted
    surfaces = {"modal", "home"}
    assert emitted - BLOCK_TYPES - ELEMENT_TYPES - TEXT_TYPES - surfaces == set()


@pytest.mark.parametrize("kind", sorted(BLOCK_TYPES))
def test_every_block_type_it_claims_is_drawn(kind: str) -> None:
    block = {"type": kind, "block_id": "b", "text": {"type": "plain_text", "text": "x"}}
    if kind == "input":
        block["element"] = {"type": "plain_text_input", "action_id": "a"}
        block["label"] = {"type": "plain_text", "text": "L"}
    assert "can't be displayed" not in block_html(block, TOKYO, MESSAGE)


@pytest.mark.parametrize("kind", sorted(ELEMENT_TYPES))
def test_every_element_type_it_claims_is_drawn(kind: str) -> None:
    element = {"type": kind, "action_id": "a", "text": {"type": "plain_text", "text": "x"}}
    html = blocks_html(
        [{"type": "actions", "block_id": "b", "elements": [element]}], TOKYO, MESSAGE
    )
    assert "can't be displayed" not in html
