"""Program health: who may see it, what it counts per program, drifting pairs, CSV, privacy."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta

import pytest
from sqlmodel import select

from blocks.report import build_admin_digest, build_nudge, build_report_message
from bot import messages, stalling
from bot.agreement import all_fields
from bot.errors import UserError
from bot.report import (
    ALL_PROGRAMS,
    ProgramHealth,
    ProgramReport,
    csv_filename,
    error_code,
    people_listed,
    program_report,
    report_csv,
)
from bot.settings import Cadence
from storage import agreements as agreement_store
from storage import deliveries as delivery_store
from storage.db import Database
from storage.models import (
    ActionItem,
    AgendaTopic,
    AgreementVersion,
    Delivery,
    DeliveryState,
    DiaryEntry,
    Goal,
    Kind,
    Pair,
    PairStatus,
    PromptAnswer,
    SessionStatus,
)
from tests.bot.test_stalling import DAY, START, WEEK, add_meeting, make_pair, send_due
from tests.conftest import ADMIN, MENTEE, MENTOR, OTHER_TEAM, STRANGER, TEAM, base_settings

NOW = START + 6 * WEEK  # Monday 13 April 2026, 09:00 UTC
SETTINGS = base_settings()
MARKER = "PRIVATE-TEXT-MARKER"


def report(db: Database, *, team: str = TEAM, now=NOW) -> ProgramReport:  # type: ignore[no-untyped-def]
    return program_report(db, SETTINGS, team_id=team, user_id=ADMIN, now=now)


def program(built: ProgramReport, name: str) -> ProgramHealth:
    return next(p for p in built.programs if p.program == name)


def sign(db: Database, pair: Pair, *people: str) -> None:
    with db.session() as session:
        for person in people:
            agreement_store.add_signature(
                session=session,
                team_id=pair.team_id,
                pair_id=pair.id or 0,
                version=1,
                user_id=person,
                now=pair.created_at,
            )


def diary(db: Database, pair: Pair, session_id: int, author: str, text: str = "x") -> None:
    with db.session() as session:
        session.add(
            DiaryEntry(
                team_id=pair.team_id,
                pair_id=pair.id or 0,
                session_id=session_id,
                author_id=author,
                answers={"diary.lesson": text},
                written_at=NOW,
            )
        )


def fail(
    db: Database, pair: Pair | None, error: str, *, due=NOW - DAY, team: str = TEAM, key: str = ""
) -> None:  # type: ignore[no-untyped-def]
    with db.session() as session:
        delivery_store.plan_delivery(
            session=session,
            team_id=team,
            pair_id=pair.id if pair else None,
            kind=Kind.PREP,
            recipient=MENTOR,
            dedupe_key=key or f"failed:{error}:{due.timestamp()}",
            due_at=due,
            expires_at=None,
            now=due,
        )
        row = session.exec(select(Delivery).order_by(Delivery.id.desc())).first()  # type: ignore[union-attr]
        assert row is not None
        row.state, row.last_error = DeliveryState.FAILED, error
        session.add(row)


@pytest.fixture
def program_world(any_db: Database) -> dict[str, Pair]:
    """Two programs with pairs in every state, sessions in and out of the window, failures.

    On SQLite and (with TEST_DATABASE_URL) PostgreSQL: the report's queries use both's JSON
    and grouping."""
    db = any_db
    p1 = make_pair(db, frequency="weekly")
    sign(db, p1, MENTOR, MENTEE)
    held_a = add_meeting(db, p1, NOW - 10 * DAY, status=SessionStatus.HELD)
    held_b = add_meeting(db, p1, NOW - 3 * DAY, status=SessionStatus.HELD)
    add_meeting(db, p1, NOW - 17 * DAY, status=SessionStatus.MISSED)
    old = add_meeting(db, p1, NOW - 40 * DAY, status=SessionStatus.HELD)  # outside the window
    diary(db, p1, held_a, MENTOR)
    diary(db, p1, held_b, MENTOR)
    diary(db, p1, held_b, MENTEE)
    diary(db, p1, old, MENTEE)
    p2 = make_pair(db, mentor="UNEWYORK", mentee="UTOKYO01", frequency="biweekly")
    p3 = make_pair(db, mentor="UPAUSED1", mentee="UPAUSED2", status=PairStatus.PAUSED)
    p4 = make_pair(db, mentor="UENDED01", mentee="UENDED02", status=PairStatus.ENDED)
    spring = "Spring 2026"
    p5 = make_pair(
        db,
        mentor="USPRING1",
        mentee="USPRING2",
        frequency="monthly",
        program=spring,
        created_at=NOW - 59 * DAY,
    )
    sign(db, p5, "USPRING1")  # only one of them
    for days in (20, 10):
        add_meeting(db, p5, NOW - days * DAY, status=SessionStatus.MISSED)
    p6 = make_pair(
        db, mentor="USPRING3", mentee="USPRING4", program=spring, created_at=NOW - 5 * DAY
    )
    fail(db, p1, "user_not_found")
    fail(db, p5, "gave up after 6 attempts: internal_error")
    fail(db, p6, "compose: something broke")
    fail(db, None, "channel_not_found")
    fail(db, p1, "user_not_found", due=NOW - 40 * DAY)  # outside the window
    # Another workspace's pairs, sessions and failures are none of this report's business.
    elsewhere = make_pair(db, team=OTHER_TEAM, mentor="UNEWYORK", mentee="UTOKYO01")
    add_meeting(db, elsewhere, NOW - 2 * DAY, status=SessionStatus.HELD)
    fail(db, elsewhere, "user_not_found", team=OTHER_TEAM)
    return {"p1": p1, "p2": p2, "p3": p3, "p4": p4, "p5": p5, "p6": p6}


def test_only_admins_get_the_report(db: Database) -> None:
    make_pair(db)
    for person in (MENTOR, STRANGER):
        with pytest.raises(UserError) as refused:
            program_report(db, SETTINGS, team_id=TEAM, user_id=person, now=NOW)
        assert refused.value.message == messages.NOT_ADMIN_REPORT


def test_the_report_counts_per_program_and_in_total(
    any_db: Database, program_world: dict[str, Pair]
) -> None:
    built = report(any_db)
    assert [p.program for p in built.programs] == ["Spring 2026", "main"]
    main, spring, total = program(built, "main"), program(built, "Spring 2026"), built.total
    w = program_world

    assert (main.active, main.paused, main.ended, main.pairs) == (2, 1, 1, 4)
    assert main.agreements_signed == 1
    assert (main.sessions_held, main.sessions_missed) == (2, 1)
    assert (main.diary_entries, main.diary_expected, main.diary_rate) == (3, 4, 0.75)
    assert main.failed_prompts == {"user_not_found": 1}
    assert [d.pair.id for d in main.drifting] == [w["p2"].id]
    assert main.at_risk == ()

    assert (spring.active, spring.paused, spring.ended) == (2, 0, 0)
    assert spring.agreements_signed == 0  # one signature isn't a signed agreement
    assert (spring.sessions_held, spring.sessions_missed, spring.diary_rate) == (0, 2, None)
    assert spring.failed_prompts == {"compose_error": 1, "internal_error": 1}
    assert spring.drifting == ()  # a monthly pair paired 59 days ago isn't drifting yet
    assert [(r.pair.id, r.risk.missed_in_a_row) for r in spring.at_risk] == [(w["p5"].id, 2)]

    assert total.program == ALL_PROGRAMS
    assert (total.active, total.paused, total.ended) == (4, 1, 1)
    assert (total.agreements_signed, total.sessions_held, total.sessions_missed) == (1, 2, 3)
    assert (total.diary_entries, total.diary_expected) == (3, 4)
    # A failure that isn't about any pair counts in the total only.
    assert total.failed_prompts == {
        "channel_not_found": 1,
        "compose_error": 1,
        "internal_error": 1,
        "user_not_found": 1,
    }
    assert [d.pair.id for d in total.drifting] == [w["p2"].id]
    assert [r.pair.id for r in total.at_risk] == [w["p5"].id]


def test_another_workspace_sees_only_its_own(
    any_db: Database, program_world: dict[str, Pair]
) -> None:
    built = report(any_db, team=OTHER_TEAM)
    assert [p.program for p in built.programs] == ["main"]
    assert (built.total.active, built.total.sessions_held) == (1, 1)
    assert built.total.failed_prompts == {"user_not_found": 1}


@pytest.mark.parametrize(
    ("frequency", "held_days_ago", "created_days_ago", "drifting"),
    [
        ("weekly", None, 13, False),  # new: not drifting before twice its cadence
        ("weekly", None, 14, True),
        ("weekly", 13, 60, False),
        ("weekly", 15, 60, True),
        ("biweekly", 27, 60, False),
        ("biweekly", 29, 60, True),
        ("monthly", 59, 90, False),
        ("monthly", 61, 90, True),
    ],
)
def test_a_pair_drifts_after_twice_its_cadence_without_a_held_session(
    db: Database,
    frequency: str,
    held_days_ago: int | None,
    created_days_ago: int,
    drifting: bool,
) -> None:
    pair = make_pair(db, frequency=frequency, created_at=NOW - created_days_ago * DAY)
    if held_days_ago is not None:
        # Ended an hour after it began: the hour counts.
        add_meeting(db, pair, NOW - held_days_ago * DAY - timedelta(hours=1), status="held")
    # A scheduled or missed session doesn't count as held.
    add_meeting(db, pair, NOW - 2 * DAY, status=SessionStatus.MISSED)
    found = report(db).total.drifting
    assert bool(found) is drifting
    if found:
        (item,) = found
        assert item.cadence == Cadence(frequency)
        assert item.quiet_days == (held_days_ago or created_days_ago)
        assert (item.last_held_end is None) is (held_days_ago is None)


def test_paused_and_ended_pairs_never_drift(db: Database) -> None:
    for status in (PairStatus.PAUSED, PairStatus.ENDED):
        make_pair(db, mentor=f"U{status.upper()}1", status=status, created_at=NOW - 90 * DAY)
    assert report(db).total.drifting == ()


@pytest.mark.parametrize(
    ("recorded", "code"),
    [
        ("user_not_found", "user_not_found"),
        ("gave up after 6 attempts: internal_error", "internal_error"),
        ("gave up after 6 attempts: connection: [Errno 111] refused", "connection_error"),
        ("compose: KeyError('the diary said something')", "compose_error"),
        ("http_503", "http_503"),
        ("Anything else, with <text>", "other"),
        (None, "other"),
    ],
)
def test_failures_are_counted_by_code_never_by_their_text(recorded: str | None, code: str) -> None:
    assert error_code(recorded) == code


def test_the_csv_holds_the_same_numbers(any_db: Database, program_world: dict[str, Pair]) -> None:
    built = report(any_db)
    rows = list(csv.DictReader(io.StringIO(report_csv(built))))
    summary = {(r["program"], r["metric"]): r["value"] for r in rows if r["section"] == "summary"}
    assert summary[(ALL_PROGRAMS, "pairs_active")] == "4"
    assert summary[("main", "sessions_held")] == "2"
    assert summary[("main", "diary_completion_percent")] == "75"
    assert summary[("Spring 2026", "diary_completion_percent")] == ""
    assert summary[(ALL_PROGRAMS, "failed_prompts")] == "4"
    assert summary[(ALL_PROGRAMS, "failed_prompts:channel_not_found")] == "1"
    assert summary[("Spring 2026", "pairs_at_risk")] == "1"
    p2, p5 = program_world["p2"], program_world["p5"]
    assert [
        (r["program"], r["metric"], r["value"], r["mentor"], r["mentee"])
        for r in rows
        if r["section"] == "drifting"
    ] == [("main", "days_without_held_session", "42", p2.mentor_id, p2.mentee_id)]
    assert [(r["metric"], r["value"], r["mentor"]) for r in rows if r["section"] == "at_risk"] == [
        ("ignored_nudges", "0", p5.mentor_id),
        ("missed_sessions_in_a_row", "2", p5.mentor_id),
        ("unanswered_prompts_in_a_row", "0", p5.mentor_id),
    ]
    assert csv_filename(built) == "mentorbot-program-health-2026-04-13.csv"


def test_the_csv_names_the_people_it_was_given_names_for(
    any_db: Database, program_world: dict[str, Pair]
) -> None:
    built = report(any_db)
    p2, p5 = program_world["p2"], program_world["p5"]
    assert people_listed(built) == [p2.mentor_id, p2.mentee_id, p5.mentor_id, p5.mentee_id]
    names = {p2.mentor_id: "Maria Ortiz", p2.mentee_id: "=cmd|' /C calc'!A0"}

    rows = list(csv.DictReader(io.StringIO(report_csv(built, names))))

    (drifting,) = [r for r in rows if r["section"] == "drifting"]
    assert (drifting["mentor_name"], drifting["mentee_name"]) == (
        "Maria Ortiz",
        "'=cmd|' /C calc'!A0",  # a name can't become a spreadsheet formula either
    )
    at_risk = [r for r in rows if r["section"] == "at_risk"]
    assert {(r["mentor"], r["mentor_name"], r["mentee_name"]) for r in at_risk} == {
        (p5.mentor_id, "", "")  # no name known: the id alone
    }
    assert {r["mentor_name"] for r in rows if r["section"] == "summary"} == {""}


def test_a_program_name_cannot_become_a_spreadsheet_formula(db: Database) -> None:
    make_pair(db, program="=HYPERLINK(1)")
    text = report_csv(report(db))
    assert "'=HYPERLINK(1)" in text and ",=HYPERLINK" not in text


def _fill_every_text_field(db: Database, pair: Pair) -> None:
    """Everything people write, in every table that holds it, says MARKER."""
    fields = {f.key: f"{MARKER}-clause-{f.key}" for f in all_fields(SETTINGS.program)}
    with db.session() as session:
        for version in session.exec(select(AgreementVersion)).all():
            version.clauses = dict(fields)
            session.add(version)
    meetings = [
        add_meeting(db, pair, NOW - days * DAY, status=status)
        for days, status in (
            (16, SessionStatus.HELD),
            (9, SessionStatus.MISSED),
            (2, SessionStatus.MISSED),
        )
    ]
    with db.session() as session:
        for question_set in ("preparation", "checkin", "first_meeting", "expectations"):
            for author in (pair.mentor_id, pair.mentee_id):
                session.add(
                    PromptAnswer(
                        team_id=TEAM,
                        pair_id=pair.id or 0,
                        session_id=meetings[0]
                        if question_set in ("preparation", "checkin")
                        else None,
                        author_id=author,
                        question_set=question_set,
                        answers={f"{question_set}.q": f"{MARKER}-{question_set}"},
                        answered_at=NOW - 10 * DAY,
                    )
                )
        for author in (pair.mentor_id, pair.mentee_id):
            session.add(
                DiaryEntry(
                    team_id=TEAM,
                    pair_id=pair.id or 0,
                    session_id=meetings[0],
                    author_id=author,
                    answers={"diary.lesson": f"{MARKER}-diary", "feedback.q": f"{MARKER}-fb"},
                    shared_with_partner=True,
                    written_at=NOW - 8 * DAY,
                )
            )
        session.add(
            AgendaTopic(
                team_id=TEAM,
                pair_id=pair.id or 0,
                session_id=meetings[1],
                author_id=pair.mentee_id,
                text=f"{MARKER}-agenda",
                created_at=NOW,
            )
        )
        session.add(
            ActionItem(
                team_id=TEAM,
                pair_id=pair.id or 0,
                owner_id=pair.mentee_id,
                text=f"{MARKER}-action",
                due_on=date(2026, 4, 20),
                created_by=pair.mentor_id,
                created_at=NOW,
            )
        )
        session.add(
            Goal(
                team_id=TEAM,
                pair_id=pair.id or 0,
                title=f"{MARKER}-goal",
                indicator=f"{MARKER}-indicator",
                created_by=pair.mentee_id,
                created_at=NOW,
            )
        )
    fail(db, pair, f"compose: {MARKER}-error", key="marker-1")
    fail(db, pair, f"{MARKER} as an error", key="marker-2")


def test_no_text_anyone_wrote_reaches_the_report_the_csv_or_the_digest(db: Database) -> None:
    pair = make_pair(db, created_at=NOW - 60 * DAY)
    make_pair(db, mentor="UNEWYORK", mentee="UTOKYO01", created_at=NOW - 60 * DAY)  # drifting
    _fill_every_text_field(db, pair)
    # Nudges ignored too, so the nudge and the digest have something to say.
    for weeks in (3, 2, 1):
        with db.session() as session:
            delivery_store.plan_delivery(
                session=session,
                team_id=TEAM,
                pair_id=pair.id,
                kind=Kind.NUDGE,
                recipient=pair.mentor_id,
                dedupe_key=f"nudge:{pair.id}:0:weekly:{weeks}:{pair.mentor_id}",
                due_at=NOW - weeks * WEEK,
                expires_at=NOW - (weeks - 1) * WEEK,
                now=NOW - weeks * WEEK,
            )
    send_due(db, NOW)

    built = report(db)
    # Not vacuous: the pair shows up with its counts and its failures.
    assert built.total.at_risk and built.total.drifting and built.total.failed_total == 2
    assert built.total.diary_entries == 2
    surfaces = {
        "report": json.dumps(build_report_message(built)),
        "csv": report_csv(built),
    }
    with db.session() as session:
        nudge_row = session.exec(select(Delivery).where(Delivery.kind == Kind.NUDGE)).first()
    assert nudge_row is not None
    nudge = stalling.nudge_for(db, SETTINGS, nudge_row, now=NOW)
    assert nudge is not None
    surfaces["nudge"] = json.dumps(build_nudge(nudge))
    digest_row = Delivery(
        team_id=TEAM,
        kind=Kind.ADMIN_DIGEST,
        recipient=ADMIN,
        dedupe_key="d",
        due_at=NOW,
        next_attempt_at=NOW,
        created_at=NOW,
    )
    digest = stalling.digest_for(db, SETTINGS, digest_row, now=NOW)
    assert digest is not None and digest.at_risk
    surfaces["digest"] = json.dumps(build_admin_digest(digest))
    for name, text in surfaces.items():
        assert MARKER not in text, f"private text reached the {name}"
        assert pair.mentor_id in text or pair.mentee_id in text, name
