"""Recurring session times: local wall time across DST, monthly weekday rules, and lookups."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot import recurrence
from bot.recurrence import next_index_after, occurrence, valid_timezone
from bot.settings import Cadence

WEEKLY, BIWEEKLY, MONTHLY = Cadence.WEEKLY, Cadence.BIWEEKLY, Cadence.MONTHLY


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def series(first: datetime, tz: str, cadence: Cadence, n: int) -> list[datetime]:
    return [occurrence(first, tz, cadence, i) for i in range(n)]


def occurrences_after(
    first: datetime, tz: str, cadence: Cadence, after: datetime, count: int
) -> list[datetime]:
    """The next `count` occurrences strictly after `after`, as the scheduler finds them."""
    start = next_index_after(first, tz, cadence, after)
    return [occurrence(first, tz, cadence, i) for i in range(start, start + count)]


def local_wall_time(moment: datetime, tz: str) -> datetime:
    return moment.astimezone(ZoneInfo(tz))


def brute_force_next_index(first: datetime, tz: str, cadence: Cadence, after: datetime) -> int:
    index = 0
    while occurrence(first, tz, cadence, index) <= after:
        index += 1
    return index


# --- weekly and biweekly keep the local wall time across DST changes ----------------------------


@pytest.mark.parametrize(
    ("tz", "first", "expected"),
    [
        pytest.param(
            "Europe/Berlin",
            utc(2024, 3, 21, 14),  # Thursday 15:00 CET; CEST from Sunday 31 March
            [utc(2024, 3, 21, 14), utc(2024, 3, 28, 14), utc(2024, 4, 4, 13), utc(2024, 4, 11, 13)],
            id="berlin-march",
        ),
        pytest.param(
            "Europe/Berlin",
            utc(2024, 10, 17, 13),  # Thursday 15:00 CEST; CET from Sunday 27 October
            [
                utc(2024, 10, 17, 13),
                utc(2024, 10, 24, 13),
                utc(2024, 10, 31, 14),
                utc(2024, 11, 7, 14),
            ],
            id="berlin-october",
        ),
        pytest.param(
            "America/New_York",
            utc(2024, 3, 5, 14),  # Tuesday 09:00 EST; EDT from Sunday 10 March
            [utc(2024, 3, 5, 14), utc(2024, 3, 12, 13), utc(2024, 3, 19, 13)],
            id="new-york-march",
        ),
        pytest.param(
            "America/New_York",
            utc(2024, 10, 29, 13),  # Tuesday 09:00 EDT; EST from Sunday 3 November
            [utc(2024, 10, 29, 13), utc(2024, 11, 5, 14), utc(2024, 11, 12, 14)],
            id="new-york-november",
        ),
        pytest.param(
            "Australia/Sydney",
            utc(2024, 4, 3, 7),  # Wednesday 18:00 AEDT (+11); AEST (+10) from Sunday 7 April
            [utc(2024, 4, 3, 7), utc(2024, 4, 10, 8), utc(2024, 4, 17, 8)],
            id="sydney-april",
        ),
        pytest.param(
            "Australia/Sydney",
            utc(2024, 10, 2, 8),  # Wednesday 18:00 AEST; AEDT from Sunday 6 October
            [utc(2024, 10, 2, 8), utc(2024, 10, 9, 7), utc(2024, 10, 16, 7)],
            id="sydney-october",
        ),
    ],
)
def test_weekly_session_keeps_its_local_time_so_the_utc_hour_moves(
    tz: str, first: datetime, expected: list[datetime]
) -> None:
    assert series(first, tz, WEEKLY, len(expected)) == expected


def test_zone_without_dst_keeps_the_same_utc_time_all_year() -> None:
    first = utc(2024, 1, 4, 1)  # Thursday 10:00 JST
    got = series(first, "Asia/Tokyo", WEEKLY, 60)
    assert got == [first + timedelta(weeks=i) for i in range(60)]


@pytest.mark.parametrize("tz", ["Europe/Berlin", "America/New_York", "Australia/Sydney", "UTC"])
@pytest.mark.parametrize("cadence", [WEEKLY, BIWEEKLY, MONTHLY])
def test_every_occurrence_is_at_the_first_ones_local_wall_time(tz: str, cadence: Cadence) -> None:
    first = datetime(2023, 11, 14, 15, 0, tzinfo=ZoneInfo(tz)).astimezone(UTC)
    for moment in series(first, tz, cadence, 40):
        local = local_wall_time(moment, tz)
        assert (local.hour, local.minute) == (15, 0)
        assert local.weekday() == 1  # Tuesday


def test_results_are_aware_utc_even_for_a_non_utc_aware_input() -> None:
    berlin = datetime(2024, 3, 21, 15, tzinfo=ZoneInfo("Europe/Berlin"))
    got = occurrence(berlin, "Europe/Berlin", WEEKLY, 2)
    assert got == utc(2024, 4, 4, 13)
    assert got.tzinfo is UTC
    assert occurrence(berlin, "Europe/Berlin", WEEKLY, 0).tzinfo is UTC


def test_cadence_given_as_its_string_value_is_accepted() -> None:
    assert occurrence(utc(2024, 1, 1, 9), "UTC", "weekly", 1) == utc(2024, 1, 8, 9)  # type: ignore[arg-type]


def test_biweekly_steps_fourteen_local_days_across_dst() -> None:
    first = utc(2024, 3, 14, 14)  # Thursday 15:00 CET
    assert series(first, "Europe/Berlin", BIWEEKLY, 4) == [
        utc(2024, 3, 14, 14),
        utc(2024, 3, 28, 14),
        utc(2024, 4, 11, 13),  # CEST now
        utc(2024, 4, 25, 13),
    ]


# --- monthly: the same weekday of the month ----------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "first", "expected"),
    [
        pytest.param(
            "Europe/Berlin",
            utc(2024, 1, 9, 14),  # 15:00 on the 2nd Tuesday; the UTC hour moves with CEST in April
            [utc(2024, 1, 9, 14), utc(2024, 2, 13, 14), utc(2024, 3, 12, 14), utc(2024, 4, 9, 13)],
            id="second-tuesday",
        ),
        pytest.param(
            "UTC",
            utc(2024, 11, 12, 15),  # 2nd Tuesday, across the new year
            [
                utc(2024, 11, 12, 15),
                utc(2024, 12, 10, 15),
                utc(2025, 1, 14, 15),
                utc(2025, 2, 11, 15),
            ],
            id="year-boundary",
        ),
        pytest.param(
            "UTC",
            utc(2024, 1, 30, 15),  # 5th Tuesday (day 30) -> the last Tuesday from then on
            [
                utc(2024, 1, 30, 15),
                utc(2024, 2, 27, 15),
                utc(2024, 3, 26, 15),
                utc(2024, 4, 30, 15),
            ],
            id="fifth-week-becomes-last",
        ),
        pytest.param(
            "UTC",
            utc(2024, 2, 29, 12),  # leap day, the 5th Thursday (day 29) -> last Thursday
            [
                utc(2024, 2, 29, 12),
                utc(2024, 3, 28, 12),
                utc(2024, 4, 25, 12),
                utc(2024, 5, 30, 12),
            ],
            id="day-29-becomes-last",
        ),
        pytest.param(
            "UTC",
            utc(2023, 12, 31, 10),  # 5th Sunday on the 31st, last Sunday across the new year
            [utc(2023, 12, 31, 10), utc(2024, 1, 28, 10), utc(2024, 2, 25, 10)],
            id="day-31-last-across-year",
        ),
        pytest.param(
            "UTC",
            utc(2024, 1, 23, 15),  # 4th Tuesday (day 23) stays the 4th, even in April's five
            [
                utc(2024, 1, 23, 15),
                utc(2024, 2, 27, 15),
                utc(2024, 3, 26, 15),
                utc(2024, 4, 23, 15),
            ],
            id="fourth-stays-fourth",
        ),
        pytest.param(
            "Asia/Tokyo",
            # Monday 1 January 08:00 JST is Sunday 31 December in UTC: the rule is read locally,
            # so this is "the 1st Monday", not "the last Sunday".
            utc(2023, 12, 31, 23),
            [utc(2023, 12, 31, 23), utc(2024, 2, 4, 23), utc(2024, 3, 3, 23)],
            id="weekday-read-in-local-time",
        ),
    ],
)
def test_monthly_keeps_the_weekday_of_the_month(
    tz: str, first: datetime, expected: list[datetime]
) -> None:
    assert series(first, tz, MONTHLY, len(expected)) == expected


def test_monthly_far_index_lands_in_the_right_year_and_month() -> None:
    first = utc(2024, 1, 9, 14)  # 2nd Tuesday
    assert occurrence(first, "UTC", MONTHLY, 25) == utc(2026, 2, 10, 14)


# --- wall times that do not exist or exist twice ------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "first", "cadence", "index", "expected_utc", "expected_local"),
    [
        pytest.param(
            "Europe/Berlin",
            utc(2024, 3, 24, 1, 30),  # Sunday 02:30 CET; 31 March jumps 02:00 -> 03:00
            WEEKLY,
            1,
            utc(2024, 3, 31, 1, 30),
            (3, 30),
            id="berlin-gap-moves-forward",
        ),
        pytest.param(
            "Europe/Berlin",
            utc(2024, 3, 24, 1, 30),
            WEEKLY,
            2,
            utc(2024, 4, 7, 0, 30),
            (2, 30),
            id="berlin-after-gap-back-to-0230",
        ),
        pytest.param(
            "America/New_York",
            utc(2024, 3, 3, 7, 30),  # Sunday 02:30 EST; 10 March jumps 02:00 -> 03:00
            WEEKLY,
            1,
            utc(2024, 3, 10, 7, 30),
            (3, 30),
            id="new-york-gap-moves-forward",
        ),
        pytest.param(
            "Europe/Berlin",
            utc(2023, 12, 31, 1, 30),  # 02:30 on the last Sunday of December
            MONTHLY,
            3,  # the last Sunday of March is always Berlin's spring-forward day
            utc(2024, 3, 31, 1, 30),
            (3, 30),
            id="monthly-last-sunday-gap",
        ),
        pytest.param(
            "Europe/Berlin",
            utc(2024, 10, 20, 0, 30),  # Sunday 02:30 CEST; 27 October repeats 02:00-03:00
            WEEKLY,
            1,
            utc(2024, 10, 27, 0, 30),  # the first 02:30 (CEST), not the second (01:30 UTC)
            (2, 30),
            id="berlin-fold-takes-first",
        ),
        pytest.param(
            "Europe/Berlin",
            utc(2024, 10, 20, 0, 30),
            WEEKLY,
            2,
            utc(2024, 11, 3, 1, 30),
            (2, 30),
            id="berlin-after-fold-cet",
        ),
        pytest.param(
            "America/New_York",
            utc(2024, 10, 27, 5, 30),  # Sunday 01:30 EDT; 3 November repeats 01:00-02:00
            WEEKLY,
            1,
            utc(2024, 11, 3, 5, 30),
            (1, 30),
            id="new-york-fold-takes-first",
        ),
        pytest.param(
            "Europe/Berlin",
            utc(2023, 12, 31, 1, 30),
            MONTHLY,
            10,  # last Sunday of October: 02:30 happens twice
            utc(2024, 10, 27, 0, 30),
            (2, 30),
            id="monthly-last-sunday-fold",
        ),
    ],
)
def test_missing_wall_time_moves_forward_and_repeated_wall_time_takes_the_first(
    tz: str,
    first: datetime,
    cadence: Cadence,
    index: int,
    expected_utc: datetime,
    expected_local: tuple[int, int],
) -> None:
    got = occurrence(first, tz, cadence, index)
    assert got == expected_utc
    local = local_wall_time(got, tz)
    assert (local.hour, local.minute) == expected_local


def test_a_first_start_in_the_second_pass_of_a_repeated_hour_is_kept_exactly() -> None:
    second_0230 = utc(2024, 10, 27, 1, 30)  # 02:30 CET, the later of Berlin's two 02:30s
    assert occurrence(second_0230, "Europe/Berlin", WEEKLY, 0) == second_0230
    assert occurrence(second_0230, "Europe/Berlin", WEEKLY, 1) == utc(2024, 11, 3, 1, 30)


# --- the next occurrences after a moment -------------------------------------------------------

BERLIN_THURSDAYS = utc(2024, 3, 21, 14)  # weekly 15:00 Europe/Berlin


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        pytest.param(
            utc(2024, 3, 28, 14),
            [utc(2024, 4, 4, 13), utc(2024, 4, 11, 13), utc(2024, 4, 18, 13)],
            id="exactly-on-an-occurrence-is-excluded",
        ),
        pytest.param(
            utc(2024, 3, 28, 13, 59, 59, 999999),
            [utc(2024, 3, 28, 14), utc(2024, 4, 4, 13), utc(2024, 4, 11, 13)],
            id="just-before-an-occurrence-includes-it",
        ),
        pytest.param(
            utc(2024, 3, 21, 14),
            [utc(2024, 3, 28, 14), utc(2024, 4, 4, 13), utc(2024, 4, 11, 13)],
            id="exactly-on-the-first-skips-it",
        ),
        pytest.param(
            utc(2020, 1, 1),
            [utc(2024, 3, 21, 14), utc(2024, 3, 28, 14), utc(2024, 4, 4, 13)],
            id="before-the-series-starts-at-the-first",
        ),
        pytest.param(
            utc(2024, 4, 4, 13, 30),
            [utc(2024, 4, 11, 13), utc(2024, 4, 18, 13), utc(2024, 4, 25, 13)],
            id="between-occurrences",
        ),
    ],
)
def test_occurrences_after_are_strictly_after(after: datetime, expected: list[datetime]) -> None:
    assert occurrences_after(BERLIN_THURSDAYS, "Europe/Berlin", WEEKLY, after, 3) == expected


def test_occurrences_after_accepts_an_aware_non_utc_after() -> None:
    after = datetime(2024, 3, 28, 15, tzinfo=ZoneInfo("Europe/Berlin"))  # == 14:00 UTC
    got = occurrences_after(BERLIN_THURSDAYS, "Europe/Berlin", WEEKLY, after, 1)
    assert got == [utc(2024, 4, 4, 13)]
    assert got[0].tzinfo is UTC


# --- next_index_after ---------------------------------------------------------------------------

THREE_YEARS_AGO = [
    pytest.param(utc(2021, 3, 4, 14), "Europe/Berlin", WEEKLY, id="berlin-weekly"),
    pytest.param(utc(2021, 3, 11, 14), "Europe/Berlin", BIWEEKLY, id="berlin-biweekly"),
    pytest.param(utc(2021, 3, 9, 14), "Europe/Berlin", MONTHLY, id="berlin-monthly-2nd-tue"),
    pytest.param(utc(2021, 3, 30, 13), "Europe/Berlin", MONTHLY, id="berlin-monthly-last-tue"),
    pytest.param(utc(2021, 2, 2, 14), "America/New_York", WEEKLY, id="new-york-weekly"),
    pytest.param(utc(2021, 4, 7, 7), "Australia/Sydney", BIWEEKLY, id="sydney-biweekly"),
    pytest.param(utc(2020, 12, 31, 23), "Asia/Tokyo", MONTHLY, id="tokyo-monthly-1st-fri"),
    pytest.param(utc(2021, 3, 21, 1, 30), "Europe/Berlin", WEEKLY, id="berlin-weekly-0230"),
]

AFTERS = [
    utc(2024, 3, 20, 9),
    utc(2024, 3, 31, 1, 30),  # Berlin's spring-forward day
    utc(2024, 4, 2, 13),
    utc(2024, 7, 1),
    utc(2024, 10, 27, 0, 30),  # Berlin's fall-back day
    utc(2024, 11, 3, 6, 30),
    utc(2024, 12, 31, 23, 59),
]


@pytest.mark.parametrize(("first", "tz", "cadence"), THREE_YEARS_AGO)
def test_next_index_after_matches_brute_force_for_a_series_started_years_ago(
    first: datetime, tz: str, cadence: Cadence
) -> None:
    # Each occurrence itself, and a moment either side of it, probes the off-by-one edges.
    probes = [*AFTERS]
    for index in (100, 101, 150, 155):
        at = occurrence(first, tz, cadence, index)
        probes += [at - timedelta(microseconds=1), at, at + timedelta(microseconds=1)]
    for after in probes:
        expected = brute_force_next_index(first, tz, cadence, after)
        assert next_index_after(first, tz, cadence, after) == expected, after


@pytest.mark.parametrize(("first", "tz", "cadence"), THREE_YEARS_AGO)
def test_next_index_after_does_not_walk_the_series(
    first: datetime, tz: str, cadence: Cadence, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Counting calls to the private per-occurrence helper is the only way to observe that
    # the answer is estimated from elapsed time instead of found by iterating.
    calls = 0
    real = recurrence._occurrence

    def counting(*args: object) -> datetime:
        nonlocal calls
        calls += 1
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(recurrence, "_occurrence", counting)
    index = next_index_after(first, tz, cadence, utc(2024, 6, 15, 12))
    assert index > 35  # at least three years of monthly sessions
    assert calls <= 4


def test_next_index_after_is_zero_before_the_first_and_one_on_it() -> None:
    assert next_index_after(BERLIN_THURSDAYS, "Europe/Berlin", WEEKLY, utc(2024, 1, 1)) == 0
    assert next_index_after(BERLIN_THURSDAYS, "Europe/Berlin", WEEKLY, BERLIN_THURSDAYS) == 1


# --- local_wall_time and valid_timezone ---------------------------------------------------------


def test_local_wall_time_is_aware_in_the_zone() -> None:
    local = local_wall_time(utc(2024, 4, 4, 13), "Europe/Berlin")
    assert local.replace(tzinfo=None) == datetime(2024, 4, 4, 15)
    assert local.tzinfo == ZoneInfo("Europe/Berlin")
    assert local.utcoffset() == timedelta(hours=2)


@pytest.mark.parametrize(
    ("tz", "expected"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("America/New_York", "America/New_York"),
        ("UTC", "UTC"),
        ("Etc/UTC", "Etc/UTC"),
        (None, "UTC"),
        ("", "UTC"),
        ("Mars/Olympus_Mons", "UTC"),
        ("Europe", "UTC"),  # a directory, not a zone
        ("europe/berlin", "UTC"),
        ("Europe/Berlin ", "UTC"),
        ("../etc/passwd", "UTC"),
        ("/etc/localtime", "UTC"),
        ("zone.tab", "UTC"),  # a file in the zone directory that is not a zone
    ],
)
def test_valid_timezone_falls_back_to_utc(tz: str | None, expected: str) -> None:
    assert valid_timezone(tz) == expected


# --- refused input ------------------------------------------------------------------------------

NAIVE = datetime(2024, 3, 21, 14)
AWARE = utc(2024, 3, 21, 14)


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda: occurrence(NAIVE, "UTC", WEEKLY, 1), id="occurrence-first"),
        pytest.param(lambda: next_index_after(NAIVE, "UTC", WEEKLY, AWARE), id="next_index-first"),
        pytest.param(lambda: next_index_after(AWARE, "UTC", WEEKLY, NAIVE), id="next_index-after"),
    ],
)
def test_naive_datetimes_are_refused(call: Callable[[], object]) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        call()


@pytest.mark.parametrize("tz", ["Mars/Olympus_Mons", "", "../etc/passwd", "Europe", "zone.tab"])
@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda tz: occurrence(AWARE, tz, WEEKLY, 1), id="occurrence"),
        pytest.param(lambda tz: next_index_after(AWARE, tz, WEEKLY, AWARE), id="next_index_after"),
    ],
)
def test_unknown_zones_are_refused(call: Callable[[str], object], tz: str) -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        call(tz)


@pytest.mark.parametrize("index", [-1, -52])
def test_negative_index_is_refused(index: int) -> None:
    with pytest.raises(ValueError, match="index"):
        occurrence(AWARE, "UTC", WEEKLY, index)


def test_unknown_cadence_is_refused() -> None:
    with pytest.raises(ValueError):
        occurrence(AWARE, "UTC", "daily", 1)  # type: ignore[arg-type]
