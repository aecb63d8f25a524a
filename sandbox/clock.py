"""The sandbox's own time: the real time plus however far the person has moved it forward.

Moving it runs the dispatcher at every moment something was due on the way, so a day
skipped in one click delivers what a real day would have, in order, and nothing expires
because time jumped over it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

# A jump never runs more passes than this (a delivery that keeps failing can't hold it forever).
MAX_PASSES_PER_MOVE = 60


class SandboxClock:
    """Now, in the sandbox: real time shifted forward; it never goes back."""

    def __init__(self, real: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._real = real
        self._offset = timedelta(0)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._real() + self._offset

    def timestamp(self) -> float:
        return self().timestamp()

    @property
    def offset(self) -> timedelta:
        with self._lock:
            return self._offset

    def move_to(self, moment: datetime) -> datetime:
        """Jump forward to `moment` (a moment already past leaves the clock as it is)."""
        with self._lock:
            now = self._real() + self._offset
            if moment > now:
                self._offset += moment - now
            return self._real() + self._offset


@dataclass(frozen=True)
class Upcoming:
    """What the time machine needs from the bot: when things are due, and a delivery pass."""

    next_due: Callable[[], datetime | None]
    next_session: Callable[[datetime], tuple[datetime, datetime] | None]
    run_pass: Callable[[], object]


class TimeMachine:
    """Moves the sandbox clock, running the dispatcher at each due moment on the way."""

    def __init__(self, clock: SandboxClock, bot: Upcoming, *, after_session: timedelta) -> None:
        self.clock = clock
        self.bot = bot
        self.after_session = after_session
        # Held for a whole move; the background dispatcher takes it too (see `run_pass`), so
        # its passes never interleave with a move's.
        self.lock = threading.RLock()

    def run_pass(self) -> object:
        """One delivery pass at the current sandbox time, never during a move."""
        with self.lock:
            return self.bot.run_pass()

    def forward(self, delta: timedelta) -> datetime:
        return self.move_to(self.clock() + delta)

    def to_next_session(self) -> datetime | None:
        """To the next session's start; during a session, to just after it ends (when the bot
        asks whether it happened). None when no session is scheduled."""
        now = self.clock()
        found = self.bot.next_session(now)
        if found is None:
            return None
        starts, ends = found
        target = starts if starts > now else ends + self.after_session + timedelta(minutes=1)
        return self.move_to(target)

    def to_next_message(self) -> datetime | None:
        """To the moment the bot next has something to send. None when nothing is planned."""
        due = self.bot.next_due()
        if due is None:
            return None
        return self.move_to(max(due, self.clock()))

    def move_to(self, target: datetime) -> datetime:
        with self.lock:
            for _ in range(MAX_PASSES_PER_MOVE):
                due = self.bot.next_due()
                if due is None or due > target:
                    break
                self.clock.move_to(due)
                self.bot.run_pass()
                if self.bot.next_due() == due:
                    break  # it stays due (claimed elsewhere, or failing): don't spin on it
            now = self.clock.move_to(target)
            self.bot.run_pass()
            return now
