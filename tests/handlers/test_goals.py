"""Goals through Slack: /mentor goals, the Add goal modal, Mark reached and the celebration."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from bot import goals
from bot.goals import GoalForm
from storage.models import Goal, Pair
from tests.conftest import ADMIN, MENTEE, MENTOR, OTHER_TEAM, STRANGER, Harness


@pytest.fixture
def paired(harness: Harness) -> Harness:
    harness.driver.command(f"pair <@{MENTOR}> <@{MENTEE}>", user=ADMIN)
    harness.standin.clear()
    return harness


def pair_of(harness: Harness, person: str = MENTOR) -> Pair:
    with harness.db.session() as session:
        return next(p for p in session.exec(select(Pair)).all() if p.has_partner(person))


def all_goals(harness: Harness) -> list[Goal]:
    with harness.db.session() as session:
        return list(session.exec(select(Goal).order_by(Goal.id)).all())  # type: ignore[arg-type]


def reply(harness: Harness) -> dict:
    return harness.standin.responses()[-1].body


def list_goals(harness: Harness, *, user: str = MENTOR, channel: str = "C0GENERAL") -> dict:
    harness.driver.command("goals", user=user, channel=channel)
    return harness.standin.ephemerals(channel, user=user)[-1]


def buttons(message: dict) -> list[str]:
    labels = []
    for block in message["blocks"]:
        if block.get("accessory", {}).get("type") == "button":
            labels.append(block["accessory"]["text"]["text"])
        if block["type"] == "actions":
            labels += [e["text"]["text"] for e in block["elements"]]
    return labels


def open_goal_modal(harness: Harness, *, user: str = MENTOR) -> dict:
    harness.driver.click(list_goals(harness, user=user), "Add goal", user=user)
    return harness.standin.last("views.open").response["view"]


def in_pair_channel(harness: Harness, fragment: str) -> list[dict]:
    return [
        m for m in harness.standin.messages(pair_of(harness).channel_id) if fragment in m["text"]
    ]


def add_directly(harness: Harness, title: str, **form: object) -> Goal:
    pair = pair_of(harness)
    goal, _ = goals.add_goal(
        harness.db,
        team_id=pair.team_id,
        pair_id=pair.id or 0,
        author_id=MENTOR,
        form=GoalForm(
            title=title, indicator=str(form.get("indicator", "We'll see")), target_on=None
        ),
        now=harness.clock.now,
    )
    return goal


def test_no_goals_yet_offers_to_add_one(paired: Harness) -> None:
    listing = list_goals(paired)
    assert "no goals yet" in listing["text"] and buttons(listing) == ["Add goal"]


def test_a_goal_is_added_from_the_modal_and_listed(paired: Harness) -> None:
    modal = open_goal_modal(paired, user=MENTEE)
    inputs = {b["block_id"]: b for b in modal["blocks"] if b["type"] == "input"}
    assert inputs["goal_title"]["element"]["max_length"] == 150
    assert inputs["goal_indicator"]["label"]["text"] == "How will you know?"
    assert inputs["goal_indicator"]["element"]["max_length"] == 300
    assert inputs["goal_target"]["element"]["type"] == "datepicker"
    assert inputs["goal_target"].get("optional") is True
    assert json.loads(modal["private_metadata"])["pair"] == pair_of(paired).id

    response = paired.driver.submit(
        modal,
        {
            "goal_title": "Lead team meetings",
            "goal_indicator": "I run three in a row without notes",
            "goal_target": "2026-06-30",
        },
        user=MENTEE,
        client_checks=True,
    )
    assert response.status == 200 and response.body == ""
    (goal,) = all_goals(paired)
    assert (goal.title, goal.indicator, goal.target_on, goal.created_by, goal.reached_at) == (
        "Lead team meetings",
        "I run three in a row without notes",
        date(2026, 6, 30),
        MENTEE,
        None,
    )
    (note,) = in_pair_channel(paired, "added a goal")
    assert f"<@{MENTEE}> added a goal: “Lead team meetings”" in note["text"]

    listing = list_goals(paired)
    assert listing["text"] == f"Goals with <@{MENTEE}>: 1 open, 0 reached"
    shown = json.dumps(listing["blocks"])
    assert "Lead team meetings" in shown and "I run three in a row without notes" in shown
    noon = int(datetime(2026, 6, 30, 12, tzinfo=UTC).timestamp())
    assert f"<!date^{noon}^{{date_short_pretty}}|2026-06-30>" in shown
    assert buttons(listing) == ["Mark reached", "Add goal"]


def test_reaching_a_goal_is_celebrated_once_and_listed_with_who_and_when(paired: Harness) -> None:
    add_directly(paired, "Speak at <!channel> all-hands & survive")
    listing = list_goals(paired, user=MENTEE)
    paired.standin.clear()
    paired.driver.click(listing, "Mark reached", user=MENTEE)
    (goal,) = all_goals(paired)
    assert (goal.reached_by, goal.reached_at) == (MENTEE, paired.clock.now)
    (celebration,) = in_pair_channel(paired, ":tada:")
    assert celebration["text"] == (
        f":tada: <@{MENTOR}> and <@{MENTEE}> reached their goal "
        "“Speak at &lt;!channel&gt; all-hands &amp; survive”!"
    )
    assert "<!channel>" not in json.dumps(celebration)
    # The list the click came from shows it reached, with who and when.
    updated = paired.standin.ephemerals("C0GENERAL", user=MENTEE)[-1]
    assert updated["ts"] == listing["ts"] and updated["text"].endswith("0 open, 1 reached")
    assert f"reached by <@{MENTEE}>" in json.dumps(updated["blocks"])
    assert buttons(updated) == ["Add goal"]

    # A second click (an old copy of the list) is harmless: no second celebration.
    paired.clock.advance(hours=1)
    paired.driver.click(listing, "Mark reached", user=MENTOR)
    assert len(in_pair_channel(paired, ":tada:")) == 1
    assert all_goals(paired)[0].reached_by == MENTEE

    # What the agenda asks for: every goal of the pair, and none across workspaces.
    pair = pair_of(paired)
    assert [
        g.id for g in goals.goals_of(paired.db, team_id=pair.team_id, pair_id=pair.id or 0)
    ] == [goal.id]
    assert goals.goals_of(paired.db, team_id=OTHER_TEAM, pair_id=pair.id or 0) == []


def test_the_sixth_open_goal_is_refused(paired: Harness) -> None:
    for n in range(5):
        add_directly(paired, f"Goal {n}")
    listing = list_goals(paired)
    assert "Mark one reached before adding another" in json.dumps(listing["blocks"])
    paired.standin.clear()
    paired.driver.click(listing, "Add goal", user=MENTOR)
    assert "already have 5 open goals" in reply(paired)["text"]
    assert "mark one reached" in reply(paired)["text"]
    assert not paired.standin.calls("views.open") and len(all_goals(paired)) == 5


def test_a_modal_opened_before_the_limit_cannot_add_a_sixth(paired: Harness) -> None:
    for n in range(4):
        add_directly(paired, f"Goal {n}")
    modal = open_goal_modal(paired)
    add_directly(paired, "Goal 4")  # the partner adds one meanwhile
    response = paired.driver.submit(
        modal, {"goal_title": "One more", "goal_indicator": "Done"}, user=MENTOR
    )
    assert "already have 5 open goals" in json.loads(response.body)["errors"]["goal_title"]
    assert len(all_goals(paired)) == 5


def test_a_reached_goal_makes_room_for_another(paired: Harness) -> None:
    for n in range(5):
        add_directly(paired, f"Goal {n}")
    listing = list_goals(paired)
    first = all_goals(paired)[0]
    paired.driver.click(listing, "Mark reached", user=MENTOR, block_id=f"goal_item_{first.id}")
    modal = open_goal_modal(paired)
    paired.driver.submit(modal, {"goal_title": "Sixth", "goal_indicator": "Fine"}, user=MENTOR)
    assert len(all_goals(paired)) == 6


@pytest.mark.parametrize(
    ("values", "field", "fragment"),
    [
        (
            {"goal_title": "T", "goal_indicator": "I", "goal_target": "2026-03-01"},
            "goal_target",
            "already passed",
        ),
        (
            {"goal_title": "T", "goal_indicator": "I", "goal_target": "2032-01-01"},
            "goal_target",
            "five years",
        ),
        ({"goal_title": "   ", "goal_indicator": "I"}, "goal_title", "can't be left empty"),
        ({"goal_title": "x" * 151, "goal_indicator": "I"}, "goal_title", "150 characters"),
        ({"goal_title": "T", "goal_indicator": " "}, "goal_indicator", "how you'll know"),
        ({"goal_title": "T", "goal_indicator": "y" * 301}, "goal_indicator", "300 characters"),
    ],
)
def test_bad_goal_fields_are_shown_under_the_field(
    paired: Harness, values: dict, field: str, fragment: str
) -> None:
    modal = open_goal_modal(paired)
    body = json.loads(paired.driver.submit(modal, values, user=MENTOR).body)
    assert body["response_action"] == "errors" and fragment in body["errors"][field]
    assert all_goals(paired) == [] and not paired.standin.calls("chat.postMessage")


def test_today_counts_in_the_authors_zone(harness: Harness) -> None:
    # 23:30 UTC on 2 March is already the 3rd in Tokyo: the 2nd has passed there.
    harness.driver.command("pair <@UTOKYO01> <@UNEWYORK>", user=ADMIN)
    harness.clock.now = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
    values = {"goal_title": "T", "goal_indicator": "I", "goal_target": "2026-03-02"}
    tokyo = open_goal_modal(harness, user="UTOKYO01")
    body = json.loads(harness.driver.submit(tokyo, values, user="UTOKYO01").body)
    assert "already passed" in body["errors"]["goal_target"]
    new_york = open_goal_modal(harness, user="UNEWYORK")
    assert harness.driver.submit(new_york, values, user="UNEWYORK").body == ""
    assert [g.created_by for g in all_goals(harness)] == ["UNEWYORK"]


def test_only_partners_can_add_or_mark_goals(paired: Harness) -> None:
    paired.driver.command(f"pair <@{STRANGER}> <@UTOKYO01>", user=ADMIN)
    theirs = pair_of(paired, STRANGER)
    goal = add_directly(paired, "Ours")
    paired.standin.clear()
    # Someone outside the pair can't list, add to or mark its goals, nor open its modal.
    paired.driver.command("goals", user=ADMIN)
    assert "aren't in a mentoring pair" in reply(paired)["text"]
    paired.driver.click_action("goal_reached", value=str(goal.id), user=STRANGER)
    assert "belongs to another pair" in reply(paired)["text"]
    paired.driver.click_action("goal_add", value=str(pair_of(paired).id), user=STRANGER)
    assert "a pair you're in" in reply(paired)["text"]
    # Nor can a partner forge the modal into another pair.
    modal = open_goal_modal(paired)
    modal["private_metadata"] = json.dumps({"pair": theirs.id, "tz": None})
    body = json.loads(
        paired.driver.submit(modal, {"goal_title": "T", "goal_indicator": "I"}, user=MENTOR).body
    )
    assert "a pair you're in" in body["errors"]["goal_title"]
    # Nor reach a goal from another workspace.
    paired.driver.click_action("goal_reached", value=str(goal.id), user=MENTOR, team_id=OTHER_TEAM)
    assert "can't find that goal" in reply(paired)["text"]
    assert [(g.title, g.reached_at) for g in all_goals(paired)] == [("Ours", None)]
    assert len(paired.standin.calls("views.open")) == 1  # the partner's own, above
    assert not in_pair_channel(paired, ":tada:")


def test_goals_for_a_named_partner(paired: Harness) -> None:
    paired.driver.command("pair <@UNEWYORK> <@UMENTOR1>", user=ADMIN)
    second = pair_of(paired, "UNEWYORK")
    goals.add_goal(
        paired.db,
        team_id=second.team_id,
        pair_id=second.id or 0,
        author_id="UNEWYORK",
        form=GoalForm("Their goal", "Signals", None),
        now=paired.clock.now,
    )
    paired.driver.command("goals", user=MENTOR)
    assert "several pairs" in reply(paired)["text"]
    paired.driver.command("goals <@UNEWYORK|nia>", user=MENTOR)
    assert "Their goal" in json.dumps(reply(paired)["blocks"])
