"""The sandbox's clock: it only goes forward, and a jump delivers everything due on the way, in
order and at its own time, as the days would have."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from sandbox.clock import MAX_PASSES_PER_MOVE, SandboxClock, TimeMachine, Upcoming

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class FakeBot:
    """Deliveries due at given times; a pass sends every one that is due on the clock."""

    def __init__(self, clock: SandboxClock) -> None:
        self.clock = clock
        self.pending: list[datetime] = []
        self.sent: list[tuple[datetime, datetime]] = []  # (due, sent at)
        self.sessions: list[tuple[datetime, datetime]] = []
        self.stuck: datetime | None = None

    def upcoming(self) -> Upcoming:
        return Upcoming(next_due=self.next_due, next_session=self.next_session, run_pass=self.run)

    def next_due(self) -> datetime | None:
        due = sorted(self.pending + ([self.stuck] if self.stuck else []))
        return due[0] if due else None

    def next_session(self, now: datetime) -> tuple[datetime, datetime] | None:
        return next(((s, e) for s, e in sorted(self.sessions) if e > now), None)

    def run(self) -> None:
        now = self.clock()
        for due in sorted(d for d in self.pending if d <= now):
            self.pending.remove(due)
            self.sent.append((due, now))


def machine() -> tuple[SandboxClock, FakeBot, TimeMachine]:
    clock = SandboxClock(real=lambda: START)
    bot = FakeBot(clock)
    return clock, bot, TimeMachine(clock, bot.upcoming(), after_session=timedelta(minutes=10))


def test_a_day_forward_sends_each_thing_at_its_own_time() -> None:
    clock, bot, time = machine()
    bot.pending = [
        START + timedelta(hours=5),
        START + timedelta(hours=2),
        START + timedelta(days=2),
    ]
    time.forward(timedelta(days=1))
    assert clock() == START + timedelta(days=1)
    assert bot.sent == [(START + timedelta(hours=2),) * 2, (START + timedelta(hours=5),) * 2]
    assert bot.pending == [START + timedelta(days=2)]


def test_the_clock_never_goes_back() -> None:
    clock, _, time = machine()
    time.forward(timedelta(hours=3))
    assert time.move_to(START) == START + timedelta(hours=3)
    assert clock.offset == timedelta(hours=3)


def test_next_session_goes_to_its_start_then_to_just_after_its_end() -> None:
    _, bot, time = machine()
    assert time.to_next_session() is None
    starts = START + timedelta(days=2)
    bot.sessions = [(starts, starts + timedelta(hours=1))]
    assert time.to_next_session() == starts
    assert time.to_next_session() == starts + timedelta(hours=1, minutes=11)
    assert time.to_next_session() is None


def test_next_message_goes_to_the_next_due_delivery() -> None:
    _, bot, time = machine()
    assert time.to_next_message() is None
    bot.pending = [START + timedelta(hours=7)]
    assert time.to_next_message() == START + timedelta(hours=7)
    assert bot.sent == [(START + timedelta(hours=7),) * 2]


def test_a_delivery_that_stays_due_does_not_hold_the_clock() -> None:
    clock, bot, time = machine()
    bot.stuck = START + timedelta(hours=1)  # never sent: claimed elsewhere, or failing
    time.forward(timedelta(days=1))
    assert clock() == START + timedelta(days=1)


class ClockMachine(RuleBasedStateMachine):
    """People plan things and move time in any order; what the clock passes is sent in order."""

    def __init__(self) -> None:
        super().__init__()
        self.clock, self.bot, self.time = machine()
        self.last_now = self.clock()

    @rule(minutes=st.integers(min_value=1, max_value=4 * 24 * 60))
    def plan(self, minutes: int) -> None:
        self.bot.pending.append(self.clock() + timedelta(minutes=minutes))

    @rule(minutes=st.integers(min_value=0, max_value=3 * 24 * 60))
    def forward(self, minutes: int) -> None:
        self.time.forward(timedelta(minutes=minutes))

    @rule()
    def next_message(self) -> None:
        self.time.to_next_message()

    @invariant()
    def time_only_goes_forward(self) -> None:
        now = self.clock()
        assert now >= self.last_now
        self.last_now = now

    @invariant()
    def nothing_the_clock_passed_is_left_unsent(self) -> None:
        assert all(due > self.clock() for due in self.bot.pending)

    @invariant()
    def each_was_sent_at_its_own_time_in_order(self) -> None:
        if len(self.bot.sent) > MAX_PASSES_PER_MOVE:
            return  # a very busy move sends the rest together at the end
        assert all(sent_at == due for due, sent_at in self.bot.sent)
        assert [due for due, _ in self.bot.sent] == sorted(due for due, _ in self.bot.sent)


TestClockMachine = ClockMachine.TestCase
TestClockMachine.settings = settings(max_examples=60, stateful_step_count=25, deadline=None)
