"""Every benchmark in bench/ at a tiny size, so none can rot; no timing is asserted here.

The figures themselves come from `make bench` (bench/RESULTS.md). These runs check that each
benchmark still works against today's code: the servers start, the requests are answered
200, the pass sends what is due, the bot starts with pairs loaded, and the report renders.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench import dispatch, latency, matching, memory, socket_mode
from bench.run import QUICK, Results, _burst_runner, main, render_markdown, render_text
from tests.conftest import PG_SKIP_REASON

# Process-level and long-running (make test-fast skips it); the benchmarks leave sockets to GC.
pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::ResourceWarning")]


def test_latency_runs_against_both_servers() -> None:
    cells = latency.run(pairs=2, concurrencies=(2,), warmup=0.0, duration=0.3, workers=1, threads=2)
    assert {(c.kind, c.rate, c.concurrency, c.server) for c in cells} == {
        (kind, rate, 2, server)
        for kind in latency.KINDS
        for rate in latency.RATES
        for server in latency.SERVERS
    }
    for cell in cells:
        assert cell.requests > 0, cell
        assert cell.non_200 == 0 and cell.errors == 0, cell
    assert len(latency.ratios(cells)) == len(latency.KINDS) * len(latency.RATES)


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_a_dispatcher_pass_sends_exactly_what_is_due(backend: str) -> None:
    url = None
    if backend == "postgresql":
        url = os.environ.get("TEST_DATABASE_URL")
        if not url:
            pytest.skip(PG_SKIP_REASON)
    result = dispatch.run(400, 10, database_url=url, sessions_per_pair=10)
    assert result.stored == 400
    assert result.sent == result.due == 10
    assert result.statements > 0


def test_the_burst_runs_when_it_exists() -> None:
    runner = _burst_runner()
    if runner is None:
        pytest.skip("bench/burst.py isn't there yet: its row shows as pending")
    found = runner(20)
    assert found.as_dict()["size"] == 20


def test_memory_is_read_from_a_running_bot() -> None:
    (result,) = memory.run(40, baseline=False)
    assert result.pairs == 40
    assert result.rss_started_mib > 10
    assert result.rss_after_requests_mib > 10
    assert result.requests > 0


def test_socket_mode_recovery_is_measured_on_the_bot() -> None:
    (found,) = socket_mode.run([socket_mode.Candidate(socket_mode.MENTORBOT)], ["drop"], cap=20)
    assert found.fault == "drop" and found.seconds is not None, found
    assert found.connections >= 1 and found.cpu_percent >= 0


def test_matching_runs_every_kind_of_case_in_a_child_process() -> None:
    found = matching.run(matching.QUICK_CASES, log=lambda _: None)
    assert [(m.mentees, m.mentors, m.either) for m in found] == [
        (case.mentees, case.mentors, case.either) for case in matching.QUICK_CASES
    ]
    assert {m.method for m in found} == {"assignment", "integer program"}
    assert any(m.candidate_pairs < m.acceptable_pairs for m in found), "a candidate graph"
    for m in found:
        assert m.optimal and m.total_score == m.upper_bound > 0
        assert m.pairs > 0 and m.pairs + m.unmatched <= m.mentees + m.mentors + m.either
        assert m.peak_mib >= m.rss_before_mib > 10


def test_the_report_renders_every_section(tmp_path: Path) -> None:
    results = Results(QUICK)
    results.latency = [
        latency.Cell("agenda", 1, server, rate, 10, 1.0, 2.0, 3.0, 100.0, 0, 0)
        for server in latency.SERVERS
        for rate in latency.RATES
    ]
    results.dispatch = [
        dispatch.DispatchResult("SQLite", stored, 10, 10, 0.1, 0.05, 120, 30, 0.1)
        for stored in (100, 400)
    ]
    results.memory = [memory.MemoryResult(40, 80.0, 81.0, 81.5, 3, 0.2)]
    results.matching = [
        matching.MatchingResult(
            1_000,
            400,
            0,
            False,
            "all acceptable pairs",
            900,
            900,
            "assignment",
            True,
            380,
            20,
            30_000,
            30_000,
            0.3,
            78.0,
            110.0,
        ),
        matching.MatchingResult(
            5_000,
            2_000,
            0,
            False,
            "best 50 each",
            9_000,
            3_000,
            "assignment",
            True,
            1_900,
            100,
            150_000,
            150_000,
            2.5,
            80.0,
            300.0,
        ),
        matching.MatchingResult(
            5_000,
            2_000,
            0,
            True,
            "all acceptable pairs",
            9_000,
            9_000,
            "assignment",
            True,
            1_900,
            100,
            150_300,
            150_300,
            9.5,
            80.0,
            800.0,
        ),
        matching.MatchingResult(
            4_500,
            1_800,
            700,
            False,
            "best 50 each",
            9_000,
            3_000,
            "integer program",
            False,
            2_000,
            0,
            160_000,
            160_040,
            38.0,
            80.0,
            500.0,
        ),
    ]
    results.problems["burst"] = "pending: bench/burst.py (bench.burst.run) doesn't exist yet"
    mentorbot = socket_mode.Candidate(socket_mode.MENTORBOT).label
    results.socket_mode = [
        socket_mode.Recovery(mentorbot, "drop", 2.0, 70.0, 1, 0.5, 0.0),
        socket_mode.Recovery("builtin, ping 10 s", "drop", None, 70.0, 0, 95.0, 1.0, "gone"),
    ]
    text = render_text(results)
    assert "Socket Mode clients after a broken connection" in text and "> 70" in text
    assert f"Socket Mode, {mentorbot}: answering again within 2.00 s after each of drop" in text
    assert "NOT within the cap" in text
    assert "1.00x" in text and "One dispatcher pass" in text and "pending" in text
    assert "paced at 2 requests a second each" in text and "flat out" in text
    assert "answering in the request's thread: 1.00x to 1.00x" in text
    assert "Dispatcher pass on SQLite" in text and "Resident memory with 40 pairs" in text
    assert "Matching 1,000 mentees, 400 mentors: 0.30 s" in text and "5 s (met)" in text
    assert (
        "over each person's best 50 of 9,000 acceptable pairs), proven optimal over those" in text
    )
    assert "over every acceptable pair: 9.50 s, 800 MiB, a total 0.200% higher" in text
    assert "within 0.025% of the best possible (not proven)" in text
    assert "| no (bound 160,040)" in text
    markdown = render_markdown(results, {"CPU": "test"}, "python -m bench.run --quick")
    assert markdown.startswith("# Benchmark results") and "| CPU" in markdown


def test_the_command_line_runs_a_subset_without_writing(capsys: pytest.CaptureFixture) -> None:
    assert main(["--quick", "--only", "dispatch", "--no-write"]) == 0
    assert "One dispatcher pass" in capsys.readouterr().out
