"""Pair → first-meeting forms → first agenda → session → action item → reminder → next agenda."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from sqlmodel import select

from storage.models import ActionItem, DiaryEntry
from tests.conftest import ADMIN, MENTEE, MENTOR, Harness

FIRST = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)  # 15:00 in Berlin


def latest(h: Harness, user: str, fragment: str) -> dict:
    return next(m for m in reversed(h.standin.messages(user)) if fragment in m["text"])


def agenda(h: Harness, user: str) -> dict:
    h.driver.command("agenda", user=user)
    return h.standin.responses()[-1].body


def section(reply: dict, key: str) -> str:
    return next(b for b in reply["blocks"] if b.get("block_id") == f"agenda_{key}")["text"]["text"]


def test_from_pairing_to_the_second_agenda(harness: Harness) -> None:
    h = harness
    # Pairing: welcome, agreement, and each partner's first-meeting form by DM.
    h.driver.command(f"pair <@{MENTOR}> <@{MENTEE}>", user=ADMIN)
    h.bot.deliver_due()
    for user, hope in ((MENTOR, "Learn to coach"), (MENTEE, "Become a tech lead")):
        form = latest(h, user, "Before you first meet")
        h.driver.click(form, "Answer", user=user)
        h.driver.submit(
            h.standin.last("views.open").response["view"], {"first_meeting.hopes": hope}, user=user
        )

    # The first session, biweekly, 60 minutes: its agenda is the first-session one.
    h.driver.command("schedule", user=MENTEE)
    h.driver.submit(
        h.standin.last("views.open").response["view"],
        {"when": int(FIRST.timestamp()), "recurrence": "biweekly"},
        user=MENTEE,
    )
    first_agenda = agenda(h, MENTOR)
    assert first_agenda["blocks"][0]["text"]["text"] == "First session agenda"
    assert "Learn to coach" in section(first_agenda, "introductions")
    assert "Become a tech lead" in section(first_agenda, "introductions")

    # The session happens; the mentee writes the diary and commits to an action item in it.
    h.clock.now = FIRST + timedelta(minutes=70)
    h.bot.deliver_due()
    h.driver.click(latest(h, MENTEE, "happen?"), "Yes, it happened", user=MENTEE)
    diary = h.standin.last("views.open").response["view"]
    due = date(2026, 3, 10)
    h.driver.submit(
        diary,
        {
            "diary.open_questions": "How do I delegate without losing quality?",
            "diary_options": ["to_agenda"],
            "action_owner": MENTEE,
            "action_text": "Write a delegation plan",
            "action_due": due.isoformat(),
        },
        user=MENTEE,
    )
    with h.db.session() as session:
        (item,) = session.exec(select(ActionItem)).all()
        assert (item.owner_id, item.text, item.due_on) == (MENTEE, "Write a delegation plan", due)
        assert session.exec(select(DiaryEntry)).one().open_questions_to_agenda
    assert "Write a delegation plan" in json.dumps(h.standin.messages(item_channel(h))[-1])

    # The owner is reminded at 09:00 their time (Berlin) the day before it falls due.
    h.clock.now = datetime(2026, 3, 9, 7, 59, tzinfo=UTC)
    h.bot.deliver_due()
    assert not [m for m in h.standin.messages(MENTEE) if "Write a delegation plan" in json.dumps(m)]
    h.clock.now = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)
    h.bot.deliver_due()
    reminder = latest(h, MENTEE, "Write a delegation plan")
    assert "Mark done" in json.dumps(reminder["blocks"])

    # The next session's agenda reviews the action item and carries the open question.
    h.clock.now = FIRST + timedelta(days=12)
    second = agenda(h, MENTOR)
    assert second["blocks"][0]["text"]["text"] == "Session agenda"
    assert "Write a delegation plan" in section(second, "review")
    assert "How do I delegate without losing quality?" in section(second, "main_topics")
    minutes = [
        int(b["text"]["text"].split("· ")[1].split(" min")[0])
        for b in second["blocks"]
        if b["type"] == "section" and b.get("block_id", "").startswith("agenda_")
    ]
    assert sum(minutes) == 60


def item_channel(h: Harness) -> str:
    from storage.models import Pair

    with h.db.session() as session:
        return session.exec(select(Pair)).one().channel_id


def test_a_bad_action_in_the_diary_stores_neither(harness: Harness) -> None:
    h = harness
    h.driver.command(f"pair <@{MENTOR}> <@{MENTEE}>", user=ADMIN)
    h.bot.deliver_due()
    h.driver.command("schedule", user=MENTEE)
    h.driver.submit(
        h.standin.last("views.open").response["view"],
        {"when": int(FIRST.timestamp()), "recurrence": "once"},
        user=MENTEE,
    )
    h.clock.now = FIRST + timedelta(minutes=70)
    h.bot.deliver_due()
    h.driver.click(latest(h, MENTEE, "happen?"), "Yes, it happened", user=MENTEE)
    diary = h.standin.last("views.open").response["view"]
    response = h.driver.submit(
        diary,
        {"diary.lesson": "Listen first", "action_text": "Too late", "action_due": "2026-03-01"},
        user=MENTEE,
    )
    body = json.loads(response.body)
    assert body["response_action"] == "errors" and "action_due" in body["errors"]
    with h.db.session() as session:
        assert session.exec(select(ActionItem)).all() == []
        assert session.exec(select(DiaryEntry)).all() == []
