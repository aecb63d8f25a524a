"""The matching engine behind `/mentor match`: who should mentor whom in a program, and why.

Pure domain code: frozen dataclasses in, a `Matching` out; no Slack, no database, no clock
(the date on which working hours are compared comes in as `on`). The program's match job
passes the people enrolled and not yet matched, the program's list of skills/goals, and the
pairs that may never be proposed; the preview renders what comes back.

**The score** of a mentor for a mentee is a whole number out of 100, the sum of:

- *goals* (`SKILLS_WEIGHT`): the share of the skills/goals the mentee chose that the mentor
  offers, from the program's list;
- *working hours* (`HOURS_WEIGHT`): how much of the shorter of their two working days
  overlaps, across time zones, on the reference date (DST-correct through zoneinfo; a working
  day is 09:00-17:00 local unless the enrolment says otherwise, and may run past midnight);
- *language* (`LANGUAGE_WEIGHT`): when both named languages and share one;
- *free text* (`WORDS_WEIGHT`): one point per word both wrote (letters only, four or more,
  common words left out), a little and explainable;
- *roles* (`ROLE_WEIGHT`, per side): each partner placed in the role they enrolled for, so
  people who enrolled as "either" fill the gaps and someone who asked to be a mentee is
  preferred as one.

**Hard rules**, never broken: a person is never paired with themselves; two people whose pair
already ended in this program, or whom the admin excluded, are never paired again, either way
round; a mentor never gets more mentees than their capacity; two people who both named
languages and share none are never paired (languages mean "languages I can hold sessions
in": someone for whom any language of the workspace will do leaves it empty); and a person is
on one side only: someone who enrolled as "either" is a mentor or a mentee in one matching,
never both. "No match is better than a bad one": a pair scoring below the minimum
(`MIN_SCORE`) is never proposed, and the person stays unmatched with the reason.

**The solver** maximises the total score of the proposed pairs subject to those rules. Pairs
that break a rule or score below the minimum are not edges of the problem at all, so no
solver can choose them. The total is optimal:

1. The assignment problem over mentor slots (one column per place of capacity, plus one
   "unmatched" column per mentee) is solved with scipy's
   `min_weight_full_bipartite_matching` (LAPJVsp: the sparse form of
   `linear_sum_assignment`; it needs no dense matrix and was faster on this machine already at
   1,000 mentees). An "either" person appears on both sides of that problem.
2. If no "either" person ends up on both sides, that assignment is optimal for the real
   problem too (it solves a relaxation of it). Otherwise the one-side rule makes the problem
   an integer program (NP-hard in general: partitioning a graph into paths of length two
   reduces to it), solved exactly with HiGHS (`scipy.optimize.milp`) after its LP relaxation
   has ruled out, by reduced cost, the pairs no optimal answer can contain. An integer
   program that runs out of time (`INTEGER_PROGRAM_SECONDS`) returns the best answer found,
   with `Matching.optimal` false and `Matching.upper_bound` saying how far from the best it
   can be.

**Scale.** Scores are computed with numpy in blocks of mentees. When there are more
acceptable pairs than `MAX_CANDIDATE_PAIRS`, the problem keeps each person's
`CANDIDATES_PER_PERSON` best-scoring acceptable partners (on both sides), and the total is
optimal over that candidate graph; then, while some unmatched person has an acceptable
partner with a place left outside it, those pairs join the graph and it is solved again, so
nobody is left out while a fitting place is free. `bench/matching.py` measures both.

**Deterministic**: people are ordered by id before anything else, so the same people in any
order give the same pairs; ties between equally good answers are broken the same way every
time. Reasons name people by their role and skills by their labels, never by id.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import cache
from time import monotonic
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from bot import messages

SKILLS_WEIGHT = 50
"""Half the score: what the mentee wants to develop and the mentor can offer is what both
enrolled for, and the one thing the pair exists to work on."""
HOURS_WEIGHT = 25
"""A quarter: partners who can't meet inside both working days meet rarely, and pairs that
don't meet drift; it matters, but a great fit a few hours apart still works."""
LANGUAGE_WEIGHT = 10
"""Named and shared languages are a real preference (the mentee asked for one); unnamed
ones say nothing, and naming some without sharing any is a hard rule, not a weight."""
WORDS_WEIGHT = 5
"""At most five points, one per shared word of the free text: enough to break near-ties
between similar goals, too little for chance words to outweigh a chosen goal."""
ROLE_WEIGHT = 5
"""Per side: a person in the role they enrolled for. "Either" people then fill the places the
others leave, instead of displacing someone who asked for exactly that role."""
MIN_SCORE = 40
"""Below this a pair isn't proposed. One goal of four shared and a working day together is
enough (48); a working day together with nothing else is not (35). A pair who share no goal
reaches it only with a language in common on top (45 to 50), and then its reasons say
"offers none of the mentee's goals" for the admin to judge."""
MAX_CANDIDATE_PAIRS = 500_000
"""Up to this many acceptable pairs the solver sees every one of them (a program of 1,000
mentees and 400 mentors never has more than 400,000); past it, each person's best ones."""
CANDIDATES_PER_PERSON = 50
"""How many of each person's best-scoring partners a program that large keeps."""
INTEGER_PROGRAM_SECONDS = 30.0
"""How long HiGHS may search when "either" people make the problem an integer program. A
program of 1,400 people, a tenth of them "either", is solved and proven optimal in a few
seconds; one of 7,000 with 700 "either" may not be proven in any time worth waiting for, and
returns the best answer found (within 0.03 % of `upper_bound` in bench/matching.py)."""

MAX_REASON_WORDS = 5
# A program of thousands scores millions of pairs: this many mentees at a time keeps the peak
# memory flat.
ROWS_PER_BLOCK = 512
# The integer program's first round takes about this many pairs of lowest reduced cost, and a
# margin of at least one point (scores are whole numbers).
_INITIAL_REDUCED_PAIRS = 4_000
_FIRST_MARGIN = 1.0
_TOLERANCE = 1e-6
_WORD = re.compile(r"\w+")
# Words too common in "what I want to develop" to say two people want the same thing.
_COMMON_WORDS_TEXT = """
    about above after again also always among another around because been before being
    better both could does doing done down during each else even ever every from
    further good great have having help here into just keen know learn learning like looking
    make many more most much must need next other over really same should since some
    such than that their them then there these they thing things think this those through
    under until very want wants well were what when where which while will with within
    would year years your yours skill skills improve develop work working mentor mentee
    mentoring someone something
"""
_COMMON_WORDS = frozenset(_COMMON_WORDS_TEXT.split())


class Role(StrEnum):
    MENTEE = "mentee"
    MENTOR = "mentor"
    EITHER = "either"


class Method(StrEnum):
    """Which solver produced the answer."""

    ASSIGNMENT = "assignment"  # min_weight_full_bipartite_matching over mentor slots
    INTEGER_PROGRAM = "integer program"  # HiGHS, when "either" people make it one


class Why(StrEnum):
    """Why someone was left unmatched (one per side they could have taken)."""

    NOBODY = "nobody"
    ALREADY_PAIRED = "already_paired"
    EXCLUDED = "excluded"
    NO_SHARED_LANGUAGE = "no_shared_language"
    RULED_OUT = "ruled_out"
    NO_GOOD_FIT = "no_good_fit"
    NO_PLACE_LEFT = "no_place_left"
    MENTEES_TAKEN = "mentees_taken"


@dataclass(frozen=True)
class Skill:
    """One entry of the program's list of skills/goals: a stable key and the label people see."""

    key: str
    label: str


@dataclass(frozen=True)
class WorkingHours:
    """A local working day; an end before the start runs past midnight."""

    start: time = time(9)
    end: time = time(17)

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("working hours are local times, without a time zone")
        if self.start == self.end:
            raise ValueError("a working day needs a start and an end that differ")

    def __str__(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"


STANDARD_WORKING_DAY = WorkingHours()


@dataclass(frozen=True)
class Enrolment:
    """One person enrolled in the program and not matched yet, as the matching sees them."""

    person_id: str
    role: Role
    time_zone: str
    skills: frozenset[str] = frozenset()  # keys from the program's list
    free_text: str = ""
    languages: frozenset[str] = frozenset()
    capacity: int = 1  # mentees at once, when a mentor
    working_hours: WorkingHours = STANDARD_WORKING_DAY

    def __post_init__(self) -> None:
        object.__setattr__(self, "role", Role(self.role))
        object.__setattr__(self, "skills", frozenset(self.skills))
        object.__setattr__(self, "languages", frozenset(self.languages))
        if not self.person_id:
            raise ValueError("an enrolment needs a person id")
        if isinstance(self.capacity, bool) or not isinstance(self.capacity, int):
            raise ValueError(f"capacity must be a whole number, got {self.capacity!r}")
        if self.capacity < 1:
            raise ValueError(f"capacity must be 1 or more, got {self.capacity}")
        _zone(self.time_zone)


@dataclass(frozen=True)
class Fit:
    """How well one mentor suits one mentee: the score and its reasons in words."""

    score: int
    reasons: tuple[str, ...]
    languages_clash: bool  # both named languages and share none: never proposed


@dataclass(frozen=True)
class ProposedPair:
    mentor_id: str
    mentee_id: str
    score: int
    reasons: tuple[str, ...]

    @property
    def explanation(self) -> str:
        return "; ".join(self.reasons)


@dataclass(frozen=True)
class Unmatched:
    person_id: str
    role: Role
    reason: str
    causes: tuple[Why, ...]  # as a mentee first, then as a mentor, for the sides they could take


@dataclass(frozen=True)
class Matching:
    pairs: tuple[ProposedPair, ...]  # best score first
    unmatched: tuple[Unmatched, ...]  # by person id
    total_score: int
    acceptable_pairs: int  # pairs that keep every rule and reach the minimum
    candidate_pairs: int  # of those, how many the solver was given
    optimal: bool  # proven optimal over the candidate pairs
    method: Method
    upper_bound: int  # no answer over the candidate pairs scores more (the total when optimal)


# -- scoring one pair (the readable definition; the block scorer below must agree) -------------


def score_pair(mentee: Enrolment, mentor: Enrolment, *, skills: Sequence[Skill], on: date) -> Fit:
    """The score and reasons of `mentor` for `mentee`, whatever the hard rules say."""
    labels = _labels(skills)
    for enrolment in (mentee, mentor):
        _check_skills(enrolment, labels)
    goals = mentee.skills
    shared_goals = [key for key in labels if key in goals and key in mentor.skills]
    skill_points = _share_points(SKILLS_WEIGHT, len(shared_goals), len(goals))
    overlap, shorter = _overlap_minutes(_schedule(mentee), _schedule(mentor), on)
    hour_points = _share_points(HOURS_WEIGHT, overlap, shorter)
    mentee_languages, mentor_languages = _languages(mentee), _languages(mentor)
    shared_languages = sorted(
        (mentee_languages[key] for key in mentee_languages.keys() & mentor_languages.keys()),
        key=str.casefold,
    )
    both_named = bool(mentee_languages) and bool(mentor_languages)
    language_points = LANGUAGE_WEIGHT if both_named and shared_languages else 0
    shared_words = sorted(_words(mentee.free_text) & _words(mentor.free_text))
    word_points = min(len(shared_words), WORDS_WEIGHT)
    role_points = _mentee_role_points(mentee.role) + _mentor_role_points(mentor.role)
    reasons = [
        _goals_reason([labels[key] for key in shared_goals], len(goals)),
        _hours_reason(mentee, mentor, overlap, on),
    ]
    if shared_languages:
        reasons.append(messages.MATCH_LANGUAGES_SHARED.format(languages=_and(shared_languages)))
    elif not both_named and (mentee_languages or mentor_languages):
        named, spoken = (
            ("mentee", mentee_languages) if mentee_languages else ("mentor", mentor_languages)
        )
        reasons.append(
            messages.MATCH_LANGUAGES_ONE_SIDE.format(
                named=named, languages=_and(_sorted_names(spoken))
            )
        )
    if shared_words:
        quoted = [f"“{word}”" for word in shared_words[:MAX_REASON_WORDS]]
        reasons.append(messages.MATCH_WORDS_SHARED.format(words=_and(quoted)))
    for side, role in (("mentee", mentee.role), ("mentor", mentor.role)):
        if role is Role.EITHER:
            reasons.append(messages.MATCH_ROLE_EITHER.format(side=side))
    score = skill_points + hour_points + language_points + word_points + role_points
    return Fit(score, tuple(reasons), both_named and not shared_languages)


def _share_points(weight: int, part: int, whole: int) -> int:
    """weight * part / whole, rounded half up, in whole numbers (identical in numpy)."""
    if whole <= 0:
        return 0
    part = min(part, whole)
    return (2 * weight * part + whole) // (2 * whole)


def _mentee_role_points(role: Role) -> int:
    return ROLE_WEIGHT if role is Role.MENTEE else 0


def _mentor_role_points(role: Role) -> int:
    return ROLE_WEIGHT if role is Role.MENTOR else 0


def _goals_reason(shared_labels: list[str], count: int) -> str:
    if count == 0:
        return messages.MATCH_GOALS_NOT_CHOSEN
    if not shared_labels:
        return messages.MATCH_GOALS_NONE.format(count=count)
    labels = _and(shared_labels)
    if count == 1:
        return messages.MATCH_GOALS_THE_ONE.format(labels=labels)
    if len(shared_labels) == count:
        return messages.MATCH_GOALS_ALL.format(count=count, labels=labels)
    return messages.MATCH_GOALS_SOME.format(shared=len(shared_labels), count=count, labels=labels)


def _hours_reason(mentee: Enrolment, mentor: Enrolment, overlap: int, on: date) -> str:
    mentee_zone, mentor_zone = mentee.time_zone, mentor.time_zone
    same_hours = mentee.working_hours == mentor.working_hours
    apart = _minutes_apart(mentee_zone, mentor_zone, on)
    if same_hours and apart == 0:
        zones = mentee_zone if mentee_zone == mentor_zone else _and([mentee_zone, mentor_zone])
        return messages.MATCH_HOURS_TOGETHER.format(hours=mentee.working_hours, zones=zones)
    if same_hours and overlap > 0:
        return messages.MATCH_HOURS_APART.format(
            hours=mentee.working_hours,
            apart=_duration(apart),
            mentee_zone=mentee_zone,
            mentor_zone=mentor_zone,
            overlap=_duration(overlap),
        )
    details = {
        "mentee_hours": mentee.working_hours,
        "mentee_zone": mentee_zone,
        "mentor_hours": mentor.working_hours,
        "mentor_zone": mentor_zone,
    }
    if overlap > 0:
        return messages.MATCH_HOURS_OVERLAP.format(overlap=_duration(overlap), **details)
    return messages.MATCH_HOURS_NO_OVERLAP.format(**details)


def _duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour" + ("s" if hours != 1 else ""))
    if rest or not hours:
        parts.append(f"{rest} minute" + ("s" if rest != 1 else ""))
    return " ".join(parts)


def _and(items: Sequence[str], word: str = "and") -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {word} " + items[-1]


def _sorted_names(languages: dict[str, str]) -> list[str]:
    return sorted(languages.values(), key=str.casefold)


# -- the pieces of a score, shared by the pair scorer and the block scorer ---------------------


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as error:
        raise ValueError(f"unknown time zone {name!r}") from error


def _labels(skills: Sequence[Skill]) -> dict[str, str]:
    labels = {skill.key: skill.label for skill in skills}
    if len(labels) != len(skills):
        raise ValueError("the program's skills have a key twice")
    return labels


def _check_skills(enrolment: Enrolment, labels: dict[str, str]) -> None:
    unknown = enrolment.skills - labels.keys()
    if unknown:
        raise ValueError(f"skills not in the program's list: {sorted(unknown)}")


def _languages(enrolment: Enrolment) -> dict[str, str]:
    """Language key (case-folded) -> the name as this person wrote it."""
    named = {}
    for name in sorted(enrolment.languages):
        shown = " ".join(name.split())
        if shown:
            named.setdefault(shown.casefold(), shown)
    return named


def _words(text: str) -> frozenset[str]:
    """The words of a free text that can say two people want the same thing.

    Words of letters only (one with a digit in it, like a Slack id, is left out whole), four
    or more of them, and not a common word; a word written in capitals eight or more long is
    left out too, as it may be an id.
    """
    found = set()
    for word in _WORD.findall(text):
        if not word.isalpha() or len(word) < 4 or (len(word) >= 8 and word.isupper()):
            continue
        folded = word.casefold()
        if folded not in _COMMON_WORDS:
            found.add(folded)
    return frozenset(found)


_Schedule = tuple[str, time, time]


def _schedule(enrolment: Enrolment) -> _Schedule:
    hours = enrolment.working_hours
    return (enrolment.time_zone, hours.start, hours.end)


def _window(schedule: _Schedule, day: date) -> tuple[int, int]:
    """The working day that starts on `day`, in minutes since the epoch (UTC)."""
    name, start, end = schedule
    zone = _zone(name)
    begins = datetime.combine(day, start, zone)
    ends = datetime.combine(day if end > start else day + timedelta(days=1), end, zone)
    return int(begins.timestamp()) // 60, int(ends.timestamp()) // 60


@cache
def _overlap_minutes(mentee: _Schedule, mentor: _Schedule, on: date) -> tuple[int, int]:
    """(minutes of the mentee's working day on `on` inside the mentor's, the shorter day).

    The mentor's days before and after count too: Tokyo's Monday morning is California's
    Sunday afternoon, and both are daily patterns.
    """
    begins, ends = _window(mentee, on)
    merged: list[list[int]] = []
    for start, end in sorted(_window(mentor, on + timedelta(days=k)) for k in (-1, 0, 1)):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    overlap = sum(max(0, min(ends, end) - max(begins, start)) for start, end in merged)
    mentor_begins, mentor_ends = _window(mentor, on)
    shorter = min(ends - begins, mentor_ends - mentor_begins)
    return min(overlap, shorter), shorter


def _minutes_apart(first: str, second: str, on: date) -> int:
    """How far apart two zones' clocks are at noon on `on`, around the clock (0 to 12 hours)."""
    minutes = []
    for name in (first, second):
        offset = datetime.combine(on, time(12), _zone(name)).utcoffset() or timedelta()
        minutes.append(int(offset.total_seconds()) // 60)
    apart = abs(minutes[0] - minutes[1]) % (24 * 60)
    return min(apart, 24 * 60 - apart)


# -- matching a program --------------------------------------------------------------------------


def match(
    enrolments: Iterable[Enrolment],
    *,
    skills: Sequence[Skill],
    on: date,
    ended_pairs: Iterable[tuple[str, str]] = (),
    excluded_pairs: Iterable[tuple[str, str]] = (),
    minimum_score: int = MIN_SCORE,
    max_candidate_pairs: int = MAX_CANDIDATE_PAIRS,
    candidates_per_person: int = CANDIDATES_PER_PERSON,
) -> Matching:
    """Propose the pairs of highest total score for these people, and say why the rest aren't.

    `ended_pairs` and `excluded_pairs` hold two person ids each, in either order; ids of people
    not enrolled are ignored. `on` is the date on which working hours are compared.
    """
    if minimum_score < 1:
        raise ValueError(f"the minimum score must be 1 or more, got {minimum_score}")
    if max_candidate_pairs < 1 or candidates_per_person < 1:
        raise ValueError("the candidate limits must be 1 or more")
    program = _Program(
        sorted(enrolments, key=lambda e: e.person_id), skills, on, ended_pairs, excluded_pairs
    )
    pool = program.acceptable_pairs(minimum_score)
    candidates = np.ones(len(pool.scores), dtype=bool)
    if len(pool.scores) > max_candidate_pairs:
        candidates = _best_per_person(pool, candidates_per_person)
    while True:
        solved = program.solve(pool, candidates)
        if not solved.optimal:
            solved = program.fill_free_places(pool, solved)
            candidates = candidates | solved.chosen
            break
        left_out = program.fitting_places_left_out(pool, solved.chosen) & ~candidates
        if not left_out.any():
            break
        candidates |= left_out
    return program.result(pool, solved, candidates, minimum_score)


@dataclass(frozen=True)
class _Solved:
    chosen: np.ndarray  # a mask over the pool
    optimal: bool
    method: Method
    bound: int


@dataclass
class _Pool:
    """Every acceptable (mentee-side row, mentor-side column) pair with its score, plus what
    each row and column was offered, for the reasons of those left unmatched."""

    rows: np.ndarray
    cols: np.ndarray
    scores: np.ndarray
    row_tally: np.ndarray  # per row, counts by the tally columns below
    col_tally: np.ndarray
    row_best_below: np.ndarray  # best score under the minimum among pairs keeping the rules
    col_best_below: np.ndarray


# Columns of a tally: partners on the other side, then how many of them each rule rules out,
# how many score below the minimum, how many are acceptable.
_POTENTIAL, _ENDED, _EXCLUDED, _LANGUAGE, _BELOW, _ACCEPTABLE = range(6)
# A pair's verdict: fine (_OK), or the rule that rules it out (the same numbers as the tally's
# columns), or the same person on both sides.
_OK, _SELF = 0, 4


class _Program:
    """The people of one matching as arrays: who can take which side, and what they offer."""

    def __init__(
        self,
        people: list[Enrolment],
        skills: Sequence[Skill],
        on: date,
        ended_pairs: Iterable[tuple[str, str]],
        excluded_pairs: Iterable[tuple[str, str]],
    ) -> None:
        self.people = people
        ids = [p.person_id for p in people]
        if len(set(ids)) != len(ids):
            raise ValueError("a person is enrolled twice")
        labels = _labels(skills)
        for person in people:
            _check_skills(person, labels)
        index = {person_id: i for i, person_id in enumerate(ids)}
        roles = [p.role for p in people]
        self.role = np.array([list(Role).index(r) for r in roles], dtype=np.int8)
        self.capacity = np.array([p.capacity for p in people], dtype=np.int64)
        self.rows = np.array([i for i, r in enumerate(roles) if r is not Role.MENTOR], dtype=int)
        self.cols = np.array([i for i, r in enumerate(roles) if r is not Role.MENTEE], dtype=int)
        self.row_of = np.full(len(people), -1)
        self.row_of[self.rows] = np.arange(len(self.rows))
        self.col_of = np.full(len(people), -1)
        self.col_of[self.cols] = np.arange(len(self.cols))
        self.skill_matrix = self._indicators([p.skills for p in people], list(labels))
        self.mentor_skills = np.ascontiguousarray(self.skill_matrix[self.cols].T)
        self.goal_counts = np.array([len(p.skills) for p in people], dtype=np.intp)
        most = len(labels)
        self.skill_points = np.array(
            [
                [_share_points(SKILLS_WEIGHT, n, goals) for n in range(most + 1)]
                for goals in range(most + 1)
            ],
            dtype=np.int16,
        ).reshape(most + 1, most + 1)
        spoken = [_languages(p) for p in people]
        self.language_matrix = self._indicators(
            [s.keys() for s in spoken], sorted({k for s in spoken for k in s})
        )
        self.mentor_languages = np.ascontiguousarray(self.language_matrix[self.cols].T)
        self.named_languages = np.array([bool(s) for s in spoken])
        words = [_words(p.free_text) for p in people]
        vocabulary = {w: i for i, w in enumerate(sorted({w for ws in words for w in ws}))}
        word_rows = [i for i, ws in enumerate(words) for _ in ws]
        word_cols = [vocabulary[w] for ws in words for w in sorted(ws)]
        self.word_matrix = sparse.csr_array(
            (np.ones(len(word_rows), dtype=np.float32), (word_rows, word_cols)),
            shape=(len(people), max(len(vocabulary), 1)),
        )
        self.mentor_words = sparse.csc_array(self.word_matrix[self.cols].T)
        schedules = sorted({_schedule(p) for p in people})
        schedule_index = {s: i for i, s in enumerate(schedules)}
        self.schedule = np.array([schedule_index[_schedule(p)] for p in people], dtype=int)
        self.hour_points = np.array(
            [
                [_share_points(HOURS_WEIGHT, *_overlap_minutes(a, b, on)) for b in schedules]
                for a in schedules
            ],
            dtype=np.int16,
        ).reshape(len(schedules), len(schedules))
        self.mentee_role_points = np.array([_mentee_role_points(r) for r in roles], dtype=np.int16)
        self.mentor_role_points = np.array([_mentor_role_points(r) for r in roles], dtype=np.int16)
        self.forbidden = self._forbidden_cells(index, ended_pairs, excluded_pairs)
        self.skills, self.on = skills, on

    @staticmethod
    def _indicators(chosen: Sequence[Iterable[str]], keys: Sequence[str]) -> np.ndarray:
        position = {k: i for i, k in enumerate(keys)}
        matrix = np.zeros((len(chosen), max(len(keys), 1)), dtype=np.float32)
        for i, items in enumerate(chosen):
            for item in items:
                matrix[i, position[item]] = 1.0
        return matrix

    def _forbidden_cells(
        self,
        index: dict[str, int],
        ended_pairs: Iterable[tuple[str, str]],
        excluded_pairs: Iterable[tuple[str, str]],
    ) -> dict[tuple[int, int], int]:
        """(row, column) -> _ENDED or _EXCLUDED, both ways round; ended wins over excluded."""
        cells: dict[tuple[int, int], int] = {}
        for rule, pairs in ((_EXCLUDED, excluded_pairs), (_ENDED, ended_pairs)):
            for first, second in pairs:
                a, b = index.get(first), index.get(second)
                if a is None or b is None or a == b:
                    continue
                for mentee, mentor in ((a, b), (b, a)):
                    row, col = self.row_of[mentee], self.col_of[mentor]
                    if row >= 0 and col >= 0:
                        cells[(int(row), int(col))] = rule
        return cells

    # scoring in blocks --------------------------------------------------------------------

    def block_scores(self, first: int, last: int) -> tuple[np.ndarray, np.ndarray]:
        """Scores and rule verdicts (_OK, _ENDED, _EXCLUDED, _LANGUAGE, _SELF) of rows
        first..last-1 against every column."""
        mentees, mentors = self.rows[first:last], self.cols
        # Products of 0/1 float32 matrices count exactly (a few dozen terms at most).
        shared = (self.skill_matrix[mentees] @ self.mentor_skills).astype(np.intp)
        points = self.skill_points[self.goal_counts[mentees][:, None], shared]
        points += self.hour_points[self.schedule[mentees][:, None], self.schedule[mentors][None, :]]
        languages = (self.language_matrix[mentees] @ self.mentor_languages) > 0.5
        both_named = self.named_languages[mentees][:, None] & self.named_languages[mentors][None, :]
        points += np.where(both_named & languages, LANGUAGE_WEIGHT, 0).astype(np.int16)
        words = (self.word_matrix[mentees] @ self.mentor_words).toarray()
        points += np.minimum(words, WORDS_WEIGHT).astype(np.int16)
        points += self.mentee_role_points[mentees][:, None]
        points += self.mentor_role_points[mentors][None, :]
        verdict = np.where(both_named & ~languages, _LANGUAGE, _OK).astype(np.int8)
        for (row, col), rule in self.forbidden.items():
            if first <= row < last:
                verdict[row - first, col] = rule
        self_rows = np.flatnonzero(self.col_of[mentees] >= 0)
        verdict[self_rows, self.col_of[mentees[self_rows]]] = _SELF
        return points, verdict

    def acceptable_pairs(self, minimum_score: int) -> _Pool:
        n_rows, n_cols = len(self.rows), len(self.cols)
        row_tally = np.zeros((n_rows, 6), dtype=np.int64)
        col_tally = np.zeros((n_cols, 6), dtype=np.int64)
        row_best = np.full(n_rows, -1, dtype=np.int64)
        col_best = np.full(n_cols, -1, dtype=np.int64)
        found_rows, found_cols, found_scores = [], [], []
        for first in range(0, n_rows, ROWS_PER_BLOCK):
            last = min(first + ROWS_PER_BLOCK, n_rows)
            if n_cols == 0:
                break
            points, verdict = self.block_scores(first, last)
            keeps = verdict == _OK
            kinds = {
                _POTENTIAL: verdict != _SELF,
                _ENDED: verdict == _ENDED,
                _EXCLUDED: verdict == _EXCLUDED,
                _LANGUAGE: verdict == _LANGUAGE,
                _BELOW: keeps & (points < minimum_score),
                _ACCEPTABLE: keeps & (points >= minimum_score),
            }
            for column, mask in kinds.items():
                row_tally[first:last, column] = mask.sum(axis=1)
                col_tally[:, column] += mask.sum(axis=0)
            below = np.where(kinds[_BELOW], points, -1)
            row_best[first:last] = below.max(axis=1)
            col_best = np.maximum(col_best, below.max(axis=0))
            rows, cols = np.nonzero(kinds[_ACCEPTABLE])
            found_rows.append(rows + first)
            found_cols.append(cols)
            found_scores.append(points[rows, cols])
        empty = np.zeros(0, dtype=np.int64)
        return _Pool(
            np.concatenate(found_rows or [empty]).astype(np.int32),
            np.concatenate(found_cols or [empty]).astype(np.int32),
            np.concatenate(found_scores or [empty]).astype(np.int16),
            row_tally,
            col_tally,
            row_best,
            col_best,
        )

    # solving --------------------------------------------------------------------------------

    def solve(self, pool: _Pool, candidates: np.ndarray) -> _Solved:
        """Which candidate pairs to propose, whether that's proven optimal, and how."""
        edges = np.flatnonzero(candidates)
        rows, cols, scores = pool.rows[edges], pool.cols[edges], pool.scores[edges]
        picked = _assign(rows, cols, scores, self.capacity[self.cols])
        chosen = np.zeros(len(pool.scores), dtype=bool)
        mentees = self.rows[rows[picked]]
        mentors = self.cols[cols[picked]]
        if np.intersect1d(mentees, mentors).size == 0:
            chosen[edges[picked]] = True
            total = int(scores[picked].sum())
            return _Solved(chosen, True, Method.ASSIGNMENT, total)
        picked, optimal, bound = self._integer_program(rows, cols, scores)
        chosen[edges[picked]] = True
        return _Solved(chosen, optimal, Method.INTEGER_PROGRAM, bound)

    def _integer_program(
        self, rows: np.ndarray, cols: np.ndarray, scores: np.ndarray
    ) -> tuple[np.ndarray, bool, int]:
        """The one-side rule as an integer program, solved exactly by HiGHS.

        One variable per pair, one constraint per person: a mentee takes one mentor, a mentor
        at most `capacity` mentees, and an "either" person `capacity * as_mentee + as_mentor
        <= capacity`, which allows one side or the other but never both. Its LP relaxation
        bounds every answer: an answer using a pair of reduced cost r scores at most the LP's
        total minus r. So the integer program first gets the pairs of small reduced cost; if
        what it finds is within that margin of the LP's total, nothing left out could beat it;
        otherwise the margin doubles. Returns the pairs, whether they are proven optimal, and
        the best total any answer could reach.
        """
        mentees, mentors = self.rows[rows], self.cols[cols]
        people = np.unique(np.concatenate([mentees, mentors]))
        position = np.searchsorted(people, np.concatenate([mentees, mentors]))
        either = self.role == list(Role).index(Role.EITHER)
        as_mentee = np.where(either[mentees], self.capacity[mentees], 1).astype(float)
        n = len(scores)
        matrix = sparse.csc_array(
            (np.concatenate([as_mentee, np.ones(n)]), (position, np.tile(np.arange(n), 2))),
            shape=(len(people), n),
        )
        mentee_only = self.role[people] == list(Role).index(Role.MENTEE)
        limits = np.where(mentee_only, 1, self.capacity[people]).astype(float)
        gains = scores.astype(float)
        relaxed = linprog(-gains, A_ub=matrix, b_ub=limits, bounds=(0, 1), method="highs")
        if relaxed.status != 0:
            raise RuntimeError(f"the LP relaxation failed: {relaxed.message}")
        if np.all(np.minimum(relaxed.x, 1 - relaxed.x) < _TOLERANCE):
            picked = relaxed.x > 0.5
            return picked, True, int(scores[picked].sum())
        bound = -relaxed.fun
        reduced = np.maximum(relaxed.lower.marginals, 0.0)
        margin = max(float(np.sort(reduced)[min(n, _INITIAL_REDUCED_PAIRS) - 1]), _FIRST_MARGIN)
        deadline = INTEGER_PROGRAM_SECONDS
        while True:
            kept = (reduced <= margin + _TOLERANCE) | (relaxed.x > _TOLERANCE)
            started = monotonic()
            found = milp(
                -gains[kept],
                constraints=LinearConstraint(matrix[:, kept], -np.inf, limits),
                integrality=np.ones(int(kept.sum())),
                bounds=Bounds(0, 1),
                options={"mip_rel_gap": 0, "time_limit": max(deadline, 1.0)},
            )
            deadline -= monotonic() - started
            if found.x is None:
                raise RuntimeError(f"the integer program found no answer: {found.message}")
            picked = np.zeros(n, dtype=bool)
            picked[np.flatnonzero(kept)[found.x > 0.5]] = True
            total = int(scores[picked].sum())
            # Nothing outside `kept` can score more than bound - margin: what is left out can
            # only beat `total` if that is lower.
            proven = kept.all() or total + margin >= bound - _TOLERANCE
            if found.status == 0 and proven:
                return picked, True, total
            if found.status != 0 or deadline <= 0:
                within = -found.mip_dual_bound if found.mip_dual_bound is not None else bound
                best = within if kept.all() else max(within, bound - margin)
                return picked, False, int(np.floor(min(best, bound) + _TOLERANCE))
            margin = max(2 * margin, 1.0)

    def fill_free_places(self, pool: _Pool, solved: _Solved) -> _Solved:
        """An answer not proven optimal, with the people it left unmatched given the places
        that fit them and are still free: the best assignment of those leftovers, in rounds
        until none is left. An "either" person it puts on both sides stays a mentor."""
        chosen = solved.chosen.copy()
        while True:
            edges = np.flatnonzero(self.fitting_places_left_out(pool, chosen))
            if edges.size == 0:
                return _Solved(chosen, False, solved.method, solved.bound)
            places = (self.capacity - self._sides(pool, chosen)[1])[self.cols]
            while True:
                rows, cols = pool.rows[edges], pool.cols[edges]
                picked = _assign(rows, cols, pool.scores[edges], places)
                both = np.intersect1d(self.rows[rows[picked]], self.cols[cols[picked]])
                if both.size == 0:
                    break
                edges = edges[~np.isin(self.rows[rows], both)]
            chosen[edges[picked]] = True

    def fitting_places_left_out(self, pool: _Pool, chosen: np.ndarray) -> np.ndarray:
        """Acceptable pairs of someone unmatched with a mentor who has a place left."""
        mentees_taken, mentors_load = self._sides(pool, chosen)
        unmatched = (mentees_taken == 0) & (mentors_load == 0)
        room = (mentors_load < self.capacity) & (mentees_taken == 0)
        return unmatched[self.rows[pool.rows]] & room[self.cols[pool.cols]]

    def _sides(self, pool: _Pool, chosen: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per person: how many mentors they got (0 or 1) and how many mentees."""
        size = len(self.people)
        as_mentee = np.bincount(self.rows[pool.rows[chosen]], minlength=size)
        as_mentor = np.bincount(self.cols[pool.cols[chosen]], minlength=size)
        return as_mentee, as_mentor

    # the result -------------------------------------------------------------------------------

    def result(
        self, pool: _Pool, solved: _Solved, candidates: np.ndarray, minimum_score: int
    ) -> Matching:
        chosen = solved.chosen
        pairs = []
        for edge in np.flatnonzero(chosen):
            mentee = self.people[self.rows[pool.rows[edge]]]
            mentor = self.people[self.cols[pool.cols[edge]]]
            fit = score_pair(mentee, mentor, skills=self.skills, on=self.on)
            pairs.append(
                ProposedPair(
                    mentor.person_id, mentee.person_id, int(pool.scores[edge]), fit.reasons
                )
            )
        pairs.sort(key=lambda p: (-p.score, p.mentor_id, p.mentee_id))
        return Matching(
            pairs=tuple(pairs),
            unmatched=self._unmatched(pool, chosen, minimum_score),
            total_score=sum(p.score for p in pairs),
            acceptable_pairs=len(pool.scores),
            candidate_pairs=int(candidates.sum()),
            optimal=solved.optimal,
            method=solved.method,
            upper_bound=solved.bound,
        )

    def _unmatched(
        self, pool: _Pool, chosen: np.ndarray, minimum_score: int
    ) -> tuple[Unmatched, ...]:
        as_mentee, as_mentor = self._sides(pool, chosen)
        # What became of each acceptable partner: on the other side, full, or given a mentor.
        mentor_full = (as_mentor >= self.capacity)[self.cols[pool.cols]]
        mentor_elsewhere = (as_mentee > 0)[self.cols[pool.cols]]
        mentee_taken = (as_mentee > 0)[self.rows[pool.rows]]
        mentee_elsewhere = (as_mentor > 0)[self.rows[pool.rows]]
        n_rows, n_cols = len(self.rows), len(self.cols)
        counts = {
            "full": np.bincount(
                pool.rows, weights=mentor_full & ~mentor_elsewhere, minlength=n_rows
            ),
            "as_mentees": np.bincount(pool.rows, weights=mentor_elsewhere, minlength=n_rows),
            "taken": np.bincount(pool.cols, weights=mentee_taken, minlength=n_cols),
            "as_mentors": np.bincount(pool.cols, weights=mentee_elsewhere, minlength=n_cols),
        }
        left = []
        for i, person in enumerate(self.people):
            if as_mentee[i] or as_mentor[i]:
                continue
            causes, reasons = [], []
            spoken = _sorted_names(_languages(person))
            row, col = self.row_of[i], self.col_of[i]
            if row >= 0:
                why, text = _side_reason(
                    "mentor",
                    pool.row_tally[row],
                    int(pool.row_best_below[row]),
                    minimum_score,
                    spoken,
                    (int(counts["full"][row]), int(counts["as_mentees"][row])),
                )
                causes.append(why)
                reasons.append(text)
            if col >= 0:
                why, text = _side_reason(
                    "mentee",
                    pool.col_tally[col],
                    int(pool.col_best_below[col]),
                    minimum_score,
                    spoken,
                    (int(counts["taken"][col]), int(counts["as_mentors"][col])),
                )
                causes.append(why)
                reasons.append(text)
            reason = (
                messages.MATCH_NEITHER_SIDE.format(as_mentee=reasons[0], as_mentor=reasons[1])
                if len(reasons) == 2
                else reasons[0]
            )
            left.append(Unmatched(person.person_id, person.role, reason, tuple(causes)))
        return tuple(left)


def _side_reason(
    partner: str,
    tally: np.ndarray,
    best_below: int,
    minimum_score: int,
    spoken: list[str],
    placed: tuple[int, int],
) -> tuple[Why, str]:
    """Why someone got no `partner`, from what the other side offered them."""
    if tally[_POTENTIAL] == 0:
        return Why.NOBODY, messages.MATCH_NOBODY.format(partner=partner)
    if tally[_ACCEPTABLE] == 0 and tally[_BELOW] > 0:
        return Why.NO_GOOD_FIT, messages.MATCH_NO_GOOD_FIT.format(
            partner=partner, best=best_below, minimum=minimum_score
        )
    if tally[_ACCEPTABLE] == 0:
        ruled_out = {
            Why.ALREADY_PAIRED: int(tally[_ENDED]),
            Why.EXCLUDED: int(tally[_EXCLUDED]),
            Why.NO_SHARED_LANGUAGE: int(tally[_LANGUAGE]),
        }
        count = int(tally[_POTENTIAL])
        if ruled_out[Why.ALREADY_PAIRED] == count:
            return Why.ALREADY_PAIRED, messages.MATCH_ALREADY_PAIRED.format(
                partner=partner, count=count
            )
        if ruled_out[Why.EXCLUDED] == count:
            return Why.EXCLUDED, messages.MATCH_ALL_EXCLUDED.format(partner=partner, count=count)
        if ruled_out[Why.NO_SHARED_LANGUAGE] == count:
            return Why.NO_SHARED_LANGUAGE, messages.MATCH_NO_LANGUAGE.format(
                partner=partner, languages=_and(spoken, "or")
            )
        templates = {
            Why.ALREADY_PAIRED: messages.MATCH_RULED_OUT_PAIRED,
            Why.EXCLUDED: messages.MATCH_RULED_OUT_EXCLUDED,
            Why.NO_SHARED_LANGUAGE: messages.MATCH_RULED_OUT_LANGUAGE,
        }
        parts = [templates[why].format(count=n) for why, n in ruled_out.items() if n]
        return Why.RULED_OUT, messages.MATCH_RULED_OUT.format(
            partner=partner, parts=", ".join(parts)
        )
    taken, elsewhere = placed
    if partner == "mentor":
        parts = [
            messages.MATCH_PLACES_FULL.format(count=taken) if taken else "",
            messages.MATCH_PLACED_AS_MENTEES.format(count=elsewhere) if elsewhere else "",
        ]
        return Why.NO_PLACE_LEFT, messages.MATCH_NO_PLACE_LEFT.format(
            parts=", ".join(p for p in parts if p)
        )
    parts = [
        messages.MATCH_HAVE_OTHER_MENTORS.format(count=taken) if taken else "",
        messages.MATCH_PLACED_AS_MENTORS.format(count=elsewhere) if elsewhere else "",
    ]
    return Why.MENTEES_TAKEN, messages.MATCH_MENTEES_TAKEN.format(
        parts=", ".join(p for p in parts if p)
    )


def _best_per_person(pool: _Pool, per_person: int) -> np.ndarray:
    """The pairs among each row's and each column's `per_person` best (ties by position)."""
    keep = np.zeros(len(pool.scores), dtype=bool)
    below_best = int(pool.scores.max()) - pool.scores.astype(np.int64)
    for group, other in ((pool.rows, pool.cols), (pool.cols, pool.rows)):
        # One int64 key (group, then best score first, then position) sorts far faster than
        # a lexsort over three.
        spread = int(other.max()) + 1
        key = (group * (int(below_best.max()) + 1) + below_best) * spread + other
        order = np.argsort(key, kind="stable")
        sorted_group = group[order]
        starts = np.r_[True, sorted_group[1:] != sorted_group[:-1]]
        first = np.maximum.accumulate(np.where(starts, np.arange(len(order)), 0))
        keep[order[np.arange(len(order)) - first < per_person]] = True
    return keep


def _assign(
    rows: np.ndarray, cols: np.ndarray, scores: np.ndarray, capacity: np.ndarray
) -> np.ndarray:
    """The pairs (a mask) of highest total score with one mentor per row and at most
    `capacity[col]` rows per column: the assignment problem over mentor slots.

    Each column becomes one slot per place of capacity; each row also gets a slot of its own
    meaning "unmatched", so every row can be assigned and the matching is full, as
    `min_weight_full_bipartite_matching` requires. Weights are score + 1 (it takes no zeros),
    which adds the same constant to every full matching.
    """
    picked = np.zeros(len(scores), dtype=bool)
    if len(scores) == 0:
        return picked
    row_ids, row_at = np.unique(rows, return_inverse=True)
    col_ids, col_at = np.unique(cols, return_inverse=True)
    places = capacity[col_ids]
    first_slot = np.concatenate([[0], np.cumsum(places)])
    slots = int(first_slot[-1])
    copies = places[col_at]
    entry_edge = np.repeat(np.arange(len(scores)), copies)
    entry_place = np.arange(len(entry_edge)) - np.repeat(np.cumsum(copies) - copies, copies)
    entry_slot = first_slot[col_at][entry_edge] + entry_place
    n = len(row_ids)
    graph = sparse.csr_array(
        (
            np.concatenate([scores[entry_edge] + 1.0, np.ones(n)]),
            (
                np.concatenate([row_at[entry_edge], np.arange(n)]),
                np.concatenate([entry_slot, slots + np.arange(n)]),
            ),
        ),
        shape=(n, slots + n),
    )
    matched_rows, matched_slots = min_weight_full_bipartite_matching(graph, maximize=True)
    real = matched_slots < slots
    slot_col = np.repeat(np.arange(len(col_ids)), places)
    keys = row_at * len(col_ids) + col_at
    order = np.argsort(keys)
    wanted = matched_rows[real] * len(col_ids) + slot_col[matched_slots[real]]
    picked[order[np.searchsorted(keys[order], wanted)]] = True
    return picked
