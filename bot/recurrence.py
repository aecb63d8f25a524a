"""When a pair's recurring sessions fall: cadence arithmetic in the pair's local time zone."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.settings import Cadence

# Weekly and biweekly series step by whole days of local wall time, never by UTC hours, so a
# 15:00 session stays at 15:00 local when the zone changes its offset.
_STEP_DAYS = {Cadence.WEEKLY: 7, Cadence.BIWEEKLY: 14}

# A monthly series started on day 29-31 sits in a week that most months lack, so it follows
# "the last <weekday>" instead of a 5th one that would skip months.
_LAST = 5


def occurrence(first_start_utc: datetime, tz: str, cadence: Cadence, index: int) -> datetime:
    """The index-th occurrence (0 = the first) of a series, as an aware UTC datetime."""
    first, zone, cadence = _series(first_start_utc, tz, cadence)
    if index < 0:
        raise ValueError(f"occurrence index must be 0 or more, got {index}")
    return _occurrence(first, zone, cadence, index)


def next_index_after(
    first_start_utc: datetime, tz: str, cadence: Cadence, after_utc: datetime
) -> int:
    """Index of the first occurrence strictly after `after_utc`."""
    first, zone, cadence = _series(first_start_utc, tz, cadence)
    return _next_index(first, zone, cadence, _as_utc(after_utc, "after_utc"))


def valid_timezone(tz: str | None) -> str:
    """The name if zoneinfo knows it, else "UTC" (for zones from Slack profiles or old rows)."""
    if not tz:
        return "UTC"
    try:
        _zone(tz)
    except ValueError:
        return "UTC"
    return tz


def _series(
    first_start_utc: datetime, tz: str, cadence: Cadence
) -> tuple[datetime, ZoneInfo, Cadence]:
    return _as_utc(first_start_utc, "first_start_utc"), _zone(tz), Cadence(cadence)


def _next_index(first: datetime, zone: ZoneInfo, cadence: Cadence, after: datetime) -> int:
    if after < first:
        return 0

    # Estimate from elapsed time rather than walking a series that may be years old.
    if cadence in _STEP_DAYS:
        index = (after - first) // timedelta(days=_STEP_DAYS[cadence])
    else:
        first_local, after_local = first.astimezone(zone), after.astimezone(zone)
        index = (after_local.year - first_local.year) * 12 + after_local.month - first_local.month
    index = max(index, 0)

    # The estimate is at most a step or two short: elapsed UTC time and elapsed wall time differ
    # only by the change in UTC offset, and a month's weekday may fall before or after `after`.
    # Stepping back as well covers a wall time pushed over a month's end by a gap at midnight.
    # Occurrences strictly increase with the index, so this settles on the first one after.
    while index > 0 and _occurrence(first, zone, cadence, index - 1) > after:
        index -= 1
    while _occurrence(first, zone, cadence, index) <= after:
        index += 1
    return index


def _zone(tz: str) -> ZoneInfo:
    # zoneinfo reports bad names with KeyError, ValueError, TypeError or OSError depending on
    # how the name is wrong; callers get one ValueError for all of them.
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError) as exc:
        raise ValueError(f"unknown time zone: {tz!r}") from exc


def _as_utc(moment: datetime, name: str) -> datetime:
    # A naive datetime could be UTC or local; guessing would silently shift sessions by hours.
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {moment!r}")
    return moment.astimezone(UTC)


def _occurrence(first: datetime, zone: ZoneInfo, cadence: Cadence, index: int) -> datetime:
    if index == 0:
        # The first start is an instant already; re-deriving it from wall time would move a
        # start in the second pass of a repeated hour (fold=1) to the first pass.
        return first
    first_local = first.astimezone(zone).replace(tzinfo=None)
    return _to_utc(_wall_time(first_local, cadence, index), zone)


def _wall_time(first_local: datetime, cadence: Cadence, index: int) -> datetime:
    if cadence in _STEP_DAYS:
        return first_local + timedelta(days=_STEP_DAYS[cadence] * index)
    months = first_local.month - 1 + index
    year, month = first_local.year + months // 12, months % 12 + 1
    nth = (first_local.day - 1) // 7 + 1  # days 29-31 give 5, read as _LAST
    day = _nth_weekday(year, month, first_local.weekday(), nth)
    return datetime.combine(day, first_local.time())


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> date:
    if nth == _LAST:
        last_day = calendar.monthrange(year, month)[1]
        back = (date(year, month, last_day).weekday() - weekday) % 7
        return date(year, month, last_day - back)
    ahead = (weekday - date(year, month, 1).weekday()) % 7
    return date(year, month, 1 + ahead + 7 * (nth - 1))


def _to_utc(wall: datetime, zone: ZoneInfo) -> datetime:
    # fold=0 resolves both DST edge cases as the program wants: a repeated wall time takes its
    # first pass, and a wall time inside a spring-forward gap is read with the offset from
    # before the jump, which lands it later by the length of the gap (02:30 -> 03:30).
    return wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
