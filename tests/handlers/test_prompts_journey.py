"""Schedule → prep prompt → answer → session ends → "did it happen?" → diary → one reminder."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from storage.models import Delivery, DiaryEntry, MentoringSession, Pair, PromptAnswer, SessionStatus
from tests.conftest import ADMIN, MENTEE, MENTOR, STRANGER, Harness

START = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)


@pytest.fixture
def scheduled(harness: Harness) -> Harness:
    harness.driver.command(f"pair <@{MENTOR}> <@{MENTEE}>", user=ADMIN)
    harness.bot.deliver_due()  # each partner's first-meeting form
    harness.driver.command("schedule", user=MENTOR)
    view = harness.standin.last("views.open").response["view"]
    harness.driver.submit(
        view, {"when": int(START.timestamp()), "recurrence": "weekly"}, user=MENTOR
    )
    harness.standin.clear()
    return harness


def dm(harness: Harness, user: str) -> list[dict]:
    return harness.standin.messages(user)


def last_dm(harness: Harness, user: str) -> dict:
    return dm(harness, user)[-1]


def buttons(message: dict) -> list[str]:
    return [
        e["text"]["text"]
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    ]


def one(harness: Harness, model):  # type: ignore[no-untyped-def]
    with harness.db.session() as session:
        return session.exec(select(model)).one()


def all_of(harness: Harness, model):  # type: ignore[no-untyped-def]
    with harness.db.session() as session:
        return list(session.exec(select(model)).all())


def run_at(harness: Harness, moment: datetime):  # type: ignore[no-untyped-def]
    harness.clock.now = moment
    return harness.bot.deliver_due()


def test_the_whole_session_cycle(scheduled: Harness) -> None:
    h = scheduled
    # Nothing before the lead time.
    assert run_at(h, START - timedelta(hours=25)).sent == 0

    # 24 h before: the mentor prepares, the mentee checks in (and the agenda is shared).
    assert run_at(h, START - timedelta(hours=24)).sent == 3
    prep = last_dm(h, MENTOR)
    assert "Take a few minutes to prepare" in prep["text"] and buttons(prep) == ["Answer"]
    prep_labels = [q.label for q in h.bot.deps.curriculum.questions("preparation").questions]
    assert all(label in json.dumps(prep["blocks"]) for label in prep_labels)
    checkin = last_dm(h, MENTEE)
    assert "check-in" in checkin["text"] and buttons(checkin) == ["Answer"]
    assert prep["metadata"]["event_payload"]["delivery_id"]

    # The mentor answers; the DM shows it and offers Edit answer until the start.
    h.driver.click(prep, "Answer", user=MENTOR)
    modal = h.standin.last("views.open").response["view"]
    inputs = [b for b in modal["blocks"] if b["type"] == "input"]
    assert len(inputs) == 5 and all(b["element"]["max_length"] for b in inputs)
    focus_block = next(b["block_id"] for b in inputs if b["block_id"].endswith(".address"))
    assert h.driver.submit(modal, {focus_block: "Delegation <!here>"}, user=MENTOR).body == ""
    answer = one(h, PromptAnswer)
    assert (answer.author_id, answer.question_set, answer.answers) == (
        MENTOR,
        "preparation",
        {focus_block: "Delegation <!here>"},
    )
    assert buttons(last_dm(h, MENTOR)) == ["Edit answer"]
    assert "You answered on" in json.dumps(last_dm(h, MENTOR)["blocks"])

    # Session ends (60 min) + 10 min: both are asked whether it happened. (Once the session
    # has begun, the series' next session is announced in the pair's conversation too.)
    run_at(h, START + timedelta(minutes=69))
    assert not [m for m in dm(h, MENTOR) + dm(h, MENTEE) if "happen?" in m["text"]]
    run_at(h, START + timedelta(minutes=70))
    assert len([m for m in dm(h, MENTOR) + dm(h, MENTEE) if "happen?" in m["text"]]) == 2
    ask = last_dm(h, MENTOR)
    assert "happen?" in ask["text"] and buttons(ask) == ["Yes, it happened", "No, it didn't"]

    # Mentor: yes → held, diary opens; they write it and keep it private.
    h.driver.click(ask, "Yes, it happened", user=MENTOR)
    assert all_of(h, MentoringSession)[0].status == SessionStatus.HELD
    diary = h.standin.last("views.open").response["view"]
    diary_inputs = [b["block_id"] for b in diary["blocks"] if b["type"] == "input"]
    assert len([b for b in diary_inputs if b.startswith("diary.")]) == 5
    assert len([b for b in diary_inputs if b.startswith("feedback.")]) == 3
    lesson = next(b for b in diary_inputs if b.startswith("diary.") and "lesson" in b)
    h.driver.submit(diary, {lesson: "Ask before advising"}, user=MENTOR)
    entry = one(h, DiaryEntry)
    assert (entry.author_id, entry.shared_with_partner, entry.answers) == (
        MENTOR,
        False,
        {lesson: "Ask before advising"},
    )
    assert buttons(last_dm(h, MENTOR)) == ["Edit diary"]
    assert not [m for m in dm(h, MENTEE) if "shared their diary" in m["text"]]

    # 24 h later: one reminder, only to the mentee who hasn't written theirs.
    before = len(dm(h, MENTOR))
    report = run_at(h, START + timedelta(minutes=70, hours=24))
    assert report.sent == 1 and report.withdrawn == 1
    reminder = last_dm(h, MENTEE)
    assert "gentle reminder" in reminder["text"]
    assert len(dm(h, MENTOR)) == before

    # …and no more after that.
    for hours in (30, 47, 60, 24 * 7):
        run_at(h, START + timedelta(hours=hours))
    assert [m["text"] for m in dm(h, MENTEE)].count(reminder["text"]) == 1


def test_answers_can_be_edited_until_the_session_starts(scheduled: Harness) -> None:
    h = scheduled
    run_at(h, START - timedelta(hours=24))
    prep = last_dm(h, MENTEE)
    h.driver.click(prep, "Answer", user=MENTEE)
    modal = h.standin.last("views.open").response["view"]
    first = next(b["block_id"] for b in modal["blocks"] if b["type"] == "input")
    h.driver.submit(modal, {first: "Shipped my first feature"}, user=MENTEE)
    h.driver.click(last_dm(h, MENTEE), "Edit answer", user=MENTEE)
    again = h.standin.last("views.open").response["view"]
    prefilled = next(b for b in again["blocks"] if b.get("block_id") == first)
    assert prefilled["element"]["initial_value"] == "Shipped my first feature"

    h.clock.now = START + timedelta(minutes=1)
    h.driver.click(last_dm(h, MENTEE), "Edit answer", user=MENTEE)
    assert "has started" in h.standin.responses()[-1].body["text"]
    response = h.driver.submit(again, {first: "Too late"}, user=MENTEE)
    assert "has started" in json.dumps(json.loads(response.body)["errors"])
    assert one(h, PromptAnswer).answers == {first: "Shipped my first feature"}


def test_an_empty_diary_or_answer_is_refused_under_the_first_question(scheduled: Harness) -> None:
    h = scheduled
    run_at(h, START + timedelta(minutes=70))
    h.driver.click(last_dm(h, MENTEE), "Yes, it happened", user=MENTEE)
    diary = h.standin.last("views.open").response["view"]
    body = json.loads(h.driver.submit(diary, {}, user=MENTEE).body)
    assert body["response_action"] == "errors"
    assert "at least one question" in next(iter(body["errors"].values()))
    assert all_of(h, DiaryEntry) == []


def test_no_offers_to_reschedule_and_stops_the_diary_reminder(scheduled: Harness) -> None:
    h = scheduled
    run_at(h, START + timedelta(minutes=70))
    h.driver.click(last_dm(h, MENTOR), "No, it didn't", user=MENTOR)
    meeting = all_of(h, MentoringSession)[0]
    assert meeting.status == SessionStatus.MISSED
    assert buttons(last_dm(h, MENTOR)) == ["Reschedule"]
    assert not h.standin.calls("views.open")
    report = run_at(h, START + timedelta(hours=26))
    assert report.sent == 0  # the session didn't happen: no diary reminders

    h.driver.click(last_dm(h, MENTOR), "Reschedule", user=MENTOR)
    modal = h.standin.last("views.open").response["view"]
    new_time = START + timedelta(days=2)
    h.driver.submit(modal, {"when": int(new_time.timestamp())}, user=MENTOR)
    meeting = all_of(h, MentoringSession)[0]
    assert (meeting.status, meeting.starts_at) == (SessionStatus.SCHEDULED, new_time)


def test_a_shared_diary_reaches_the_partner_once(scheduled: Harness) -> None:
    h = scheduled
    run_at(h, START + timedelta(minutes=70))
    h.driver.click(last_dm(h, MENTEE), "Yes, it happened", user=MENTEE)
    diary = h.standin.last("views.open").response["view"]
    question = next(b["block_id"] for b in diary["blocks"] if b["type"] == "input")
    h.driver.submit(diary, {question: "Say no <@U0BOSS>", "diary_options": ["share"]}, user=MENTEE)
    shared = last_dm(h, MENTOR)
    assert "shared their diary entry" in shared["text"]
    assert "&lt;@U0BOSS&gt;" in json.dumps(shared["blocks"]) and "<@U0BOSS>" not in json.dumps(
        shared
    )
    h.driver.click(last_dm(h, MENTEE), "Edit diary", user=MENTEE)
    again = h.standin.last("views.open").response["view"]
    h.driver.submit(again, {question: "Say no, kindly"}, user=MENTEE)
    assert len([m for m in dm(h, MENTOR) if "shared their diary" in m["text"]]) == 1


def prompt_of(harness: Harness, kind: str, recipient: str) -> Delivery:
    with harness.db.session() as session:
        return session.exec(
            select(Delivery).where(Delivery.kind == kind, Delivery.recipient == recipient)
        ).first()


def test_nobody_answers_a_prompt_addressed_to_someone_else(scheduled: Harness) -> None:
    h = scheduled
    run_at(h, START - timedelta(hours=24))
    mentors = prompt_of(h, "prep", MENTOR)
    for intruder in (MENTEE, STRANGER):
        h.driver.click_action("prompt_answer", value=str(mentors.id), user=intruder)
        assert f"addressed to <@{MENTOR}>" in h.standin.responses()[-1].body["text"]
    assert not h.standin.calls("views.open")
    h.driver.click_action(
        "session_happened", value=str(prompt_of(h, "after_session", MENTOR).id), user=MENTEE
    )
    assert "addressed to" in h.standin.responses()[-1].body["text"]
    assert all_of(h, MentoringSession)[0].status == SessionStatus.SCHEDULED


def test_a_prompt_of_a_cancelled_session_cannot_be_answered(scheduled: Harness) -> None:
    h = scheduled
    run_at(h, START - timedelta(hours=24))
    prep = last_dm(h, MENTOR)
    h.driver.click(prep, "Answer", user=MENTOR)
    modal = h.standin.last("views.open").response["view"]
    channel = h.standin.calls("chat.postMessage")[0].args["channel"]
    with h.db.session() as session:
        pair_channel = session.exec(select(Pair)).one().channel_id
    session_message = next(
        m for m in h.standin.messages(pair_channel) if "Session for" in m["text"]
    )
    h.driver.click(session_message, "Cancel", user=MENTEE)
    h.driver.click(prep, "Answer", user=MENTOR)
    assert "was cancelled" in h.standin.responses()[-1].body["text"]
    first = next(b["block_id"] for b in modal["blocks"] if b["type"] == "input")
    response = h.driver.submit(modal, {first: "Something"}, user=MENTOR)
    assert "was cancelled" in json.dumps(json.loads(response.body)["errors"])
    assert all_of(h, PromptAnswer) == [] and channel


def test_diary_shows_only_the_askers_entries_newest_first_in_pages(scheduled: Harness) -> None:
    h = scheduled
    from bot import prompts

    with h.db.session() as session:
        meeting = session.exec(select(MentoringSession)).one()
    meeting_id = meeting.id
    curriculum = h.bot.deps.curriculum
    for author, lesson in ((MENTEE, "mentee secret"), (MENTOR, "mentor note")):
        prompts.save_diary_entry(
            h.db,
            curriculum,
            team_id="T0001",
            session_id=meeting_id,
            user_id=author,
            values={"diary.lesson": lesson},
            shared=False,
            to_agenda=False,
            now=START,
        )
    h.driver.command("diary", user=MENTOR)
    text = json.dumps(h.standin.responses()[-1].body)
    assert "mentor note" in text and "mentee secret" not in text
    h.driver.command("diary", user=STRANGER)
    assert "diary is empty" in h.standin.responses()[-1].body["text"]


def test_diary_pages_through_many_entries(scheduled: Harness) -> None:
    h = scheduled
    from bot import prompts, sessions
    from bot.sessions import ScheduleRequest

    curriculum = h.bot.deps.curriculum
    with h.db.session() as session:
        pair_id = session.exec(select(Pair)).one().id
    for n in range(7):
        view = sessions.schedule_session(
            h.db,
            team_id="T0001",
            pair_id=pair_id,
            user_id=MENTOR,
            request=ScheduleRequest(START + timedelta(days=n + 1), 60, None),
            program=h.bot.deps.settings.program,
            now=h.clock.now,
        )
        prompts.save_diary_entry(
            h.db,
            curriculum,
            team_id="T0001",
            session_id=view.session.id,
            user_id=MENTOR,
            values={"diary.lesson": f"lesson {n}"},
            shared=False,
            to_agenda=False,
            now=START + timedelta(days=n + 1),
        )
    h.driver.command("diary", user=MENTOR)
    first = h.standin.responses()[-1].body
    shown = json.dumps(first["blocks"])
    assert shown.index("lesson 6") < shown.index("lesson 2") and "lesson 1" not in shown
    assert buttons(first) == ["Older entries"]
    message = {"blocks": first["blocks"], "ts": "1.0", "channel": "C0GENERAL", "is_ephemeral": True}
    h.driver.click(message, "Older entries", user=MENTOR)
    second = h.standin.responses()[-1].body
    assert "lesson 1" in json.dumps(second["blocks"]) and "lesson 6" not in json.dumps(
        second["blocks"]
    )
    assert buttons(second) == ["Newer entries"]
