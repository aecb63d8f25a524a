"""Action items through Slack: /mentor action and actions, Mark done, the modal, the reminder."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from bot import actions
from storage.models import ActionItem, Delivery, DeliveryState, Pair
from tests.conftest import ADMIN, MENTEE, MENTOR, OTHER_TEAM, STRANGER, Harness

# The harness clock starts on Monday 2 March 2026, 09:00 UTC (10:00 in Berlin, where the
# stand-in's people live unless they say otherwise).
FRIDAY = date(2026, 3, 6)
MENTEE_MENTION = f"<@{MENTEE}|tomas>"


def settle(harness: Harness) -> None:
    """Send what pairing planned (the first-meeting forms), so passes later send only ours."""
    harness.bot.deliver_due()
    harness.standin.clear()


@pytest.fixture
def paired(harness: Harness) -> Harness:
    harness.driver.command(f"pair <@{MENTOR}> <@{MENTEE}>", user=ADMIN)
    settle(harness)
    return harness


def pair_of(harness: Harness, person: str = MENTOR) -> Pair:
    with harness.db.session() as session:
        return next(p for p in session.exec(select(Pair)).all() if p.has_partner(person))


def rows(harness: Harness, model):  # type: ignore[no-untyped-def]
    with harness.db.session() as session:
        return list(session.exec(select(model).order_by(model.id)).all())


def reminders(harness: Harness) -> list[Delivery]:
    """Action reminders only: pairing plans deliveries of its own."""
    return [d for d in rows(harness, Delivery) if d.kind == "action_reminder"]


def reply(harness: Harness) -> dict:
    return harness.standin.responses()[-1].body


def command(harness: Harness, text: str, *, user: str = MENTOR, channel: str | None = None):  # type: ignore[no-untyped-def]
    return harness.driver.command(
        f"action {text}", user=user, channel=channel or pair_of(harness, user).channel_id
    )


def notes(harness: Harness) -> list[dict]:
    return [
        m
        for m in harness.standin.messages(pair_of(harness).channel_id)
        if "added an action item" in m["text"]
    ]


def buttons(message: dict) -> list[str]:
    labels = []
    for block in message["blocks"]:
        if block.get("accessory", {}).get("type") == "button":
            labels.append(block["accessory"]["text"]["text"])
        if block["type"] == "actions":
            labels += [e["text"]["text"] for e in block["elements"]]
    return labels


def list_actions(harness: Harness, *, user: str = MENTOR, channel: str = "C0GENERAL") -> dict:
    harness.driver.command("actions", user=user, channel=channel)
    return harness.standin.ephemerals(channel, user=user)[-1]


def noon(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, 12, tzinfo=UTC).timestamp())


def test_an_action_item_is_stored_noted_in_the_pair_and_its_reminder_planned(
    paired: Harness,
) -> None:
    command(paired, f"{MENTEE_MENTION} Draft the proposal by Friday")
    (item,) = rows(paired, ActionItem)
    assert (item.owner_id, item.text, item.due_on, item.created_by) == (
        MENTEE,
        "Draft the proposal",
        FRIDAY,
        MENTOR,
    )
    (note,) = notes(paired)
    assert note["text"] == (
        f":pushpin: <@{MENTOR}> added an action item for <@{MENTEE}>: “Draft the proposal” "
        f"(due <!date^{noon(FRIDAY)}^{{date_short_pretty}}|2026-03-06>)"
    )
    # Run in the pair's conversation, the note is the whole answer.
    assert paired.standin.responses() == []
    (reminder,) = reminders(paired)
    assert (reminder.kind, reminder.recipient, reminder.subject_id, reminder.state) == (
        "action_reminder",
        MENTEE,
        item.id,
        "pending",
    )
    assert reminder.due_at == datetime(2026, 3, 5, 8, 0, tzinfo=UTC)  # 09:00 in Berlin
    assert reminder.expires_at == datetime(2026, 3, 6, 23, 0, tzinfo=UTC)


def test_the_reminder_arrives_at_nine_the_day_before_and_mark_done_closes_it(
    paired: Harness,
) -> None:
    command(paired, f"{MENTEE_MENTION} Draft the proposal by friday")
    paired.clock.now = datetime(2026, 3, 5, 7, 59, tzinfo=UTC)
    assert paired.bot.deliver_due().sent == 0
    paired.clock.now = datetime(2026, 3, 5, 8, 0, tzinfo=UTC)
    assert paired.bot.deliver_due().sent == 1
    reminder = paired.standin.messages(MENTEE)[-1]
    assert "“Draft the proposal”" in reminder["text"]
    assert f"<!date^{noon(FRIDAY)}^{{date_short_pretty}}|2026-03-06>" in reminder["text"]
    assert buttons(reminder) == ["Mark done"]

    paired.standin.clear()
    paired.driver.click(reminder, "Mark done", user=MENTEE)
    (item,) = rows(paired, ActionItem)
    assert item.done_by == MENTEE and item.done_at == paired.clock.now
    updated = paired.standin.messages(MENTEE)[-1]
    assert updated["ts"] == reminder["ts"] and "Done by" in updated["text"]
    assert buttons(updated) == []
    # Nobody else hears of it.
    assert not paired.standin.calls("chat.postMessage") and paired.standin.responses() == []
    # Nothing more is sent for it.
    paired.clock.now = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)
    assert paired.bot.deliver_due().sent == 0


def test_a_reminder_is_withdrawn_once_the_item_is_done(paired: Harness) -> None:
    command(paired, f"{MENTEE_MENTION} Draft the proposal by friday")
    listing = list_actions(paired, user=MENTEE)
    paired.driver.click(listing, "Mark done", user=MENTEE)
    assert [d.state for d in reminders(paired)] == [DeliveryState.WITHDRAWN]
    paired.standin.clear()
    paired.clock.now = datetime(2026, 3, 5, 8, 0, tzinfo=UTC)
    assert paired.bot.deliver_due().sent == 0
    assert not paired.standin.calls("chat.postMessage")


def test_a_reminder_whose_item_was_done_behind_its_back_is_not_sent(paired: Harness) -> None:
    command(paired, f"{MENTEE_MENTION} Draft the proposal by friday")
    (item,) = rows(paired, ActionItem)
    with paired.db.session() as session:  # done, say, by an earlier version without withdrawal
        row = session.get(ActionItem, item.id)
        assert row is not None
        row.done_at = paired.clock.now
    paired.clock.now = datetime(2026, 3, 5, 8, 0, tzinfo=UTC)
    report = paired.bot.deliver_due()
    assert (report.sent, report.withdrawn) == (0, 1)


def test_the_reminder_follows_the_owners_zone(harness: Harness) -> None:
    harness.driver.command("pair <@UTOKYO01> <@UNEWYORK>", user=ADMIN)
    settle(harness)
    pair = pair_of(harness, "UTOKYO01")
    harness.driver.command(
        "action <@UNEWYORK|nia> Send the draft by 2026-03-06", user="UTOKYO01", channel="C0GENERAL"
    )
    assert "noted it in your conversation with <@UNEWYORK>" in reply(harness)["text"]
    (reminder,) = reminders(harness)
    # 09:00 in New York (EST) on the 5th; useful until the 6th ends there.
    assert reminder.due_at == datetime(2026, 3, 5, 14, 0, tzinfo=UTC)
    assert reminder.expires_at == datetime(2026, 3, 7, 5, 0, tzinfo=UTC)
    harness.clock.now = datetime(2026, 3, 5, 13, 59, tzinfo=UTC)
    assert harness.bot.deliver_due().sent == 0
    harness.clock.now = datetime(2026, 3, 5, 14, 0, tzinfo=UTC)
    assert harness.bot.deliver_due().sent == 1
    assert "Send the draft" in harness.standin.messages("UNEWYORK")[-1]["text"]
    (note,) = [m for m in harness.standin.messages(pair.channel_id) if "action item" in m["text"]]
    assert "<@UTOKYO01> added an action item for <@UNEWYORK>" in note["text"]


def test_relative_dates_are_read_in_the_askers_zone(harness: Harness) -> None:
    # 23:30 UTC on Monday is already Tuesday in Tokyo: "tomorrow" there is Wednesday.
    harness.driver.command("pair <@UTOKYO01> <@UNEWYORK>", user=ADMIN)
    harness.clock.now = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
    harness.driver.command("action <@UTOKYO01> Book a room by tomorrow", user="UTOKYO01")
    harness.driver.command("action <@UNEWYORK> Book a room by tomorrow", user="UNEWYORK")
    assert [i.due_on for i in rows(harness, ActionItem)] == [date(2026, 3, 4), date(2026, 3, 3)]


@pytest.mark.parametrize(
    ("when", "text", "due_at"),
    [
        # Added after the reminder's moment, before the due date: reminded right away.
        (
            datetime(2026, 3, 5, 10, 0, tzinfo=UTC),
            "by tomorrow",
            datetime(2026, 3, 5, 10, 0, tzinfo=UTC),
        ),
        # Due today, or with no date: no reminder.
        (datetime(2026, 3, 5, 10, 0, tzinfo=UTC), "by today", None),
        (datetime(2026, 3, 5, 10, 0, tzinfo=UTC), "", None),
    ],
)
def test_when_a_reminder_is_planned(
    paired: Harness, when: datetime, text: str, due_at: datetime | None
) -> None:
    paired.clock.now = when
    command(paired, f"<@{MENTOR}> Prepare questions {text}")
    (item,) = rows(paired, ActionItem)
    assert item.owner_id == MENTOR
    assert [d.due_at for d in reminders(paired)] == ([due_at] if due_at else [])


def test_an_item_for_oneself_goes_to_the_only_pair_from_any_channel(paired: Harness) -> None:
    paired.driver.command(f"action <@{MENTOR}|maria> Prepare questions", user=MENTOR)
    (item,) = rows(paired, ActionItem)
    assert (item.owner_id, item.pair_id, item.due_on) == (MENTOR, pair_of(paired).id, None)
    assert f"conversation with <@{MENTEE}>" in reply(paired)["text"]
    assert len(notes(paired)) == 1


def test_with_several_pairs_an_item_for_oneself_needs_the_pairs_conversation(
    paired: Harness,
) -> None:
    paired.driver.command("pair <@UNEWYORK> <@UMENTOR1>", user=ADMIN)
    paired.driver.command(f"action <@{MENTOR}> Prepare questions", user=MENTOR)
    assert "several pairs" in reply(paired)["text"] and rows(paired, ActionItem) == []
    second = next(p for p in rows(paired, Pair) if p.has_partner("UNEWYORK"))
    paired.driver.command(
        f"action <@{MENTOR}> Prepare questions", user=MENTOR, channel=second.channel_id
    )
    # Naming the partner picks the pair from anywhere.
    paired.driver.command("action <@UNEWYORK> Share the slides", user=MENTOR)
    assert [(i.owner_id, i.pair_id) for i in rows(paired, ActionItem)] == [
        (MENTOR, second.id),
        ("UNEWYORK", second.id),
    ]


BAD_COMMANDS = [
    pytest.param("Draft the proposal by friday", "Start with who owns it", id="no-owner"),
    pytest.param("@tomas Draft the proposal", "Start with who owns it", id="owner-not-mention"),
    pytest.param(
        f"<@{STRANGER}|sam> Draft the proposal", "isn't in a pair with you", id="outsider"
    ),
    pytest.param(f"{MENTEE_MENTION} Draft it by 2026-03-01", "already passed", id="past-date"),
    pytest.param(
        f"{MENTEE_MENTION} Draft it by someday", "couldn't read the due date", id="bad-date"
    ),
    pytest.param(f"{MENTEE_MENTION} Draft it by 2026-02-30", "couldn't read", id="no-such-date"),
    pytest.param(MENTEE_MENTION, "Say what needs doing", id="no-text"),
    pytest.param(f"{MENTEE_MENTION}   by friday", "Say what needs doing", id="only-a-date"),
    pytest.param(f"{MENTEE_MENTION} " + "a" * 301, "300 characters or fewer", id="too-long"),
]


@pytest.mark.parametrize(("text", "fragment"), BAD_COMMANDS)
def test_bad_action_commands_are_refused_privately_and_change_nothing(
    paired: Harness, text: str, fragment: str
) -> None:
    response = command(paired, text)
    assert response.status == 200
    (answer,) = paired.standin.responses()
    assert answer.body["response_type"] == "ephemeral" and fragment in answer.body["text"]
    assert rows(paired, ActionItem) == [] and reminders(paired) == []
    assert not paired.standin.calls("chat.postMessage")


def test_refused_dates_list_the_forms_that_work(paired: Harness) -> None:
    command(paired, f"{MENTEE_MENTION} Draft it by next month")
    text = reply(paired)["text"]
    for form in ("`by 2026-04-30`", "`by today`", "`by tomorrow`", "`by friday`", "`by next week`"):
        assert form in text


def test_someone_without_a_pair_cannot_add(paired: Harness) -> None:
    paired.driver.command(f"action <@{STRANGER}> Anything", user=STRANGER)
    assert "aren't in a mentoring pair" in reply(paired)["text"]
    assert rows(paired, ActionItem) == []


def test_user_text_is_escaped_and_pings_nobody(paired: Harness) -> None:
    command(
        paired, f"{MENTEE_MENTION} Tell <!channel> & <@{STRANGER}> about <http://x.io|it> by friday"
    )
    (note,) = notes(paired)
    shown = "Tell &lt;!channel&gt; &amp; &lt;@USTRANGE&gt; about &lt;http://x.io|it&gt;"
    assert shown in note["text"] and shown in json.dumps(note["blocks"])
    assert "<!channel>" not in json.dumps(note) and "<@USTRANGE>" not in json.dumps(note)
    listing = list_actions(paired)
    assert shown in json.dumps(listing) and "<!channel>" not in json.dumps(listing)
    paired.clock.now = datetime(2026, 3, 5, 8, 0, tzinfo=UTC)
    paired.bot.deliver_due()
    reminder = paired.standin.messages(MENTEE)[-1]
    assert shown in reminder["text"] and "<!channel>" not in json.dumps(reminder)
    (item,) = rows(paired, ActionItem)
    assert item.text == f"Tell <!channel> & <@{STRANGER}> about <http://x.io|it>"


def test_actions_lists_open_items_soonest_first_with_overdue_marked(paired: Harness) -> None:
    command(paired, f"{MENTEE_MENTION} Later one by 2026-03-20")
    command(paired, f"<@{MENTOR}> No date")
    command(paired, f"{MENTEE_MENTION} Sooner one by tomorrow")
    paired.clock.now = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)  # Wednesday: "Sooner" is overdue
    listing = list_actions(paired, user=MENTEE)
    assert listing["text"] == f"Open action items with <@{MENTOR}>: 3, 1 overdue"
    sections = [b for b in listing["blocks"] if b.get("block_id", "").startswith("action_item_")]
    texts = [s["text"]["text"] for s in sections]
    assert ["Sooner one" in texts[0], "Later one" in texts[1], "No date" in texts[2]] == [True] * 3
    assert "Overdue" in texts[0] and "Overdue" not in texts[1]
    assert f"<!date^{noon(date(2026, 3, 3))}^{{date_short_pretty}}|2026-03-03>" in texts[0]
    assert texts[0].startswith(f"<@{MENTEE}>") and texts[2].startswith(f"<@{MENTOR}>")
    assert buttons(listing) == ["Mark done"] * 3 + ["Add action item"]
    ids = {i.text: str(i.id) for i in rows(paired, ActionItem)}
    values = [s["accessory"]["value"] for s in sections]
    assert values == [ids["Sooner one"], ids["Later one"], ids["No date"]]


def test_mark_done_updates_the_list_and_tells_nobody_else(paired: Harness) -> None:
    command(paired, f"{MENTEE_MENTION} First by friday")
    command(paired, f"{MENTEE_MENTION} Second by next week")
    listing = list_actions(paired)
    first = rows(paired, ActionItem)[0]
    paired.standin.clear()
    paired.driver.click(listing, "Mark done", user=MENTOR, block_id=f"action_item_{first.id}")
    (answer,) = paired.standin.responses()
    assert answer.body["replace_original"] is True
    updated = paired.standin.ephemerals("C0GENERAL", user=MENTOR)[-1]
    assert updated["ts"] == listing["ts"] and "First" not in json.dumps(updated)
    assert "Second" in json.dumps(updated) and updated["text"].endswith(": 1")
    assert not paired.standin.calls("chat.postMessage") and not paired.standin.calls("chat.update")
    done = rows(paired, ActionItem)[0]
    assert (done.done_by, done.done_at) == (MENTOR, paired.clock.now)

    # Clicking the same button again (an old copy of the list) is harmless.
    paired.clock.advance(minutes=5)
    paired.driver.click(listing, "Mark done", user=MENTEE, block_id=f"action_item_{first.id}")
    again = rows(paired, ActionItem)[0]
    assert (again.done_by, again.done_at) == (MENTOR, done.done_at)
    assert rows(paired, ActionItem)[1].done_at is None
    assert not paired.standin.calls("chat.postMessage")


def test_an_empty_list_says_how_to_add_one(paired: Harness) -> None:
    listing = list_actions(paired)
    assert "No open action items" in listing["text"] and "/mentor action @owner" in listing["text"]
    assert buttons(listing) == ["Add action item"]


def test_a_long_list_stays_within_slacks_limits(paired: Harness) -> None:
    pair = pair_of(paired)
    for n in range(45):
        actions.add_action(
            paired.db,
            team_id=pair.team_id,
            pair_id=pair.id or 0,
            author_id=MENTOR,
            owner_id=MENTEE,
            text=f"Item {n} " + "<&>" * 95,
            due_on=date(2026, 3, 3) + timedelta(days=n),
            owner_tz=None,
            now=paired.clock.now,
        )
    listing = list_actions(paired)
    assert len(listing["blocks"]) <= 50
    assert "and 5 more" in json.dumps(listing["blocks"]) and listing["text"].endswith(": 45")
    # The stand-in checks every limit; a click still works on the long list.
    paired.driver.click(
        listing, "Mark done", user=MENTOR, block_id=listing["blocks"][1]["block_id"]
    )
    assert "and 4 more" in json.dumps(paired.standin.ephemerals("C0GENERAL", user=MENTOR)[-1])


def test_nobody_can_mark_done_another_pairs_item(paired: Harness) -> None:
    paired.driver.command(f"pair <@{STRANGER}> <@UTOKYO01>", user=ADMIN)
    paired.driver.command("action <@UTOKYO01> Their item", user=STRANGER)
    theirs = next(i for i in rows(paired, ActionItem) if i.owner_id == "UTOKYO01")
    paired.standin.clear()
    paired.driver.click_action("action_done", value=str(theirs.id), user=MENTOR)
    assert "belongs to another pair" in reply(paired)["text"]
    assert reply(paired)["response_type"] == "ephemeral"
    assert rows(paired, ActionItem)[0].done_at is None
    assert [d.state for d in reminders(paired)] == []
    assert not paired.standin.calls("chat.postMessage") and not paired.standin.calls("chat.update")


@pytest.mark.parametrize("value", ["9999", "abc", "", "1:2"])
def test_forged_mark_done_values_are_refused(paired: Harness, value: str) -> None:
    command(paired, f"{MENTEE_MENTION} Draft it by friday")
    paired.driver.click_action("action_done", value=value, user=MENTOR)
    assert "action item" in reply(paired)["text"] or "button" in reply(paired)["text"]
    assert rows(paired, ActionItem)[0].done_at is None


def test_an_item_id_from_another_workspace_finds_nothing(paired: Harness) -> None:
    command(paired, f"{MENTEE_MENTION} Draft it by friday")
    (item,) = rows(paired, ActionItem)
    paired.driver.click_action("action_done", value=str(item.id), user=MENTOR, team_id=OTHER_TEAM)
    assert "can't find that action item" in reply(paired)["text"]
    assert rows(paired, ActionItem)[0].done_at is None


def open_add_modal(harness: Harness, *, user: str = MENTOR) -> dict:
    listing = list_actions(harness, user=user)
    harness.driver.click(listing, "Add action item", user=user)
    return harness.standin.last("views.open").response["view"]


def test_the_add_modal_adds_an_item_with_its_reminder(paired: Harness) -> None:
    modal = open_add_modal(paired)
    inputs = {b["block_id"]: b for b in modal["blocks"] if b["type"] == "input"}
    owner = inputs["action_owner"]["element"]
    assert [(o["text"]["text"], o["value"]) for o in owner["options"]] == [
        ("Me", MENTOR),
        ("tomas", MENTEE),
    ]
    assert inputs["action_text"]["element"]["max_length"] == 300
    assert inputs["action_due"]["element"]["type"] == "datepicker"
    assert inputs["action_due"].get("optional") is True
    assert json.loads(modal["private_metadata"])["pair"] == pair_of(paired).id

    response = paired.driver.submit(
        modal,
        {
            "action_owner": MENTEE,
            "action_text": "Read <!here> chapter 3",
            "action_due": "2026-03-06",
        },
        user=MENTOR,
        client_checks=True,
    )
    assert response.status == 200 and response.body == ""
    (item,) = rows(paired, ActionItem)
    assert (item.owner_id, item.text, item.due_on) == (MENTEE, "Read <!here> chapter 3", FRIDAY)
    (note,) = notes(paired)
    assert "&lt;!here&gt;" in note["text"] and "<!here>" not in json.dumps(note)
    (reminder,) = reminders(paired)
    assert reminder.due_at == datetime(2026, 3, 5, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("values", "field", "fragment"),
    [
        ({"action_text": "Read", "action_due": "2026-03-01"}, "action_due", "already passed"),
        ({"action_text": "Read", "action_due": "2027-06-01"}, "action_due", "within the next year"),
        ({"action_text": "   "}, "action_text", "Say what needs doing"),
        ({"action_text": "x" * 301}, "action_text", "300 characters or fewer"),
        ({"action_text": "Read", "action_owner": None}, "action_owner", "Choose who owns it"),
    ],
)
def test_bad_modal_fields_are_shown_under_the_field(
    paired: Harness, values: dict, field: str, fragment: str
) -> None:
    modal = open_add_modal(paired)
    response = paired.driver.submit(modal, values, user=MENTOR)
    body = json.loads(response.body)
    assert body["response_action"] == "errors" and fragment in body["errors"][field]
    assert rows(paired, ActionItem) == [] and reminders(paired) == []
    assert not paired.standin.calls("chat.postMessage")


def test_the_modal_cannot_be_forged_into_another_pair(paired: Harness) -> None:
    paired.driver.command(f"pair <@{STRANGER}> <@UTOKYO01>", user=ADMIN)
    theirs = pair_of(paired, STRANGER)
    modal = open_add_modal(paired)
    modal["private_metadata"] = json.dumps({"pair": theirs.id})
    response = paired.driver.submit(modal, {"action_text": "Sneaky"}, user=MENTOR)
    assert "a pair you're in" in json.loads(response.body)["errors"]["action_owner"]
    # Nor opened by someone outside the pair.
    paired.standin.clear()
    paired.driver.click_action("action_add", value=str(pair_of(paired).id), user=STRANGER)
    assert "a pair you're in" in reply(paired)["text"]
    assert not paired.standin.calls("views.open") and rows(paired, ActionItem) == []
