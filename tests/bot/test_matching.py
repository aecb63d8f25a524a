"""The matching engine: hard rules, reasons in words, determinism, and optimality by brute force."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, time
from itertools import combinations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import matching
from bot.matching import (
    Enrolment,
    Matching,
    Method,
    Role,
    Skill,
    Why,
    WorkingHours,
    match,
    score_pair,
)

SKILLS = (
    Skill("speaking", "Public speaking"),
    Skill("negotiation", "Negotiation"),
    Skill("hiring", "Hiring"),
    Skill("python", "Python"),
    Skill("leading", "Leading a team"),
)
# US clocks moved on 9 March 2025, UK and EU ones only move on 30 March.
ON = date(2025, 3, 20)
MENTEE, MENTOR, EITHER = Role.MENTEE, Role.MENTOR, Role.EITHER


def person(
    person_id: str,
    role: Role,
    *,
    zone: str = "Europe/Madrid",
    skills: Sequence[str] = (),
    text: str = "",
    languages: Sequence[str] = (),
    capacity: int = 1,
    hours: WorkingHours = matching.STANDARD_WORKING_DAY,
) -> Enrolment:
    return Enrolment(
        person_id=person_id,
        role=role,
        time_zone=zone,
        skills=frozenset(skills),
        free_text=text,
        languages=frozenset(languages),
        capacity=capacity,
        working_hours=hours,
    )


def run(people: Sequence[Enrolment], **kwargs: object) -> Matching:
    return match(people, skills=SKILLS, on=ON, **kwargs)  # type: ignore[arg-type]


def pairs_of(result: Matching) -> set[tuple[str, str]]:
    return {(p.mentor_id, p.mentee_id) for p in result.pairs}


def unmatched_of(result: Matching) -> dict[str, tuple[str, tuple[Why, ...]]]:
    return {u.person_id: (u.reason, u.causes) for u in result.unmatched}


# -- the score ---------------------------------------------------------------------------------


def test_a_score_adds_goals_hours_language_words_and_roles() -> None:
    mentee = person(
        "UMENTEE01",
        MENTEE,
        zone="Europe/London",
        skills=["speaking", "negotiation", "hiring", "python"],
        text="I want Kubernetes and hiring tips",
        languages=["Spanish"],
    )
    mentor = person(
        "UMENTOR01",
        MENTOR,
        zone="Europe/Athens",
        skills=["speaking", "negotiation", "hiring"],
        text="kubernetes veteran, hiring manager",
        languages=["spanish", "English"],
    )
    fit = score_pair(mentee, mentor, skills=SKILLS, on=ON)
    # 3 of 4 goals: 37.5 -> 38; 6 of 8 hours: 18.75 -> 19; a shared language 10; two shared
    # words ("hiring", "kubernetes") 2; both in the role they enrolled for 5 + 5.
    assert fit.score == 38 + 19 + 10 + 2 + 10
    assert fit.reasons == (
        "offers 3 of the mentee's 4 goals: Public speaking, Negotiation and Hiring",
        "both work 09:00–17:00, 2 hours apart (mentee in Europe/London, mentor in "
        "Europe/Athens), so 6 hours a day overlap",
        "both speak Spanish",
        "both mention “hiring” and “kubernetes”",
    )
    assert not fit.languages_clash


def test_the_weights_add_up_to_a_hundred() -> None:
    best = (
        matching.SKILLS_WEIGHT
        + matching.HOURS_WEIGHT
        + matching.LANGUAGE_WEIGHT
        + matching.WORDS_WEIGHT
        + 2 * matching.ROLE_WEIGHT
    )
    assert best == 100
    text = "kubernetes roadmaps hiring budgets architecture"
    mentee = person("UA1", MENTEE, skills=["python"], text=text, languages=["German"])
    mentor = person("UB1", MENTOR, skills=["python"], text=text, languages=["German"])
    assert score_pair(mentee, mentor, skills=SKILLS, on=ON).score == 100


@pytest.mark.parametrize(
    ("mentee_skills", "mentor_skills", "expected"),
    [
        (["python"], ["python", "hiring"], "offers the mentee's goal: Python"),
        (
            ["python", "hiring"],
            ["hiring", "python"],
            "offers all 2 of the mentee's goals: Hiring and Python",
        ),
        (
            ["leading", "speaking", "python"],
            ["leading", "speaking"],
            "offers 2 of the mentee's 3 goals: Public speaking and Leading a team",
        ),
        (["python", "hiring"], ["leading"], "offers none of the mentee's 2 goals"),
        ([], ["leading"], "the mentee chose no goals, so goals don't count"),
    ],
)
def test_goals_are_named_by_their_labels_in_the_programs_order(
    mentee_skills: list[str], mentor_skills: list[str], expected: str
) -> None:
    mentee = person("UA1", MENTEE, skills=mentee_skills)
    mentor = person("UB1", MENTOR, skills=mentor_skills)
    assert score_pair(mentee, mentor, skills=SKILLS, on=ON).reasons[0] == expected


@pytest.mark.parametrize(
    ("mentee", "mentor", "on", "expected", "points"),
    [
        pytest.param(
            ("Europe/Madrid", None),
            ("Europe/Madrid", None),
            ON,
            "both work 09:00–17:00 at the same time of day (Europe/Madrid)",
            25,
            id="same-zone",
        ),
        pytest.param(
            ("Europe/Madrid", None),
            ("Africa/Lagos", None),
            date(2025, 1, 15),
            "both work 09:00–17:00 at the same time of day (Europe/Madrid and Africa/Lagos)",
            25,
            id="same-offset-in-winter",
        ),
        pytest.param(
            ("Europe/Madrid", None),
            ("Africa/Lagos", None),
            date(2025, 7, 15),
            "both work 09:00–17:00, 1 hour apart (mentee in Europe/Madrid, mentor in "
            "Africa/Lagos), so 7 hours a day overlap",
            22,
            id="an-hour-apart-in-summer",
        ),
        pytest.param(
            ("Europe/London", None),
            ("America/New_York", None),
            ON,
            "both work 09:00–17:00, 4 hours apart (mentee in Europe/London, mentor in "
            "America/New_York), so 4 hours a day overlap",
            13,
            id="us-already-on-summer-time",
        ),
        pytest.param(
            ("Europe/London", None),
            ("America/New_York", None),
            date(2025, 4, 10),
            "both work 09:00–17:00, 5 hours apart (mentee in Europe/London, mentor in "
            "America/New_York), so 3 hours a day overlap",
            9,
            id="both-on-summer-time",
        ),
        pytest.param(
            ("Asia/Kolkata", None),
            ("Europe/London", None),
            ON,
            "both work 09:00–17:00, 5 hours 30 minutes apart (mentee in Asia/Kolkata, mentor "
            "in Europe/London), so 2 hours 30 minutes a day overlap",
            8,
            id="half-hour-zone",
        ),
        pytest.param(
            ("Asia/Kolkata", WorkingHours(time(12), time(20))),
            ("Europe/London", None),
            ON,
            "their working hours overlap 5 hours 30 minutes a day: the mentee works "
            "12:00–20:00 (Asia/Kolkata), the mentor 09:00–17:00 (Europe/London)",
            17,
            id="different-hours",
        ),
        pytest.param(
            ("Asia/Tokyo", None),
            ("America/Los_Angeles", WorkingHours(time(16), time(23, 30))),
            ON,
            "their working hours overlap 6 hours 30 minutes a day: the mentee works "
            "09:00–17:00 (Asia/Tokyo), the mentor 16:00–23:30 (America/Los_Angeles)",
            22,
            id="across-the-date-line",
        ),
        pytest.param(
            ("Europe/Berlin", WorkingHours(time(22), time(6))),
            ("Europe/Berlin", None),
            ON,
            "their working hours don't overlap: the mentee works 22:00–06:00 "
            "(Europe/Berlin), the mentor 09:00–17:00 (Europe/Berlin)",
            0,
            id="night-shift",
        ),
        pytest.param(
            ("Asia/Tokyo", None),
            ("America/New_York", None),
            ON,
            "their working hours don't overlap: the mentee works 09:00–17:00 (Asia/Tokyo), "
            "the mentor 09:00–17:00 (America/New_York)",
            0,
            id="opposite-sides",
        ),
    ],
)
def test_working_hours_are_compared_across_zones_on_the_reference_date(
    mentee: tuple[str, WorkingHours | None],
    mentor: tuple[str, WorkingHours | None],
    on: date,
    expected: str,
    points: int,
) -> None:
    def enrolled(person_id: str, role: Role, side: tuple[str, WorkingHours | None]) -> Enrolment:
        zone, hours = side
        return person(person_id, role, zone=zone, hours=hours or matching.STANDARD_WORKING_DAY)

    base = score_pair(
        enrolled("UA1", MENTEE, ("UTC", None)),
        enrolled("UB1", MENTOR, ("UTC", None)),
        skills=SKILLS,
        on=on,
    )
    fit = score_pair(
        enrolled("UA1", MENTEE, mentee), enrolled("UB1", MENTOR, mentor), skills=SKILLS, on=on
    )
    assert fit.reasons[1] == expected
    assert fit.score - (base.score - matching.HOURS_WEIGHT) == points


def test_languages_count_when_shared_and_say_so_when_only_one_side_named_them() -> None:
    speaks = person("UA1", MENTEE, languages=["Spanish", "  catalan "])
    silent = person("UB1", MENTOR)
    one_side = score_pair(speaks, silent, skills=SKILLS, on=ON)
    assert "only the mentee named a language (catalan and Spanish)" in one_side.reasons
    both = score_pair(speaks, person("UB1", MENTOR, languages=["CATALAN"]), skills=SKILLS, on=ON)
    assert "both speak catalan" in both.reasons
    assert both.score == one_side.score + matching.LANGUAGE_WEIGHT
    clash = score_pair(speaks, person("UB1", MENTOR, languages=["German"]), skills=SKILLS, on=ON)
    assert clash.languages_clash and not one_side.languages_clash


def test_free_text_adds_a_point_a_shared_word_and_leaves_out_ids_and_common_words() -> None:
    mentee = person(
        "UA1", MENTEE, text="I'd like help with Roadmaps, budgets and UABCDEFGHI about U0123ABCD"
    )
    mentor = person("UB1", MENTOR, text="roadmaps! budgets; uabcdefghi about abcd want")
    fit = score_pair(mentee, mentor, skills=SKILLS, on=ON)
    silent = score_pair(mentee, person("UB1", MENTOR), skills=SKILLS, on=ON)
    assert "both mention “budgets” and “roadmaps”" in fit.reasons
    assert fit.score == silent.score + 2


def test_people_enrolled_as_either_say_so_and_score_below_those_who_asked_for_the_role() -> None:
    goals = ["python"]
    mentee = person("UA1", MENTEE, skills=goals)
    dedicated = score_pair(mentee, person("UB1", MENTOR, skills=goals), skills=SKILLS, on=ON)
    flexible = score_pair(mentee, person("UB1", EITHER, skills=goals), skills=SKILLS, on=ON)
    assert dedicated.score == flexible.score + matching.ROLE_WEIGHT
    assert "the mentor enrolled as either a mentor or a mentee" in flexible.reasons
    assert not any("either" in reason for reason in dedicated.reasons)


# -- the hard rules ------------------------------------------------------------------------------


def test_a_person_is_never_paired_with_themselves() -> None:
    alone = person("UALONE01", EITHER, skills=["python"])
    result = run([alone])
    assert result.pairs == ()
    assert result.acceptable_pairs == 0
    assert unmatched_of(result) == {
        "UALONE01": (
            "as a mentee, nobody enrolled as a mentor; as a mentor, nobody enrolled as a mentee",
            (Why.NOBODY, Why.NOBODY),
        )
    }


@pytest.mark.parametrize("pair", [("UMENTOR01", "UMENTEE01"), ("UMENTEE01", "UMENTOR01")])
def test_a_pair_that_ended_in_the_program_is_never_proposed_again(pair: tuple[str, str]) -> None:
    people = [
        person("UMENTOR01", MENTOR, skills=["python"]),
        person("UMENTEE01", MENTEE, skills=["python"]),
    ]
    assert pairs_of(run(people)) == {("UMENTOR01", "UMENTEE01")}
    result = run(people, ended_pairs=[pair])
    assert result.pairs == ()
    assert unmatched_of(result)["UMENTEE01"] == (
        "already paired in this program with every mentor who enrolled (1)",
        (Why.ALREADY_PAIRED,),
    )
    assert unmatched_of(result)["UMENTOR01"] == (
        "already paired in this program with every mentee who enrolled (1)",
        (Why.ALREADY_PAIRED,),
    )


def test_an_excluded_pair_is_never_proposed_either_way_round() -> None:
    first = person("UFIRST001", EITHER, skills=["python"])
    second = person("USECOND01", EITHER, skills=["python"])
    assert len(run([first, second]).pairs) == 1
    result = run([first, second], excluded_pairs=[("USECOND01", "UFIRST001")])
    assert result.pairs == ()
    reason = (
        "as a mentee, excluded from a pair with every mentor who enrolled (1); "
        "as a mentor, excluded from a pair with every mentee who enrolled (1)"
    )
    assert unmatched_of(result)["UFIRST001"] == (reason, (Why.EXCLUDED, Why.EXCLUDED))


def test_a_mentor_never_gets_more_mentees_than_their_capacity() -> None:
    mentor = person("UMENTOR01", MENTOR, skills=["python", "hiring"], capacity=2)
    mentees = [
        person("UMENTEE01", MENTEE, skills=["python"]),
        person("UMENTEE02", MENTEE, skills=["python", "hiring"]),
        person("UMENTEE03", MENTEE, skills=["python", "leading"]),
    ]
    result = run([mentor, *mentees])
    assert pairs_of(result) == {("UMENTOR01", "UMENTEE01"), ("UMENTOR01", "UMENTEE02")}
    assert unmatched_of(result) == {
        "UMENTEE03": (
            "no mentor with a place left: of the mentors who'd fit them, full (1)",
            (Why.NO_PLACE_LEFT,),
        )
    }


def test_people_who_both_named_languages_and_share_none_are_never_paired() -> None:
    mentee = person("UMENTEE01", MENTEE, skills=["python"], languages=["Spanish", "Catalan"])
    mentor = person("UMENTOR01", MENTOR, skills=["python"], languages=["German"])
    result = run([mentee, mentor])
    assert result.pairs == ()
    assert unmatched_of(result)["UMENTEE01"] == (
        "no mentor speaks Catalan or Spanish",
        (Why.NO_SHARED_LANGUAGE,),
    )
    assert unmatched_of(result)["UMENTOR01"] == (
        "no mentee speaks German",
        (Why.NO_SHARED_LANGUAGE,),
    )
    unnamed = person("UMENTOR01", MENTOR, skills=["python"])
    assert pairs_of(run([mentee, unnamed])) == {("UMENTOR01", "UMENTEE01")}


def test_a_pair_below_the_minimum_score_is_not_proposed() -> None:
    mentee = person("UMENTEE01", MENTEE, zone="Asia/Tokyo", skills=["hiring", "leading"])
    mentor = person("UMENTOR01", MENTOR, zone="America/Chicago", skills=["hiring", "python"])
    fit = score_pair(mentee, mentor, skills=SKILLS, on=ON)
    assert fit.score == 25 + 0 + 10  # half the goals, no hours together, both roles
    result = run([mentee, mentor])
    assert result.pairs == ()
    assert unmatched_of(result)["UMENTEE01"] == (
        "no mentor fits well enough: the closest would score 35, below the minimum of 40",
        (Why.NO_GOOD_FIT,),
    )
    assert unmatched_of(result)["UMENTOR01"][1] == (Why.NO_GOOD_FIT,)
    lower = run([mentee, mentor], minimum_score=35)
    assert [(p.mentor_id, p.mentee_id, p.score) for p in lower.pairs] == [
        ("UMENTOR01", "UMENTEE01", 35)
    ]


def test_someone_enrolled_as_either_is_on_one_side_only() -> None:
    # As a mentee of the mentor and as a mentor of the mentee, the "either" person would add
    # up to the most; one side only, they go where they score best.
    mentor = person("UMENTOR01", MENTOR, skills=["python", "speaking"])
    flexible = person("UEITHER01", EITHER, skills=["python", "speaking"], text="podcasts")
    mentee = person("UMENTEE01", MENTEE, skills=["speaking"], text="podcasts")
    people = [mentor, flexible, mentee]
    excluded = [("UMENTOR01", "UMENTEE01")]
    as_mentee = score_pair(flexible, mentor, skills=SKILLS, on=ON).score
    as_mentor = score_pair(mentee, flexible, skills=SKILLS, on=ON).score
    assert as_mentor == as_mentee + 1
    result = run(people, excluded_pairs=excluded)
    assert result.method is Method.INTEGER_PROGRAM
    assert result.optimal
    assert pairs_of(result) == {("UEITHER01", "UMENTEE01")}
    assert result.total_score == as_mentor
    assert unmatched_of(result) == {
        "UMENTOR01": (
            "the mentees who'd fit them are matched elsewhere: placed as mentors instead (1)",
            (Why.MENTEES_TAKEN,),
        )
    }


def test_a_mentor_placed_as_a_mentee_has_no_place_for_others() -> None:
    mentor = person("UMENTOR01", MENTOR, skills=["python"], text="podcasts")
    flexible = person("UEITHER01", EITHER, skills=["python", "speaking"], text="podcasts")
    mentee = person("UMENTEE01", MENTEE, skills=["speaking", "hiring"])
    result = run([mentor, flexible, mentee], excluded_pairs=[("UMENTOR01", "UMENTEE01")])
    assert pairs_of(result) == {("UMENTOR01", "UEITHER01")}
    assert unmatched_of(result) == {
        "UMENTEE01": (
            "no mentor with a place left: of the mentors who'd fit them, placed as mentees "
            "instead (1)",
            (Why.NO_PLACE_LEFT,),
        )
    }


# -- why people are left unmatched -------------------------------------------------------------


def test_nobody_on_the_other_side() -> None:
    mentees = run([person("UMENTEE01", MENTEE), person("UMENTEE02", MENTEE)])
    assert {u.reason for u in mentees.unmatched} == {"nobody enrolled as a mentor"}
    mentors = run([person("UMENTOR01", MENTOR)])
    assert unmatched_of(mentors) == {"UMENTOR01": ("nobody enrolled as a mentee", (Why.NOBODY,))}
    assert run([]) == Matching((), (), 0, 0, 0, True, Method.ASSIGNMENT, 0)


def test_every_partner_ruled_out_for_different_reasons_says_how_many_each() -> None:
    mentee = person("UMENTEE01", MENTEE, skills=["python"], languages=["Spanish"])
    mentors = [
        person("UMENTOR01", MENTOR, skills=["python"]),
        person("UMENTOR02", MENTOR, skills=["python"]),
        person("UMENTOR03", MENTOR, skills=["python"], languages=["German"]),
    ]
    result = run(
        [mentee, *mentors],
        ended_pairs=[("UMENTEE01", "UMENTOR01")],
        excluded_pairs=[("UMENTEE01", "UMENTOR02"), ("UMENTEE01", "UMENTOR01")],
    )
    assert unmatched_of(result)["UMENTEE01"] == (
        "every mentor is ruled out: already paired with them in this program (1), excluded "
        "for them (1), no language in common (1)",
        (Why.RULED_OUT,),
    )


def test_a_fitting_mentee_with_another_mentor_leaves_a_mentor_unmatched() -> None:
    mentee = person("UMENTEE01", MENTEE, skills=["python", "hiring"])
    better = person("UMENTOR01", MENTOR, skills=["python", "hiring"])
    good = person("UMENTOR02", MENTOR, skills=["python"])
    result = run([mentee, better, good])
    assert pairs_of(result) == {("UMENTOR01", "UMENTEE01")}
    assert unmatched_of(result) == {
        "UMENTOR02": (
            "the mentees who'd fit them are matched elsewhere: with other mentors (1)",
            (Why.MENTEES_TAKEN,),
        )
    }


def test_someone_enrolled_as_either_hears_about_both_sides() -> None:
    flexible = person("UEITHER01", EITHER, zone="Asia/Tokyo", skills=["leading"])
    mentor = person("UMENTOR01", MENTOR, skills=["python"], languages=["French"])
    result = run([flexible, mentor])
    assert unmatched_of(result)["UEITHER01"] == (
        "as a mentee, no mentor fits well enough: the closest would score 5, below the minimum "
        "of 40; as a mentor, nobody enrolled as a mentee",
        (Why.NO_GOOD_FIT, Why.NOBODY),
    )


def test_when_there_are_more_mentees_than_places_the_total_decides() -> None:
    # Greedy would give the mentor to the first mentee's 100; the best total is 2 pairs.
    strong = person("UMENTOR01", MENTOR, skills=["python", "hiring"])
    weak = person("UMENTOR02", MENTOR, skills=["python"])
    both = person("UMENTEE01", MENTEE, skills=["python", "hiring"])
    hiring = person("UMENTEE02", MENTEE, skills=["hiring"])
    result = run([strong, weak, both, hiring])
    assert pairs_of(result) == {("UMENTOR02", "UMENTEE01"), ("UMENTOR01", "UMENTEE02")}
    assert result.total_score == 60 + 85


# -- determinism and bad input -------------------------------------------------------------------


def test_the_same_people_in_any_order_get_the_same_answer() -> None:
    people = [
        person(f"UPERSON{i:02d}", role, skills=["python"], capacity=2)
        for i, role in enumerate([MENTOR, MENTEE, MENTEE, MENTEE, EITHER, MENTOR, EITHER])
    ]
    first = run(people)
    assert run(list(reversed(people))) == first
    assert run(people[3:] + people[:3]) == first
    assert [p.score for p in first.pairs] == sorted((p.score for p in first.pairs), reverse=True)


@pytest.mark.parametrize(
    "make",
    [
        lambda: person("UA1", MENTOR, capacity=0),
        lambda: person("UA1", MENTOR, capacity=True),  # type: ignore[arg-type]
        lambda: person("UA1", MENTEE, zone="Mars/Olympus_Mons"),
        lambda: person("UA1", MENTEE, zone="../etc/passwd"),
        lambda: person("", MENTEE),
        lambda: person("UA1", "boss"),  # type: ignore[arg-type]
        lambda: WorkingHours(time(9), time(9)),
        lambda: run([person("UA1", MENTEE), person("UA1", MENTOR)]),
        lambda: run([person("UA1", MENTEE, skills=["juggling"])]),
        lambda: run([person("UA1", MENTEE)], minimum_score=0),
        lambda: match([], skills=[Skill("a", "A"), Skill("a", "B")], on=ON),
    ],
)
def test_bad_input_is_refused(make: object) -> None:
    with pytest.raises(ValueError):
        make()  # type: ignore[operator]


# -- the candidate graph of a large program ---------------------------------------------------


def test_a_large_program_keeps_each_persons_best_and_leaves_no_fitting_place_free() -> None:
    mentors = [person(f"UMENTOR{i:02d}", MENTOR, skills=["python"], capacity=2) for i in range(3)]
    mentees = [person(f"UMENTEE{i:02d}", MENTEE, skills=["python"]) for i in range(6)]
    result = run([*mentors, *mentees], max_candidate_pairs=1, candidates_per_person=1)
    assert result.acceptable_pairs == 18
    assert result.candidate_pairs < result.acceptable_pairs
    assert len(result.pairs) == 6 and result.unmatched == ()


# -- optimality against brute force -------------------------------------------------------------

ZONES = ["Europe/London", "Europe/Madrid", "America/New_York", "Asia/Kolkata", "Australia/Sydney"]
HOURS = [
    matching.STANDARD_WORKING_DAY,
    WorkingHours(time(7), time(15)),
    WorkingHours(time(22), time(6)),
    WorkingHours(time(10, 30), time(19)),
]
WORDS = ["kubernetes", "Kubernetes", "hiring", "roadmaps", "about", "podcasts", "UQWERTYUIOP"]
LANGUAGES = ["English", "spanish", "Spanish", "German"]
DATES = [date(2025, 3, 20), date(2025, 3, 30), date(2025, 7, 1), date(2025, 10, 26)]


@st.composite
def programs(
    draw: st.DrawFn, *, least_either: int = 0
) -> tuple[list[Enrolment], list[tuple[str, str]], list[tuple[str, str]], int, date]:
    """Up to five people who can be mentees and four who can mentor ("either" counts twice)."""
    either = draw(st.integers(least_either, 2))
    roles = [EITHER] * either
    roles += [MENTEE] * draw(st.integers(0, 5 - either))
    roles += [MENTOR] * draw(st.integers(0, 4 - either))
    people = []
    for i, role in enumerate(roles):
        people.append(
            Enrolment(
                person_id=f"U{i}{draw(st.sampled_from(['7QX', 'K2Z', '9AB']))}{i}",
                role=role,
                time_zone=draw(st.sampled_from(ZONES)),
                skills=frozenset(
                    draw(st.sets(st.sampled_from([s.key for s in SKILLS]), max_size=4))
                ),
                free_text=" ".join(draw(st.lists(st.sampled_from(WORDS), max_size=3))),
                languages=frozenset(draw(st.sets(st.sampled_from(LANGUAGES), max_size=2))),
                capacity=draw(st.integers(1, 2)),
                working_hours=draw(st.sampled_from(HOURS)),
            )
        )
    everyone = [p.person_id for p in people]
    pairs = list(combinations(everyone, 2))
    ended = draw(st.lists(st.sampled_from(pairs), max_size=2)) if pairs else []
    excluded = draw(st.lists(st.sampled_from(pairs), max_size=2)) if pairs else []
    minimum = draw(st.sampled_from([1, 25, 40, 55]))
    return people, ended, excluded, minimum, draw(st.sampled_from(DATES))


def allowed_pairs(
    people: list[Enrolment],
    ended: list[tuple[str, str]],
    excluded: list[tuple[str, str]],
    minimum: int,
    on: date,
) -> dict[tuple[str, str], int]:
    """(mentor, mentee) -> score for every pair the rules allow, worked out pair by pair."""
    never = {frozenset(pair) for pair in [*ended, *excluded]}
    found = {}
    for mentee in people:
        for mentor in people:
            if mentee is mentor or mentee.role is MENTOR or mentor.role is MENTEE:
                continue
            if frozenset((mentee.person_id, mentor.person_id)) in never:
                continue
            fit = score_pair(mentee, mentor, skills=SKILLS, on=on)
            if not fit.languages_clash and fit.score >= minimum:
                found[(mentor.person_id, mentee.person_id)] = fit.score
    return found


def brute_force_best(people: list[Enrolment], allowed: dict[tuple[str, str], int]) -> int:
    """The highest total over every assignment that keeps the rules, by trying them all."""
    by_id = {p.person_id: p for p in people}
    mentee_side = [p.person_id for p in people if p.role is not MENTOR]
    load: Counter[str] = Counter()
    has_mentor: set[str] = set()
    best = 0

    def place(i: int, total: int) -> None:
        nonlocal best
        if i == len(mentee_side):
            best = max(best, total)
            return
        place(i + 1, total)  # no mentor for this one
        mentee = mentee_side[i]
        if load[mentee]:
            return  # already a mentor: one side only
        for (mentor, wanted), score in allowed.items():
            if wanted != mentee or mentor in has_mentor or load[mentor] >= by_id[mentor].capacity:
                continue
            load[mentor] += 1
            has_mentor.add(mentee)
            place(i + 1, total + score)
            load[mentor] -= 1
            has_mentor.discard(mentee)

    place(0, 0)
    return best


def check_rules(
    result: Matching,
    people: list[Enrolment],
    allowed: dict[tuple[str, str], int],
) -> None:
    """Every hard rule, every reason free of ids, everyone accounted for."""
    by_id = {p.person_id: p for p in people}
    mentors = Counter(p.mentor_id for p in result.pairs)
    mentees = Counter(p.mentee_id for p in result.pairs)
    assert all(n == 1 for n in mentees.values())
    assert not set(mentors) & set(mentees), "someone is on both sides"
    for mentor, count in mentors.items():
        assert count <= by_id[mentor].capacity
    for pair in result.pairs:
        assert allowed.get((pair.mentor_id, pair.mentee_id)) == pair.score, "a rule is broken"
        assert by_id[pair.mentor_id].role is not MENTEE and by_id[pair.mentee_id].role is not MENTOR
    assert result.total_score == sum(p.score for p in result.pairs)
    placed = set(mentors) | set(mentees)
    assert {u.person_id for u in result.unmatched} == set(by_id) - placed
    texts = [r for p in result.pairs for r in p.reasons] + [u.reason for u in result.unmatched]
    for text in texts:
        assert text and not any(person_id in text for person_id in by_id), text
    # Nobody is left unmatched while a mentor who'd fit them has a place free.
    for mentor, mentee in allowed:
        if mentee not in placed and mentor not in mentees:
            assert mentors[mentor] >= by_id[mentor].capacity, (mentor, mentee)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(), st.randoms(use_true_random=False), st.booleans())
def test_the_total_is_the_best_there_is_and_no_rule_is_ever_broken(
    program: tuple[list[Enrolment], list[tuple[str, str]], list[tuple[str, str]], int, date],
    random: object,
    small_steps: bool,
) -> None:
    people, ended, excluded, minimum, on = program
    allowed = allowed_pairs(people, ended, excluded, minimum, on)
    with pytest.MonkeyPatch.context() as patch:
        if small_steps:
            # Score two mentees at a time and start the integer program from a single pair,
            # so block edges and every round of its reduced-cost search are exercised.
            patch.setattr(matching, "ROWS_PER_BLOCK", 2)
            patch.setattr(matching, "_INITIAL_REDUCED_PAIRS", 1)
        result = match(
            people,
            skills=SKILLS,
            on=on,
            ended_pairs=ended,
            excluded_pairs=excluded,
            minimum_score=minimum,
        )
        shuffled = list(people)
        random.shuffle(shuffled)  # type: ignore[attr-defined]
        again = match(
            shuffled,
            skills=SKILLS,
            on=on,
            ended_pairs=ended,
            excluded_pairs=excluded,
            minimum_score=minimum,
        )
    assert result.optimal
    assert result.acceptable_pairs == len(allowed)
    assert result.total_score == result.upper_bound == brute_force_best(people, allowed)
    check_rules(result, people, allowed)
    assert again == result


@settings(max_examples=100, deadline=None)
@given(programs(), st.integers(1, 3), st.integers(1, 6))
def test_a_pruned_candidate_graph_still_keeps_every_rule(
    program: tuple[list[Enrolment], list[tuple[str, str]], list[tuple[str, str]], int, date],
    per_person: int,
    limit: int,
) -> None:
    people, ended, excluded, minimum, on = program
    allowed = allowed_pairs(people, ended, excluded, minimum, on)
    result = match(
        people,
        skills=SKILLS,
        on=on,
        ended_pairs=ended,
        excluded_pairs=excluded,
        minimum_score=minimum,
        max_candidate_pairs=limit,
        candidates_per_person=per_person,
    )
    check_rules(result, people, allowed)
    assert result.total_score <= brute_force_best(people, allowed)
    assert result.total_score <= result.upper_bound
    assert result.candidate_pairs <= result.acceptable_pairs == len(allowed)


@settings(max_examples=300, deadline=None)
@given(programs(least_either=1))
def test_an_integer_program_out_of_time_keeps_the_rules_and_a_true_bound(
    program: tuple[list[Enrolment], list[tuple[str, str]], list[tuple[str, str]], int, date],
) -> None:
    people, ended, excluded, minimum, on = program
    allowed = allowed_pairs(people, ended, excluded, minimum, on)
    with pytest.MonkeyPatch.context() as patch:
        # No time at all: the integer program stops after its first round.
        patch.setattr(matching, "INTEGER_PROGRAM_SECONDS", 0.0)
        patch.setattr(matching, "_INITIAL_REDUCED_PAIRS", 1)
        patch.setattr(matching, "_FIRST_MARGIN", 0.0)
        result = match(
            people,
            skills=SKILLS,
            on=on,
            ended_pairs=ended,
            excluded_pairs=excluded,
            minimum_score=minimum,
        )
    check_rules(result, people, allowed)
    best = brute_force_best(people, allowed)
    assert result.total_score <= best <= result.upper_bound
    if result.optimal or result.method is Method.ASSIGNMENT:
        assert result.optimal and result.total_score == best
