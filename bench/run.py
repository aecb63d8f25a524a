"""Runs every benchmark, prints one table, and writes bench/RESULTS.md (`make bench`).

    python -m bench.run                 # everything at full size (about 35 minutes)
    python -m bench.run --quick         # everything at a tiny size (a smoke run, seconds)
    python -m bench.run --only dispatch,memory --no-write
    python -m bench.run --only matching --no-write   # the matching engine alone (about 2 minutes)

PostgreSQL joins the dispatcher benchmark when BENCH_DATABASE_URL (or TEST_DATABASE_URL)
names a database this may create and drop schemas in.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import dispatch, latency, matching, memory, socket_mode
from bench.common import REPO, load_average
from bench.machine import describe

RESULTS = REPO / "bench" / "RESULTS.md"
BENCHMARKS = ("latency", "dispatch", "burst", "memory", "socket_mode", "matching")


@dataclass(frozen=True)
class Sizes:
    latency_pairs: int
    concurrencies: tuple[int, ...]
    warmup: float
    duration: float
    paced_duration: float
    stored: int
    due: int
    sessions_per_pair: int
    baseline_stored: int
    baseline_sessions_per_pair: int
    burst: int
    memory_pairs: int
    socket_mode_candidates: tuple[socket_mode.Candidate, ...]
    socket_mode_faults: tuple[str, ...]
    socket_mode_cap: float
    matching_cases: tuple[matching.Case, ...]


FULL = Sizes(
    latency_pairs=64,
    concurrencies=(1, 8, 32),
    warmup=1.0,
    duration=5.0,
    paced_duration=15.0,
    stored=1_000_000,
    due=1_000,
    sessions_per_pair=50,
    baseline_stored=10_000,
    baseline_sessions_per_pair=5,
    burst=2_000,
    memory_pairs=100_000,
    socket_mode_candidates=socket_mode.CANDIDATES,
    socket_mode_faults=socket_mode.FAULTS,
    socket_mode_cap=70.0,
    matching_cases=matching.FULL_CASES,
)
QUICK = Sizes(
    latency_pairs=2,
    concurrencies=(1, 2),
    warmup=0.2,
    duration=0.5,
    paced_duration=1.0,
    stored=400,
    due=10,
    sessions_per_pair=10,
    baseline_stored=100,
    baseline_sessions_per_pair=5,
    burst=20,
    memory_pairs=50,
    socket_mode_candidates=(socket_mode.Candidate(socket_mode.MENTORBOT),),
    socket_mode_faults=("disconnect", "drop"),
    socket_mode_cap=15.0,
    matching_cases=matching.QUICK_CASES,
)


@dataclass
class Results:
    """What a run found, by benchmark; `problems` holds what failed or couldn't run."""

    sizes: Sizes
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    latency: list[latency.Cell] = field(default_factory=list)
    dispatch: list[dispatch.DispatchResult] = field(default_factory=list)
    burst: list[dict[str, Any]] = field(default_factory=list)
    memory: list[memory.MemoryResult] = field(default_factory=list)
    socket_mode: list[socket_mode.Recovery] = field(default_factory=list)
    matching: list[matching.MatchingResult] = field(default_factory=list)
    problems: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    load: dict[str, str] = field(default_factory=dict)


def _burst_runner() -> Callable[..., Any] | None:
    """bench.burst.run, once it exists (another part of the project writes it)."""
    try:
        from bench import burst
    except ImportError:
        return None
    return getattr(burst, "run", None)


def collect(
    sizes: Sizes, only: Sequence[str] = BENCHMARKS, *, log: Callable[[str], None] = print
) -> Results:
    results = Results(sizes)

    def step(name: str, work: Callable[[], None]) -> None:
        if name not in only:
            return
        log(f"== {name} (load average {load_average()})")
        results.load[name] = load_average()
        started = time.monotonic()
        try:
            work()
        except Exception as error:  # one benchmark failing must not lose the others' figures
            traceback.print_exc()
            results.problems[name] = f"{type(error).__name__}: {error}"
        results.seconds[name] = round(time.monotonic() - started, 1)

    def run_latency() -> None:
        results.latency = latency.run(
            pairs=sizes.latency_pairs,
            concurrencies=sizes.concurrencies,
            warmup=sizes.warmup,
            duration=sizes.duration,
            paced_duration=sizes.paced_duration,
        )

    def run_dispatch() -> None:
        targets: list[str | None] = [None]
        if dispatch.postgres_url():
            targets.append(dispatch.postgres_url())
        for url in targets:
            for stored, per_pair in (
                (sizes.baseline_stored, sizes.baseline_sessions_per_pair),
                (sizes.stored, sizes.sessions_per_pair),
            ):
                found = dispatch.run(
                    stored, sizes.due, database_url=url, sessions_per_pair=per_pair
                )
                log(f"   {found.as_dict()}")
                results.dispatch.append(found)

    def run_burst() -> None:
        runner = _burst_runner()
        if runner is None:
            results.problems["burst"] = (
                "pending: bench/burst.py (bench.burst.run) doesn't exist yet"
            )
            return
        for channels in (None, 4):
            found = runner(sizes.burst, channels=channels)
            as_dict = found.as_dict() if hasattr(found, "as_dict") else dict(vars(found))
            log(f"   {as_dict}")
            results.burst.append(as_dict)

    def run_memory() -> None:
        results.memory = memory.run(sizes.memory_pairs)

    def run_socket_mode() -> None:
        results.socket_mode = socket_mode.run(
            sizes.socket_mode_candidates, sizes.socket_mode_faults, cap=sizes.socket_mode_cap
        )

    step("latency", run_latency)
    step("dispatch", run_dispatch)
    step("burst", run_burst)

    def run_matching() -> None:
        results.matching = matching.run(sizes.matching_cases, log=log)

    step("memory", run_memory)
    step("socket_mode", run_socket_mode)
    step("matching", run_matching)
    return results


# -- rendering ---------------------------------------------------------------------------------
def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    """A Markdown table that also reads well as plain text."""
    cells = [[str(h) for h in headers]] + [[_fmt(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(cells[0], widths, strict=True)) + " |"]
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells[1:]:
        shown = [
            c.rjust(w) if _numeric(c) else c.ljust(w) for c, w in zip(row, widths, strict=True)
        ]
        lines.append("| " + " | ".join(shown) + " |")
    return lines


def _numeric(text: str) -> bool:
    return text.replace(",", "").replace(".", "").replace("x", "").lstrip("-").isdigit()


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def sections(results: Results) -> list[tuple[str, list[str]]]:
    """(title, lines) for each benchmark that ran, in order."""
    found: list[tuple[str, list[str]]] = []
    if results.latency:
        rows = [
            (
                latency.LABELS[c.kind],
                latency.load_label(c.rate),
                c.concurrency,
                c.server,
                c.requests,
                c.p50_ms,
                c.p99_ms,
                c.max_ms,
                c.per_second,
                c.non_200 + c.errors,
            )
            for c in results.latency
        ]
        lines = _table(
            (
                "request",
                "load",
                "clients",
                "server",
                "requests",
                "p50 ms",
                "p99 ms",
                "max ms",
                "req/s",
                "failed",
            ),
            rows,
        )
        ratio_rows = [
            (
                latency.LABELS[r["kind"]],
                latency.load_label(r["rate"]),
                r["concurrency"],
                r["mentorbot_p99_ms"],
                r["bare_p99_ms"],
                f"{r['ratio']:.2f}x",
                "yes" if r["ratio"] <= 1.25 else "no",
                r["inline_p99_ms"],
                f"{r['inline_ratio']:.2f}x",
                "yes" if r["under_slack_limit"] else "NO",
            )
            for r in latency.ratios(results.latency)
        ]
        lines += [
            "",
            "p99 of Mentorbot over the bare Bolt app as shipped (goal: at most 1.25x), and over",
            "the same app answering in the request's thread (process_before_response=True):",
            "",
        ]
        lines += _table(
            (
                "request",
                "load",
                "clients",
                "Mentorbot p99 ms",
                "bare p99 ms",
                "ratio",
                "<= 1.25x",
                "bare inline p99 ms",
                "ratio to inline",
                "< 3 s",
            ),
            ratio_rows,
        )
        found.append(("Ack latency and throughput over HTTP (gunicorn gthread)", lines))
    if results.dispatch:
        rows = [
            (
                d.database,
                d.stored,
                d.due,
                d.sent,
                d.seconds,
                d.sql_seconds,
                d.statements,
                round(d.statements_per_due, 1),
                d.transactions,
                d.load_seconds,
            )
            for d in results.dispatch
        ]
        lines = _table(
            (
                "database",
                "pending stored",
                "due",
                "sent",
                "pass s",
                "in SQL s",
                "SQL statements",
                "per due",
                "transactions",
                "load s",
            ),
            rows,
        )
        found.append(("One dispatcher pass", lines))
    if results.burst or "burst" in results.problems:
        if results.burst:
            keys = list(results.burst[0])
            lines = _table(keys, [[b.get(k) for k in keys] for b in results.burst])
        else:
            lines = _table(("status",), [(results.problems["burst"],)])
        found.append(("Rate-limited burst against its floor", lines))
    if results.memory:
        rows = [
            (
                m.pairs,
                m.rss_started_mib,
                m.rss_after_requests_mib,
                m.peak_mib,
                m.requests,
                m.database_mib,
            )
            for m in results.memory
        ]
        lines = _table(
            (
                "pairs",
                "RSS at start MiB",
                "RSS after requests MiB",
                "peak MiB",
                "requests",
                "database MiB",
            ),
            rows,
        )
        found.append(("Resident memory of `python app.py`", lines))
    if results.socket_mode:
        found.append(("Socket Mode clients after a broken connection", _socket_mode_lines(results)))
    if results.matching:
        rows = [
            (
                m.program,
                m.candidates,
                m.acceptable_pairs,
                m.candidate_pairs,
                m.method,
                "yes" if m.optimal else f"no (bound {m.upper_bound:,})",
                m.pairs,
                m.unmatched,
                m.total_score,
                m.seconds,
                m.rss_before_mib,
                m.peak_mib,
            )
            for m in results.matching
        ]
        lines = _table(
            (
                "program",
                "solver sees",
                "acceptable pairs",
                "candidate pairs",
                "solver",
                "proven optimal",
                "pairs",
                "unmatched",
                "total score",
                "seconds",
                "RSS before MiB",
                "peak MiB",
            ),
            rows,
        )
        found.append(("Matching a program (`bot/matching.py`)", lines))
    return found


def _socket_mode_lines(results: Results) -> list[str]:
    def seconds(r: socket_mode.Recovery) -> str:
        return f"{r.seconds:.2f}" if r.seconds is not None else f"> {r.cap:g}"

    rows = [
        (
            r.candidate,
            r.fault,
            seconds(r),
            r.connections,
            f"{r.cpu_percent:.1f}",
            f"{r.cpu_after_percent:.1f}",
            "yes" if r.met else "NO",
            r.note,
        )
        for r in results.socket_mode
    ]
    lines = _table(
        (
            "client",
            "fault",
            "answering again s",
            "connections",
            "CPU % reconnecting",
            "CPU % after",
            "goal",
            "note",
        ),
        rows,
    )
    lines += [
        "",
        f"By client: the slowest recovery and the most CPU (goal: every fault answered again "
        f"within {socket_mode.GOAL_SECONDS:g} s, under {socket_mode.SPINNING_PERCENT:g} % of a "
        "core):",
        "",
    ]
    lines += _table(
        ("client", "slowest s", "after", "most CPU %", "goal met"),
        [
            (
                c["candidate"],
                f"{c['worst_seconds']:.2f}" if c["worst_seconds"] is not None else "never",
                c["worst_fault"],
                f"{c['most_cpu_percent']:.1f}",
                "yes" if c["met"] else "no",
            )
            for c in socket_mode.by_candidate(results.socket_mode)
        ],
    )
    return lines


def headline(results: Results) -> list[str]:
    """The figures the issue asks for, one line each, worked out from the tables."""
    lines = []
    if results.latency:
        for rate in sorted({c.rate for c in results.latency}, reverse=True):
            lines.append(_latency_headline(results.latency, rate))
    by_db: dict[str, list[dispatch.DispatchResult]] = {}
    for d in results.dispatch:
        by_db.setdefault(d.database, []).append(d)
    for database, runs in by_db.items():
        small, large = min(runs, key=lambda d: d.stored), max(runs, key=lambda d: d.stored)
        if small is large:
            continue
        lines.append(
            f"- Dispatcher pass on {database}, {large.due:,} due: {large.seconds:.2f} s with "
            f"{large.stored:,} stored against {small.seconds:.2f} s with {small.stored:,} "
            f"({large.seconds / small.seconds:.2f}x for {large.stored // small.stored}x the "
            f"rows); {large.statements:,} statements either way "
            f"({large.statements_per_due:.1f} per due prompt)."
        )
    for burst in results.burst:
        channels = burst.get("channels")
        to = "DMs" if channels is None else f"{channels} channels"
        lines.append(
            f"- Burst of {burst.get('size'):,} ({to}): {burst.get('seconds')} s against a floor "
            f"of {burst.get('floor')} s, ratio {burst.get('ratio')} (goal at most 1.2); "
            f"{burst.get('unhonoured')} 429s unhonoured."
        )
    if results.memory:
        big = max(results.memory, key=lambda m: m.pairs)
        base = min(results.memory, key=lambda m: m.pairs)
        extra = ""
        if base is not big:
            more = big.rss_after_requests_mib - base.rss_after_requests_mib
            extra = f" ({more:+.1f} MiB against none)"
        lines.append(
            f"- Resident memory with {big.pairs:,} pairs: {big.rss_started_mib} MiB at start, "
            f"{big.rss_after_requests_mib} MiB after {big.requests} requests{extra}."
        )
    shown = {
        socket_mode.Candidate(socket_mode.MENTORBOT).label: "",
        socket_mode.Candidate("builtin", 10).label: " (Bolt's default, what the bot ran before)",
    }
    for found in socket_mode.by_candidate(results.socket_mode):
        if found["candidate"] in shown:
            worst = found["worst_seconds"]
            lines.append(
                f"- Socket Mode, {found['candidate']}{shown[found['candidate']]}: answering again "
                + (f"within {worst:.2f} s" if worst is not None else "NOT within the cap")
                + f" after each of {', '.join(found['faults'])} (slowest: {found['worst_fault']});"
                f" at most {found['most_cpu_percent']:.1f} % of a core while reconnecting"
                f" (goal {'met' if found['met'] else 'NOT met'})."
            )
    lines += _matching_headline(results.matching)
    return lines


def _matching_headline(found: list[matching.MatchingResult]) -> list[str]:
    lines = []
    for m in found:
        if m.every_pair:
            continue
        line = (
            f"- Matching {m.program}: {m.seconds:.2f} s, peak RSS {m.peak_mib:,.0f} MiB"
            f" ({m.pairs:,} pairs, {m.method}"
        )
        pruned = m.candidates != "all acceptable pairs"
        if pruned:
            line += f" over each person's {m.candidates.removesuffix(' each')} of"
            line += f" {m.acceptable_pairs:,} acceptable pairs"
        line += ")"
        goal_mentees, goal_mentors, goal_seconds = matching.GOAL
        if (m.mentees, m.mentors, m.either) == (goal_mentees, goal_mentors, 0):
            met = "met" if m.seconds < goal_seconds else "MISSED"
            line += f" against a goal of {goal_seconds:g} s ({met})"
        if m.optimal:
            line += ", proven optimal" + (" over those" if pruned else "")
        else:
            gap = (m.upper_bound - m.total_score) / m.upper_bound if m.upper_bound else 0.0
            line += f", within {gap:.3%} of the best possible (not proven)"
        same = [
            e
            for e in found
            if e.every_pair and (e.mentees, e.mentors, e.either) == (m.mentees, m.mentors, m.either)
        ]
        if same:
            every = same[0]
            gap = (
                (every.total_score - m.total_score) / every.total_score if every.total_score else 0
            )
            line += (
                f"; over every acceptable pair: {every.seconds:.2f} s, {every.peak_mib:,.0f} MiB,"
                f" a total {gap:.3%} higher"
            )
        lines.append(line + ".")
    return lines


def _latency_headline(cells: list[latency.Cell], rate: float) -> str:
    found = [r for r in latency.ratios(cells) if r["rate"] == rate]
    ours = [c for c in cells if c.server == "mentorbot" and c.rate == rate]
    if not found or not ours:
        return f"- Ack latency ({latency.load_label(rate)}): no complete pair of cells."
    worst = max(found, key=lambda r: r["ratio"])
    met = [r for r in found if r["ratio"] <= 1.25]
    inline = [r["inline_ratio"] for r in found if not math.isnan(r["inline_ratio"])] or [math.nan]
    slowest = max(c.p99_ms for c in ours)
    longest = max(c.max_ms for c in ours)
    failed = sum(c.non_200 + c.errors for c in ours)
    how = (
        f"clients paced at {rate:g} requests a second each"
        if rate
        else "clients flat out (closed loop: the next request as the answer arrives)"
    )
    return (
        f"- Ack p99, Mentorbot over a bare Bolt app, {how}: "
        + ", ".join(
            f"{latency.LABELS[r['kind']]} at {r['concurrency']}: {r['ratio']:.2f}x" for r in found
        )
        + f". At most 1.25x in {len(met)} of {len(found)} cells"
        f" (worst {worst['ratio']:.2f}x). Over the same bare app answering in the request's"
        f" thread: {min(inline):.2f}x to {max(inline):.2f}x."
        f" Highest Mentorbot p99: {slowest:,.0f} ms"
        f" ({'under' if slowest < 3000 else 'OVER'} Slack's 3 s); slowest answer"
        f" {longest:,.0f} ms; {failed} of {sum(c.requests for c in ours):,} answers not 200."
    )


def render_text(results: Results) -> str:
    out = ["", "Summary", *headline(results)]
    for title, lines in sections(results):
        out += ["", title, *lines]
    for name, problem in results.problems.items():
        if name != "burst" or results.burst:
            out.append(f"\n{name}: {problem}")
    return "\n".join(out)


def render_markdown(results: Results, machine: dict[str, str], command: str) -> str:
    out = [
        "# Benchmark results",
        "",
        f"Generated by `{command}` on {results.started:%Y-%m-%d %H:%M} UTC; rerun it to",
        "replace this file. How each figure is made: [README.md](README.md).",
        "",
        "## Summary",
        "",
        *headline(results),
        "",
        "## Machine",
        "",
        *_table(("", ""), list(machine.items())),
    ]
    for title, lines in sections(results):
        name = _name_of(title)
        extra = ""
        if name in results.seconds:
            extra = (
                f" (took {results.seconds[name]} s; load average at start {results.load.get(name)})"
            )
        out += ["", f"## {title}", "", f"_Run{extra}._", "", *lines]
    for name, problem in results.problems.items():
        if name == "burst" and not results.burst:
            continue
        out += ["", f"**{name} failed:** `{problem}`"]
    return "\n".join(out) + "\n"


def _name_of(title: str) -> str:
    for name, word in (
        ("latency", "latency"),
        ("dispatch", "dispatcher"),
        ("burst", "burst"),
        ("memory", "memory"),
        ("socket_mode", "socket mode"),
        ("matching", "matching"),
    ):
        if word in title.lower():
            return name
    return title


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run")
    parser.add_argument("--only", default=",".join(BENCHMARKS), help="comma-separated subset")
    parser.add_argument("--no-write", action="store_true", help="don't write bench/RESULTS.md")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where to write results")
    args = parser.parse_args(argv)
    only = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = set(only) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    results = collect(QUICK if args.quick else FULL, only)
    print(render_text(results))
    if not args.no_write:
        command = "python -m bench.run" + (" --quick" if args.quick else "")
        if set(only) != set(BENCHMARKS):
            command += f" --only {','.join(only)}"
        args.results.write_text(render_markdown(results, describe(), command), encoding="utf-8")
        print(f"\nwrote {args.results}")
    failed = {name for name in results.problems if not results.problems[name].startswith("pending")}
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
