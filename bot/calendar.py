"""A pair's sessions as an RFC 5545 calendar file (.ics): the series, its recurrence, its zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from bot import messages
from bot.errors import UserError
from bot.recurrence import occurrence, valid_timezone
from bot.settings import Cadence
from storage import pairs as pair_store
from storage import sessions as session_store
from storage.db import Database
from storage.models import MentoringSession, Pair, PairStatus, Series, SessionStatus

FILENAME = "mentoring-session.ics"
PRODID = "-//Mentorbot//Mentoring sessions//EN"
# Occurrences a calendar should leave out: the pair skipped them, or cancelled the rest.
DROPPED = (SessionStatus.SKIPPED, SessionStatus.CANCELLED)
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class CalendarSeries:
    """What an invite is made of: the pair, its series and the sessions the series has so far."""

    pair: Pair
    series: Series
    sessions: tuple[MentoringSession, ...]

    @property
    def cadence(self) -> Cadence | None:
        return Cadence(self.series.cadence) if self.series.cadence else None


@dataclass(frozen=True)
class CalendarFile:
    """An .ics file ready to upload, with the words that go with it."""

    filename: str
    content: bytes
    title: str
    uid: str


def series_for_calendar(
    db: Database, *, team_id: str, session_id: int, user_id: str
) -> CalendarSeries:
    """The series a session belongs to, for one of the pair's two partners (nobody else)."""
    with db.session() as session:
        meeting = session_store.get_session(session=session, team_id=team_id, session_id=session_id)
        if meeting is None:
            raise UserError(messages.SESSION_NOT_FOUND)
        pair = pair_store.get_pair(session=session, team_id=team_id, pair_id=meeting.pair_id)
        if pair is None or not pair.has_partner(user_id):
            raise UserError(messages.CALENDAR_NOT_YOURS)
        if pair.status != PairStatus.ACTIVE:
            raise UserError(messages.CALENDAR_PAIR_NOT_ACTIVE.format(status=pair.status))
        series = session_store.get_series(
            session=session, team_id=team_id, series_id=meeting.series_id
        )
        if series is None:
            raise UserError(messages.SESSION_NOT_FOUND)
        if series.cadence is None:
            # A one-off: the invite is this session, while it is still planned.
            if meeting.status != SessionStatus.SCHEDULED:
                raise UserError(messages.CALENDAR_NOT_PLANNED.format(status=meeting.status))
            return CalendarSeries(pair, series, (meeting,))
        if not series.active:
            raise UserError(messages.CALENDAR_SERIES_ENDED)
        rows = session_store.sessions_of_series(
            session=session, team_id=team_id, series_id=series.id
        )
        return CalendarSeries(pair, series, tuple(rows))


def monthly_byday(first_local: datetime) -> str:
    """RRULE BYDAY of a monthly series, the rule bot/recurrence.py follows: the n-th weekday
    of the month of the first session, and "the last" (-1) for a first session on day 29-31."""
    nth = (first_local.day - 1) // 7 + 1
    return f"{-1 if nth == 5 else nth}{_WEEKDAYS[first_local.weekday()]}"


def recurrence_rule(cadence: Cadence, first_local: datetime) -> dict[str, object]:
    """The RRULE of a series whose first session starts at `first_local` (its own zone)."""
    if cadence == Cadence.WEEKLY:
        return {"FREQ": "WEEKLY"}
    if cadence == Cadence.BIWEEKLY:
        return {"FREQ": "WEEKLY", "INTERVAL": 2}
    return {"FREQ": "MONTHLY", "BYDAY": monthly_byday(first_local)}


def invite_uid(series: CalendarSeries) -> str:
    """Stable across downloads, so importing the file again updates the event, not a copy."""
    if series.cadence is None:
        return f"session-{series.sessions[0].id}-{series.pair.team_id}@mentorbot"
    return f"series-{series.series.id}-{series.pair.team_id}@mentorbot"


def summary(mentor_name: str, mentee_name: str) -> str:
    return f"Mentoring: {mentor_name} & {mentee_name}"


def build_invite(
    series: CalendarSeries, *, mentor_name: str, mentee_name: str, now: datetime
) -> CalendarFile:
    """The calendar file: one VEVENT in the series' zone (TZID plus its VTIMEZONE); a series
    carries its RRULE, EXDATEs for skipped or cancelled occurrences and an override (same
    UID, RECURRENCE-ID) for each session moved away from its slot."""
    zone = _zone(series.series.timezone)
    title = summary(mentor_name or series.pair.mentor_id, mentee_name or series.pair.mentee_id)
    uid = invite_uid(series)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    cadence = series.cadence
    if cadence is None:
        meeting = series.sessions[0]
        calendar.add_component(
            _event(uid, title, meeting.starts_at, meeting.length_minutes, zone, now)
        )
    else:
        for event in _series_events(series, cadence, uid, title, zone, now):
            calendar.add_component(event)
    first = _local(series.series.first_start, zone)
    calendar.add_missing_timezones(
        first_date=date(first.year - 1, 1, 1), last_date=date(first.year + 10, 1, 1)
    )
    return CalendarFile(FILENAME, calendar.to_ical(), title, uid)


def _series_events(
    series: CalendarSeries,
    cadence: Cadence,
    uid: str,
    title: str,
    zone: tzinfo,
    now: datetime,
) -> list[Event]:
    row = series.series
    tz = valid_timezone(row.timezone)
    main = _event(uid, title, row.first_start, row.length_minutes, zone, now)
    main.add("rrule", recurrence_rule(cadence, _local(row.first_start, zone)))
    dropped: list[datetime] = []
    moved: list[Event] = []
    for meeting in series.sessions:
        slot = occurrence(row.first_start, tz, cadence, meeting.occurrence)
        if meeting.status in DROPPED:
            dropped.append(_local(slot, zone))
        elif meeting.starts_at != slot or meeting.length_minutes != row.length_minutes:
            override = _event(uid, title, meeting.starts_at, meeting.length_minutes, zone, now)
            override.add("recurrence-id", _local(slot, zone))
            moved.append(override)
    if dropped:
        main.add("exdate", dropped)
    return [main, *moved]


def _event(
    uid: str, title: str, start: datetime, minutes: int, zone: tzinfo, now: datetime
) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", _local(start, zone))
    event.add("dtend", _local(start + timedelta(minutes=minutes), zone))
    event.add("summary", title)
    event.add("description", DESCRIPTION)
    event.add("status", "CONFIRMED")
    event.add("transp", "OPAQUE")
    return event


DESCRIPTION = (
    "Your mentoring session. In Slack, /mentor agenda shows what's on it and "
    "/mentor sessions what's planned."
)


def _zone(name: str) -> tzinfo:
    tz = valid_timezone(name)
    return UTC if tz == "UTC" else ZoneInfo(tz)


def _local(moment: datetime, zone: tzinfo) -> datetime:
    # The wall time in the series' zone: calendars repeat it there, as recurrence.py does.
    return moment.astimezone(zone)
