"""The delivery queue on SQLite and PostgreSQL: planning, claiming, recording, expiring."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from storage import deliveries as store
from storage import pairs
from storage import sessions as session_store
from storage.db import Database
from storage.models import Delivery, DeliveryState
from tests.conftest import MENTEE, MENTOR, OTHER_TEAM, TEAM

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _plan(
    db: Database,
    key: str,
    *,
    due: datetime = NOW,
    expires: datetime | None = None,
    team: str = TEAM,
    recipient: str = MENTOR,
    kind: str = "prep",
    session_id: int | None = None,
    pair_id: int | None = None,
) -> int:
    with db.session() as session:
        store.plan_delivery(
            session=session,
            team_id=team,
            kind=kind,
            recipient=recipient,
            dedupe_key=key,
            due_at=due,
            expires_at=expires,
            now=NOW - timedelta(days=1),
            pair_id=pair_id,
            session_id=session_id,
        )
    with db.session() as session:
        row = session.exec(
            select(Delivery).where(Delivery.team_id == team, Delivery.dedupe_key == key)
        ).one()
        assert row.id is not None
        return row.id


def _row(db: Database, delivery_id: int) -> Delivery:
    with db.session() as session:
        row = session.get(Delivery, delivery_id)
        assert row is not None
        return row


def _all(db: Database) -> list[Delivery]:
    with db.session() as session:
        return list(session.exec(select(Delivery).order_by(Delivery.id)).all())


def _claim(db: Database, token: str, *, now: datetime = NOW, limit: int = 100) -> list[Delivery]:
    with db.session() as session:
        return store.claim_due(session=session, now=now, limit=limit, token=token)


# -- planning -----------------------------------------------------------------------------------
def test_planning_the_same_dedupe_key_twice_creates_one_row(any_db: Database) -> None:
    first = _plan(any_db, "session:1:prep:UMENTOR1", due=NOW)
    again = _plan(any_db, "session:1:prep:UMENTOR1", due=NOW + timedelta(hours=3))

    rows = _all(any_db)
    assert [r.id for r in rows] == [first] == [again]
    # The first plan stands: planning again is a no-op, not an update.
    assert rows[0].due_at == NOW
    assert rows[0].next_attempt_at == NOW
    assert rows[0].state == DeliveryState.PENDING
    assert rows[0].attempts == 0


def test_the_same_key_in_another_workspace_is_another_delivery(any_db: Database) -> None:
    mine = _plan(any_db, "announce:1", team=TEAM)
    theirs = _plan(any_db, "announce:1", team=OTHER_TEAM)
    assert mine != theirs
    assert {(r.team_id, r.dedupe_key) for r in _all(any_db)} == {
        (TEAM, "announce:1"),
        (OTHER_TEAM, "announce:1"),
    }


def test_planning_again_does_not_resurrect_a_finished_delivery(any_db: Database) -> None:
    delivery_id = _plan(any_db, "k")
    assert len(_claim(any_db, "tok")) == 1
    with any_db.session() as session:
        assert store.mark_sent(
            session=session,
            delivery_id=delivery_id,
            token="tok",
            channel_id="D1",
            ts="1.1",
            now=NOW,
        )
    _plan(any_db, "k", due=NOW + timedelta(days=1))

    [row] = _all(any_db)
    assert row.state == DeliveryState.SENT
    assert row.message_ts == "1.1"
    assert _claim(any_db, "again", now=NOW + timedelta(days=2)) == []


def test_concurrent_planning_of_one_key_creates_one_row(any_engine: Engine) -> None:
    db = Database(any_engine)
    threads_count = 6
    barrier = threading.Barrier(threads_count)
    errors: list[BaseException] = []

    def plan() -> None:
        try:
            barrier.wait()
            with db.session() as session:
                store.plan_delivery(
                    session=session,
                    team_id=TEAM,
                    kind="prep",
                    recipient=MENTOR,
                    dedupe_key="race",
                    due_at=NOW,
                    expires_at=None,
                    now=NOW,
                )
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=plan) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(_all(db)) == 1


def test_times_come_back_as_the_same_utc_instants(any_db: Database) -> None:
    berlin = timezone(timedelta(hours=1))
    due = datetime(2026, 3, 2, 10, 30, tzinfo=berlin)
    delivery_id = _plan(any_db, "tz", due=due, expires=due + timedelta(hours=2))
    row = _row(any_db, delivery_id)
    assert row.due_at == due
    assert row.due_at.tzinfo is not None
    assert row.due_at.utcoffset() == timedelta(0)
    assert row.expires_at == datetime(2026, 3, 2, 11, 30, tzinfo=UTC)


# -- claiming -----------------------------------------------------------------------------------
def test_claim_due_takes_pending_rows_whose_time_has_come_oldest_first(any_db: Database) -> None:
    later = _plan(any_db, "due-now", due=NOW)
    earlier = _plan(any_db, "due-earlier", due=NOW - timedelta(hours=1))
    _plan(any_db, "future", due=NOW + timedelta(seconds=1))
    done = _plan(any_db, "already-sent", due=NOW - timedelta(hours=2))
    with any_db.session() as session:
        store.claim_due(session=session, now=NOW - timedelta(hours=2), limit=10, token="old")
        store.mark_sent(
            session=session, delivery_id=done, token="old", channel_id="D", ts="1", now=NOW
        )

    claimed = _claim(any_db, "tok")

    assert [d.id for d in claimed] == [earlier, later]
    for delivery in claimed:
        assert delivery.state == DeliveryState.CLAIMED
        assert delivery.claim_token == "tok"
        assert delivery.claimed_at == NOW
        assert delivery.attempts == 1


def test_claim_due_respects_the_limit_and_never_claims_a_row_twice(any_db: Database) -> None:
    ids = [_plan(any_db, f"k{i}", due=NOW - timedelta(minutes=10 - i)) for i in range(5)]

    first = _claim(any_db, "a", limit=2)
    second = _claim(any_db, "b", limit=2)
    third = _claim(any_db, "c", limit=2)
    fourth = _claim(any_db, "d", limit=2)

    assert [d.id for d in first] == ids[:2]
    assert [d.id for d in second] == ids[2:4]
    assert [d.id for d in third] == ids[4:]
    assert fourth == []
    assert {r.claim_token for r in _all(any_db)} == {"a", "b", "c"}


def test_concurrent_claims_never_overlap(any_engine: Engine) -> None:
    db = Database(any_engine)
    ids = {_plan(db, f"k{i}", due=NOW - timedelta(seconds=i)) for i in range(120)}
    workers = 4
    barrier = threading.Barrier(workers)
    claimed: dict[str, list[int]] = {}
    errors: list[BaseException] = []

    def claim_all(token: str) -> None:
        mine: list[int] = []
        try:
            barrier.wait()
            while batch := _claim(db, token, limit=7):
                mine.extend(d.id for d in batch if d.id is not None)
        except BaseException as error:
            errors.append(error)
        claimed[token] = mine

    threads = [threading.Thread(target=claim_all, args=(f"t{i}",)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    everything = [i for mine in claimed.values() for i in mine]
    assert sorted(everything) == sorted(ids)  # all claimed, none twice
    for row in _all(db):
        assert row.state == DeliveryState.CLAIMED
        assert row.attempts == 1
        assert row.id in claimed[row.claim_token or ""]


# -- recording ----------------------------------------------------------------------------------
def test_outcomes_are_recorded_only_by_the_pass_holding_the_claim(any_db: Database) -> None:
    delivery_id = _plan(any_db, "k")
    _claim(any_db, "mine")
    with any_db.session() as session:
        assert not store.mark_sent(
            session=session, delivery_id=delivery_id, token="other", channel_id="D", ts="9", now=NOW
        )
        assert not store.mark_failed(
            session=session, delivery_id=delivery_id, token="other", error="x"
        )
        store.record_channel(
            session=session, delivery_id=delivery_id, token="other", channel_id="C9"
        )
    assert _row(any_db, delivery_id).state == DeliveryState.CLAIMED
    assert _row(any_db, delivery_id).channel_id is None

    with any_db.session() as session:
        store.record_channel(
            session=session, delivery_id=delivery_id, token="mine", channel_id="D1"
        )
        assert store.mark_sent(
            session=session,
            delivery_id=delivery_id,
            token="mine",
            channel_id="D1",
            ts="1.5",
            now=NOW,
        )
        # Once recorded, the claim is over: nothing can overwrite the outcome.
        assert not store.mark_failed(
            session=session, delivery_id=delivery_id, token="mine", error="x"
        )
        assert not store.retry_later(
            session=session, delivery_id=delivery_id, token="mine", at=NOW, error="x"
        )
    row = _row(any_db, delivery_id)
    assert (row.state, row.channel_id, row.message_ts, row.sent_at) == (
        DeliveryState.SENT,
        "D1",
        "1.5",
        NOW,
    )


@pytest.mark.parametrize(
    ("outcome", "state", "error"),
    [
        ("failed", DeliveryState.FAILED, "user_not_found"),
        ("withdrawn", DeliveryState.WITHDRAWN, "no longer needed"),
    ],
)
def test_final_outcomes_keep_their_reason(
    any_db: Database, outcome: str, state: DeliveryState, error: str
) -> None:
    delivery_id = _plan(any_db, "k")
    _claim(any_db, "tok")
    with any_db.session() as session:
        if outcome == "failed":
            done = store.mark_failed(
                session=session, delivery_id=delivery_id, token="tok", error=error
            )
        else:
            done = store.mark_withdrawn(
                session=session, delivery_id=delivery_id, token="tok", reason=error
            )
    assert done
    row = _row(any_db, delivery_id)
    assert (row.state, row.last_error) == (state, error)
    assert _claim(any_db, "later", now=NOW + timedelta(days=30)) == []


def test_long_errors_are_cut_to_the_column(any_db: Database) -> None:
    delivery_id = _plan(any_db, "k")
    _claim(any_db, "tok")
    with any_db.session() as session:
        store.mark_failed(session=session, delivery_id=delivery_id, token="tok", error="e" * 500)
    assert _row(any_db, delivery_id).last_error == "e" * 200


@pytest.mark.parametrize(("count_attempt", "attempts"), [(True, 1), (False, 0)])
def test_retry_later_puts_the_row_back_and_counts_the_attempt_unless_told_not_to(
    any_db: Database, count_attempt: bool, attempts: int
) -> None:
    delivery_id = _plan(any_db, "k")
    _claim(any_db, "tok")
    at = NOW + timedelta(minutes=3)
    with any_db.session() as session:
        assert store.retry_later(
            session=session,
            delivery_id=delivery_id,
            token="tok",
            at=at,
            error="internal_error",
            count_attempt=count_attempt,
        )
    row = _row(any_db, delivery_id)
    assert row.state == DeliveryState.PENDING
    assert row.next_attempt_at == at
    assert row.due_at == NOW  # the original due time stays
    assert row.attempts == attempts
    assert row.claim_token is None
    assert row.claimed_at is None
    assert row.last_error == "internal_error"
    assert _claim(any_db, "early", now=at - timedelta(seconds=1)) == []
    assert [d.id for d in _claim(any_db, "on-time", now=at)] == [delivery_id]


# -- expiring -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("due", "expires", "expired"),
    [
        pytest.param(NOW - timedelta(days=2), NOW - timedelta(days=1), True, id="expired-long-ago"),
        pytest.param(NOW - timedelta(hours=1), NOW, True, id="expires-exactly-now"),
        pytest.param(
            NOW - timedelta(hours=1), NOW + timedelta(seconds=1), False, id="still-useful"
        ),
        pytest.param(NOW - timedelta(days=30), None, False, id="never-expires"),
        pytest.param(NOW + timedelta(hours=1), NOW - timedelta(hours=1), False, id="not-due-yet"),
    ],
)
def test_expire_overdue_marks_only_due_pending_rows_past_their_usefulness(
    any_db: Database, due: datetime, expires: datetime | None, expired: bool
) -> None:
    delivery_id = _plan(any_db, "k", due=due, expires=expires)
    with any_db.session() as session:
        count = store.expire_overdue(session=session, now=NOW)
    row = _row(any_db, delivery_id)
    assert count == int(expired)
    assert row.state == (DeliveryState.EXPIRED if expired else DeliveryState.PENDING)
    if expired:
        assert row.last_error == "expired before it could be sent"


def test_expire_overdue_leaves_claimed_and_finished_rows_alone(any_db: Database) -> None:
    claimed = _plan(
        any_db, "claimed", due=NOW - timedelta(hours=2), expires=NOW - timedelta(hours=1)
    )
    sent = _plan(any_db, "sent", due=NOW - timedelta(hours=2), expires=NOW - timedelta(hours=1))
    with any_db.session() as session:
        store.claim_due(session=session, now=NOW - timedelta(hours=2), limit=10, token="tok")
        store.mark_sent(
            session=session, delivery_id=sent, token="tok", channel_id="D", ts="1", now=NOW
        )
    with any_db.session() as session:
        assert store.expire_overdue(session=session, now=NOW) == 0
    assert _row(any_db, claimed).state == DeliveryState.CLAIMED
    assert _row(any_db, sent).state == DeliveryState.SENT


# -- stale claims -------------------------------------------------------------------------------
def test_stale_claims_takes_over_only_claims_older_than_the_lease(any_db: Database) -> None:
    stale = _plan(any_db, "stale", due=NOW - timedelta(minutes=30))
    fresh = _plan(any_db, "fresh", due=NOW - timedelta(minutes=1))
    _plan(any_db, "pending", due=NOW + timedelta(hours=1))
    with any_db.session() as session:
        store.claim_due(session=session, now=NOW - timedelta(minutes=10), limit=1, token="dead")
        store.claim_due(session=session, now=NOW - timedelta(minutes=1), limit=1, token="alive")

    with any_db.session() as session:
        taken = store.stale_claims(
            session=session, older_than=NOW - timedelta(minutes=5), now=NOW, limit=10, token="new"
        )

    assert [d.id for d in taken] == [stale]
    assert taken[0].claim_token == "new"
    assert taken[0].claimed_at == NOW
    assert taken[0].attempts == 2
    assert _row(any_db, fresh).claim_token == "alive"
    # The dead pass can no longer record anything about the row it lost.
    with any_db.session() as session:
        assert not store.mark_sent(
            session=session, delivery_id=stale, token="dead", channel_id="D", ts="1", now=NOW
        )
    # A claim taken over just now is not stale for the next pass.
    with any_db.session() as session:
        again = store.stale_claims(
            session=session, older_than=NOW - timedelta(minutes=5), now=NOW, limit=10, token="x"
        )
    assert again == []


# -- withdrawing --------------------------------------------------------------------------------
def _meeting(db: Database) -> tuple[int, int, int]:
    with db.session() as session:
        pair = pairs.add_pair(
            session=session,
            team_id=TEAM,
            mentor_id=MENTOR,
            mentee_id=MENTEE,
            channel_id="GPAIR001",
            created_by=MENTOR,
            now=NOW,
        )
        assert pair.id is not None
        series = session_store.add_series(
            session=session,
            team_id=TEAM,
            pair_id=pair.id,
            cadence=None,
            first_start=NOW + timedelta(days=1),
            length_minutes=45,
            created_by=MENTOR,
            now=NOW,
        )
        first = session_store.add_session(
            session=session, series=series, occurrence=0, starts_at=NOW + timedelta(days=1), now=NOW
        )
        second = session_store.add_session(
            session=session, series=series, occurrence=1, starts_at=NOW + timedelta(days=8), now=NOW
        )
        assert first.id is not None and second.id is not None
        return pair.id, first.id, second.id


def test_withdraw_pending_touches_only_pending_rows_of_those_sessions_and_kinds(
    any_db: Database,
) -> None:
    pair_id, first, second = _meeting(any_db)
    kw = {"pair_id": pair_id}
    prep = _plan(any_db, "prep", kind="prep", session_id=first, due=NOW + timedelta(hours=1), **kw)
    diary = _plan(any_db, "diary", kind="diary_reminder", session_id=first, **kw)
    sent = _plan(any_db, "sent", kind="prep", session_id=first, due=NOW - timedelta(hours=1), **kw)
    other = _plan(any_db, "other", kind="prep", session_id=second, **kw)
    with any_db.session() as session:
        store.claim_due(session=session, now=NOW - timedelta(hours=1), limit=1, token="t")
        store.mark_sent(
            session=session, delivery_id=sent, token="t", channel_id="D", ts="1", now=NOW
        )

    with any_db.session() as session:
        assert (
            store.withdraw_pending(
                session=session, team_id=OTHER_TEAM, session_ids=[first], reason="wrong team"
            )
            == 0
        )
        count = store.withdraw_pending(
            session=session, team_id=TEAM, session_ids=[first], kinds=["prep"], reason="moved"
        )

    assert count == 1
    assert (_row(any_db, prep).state, _row(any_db, prep).last_error) == ("withdrawn", "moved")
    assert _row(any_db, diary).state == DeliveryState.PENDING
    assert _row(any_db, sent).state == DeliveryState.SENT
    assert _row(any_db, other).state == DeliveryState.PENDING
    with any_db.session() as session:
        assert (
            store.withdraw_pending(session=session, team_id=TEAM, session_ids=[], reason="x") == 0
        )


# -- DM channels --------------------------------------------------------------------------------
def test_dm_channels_are_remembered_per_workspace_and_first_answer_wins(any_db: Database) -> None:
    with any_db.session() as session:
        assert store.dm_channel(session=session, team_id=TEAM, user_id=MENTOR) is None
        store.remember_dm_channel(session=session, team_id=TEAM, user_id=MENTOR, channel_id="D1")
        store.remember_dm_channel(session=session, team_id=TEAM, user_id=MENTOR, channel_id="D2")
        store.remember_dm_channel(
            session=session, team_id=OTHER_TEAM, user_id=MENTOR, channel_id="D3"
        )
    with any_db.session() as session:
        assert store.dm_channel(session=session, team_id=TEAM, user_id=MENTOR) == "D1"
        assert store.dm_channel(session=session, team_id=OTHER_TEAM, user_id=MENTOR) == "D3"
        assert store.dm_channel(session=session, team_id=TEAM, user_id=MENTEE) is None
