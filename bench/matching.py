"""Benchmark: matching a program's mentees with its mentors (bot/matching.py), time and memory.

A synthetic program, the same for a given size every run (seeded): twelve skills of which a
few are popular, each person choosing one to five of them and writing a few words; eight
time zones from Sydney to Los Angeles; a working day of 09:00-17:00 for most, 08:00-16:00 or
10:00-18:00 for some; languages named by three in ten; mentors taking one to three mentees;
one mentee in a hundred with a pair that ended and one with a pair the admin excluded. Each
case runs in a child process of its own, so its peak resident memory (VmHWM) is the
matching's alone on top of the interpreter, numpy and scipy; "RSS before" is what the child
held with the people loaded, just before `match()`; the time is that one call.

The cases: 1,000 mentees with 400 mentors (the goal: under 5 s), 5,000 with 2,000 (more
acceptable pairs than `MAX_CANDIDATE_PAIRS`, so each person's best 50 make the candidate
graph), the same 5,000 with every acceptable pair given to the solver (what the candidate
graph saves, and what it costs in total score), and programs where a tenth of the people
enrolled as "either", which makes the problem an integer program.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from datetime import date
from datetime import time as clock
from typing import Any

from bench.common import REPO, child_env, memory_kib, python

ON = date(2025, 3, 20)
GOAL = (1_000, 400, 5.0)  # issue 11: 1,000 mentees with 400 mentors in under 5 s
SKILL_LABELS = [
    "Public speaking",
    "Negotiation",
    "Hiring",
    "Python",
    "Leading a team",
    "Product strategy",
    "Giving feedback",
    "System design",
    "Career change",
    "Data analysis",
    "Writing",
    "Managing up",
]
SKILL_WEIGHTS = [8, 3, 4, 9, 7, 3, 5, 4, 2, 5, 2, 3]
ZONES = [
    ("Europe/London", 20),
    ("Europe/Berlin", 20),
    ("America/New_York", 20),
    ("America/Los_Angeles", 10),
    ("Asia/Kolkata", 10),
    ("Asia/Singapore", 10),
    ("Australia/Sydney", 5),
    ("America/Sao_Paulo", 5),
]
LANGUAGES = [("English", 10), ("Spanish", 3), ("German", 3), ("French", 2), ("Portuguese", 1)]
WORDS = [
    "kubernetes",
    "roadmaps",
    "budgets",
    "interviews",
    "promotion",
    "architecture",
    "onboarding",
    "pricing",
    "storytelling",
    "analytics",
    "dashboards",
    "conflict",
    "delegation",
    "burnout",
    "mentoring",
    "growth",
    "startup",
    "research",
    "accessibility",
    "testing",
    "security",
    "cloud",
    "frontend",
    "backend",
    "mobile",
    "design",
    "contracts",
    "stakeholders",
    "planning",
    "hiring",
    "coaching",
    "presenting",
    "confidence",
    "visibility",
    "networking",
    "remote",
    "distributed",
    "migration",
    "platform",
    "reliability",
    "incidents",
    "writing",
    "documentation",
]
FILLER = [
    "I",
    "want",
    "to",
    "get",
    "better",
    "at",
    "about",
    "with",
    "and",
    "the",
    "for",
    "my",
    "team",
    "really",
]


@dataclass(frozen=True)
class Case:
    mentees: int
    mentors: int
    either: int = 0
    every_pair: bool = False  # no candidate graph: the solver sees every acceptable pair
    # The engine's limits unless given (the smoke run makes a candidate graph of 40 mentees).
    max_candidate_pairs: int | None = None
    candidates_per_person: int | None = None


def label(mentees: int, mentors: int, either: int) -> str:
    people = f"{mentees:,} mentees, {mentors:,} mentors"
    return people + (f", {either:,} either" if either else "")


@dataclass(frozen=True)
class MatchingResult:
    """One `match()` call on a synthetic program."""

    mentees: int
    mentors: int
    either: int
    every_pair: bool
    candidates: str  # "all acceptable pairs" or "best 50 each"
    acceptable_pairs: int
    candidate_pairs: int
    method: str
    optimal: bool
    pairs: int
    unmatched: int
    total_score: int
    upper_bound: int
    seconds: float
    rss_before_mib: float
    peak_mib: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def program(self) -> str:
        return label(self.mentees, self.mentors, self.either)


def program(
    case: Case, seed: int = 11
) -> tuple[list[Any], list[Any], list[tuple[str, str]], list[tuple[str, str]]]:
    """The enrolments, skills, ended and excluded pairs of a synthetic program."""
    from bot.matching import Enrolment, Role, Skill, WorkingHours

    rng = random.Random(f"{seed}:{case.mentees}:{case.mentors}:{case.either}")
    skills = [Skill(f"s{i}", label) for i, label in enumerate(SKILL_LABELS)]
    keys = [s.key for s in skills]
    zones, zone_weights = zip(*ZONES, strict=True)
    names, name_weights = zip(*LANGUAGES, strict=True)
    other_hours = [WorkingHours(clock(8), clock(16)), WorkingHours(clock(10), clock(18))]
    roles = (
        [Role.MENTEE] * case.mentees + [Role.MENTOR] * case.mentors + [Role.EITHER] * case.either
    )
    people = []
    for i, role in enumerate(roles):
        chosen = set()
        for _ in range(rng.randint(1, 5)):
            chosen.add(rng.choices(keys, SKILL_WEIGHTS)[0])
        languages = set()
        if rng.random() < 0.3:
            languages = set(rng.choices(names, name_weights, k=rng.randint(1, 2)))
        text = rng.sample(WORDS, rng.randint(1, 4)) + rng.sample(FILLER, rng.randint(2, 5))
        rng.shuffle(text)
        people.append(
            Enrolment(
                person_id=f"U{i:07d}B",
                role=role,
                time_zone=rng.choices(zones, zone_weights)[0],
                skills=frozenset(chosen),
                free_text=" ".join(text),
                languages=frozenset(languages),
                capacity=rng.randint(1, 3) if role is Role.MENTOR else rng.randint(1, 2),
                working_hours=rng.choice(other_hours) if rng.random() < 0.15 else WorkingHours(),
            )
        )
    mentees = [p.person_id for p in people if p.role is not Role.MENTOR]
    mentors = [p.person_id for p in people if p.role is not Role.MENTEE]
    ended, excluded = [], []
    if mentors:
        for mentee in rng.sample(mentees, len(mentees) // 100):
            ended.append((rng.choice(mentors), mentee))
        for mentee in rng.sample(mentees, len(mentees) // 100):
            excluded.append((mentee, rng.choice(mentors)))
    return people, skills, ended, excluded


def measure(case: Case) -> MatchingResult:
    """Run one case in this process (the child's side of `run`)."""
    from bot import matching

    people, skills, ended, excluded = program(case)
    before = memory_kib(os.getpid())["VmRSS"]
    limit = case.max_candidate_pairs or matching.MAX_CANDIDATE_PAIRS
    per_person = case.candidates_per_person or matching.CANDIDATES_PER_PERSON
    started = time.perf_counter()
    found = matching.match(
        people,
        skills=skills,
        on=ON,
        ended_pairs=ended,
        excluded_pairs=excluded,
        max_candidate_pairs=sys.maxsize if case.every_pair else limit,
        candidates_per_person=per_person,
    )
    seconds = time.perf_counter() - started
    peak = memory_kib(os.getpid())["VmHWM"]
    pruned = found.candidate_pairs < found.acceptable_pairs
    return MatchingResult(
        mentees=case.mentees,
        mentors=case.mentors,
        either=case.either,
        every_pair=case.every_pair,
        candidates=f"best {per_person} each" if pruned else "all acceptable pairs",
        acceptable_pairs=found.acceptable_pairs,
        candidate_pairs=found.candidate_pairs,
        method=str(found.method),
        optimal=found.optimal,
        pairs=len(found.pairs),
        unmatched=len(found.unmatched),
        total_score=found.total_score,
        upper_bound=found.upper_bound,
        seconds=round(seconds, 2),
        rss_before_mib=round(before / 1024, 1),
        peak_mib=round(peak / 1024, 1),
    )


FULL_CASES = (
    Case(1_000, 400),
    Case(5_000, 2_000),
    Case(5_000, 2_000, every_pair=True),
    Case(900, 360, either=140),
    Case(4_500, 1_800, either=700),
)
QUICK_CASES = (
    Case(30, 12),
    Case(40, 16, max_candidate_pairs=100, candidates_per_person=5),
    Case(27, 11, either=4),
)


def run(cases: tuple[Case, ...] = FULL_CASES, *, log: Any = print) -> list[MatchingResult]:
    """Each case in a fresh child process; its figures come back as JSON."""
    found = []
    for case in cases:
        answer = subprocess.run(
            [python(), "-m", "bench.matching", json.dumps(asdict(case))],
            env=child_env({}),
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
            timeout=1800,
        )
        if answer.returncode != 0:
            people = label(case.mentees, case.mentors, case.either)
            raise RuntimeError(f"matching {people} failed:\n{answer.stderr[-2000:]}")
        result = MatchingResult(**json.loads(answer.stdout.strip().splitlines()[-1]))
        log(f"   {result.as_dict()}")
        found.append(result)
    return found


if __name__ == "__main__":
    print(json.dumps(measure(Case(**json.loads(sys.argv[1]))).as_dict()))
