"""Tests for loading and validating curriculum files."""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import pickle
import re
from pathlib import Path
from typing import Any

import pytest

from bot.curriculum import (
    AGENDA_SOURCES,
    DEFAULT_CURRICULUM_PATH,
    QUESTION_ROLES,
    QUESTION_SETS,
    Curriculum,
    CurriculumError,
    load_curriculum,
)

DELETE = object()

QUESTION_KEYS = "key, label, hint, placeholder, kind, multiline, max_length, role, options"
SOURCES = ", ".join(sorted(AGENDA_SOURCES))


# -- helpers -------------------------------------------------------------------------------


def _toml(value: Any) -> str:
    # Inline tables and arrays on one line are valid TOML for any nesting, which keeps this
    # writer tiny; the German curriculum below shows the format people actually write.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in value.items()) + " }"
    raise TypeError(value)


def write_curriculum(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "my.toml"
    path.write_text("".join(f"{json.dumps(k)} = {_toml(v)}\n" for k, v in data.items()))
    return path


def edit(data: dict[str, Any], path: str, value: Any) -> None:
    """Set (or with DELETE remove) the value at a key path such as `a.b[2].c`."""
    steps: list[str | int] = []
    for part in path.split("."):
        name, *indexes = re.findall(r"[^\[\]]+", part)
        steps += [name, *(int(index) for index in indexes)]
    target: Any = data
    for step in steps[:-1]:
        target = target[step]
    if value is DELETE:
        del target[steps[-1]]
    else:
        target[steps[-1]] = value


def question(key: str, role: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"key": key, "label": f"{key}?"} | ({"role": role} if role else {}) | extra


def section(key: str, minutes: int, sources: list[str]) -> dict[str, Any]:
    return {"key": key, "title": key, "minutes": minutes, "guidance": "Do it.", "sources": sources}


CHECKIN_ROLES = ["win", "setback", "next", "challenge", "topic"]


def minimal_curriculum() -> dict[str, Any]:
    """The smallest curriculum that loads; each test case breaks one thing in it."""
    still_works = question(
        "still_works",
        "still_works",
        kind="choice",
        options=[
            {"value": "yes", "label": "Yes"},
            {"value": "no", "label": "No", "reopens_agreement": True},
        ],
    )
    return {
        "meta": {"name": "Test", "language": "en"},
        "questions": {
            "first_meeting": {
                "title": "First",
                "questions": [question("hopes"), question("success", "success")],
            },
            "preparation": {
                "title": "Prep",
                "questions": [question("address", "focus"), question("achieve", "focus")],
            },
            "checkin": {
                "title": "Check-in",
                "questions": [question(role, role) for role in CHECKIN_ROLES],
            },
            "diary": {
                "title": "Diary",
                "questions": [
                    question("lesson"),
                    question("apply"),
                    question("open", "open_questions"),
                ],
            },
            "feedback": {"title": "Feedback", "questions": [question("intended")]},
            "expectations": {
                "title": "Expectations",
                "questions": [still_works, question("change", "change")],
            },
            "closing": {"title": "Closing", "questions": [question("takeaway")]},
        },
        "agendas": {
            "regular_session": {
                "base_minutes": 60,
                "sections": [section("opening", 10, ["checkin"]), section("main", 50, ["topics"])],
            },
            "first_session": {
                "base_minutes": 30,
                "sections": [section("intro", 30, ["first_meeting"])],
            },
        },
    }


def problems_of(tmp_path: Path, data: dict[str, Any]) -> tuple[str, ...]:
    path = write_curriculum(tmp_path, data)
    with pytest.raises(CurriculumError) as raised:
        load_curriculum(path)
    prefix = f"{path}: "
    assert all(problem.startswith(prefix) for problem in raised.value.problems)
    return tuple(problem.removeprefix(prefix) for problem in raised.value.problems)


# -- the shipped default -------------------------------------------------------------------


@pytest.fixture(scope="module")
def default() -> Curriculum:
    return load_curriculum()


def test_default_curriculum_has_every_question_set(default: Curriculum) -> None:
    assert default.source == DEFAULT_CURRICULUM_PATH
    assert default.language == "en"
    assert tuple(default.question_sets) == QUESTION_SETS
    for question_set in default.question_sets.values():
        assert 1 <= len(question_set.questions) <= 10
        for asked in question_set.questions:
            assert len(asked.label) <= 150, asked.key


@pytest.mark.parametrize(
    ("set_key", "role", "keys"),
    [
        ("first_meeting", "success", ("success",)),
        ("preparation", "focus", ("address", "achieve")),
        ("checkin", "win", ("went_well",)),
        ("checkin", "setback", ("not_well",)),
        ("checkin", "next", ("next",)),
        ("checkin", "challenge", ("challenges",)),
        ("checkin", "topic", ("topics",)),
        ("diary", "open_questions", ("open_questions",)),
        ("expectations", "still_works", ("still_works",)),
        ("expectations", "change", ("change",)),
    ],
)
def test_default_curriculum_has_every_role(
    default: Curriculum, set_key: str, role: str, keys: tuple[str, ...]
) -> None:
    assert tuple(q.key for q in default.questions(set_key).by_role(role)) == keys


def test_default_question_counts_and_kinds(default: Curriculum) -> None:
    counts = {key: len(default.questions(key).questions) for key in QUESTION_SETS}
    assert counts == {
        "first_meeting": 4,
        "preparation": 5,
        "checkin": 5,
        "diary": 5,
        "feedback": 3,
        "expectations": 2,
        "closing": 3,
    }
    diary_entry = default.questions("diary").question("lesson")
    assert (diary_entry.kind, diary_entry.multiline, diary_entry.max_length) == ("text", True, 1000)
    assert default.questions("first_meeting").question("success").hint


def test_default_expectations_choice_reopens_on_exactly_one_option(default: Curriculum) -> None:
    still_works = default.questions("expectations").question("still_works")
    assert still_works.kind == "choice"
    assert not still_works.multiline
    assert [(c.label, c.reopens_agreement) for c in still_works.options] == [
        ("Yes, keep it as it is", False),
        ("Mostly, with small changes", False),
        ("No, let's change something", True),
    ]


def _outline(curriculum: Curriculum, key: str) -> list[tuple[str, int, tuple[str, ...]]]:
    return [(s.key, s.minutes, s.sources) for s in curriculum.agendas[key].sections]


def test_default_regular_session_agenda(default: Curriculum) -> None:
    assert default.agendas["regular_session"].base_minutes == 90
    assert _outline(default, "regular_session") == [
        ("opening", 10, ("checkin",)),
        ("review", 10, ("actions_open", "actions_done", "actions_overdue")),
        ("main_topics", 30, ("topics", "preparation", "diary_open_questions")),
        ("goals", 20, ("goals", "expectations")),
        ("feedback", 10, ()),
        ("wrap_up", 10, ()),
    ]
    assert all(s.guidance and s.title for s in default.agendas["regular_session"].sections)


def test_default_first_session_agenda(default: Curriculum) -> None:
    assert default.agendas["first_session"].base_minutes == 90
    assert _outline(default, "first_session") == [
        ("introductions", 15, ("first_meeting",)),
        ("goals_and_hopes", 20, ("first_meeting", "goals")),
        ("logistics", 10, ("agreement",)),
        ("session_guide", 45, ("topics",)),
    ]


def test_default_agenda_for_session_numbers(default: Curriculum) -> None:
    assert default.agenda_for(1).key == "first_session"
    assert default.agenda_for(2).key == "regular_session"
    assert default.agenda_for(17).key == "regular_session"
    with pytest.raises(ValueError, match="start at 1"):
        default.agenda_for(0)


def test_lookups_raise_key_error(default: Curriculum) -> None:
    with pytest.raises(KeyError, match="no question set 'dairy'"):
        default.questions("dairy")
    with pytest.raises(KeyError, match="has no question 'nope'"):
        default.questions("diary").question("nope")
    assert default.questions("feedback").by_role("success") == ()


def test_curriculum_is_read_only(default: Curriculum) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        default.name = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        default.question_sets["diary"] = default.questions("closing")  # type: ignore[index]


def test_question_roles_match_the_sets() -> None:
    assert set(QUESTION_ROLES) == set(QUESTION_SETS)
    assert QUESTION_ROLES["checkin"] == frozenset(CHECKIN_ROLES)
    assert QUESTION_ROLES["closing"] == frozenset()


# -- an alternative curriculum -------------------------------------------------------------

GERMAN = """\
[meta]
name = "Mentoring-Programm"
language = "de"

[questions.first_meeting]
title = "Vor dem ersten Treffen"
[[questions.first_meeting.questions]]
key = "erfolg"
label = "Was würde diese Partnerschaft für dich absolut lohnenswert machen?"
role = "success"
max_length = 500
multiline = false

[questions.preparation]
title = "Vorbereitung"
[[questions.preparation.questions]]
key = "schwerpunkt"
label = "Was willst du in dieser Sitzung ansprechen?"
role = "focus"

[questions.checkin]
title = "Dein Check-in"
intro = \"\"\"
Kurz und ehrlich: Deine Antworten eröffnen die Agenda.
\"\"\"
[[questions.checkin.questions]]
key = "gut"
label = "Was lief gut?"
role = "win"
[[questions.checkin.questions]]
key = "schlecht"
label = "Was lief nicht gut?"
role = "setback"
[[questions.checkin.questions]]
key = "naechstes"
label = "Was möchtest du als Nächstes erreichen?"
role = "next"
[[questions.checkin.questions]]
key = "herausforderungen"
label = "Welche Herausforderungen erwartest du?"
placeholder = "Auch anstehende Fristen"
role = "challenge"
[[questions.checkin.questions]]
key = "themen"
label = "Welche Themen willst du ansprechen?"
role = "topic"

[questions.diary]
title = "Lerntagebuch"
[[questions.diary.questions]]
key = "offene_fragen"
label = "Welche Fragen sind für mich offen geblieben?"
role = "open_questions"

[questions.feedback]
title = "Feedback"
[[questions.feedback.questions]]
key = "anders"
label = "Was machen wir nächstes Mal anders?"

[questions.expectations]
title = "Passt es noch?"
[[questions.expectations.questions]]
key = "passt"
label = "Funktioniert unsere Struktur noch?"
kind = "choice"
role = "still_works"
options = [
    { value = "ja", label = "Ja, so lassen" },
    { value = "nein", label = "Nein, ändern wir etwas", reopens_agreement = true },
]

[questions.closing]
title = "Abschluss"
[[questions.closing.questions]]
key = "mitnehmen"
label = "Was nimmst du mit?"

[agendas.regular_session]
base_minutes = 60
[[agendas.regular_session.sections]]
key = "einstieg"
title = "Einstieg"
minutes = 15
guidance = "Wie geht es euch?"
sources = ["checkin"]
[[agendas.regular_session.sections]]
key = "hauptteil"
title = "Hauptteil"
minutes = 45
guidance = "Noch keine Themen: wählt das wichtigste Anliegen."
sources = ["topics", "preparation", "diary_open_questions"]

[agendas.first_session]
base_minutes = 45
[[agendas.first_session.sections]]
key = "kennenlernen"
title = "Kennenlernen"
minutes = 45
guidance = "Erzählt einander, woher ihr kommt."
sources = ["first_meeting", "agreement"]

[agendas.session_2]
base_minutes = 30
[[agendas.session_2.sections]]
key = "ziele"
title = "Ziele festlegen"
minutes = 30
guidance = "Legt zwei bis drei Ziele fest."
sources = ["goals"]
"""


def test_alternative_curriculum_loads(tmp_path: Path) -> None:
    path = tmp_path / "de.toml"
    path.write_text(GERMAN, encoding="utf-8")

    curriculum = load_curriculum(str(path))

    assert (curriculum.name, curriculum.language, curriculum.source) == (
        "Mentoring-Programm",
        "de",
        path,
    )
    success = curriculum.questions("first_meeting").by_role("success")[0]
    assert success.label.startswith("Was würde")
    assert (success.multiline, success.max_length) == (False, 500)
    # Surrounding newlines of a multi-line TOML string are not part of the text.
    assert curriculum.questions("checkin").intro == (
        "Kurz und ehrlich: Deine Antworten eröffnen die Agenda."
    )
    assert curriculum.questions("checkin").question("herausforderungen").placeholder
    passt = curriculum.questions("expectations").question("passt")
    assert [c.value for c in passt.options if c.reopens_agreement] == ["nein"]


def test_agenda_for_picks_a_session_specific_template(tmp_path: Path) -> None:
    path = tmp_path / "de.toml"
    path.write_text(GERMAN, encoding="utf-8")
    curriculum = load_curriculum(path)

    assert curriculum.agenda_for(1).key == "first_session"
    assert curriculum.agenda_for(2).key == "session_2"
    assert curriculum.agenda_for(2).sections[0].title == "Ziele festlegen"
    assert curriculum.agenda_for(3).key == "regular_session"


def test_minimal_curriculum_loads(tmp_path: Path) -> None:
    curriculum = load_curriculum(write_curriculum(tmp_path, minimal_curriculum()))
    assert curriculum.questions("closing").question("takeaway").label == "takeaway?"
    assert curriculum.agenda_for(5).base_minutes == 60


# -- problems with the file itself ---------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    with pytest.raises(CurriculumError) as raised:
        load_curriculum(path)
    assert raised.value.problems == (f"{path}: file not found",)


def test_directory_instead_of_file(tmp_path: Path) -> None:
    with pytest.raises(CurriculumError) as raised:
        load_curriculum(tmp_path)
    assert raised.value.problems == (f"{tmp_path}: is a directory, not a curriculum file",)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(tmp_path: Path) -> None:
    path = write_curriculum(tmp_path, minimal_curriculum())
    path.chmod(0)
    with pytest.raises(CurriculumError) as raised:
        load_curriculum(path)
    assert raised.value.problems == (f"{path}: cannot read the file: Permission denied",)


def test_invalid_toml_reports_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[meta]\nname = "Test"\nlanguage "en"\n')
    with pytest.raises(CurriculumError) as raised:
        load_curriculum(path)
    (problem,) = raised.value.problems
    assert problem.startswith(f"{path}: not valid TOML: ")
    assert "line 3" in problem


def test_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('[meta]\nname = "Prüfung"\n'.encode("latin-1"))
    with pytest.raises(CurriculumError) as raised:
        load_curriculum(path)
    assert raised.value.problems == (f"{path}: not UTF-8 text (invalid byte at offset 17)",)


def test_empty_file_reports_every_missing_part(tmp_path: Path) -> None:
    assert problems_of(tmp_path, {}) == (
        "meta: required key is missing",
        "questions: required key is missing",
        "agendas: required key is missing",
    )


# -- one problem class at a time -------------------------------------------------------------

FM = "questions.first_meeting"
CI = "questions.checkin"
DI = "questions.diary"
FB = "questions.feedback"
EX = "questions.expectations"
CL = "questions.closing"
RS = "agendas.regular_session"
STILL = f"{EX}.questions[0]"

PROBLEM_CASES: list[tuple[str, dict[str, Any], tuple[str, ...]]] = [
    # missing parts
    (
        "missing question set",
        {CL: DELETE},
        (f"{CL}: required question set is missing",),
    ),
    (
        "missing agenda template",
        {"agendas.first_session": DELETE},
        ("agendas.first_session: required agenda template is missing",),
    ),
    ("missing meta", {"meta": DELETE}, ("meta: required key is missing",)),
    (
        "missing label",
        {f"{FB}.questions[0].label": DELETE},
        (f"{FB}.questions[0].label: required key is missing",),
    ),
    (
        "missing guidance",
        {f"{RS}.sections[0].guidance": DELETE},
        (f"{RS}.sections[0].guidance: required key is missing",),
    ),
    # unknown keys
    (
        "label typo",
        {f"{FB}.questions[0].label": DELETE, f"{FB}.questions[0].lable": "Why?"},
        (
            f'{FB}.questions[0].lable: unknown key (did you mean "label"?);'
            f" allowed keys: {QUESTION_KEYS}",
            f"{FB}.questions[0].label: required key is missing",
        ),
    ),
    (
        "unknown key without a close match",
        {f"{FB}.questions[0].colour": "red"},
        (f"{FB}.questions[0].colour: unknown key; allowed keys: {QUESTION_KEYS}",),
    ),
    (
        "unknown question set",
        {"questions.dairy": {"title": "Diary", "questions": []}},
        (
            'questions.dairy: unknown key (did you mean "diary"?); allowed keys: '
            + ", ".join(QUESTION_SETS),
        ),
    ),
    (
        "unknown top-level table",
        {"agenda": {}},
        ('agenda: unknown key (did you mean "agendas"?); allowed keys: meta, questions, agendas',),
    ),
    (
        "unknown meta key",
        {"meta.lang": "en"},
        ('meta.lang: unknown key (did you mean "language"?); allowed keys: name, language',),
    ),
    (
        "unknown option key",
        {f"{STILL}.options[0].text": "Yes"},
        (f"{STILL}.options[0].text: unknown key; allowed keys: value, label, reopens_agreement",),
    ),
    (
        "unknown section key",
        {f"{RS}.sections[1].minute": 5},
        (
            f'{RS}.sections[1].minute: unknown key (did you mean "minutes"?);'
            " allowed keys: key, title, minutes, guidance, sources",
        ),
    ),
    (
        "unknown agenda template",
        {"agendas.regular": {"base_minutes": 10, "sections": []}},
        (
            'agendas.regular: unknown agenda template (did you mean "regular_session"?);'
            " allowed: regular_session, first_session, or session_<n> for session number n"
            " (from 1)",
        ),
    ),
    (
        "session zero template",
        {"agendas.session_0": {"base_minutes": 10, "sections": []}},
        ("agendas.session_0: session numbers start at 1 and have no leading zeros",),
    ),
    (
        "key that needs quoting",
        {"meta.full name": "x"},
        ('meta."full name": unknown key (did you mean "name"?); allowed keys: name, language',),
    ),
    # wrong types
    (
        "label is a number",
        {f"{FB}.questions[0].label": 7},
        (f"{FB}.questions[0].label: must be a string, got an integer",),
    ),
    (
        "multiline is a string",
        {f"{FB}.questions[0].multiline": "yes"},
        (f"{FB}.questions[0].multiline: must be true or false, got a string",),
    ),
    (
        "max_length is a string",
        {f"{FB}.questions[0].max_length": "500"},
        (f"{FB}.questions[0].max_length: must be a whole number from 1 to 3000, got a string",),
    ),
    (
        "max_length is a boolean",
        {f"{FB}.questions[0].max_length": True},
        (f"{FB}.questions[0].max_length: must be a whole number from 1 to 3000, got a boolean",),
    ),
    (
        "base_minutes is a float",
        {f"{RS}.base_minutes": 60.0},
        (f"{RS}.base_minutes: must be a whole number from 1 to 600, got a float",),
    ),
    (
        "question set is a string",
        {CL: "Closing"},
        (f"{CL}: must be a table, got a string",),
    ),
    (
        "questions is a table",
        {f"{CL}.questions": {"key": "x"}},
        (f"{CL}.questions: must be an array of tables, got a table",),
    ),
    (
        "question is a string",
        {f"{CL}.questions": ["What now?"]},
        (f"{CL}.questions[0]: must be a table, got a string",),
    ),
    (
        "sources is a string",
        {f"{RS}.sections[0].sources": "checkin"},
        (f"{RS}.sections[0].sources: must be an array of strings, got a string",),
    ),
    (
        "source is a number",
        {f"{RS}.sections[0].sources": [1]},
        (f"{RS}.sections[0].sources[0]: must be a string, got an integer",),
    ),
    (
        "kind is a number",
        {f"{FB}.questions[0].kind": 2},
        (f'{FB}.questions[0].kind: must be one of "text", "choice", got an integer',),
    ),
    # empty strings
    ("empty title", {f"{DI}.title": ""}, (f"{DI}.title: must not be empty",)),
    (
        "blank label",
        {f"{FB}.questions[0].label": "   "},
        (f"{FB}.questions[0].label: must not be empty",),
    ),
    ("empty name", {"meta.name": ""}, ("meta.name: must not be empty",)),
    (
        "empty option value",
        {f"{STILL}.options[0].value": ""},
        (f"{STILL}.options[0].value: must not be empty",),
    ),
    # length limits
    (
        "title longer than a modal title",
        {f"{DI}.title": "Learning diary for today!!"},
        (f"{DI}.title: must be at most 24 characters, got 26",),
    ),
    (
        "label too long",
        {f"{FB}.questions[0].label": "x" * 2001},
        (f"{FB}.questions[0].label: must be at most 2000 characters, got 2001",),
    ),
    (
        "hint too long",
        {f"{FB}.questions[0].hint": "x" * 2001},
        (f"{FB}.questions[0].hint: must be at most 2000 characters, got 2001",),
    ),
    (
        "placeholder too long",
        {f"{FB}.questions[0].placeholder": "x" * 151},
        (f"{FB}.questions[0].placeholder: must be at most 150 characters, got 151",),
    ),
    (
        "intro too long",
        {f"{DI}.intro": "x" * 3001},
        (f"{DI}.intro: must be at most 3000 characters, got 3001",),
    ),
    (
        "option label too long",
        {f"{STILL}.options[0].label": "x" * 76},
        (f"{STILL}.options[0].label: must be at most 75 characters, got 76",),
    ),
    (
        "option value too long",
        {f"{STILL}.options[0].value": "x" * 151},
        (f"{STILL}.options[0].value: must be at most 150 characters, got 151",),
    ),
    (
        "section title too long",
        {f"{RS}.sections[0].title": "x" * 151},
        (f"{RS}.sections[0].title: must be at most 150 characters, got 151",),
    ),
    (
        "max_length above Slack's limit",
        {f"{DI}.questions[2].max_length": 5000},
        (f"{DI}.questions[2].max_length: must be a whole number from 1 to 3000, got 5000",),
    ),
    (
        "max_length zero",
        {f"{DI}.questions[2].max_length": 0},
        (f"{DI}.questions[2].max_length: must be a whole number from 1 to 3000, got 0",),
    ),
    # identifiers
    (
        "question key not snake_case",
        {f"{FB}.questions[0].key": "Went Well"},
        (
            f"{FB}.questions[0].key: must be snake_case (lowercase letters, digits and"
            ' underscores, starting with a letter), got "Went Well"',
        ),
    ),
    (
        "language not a tag",
        {"meta.language": "English"},
        ('meta.language: must be a language tag such as "en" or "de-CH", got "English"',),
    ),
    # duplicates
    (
        "duplicate question key",
        {f"{DI}.questions[1].key": "lesson"},
        (f'{DI}.questions[1].key: duplicate key "lesson" (also used by questions[0])',),
    ),
    (
        "duplicate section key",
        {f"{RS}.sections[1].key": "opening"},
        (f'{RS}.sections[1].key: duplicate key "opening" (also used by sections[0])',),
    ),
    (
        "duplicate option value",
        {f"{STILL}.options[1].value": "yes"},
        (f'{STILL}.options[1].value: duplicate value "yes" (also used by options[0])',),
    ),
    (
        "duplicate source",
        {f"{RS}.sections[0].sources": ["checkin", "checkin"]},
        (f'{RS}.sections[0].sources[1]: "checkin" is listed twice',),
    ),
    # roles
    (
        "role in a set without roles",
        {f"{FB}.questions[0].role": "success"},
        (
            f'{FB}.questions[0].role: "success" is not a role of the feedback set;'
            " this set has no roles",
        ),
    ),
    (
        "role typo loses a required role",
        {f"{DI}.questions[2].role": "open_question"},
        (
            f'{DI}.questions[2].role: "open_question" is not a role of the diary set;'
            ' allowed roles: "open_questions"',
            f'{DI}: no question has the required role "open_questions"',
        ),
    ),
    (
        "first meeting without success",
        {f"{FM}.questions[1].role": DELETE},
        (f'{FM}: no question has the required role "success"',),
    ),
    (
        "check-in without topic",
        {f"{CI}.questions[4].role": DELETE},
        (f'{CI}: no question has the required role "topic"',),
    ),
    (
        "expectations without still_works",
        {f"{STILL}.role": DELETE},
        (
            f"{STILL}.options[1].reopens_agreement: only the options of the"
            ' "still_works" question in the expectations set can reopen the agreement',
            f'{EX}: no question has the required role "still_works"',
        ),
    ),
    (
        "success twice",
        {f"{FM}.questions[0].role": "success"},
        (
            f'{FM}.questions[1].role: role "success" is already used by questions[0];'
            " only one question may have it",
        ),
    ),
    (
        "success as a choice",
        {
            f"{FM}.questions[1].kind": "choice",
            f"{FM}.questions[1].options": [
                {"value": "a", "label": "A"},
                {"value": "b", "label": "B"},
            ],
        },
        (
            f'{FM}.questions[1].kind: must be "text" for a question with role "success",'
            ' got "choice"',
        ),
    ),
    (
        "still_works as text",
        {f"{STILL}.kind": DELETE},
        (
            f'{STILL}.kind: must be "choice" for a question with role "still_works", got "text"',
            f'{STILL}.options: only choice questions have options; set kind = "choice" or remove'
            " them",
        ),
    ),
    (
        "no option reopens the agreement",
        {f"{STILL}.options[1].reopens_agreement": DELETE},
        (f"{STILL}.options: exactly one option must have reopens_agreement = true, found 0",),
    ),
    (
        "two options reopen the agreement",
        {f"{STILL}.options[0].reopens_agreement": True},
        (f"{STILL}.options: exactly one option must have reopens_agreement = true, found 2",),
    ),
    (
        "reopens_agreement outside still_works",
        {
            f"{FB}.questions[0].kind": "choice",
            f"{FB}.questions[0].options": [
                {"value": "a", "label": "A", "reopens_agreement": True},
                {"value": "b", "label": "B"},
            ],
        },
        (
            f"{FB}.questions[0].options[0].reopens_agreement: only the options of the"
            ' "still_works" question in the expectations set can reopen the agreement',
        ),
    ),
    # kinds and options
    (
        "unknown kind",
        {f"{FB}.questions[0].kind": "dropdown"},
        (f'{FB}.questions[0].kind: must be one of "text", "choice", got "dropdown"',),
    ),
    (
        "choice without options",
        {f"{FB}.questions[0].kind": "choice"},
        (f"{FB}.questions[0].options: a choice question needs 2 to 10 options, got none",),
    ),
    (
        "choice with one option",
        {f"{STILL}.options[0]": DELETE},
        (f"{STILL}.options: a choice question needs 2 to 10 options, got 1",),
    ),
    (
        "choice with eleven options",
        {
            f"{STILL}.options": [{"value": f"v{i}", "label": f"V{i}"} for i in range(10)]
            + [{"value": "no", "label": "No", "reopens_agreement": True}]
        },
        (f"{STILL}.options: a choice question needs 2 to 10 options, got 11",),
    ),
    (
        "options on a text question",
        {f"{FB}.questions[0].options": [{"value": "a", "label": "A"}]},
        (
            f'{FB}.questions[0].options: only choice questions have options; set kind = "choice"'
            " or remove them",
        ),
    ),
    (
        "multiline on a choice question",
        {f"{STILL}.multiline": False},
        (f"{STILL}.multiline: only applies to text questions",),
    ),
    (
        "no questions",
        {f"{CL}.questions": []},
        (f"{CL}.questions: must have 1 to 10 questions, got 0",),
    ),
    (
        "eleven questions",
        {f"{CL}.questions": [question(f"q{i}") for i in range(11)]},
        (f"{CL}.questions: must have 1 to 10 questions, got 11",),
    ),
    # agendas
    (
        "unknown source",
        {f"{RS}.sections[1].sources": ["topic"]},
        (
            f'{RS}.sections[1].sources[0]: unknown source "topic" (did you mean "topics"?);'
            f" allowed: {SOURCES}",
        ),
    ),
    (
        "minutes do not add up",
        {f"{RS}.sections[1].minutes": 40},
        (f"{RS}: section minutes add up to 50, not base_minutes 60",),
    ),
    (
        "zero minutes",
        {f"{RS}.sections[1].minutes": 0},
        (f"{RS}.sections[1].minutes: must be a whole number from 1 to 600, got 0",),
    ),
    (
        "no sections",
        {f"{RS}.sections": []},
        (f"{RS}.sections: must have 1 to 20 sections, got 0",),
    ),
]


@pytest.mark.parametrize(
    ("edits", "expected"),
    [pytest.param(edits, expected, id=name) for name, edits, expected in PROBLEM_CASES],
)
def test_each_problem_has_a_precise_message(
    tmp_path: Path, edits: dict[str, Any], expected: tuple[str, ...]
) -> None:
    data = minimal_curriculum()
    for path, value in edits.items():
        edit(data, path, value if value is DELETE else copy.deepcopy(value))
    assert problems_of(tmp_path, data) == expected


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    data = minimal_curriculum()
    edit(data, "meta.language", "")
    edit(data, f"{DI}.questions[0].lable", "typo")
    edit(data, f"{DI}.questions[2].max_length", 5000)
    edit(data, f"{CI}.questions[0].role", DELETE)
    edit(data, "agendas.first_session.sections[0].minutes", 20)
    path = write_curriculum(tmp_path, data)

    with pytest.raises(CurriculumError) as raised:
        load_curriculum(path)

    assert raised.value.problems == (
        f"{path}: meta.language: must not be empty",
        f'{path}: {CI}: no question has the required role "win"',
        f'{path}: {DI}.questions[0].lable: unknown key (did you mean "label"?);'
        f" allowed keys: {QUESTION_KEYS}",
        f"{path}: {DI}.questions[2].max_length: must be a whole number from 1 to 3000, got 5000",
        f"{path}: agendas.first_session: section minutes add up to 20, not base_minutes 30",
    )
    assert str(raised.value) == "\n".join(raised.value.problems)


def test_curriculum_error_survives_pickling() -> None:
    error = CurriculumError(["a.toml: meta: required key is missing", "a.toml: b"])
    copied = pickle.loads(pickle.dumps(error))
    assert copied.problems == error.problems
    assert str(copied) == "a.toml: meta: required key is missing\na.toml: b"


# -- one problem, one message ----------------------------------------------------------------

FOLLOW_ON_CASES: list[tuple[str, dict[str, Any], tuple[str, ...]]] = [
    (
        "a broken section does not make the sections too few",
        {"agendas.first_session.sections[0].guidance": 7},
        ("agendas.first_session.sections[0].guidance: must be a string, got an integer",),
    ),
    (
        "a misnamed template is not also checked as a template",
        {"agendas.regular": 5},
        (
            'agendas.regular: unknown agenda template (did you mean "regular_session"?);'
            " allowed: regular_session, first_session, or session_<n> for session number n"
            " (from 1)",
        ),
    ),
    (
        "a choice question without options needs no option to reopen",
        {f"{STILL}.options": DELETE},
        (f"{STILL}.options: a choice question needs 2 to 10 options, got none",),
    ),
    (
        "sources are taken as written",
        {f"{RS}.sections[0].sources": [" checkin"]},
        (
            f'{RS}.sections[0].sources[0]: unknown source " checkin" (did you mean "checkin"?);'
            f" allowed: {SOURCES}",
        ),
    ),
]


@pytest.mark.parametrize(
    ("edits", "expected"),
    [pytest.param(edits, expected, id=name) for name, edits, expected in FOLLOW_ON_CASES],
)
def test_a_problem_is_not_repeated_as_its_consequences(
    tmp_path: Path, edits: dict[str, Any], expected: tuple[str, ...]
) -> None:
    data = minimal_curriculum()
    for path, value in edits.items():
        edit(data, path, value if value is DELETE else copy.deepcopy(value))
    assert problems_of(tmp_path, data) == expected
