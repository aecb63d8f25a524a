"""Program health for admins (`/mentor report`): counts and names per program, and as CSV.

The report is built from storage/report.py, which reads no free text at all, so nothing a
person wrote (diary, preparation, check-in, expectations, agenda, action items) can reach it.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot import messages
from bot.errors import UserError
from bot.settings import Cadence, Settings
from bot.stalling import PairRisk, cadence_period, pair_cadence, team_risks
from storage import report as store
from storage.db import Database
from storage.models import Pair, PairStatus, SessionStatus

WINDOW = timedelta(days=30)
ALL_PROGRAMS = "All programs"
# Errors recorded on a failed delivery: Slack's code, or what the dispatcher said around it.
_GAVE_UP = re.compile(r"^gave up after \d+ attempts: ")
_SLACK_CODE = re.compile(r"[a-z][a-z0-9_]{1,63}")


def check_admin(settings: Settings, user_id: str) -> None:
    if not settings.is_admin(user_id):
        raise UserError(messages.NOT_ADMIN_REPORT)


def error_code(error: str | None) -> str:
    """A failure's error as a short code (Slack's, where it is one), never free text."""
    text = _GAVE_UP.sub("", (error or "").strip())
    if _SLACK_CODE.fullmatch(text):
        return text
    if text.startswith("connection"):
        return "connection_error"
    if text.startswith("compose"):
        return "compose_error"
    return "other"


@dataclass(frozen=True)
class DriftingPair:
    """An active pair with no held session for twice its cadence (or never, since pairing)."""

    pair: Pair
    cadence: Cadence
    last_held_end: datetime | None
    quiet_days: int


@dataclass(frozen=True)
class ProgramHealth:
    """One program's numbers (or all programs')."""

    program: str
    active: int = 0
    paused: int = 0
    ended: int = 0
    agreements_signed: int = 0
    sessions_held: int = 0
    sessions_missed: int = 0
    diary_entries: int = 0
    failed_prompts: dict[str, int] = field(default_factory=dict)
    drifting: tuple[DriftingPair, ...] = ()
    at_risk: tuple[PairRisk, ...] = ()

    @property
    def pairs(self) -> int:
        return self.active + self.paused + self.ended

    @property
    def diary_expected(self) -> int:
        """Both partners of every session held in the window."""
        return self.sessions_held * 2

    @property
    def diary_rate(self) -> float | None:
        """Diary entries written per entry expected; None when no session was held."""
        if not self.diary_expected:
            return None
        return min(1.0, self.diary_entries / self.diary_expected)

    @property
    def failed_total(self) -> int:
        return sum(self.failed_prompts.values())


@dataclass(frozen=True)
class ProgramReport:
    """The workspace's program health at one moment: each program, and all of them."""

    team_id: str
    generated_at: datetime
    window_days: int
    programs: tuple[ProgramHealth, ...]
    total: ProgramHealth


@dataclass
class _Tally:
    status: Counter[str] = field(default_factory=Counter)
    signed: int = 0
    held: int = 0
    missed: int = 0
    diary: int = 0
    failed: Counter[str] = field(default_factory=Counter)
    drifting: list[DriftingPair] = field(default_factory=list)
    at_risk: list[PairRisk] = field(default_factory=list)

    def health(self, program: str) -> ProgramHealth:
        return ProgramHealth(
            program=program,
            active=self.status[PairStatus.ACTIVE],
            paused=self.status[PairStatus.PAUSED],
            ended=self.status[PairStatus.ENDED],
            agreements_signed=self.signed,
            sessions_held=self.held,
            sessions_missed=self.missed,
            diary_entries=self.diary,
            failed_prompts=dict(sorted(self.failed.items(), key=lambda kv: (-kv[1], kv[0]))),
            drifting=tuple(sorted(self.drifting, key=lambda d: -d.quiet_days)),
            at_risk=tuple(self.at_risk),
        )


def _drifting(
    pair: Pair, cadence: Cadence, last_held_end: datetime | None, now: datetime
) -> DriftingPair | None:
    """No held session for twice the cadence; a new pair only once that long after pairing."""
    quiet_since = max(last_held_end, pair.created_at) if last_held_end else pair.created_at
    if now - quiet_since < 2 * cadence_period(cadence):
        return None
    return DriftingPair(pair, cadence, last_held_end, (now - quiet_since).days)


def program_report(
    db: Database, settings: Settings, *, team_id: str, user_id: str, now: datetime
) -> ProgramReport:
    """The workspace's program health, for an admin (anyone else gets a UserError)."""
    check_admin(settings, user_id)
    since = now - WINDOW
    with db.session() as session:
        pairs = store.team_pairs(session=session, team_id=team_id)
        heads = store.agreement_heads(session=session, team_id=team_id)
        signed = store.signatures(session=session, team_id=team_id)
        recent = store.session_facts(session=session, team_id=team_id, since=since)
        last_held = store.latest_session_ends(
            session=session, team_id=team_id, statuses=(SessionStatus.HELD,), before=now
        )
        diaries = store.diary_entries_for_held(
            session=session, team_id=team_id, since=since, until=now
        )
        failures = store.failed_deliveries(session=session, team_id=team_id, since=since)
        risks = {r.pair.id: r for r in team_risks(session, team_id=team_id, pairs=pairs, now=now)}
    by_id = {p.id: p for p in pairs}
    tallies: dict[str, _Tally] = defaultdict(_Tally)
    total = _Tally()
    for pair in pairs:
        assert pair.id is not None
        tally = tallies[pair.program]
        head = heads.get(pair.id)
        is_signed = head is not None and all(
            (pair.id, head.version, person) in signed for person in (pair.mentor_id, pair.mentee_id)
        )
        drifting = None
        if pair.status == PairStatus.ACTIVE:
            cadence = pair_cadence(head.frequency if head else None, settings.program)
            drifting = _drifting(pair, cadence, last_held.get(pair.id), now)
        for bucket in (tally, total):
            bucket.status[pair.status] += 1
            bucket.signed += is_signed
            bucket.diary += diaries.get(pair.id, 0)
            if drifting is not None:
                bucket.drifting.append(drifting)
            if pair.id in risks:
                bucket.at_risk.append(risks[pair.id])
    for meeting in recent:
        pair = by_id.get(meeting.pair_id)
        if pair is None or meeting.starts_at > now:
            continue
        for bucket in (tallies[pair.program], total):
            bucket.held += meeting.status == SessionStatus.HELD
            bucket.missed += meeting.status == SessionStatus.MISSED
    for pair_id, error in failures:
        code = error_code(error)
        owner = by_id.get(pair_id) if pair_id is not None else None
        total.failed[code] += 1
        if owner is not None:
            tallies[owner.program].failed[code] += 1
    return ProgramReport(
        team_id=team_id,
        generated_at=now,
        window_days=WINDOW.days,
        programs=tuple(tallies[name].health(name) for name in sorted(tallies)),
        total=total.health(ALL_PROGRAMS),
    )


# -- CSV ---------------------------------------------------------------------------------------
CSV_HEADER = (
    "section",
    "program",
    "metric",
    "value",
    "mentor",
    "mentee",
    "mentor_name",
    "mentee_name",
)


def _cell(value: object) -> str:
    """A CSV cell a spreadsheet shows as text (no formula from a program's name)."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _summary_rows(health: ProgramHealth) -> Iterable[tuple[object, ...]]:
    rate = health.diary_rate
    metrics: list[tuple[str, object]] = [
        ("pairs_active", health.active),
        ("pairs_paused", health.paused),
        ("pairs_ended", health.ended),
        ("agreements_signed", health.agreements_signed),
        ("sessions_held", health.sessions_held),
        ("sessions_missed", health.sessions_missed),
        ("diary_entries_written", health.diary_entries),
        ("diary_entries_expected", health.diary_expected),
        ("diary_completion_percent", "" if rate is None else round(rate * 100)),
        ("failed_prompts", health.failed_total),
        *((f"failed_prompts:{code}", count) for code, count in health.failed_prompts.items()),
        ("pairs_drifting", len(health.drifting)),
        ("pairs_at_risk", len(health.at_risk)),
    ]
    for metric, value in metrics:
        yield ("summary", health.program, metric, value, "", "", "", "")


def _pair_rows(health: ProgramHealth, names: Mapping[str, str]) -> Iterable[tuple[object, ...]]:
    def people(pair: Pair) -> tuple[str, str, str, str]:
        mentor, mentee = pair.mentor_id, pair.mentee_id
        return mentor, mentee, names.get(mentor, ""), names.get(mentee, "")

    for item in health.drifting:
        pair = item.pair
        yield (
            "drifting",
            pair.program,
            "days_without_held_session",
            item.quiet_days,
            *people(pair),
        )
    for found in health.at_risk:
        pair, risk = found.pair, found.risk
        for metric, value in (
            ("ignored_nudges", risk.ignored_nudges),
            ("missed_sessions_in_a_row", risk.missed_in_a_row),
            ("unanswered_prompts_in_a_row", risk.unanswered_in_a_row),
        ):
            yield ("at_risk", pair.program, metric, value, *people(pair))


def people_listed(report: ProgramReport) -> list[str]:
    """The user ids of everyone in a drifting or at-risk pair, in the order the CSV lists them."""
    pairs = [d.pair for d in report.total.drifting] + [r.pair for r in report.total.at_risk]
    return list(
        dict.fromkeys(person for pair in pairs for person in (pair.mentor_id, pair.mentee_id))
    )


def report_csv(report: ProgramReport, names: Mapping[str, str] | None = None) -> str:
    """The report as CSV: one row per number (summary, per program and for all of them), then
    one per drifting pair and per at-risk pair's streak, people as Slack user ids and, where
    `names` (user id to the name Slack shows) has them, their names."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    blank = ("",) * 4
    writer.writerow(("report", "", "generated_at", report.generated_at.isoformat(), *blank))
    writer.writerow(("report", "", "window_days", report.window_days, *blank))
    sections: Sequence[ProgramHealth] = (report.total, *report.programs)
    for health in sections:
        writer.writerows(tuple(_cell(v) for v in row) for row in _summary_rows(health))
    rows = _pair_rows(report.total, names or {})
    writer.writerows(tuple(_cell(v) for v in row) for row in rows)
    return out.getvalue()


def csv_filename(report: ProgramReport) -> str:
    return f"mentorbot-program-health-{report.generated_at:%Y-%m-%d}.csv"
