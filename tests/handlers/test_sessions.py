"""Scheduling through Slack: the modal, its field errors, the session message and its buttons."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.recurrence import occurrence
from bot.settings import Cadence
from storage.models import Delivery, DeliveryState, MentoringSession, Pair, Series, SessionStatus
from tests.conftest import ADMIN, MENTEE, MENTOR, STRANGER, Harness, base_settings, build_harness

TOMORROW_3PM_BERLIN = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)  # 15:00 CET


@pytest.fixture
def paired(harness: Harness) -> Harness:
    harness.driver.command(f"pair <@{MENTOR}> <@{MENTEE}>", user=ADMIN)
    harness.standin.clear()
    return harness


def channel_of(harness: Harness) -> str:
    with harness.db.session() as session:
        return session.exec(select(Pair)).one().channel_id


def open_schedule(harness: Harness, user: str = MENTOR) -> dict:
    harness.driver.command("schedule", user=user, channel=channel_of(harness))
    return harness.standin.last("views.open").response["view"]


def schedule(harness: Harness, when: datetime, *, user: str = MENTOR, **values: str):
    view = open_schedule(harness, user)
    return harness.driver.submit(view, {"when": int(when.timestamp()), **values}, user=user)


def rows(harness: Harness, model):  # type: ignore[no-untyped-def]
    with harness.db.session() as session:
        return list(session.exec(select(model).order_by(model.id)).all())


def session_deliveries(harness: Harness) -> list[Delivery]:
    """Deliveries of sessions (pairing also plans each partner's first-meeting form)."""
    return [d for d in rows(harness, Delivery) if d.session_id is not None]


def pending(harness: Harness) -> list[tuple[str, str, datetime]]:
    return [
        (d.kind, d.recipient, d.due_at)
        for d in session_deliveries(harness)
        if d.state == DeliveryState.PENDING
    ]


def test_the_schedule_modal_starts_from_the_agreement(paired: Harness) -> None:
    view = open_schedule(paired)
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert inputs["when"]["type"] == "datetimepicker"
    assert inputs["length"]["initial_option"]["value"] == "60"
    assert inputs["recurrence"]["initial_option"]["value"] == "biweekly"
    assert [o["value"] for o in inputs["recurrence"]["options"]] == [
        "once",
        "weekly",
        "biweekly",
        "monthly",
    ]


def test_scheduling_stores_utc_posts_the_session_and_plans_its_prompts(paired: Harness) -> None:
    response = schedule(paired, TOMORROW_3PM_BERLIN, recurrence="weekly")
    assert response.status == 200 and response.body == ""

    (meeting,) = rows(paired, MentoringSession)
    assert meeting.starts_at == TOMORROW_3PM_BERLIN and meeting.length_minutes == 60
    (series,) = rows(paired, Series)
    assert (series.cadence, series.timezone) == ("weekly", "Europe/Berlin")

    message = paired.standin.messages(channel_of(paired))[-1]
    assert f"<!date^{int(TOMORROW_3PM_BERLIN.timestamp())}^" in message["text"]
    labels = [
        e["text"]["text"]
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    ]
    assert labels == ["Reschedule", "Skip", "Cancel"]
    assert meeting.message_ts == message["ts"]

    asked = TOMORROW_3PM_BERLIN + timedelta(minutes=70)
    assert sorted(pending(paired)) == sorted(
        [
            ("prep", MENTOR, TOMORROW_3PM_BERLIN - timedelta(hours=24)),
            ("checkin", MENTEE, TOMORROW_3PM_BERLIN - timedelta(hours=24)),
            ("agenda_share", channel_of(paired), TOMORROW_3PM_BERLIN - timedelta(hours=24)),
            ("after_session", MENTOR, asked),
            ("after_session", MENTEE, asked),
            ("diary_reminder", MENTOR, asked + timedelta(hours=24)),
            ("diary_reminder", MENTEE, asked + timedelta(hours=24)),
        ]
    )


def test_prep_prompts_follow_each_partners_zone_via_the_utc_instant(
    standin,
    clock,
    settings,  # type: ignore[no-untyped-def]
) -> None:
    # Nia (New York) schedules 10:00 her time; the instant is absolute, so prompts fall
    # 24 h before it in UTC, whoever reads them where.
    harness = build_harness(standin, clock, settings)
    harness.driver.command("pair <@UNEWYORK> <@UTOKYO01>", user=ADMIN)
    ten_am_new_york = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)
    schedule(harness, ten_am_new_york, user="UNEWYORK", recurrence="weekly")
    (series,) = rows(harness, Series)
    assert series.timezone == "America/New_York"
    assert ("prep", "UNEWYORK", ten_am_new_york - timedelta(hours=24)) in pending(harness)
    assert ("checkin", "UTOKYO01", ten_am_new_york - timedelta(hours=24)) in pending(harness)


def test_a_weekly_session_keeps_its_local_time_across_dst(paired: Harness) -> None:
    # Tuesday 24 March 2026, 15:00 in Berlin (CET, UTC+1); Europe moves to CEST on 29 March.
    first = datetime(2026, 3, 24, 14, 0, tzinfo=UTC)
    paired.clock.now = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)
    schedule(paired, first, recurrence="weekly")
    paired.clock.now = first + timedelta(minutes=1)
    paired.bot.deliver_due()
    starts = [m.starts_at for m in rows(paired, MentoringSession)]
    assert starts == [first, datetime(2026, 3, 31, 13, 0, tzinfo=UTC)]  # still 15:00 local
    second_prep = ("prep", MENTOR, datetime(2026, 3, 30, 13, 0, tzinfo=UTC))
    assert second_prep in pending(paired)
    announced = paired.standin.messages(channel_of(paired))[-1]
    assert f"<!date^{int(starts[1].timestamp())}^" in announced["text"]


def test_sessions_lists_upcoming_ones_in_each_readers_zone(paired: Harness) -> None:
    schedule(paired, TOMORROW_3PM_BERLIN, recurrence="biweekly")
    paired.driver.command("sessions", user=MENTEE, channel="C0GENERAL")
    reply = paired.standin.responses()[-1].body
    text = json.dumps(reply["blocks"])
    for index in range(5):  # 15:00 in Berlin each time: the UTC hour moves with DST
        start = occurrence(TOMORROW_3PM_BERLIN, "Europe/Berlin", Cadence.BIWEEKLY, index)
        assert f"<!date^{int(start.timestamp())}^" in text
    assert reply["text"].startswith(f"Upcoming sessions with <@{MENTOR}>")


def test_sessions_without_any_says_how_to_schedule(paired: Harness) -> None:
    paired.driver.command("sessions", user=MENTOR)
    assert "/mentor schedule" in paired.standin.responses()[-1].body["text"]


@pytest.mark.parametrize(
    ("when", "values", "field", "fragment"),
    [
        (datetime(2026, 3, 1, 9, 0, tzinfo=UTC), {}, "when", "already passed"),
        (datetime(2027, 6, 1, 9, 0, tzinfo=UTC), {}, "when", "within the next year"),
        (TOMORROW_3PM_BERLIN, {"length": "75"}, "length", "30, 45, 60, 90 minutes"),
        (TOMORROW_3PM_BERLIN, {"recurrence": "daily"}, "recurrence", "how often"),
    ],
)
def test_bad_schedules_are_field_errors_and_change_nothing(
    paired: Harness, when: datetime, values: dict, field: str, fragment: str
) -> None:
    view = open_schedule(paired)
    forged = {"length": ("75", "75 minutes"), "recurrence": ("daily", "Daily")}
    for block in view["blocks"]:  # what a tampered request would carry
        if block.get("block_id") in values:
            value, label = forged[block["block_id"]]
            block["element"]["options"].append(
                {"text": {"type": "plain_text", "text": label}, "value": value}
            )
    response = paired.driver.submit(view, {"when": int(when.timestamp()), **values}, user=MENTOR)
    body = json.loads(response.body)
    assert body["response_action"] == "errors" and fragment in body["errors"][field]
    assert rows(paired, MentoringSession) == [] and session_deliveries(paired) == []
    assert not paired.standin.calls("chat.postMessage")


def test_a_recurrence_the_program_does_not_allow_is_refused(standin, clock) -> None:  # type: ignore[no-untyped-def]
    settings = base_settings(MENTORBOT_CADENCES="weekly", MENTORBOT_DEFAULT_CADENCE="weekly")
    harness = build_harness(standin, clock, settings)
    harness.driver.command(f"pair <@{MENTOR}> <@{MENTEE}>", user=ADMIN)
    view = open_schedule(harness)
    recurrence = next(b for b in view["blocks"] if b.get("block_id") == "recurrence")
    assert [o["value"] for o in recurrence["element"]["options"]] == ["once", "weekly"]
    recurrence["element"]["options"].append(
        {"text": {"type": "plain_text", "text": "Monthly"}, "value": "monthly"}
    )
    response = harness.driver.submit(
        view, {"when": int(TOMORROW_3PM_BERLIN.timestamp()), "recurrence": "monthly"}, user=MENTOR
    )
    assert "Just this once, Weekly" in json.loads(response.body)["errors"]["recurrence"]
    assert rows(harness, MentoringSession) == []


def test_someone_outside_the_pair_cannot_schedule_for_it(paired: Harness) -> None:
    paired.driver.command("schedule", user=STRANGER)
    assert "aren't in a mentoring pair" in paired.standin.responses()[-1].body["text"]
    assert not paired.standin.calls("views.open")
    # A forged submission naming the pair is refused under the field.
    view = open_schedule(paired)
    response = paired.driver.submit(
        view, {"when": int(TOMORROW_3PM_BERLIN.timestamp())}, user=STRANGER
    )
    assert "pair you're in" in json.loads(response.body)["errors"]["when"]
    assert rows(paired, MentoringSession) == []


def session_message(harness: Harness) -> dict:
    return next(
        m
        for m in reversed(harness.standin.messages(channel_of(harness)))
        if "Session for" in m["text"]
    )


def test_reschedule_moves_the_session_and_its_pending_prompts(paired: Harness) -> None:
    schedule(paired, TOMORROW_3PM_BERLIN, recurrence="weekly")
    paired.driver.click(session_message(paired), "Reschedule", user=MENTEE)
    modal = paired.standin.last("views.open").response["view"]
    later = TOMORROW_3PM_BERLIN + timedelta(days=1, hours=2)
    paired.driver.submit(modal, {"when": int(later.timestamp())}, user=MENTEE)
    (meeting,) = rows(paired, MentoringSession)
    assert meeting.starts_at == later
    states = {(d.kind, d.recipient, d.due_at, d.state) for d in session_deliveries(paired)}
    assert ("prep", MENTOR, TOMORROW_3PM_BERLIN - timedelta(hours=24), "withdrawn") in states
    assert ("prep", MENTOR, later - timedelta(hours=24), "pending") in states
    assert len(pending(paired)) == 7
    assert f"<!date^{int(later.timestamp())}^" in session_message(paired)["text"]
    assert "moved the session" in paired.standin.last("chat.postMessage").args["text"]


def test_skip_withdraws_this_session_and_plans_the_next(paired: Harness) -> None:
    schedule(paired, TOMORROW_3PM_BERLIN, recurrence="weekly")
    paired.driver.click(session_message(paired), "Skip", user=MENTOR)
    first, second = rows(paired, MentoringSession)
    assert first.status == SessionStatus.SKIPPED
    assert second.starts_at == TOMORROW_3PM_BERLIN + timedelta(weeks=1)
    assert all(
        d.session_id == second.id for d in session_deliveries(paired) if d.state == "pending"
    )
    assert "Skipped by" in json.dumps(paired.standin.last("chat.update").args["blocks"])


def test_cancel_withdraws_every_pending_prompt_and_ends_the_series(paired: Harness) -> None:
    schedule(paired, TOMORROW_3PM_BERLIN, recurrence="weekly")
    paired.driver.click(session_message(paired), "Cancel", user=MENTEE)
    (meeting,) = rows(paired, MentoringSession)
    assert meeting.status == SessionStatus.CANCELLED
    assert pending(paired) == []
    (series,) = rows(paired, Series)
    assert not series.active
    paired.clock.now = TOMORROW_3PM_BERLIN + timedelta(days=30)
    paired.bot.deliver_due()
    # Nothing of the cancelled series is sent (what is: the nudges to plan a new session).
    assert not [d for d in session_deliveries(paired) if d.state == "sent"]
    assert len(rows(paired, MentoringSession)) == 1


def test_a_stranger_cannot_press_a_sessions_buttons(paired: Harness) -> None:
    schedule(paired, TOMORROW_3PM_BERLIN, recurrence="weekly")
    for label in ("Skip", "Cancel", "Reschedule"):
        paired.driver.click(session_message(paired), label, user=STRANGER)
    assert all("pair you're in" in r.body["text"] for r in paired.standin.responses()[-3:])
    (meeting,) = rows(paired, MentoringSession)
    assert meeting.status == SessionStatus.SCHEDULED and len(pending(paired)) == 7


def test_settings_for_lead_times_move_the_prompts(standin, clock) -> None:  # type: ignore[no-untyped-def]
    settings = replace(
        base_settings(MENTORBOT_PREP_LEAD_HOURS="48", MENTORBOT_AFTER_SESSION_MINUTES="30")
    )
    harness = build_harness(standin, clock, settings)
    harness.driver.command(f"pair <@{MENTOR}> <@{MENTEE}>", user=ADMIN)
    start = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
    schedule(harness, start, recurrence="once")
    due = {(k, r): d for k, r, d in pending(harness)}
    assert due[("prep", MENTOR)] == start - timedelta(hours=48)
    assert due[("after_session", MENTEE)] == start + timedelta(minutes=90)
