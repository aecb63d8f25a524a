"""bot/once.py: a claim is taken once within its window, given back on failure, per workspace."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from bot import once
from storage.db import Database, create_schema, make_engine

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=1)


def fresh_db() -> Database:
    engine = make_engine("sqlite://")
    create_schema(engine)
    return Database(engine)


def test_a_claim_holds_for_its_window_then_lapses() -> None:
    db = fresh_db()
    key = once.agenda_post_key(7)
    assert once.claim_once(db, team_id="T1", key=key, now=START, window=WINDOW)
    assert not once.claim_once(db, team_id="T1", key=key, now=START + WINDOW / 2, window=WINDOW)
    assert once.claim_once(db, team_id="T2", key=key, now=START, window=WINDOW)  # its own
    assert once.claim_once(db, team_id="T1", key=key, now=START + WINDOW, window=WINDOW)


def test_claimed_gives_the_claim_back_when_the_effect_fails() -> None:
    db = fresh_db()
    key = once.calendar_key(3, "U1")
    with pytest.raises(RuntimeError), once.claimed(db, team_id="T1", key=key, now=START) as first:
        assert first
        raise RuntimeError("Slack refused")
    with once.claimed(db, team_id="T1", key=key, now=START) as first:
        assert first  # the failed one didn't count
    with once.claimed(db, team_id="T1", key=key, now=START) as again:
        assert not again


class Claims(RuleBasedStateMachine):
    """Claims, releases and time passing, against a model: key -> when it was last taken."""

    def __init__(self) -> None:
        super().__init__()
        self.db = fresh_db()
        self.now = START
        self.taken: dict[tuple[str, str], datetime] = {}

    @rule(team=st.sampled_from(["T1", "T2"]), key=st.sampled_from(["a", "b", "view:U1:V1"]))
    def claim(self, team: str, key: str) -> None:
        last = self.taken.get((team, key))
        expected = last is None or self.now - last >= WINDOW
        got = once.claim_once(self.db, team_id=team, key=key, now=self.now, window=WINDOW)
        assert got == expected
        if got:
            self.taken[(team, key)] = self.now

    @rule(team=st.sampled_from(["T1", "T2"]), key=st.sampled_from(["a", "b", "view:U1:V1"]))
    def release(self, team: str, key: str) -> None:
        once.release(self.db, team_id=team, key=key)
        self.taken.pop((team, key), None)

    @rule(seconds=st.sampled_from([0, 1, 30, 59, 60, 61, 90]))  # the window's edges too
    def wait(self, seconds: int) -> None:
        self.now += timedelta(seconds=seconds)

    @invariant()
    def a_second_claim_within_the_window_fails(self) -> None:
        for (team, key), when in self.taken.items():
            if self.now - when < WINDOW:
                assert not once.claim_once(
                    self.db, team_id=team, key=key, now=self.now, window=WINDOW
                )

    def teardown(self) -> None:
        self.db.engine.dispose()


TestClaims = Claims.TestCase
TestClaims.settings = settings(max_examples=40, stateful_step_count=20, deadline=None)
