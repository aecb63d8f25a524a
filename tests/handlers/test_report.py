"""Program health through Slack: /mentor report, Export CSV, nudges and the admins' digest."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot import messages
from bot.ids import Action
from storage.models import Delivery, MentoringSession, Pair, SessionStatus
from tests.conftest import ADMIN, MENTEE, MENTOR, OTHER_TEAM, STRANGER, Harness

# The harness clock starts on Monday 2 March 2026, 09:00 UTC.
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FIRST_SESSION = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)
MARKER = "PRIVATE-TEXT-MARKER"


@pytest.fixture
def paired(harness: Harness) -> Harness:
    harness.driver.command(f"pair <@{MENTOR}> <@{MENTEE}>", user=ADMIN)
    harness.bot.deliver_due()  # each partner's first-meeting form
    harness.standin.clear()
    return harness


def pair_of(harness: Harness) -> Pair:
    with harness.db.session() as session:
        return session.exec(select(Pair)).one()


def reply(harness: Harness) -> dict:
    return harness.standin.responses()[-1].body


def buttons(message: dict) -> list[str]:
    return [
        e["text"]["text"]
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    ]


def run_at(harness: Harness, moment: datetime):  # type: ignore[no-untyped-def]
    harness.clock.now = moment
    return harness.bot.deliver_due()


def report_message(harness: Harness) -> dict:
    harness.driver.command("report", user=ADMIN)
    return harness.standin.ephemerals("C0GENERAL", user=ADMIN)[-1]


def nothing_sent(harness: Harness) -> bool:
    return not (
        harness.standin.calls("chat.postMessage")
        or harness.standin.calls("views.open")
        or harness.standin.uploaded_files()
    )


# -- /mentor report and Export CSV -------------------------------------------------------------
def test_an_admin_sees_the_report_and_gets_it_as_csv_in_their_dm(paired: Harness) -> None:
    report = report_message(paired)
    assert report["text"].startswith("Program health: 1 pairs (1 active, 0 paused, 0 ended)")
    shown = json.dumps(report["blocks"])
    assert "Agreements signed by both: 0 of 1" in shown
    assert "Drifting pairs (0)" in shown and "At-risk pairs (0)" in shown
    assert buttons(report) == ["Export CSV"]

    paired.driver.click(report, "Export CSV", user=ADMIN)
    assert [c.method for c in paired.standin.calls() if c.method.startswith("files.")] == [
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    ]
    (upload,) = paired.standin.uploaded_files()
    admin_dm = paired.standin.last("conversations.open").response["channel"]["id"]
    assert upload["channel_id"] == admin_dm and upload["team_id"] == "T0001"
    assert upload["filename"] == "mentorbot-program-health-2026-03-02.csv"
    lines = upload["content"].decode("utf-8").splitlines()
    assert lines[0] == "section,program,metric,value,mentor,mentee,mentor_name,mentee_name"
    assert "summary,All programs,pairs_active,1,,,," in lines
    assert "summary,main,pairs_active,1,,,," in lines
    assert "I've sent you `mentorbot-program-health-2026-03-02.csv`" in reply(paired)["text"]
    # Only the admin's DM got anything: no message went to anyone.
    assert not paired.standin.calls("chat.postMessage")


@pytest.mark.parametrize("person", [MENTOR, STRANGER])
def test_anyone_else_is_refused_the_report_and_the_export(paired: Harness, person: str) -> None:
    paired.driver.command("report", user=person)
    assert reply(paired)["text"] == messages.NOT_ADMIN_REPORT
    # A forged Export CSV click too: nothing is uploaded, nobody else hears of it.
    paired.driver.click_action(Action.REPORT_EXPORT, value="csv", user=person)
    assert reply(paired)["text"] == messages.NOT_ADMIN_REPORT
    assert nothing_sent(paired) and not paired.standin.calls("conversations.open")


def test_the_report_takes_nothing_after_it(paired: Harness) -> None:
    paired.driver.command("report main", user=ADMIN)
    assert reply(paired)["text"] == messages.REPORT_TAKES_NOTHING
    assert nothing_sent(paired)


def test_a_failed_upload_is_explained(paired: Harness) -> None:
    report = report_message(paired)
    paired.standin.fail_next("files.completeUploadExternal", error="not_in_channel")
    paired.driver.click(report, "Export CSV", user=ADMIN)
    assert "couldn't send you the CSV (Slack said: not_in_channel)" in reply(paired)["text"]
    assert paired.standin.uploaded_files() == []


def test_the_report_is_of_the_askers_workspace_only(paired: Harness) -> None:
    paired.standin.add_workspace(OTHER_TEAM, bot_token="xoxb-other", bot_user_id="UBOT0002")
    paired.standin.add_user(OTHER_TEAM, ADMIN, name="ada")
    paired.driver.command("report", user=ADMIN, team_id=OTHER_TEAM)
    assert reply(paired)["text"].startswith("Program health: 0 pairs")


# -- nudges ------------------------------------------------------------------------------------
def test_a_stalling_pair_is_nudged_and_schedules_from_the_nudge(paired: Harness) -> None:
    # The program's default cadence is every two weeks: nothing before that.
    run_at(paired, START + timedelta(days=13, hours=23))
    assert not paired.standin.calls("chat.postMessage")
    run_at(paired, START + timedelta(days=14))
    nudge = paired.standin.messages(MENTOR)[-1]
    assert nudge["text"].startswith(f":seedling: Time to plan your next session with <@{MENTEE}>.")
    assert "You agreed to meet every two weeks; you were paired on" in nudge["text"]
    assert buttons(nudge) == ["Schedule"]
    assert buttons(paired.standin.messages(MENTEE)[-1]) == ["Schedule"]

    paired.driver.click(nudge, "Schedule", user=MENTOR)
    modal = paired.standin.last("views.open").response["view"]
    assert modal["callback_id"] == "schedule"
    assert json.loads(modal["private_metadata"]) == {"pair": pair_of(paired).id}
    when = START + timedelta(days=16, hours=5)
    assert paired.driver.submit(modal, {"when": int(when.timestamp())}, user=MENTOR).body == ""
    with paired.db.session() as session:
        (meeting,) = session.exec(select(MentoringSession)).all()
    assert meeting.starts_at == when

    # Planned now: no more nudges, however often the pair is looked at.
    paired.standin.clear()
    for hours in (7, 13, 30):
        run_at(paired, START + timedelta(days=14, hours=hours))
    posted = paired.standin.calls("chat.postMessage")
    assert not [c for c in posted if "Time to plan" in c.args.get("text", "")]


@pytest.mark.parametrize(
    ("value", "user", "team", "message"),
    [
        ("PAIR", STRANGER, None, messages.NOT_IN_THIS_PAIR),
        ("PAIR", MENTOR, OTHER_TEAM, messages.NOT_IN_THIS_PAIR),
        ("9999", MENTOR, None, messages.NOT_IN_THIS_PAIR),
        ("abc", MENTOR, None, messages.BUTTON_NOT_VALID),
        ("", MENTOR, None, messages.BUTTON_NOT_VALID),
    ],
)
def test_a_forged_schedule_button_opens_nothing(
    paired: Harness, value: str, user: str, team: str | None, message: str
) -> None:
    if team is not None:
        paired.standin.add_workspace(team, bot_token="xoxb-other", bot_user_id="UBOT0002")
        paired.standin.add_user(team, user, name="maria")
    value = str(pair_of(paired).id) if value == "PAIR" else value
    paired.driver.click_action(Action.NUDGE_SCHEDULE, value=value, user=user, team_id=team)
    assert reply(paired)["text"] == message
    assert nothing_sent(paired)


# -- at risk and the admins' digest ------------------------------------------------------------
def schedule_weekly(harness: Harness) -> None:
    harness.driver.command("schedule", user=MENTOR, channel=pair_of(harness).channel_id)
    view = harness.standin.last("views.open").response["view"]
    harness.driver.submit(
        view, {"when": int(FIRST_SESSION.timestamp()), "recurrence": "weekly"}, user=MENTOR
    )


def didnt_happen(harness: Harness, week: int) -> None:
    """The session of `week` (0: the first) ends; the mentor says it didn't happen."""
    ask_at = FIRST_SESSION + timedelta(weeks=week, minutes=70)
    run_at(harness, ask_at)
    ask = next(m for m in reversed(harness.standin.messages(MENTOR)) if "happen?" in m["text"])
    harness.driver.click(ask, "No, it didn't", user=MENTOR)


def test_two_missed_sessions_reach_the_admin_in_the_morning_digest(paired: Harness) -> None:
    schedule_weekly(paired)
    # The mentor prepares the first session in words of their own.
    run_at(paired, FIRST_SESSION - timedelta(hours=24))
    prep = paired.standin.messages(MENTOR)[-1]
    paired.driver.click(prep, "Answer", user=MENTOR)
    modal = paired.standin.last("views.open").response["view"]
    first_input = next(b["block_id"] for b in modal["blocks"] if b["type"] == "input")
    paired.driver.submit(modal, {first_input: f"{MARKER} worries"}, user=MENTOR)
    didnt_happen(paired, 0)
    didnt_happen(paired, 1)
    paired.standin.clear()

    run_at(paired, datetime(2026, 3, 11, 8, 59, tzinfo=UTC))
    assert paired.standin.messages(ADMIN) == []
    run_at(paired, datetime(2026, 3, 11, 9, 0, tzinfo=UTC))
    (digest,) = paired.standin.messages(ADMIN)
    assert digest["text"].startswith(":warning: 1 mentoring pair may need you today.")
    shown = json.dumps(digest["blocks"])
    assert f"<@{MENTOR}> & <@{MENTEE}> (main): 2 sessions missed in a row" in shown
    # One a day: the next pass the same day sends nothing more; partners get no digest.
    run_at(paired, datetime(2026, 3, 11, 16, 0, tzinfo=UTC))
    assert len(paired.standin.messages(ADMIN)) == 1
    assert not [m for m in paired.standin.messages(MENTOR) if "may need you" in m["text"]]

    # The report shows the pair at risk; neither it, the CSV nor the digest holds any answer.
    report = report_message(paired)
    assert "2 sessions missed in a row" in json.dumps(report["blocks"])
    paired.driver.click(report, "Export CSV", user=ADMIN)
    (upload,) = paired.standin.uploaded_files()
    assert "missed_sessions_in_a_row,2" in upload["content"].decode("utf-8")
    assert f"missed_sessions_in_a_row,2,{MENTOR},{MENTEE},maria,tomas" in upload["content"].decode(
        "utf-8"
    )
    assert MARKER not in upload["content"].decode("utf-8")
    assert MARKER not in json.dumps([c.args for c in paired.standin.calls()])
    assert MARKER not in json.dumps([r.body for r in paired.standin.responses()])


def test_the_csv_still_comes_when_slack_wont_say_who_people_are(paired: Harness) -> None:
    schedule_weekly(paired)
    didnt_happen(paired, 0)
    didnt_happen(paired, 1)
    report = report_message(paired)
    paired.standin.clear()
    paired.standin.fail_next("users.info", error="internal_error")

    paired.driver.click(report, "Export CSV", user=ADMIN)

    (upload,) = paired.standin.uploaded_files()
    content = upload["content"].decode("utf-8")
    assert f"missed_sessions_in_a_row,2,{MENTOR},{MENTEE},," in content
    # The first refusal ends the lookups: one call, not one per person.
    assert len(paired.standin.calls("users.info")) == 1
    assert "I've sent you" in reply(paired)["text"]


def test_no_digest_when_nothing_is_at_risk_any_more(paired: Harness) -> None:
    schedule_weekly(paired)
    didnt_happen(paired, 0)
    didnt_happen(paired, 1)
    # Late in the evening the pair is flagged, and tomorrow's digest planned...
    run_at(paired, datetime(2026, 3, 10, 22, 0, tzinfo=UTC))
    with paired.db.session() as session:
        (planned,) = session.exec(select(Delivery).where(Delivery.kind == "admin_digest")).all()
    assert planned.due_at == datetime(2026, 3, 11, 9, 0, tzinfo=UTC)
    # ...but the mentee says the second session did happen after all.
    ask = next(m for m in reversed(paired.standin.messages(MENTEE)) if "happen?" in m["text"])
    paired.driver.click(ask, "Yes, it happened", user=MENTEE)
    with paired.db.session() as session:
        statuses = [m.status for m in session.exec(select(MentoringSession)).all()]
    assert statuses[:2] == [SessionStatus.MISSED, SessionStatus.HELD]
    paired.standin.clear()
    run_at(paired, datetime(2026, 3, 11, 9, 0, tzinfo=UTC))
    assert paired.standin.messages(ADMIN) == []
    with paired.db.session() as session:
        assert session.get(Delivery, planned.id).state == "withdrawn"  # type: ignore[union-attr]
