"""Block Kit for program health: the admin's report, a stalling pair's nudge, the daily digest."""

from __future__ import annotations

from collections.abc import Sequence

from blocks.text import button, escape, local_time, mention, mrkdwn, plain, section, truncate
from bot.ids import Action
from bot.report import DriftingPair, ProgramHealth, ProgramReport
from bot.settings import Cadence
from bot.stalling import (
    IGNORED_NUDGES_AT_RISK,
    MISSED_AT_RISK,
    UNANSWERED_AT_RISK,
    Digest,
    Nudge,
    PairRisk,
    Risk,
)

# A message holds 50 blocks and a section 3,000 characters: the CSV has everything else.
MAX_PROGRAMS = 10
MAX_LISTED = 15
PROGRAM_NAME_LIMIT = 40
PRIVACY_NOTE = "Counts and names only: what partners write stays private to them."

EVERY = {
    Cadence.WEEKLY: "every week",
    Cadence.BIWEEKLY: "every two weeks",
    Cadence.MONTHLY: "every month",
}


def _program(name: str) -> str:
    return truncate(escape(name), PROGRAM_NAME_LIMIT)


def _pair(pair_risk_or_drift: PairRisk | DriftingPair) -> str:
    pair = pair_risk_or_drift.pair
    return f"{mention(pair.mentor_id)} & {mention(pair.mentee_id)} ({_program(pair.program)})"


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def risk_reasons(risk: Risk) -> str:
    """The streaks that make a pair at risk, as counts (the ones that are zero left out)."""
    reasons = []
    if risk.ignored_nudges:
        reasons.append(f"{_plural(risk.ignored_nudges, 'nudge')} to schedule ignored")
    if risk.missed_in_a_row:
        reasons.append(f"{_plural(risk.missed_in_a_row, 'session')} missed in a row")
    if risk.unanswered_in_a_row:
        reasons.append(f"{_plural(risk.unanswered_in_a_row, 'prompt')} unanswered in a row")
    return " · ".join(reasons)


def _drift_line(item: DriftingPair) -> str:
    if item.last_held_end is None:
        quiet = f"no session held since pairing, {_plural(item.quiet_days, 'day')} ago"
    else:
        quiet = f"{_plural(item.quiet_days, 'day')} since the last held session"
    return f"• {_pair(item)}: {quiet}; meets {EVERY[item.cadence]}"


def _listing(title: str, lines: Sequence[str], empty: str) -> dict:
    shown = list(lines[:MAX_LISTED])
    if len(lines) > MAX_LISTED:
        shown.append(f"…and {len(lines) - MAX_LISTED} more in the CSV export.")
    body = "\n".join(shown) if shown else empty
    return section(f"*{title}*\n{body}")


def program_summary(health: ProgramHealth, window_days: int) -> str:
    """One program's numbers as a few lines of mrkdwn."""
    rate = health.diary_rate
    diary = (
        "no sessions held"
        if rate is None
        else f"{round(rate * 100)}% ({health.diary_entries} of {health.diary_expected} entries)"
    )
    failed = str(health.failed_total)
    if health.failed_prompts:
        codes = ", ".join(f"`{escape(code)}` {n}" for code, n in health.failed_prompts.items())
        failed += f" ({truncate(codes, 300)})"
    return "\n".join(
        (
            f"*{_program(health.program)}*",
            f"Pairs: {health.active} active · {health.paused} paused · {health.ended} ended",
            f"Agreements signed by both: {health.agreements_signed} of {health.pairs}",
            f"Sessions in the last {window_days} days: {health.sessions_held} held · "
            f"{health.sessions_missed} missed",
            f"Diary completion: {diary}",
            f"Prompts that failed for good: {failed}",
            f"Drifting: {len(health.drifting)} · At risk: {len(health.at_risk)}",
        )
    )


def build_report_message(report: ProgramReport) -> dict:
    """The admin's ephemeral report: every program, all of them, the pairs to look at, export."""
    total = report.total
    text = (
        f"Program health: {total.pairs} pairs ({total.active} active, {total.paused} paused, "
        f"{total.ended} ended); last {report.window_days} days: {total.sessions_held} sessions "
        f"held, {total.sessions_missed} missed; {len(total.drifting)} drifting, "
        f"{len(total.at_risk)} at risk."
    )
    blocks: list[dict] = [
        {"type": "header", "text": plain("Program health", 150)},
        {
            "type": "context",
            "elements": [
                mrkdwn(
                    f"Sessions, diaries and failed prompts: the last {report.window_days} days, "
                    f"as of {local_time(report.generated_at)}. {PRIVACY_NOTE}"
                )
            ],
        },
    ]
    programs = list(report.programs)
    if len(programs) != 1:
        blocks.append(section(program_summary(total, report.window_days)))
    for health in programs[:MAX_PROGRAMS]:
        blocks.append(section(program_summary(health, report.window_days)))
    if len(programs) > MAX_PROGRAMS:
        blocks.append(
            section(f"…and {len(programs) - MAX_PROGRAMS} more programs in the CSV export.")
        )
    blocks.append({"type": "divider"})
    blocks.append(
        _listing(
            f"Drifting pairs ({len(total.drifting)})",
            [_drift_line(d) for d in total.drifting],
            "None: every active pair has held a session within twice its cadence.",
        )
    )
    blocks.append(
        _listing(
            f"At-risk pairs ({len(total.at_risk)})",
            [f"• {_pair(r)}: {risk_reasons(r.risk)}" for r in total.at_risk],
            "None.",
        )
    )
    blocks.append(
        {
            "type": "actions",
            "block_id": "report_actions",
            "elements": [button(Action.REPORT_EXPORT, "Export CSV", "csv")],
        }
    )
    return {"text": text, "blocks": blocks}


def build_export_sent(filename: str) -> dict:
    """Tells the admin where the CSV went."""
    text = f":page_facing_up: I've sent you `{escape(filename)}` in our direct messages."
    return {"text": text, "blocks": [section(text)]}


def build_nudge(nudge: Nudge) -> dict:
    """A stalling pair's nudge to one partner, with Schedule (the usual schedule form)."""
    pair = nudge.pair
    partner = mention(nudge.partner)
    if nudge.last_session_end is None:
        when = f"you were paired on {local_time(pair.created_at, '{date_long_pretty}')}"
        since = "and haven't had a session yet"
    else:
        when = (
            f"your last session was on {local_time(nudge.last_session_end, '{date_long_pretty}')}"
        )
        since = "and nothing is planned yet"
    text = f":seedling: Time to plan your next session with {partner}."
    detail = (
        f"You agreed to meet {EVERY[nudge.cadence]}; {when} {since}. Pick a time that suits "
        "you both and I'll take care of the reminders."
    )
    return {
        "text": f"{text} {detail}",
        "blocks": [
            section(f"{text}\n{detail}"),
            {
                "type": "actions",
                "block_id": "nudge_actions",
                "elements": [button(Action.NUDGE_SCHEDULE, "Schedule", str(pair.id), primary=True)],
            },
        ],
    }


def build_admin_digest(digest: Digest) -> dict:
    """An admin's daily list of at-risk pairs: names and counts, never content."""
    count = len(digest.at_risk)
    text = f":warning: {_plural(count, 'mentoring pair')} may need you today."
    lines = [f"• {_pair(r)}: {risk_reasons(r.risk)}" for r in digest.at_risk]
    return {
        "text": f"{text} " + "; ".join(lines[:MAX_LISTED]),
        "blocks": [
            section(text),
            _listing("At risk", lines, "None."),
            {
                "type": "context",
                "elements": [
                    mrkdwn(
                        f"A pair is at risk after {IGNORED_NUDGES_AT_RISK} ignored nudges to "
                        f"schedule, {MISSED_AT_RISK} missed sessions or {UNANSWERED_AT_RISK} "
                        "unanswered prompts in a row. `/mentor report` shows the whole program. "
                        f"{PRIVACY_NOTE}"
                    )
                ],
            },
        ],
    }
