"""Keeping pairs from stalling: nudges when a session is due, at-risk flags, the admins' digest.

A pair's cadence (its agreement's meeting frequency, else the program's default) says how
long it may go without a session. Once that long has passed since its last session ended
(held, or scheduled and never marked either way; since pairing for a pair that never met)
and nothing is scheduled, both partners get a nudge with a Schedule button: at most one per
cadence period, counted from that last session. A nudge is ignored when nothing was
scheduled before the next one is due.

A pair is at risk with two ignored nudges, two missed sessions or three unanswered prompts in
a row (each a streak up to now, looking back at most HISTORY). Admins hear about at-risk
pairs once a day, in a digest of names and counts: never what anyone wrote.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from sqlmodel import Session

from bot.prompts import QUESTION_SET_OF, SESSION_BOUND
from bot.settings import Cadence, ProgramSettings, Settings
from storage import deliveries as delivery_store
from storage import pairs as pair_store
from storage import report as store
from storage import sessions as session_store
from storage.db import Database
from storage.models import Delivery, DeliveryState, Kind, Pair, PairStatus, SessionStatus
from storage.report import AnswerKey, DeliveryFact, SessionFact

log = logging.getLogger(__name__)

CADENCE_DAYS = {Cadence.WEEKLY: 7, Cadence.BIWEEKLY: 14, Cadence.MONTHLY: 30}
# How often an active pair is looked at, at the latest: cancelling the only upcoming session
# or shortening the cadence can make a nudge due sooner than the last check foresaw.
RECHECK = timedelta(hours=6)
# Pairs looked at per delivery pass (the rest wait for the next pass, seconds later).
HEALTH_BATCH = 200
# How far back the "in a row" streaks look.
HISTORY = timedelta(days=180)
IGNORED_NUDGES_AT_RISK = 2
MISSED_AT_RISK = 2
UNANSWERED_AT_RISK = 3
# The admins' digest: once a day at this UTC time; not worth sending half a day late.
DIGEST_AT = time(9, 0)
DIGEST_USEFUL = timedelta(hours=12)
PROMPT_KINDS = tuple(QUESTION_SET_OF)
RISK_KINDS = (Kind.NUDGE, *PROMPT_KINDS)


def cadence_period(cadence: Cadence) -> timedelta:
    """How long a cadence allows between sessions: weekly 7 days, biweekly 14, monthly 30."""
    return timedelta(days=CADENCE_DAYS[cadence])


def pair_cadence(frequency: str | None, program: ProgramSettings) -> Cadence:
    """The agreement's meeting frequency, or the program's default when it names none."""
    try:
        return Cadence(frequency or "")
    except ValueError:
        return program.default_cadence


# -- at risk -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Risk:
    """A pair's streaks up to now; at risk when any reaches its threshold."""

    ignored_nudges: int = 0
    missed_in_a_row: int = 0
    unanswered_in_a_row: int = 0

    @property
    def at_risk(self) -> bool:
        return (
            self.ignored_nudges >= IGNORED_NUDGES_AT_RISK
            or self.missed_in_a_row >= MISSED_AT_RISK
            or self.unanswered_in_a_row >= UNANSWERED_AT_RISK
        )


@dataclass(frozen=True)
class PairRisk:
    pair: Pair
    risk: Risk


@dataclass(frozen=True)
class _Round:
    """One nudge to a pair (both partners): when it went, and when the next would be due."""

    due_at: datetime
    next_due_at: datetime | None


def ignored_nudges(
    nudges: Iterable[DeliveryFact], sessions: Sequence[SessionFact], now: datetime
) -> int:
    """Nudges in a row, newest first, after which nothing was scheduled before the next was due.

    A nudge still within its period isn't counted either way yet. Scheduling anything after
    the latest nudge, an upcoming session, or a session held since, ends the streak.
    """
    rounds: dict[str, _Round] = {}
    for nudge in nudges:
        if nudge.state != DeliveryState.SENT:
            continue
        key = nudge.dedupe_key.rsplit(":", 1)[0]  # both partners' nudges are one round
        known = rounds.get(key)
        if known is None or nudge.due_at < known.due_at:
            rounds[key] = _Round(nudge.due_at, nudge.expires_at)
    ordered = sorted(rounds.values(), key=lambda r: r.due_at)
    if not ordered:
        return 0
    newest = ordered[-1].due_at
    if any(
        (s.status == SessionStatus.SCHEDULED and s.ends_at > now)
        or (s.status == SessionStatus.HELD and s.starts_at >= newest)
        for s in sessions
    ):
        return 0
    scheduled_at = [s.created_at for s in sessions]
    streak = 0
    for index in range(len(ordered) - 1, -1, -1):
        current = ordered[index]
        window_end = ordered[index + 1].due_at if index + 1 < len(ordered) else now
        if any(current.due_at <= t < window_end for t in scheduled_at):
            break
        if current.next_due_at is not None and current.next_due_at <= now:
            streak += 1
    return streak


def missed_in_a_row(sessions: Iterable[SessionFact], now: datetime) -> int:
    """Sessions marked "didn't happen" since the last one held (unmarked ones don't count)."""
    marked = sorted(
        (
            s
            for s in sessions
            if s.status in (SessionStatus.HELD, SessionStatus.MISSED) and s.starts_at <= now
        ),
        key=lambda s: s.starts_at,
        reverse=True,
    )
    streak = 0
    for meeting in marked:
        if meeting.status != SessionStatus.MISSED:
            break
        streak += 1
    return streak


def unanswered_in_a_row(
    pair: Pair,
    prompts: Iterable[DeliveryFact],
    sessions: Sequence[SessionFact],
    answers: set[AnswerKey],
    now: datetime,
) -> int:
    """The longer of the partners' streaks of question-set prompts sent and never answered.

    A prompt counts once it has closed (its session began; others when they expire); one
    about a session that was cancelled or skipped doesn't count.
    """
    by_id = {s.id: s for s in sessions}
    prompts = list(prompts)  # read once per partner
    longest = 0
    for person in (pair.mentor_id, pair.mentee_id):
        latest: dict[tuple[int | None, str], DeliveryFact] = {}
        for prompt in prompts:
            if prompt.state != DeliveryState.SENT or prompt.recipient != person:
                continue
            # A moved session's prompt is sent anew: it is still one prompt.
            key = (
                (prompt.session_id, prompt.kind)
                if prompt.session_id is not None
                else (None, prompt.dedupe_key)
            )
            if key not in latest or prompt.due_at > latest[key].due_at:
                latest[key] = prompt
        streak = 0
        for prompt in sorted(latest.values(), key=lambda p: p.due_at, reverse=True):
            kind = prompt.kind
            if AnswerKey(pair.id or 0, prompt.session_id, person, QUESTION_SET_OF[kind]) in answers:
                break
            if kind in SESSION_BOUND:
                meeting = by_id.get(prompt.session_id or 0)
                if meeting is not None and meeting.status in (
                    SessionStatus.CANCELLED,
                    SessionStatus.SKIPPED,
                ):
                    continue
                closed = meeting is None or meeting.starts_at <= now
            else:
                closed = prompt.expires_at is not None and prompt.expires_at <= now
            if closed:
                streak += 1
        longest = max(longest, streak)
    return longest


def assess(
    pair: Pair,
    *,
    sessions: Sequence[SessionFact],
    deliveries: Sequence[DeliveryFact],
    answers: set[AnswerKey],
    now: datetime,
) -> Risk:
    """A pair's risk from its own sessions, nudges, prompts and who answered them."""
    return Risk(
        ignored_nudges=ignored_nudges(
            [d for d in deliveries if d.kind == Kind.NUDGE], sessions, now
        ),
        missed_in_a_row=missed_in_a_row(sessions, now),
        unanswered_in_a_row=unanswered_in_a_row(
            pair, [d for d in deliveries if d.kind in PROMPT_KINDS], sessions, answers, now
        ),
    )


def team_risks(
    session: Session, *, team_id: str, pairs: Iterable[Pair], now: datetime
) -> list[PairRisk]:
    """The at-risk pairs among these (active ones only) of one workspace, oldest pair first."""
    since = now - HISTORY
    sessions: dict[int, list[SessionFact]] = defaultdict(list)
    for fact in store.session_facts(session=session, team_id=team_id, since=since):
        sessions[fact.pair_id].append(fact)
    deliveries: dict[int, list[DeliveryFact]] = defaultdict(list)
    for delivery in store.delivery_facts(
        session=session, team_id=team_id, kinds=RISK_KINDS, since=since
    ):
        deliveries[delivery.pair_id or 0].append(delivery)
    answers = store.answer_keys(session=session, team_id=team_id, since=since)
    found = []
    for pair in pairs:
        if pair.status != PairStatus.ACTIVE or pair.team_id != team_id or pair.id is None:
            continue
        risk = assess(
            pair,
            sessions=sessions[pair.id],
            deliveries=deliveries[pair.id],
            answers=answers,
            now=now,
        )
        if risk.at_risk:
            found.append(PairRisk(pair, risk))
    return sorted(found, key=lambda r: r.pair.id or 0)


def at_risk_pairs(db: Database, *, team_id: str, now: datetime) -> list[PairRisk]:
    """The workspace's active pairs that are at risk now."""
    with db.session() as session:
        pairs = store.team_pairs(session=session, team_id=team_id)
        return team_risks(session, team_id=team_id, pairs=pairs, now=now)


# -- the health pass ---------------------------------------------------------------------------
@dataclass
class HealthPass:
    """What one pass did, for logs and tests."""

    checked: int = 0
    nudged: int = 0
    at_risk: int = 0


def _has_upcoming(session: Session, pair: Pair, now: datetime) -> bool:
    """A scheduled session that hasn't ended, or a recurring series that will add one."""
    assert pair.id is not None
    if session_store.upcoming_for_pair(
        session=session, team_id=pair.team_id, pair_id=pair.id, now=now
    ):
        return True
    return any(
        s.cadence is not None
        for s in session_store.active_series_of(
            session=session, team_id=pair.team_id, pair_id=pair.id
        )
    )


def _last_session_end(session: Session, pair: Pair, now: datetime) -> datetime | None:
    assert pair.id is not None
    return store.latest_session_ends(
        session=session,
        team_id=pair.team_id,
        statuses=(SessionStatus.HELD, SessionStatus.SCHEDULED),
        before=now,
        pair_ids=[pair.id],
    ).get(pair.id)


def _cadence(session: Session, pair: Pair, program: ProgramSettings) -> Cadence:
    assert pair.id is not None
    head = store.agreement_heads(session=session, team_id=pair.team_id, pair_ids=[pair.id]).get(
        pair.id
    )
    return pair_cadence(head.frequency if head else None, program)


def next_digest_slot(now: datetime) -> datetime:
    """The next DIGEST_AT (UTC) at or after `now`."""
    now = now.astimezone(UTC)
    today = datetime.combine(now.date(), DIGEST_AT, tzinfo=UTC)
    return today if now <= today else today + timedelta(days=1)


def _plan_digests(session: Session, team_id: str, admins: Sequence[str], now: datetime) -> None:
    """Each admin's next morning digest for the workspace (once a day, whatever calls it)."""
    slot = next_digest_slot(now)
    day = slot.date().isoformat()
    for admin in admins:
        delivery_store.plan_delivery(
            session=session,
            team_id=team_id,
            kind=Kind.ADMIN_DIGEST,
            recipient=admin,
            dedupe_key=f"digest:{admin}:{day}",
            due_at=slot,
            expires_at=slot + DIGEST_USEFUL,
            now=now,
        )


def _check_pair(
    db: Database,
    settings: Settings,
    claimed: Pair,
    now: datetime,
    admins_of: dict[str, list[str]],
    outcome: HealthPass,
) -> None:
    """Nudge the pair if a session is due and none is planned; flag it; plan its next check."""
    assert claimed.id is not None
    with db.session() as session:
        pair = pair_store.get_pair(session=session, team_id=claimed.team_id, pair_id=claimed.id)
        if pair is None or pair.id is None or pair.status != PairStatus.ACTIVE:
            return
        outcome.checked += 1
        cadence = _cadence(session, pair, settings.program)
        period = cadence_period(cadence)
        next_check = now + RECHECK
        if not _has_upcoming(session, pair, now):
            last_end = _last_session_end(session, pair, now)
            since = max(last_end, pair.created_at) if last_end else pair.created_at
            periods = (now - since) // period
            if periods >= 1:
                for person in (pair.mentor_id, pair.mentee_id):
                    delivery_store.plan_delivery(
                        session=session,
                        team_id=pair.team_id,
                        pair_id=pair.id,
                        kind=Kind.NUDGE,
                        recipient=person,
                        # One per period since that last session (or the pairing).
                        dedupe_key=(
                            f"nudge:{pair.id}:{int(since.timestamp())}:{cadence.value}:"
                            f"{periods}:{person}"
                        ),
                        due_at=now,
                        # A nudge is stale once the next one is due.
                        expires_at=since + (periods + 1) * period,
                        now=now,
                    )
                outcome.nudged += 1
            next_check = min(next_check, since + (max(periods, 0) + 1) * period)
        since = now - HISTORY
        risk = assess(
            pair,
            sessions=store.session_facts(
                session=session, team_id=pair.team_id, since=since, pair_ids=[pair.id]
            ),
            deliveries=store.delivery_facts(
                session=session,
                team_id=pair.team_id,
                kinds=RISK_KINDS,
                since=since,
                pair_ids=[pair.id],
            ),
            answers=store.answer_keys(
                session=session, team_id=pair.team_id, since=since, pair_ids=[pair.id]
            ),
            now=now,
        )
        if risk.at_risk:
            outcome.at_risk += 1
            if pair.team_id not in admins_of:
                admins_of[pair.team_id] = store.admins_in_team(
                    session=session, team_id=pair.team_id, admins=settings.admins
                )
            _plan_digests(session, pair.team_id, admins_of[pair.team_id], now)
        store.set_next_health_check(
            session=session, team_id=pair.team_id, pair_id=pair.id, at=next_check
        )


def plan_program_health(
    db: Database, settings: Settings, now: datetime, *, limit: int = HEALTH_BATCH
) -> HealthPass:
    """Look at the active pairs whose check is due: nudge the stalling, flag the at-risk.

    Like sessions.plan_ahead, this is work selection across workspaces: up to `limit` active
    pairs whose next check has come (or that were never checked), picked by an index and
    claimed (their next check moved RECHECK ahead) in one short transaction; each pair is
    then checked in its own transaction, and everything it plans is scoped by the pair's
    own team. Each check sets the pair's next one: when its next nudge would be due, or
    RECHECK from now, whichever is sooner. Nudges and digests are idempotent (dedupe keys),
    so two processes running passes at once send nothing twice.
    """
    outcome = HealthPass()
    with db.session() as session:
        claimed = store.claim_health_checks(
            session=session, now=now, hold_until=now + RECHECK, limit=limit
        )
    admins_of: dict[str, list[str]] = {}
    for pair in claimed:
        try:
            _check_pair(db, settings, pair, now, admins_of, outcome)
        except Exception:  # one pair's bad data must not stop the others (or delivery)
            log.exception("Health check of pair %s failed", pair.id)
    if outcome.nudged or outcome.at_risk:
        log.info(
            "Health pass: %s pairs checked, %s nudged, %s at risk",
            outcome.checked,
            outcome.nudged,
            outcome.at_risk,
        )
    return outcome


# -- what the deliveries say -------------------------------------------------------------------
@dataclass(frozen=True)
class Nudge:
    """A nudge to one partner: their pair, its cadence, and when it last met (None: never)."""

    pair: Pair
    recipient: str
    cadence: Cadence
    last_session_end: datetime | None

    @property
    def partner(self) -> str:
        return self.pair.partner_of(self.recipient)


def nudge_for(
    db: Database, settings: Settings, delivery: Delivery, *, now: datetime
) -> Nudge | None:
    """What a nudge says now; None once the pair has a session planned or isn't active."""
    if delivery.pair_id is None:
        return None
    with db.session() as session:
        pair = pair_store.get_pair(
            session=session, team_id=delivery.team_id, pair_id=delivery.pair_id
        )
        if (
            pair is None
            or pair.status != PairStatus.ACTIVE
            or not pair.has_partner(delivery.recipient)
        ):
            return None
        if _has_upcoming(session, pair, now):
            return None
        return Nudge(
            pair=pair,
            recipient=delivery.recipient,
            cadence=_cadence(session, pair, settings.program),
            last_session_end=_last_session_end(session, pair, now),
        )


@dataclass(frozen=True)
class Digest:
    """An admin's daily list of the workspace's at-risk pairs."""

    admin: str
    at_risk: tuple[PairRisk, ...]


def digest_for(
    db: Database, settings: Settings, delivery: Delivery, *, now: datetime
) -> Digest | None:
    """The digest as of now; None when nothing is at risk or the recipient is no admin any more."""
    if not settings.is_admin(delivery.recipient):
        return None
    found = at_risk_pairs(db, team_id=delivery.team_id, now=now)
    return Digest(delivery.recipient, tuple(found)) if found else None
