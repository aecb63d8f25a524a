"""The Home summary: one viewer's pairs, sessions, agreements, items, prompts and diary streak."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from bot import agreement, home
from bot.curriculum import load_curriculum
from bot.errors import UserError
from bot.settings import ProgramSettings
from storage import actions as action_store
from storage import answers as answer_store
from storage import deliveries as delivery_store
from storage import pairs as pair_store
from storage import sessions as session_store
from storage.agreements import add_signature
from storage.db import Database
from storage.models import (
    Delivery,
    DeliveryState,
    Kind,
    MentoringSession,
    Pair,
    PairStatus,
    SessionStatus,
)
from tests.conftest import ADMIN, MENTEE, MENTOR, OTHER_TEAM, STRANGER, TEAM

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PROGRAM = ProgramSettings()
CURRICULUM = load_curriculum()
SECOND_MENTEE = "UMENTEE2"
_channels = itertools.count(1)


def make_pair(
    db: Database,
    mentor: str = MENTOR,
    mentee: str = MENTEE,
    *,
    team: str = TEAM,
    status: str = PairStatus.ACTIVE,
) -> Pair:
    with db.session() as session:
        pair = pair_store.add_pair(
            session=session,
            team_id=team,
            mentor_id=mentor,
            mentee_id=mentee,
            channel_id=f"G{next(_channels):08d}",
            created_by=ADMIN,
            now=NOW,
        )
        agreement.start_agreement(session=session, pair=pair, program=PROGRAM, now=NOW)
        pair.status = status
        session.add(pair)
    return pair


def make_session(
    db: Database, pair: Pair, starts_at: datetime, *, status: str = SessionStatus.SCHEDULED
) -> MentoringSession:
    assert pair.id is not None
    with db.session() as session:
        series = session_store.add_series(
            session=session,
            team_id=pair.team_id,
            pair_id=pair.id,
            cadence=None,
            first_start=starts_at,
            length_minutes=60,
            created_by=pair.mentor_id,
            now=NOW,
        )
        meeting = session_store.add_session(
            session=session, series=series, occurrence=0, starts_at=starts_at, now=NOW
        )
        meeting.status = status
        session.add(meeting)
    return meeting


def sent_prompt(
    db: Database,
    pair: Pair,
    kind: Kind,
    recipient: str,
    *,
    meeting: MentoringSession | None = None,
    sent_at: datetime = NOW,
    state: str = DeliveryState.SENT,
) -> Delivery:
    key = f"test:{pair.id}:{meeting.id if meeting else '-'}:{kind}:{recipient}"
    with db.session() as session:
        delivery_store.plan_delivery(
            session=session,
            team_id=pair.team_id,
            pair_id=pair.id,
            session_id=meeting.id if meeting else None,
            kind=kind,
            recipient=recipient,
            dedupe_key=key,
            due_at=sent_at,
            expires_at=None,
            now=sent_at,
        )
        row = session.exec(select(Delivery).where(Delivery.dedupe_key == key)).one()
        row.state = state
        row.sent_at = sent_at if state == DeliveryState.SENT else None
        session.add(row)
    return row


def answer(
    db: Database, pair: Pair, author: str, set_key: str, meeting: MentoringSession | None = None
) -> None:
    with db.session() as session:
        answer_store.save_answer(
            session=session,
            team_id=pair.team_id,
            pair_id=pair.id or 0,
            session_id=meeting.id if meeting else None,
            author_id=author,
            question_set=set_key,
            answers={f"{set_key}.x": "my answer"},
            now=NOW,
        )


def diary(db: Database, meeting: MentoringSession, author: str, text: str = "a lesson") -> None:
    with db.session() as session:
        answer_store.save_diary(
            session=session,
            team_id=meeting.team_id,
            pair_id=meeting.pair_id,
            session_id=meeting.id or 0,
            author_id=author,
            answers={"diary.lesson": text},
            shared=False,
            to_agenda=False,
            now=NOW,
        )


def item(
    db: Database,
    pair: Pair,
    owner: str,
    text: str,
    due_on: date | None = None,
    *,
    done: bool = False,
) -> int:
    with db.session() as session:
        row = action_store.add_action_item(
            session=session,
            team_id=pair.team_id,
            pair_id=pair.id or 0,
            owner_id=owner,
            text=text,
            due_on=due_on,
            created_by=owner,
            now=NOW,
        )
        if done:
            action_store.mark_item_done(
                session=session, team_id=pair.team_id, item_id=row.id or 0, by=owner, now=NOW
            )
        assert row.id is not None
        return row.id


def load(
    db: Database, user: str = MENTOR, *, team: str = TEAM, now: datetime = NOW
) -> home.HomeSummary:
    return home.load_home(
        db,
        CURRICULUM,
        team_id=team,
        user_id=user,
        program=PROGRAM,
        is_admin=user == ADMIN,
        now=now,
        tz="Europe/Berlin",
    )


def test_someone_without_a_pair_has_an_empty_summary(db: Database) -> None:
    summary = load(db, STRANGER)
    assert not summary.has_pairs
    assert (summary.pairs, summary.items, summary.prompts) == ((), (), ())
    assert summary.streak == home.DiaryStreak(0, pending=False)


def test_pairs_and_roles_of_this_workspace_only(db: Database) -> None:
    mentoring = make_pair(db, MENTOR, MENTEE)
    mentored = make_pair(db, ADMIN, MENTOR, status=PairStatus.PAUSED)
    make_pair(db, MENTOR, SECOND_MENTEE, status=PairStatus.ENDED)
    make_pair(db, MENTOR, STRANGER, team=OTHER_TEAM)
    make_pair(db, ADMIN, MENTEE)  # not the viewer's

    summary = load(db)

    assert [(c.pair.id, c.role, c.partner_id, c.pair.status) for c in summary.pairs] == [
        (mentoring.id, "mentor", MENTEE, PairStatus.ACTIVE),
        (mentored.id, "mentee", ADMIN, PairStatus.PAUSED),
    ]
    assert summary.multiple_pairs
    assert summary.today == date(2026, 3, 2)


def test_next_session_nothing_scheduled_and_paused(db: Database) -> None:
    active = make_pair(db, MENTOR, MENTEE)
    idle = make_pair(db, MENTOR, SECOND_MENTEE)
    paused = make_pair(db, ADMIN, MENTOR, status=PairStatus.PAUSED)
    make_session(db, active, NOW + timedelta(days=7))
    make_session(db, active, NOW + timedelta(days=2))
    make_session(db, active, NOW + timedelta(days=1), status=SessionStatus.CANCELLED)
    make_session(db, paused, NOW + timedelta(days=1))

    cards = {c.pair.id: c for c in load(db).pairs}

    upcoming = cards[active.id].next_session
    assert upcoming is not None and upcoming.starts_at == NOW + timedelta(days=2)
    assert cards[idle.id].next_session is None
    assert cards[paused.id].next_session is None


def test_agreement_status_and_whether_the_viewer_signed(db: Database) -> None:
    pair = make_pair(db)
    assert pair.id is not None
    (card,) = load(db).pairs
    assert card.agreement is not None and card.agreement.version == 1
    assert not card.viewer_signed

    with db.session() as session:
        add_signature(
            session=session, team_id=TEAM, pair_id=pair.id, version=1, user_id=MENTEE, now=NOW
        )
    (card,) = load(db).pairs
    assert not card.viewer_signed  # the partner's signature is not the viewer's
    (mentee_card,) = load(db, MENTEE).pairs
    assert mentee_card.viewer_signed


def test_open_items_of_every_pair_soonest_first(db: Database) -> None:
    first = make_pair(db, MENTOR, MENTEE)
    second = make_pair(db, ADMIN, MENTOR)
    undated = item(db, first, MENTEE, "Undated, partner's")
    later = item(db, second, MENTOR, "Later", date(2026, 3, 20))
    overdue = item(db, first, MENTOR, "Overdue", date(2026, 2, 27))
    partners_same_day = item(db, first, MENTEE, "Same day, partner's", date(2026, 3, 5))
    mine_same_day = item(db, second, MENTOR, "Same day, mine", date(2026, 3, 5))
    item(db, first, MENTOR, "Done already", done=True)
    other_team = make_pair(db, MENTOR, MENTEE, team=OTHER_TEAM)
    item(db, other_team, MENTOR, "Another workspace")
    item(db, make_pair(db, ADMIN, MENTEE), MENTEE, "Not the viewer's pair")

    summary = load(db)

    assert [o.item.id for o in summary.items] == [
        overdue,
        mine_same_day,
        partners_same_day,
        later,
        undated,
    ]
    assert {o.pair.id for o in summary.items} == {first.id, second.id}


def test_prompts_waiting_for_an_answer(any_db: Database) -> None:
    db = any_db
    pair = make_pair(db, MENTOR, MENTEE)
    soon = make_session(db, pair, NOW + timedelta(hours=20))
    later = make_session(db, pair, NOW + timedelta(days=7, hours=20))
    answered_session = make_session(db, pair, NOW + timedelta(days=3))
    started = make_session(db, pair, NOW - timedelta(minutes=5))
    cancelled = make_session(db, pair, NOW + timedelta(days=2), status=SessionStatus.CANCELLED)
    held = make_session(db, pair, NOW - timedelta(days=14), status=SessionStatus.HELD)
    held_later = make_session(db, pair, NOW - timedelta(days=7), status=SessionStatus.HELD)

    first_meeting = sent_prompt(
        db, pair, Kind.FIRST_MEETING, MENTOR, sent_at=NOW - timedelta(days=30)
    )
    prep_soon = sent_prompt(db, pair, Kind.PREP, MENTOR, meeting=soon)
    prep_later = sent_prompt(db, pair, Kind.PREP, MENTOR, meeting=later)
    answered = sent_prompt(db, pair, Kind.PREP, MENTOR, meeting=answered_session)
    answer(db, pair, MENTOR, "preparation", answered_session)
    closed = [
        sent_prompt(db, pair, Kind.PREP, MENTOR, meeting=started),
        sent_prompt(db, pair, Kind.PREP, MENTOR, meeting=cancelled),
    ]
    old_check = sent_prompt(
        db, pair, Kind.EXPECTATIONS, MENTOR, meeting=held, sent_at=NOW - timedelta(days=14)
    )
    new_check = sent_prompt(
        db, pair, Kind.EXPECTATIONS, MENTOR, meeting=held_later, sent_at=NOW - timedelta(days=7)
    )
    # Not the viewer's, not sent yet, not a question set, or of a paused pair: never listed.
    sent_prompt(db, pair, Kind.CHECKIN, MENTEE, meeting=soon)
    unsent_session = make_session(db, pair, NOW + timedelta(days=4))
    sent_prompt(db, pair, Kind.PREP, MENTOR, meeting=unsent_session, state=DeliveryState.PENDING)
    sent_prompt(db, pair, Kind.AFTER_SESSION, MENTOR, meeting=held)
    paused = make_pair(db, ADMIN, MENTOR, status=PairStatus.PAUSED)
    sent_prompt(db, paused, Kind.FIRST_MEETING, MENTOR)

    prompts = load(db).prompts

    # What closes soonest first, then the newest of the rest; one expectations check per pair.
    assert [p.delivery_id for p in prompts] == [
        prep_soon.id,
        prep_later.id,
        new_check.id,
        first_meeting.id,
    ]
    listed = {p.delivery_id for p in prompts}
    assert not listed & {answered.id, old_check.id, *(d.id for d in closed)}
    by_id = {p.delivery_id: p for p in prompts}
    assert by_id[prep_soon.id].closes_at == soon.starts_at
    assert by_id[prep_soon.id].title == CURRICULUM.questions("preparation").title
    assert by_id[prep_soon.id].kind == Kind.PREP
    assert by_id[first_meeting.id].closes_at is None
    assert {p.partner_id for p in prompts} == {MENTEE}

    # Answering the first-meeting form takes it off the list.
    answer(db, pair, MENTOR, "first_meeting")
    assert first_meeting.id not in [p.delivery_id for p in load(db).prompts]


def test_prompts_of_another_workspace_are_not_listed(db: Database) -> None:
    here = make_pair(db, MENTOR, MENTEE)
    there = make_pair(db, MENTOR, MENTEE, team=OTHER_TEAM)
    sent_prompt(db, there, Kind.FIRST_MEETING, MENTOR)
    mine = sent_prompt(db, here, Kind.FIRST_MEETING, MENTOR)
    assert [p.delivery_id for p in load(db).prompts] == [mine.id]


def test_diary_streak_counts_the_latest_held_sessions_with_an_entry(any_db: Database) -> None:
    db = any_db
    pair = make_pair(db, MENTOR, MENTEE)
    other = make_pair(db, ADMIN, MENTOR)
    days_ago = [35, 28, 21, 14, 7]
    held = [
        make_session(db, pair if d != 14 else other, NOW - timedelta(days=d), status="held")
        for d in days_ago
    ]
    make_session(db, pair, NOW - timedelta(days=3), status=SessionStatus.MISSED)
    for meeting in (held[0], held[2], held[3], held[4]):
        diary(db, meeting, MENTOR)
    diary(db, held[1], MENTEE)  # the partner's entry doesn't count for the viewer

    assert load(db).streak == home.DiaryStreak(3, pending=False)
    assert load(db, MENTEE).streak == home.DiaryStreak(0, pending=False)

    # A session that just happened: no entry yet, but still time to write it.
    just_held = make_session(db, pair, NOW - timedelta(hours=3), status="held")
    assert load(db).streak == home.DiaryStreak(3, pending=True)
    # Two days later (MENTORBOT_DIARY_USEFUL_HOURS) the missing entry ends the streak…
    assert load(db, now=NOW + timedelta(hours=46)).streak == home.DiaryStreak(0, pending=False)
    # …unless it was written.
    diary(db, just_held, MENTOR)
    assert load(db, now=NOW + timedelta(hours=46)).streak == home.DiaryStreak(4, pending=False)


def test_the_agreement_opens_only_for_its_partners(db: Database) -> None:
    pair = make_pair(db, MENTOR, MENTEE)
    there = make_pair(db, MENTOR, MENTEE, team=OTHER_TEAM)
    assert pair.id is not None and there.id is not None
    state = home.agreement_for_viewer(
        db, team_id=TEAM, pair_id=pair.id, user_id=MENTEE, program=PROGRAM
    )
    assert state.pair.id == pair.id
    for user, team, pair_id in (
        (STRANGER, TEAM, pair.id),
        (ADMIN, TEAM, pair.id),
        (MENTOR, TEAM, there.id),  # another workspace's id, forged into this one
        (MENTOR, TEAM, 999_999),
    ):
        with pytest.raises(UserError, match="pair you're in"):
            home.agreement_for_viewer(
                db, team_id=team, pair_id=pair_id, user_id=user, program=PROGRAM
            )


def test_the_summary_never_holds_a_partners_diary_or_answers(db: Database) -> None:
    pair = make_pair(db, MENTOR, MENTEE)
    meeting = make_session(db, pair, NOW - timedelta(days=1), status="held")
    upcoming = make_session(db, pair, NOW + timedelta(hours=20))
    diary(db, meeting, MENTEE, text="SECRET-DIARY of the mentee")
    sent_prompt(db, pair, Kind.CHECKIN, MENTEE, meeting=upcoming)
    with db.session() as session:
        answer_store.save_answer(
            session=session,
            team_id=TEAM,
            pair_id=pair.id or 0,
            session_id=upcoming.id,
            author_id=MENTEE,
            question_set="checkin",
            answers={"checkin.went_well": "SECRET-ANSWER of the mentee"},
            now=NOW,
        )

    summary = load(db, MENTOR)

    assert "SECRET" not in repr(summary)
    assert summary.prompts == () and summary.streak.count == 0
