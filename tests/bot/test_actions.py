"""Action items in the domain: reading the command and due dates, reminders, who may mark done."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from bot import actions
from bot.actions import ActionRequest, parse_action_command, parse_due, reminder_window
from bot.errors import FieldErrors, UserError
from storage import pairs as pair_store
from storage.db import Database
from storage.models import Delivery, DeliveryState, Pair, PairStatus
from tests.conftest import MENTEE, MENTOR, OTHER_TEAM, STRANGER, TEAM

MONDAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        ("2026-03-10", MONDAY, date(2026, 3, 10)),
        ("2026-03-02", MONDAY, MONDAY),
        ("today", MONDAY, MONDAY),
        ("Today", MONDAY, MONDAY),
        ("tomorrow", MONDAY, date(2026, 3, 3)),
        ("TOMORROW.", MONDAY, date(2026, 3, 3)),
        ("friday", MONDAY, date(2026, 3, 6)),
        ("  Friday ", MONDAY, date(2026, 3, 6)),
        ("fri", MONDAY, date(2026, 3, 6)),
        ("sunday", MONDAY, date(2026, 3, 8)),
        # A weekday is the next one, never today.
        ("monday", MONDAY, date(2026, 3, 9)),
        ("friday", date(2026, 3, 6), date(2026, 3, 13)),
        ("saturday", date(2026, 3, 6), date(2026, 3, 7)),
        # "next week" is next Monday, from any day of the week.
        ("next week", MONDAY, date(2026, 3, 9)),
        ("next  week", date(2026, 3, 6), date(2026, 3, 9)),
        ("next week", date(2026, 3, 8), date(2026, 3, 9)),
        ("in 3 days", MONDAY, date(2026, 3, 5)),
        ("in 1 day", MONDAY, date(2026, 3, 3)),
        ("in 0 days", MONDAY, MONDAY),
        ("in 30 days", MONDAY, date(2026, 4, 1)),
        ("2027-03-02", MONDAY, date(2027, 3, 2)),
        # Across a year's end.
        ("thursday", date(2026, 12, 30), date(2026, 12, 31)),
        ("tomorrow", date(2026, 12, 31), date(2027, 1, 1)),
    ],
)
def test_due_dates_people_write(text: str, today: date, expected: date) -> None:
    assert parse_due(text, today=today) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("2026-03-01", "already passed"),
        ("2025-12-31", "already passed"),
        ("yesterday", "couldn't read"),
        ("someday", "couldn't read"),
        ("", "couldn't read"),
        ("2026-02-30", "couldn't read"),
        ("03/10/2026", "couldn't read"),
        ("next friday", "couldn't read"),
        ("in -1 days", "couldn't read"),
        ("in 1000 days", "couldn't read"),
        ("in three days", "couldn't read"),
        ("Kahneman", "couldn't read"),
        ("2027-03-04", "within the next year"),
        ("in 400 days", "within the next year"),
        ("9999-12-31", "within the next year"),
    ],
)
def test_past_and_unreadable_due_dates_are_refused_with_the_forms(text: str, fragment: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_due(text, today=MONDAY)
    assert fragment in caught.value.message
    if fragment != "within the next year":
        assert "`by tomorrow`" in caught.value.message and "`by in 3 days`" in caught.value.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<@U222|tomas> Draft the proposal", ActionRequest("U222", "Draft the proposal", None)),
        (
            "<@U222|tomas> Draft the proposal by friday",
            ActionRequest("U222", "Draft the proposal", "friday"),
        ),
        ("<@U222> Ship it BY tomorrow", ActionRequest("U222", "Ship it", "tomorrow")),
        # The last " by " starts the date; earlier ones are part of the text.
        (
            "<@U222> Read the book by Kahneman by next week",
            ActionRequest("U222", "Read the book by Kahneman", "next week"),
        ),
        ("  <@W333|x>   Call   the team  ", ActionRequest("W333", "Call   the team", None)),
        ("<@U222> Nearby shops", ActionRequest("U222", "Nearby shops", None)),
        (
            "<@U222> Ask <@U999|kim> for help",
            ActionRequest("U222", "Ask <@U999|kim> for help", None),
        ),
        ("<@U222> Finish it by", ActionRequest("U222", "Finish it", "")),
    ],
)
def test_the_action_command_is_owner_text_and_maybe_a_date(
    text: str, expected: ActionRequest
) -> None:
    assert parse_action_command(text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "Start with who owns it"),
        ("Draft the proposal", "Start with who owns it"),
        ("@tomas Draft the proposal", "Start with who owns it"),
        ("Draft the proposal <@U222>", "Start with who owns it"),
        ("<!channel> Draft the proposal", "Start with who owns it"),
        ("<@U222>", "Say what needs doing"),
        ("<@U222>   ", "Say what needs doing"),
        ("<@U222> by friday", "Say what needs doing"),
        ("<@U222> " + "x" * 301, "300 characters or fewer (it is 301)"),
    ],
)
def test_bad_action_commands_say_how_to_write_them(text: str, fragment: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_action_command(text)
    assert fragment in caught.value.message


def test_three_hundred_characters_are_fine() -> None:
    assert len(parse_action_command("<@U222> " + "x" * 300).text) == 300


BERLIN = "Europe/Berlin"


@pytest.mark.parametrize(
    ("due_on", "tz", "now", "expected"),
    [
        # 09:00 Berlin (CET) the day before; useful until the due date ends there.
        (
            date(2026, 3, 6),
            BERLIN,
            NOW,
            (datetime(2026, 3, 5, 8, 0, tzinfo=UTC), datetime(2026, 3, 6, 23, 0, tzinfo=UTC)),
        ),
        # New York (EST until 8 March).
        (
            date(2026, 3, 6),
            "America/New_York",
            NOW,
            (datetime(2026, 3, 5, 14, 0, tzinfo=UTC), datetime(2026, 3, 7, 5, 0, tzinfo=UTC)),
        ),
        # Across Berlin's switch to summer time: 09:00 CEST is 07:00 UTC.
        (
            date(2026, 3, 31),
            BERLIN,
            NOW,
            (datetime(2026, 3, 30, 7, 0, tzinfo=UTC), datetime(2026, 3, 31, 22, 0, tzinfo=UTC)),
        ),
        # Unknown zone: UTC.
        (
            date(2026, 3, 6),
            None,
            NOW,
            (datetime(2026, 3, 5, 9, 0, tzinfo=UTC), datetime(2026, 3, 7, 0, 0, tzinfo=UTC)),
        ),
        (
            date(2026, 3, 6),
            "Not/AZone",
            NOW,
            (datetime(2026, 3, 5, 9, 0, tzinfo=UTC), datetime(2026, 3, 7, 0, 0, tzinfo=UTC)),
        ),
        # Its moment has passed but the due date hasn't come: due now.
        (date(2026, 3, 3), BERLIN, NOW, (NOW, datetime(2026, 3, 3, 23, 0, tzinfo=UTC))),
        # Due today (in the owner's zone), or undated: no reminder.
        (date(2026, 3, 2), BERLIN, NOW, None),
        (None, BERLIN, NOW, None),
        # 23:30 UTC on 2 March is already 3 March in Tokyo: an item due on the 3rd is due today.
        (date(2026, 3, 3), "Asia/Tokyo", datetime(2026, 3, 2, 23, 30, tzinfo=UTC), None),
    ],
)
def test_the_reminder_falls_at_nine_the_day_before_in_the_owners_zone(
    due_on: date | None,
    tz: str | None,
    now: datetime,
    expected: tuple[datetime, datetime] | None,
) -> None:
    assert reminder_window(due_on, tz, now) == expected


# -- storage-backed -------------------------------------------------------------------------


def _pair(db: Database, mentor: str, mentee: str, *, team: str = TEAM) -> Pair:
    with db.session() as session:
        return pair_store.add_pair(
            session=session,
            team_id=team,
            mentor_id=mentor,
            mentee_id=mentee,
            channel_id=f"G{mentor}{mentee}"[:20],
            created_by="UADMIN01",
            now=NOW - timedelta(days=1),
        )


def _add(db: Database, pair: Pair, **overrides: object):  # type: ignore[no-untyped-def]
    values: dict = {
        "team_id": pair.team_id,
        "pair_id": pair.id,
        "author_id": pair.mentor_id,
        "owner_id": pair.mentee_id,
        "text": "Draft the proposal",
        "due_on": date(2026, 3, 6),
        "owner_tz": BERLIN,
        "now": NOW,
        **overrides,
    }
    return actions.add_action(db, **values)


def _deliveries(db: Database) -> list[Delivery]:
    with db.session() as session:
        return list(session.exec(select(Delivery).order_by(Delivery.id)).all())  # type: ignore[arg-type]


def test_adding_stores_the_item_and_plans_one_reminder(db: Database) -> None:
    pair = _pair(db, MENTOR, MENTEE)
    item = _add(db, pair, text="  Draft the proposal  ")
    assert (item.text, item.owner_id, item.created_by) == ("Draft the proposal", MENTEE, MENTOR)
    (reminder,) = _deliveries(db)
    assert (reminder.kind, reminder.recipient, reminder.subject_id, reminder.pair_id) == (
        "action_reminder",
        MENTEE,
        item.id,
        pair.id,
    )
    assert reminder.session_id is None and reminder.dedupe_key == f"action:{item.id}:reminder"
    assert reminder.due_at == datetime(2026, 3, 5, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"text": "   "}, "action_text", "Say what needs doing"),
        ({"text": "x" * 301}, "action_text", "300 characters"),
        ({"owner_id": STRANGER}, "action_owner", "Choose who owns it"),
        ({"owner_id": ""}, "action_owner", "Choose who owns it"),
        ({"due_on": date(2026, 3, 1)}, "action_due", "already passed"),
        ({"due_on": date(2027, 6, 1)}, "action_due", "within the next year"),
    ],
)
def test_bad_fields_are_refused_under_their_field_and_nothing_is_stored(
    db: Database, overrides: dict, field: str, fragment: str
) -> None:
    pair = _pair(db, MENTOR, MENTEE)
    with pytest.raises(FieldErrors) as caught:
        _add(db, pair, **overrides)
    assert fragment in caught.value.errors[field]
    assert actions.open_actions(db, team_id=TEAM, pair_id=pair.id or 0) == []
    assert _deliveries(db) == []


def test_a_date_still_today_for_either_partner_is_not_past(db: Database) -> None:
    # 23:30 UTC on 2 March: already the 3rd in Tokyo, still the 2nd in New York.
    late = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
    pair = _pair(db, MENTOR, MENTEE)
    item = _add(
        db,
        pair,
        due_on=date(2026, 3, 2),
        author_tz="America/New_York",
        owner_tz="Asia/Tokyo",
        now=late,
    )
    assert item.due_on == date(2026, 3, 2) and _deliveries(db) == []


def test_only_partners_of_an_active_pair_in_the_same_workspace_can_add(db: Database) -> None:
    pair = _pair(db, MENTOR, MENTEE)
    with pytest.raises(UserError, match="a pair you're in"):
        _add(db, pair, author_id=STRANGER)
    with pytest.raises(UserError, match="a pair you're in"):
        _add(db, pair, team_id=OTHER_TEAM)
    with db.session() as session:
        row = session.get(Pair, pair.id)
        assert row is not None
        row.status = PairStatus.PAUSED
    with pytest.raises(UserError, match="paused"):
        _add(db, pair)


def test_open_actions_come_soonest_due_first_undated_last(db: Database) -> None:
    pair = _pair(db, MENTOR, MENTEE)
    later = _add(db, pair, text="later", due_on=date(2026, 3, 20))
    undated = _add(db, pair, text="undated", due_on=None)
    sooner = _add(db, pair, text="sooner", due_on=date(2026, 3, 4))
    other = _pair(db, STRANGER, "UTOKYO01")
    _add(db, other, text="someone else's")
    listed = actions.open_actions(db, team_id=TEAM, pair_id=pair.id or 0)
    assert [i.id for i in listed] == [sooner.id, later.id, undated.id]


def test_marking_done_records_who_withdraws_the_reminder_and_is_idempotent(db: Database) -> None:
    pair = _pair(db, MENTOR, MENTEE)
    item = _add(db, pair)
    done = actions.mark_done(db, team_id=TEAM, item_id=item.id, user_id=MENTOR, now=NOW)
    assert done.changed and (done.item.done_by, done.item.done_at) == (MENTOR, NOW)
    assert [d.state for d in _deliveries(db)] == [DeliveryState.WITHDRAWN]
    again = actions.mark_done(
        db, team_id=TEAM, item_id=item.id, user_id=MENTEE, now=NOW + timedelta(hours=1)
    )
    assert not again.changed and (again.item.done_by, again.item.done_at) == (MENTOR, NOW)
    assert actions.open_actions(db, team_id=TEAM, pair_id=pair.id or 0) == []


def test_nobody_outside_the_pair_or_the_workspace_can_mark_done(db: Database) -> None:
    pair = _pair(db, MENTOR, MENTEE)
    item = _add(db, pair)
    with pytest.raises(UserError, match="another pair"):
        actions.mark_done(db, team_id=TEAM, item_id=item.id, user_id=STRANGER, now=NOW)
    with pytest.raises(UserError, match="can't find"):
        actions.mark_done(db, team_id=OTHER_TEAM, item_id=item.id, user_id=MENTOR, now=NOW)
    with pytest.raises(UserError, match="can't find"):
        actions.mark_done(db, team_id=TEAM, item_id=9999, user_id=MENTOR, now=NOW)
    assert [i.done_at for i in actions.open_actions(db, team_id=TEAM, pair_id=pair.id or 0)] == [
        None
    ]
    assert [d.state for d in _deliveries(db)] == [DeliveryState.PENDING]


def test_withdrawing_a_subjects_reminder_stays_in_its_workspace_and_kind(db: Database) -> None:
    from storage import deliveries as delivery_store

    with db.session() as session:
        for team, kind, key in (
            (TEAM, "action_reminder", "a"),
            (OTHER_TEAM, "action_reminder", "b"),
            (TEAM, "prep", "c"),
        ):
            delivery_store.plan_delivery(
                session=session,
                team_id=team,
                kind=kind,
                recipient=MENTOR,
                dedupe_key=key,
                due_at=NOW,
                expires_at=None,
                now=NOW,
                subject_id=7,
            )
    with db.session() as session:
        withdrawn = delivery_store.withdraw_for_subject(
            session=session, team_id=TEAM, kind="action_reminder", subject_id=7, reason="done"
        )
    assert withdrawn == 1
    states = {d.dedupe_key: (d.state, d.subject_id) for d in _deliveries(db)}
    assert states == {
        "a": (DeliveryState.WITHDRAWN, 7),
        "b": (DeliveryState.PENDING, 7),
        "c": (DeliveryState.PENDING, 7),
    }
