"""`/mentor agenda`: built from what the pair said, scaled to the session; private stays private."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from bot import agreement, prompts, sessions
from bot.sessions import ScheduleRequest
from storage import agenda as agenda_store
from storage.models import ActionItem, Goal, MentoringSession, Pair, SessionStatus
from tests.conftest import ADMIN, MENTEE, MENTOR, STRANGER, Harness

FIRST = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)
SECOND = FIRST + timedelta(weeks=2)


@pytest.fixture
def paired(harness: Harness) -> Harness:
    harness.driver.command(f"pair <@{MENTOR}> <@{MENTEE}>", user=ADMIN)
    harness.standin.clear()
    return harness


def the_pair(h: Harness) -> Pair:
    with h.db.session() as session:
        return session.exec(select(Pair)).one()


def schedule(h: Harness, start: datetime, length: int = 60) -> MentoringSession:
    view = sessions.schedule_session(
        h.db,
        team_id="T0001",
        pair_id=the_pair(h).id,
        user_id=MENTOR,
        request=ScheduleRequest(start, length, None),
        program=h.bot.deps.settings.program,
        now=h.clock.now,
    )
    return view.session


def agenda_reply(h: Harness, user: str, text: str = "agenda") -> dict:
    h.driver.command(text, user=user)
    return h.standin.responses()[-1].body


def section(reply: dict, key: str) -> str:
    block = next(b for b in reply["blocks"] if b.get("block_id") == f"agenda_{key}")
    return block["text"]["text"]


def section_minutes(reply: dict) -> list[int]:
    return [
        int(re.search(r"· (\d+) min", b["text"]["text"]).group(1))
        for b in reply["blocks"]
        if b["type"] == "section" and b.get("block_id", "").startswith("agenda_")
    ]


def test_no_pair_or_no_session_says_how_to_get_there(paired: Harness) -> None:
    assert "aren't in a mentoring pair" in agenda_reply(paired, STRANGER)["text"]
    assert "/mentor schedule" in agenda_reply(paired, MENTOR)["text"]
    assert "/mentor schedule" in agenda_reply(paired, MENTOR, "agenda add Career steps")["text"]


def answer_first_meeting(h: Harness, user: str, answers: dict[str, str]) -> None:
    form = next(
        m for m in reversed(h.standin.messages(user)) if "Before you first meet" in m["text"]
    )
    h.driver.click(form, "Answer", user=user)
    modal = h.standin.last("views.open").response["view"]
    h.driver.submit(modal, {f"first_meeting.{k}": v for k, v in answers.items()}, user=user)


def test_the_first_session_has_its_own_agenda_with_both_partners_answers(paired: Harness) -> None:
    h = paired
    h.bot.deliver_due()  # the first-meeting forms
    answer_first_meeting(
        h, MENTEE, {"hopes": "Grow into a lead role", "success": "Run my first team"}
    )
    answer_first_meeting(h, MENTOR, {"topics": "Hiring, feedback"})
    schedule(h, FIRST, length=45)

    reply = agenda_reply(h, MENTEE)
    assert reply["blocks"][0]["text"]["text"] == "First session agenda"
    assert section_minutes(reply) == [8, 10, 5, 22] and sum(section_minutes(reply)) == 45
    intro = section(reply, "introductions")
    assert "Grow into a lead role" in intro and "Hiring, feedback" in intro
    assert f"<@{MENTEE}>" in intro and f"<@{MENTOR}>" in intro
    assert "Read your agreement together" in section(reply, "logistics")

    # The success answer became the mentee's side of the agreement's success clause.
    state = agreement.load_agreement(
        h.db, team_id="T0001", pair_id=the_pair(h).id, program=h.bot.deps.settings.program
    )
    assert state.values["success_mentee"] == "Run my first team"
    assert "now version 2" in h.standin.calls("chat.postMessage")[-1].args["text"]


def test_answering_the_first_meeting_form_twice_keeps_one_answer(paired: Harness) -> None:
    h = paired
    h.bot.deliver_due()
    answer_first_meeting(h, MENTOR, {"hopes": "First"})
    form = h.standin.messages(MENTOR)[-1]
    h.driver.click(form, "Edit answer", user=MENTOR)
    modal = h.standin.last("views.open").response["view"]
    h.driver.submit(modal, {"first_meeting.hopes": "Second"}, user=MENTOR)
    schedule(h, FIRST)
    intro = section(agenda_reply(h, MENTOR), "introductions")
    assert "Second" in intro and "First" not in intro


def held_first_session_with_everything(h: Harness) -> tuple[MentoringSession, MentoringSession]:
    """A held first session with diaries, then a second with answers, actions, topics, goals."""
    curriculum = h.bot.deps.curriculum
    first = schedule(h, FIRST)
    second = schedule(h, SECOND, length=60)
    with h.db.session() as session:
        meeting = session.get(MentoringSession, first.id)
        meeting.status = SessionStatus.HELD
        session.add(meeting)
    for author, opted_in, question, secret in (
        (MENTEE, True, "How do I say no to my manager?", "mentee-lesson-secret"),
        (MENTOR, False, "Should I share my own failures?", "mentor-lesson-secret"),
    ):
        prompts.save_diary_entry(
            h.db,
            curriculum,
            team_id="T0001",
            session_id=first.id,
            user_id=author,
            values={
                "diary.open_questions": question,
                "diary.lesson": secret,
                "feedback.differently": f"{secret}-feedback",
            },
            shared=False,
            to_agenda=opted_in,
            now=FIRST + timedelta(hours=2),
        )
    h.clock.now = FIRST + timedelta(days=3)
    pair = the_pair(h)
    with h.db.session() as session:
        session.add(
            ActionItem(
                team_id="T0001",
                pair_id=pair.id,
                owner_id=MENTEE,
                text="Draft the proposal",
                due_on=date(2026, 3, 20),
                created_by=MENTOR,
                created_at=FIRST,
            )
        )
        session.add(
            ActionItem(
                team_id="T0001",
                pair_id=pair.id,
                owner_id=MENTOR,
                text="Send reading list",
                due_on=date(2026, 3, 10),
                created_by=MENTOR,
                created_at=FIRST,
            )
        )
        session.add(
            ActionItem(
                team_id="T0001",
                pair_id=pair.id,
                owner_id=MENTEE,
                text="Book a coffee chat",
                created_by=MENTEE,
                created_at=FIRST,
                done_at=FIRST + timedelta(days=2),
                done_by=MENTEE,
            )
        )
        session.add(
            Goal(
                team_id="T0001",
                pair_id=pair.id,
                title="Lead a project",
                indicator="Named as lead",
                created_by=MENTEE,
                created_at=FIRST,
            )
        )
        session.add(
            Goal(
                team_id="T0001",
                pair_id=pair.id,
                title="Present at all-hands",
                created_by=MENTEE,
                created_at=FIRST,
                reached_at=FIRST + timedelta(days=2),
                reached_by=MENTEE,
            )
        )
    h.driver.command("agenda add Negotiating <!channel> scope", user=MENTEE)
    h.driver.command("agenda add Feedback styles", user=MENTOR)
    # Preparation answers for the second session, through the prompts.
    h.clock.now = SECOND - timedelta(hours=24)
    h.bot.deliver_due()
    for user, question_set, key, text in (
        (MENTEE, "checkin", "went_well", "Shipped the beta"),
        (MENTEE, "checkin", "challenges", "Deadline on Friday"),
        (MENTOR, "preparation", "address", "Stakeholder mapping"),
        (MENTOR, "preparation", "so_far", "mentor-private-notes"),
    ):
        prompt = next(
            m
            for m in reversed(h.standin.messages(user))
            if "Answer" in json.dumps(m["blocks"]) or "Edit answer" in json.dumps(m["blocks"])
        )
        label = "Answer" if '"Answer"' in json.dumps(prompt["blocks"]) else "Edit answer"
        h.driver.click(prompt, label, user=user)
        modal = h.standin.last("views.open").response["view"]
        h.driver.submit(modal, {f"{question_set}.{key}": text}, user=user)
    return first, second


def test_each_source_lands_in_its_section(paired: Harness) -> None:
    h = paired
    held_first_session_with_everything(h)
    reply = agenda_reply(h, MENTEE)
    assert reply["blocks"][0]["text"]["text"] == "Session agenda"
    assert sum(section_minutes(reply)) == 60

    opening = section(reply, "opening")
    assert "Shipped the beta" in opening and "Deadline on Friday" in opening

    review = section(reply, "review")
    assert "Draft the proposal" in review
    assert "Send reading list" in review and "overdue since 2026-03-10" in review
    assert "Book a coffee chat" in review and "done" in review

    main = section(reply, "main_topics")
    assert "Stakeholder mapping" in main
    assert "Negotiating &lt;!channel&gt; scope" in main and f"<@{MENTEE}>" in main
    assert "Feedback styles" in main
    assert "How do I say no to my manager?" in main

    goals = section(reply, "goals")
    assert "Lead a project" in goals and "Named as lead" in goals
    assert "Present at all-hands" in goals and "Reached" in goals

    assert "_" in section(reply, "wrap_up")  # an empty section says what to do instead
    everything = json.dumps(reply)
    assert "mentor-private-notes" not in everything  # only the mentor's focus is agenda material


def test_diary_text_stays_private_unless_its_author_opted_in(paired: Harness) -> None:
    h = paired
    held_first_session_with_everything(h)
    mentee_view = json.dumps(agenda_reply(h, MENTEE))
    mentor_view = json.dumps(agenda_reply(h, MENTOR))
    # The mentee ticked "add to our next agenda": both see the question.
    assert "How do I say no to my manager?" in mentee_view
    assert "How do I say no to my manager?" in mentor_view
    # The mentor didn't: only the mentor sees theirs, marked as private.
    assert "Should I share my own failures?" in mentor_view and "Only you see this" in mentor_view
    assert "Should I share my own failures?" not in mentee_view
    # No other diary answer ever reaches an agenda.
    for view in (mentee_view, mentor_view):
        assert "lesson-secret" not in view

    # The shared copy posted to the pair's conversation holds only what both may see.
    message = {
        "blocks": json.loads(mentor_view)["blocks"],
        "ts": "1.0",
        "channel": "C0GENERAL",
        "is_ephemeral": True,
    }
    h.driver.click(message, "Post to our conversation", user=MENTOR)
    posted = json.dumps(h.standin.last("chat.postMessage").args)
    assert "How do I say no to my manager?" in posted
    assert "Should I share my own failures?" not in posted and "lesson-secret" not in posted
    assert "Post to our conversation" not in posted


def test_topics_are_checked(paired: Harness) -> None:
    h = paired
    schedule(h, FIRST)
    for text, fragment in (
        ("agenda add", "Say what you'd like"),
        ("agenda add    ", "Say what"),
        ("agenda add " + "x" * 301, "300 characters or fewer"),
    ):
        assert fragment in agenda_reply(h, MENTEE, text)["text"]
    with h.db.session() as session:
        assert agenda_store.topics_for(session=session, team_id="T0001", session_id=1) == []
    assert "aren't in a mentoring pair" in agenda_reply(h, STRANGER, "agenda add Hi")["text"]


def test_a_stranger_cannot_post_a_pairs_agenda(paired: Harness) -> None:
    h = paired
    schedule(h, FIRST)
    h.driver.click_action("agenda_post", value=f"{the_pair(h).id}:1", user=STRANGER)
    assert "pair you're in" in h.standin.responses()[-1].body["text"]
    assert not h.standin.calls("chat.postMessage")


@pytest.mark.parametrize(
    ("when", "due"), [("day_before", FIRST - timedelta(hours=24)), ("session_start", FIRST)]
)
def test_the_agenda_is_shared_when_the_agreement_says(
    paired: Harness, when: str, due: datetime
) -> None:
    h = paired
    pair = the_pair(h)
    program = h.bot.deps.settings.program
    state = agreement.load_agreement(h.db, team_id="T0001", pair_id=pair.id, program=program)
    agreement.edit_agreement(
        h.db,
        team_id="T0001",
        pair_id=pair.id,
        seen_version=state.version,
        user_id=MENTEE,
        submitted={**state.values, "agenda_shared": when, "agenda_owner": "mentee"},
        program=program,
        now=h.clock.now,
    )
    schedule(h, FIRST)
    h.bot.deliver_due()
    h.standin.clear()
    h.clock.now = due - timedelta(minutes=1)
    h.bot.deliver_due()
    assert not [
        c for c in h.standin.calls("chat.postMessage") if c.args["channel"] == pair.channel_id
    ]
    h.clock.now = due
    h.bot.deliver_due()
    (shared,) = [
        c for c in h.standin.calls("chat.postMessage") if c.args["channel"] == pair.channel_id
    ]
    assert "First session agenda" in json.dumps(shared.args["blocks"])
    assert f"agenda owner <@{MENTEE}>" in json.dumps(shared.args["blocks"])


def test_every_fourth_held_session_asks_whether_it_still_works(paired: Harness) -> None:
    h = paired
    h.bot.deliver_due()
    starts = [FIRST + timedelta(weeks=n) for n in range(5)]
    for start in starts:
        schedule(h, start)
    for index, start in enumerate(starts[:4]):
        h.clock.now = start + timedelta(minutes=70)
        h.bot.deliver_due()
        ask = next(m for m in reversed(h.standin.messages(MENTOR)) if "happen?" in m["text"])
        h.driver.click(ask, "Yes, it happened", user=MENTOR)
        checks = [m for m in h.standin.messages(MENTEE) if "still working" in m["text"]]
        h.bot.deliver_due()
        checks = [m for m in h.standin.messages(MENTEE) if "still working" in m["text"]]
        assert len(checks) == (1 if index == 3 else 0)

    check = checks[0]
    h.driver.click(check, "Answer", user=MENTEE)
    modal = h.standin.last("views.open").response["view"]
    h.driver.submit(
        modal,
        {"expectations.still_works": "change", "expectations.change": "Shorter, more often"},
        user=MENTEE,
    )
    state = agreement.load_agreement(
        h.db, team_id="T0001", pair_id=the_pair(h).id, program=h.bot.deps.settings.program
    )
    assert state.version == 2 and state.signatures == ()
    assert "now version 2" in h.standin.calls("chat.postMessage")[-1].args["text"]

    h.clock.now = starts[4] - timedelta(hours=1)
    goals = section(agenda_reply(h, MENTOR), "goals")
    assert "Shorter, more often" in goals and "let" in goals.lower()
