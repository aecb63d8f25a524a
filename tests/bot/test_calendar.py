"""Add to calendar: the .ics follows the series (rule, zone, skips, moves), for partners only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from icalendar import Calendar
from sqlmodel import select

from bot import calendar
from bot.recurrence import occurrence
from bot.settings import Cadence
from storage.models import MentoringSession, Pair, Series, SessionStatus
from tests.conftest import ADMIN, MENTEE, MENTOR, STRANGER, Harness

BERLIN = ZoneInfo("Europe/Berlin")
FIRST = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)  # Tuesday 15:00 in Berlin (CET)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


# -- the file itself, from rows built in memory -----------------------------------------------


def make_series(
    first: datetime,
    cadence: Cadence | None,
    tz: str = "Europe/Berlin",
    sessions: list[tuple[int, datetime | None, str]] | None = None,
    length: int = 60,
) -> calendar.CalendarSeries:
    pair = Pair(
        id=7,
        team_id="T0001",
        mentor_id=MENTOR,
        mentee_id=MENTEE,
        channel_id="G1",
        created_by=ADMIN,
        created_at=NOW,
    )
    series = Series(
        id=3,
        team_id="T0001",
        pair_id=7,
        cadence=cadence.value if cadence else None,
        timezone=tz,
        first_start=first,
        length_minutes=length,
        next_plan_at=first,
        created_by=MENTOR,
        created_at=NOW,
    )
    rows = []
    for index, (occurrence_index, moved_to, status) in enumerate(
        sessions or [(0, None, "scheduled")]
    ):
        slot = occurrence(first, tz, cadence, occurrence_index) if cadence is not None else first
        rows.append(
            MentoringSession(
                id=100 + index,
                team_id="T0001",
                pair_id=7,
                series_id=3,
                occurrence=occurrence_index,
                starts_at=moved_to or slot,
                length_minutes=length,
                status=status,
                created_at=NOW,
            )
        )
    return calendar.CalendarSeries(pair, series, tuple(rows))


def parse(series: calendar.CalendarSeries) -> Calendar:
    invite = calendar.build_invite(series, mentor_name="Maria", mentee_name="Tomás", now=NOW)
    assert invite.filename == "mentoring-session.ics"
    return Calendar.from_ical(invite.content)


def main_event(cal: Calendar):  # type: ignore[no-untyped-def]
    return next(e for e in cal.events if "RECURRENCE-ID" not in e)


def expand(cal: Calendar, count: int) -> list[datetime]:
    """The occurrences a calendar app computes from the file's DTSTART and RRULE, in UTC."""
    event = main_event(cal)
    start = event.decoded("dtstart")
    rule = rrulestr(event["rrule"].to_ical().decode(), dtstart=start)
    return [moment.astimezone(UTC) for moment in rule[:count]]


STARTS = [
    ("Europe/Berlin", datetime(2026, 3, 3, 15, 0)),  # 1st Tuesday; crosses the March DST change
    ("Europe/Berlin", datetime(2026, 3, 24, 15, 0)),  # 4th Tuesday
    ("Europe/Berlin", datetime(2026, 3, 31, 15, 0)),  # day 31: "the last Tuesday"
    ("Europe/Berlin", datetime(2026, 1, 29, 9, 30)),  # day 29: the last Thursday
    ("Europe/Berlin", datetime(2026, 3, 1, 2, 30)),  # weekly lands in the 29 March gap
    ("Europe/Berlin", datetime(2026, 10, 4, 2, 30)),  # weekly meets the repeated October hour
    ("America/New_York", datetime(2026, 2, 27, 17, 0)),  # Friday evening, US DST in March
    ("Asia/Tokyo", datetime(2026, 5, 14, 8, 0)),
    ("UTC", datetime(2026, 4, 30, 12, 0)),
]


@pytest.mark.parametrize("cadence", list(Cadence))
@pytest.mark.parametrize(("tz", "wall"), STARTS)
def test_the_rrule_repeats_exactly_the_sessions_the_bot_plans(
    cadence: Cadence, tz: str, wall: datetime
) -> None:
    zone = UTC if tz == "UTC" else ZoneInfo(tz)
    first = wall.replace(tzinfo=zone).astimezone(UTC)
    cal = parse(make_series(first, cadence, tz))
    planned = [occurrence(first, tz, cadence, i) for i in range(30)]
    assert expand(cal, 30) == planned


@pytest.mark.parametrize(
    ("cadence", "rule"),
    [
        (Cadence.WEEKLY, b"FREQ=WEEKLY"),
        (Cadence.BIWEEKLY, b"FREQ=WEEKLY;INTERVAL=2"),
        (Cadence.MONTHLY, b"FREQ=MONTHLY;BYDAY=1TU"),
    ],
)
def test_each_cadence_has_its_rrule(cadence: Cadence, rule: bytes) -> None:
    event = main_event(parse(make_series(FIRST, cadence)))
    assert event["rrule"].to_ical() == rule


@pytest.mark.parametrize(
    ("day", "byday"), [(1, "1SU"), (8, "2SU"), (15, "3SU"), (22, "4SU"), (29, "-1SU")]
)
def test_monthly_follows_the_nth_weekday_and_last_for_days_29_to_31(day: int, byday: str) -> None:
    assert calendar.monthly_byday(datetime(2026, 3, day, 10, 0, tzinfo=BERLIN)) == byday


def test_the_start_is_in_the_series_zone_with_its_vtimezone() -> None:
    cal = parse(make_series(FIRST, Cadence.WEEKLY))
    event = main_event(cal)
    assert event["dtstart"].params["TZID"] == "Europe/Berlin"
    start = event.decoded("dtstart")
    assert (start.hour, start.minute, str(start.tzinfo)) == (15, 0, "Europe/Berlin")
    assert event.decoded("dtend") - start == timedelta(minutes=60)
    assert [tz.tz_name for tz in cal.timezones] == ["Europe/Berlin"]
    assert str(event["summary"]) == "Mentoring: Maria & Tomás"
    assert str(cal["version"]) == "2.0" and cal["prodid"]
    assert str(event["uid"]) == "series-3-T0001@mentorbot"
    # Across the change to summer time the session stays at 15:00 Berlin time.
    after_dst = expand(cal, 5)[-1]
    assert after_dst.astimezone(BERLIN).hour == 15 and after_dst.hour == 13


def test_a_utc_series_needs_no_vtimezone() -> None:
    cal = parse(make_series(FIRST, Cadence.WEEKLY, tz="UTC"))
    assert main_event(cal).decoded("dtstart") == FIRST
    assert b"DTSTART:20260303T140000Z" in cal.to_ical()
    assert cal.timezones == []


def test_a_one_off_session_has_no_rrule_and_its_own_uid() -> None:
    cal = parse(make_series(FIRST, None))
    (event,) = cal.events
    assert "RRULE" not in event and str(event["uid"]) == "session-100-T0001@mentorbot"
    assert event.decoded("dtstart") == FIRST


def test_skipped_and_cancelled_occurrences_become_exdates_moved_ones_overrides() -> None:
    moved = occurrence(FIRST, "Europe/Berlin", Cadence.WEEKLY, 2) + timedelta(days=1, hours=2)
    series = make_series(
        FIRST,
        Cadence.WEEKLY,
        sessions=[
            (0, None, SessionStatus.HELD),
            (1, None, SessionStatus.SKIPPED),
            (2, moved, SessionStatus.SCHEDULED),
        ],
    )
    cal = parse(series)
    event = main_event(cal)
    exdates = [d.dt for d in event["exdate"].dts]
    assert exdates == [occurrence(FIRST, "Europe/Berlin", Cadence.WEEKLY, 1)]
    assert event["exdate"].params["TZID"] == "Europe/Berlin"
    (override,) = [e for e in cal.events if "RECURRENCE-ID" in e]
    assert str(override["uid"]) == str(event["uid"])
    assert override.decoded("recurrence-id") == occurrence(
        FIRST, "Europe/Berlin", Cadence.WEEKLY, 2
    )
    assert override.decoded("dtstart") == moved


# -- through Slack ------------------------------------------------------------------------------


@pytest.fixture
def paired(harness: Harness) -> Harness:
    harness.driver.command(f"pair <@{MENTOR}> <@{MENTEE}>", user=ADMIN)
    harness.standin.clear()
    return harness


def the_pair(h: Harness) -> Pair:
    with h.db.session() as session:
        return session.exec(select(Pair)).one()


def schedule(h: Harness, recurrence: str = "weekly", when: datetime = FIRST) -> dict:
    """Schedule through the modal; returns the session's message in the pair's conversation."""
    channel = the_pair(h).channel_id
    h.driver.command("schedule", user=MENTOR, channel=channel)
    view = h.standin.last("views.open").response["view"]
    h.driver.submit(view, {"when": int(when.timestamp()), "recurrence": recurrence}, user=MENTOR)
    return h.standin.messages(channel)[-1]


def uploads(h: Harness) -> list[dict]:
    return h.standin.uploaded_files()


def ics_of(upload: dict) -> Calendar:
    return Calendar.from_ical(upload["content"])


def reply(h: Harness) -> str:
    return h.standin.responses()[-1].body["text"]


def test_a_partner_gets_the_series_in_their_dm(paired: Harness) -> None:
    h = paired
    message = schedule(h, "weekly")
    h.driver.click(message, "Add to calendar", user=MENTEE)

    (upload,) = uploads(h)
    assert upload["filename"] == "mentoring-session.ics"
    dm = h.standin.messages(MENTEE)[-1]
    assert [f["id"] for f in dm["files"]] == [upload["id"]]
    assert f"<@{MENTOR}>" in upload["initial_comment"]
    assert "in our direct messages" in reply(h)

    event = main_event(ics_of(upload))
    assert event["rrule"].to_ical() == b"FREQ=WEEKLY"
    start = event.decoded("dtstart")
    assert (start.hour, start.minute, str(start.tzinfo)) == (15, 0, "Europe/Berlin")
    assert str(event["summary"]) == "Mentoring: maria & tomas"
    assert upload["channel_id"] not in (the_pair(h).channel_id,)

    # The mentor gets the same event (same UID), so both calendars hold one series.
    h.driver.click(message, "Add to calendar", user=MENTOR)
    assert str(main_event(ics_of(uploads(h)[-1]))["uid"]) == str(event["uid"])
    assert [f["id"] for f in h.standin.messages(MENTOR)[-1]["files"]] == [uploads(h)[-1]["id"]]


@pytest.mark.parametrize(
    ("recurrence", "rule"),
    [
        ("biweekly", b"FREQ=WEEKLY;INTERVAL=2"),
        ("monthly", b"FREQ=MONTHLY;BYDAY=1TU"),
    ],
)
def test_the_pairs_cadence_becomes_the_rrule(paired: Harness, recurrence: str, rule: bytes) -> None:
    paired.driver.click(schedule(paired, recurrence), "Add to calendar", user=MENTOR)
    assert main_event(ics_of(uploads(paired)[-1]))["rrule"].to_ical() == rule


def test_a_skipped_session_is_left_out_of_the_series(paired: Harness) -> None:
    h = paired
    message = schedule(h, "weekly")
    h.driver.click(message, "Skip", user=MENTOR)
    # The next session is announced once the skipped one's slot comes; it offers the file too.
    h.clock.now = FIRST
    h.bot.deliver_due()
    following = h.standin.messages(the_pair(h).channel_id)[-1]
    h.driver.click(following, "Add to calendar", user=MENTEE)
    event = main_event(ics_of(uploads(h)[-1]))
    assert [d.dt for d in event["exdate"].dts] == [FIRST]


def test_a_one_off_is_a_single_event(paired: Harness) -> None:
    paired.driver.click(schedule(paired, "once"), "Add to calendar", user=MENTOR)
    (event,) = ics_of(uploads(paired)[-1]).events
    assert "RRULE" not in event and event.decoded("dtstart") == FIRST


def session_id(h: Harness) -> int:
    with h.db.session() as session:
        return session.exec(select(MentoringSession)).first().id


@pytest.mark.parametrize("who", [STRANGER, ADMIN])
def test_nobody_but_the_partners_gets_the_file(paired: Harness, who: str) -> None:
    h = paired
    message = schedule(h, "weekly")
    h.standin.clear()
    h.driver.click(message, "Add to calendar", user=who)
    h.driver.click_action("session_calendar", value=str(session_id(h)), user=who)
    assert uploads(h) == [] and not h.standin.calls("files.getUploadURLExternal")
    assert all("Only the two partners" in r.body["text"] for r in h.standin.responses())
    assert h.standin.messages(who) == []


@pytest.mark.parametrize("value", ["", "abc", "-1", "99999", "1:2", "9" * 20])
def test_a_forged_or_broken_button_value_is_refused(paired: Harness, value: str) -> None:
    schedule(paired, "weekly")
    paired.standin.clear()
    paired.driver.click_action("session_calendar", value=value, user=MENTOR)
    text = reply(paired)
    assert "doesn't belong to anything" in text or "can't find that session" in text
    assert uploads(paired) == []


def test_a_cancelled_series_or_one_off_has_nothing_to_add(paired: Harness) -> None:
    h = paired
    schedule(h, "weekly")
    meeting_id = session_id(h)
    h.driver.click_action("session_cancel", value=str(meeting_id), user=MENTOR)
    h.driver.click_action("session_calendar", value=str(meeting_id), user=MENTEE)
    assert "were cancelled" in reply(h)

    one_off = schedule(h, "once", when=FIRST + timedelta(days=3))
    h.driver.click(one_off, "Cancel", user=MENTOR)
    with h.db.session() as session:
        latest = session.exec(select(MentoringSession).order_by(MentoringSession.id.desc())).first()
    h.driver.click_action("session_calendar", value=str(latest.id), user=MENTEE)
    assert "is cancelled" in reply(h)
    assert uploads(h) == []


def test_the_button_is_only_on_planned_sessions(paired: Harness) -> None:
    h = paired
    message = schedule(h, "weekly")
    assert message["blocks"][0]["accessory"]["action_id"] == "session_calendar"
    h.driver.click(message, "Skip", user=MENTOR)
    skipped = h.standin.messages(the_pair(h).channel_id)[0]
    assert "accessory" not in skipped["blocks"][0]
