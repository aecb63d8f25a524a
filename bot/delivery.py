"""The delivery engine: sends every due prompt once, survives restarts, honours Slack's limits.

A pass claims due rows in the database (never a lock in memory), sends each, and records
what became of it. The same pass runs from APScheduler inside the bot and from
`python app.py dispatch --once`.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from typing import TYPE_CHECKING, Protocol

from bot.deps import Clock
from storage import deliveries as store
from storage.db import Database
from storage.models import Delivery

if TYPE_CHECKING:
    from sqlmodel import Session

log = logging.getLogger(__name__)

# Slack errors that will never succeed on retry: record and stop.
PERMANENT_ERRORS = frozenset(
    {
        "user_not_found",
        "account_inactive",
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "user_disabled",
        "cannot_dm_bot",
        "invalid_blocks",
        "invalid_arguments",
        "msg_too_long",
        "no_text",
        "team_access_not_granted",
    }
)
MAX_ATTEMPTS = 6
BATCH_SIZE = 100
# A claim older than this was left by a pass that died between sending and recording
# (the default; MENTORBOT_CLAIM_LEASE_SECONDS sets it). A live pass renews its claims well
# within it, however long it runs.
CLAIM_LEASE = timedelta(minutes=5)
# While every delivery in hand waits for its channel's turn, a pass claims more (other
# channels may be free), up to this many at once.
MAX_IN_HAND = 1000
# A rate limit this short (Slack's Retry-After) is waited out inside the pass; a longer one
# sends the workspace's deliveries back to the queue until then, and the pass moves on.
MAX_WAIT_SECONDS = 5.0
# A delivery refused with 429 this many times in one pass goes back to the queue instead.
MAX_HOLDS = 10


class SendFailure(Exception):
    """Slack refused a call: `retry_after` for a rate limit; `permanent` when retrying is futile."""

    def __init__(self, error: str, *, retry_after: float | None = None, permanent: bool = False):
        super().__init__(error)
        self.error = error
        self.retry_after = retry_after
        self.permanent = permanent


class Sender(Protocol):
    """The Slack side of delivery (implemented over slack_sdk in runtime/sender.py)."""

    def open_dm(self, team_id: str, user_id: str) -> str: ...

    def post(self, team_id: str, channel_id: str, payload: dict, *, delivery_id: int) -> str: ...

    def find_posted(
        self, team_id: str, channel_id: str, delivery_id: int, *, since: datetime
    ) -> str | None: ...


# Builds the message for a delivery at send time, or None when it is no longer needed.
Compose = Callable[[Delivery], dict | None]
# Called after a delivery was sent (e.g. to remember the message a session announcement became).
AfterSent = Callable[[Delivery, str, str], None]


class Outcome(Enum):
    """What one attempt at a delivery came to, within a pass."""

    SENT = "sent"
    # An earlier attempt had already posted it (found by its metadata): recorded, not re-sent.
    FOUND_POSTED = "found posted"
    # Refused with a short Retry-After: back in hand, waited out within this pass.
    HELD = "held"
    # Back in the queue until later (a long rate limit, a transient error, or stopping).
    DEFERRED = "deferred"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"
    FAILED = "failed"
    # This pass outlived its lease and another pass took the claim: nothing of it is ours.
    TAKEN_OVER = "taken over"


@dataclass
class PassReport:
    """What one pass did, for logs and tests."""

    sent: int = 0
    recovered: int = 0
    failed: int = 0
    expired: int = 0
    withdrawn: int = 0
    deferred: int = 0
    errors: list[str] = field(default_factory=list)
    # 429s Slack answered, and the seconds the pass spent waiting for its turn (pacing, holds).
    rate_limited: int = 0
    waited: float = 0.0
    # The earliest time a delivery this pass sent back to the queue is due again.
    next_attempt_at: datetime | None = None

    def count(self, outcome: Outcome, *, recovering: bool = False) -> None:
        """Count one delivery's outcome; found posted is a recovery when taken over from a dead
        pass, and simply sent when this pass's own earlier attempt had reached Slack."""
        if outcome is Outcome.SENT or (outcome is Outcome.FOUND_POSTED and not recovering):
            self.sent += 1
        elif outcome is Outcome.FOUND_POSTED:
            self.recovered += 1
        elif outcome is Outcome.DEFERRED:
            self.deferred += 1
        elif outcome is Outcome.EXPIRED:
            self.expired += 1
        elif outcome is Outcome.WITHDRAWN:
            self.withdrawn += 1
        elif outcome is Outcome.FAILED:
            self.failed += 1

    def deferred_until(self, at: datetime) -> None:
        if self.next_attempt_at is None or at < self.next_attempt_at:
            self.next_attempt_at = at


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 … minutes after a transient failure, capped at an hour."""
    return timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))


def is_user(recipient: str) -> bool:
    return recipient[:1] in ("U", "W")


@dataclass(frozen=True)
class Rate:
    """A token bucket: `per_second` sustained, `burst` back to back."""

    per_second: float
    burst: int

    def faster(self, speedup: float) -> Rate:
        return Rate(self.per_second * speedup, self.burst)


@dataclass(frozen=True)
class Pacing:
    """How fast a pass posts to one channel and to one workspace before Slack has to say so.

    None for either: not paced there; a 429 (with its Retry-After) is then the only brake.
    """

    per_channel: Rate | None = None
    per_workspace: Rate | None = None

    def faster(self, speedup: float) -> Pacing:
        """The same pacing `speedup` times as fast (to match a sped-up stand-in)."""
        return Pacing(
            self.per_channel.faster(speedup) if self.per_channel else None,
            self.per_workspace.faster(speedup) if self.per_workspace else None,
        )


# Slack's published limits for chat.postMessage (https://docs.slack.dev/apis/web-api/rate-limits):
# "generally ... one message per second per channel", "short bursts >1 allowed", and a
# workspace-wide ceiling the method's reference puts at "several hundred messages per minute".
# Neither burst size is published: 3 a channel, and 12 seconds' worth a workspace, are ours.
CHANNEL_POSTS = Rate(per_second=1.0, burst=3)
DEFAULT_POSTS_PER_MINUTE = 300


def slack_pacing(posts_per_minute: int = DEFAULT_POSTS_PER_MINUTE) -> Pacing:
    """Slack's per-channel pace, and a workspace ceiling of `posts_per_minute` (0: none)."""
    workspace = None
    if posts_per_minute > 0:
        workspace = Rate(per_second=posts_per_minute / 60, burst=max(1, posts_per_minute // 5))
    return Pacing(per_channel=CHANNEL_POSTS, per_workspace=workspace)


class Pacer:
    """Real-time token buckets for posting, per workspace and per channel, and 429 holds.

    A pass asks when a delivery may go (`ready_at`), spends a token as it posts (`take`) and
    closes a whole workspace when Slack answers 429 (`hold`): Slack doesn't say which limit it
    was, so every call to that workspace waits out the Retry-After. One token of each bucket is
    kept back, so posts that reach Slack a little closer together than they left (network
    jitter) still find one there.
    """

    def __init__(self, pacing: Pacing, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.pacing = pacing
        self.monotonic = monotonic
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str | None], tuple[float, float]] = {}
        self._held: dict[str, float] = {}

    def _rates(self, team_id: str, recipient: str) -> Iterator[tuple[tuple[str, str | None], Rate]]:
        if self.pacing.per_workspace is not None:
            yield (team_id, None), self.pacing.per_workspace
        if self.pacing.per_channel is not None:
            # A person's DM with the bot is one conversation, so the recipient names it.
            yield (team_id, recipient), self.pacing.per_channel

    def _level(self, key: tuple[str, str | None], rate: Rate, now: float) -> float:
        capacity = float(max(1, rate.burst - 1))
        tokens, at = self._buckets.get(key, (capacity, now))
        return min(capacity, tokens + (now - at) * rate.per_second)

    def team_ready_at(self, team_id: str, now: float | None = None) -> float:
        """When this workspace may be called again (its hold over, a workspace token there)."""
        with self._lock:
            now = self.monotonic() if now is None else now
            at = max(now, self._held.get(team_id, 0.0))
            rate = self.pacing.per_workspace
            if rate is not None:
                tokens = self._level((team_id, None), rate, now)
                if tokens < 1:
                    at = max(at, now + (1 - tokens) / rate.per_second)
            return at

    def ready_at(self, team_id: str, recipient: str, now: float | None = None) -> float:
        """When a post to `recipient` may go (on `monotonic`): `now` when it may go now."""
        with self._lock:
            now = self.monotonic() if now is None else now
            at = max(now, self._held.get(team_id, 0.0))
            for key, rate in self._rates(team_id, recipient):
                tokens = self._level(key, rate, now)
                if tokens < 1:
                    at = max(at, now + (1 - tokens) / rate.per_second)
            return at

    def take(self, team_id: str, recipient: str) -> None:
        with self._lock:
            now = self.monotonic()
            for key, rate in self._rates(team_id, recipient):
                self._buckets[key] = (self._level(key, rate, now) - 1, now)

    def hold(self, team_id: str, seconds: float) -> None:
        """Call nothing in this workspace for `seconds` (Slack's Retry-After)."""
        with self._lock:
            until = self.monotonic() + seconds
            self._held[team_id] = max(self._held.get(team_id, 0.0), until)


@dataclass
class _Held:
    """A delivery this pass has claimed and not yet settled."""

    delivery: Delivery
    recovering: bool = False
    holds: int = 0


class _Hand:
    """The deliveries a pass holds, queued per conversation in the order they were claimed."""

    def __init__(self) -> None:
        self.queues: dict[tuple[str, str], deque[_Held]] = {}
        self.size = 0

    def add(self, held: _Held, *, front: bool = False) -> None:
        key = (held.delivery.team_id, held.delivery.recipient)
        queue = self.queues.setdefault(key, deque())
        if front:
            queue.appendleft(held)
        else:
            queue.append(held)
        self.size += 1

    def pop(self, key: tuple[str, str]) -> _Held:
        queue = self.queues[key]
        held = queue.popleft()
        if not queue:
            del self.queues[key]
        self.size -= 1
        return held

    def ids(self) -> list[int]:
        return [h.delivery.id for q in self.queues.values() for h in q if h.delivery.id]

    def drop(self, delivery_ids: set[int]) -> None:
        for key in list(self.queues):
            kept = deque(h for h in self.queues[key] if h.delivery.id not in delivery_ids)
            self.size -= len(self.queues[key]) - len(kept)
            if kept:
                self.queues[key] = kept
            else:
                del self.queues[key]

    def next(self, pacer: Pacer) -> tuple[tuple[str, str], float, bool]:
        """The conversation whose turn comes first: (key, when, whether its channel is why).

        The first one ready now, in claim order; else the one ready soonest.
        """
        now = pacer.monotonic()
        best: tuple[tuple[str, str], float, bool] | None = None
        team_ready: dict[str, float] = {}
        for key in self.queues:
            team = key[0]
            if team not in team_ready:
                team_ready[team] = pacer.team_ready_at(team, now)
            at = pacer.ready_at(*key, now)
            if at <= now:
                return key, at, False
            if best is None or at < best[1]:
                best = (key, at, team_ready[team] < at)
        assert best is not None, "next() on an empty hand"
        return best


@dataclass
class _Pass:
    token: str
    started: datetime
    report: PassReport
    hand: _Hand = field(default_factory=_Hand)
    # Workspaces whose Retry-After outlasts MAX_WAIT_SECONDS: their deliveries wait till then.
    cooling: dict[str, datetime] = field(default_factory=dict)
    # Deliveries known not to have reached Slack (nothing was posted before this pass, or a
    # look found nothing and every post since was refused): a retry needn't look again.
    clean: set[int] = field(default_factory=set)
    renewed_at: datetime | None = None


class Dispatcher:
    """Runs delivery passes against one database with one Slack sender."""

    def __init__(
        self,
        db: Database,
        sender: Sender,
        compose: Compose,
        *,
        clock: Clock,
        after_sent: AfterSent | None = None,
        batch_size: int = BATCH_SIZE,
        pacing: Pacing | None = None,
        lease: timedelta = CLAIM_LEASE,
        max_wait: float = MAX_WAIT_SECONDS,
        sleep: Callable[[float], object] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = db
        self.sender = sender
        self.compose = compose
        self.clock = clock
        self.after_sent = after_sent
        self.batch_size = batch_size
        self.lease = lease
        self.max_wait = max_wait
        self._stopping = threading.Event()
        # Waiting for a turn ends early when the process stops (see stop()).
        self.sleep = sleep or self._stopping.wait
        self.monotonic = monotonic
        # Kept across passes: Slack's buckets don't empty between them either.
        self.pacer = Pacer(pacing or Pacing(), monotonic)
        # The bot's DM with each person, once known (it never changes).
        self._dms: dict[tuple[str, str], str] = {}

    def run_pass(self) -> PassReport:
        """Deliver everything due now at the pace Slack allows; long waits go back to the queue.

        Claimed deliveries are kept in hand per conversation and each goes when its channel
        and workspace have room (see Pacer); while all of them wait, the pass claims more, so a
        burst to many conversations moves at the workspace's pace, not the busiest channel's.
        """
        started = self.clock()
        work = _Pass(uuid.uuid4().hex, started, PassReport(), renewed_at=started)
        report = work.report
        if self._stopping.is_set():
            return report
        with self.db.session() as session:
            report.expired = store.expire_overdue(session=session, now=started)
            stale = store.stale_claims(
                session=session,
                older_than=started - self.lease,
                now=started,
                limit=self.batch_size,
                token=work.token,
            )
        for delivery in stale:
            work.hand.add(_Held(delivery, recovering=True))
        exhausted = False
        while True:
            if self._stopping.is_set():
                self._hand_back(work)
                break
            if not exhausted and work.hand.size <= self.batch_size // 2:
                exhausted = not self._claim(work)
                continue
            if not work.hand.size:
                break
            self._keep_claims(work)
            if not work.hand.size:
                continue
            key, ready_at, channel_bound = work.hand.next(self.pacer)
            wait = ready_at - self.monotonic()
            if wait > 0 and channel_bound and not exhausted and work.hand.size < MAX_IN_HAND:
                exhausted = not self._claim(work)  # another conversation may be free
                continue
            if wait > 0:
                before = self.monotonic()
                self.sleep(wait)
                report.waited += self.monotonic() - before
                continue  # its turn has come (or the pass is stopping): look again
            held = work.hand.pop(key)
            outcome = self._deliver(held, work)
            report.count(outcome, recovering=held.recovering)
            if outcome is Outcome.HELD:
                work.hand.add(held, front=True)
        if report.sent or report.recovered or report.failed or report.expired or report.deferred:
            log.info(
                "Delivery pass: %s sent, %s recovered, %s failed, %s expired, %s withdrawn, "
                "%s deferred, %s rate limited, %.1fs waited",
                report.sent,
                report.recovered,
                report.failed,
                report.expired,
                report.withdrawn,
                report.deferred,
                report.rate_limited,
                report.waited,
            )
        return report

    def stop(self) -> None:
        """Make a running pass hand back what it holds and return (the process is stopping).

        Nothing in hand is lost either way: a pass killed outright leaves its claims to be
        taken over after the lease; this just makes them due again at once.
        """
        self._stopping.set()

    def _hand_back(self, work: _Pass) -> None:
        now = self.clock()
        for key in list(work.hand.queues):
            while key in work.hand.queues:
                delivery = work.hand.pop(key).delivery
                self._retry_later(
                    work, delivery, at=now, error="handed back: stopping", count_attempt=False
                )
                work.report.count(Outcome.DEFERRED)

    def _claim(self, work: _Pass) -> bool:
        """Claim the next batch of what was due when the pass started; False when none is left."""
        with self.db.session() as session:
            batch = store.claim_due(
                session=session, now=work.started, limit=self.batch_size, token=work.token
            )
        for delivery in batch:
            work.hand.add(_Held(delivery))
        if batch and self.clock() - work.started >= self.lease / 3:
            # claim_due dated these claims at the pass's start, long ago: date them now.
            self._renew(work, [d.id for d in batch if d.id is not None])
        return bool(batch)

    def _keep_claims(self, work: _Pass) -> None:
        """Renew the claims in hand before they could look abandoned to another pass."""
        assert work.renewed_at is not None
        if self.clock() - work.renewed_at >= self.lease / 3:
            self._renew(work, work.hand.ids())
            work.renewed_at = self.clock()

    def _renew(self, work: _Pass, delivery_ids: list[int]) -> None:
        lost = set()
        now = self.clock()
        with self.db.session() as session:
            for delivery_id in delivery_ids:
                if not store.renew_claim(
                    session=session, delivery_id=delivery_id, token=work.token, now=now
                ):
                    lost.add(delivery_id)
        if lost:
            # Another pass took these over (this one outlived its lease): they are its now.
            work.hand.drop(lost)

    def _already_posted(self, delivery: Delivery) -> str | None:
        """The ts of this delivery's message if an earlier attempt reached Slack.

        Slack has no idempotency key for chat.postMessage; the delivery id travels as message
        metadata instead. Any attempt that got as far as choosing a channel may have posted
        (even one that timed out), so every later attempt looks there first.
        """
        assert delivery.id is not None and delivery.channel_id is not None
        return self.sender.find_posted(
            delivery.team_id,
            delivery.channel_id,
            delivery.id,
            since=min(delivery.due_at, delivery.claimed_at or delivery.due_at)
            - timedelta(minutes=1),
        )

    def _retry_later(
        self, work: _Pass, delivery: Delivery, *, at: datetime, error: str, count_attempt: bool
    ) -> None:
        assert delivery.id is not None
        with self.db.session() as session:
            store.retry_later(
                session=session,
                delivery_id=delivery.id,
                token=work.token,
                at=at,
                error=error,
                count_attempt=count_attempt,
            )
        work.report.deferred_until(at)

    def _deliver(self, held: _Held, work: _Pass) -> Outcome:
        delivery = held.delivery
        token = work.token
        assert delivery.id is not None
        now = self.clock()
        cool_until = work.cooling.get(delivery.team_id)
        if cool_until is not None and cool_until > now:
            # Slack told us to wait: don't spend this workspace's calls until then.
            self._retry_later(
                work,
                delivery,
                at=cool_until,
                error="waiting out a rate limit",
                count_attempt=False,
            )
            return Outcome.DEFERRED
        try:
            if delivery.channel_id is None:
                work.clean.add(delivery.id)  # no attempt got as far as posting
            elif delivery.id not in work.clean:
                ts = self._already_posted(delivery)
                if ts is not None:
                    self._record_sent(delivery, token, delivery.channel_id, ts)
                    return Outcome.FOUND_POSTED
                work.clean.add(delivery.id)
        except SendFailure as failure:
            return self._failed(held, work, failure)
        if delivery.expires_at is not None and delivery.expires_at <= now:
            with self.db.session() as session:
                store.mark_expired(session=session, delivery_id=delivery.id, token=token)
            return Outcome.EXPIRED
        try:
            payload = self.compose(delivery)
        except Exception as error:  # a bug in one message must not stop the others
            log.exception("Couldn't compose delivery %s", delivery.id)
            with self.db.session() as session:
                store.mark_failed(
                    session=session, delivery_id=delivery.id, token=token, error=f"compose: {error}"
                )
            return Outcome.FAILED
        if payload is None:
            with self.db.session() as session:
                store.mark_withdrawn(
                    session=session, delivery_id=delivery.id, token=token, reason="no longer needed"
                )
            return Outcome.WITHDRAWN
        try:
            channel = delivery.channel_id or self._known_channel(delivery)
            with self.db.session() as session:
                if channel is None:
                    channel = store.dm_channel(
                        session=session, team_id=delivery.team_id, user_id=delivery.recipient
                    )
                still_ours = channel is not None and self._ready(session, delivery, channel, token)
            if channel is None:
                # The first message to this person: open the DM, remember it for good.
                channel = self.sender.open_dm(delivery.team_id, delivery.recipient)
                with self.db.session() as session:
                    store.remember_dm_channel(
                        session=session,
                        team_id=delivery.team_id,
                        user_id=delivery.recipient,
                        channel_id=channel,
                    )
                    still_ours = self._ready(session, delivery, channel, token)
            if not still_ours:
                # This pass outlived its lease and another pass took the row over.
                return Outcome.TAKEN_OVER
            if is_user(delivery.recipient):
                self._dms[(delivery.team_id, delivery.recipient)] = channel
            delivery.channel_id = channel
            self.pacer.take(delivery.team_id, delivery.recipient)
            ts = self.sender.post(delivery.team_id, channel, payload, delivery_id=delivery.id)
        except SendFailure as failure:
            return self._failed(held, work, failure)
        self._record_sent(delivery, token, channel, ts)
        return Outcome.SENT

    def _known_channel(self, delivery: Delivery) -> str | None:
        """A channel as it is; a person's DM if this process knows it already (it never changes)."""
        if not is_user(delivery.recipient):
            return delivery.recipient
        return self._dms.get((delivery.team_id, delivery.recipient))

    def _ready(self, session: Session, delivery: Delivery, channel: str, token: str) -> bool:
        """Store where the post goes (so recovery knows where to look) and renew the claim.

        False when the claim is no longer this pass's: then nothing is stored either.
        """
        assert delivery.id is not None
        if delivery.channel_id is None:
            store.record_channel(
                session=session, delivery_id=delivery.id, token=token, channel_id=channel
            )
        return store.renew_claim(
            session=session, delivery_id=delivery.id, token=token, now=self.clock()
        )

    def _record_sent(self, delivery: Delivery, token: str, channel: str, ts: str) -> None:
        assert delivery.id is not None
        with self.db.session() as session:
            store.mark_sent(
                session=session,
                delivery_id=delivery.id,
                token=token,
                channel_id=channel,
                ts=ts,
                now=self.clock(),
            )
        if self.after_sent is not None:
            try:
                self.after_sent(delivery, channel, ts)
            except Exception:
                log.exception("After-send step failed for delivery %s", delivery.id)

    def _failed(self, held: _Held, work: _Pass, failure: SendFailure) -> Outcome:
        delivery = held.delivery
        token, report = work.token, work.report
        assert delivery.id is not None
        now = self.clock()
        if failure.retry_after is not None:
            # A 429: Slack refused the call, so nothing was posted by it.
            report.rate_limited += 1
            seconds = max(1.0, failure.retry_after)
            held.holds += 1
            if seconds <= self.max_wait and held.holds < MAX_HOLDS:
                self.pacer.hold(delivery.team_id, seconds)
                return Outcome.HELD  # waited out in this pass, with the rest of the workspace
            report.errors.append(failure.error)
            until = now + timedelta(seconds=seconds)
            work.cooling[delivery.team_id] = until
            self._retry_later(
                work,
                delivery,
                at=until,
                error=f"rate limited: {failure.error}",
                count_attempt=False,
            )
            return Outcome.DEFERRED
        report.errors.append(failure.error)
        if failure.permanent:
            log.warning("Delivery %s failed for good: %s", delivery.id, failure.error)
            with self.db.session() as session:
                store.mark_failed(
                    session=session, delivery_id=delivery.id, token=token, error=failure.error
                )
            return Outcome.FAILED
        if delivery.attempts >= MAX_ATTEMPTS:
            with self.db.session() as session:
                store.mark_failed(
                    session=session,
                    delivery_id=delivery.id,
                    token=token,
                    error=f"gave up after {delivery.attempts} attempts: {failure.error}",
                )
            return Outcome.FAILED
        self._retry_later(
            work,
            delivery,
            at=now + backoff(delivery.attempts),
            error=failure.error,
            count_attempt=True,
        )
        return Outcome.DEFERRED
