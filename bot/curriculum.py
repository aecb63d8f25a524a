"""Load and validate a program's curriculum file: its question sets and agenda templates."""

from __future__ import annotations

import difflib
import json
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from types import MappingProxyType
from typing import Any

DEFAULT_CURRICULUM_PATH: Path = Path(__file__).with_name("curriculum.toml")

# Every set is required: the bot asks each of them at some point in a pair's life.
QUESTION_SETS: tuple[str, ...] = (
    "first_meeting",
    "preparation",
    "checkin",
    "diary",
    "feedback",
    "expectations",
    "closing",
)

AGENDA_SOURCES: frozenset[str] = frozenset(
    {
        "checkin",
        "preparation",
        "actions_open",
        "actions_done",
        "actions_overdue",
        "topics",
        "diary_open_questions",
        "expectations",
        "goals",
        "first_meeting",
        "agreement",
    }
)

REQUIRED_AGENDAS: tuple[str, ...] = ("regular_session", "first_session")

TEXT = "text"
CHOICE = "choice"
QUESTION_KINDS: tuple[str, ...] = (TEXT, CHOICE)

# Slack's own limits, so that a curriculum that loads also renders: a modal title is 24
# characters, an input label and hint 2000, a placeholder 150, an option's text 75 and its
# value 150, a plain-text input's max_length 3000, a section's text 3000.
MAX_TITLE = 24
MAX_INTRO = 3000
MAX_LABEL = 2000
MAX_HINT = 2000
MAX_PLACEHOLDER = 150
MAX_OPTION_LABEL = 75
MAX_OPTION_VALUE = 150
MAX_ANSWER_LENGTH = 3000
DEFAULT_ANSWER_LENGTH = 1000
MAX_SECTION_TITLE = 150
MAX_GUIDANCE = 3000
MAX_NAME = 150
MAX_LANGUAGE = 35
MAX_KEY = 64
MIN_OPTIONS, MAX_OPTIONS = 2, 10
MIN_QUESTIONS, MAX_QUESTIONS = 1, 10
MIN_SECTIONS, MAX_SECTIONS = 1, 20
MAX_MINUTES = 600

STILL_WORKS = "still_works"


@dataclass(frozen=True)
class _RoleRule:
    required: bool = False
    # Most roles name the one answer the code picks out (the success clause, the reopen
    # decision); only roles whose answers are listed together may appear more than once.
    repeatable: bool = False
    kind: str | None = None


_ROLE_RULES: Mapping[str, Mapping[str, _RoleRule]] = {
    # Text-only roles are quoted elsewhere as the person wrote them, so a choice makes no sense.
    "first_meeting": {"success": _RoleRule(required=True, kind=TEXT)},
    "preparation": {"focus": _RoleRule(repeatable=True)},
    "checkin": {
        role: _RoleRule(required=True) for role in ("win", "setback", "next", "challenge", "topic")
    },
    "diary": {"open_questions": _RoleRule(required=True, kind=TEXT)},
    "feedback": {},
    "expectations": {
        STILL_WORKS: _RoleRule(required=True, kind=CHOICE),
        "change": _RoleRule(kind=TEXT),
    },
    "closing": {},
}

# The roles each question set allows, for code that wants to list them.
QUESTION_ROLES: Mapping[str, frozenset[str]] = MappingProxyType(
    {set_key: frozenset(rules) for set_key, rules in _ROLE_RULES.items()}
)

_SNAKE_CASE = re.compile(r"[a-z][a-z0-9_]*")
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")
_SESSION_AGENDA = re.compile(r"session_([1-9][0-9]*)")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")

_TOP_KEYS = ("meta", "questions", "agendas")
_META_KEYS = ("name", "language")
_SET_KEYS = ("title", "intro", "questions")
_QUESTION_KEYS = (
    "key",
    "label",
    "hint",
    "placeholder",
    "kind",
    "multiline",
    "max_length",
    "role",
    "options",
)
_OPTION_KEYS = ("value", "label", "reopens_agreement")
_AGENDA_KEYS = ("base_minutes", "sections")
_SECTION_KEYS = ("key", "title", "minutes", "guidance", "sources")


@dataclass(frozen=True)
class Choice:
    """One option of a choice question; `value` is stored, `label` is shown."""

    value: str
    label: str
    reopens_agreement: bool = False


@dataclass(frozen=True)
class Question:
    """One question of a set, with everything needed to render it as a Slack input.

    A choice question has `multiline` False and `max_length` equal to the longest value an
    option may have, since its answer is one option's `value`.
    """

    key: str
    label: str
    kind: str
    hint: str | None
    placeholder: str | None
    multiline: bool
    max_length: int
    role: str | None
    options: tuple[Choice, ...]


@dataclass(frozen=True)
class QuestionSet:
    """A titled list of questions the bot asks together, in one modal."""

    key: str
    title: str
    intro: str | None
    questions: tuple[Question, ...]

    def by_role(self, role: str) -> tuple[Question, ...]:
        """The questions with this role, in order (empty if none has it)."""
        return tuple(question for question in self.questions if question.role == role)

    def question(self, key: str) -> Question:
        """The question with this key; KeyError if the set has none."""
        for question in self.questions:
            if question.key == key:
                return question
        raise KeyError(f"question set {self.key!r} has no question {key!r}")


@dataclass(frozen=True)
class AgendaSection:
    """One timed part of an agenda and which of the pair's data fills it."""

    key: str
    title: str
    minutes: int
    guidance: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class AgendaTemplate:
    """An ordered list of sections whose minutes add up to `base_minutes`."""

    key: str
    base_minutes: int
    sections: tuple[AgendaSection, ...]


@dataclass(frozen=True)
class Curriculum:
    """A validated curriculum: every question set and agenda template, read-only."""

    name: str
    language: str
    question_sets: Mapping[str, QuestionSet]
    agendas: Mapping[str, AgendaTemplate]
    source: Path

    def questions(self, set_key: str) -> QuestionSet:
        """The question set with this key; KeyError if there is none."""
        try:
            return self.question_sets[set_key]
        except KeyError:
            raise KeyError(
                f"no question set {set_key!r}; known sets: {', '.join(self.question_sets)}"
            ) from None

    def agenda_for(self, session_number: int) -> AgendaTemplate:
        """The template for a pair's n-th session (counting from 1)."""
        if session_number < 1:
            raise ValueError(f"session numbers start at 1, got {session_number}")
        specific = self.agendas.get(f"session_{session_number}")
        if specific is not None:
            return specific
        return self.agendas["first_session" if session_number == 1 else "regular_session"]


class CurriculumError(Exception):
    """A curriculum file that cannot be used; `problems` lists everything wrong with it."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems: tuple[str, ...] = tuple(problems)
        # The tuple as the only argument keeps the exception picklable.
        super().__init__(self.problems)

    def __str__(self) -> str:
        return "\n".join(self.problems)


def load_curriculum(path: Path | str | None = None) -> Curriculum:
    """Read and validate a curriculum file (the shipped default when `path` is None).

    Raises CurriculumError listing every problem found, each as
    "<file>: <key path>: <what is wrong>"; list positions in key paths count from 0.
    """
    source = DEFAULT_CURRICULUM_PATH if path is None else Path(path)
    name = str(path) if isinstance(path, str) else str(source)
    try:
        raw = source.read_bytes()
    except FileNotFoundError:
        raise CurriculumError([f"{name}: file not found"]) from None
    except IsADirectoryError:
        raise CurriculumError([f"{name}: is a directory, not a curriculum file"]) from None
    except OSError as exc:
        raise CurriculumError([f"{name}: cannot read the file: {exc.strerror or exc}"]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CurriculumError(
            [f"{name}: not UTF-8 text (invalid byte at offset {exc.start})"]
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message already ends with "(at line N, column M)".
        raise CurriculumError([f"{name}: not valid TOML: {exc}"]) from None

    reader = _Reader(name)
    curriculum = reader.curriculum(data, source)
    if reader.problems or curriculum is None:
        raise CurriculumError(reader.problems)
    return curriculum


def _join(path: str, key: str) -> str:
    shown = key if _BARE_KEY.fullmatch(key) else json.dumps(key, ensure_ascii=False)
    return f"{path}.{shown}" if path else shown


def _kind_of(value: Any) -> str:
    # bool before int: TOML's true is a Python int too.
    for kind, article in (
        (bool, "a boolean"),
        (int, "an integer"),
        (float, "a float"),
        (str, "a string"),
        (list, "an array"),
        (dict, "a table"),
        (datetime, "a date-time"),
        (date, "a date"),
        (time, "a time"),
    ):
        if isinstance(value, kind):
            return article
    return type(value).__name__


def _is_minutes(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_MINUTES


def _raw_text(value: Any) -> str | None:
    """A raw string value as the loader would read it, for checks across several items."""
    return (value.strip() or None) if isinstance(value, str) else None


def _quoted(values: Iterable[str]) -> str:
    return ", ".join(f'"{value}"' for value in values)


class _Reader:
    """Walks the parsed TOML, collecting every problem instead of stopping at the first."""

    def __init__(self, file_name: str) -> None:
        self.file_name = file_name
        self.problems: list[str] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.append(f"{self.file_name}: {path}: {message}")

    def failed_since(self, count: int) -> bool:
        return len(self.problems) > count

    # -- generic checks --------------------------------------------------------------------

    def known_keys(self, table: Mapping[str, Any], allowed: Sequence[str], path: str) -> None:
        for key in table:
            if key in allowed:
                continue
            guess = difflib.get_close_matches(key, allowed, n=1)
            hint = f' (did you mean "{guess[0]}"?)' if guess else ""
            self.problem(_join(path, key), f"unknown key{hint}; allowed keys: {', '.join(allowed)}")

    def table(self, value: Any, path: str) -> dict[str, Any] | None:
        if isinstance(value, dict):
            return value
        self.problem(path, f"must be a table, got {_kind_of(value)}")
        return None

    def required(self, table: Mapping[str, Any], key: str, path: str) -> bool:
        if key in table:
            return True
        self.problem(_join(path, key), "required key is missing")
        return False

    def text(
        self, table: Mapping[str, Any], key: str, path: str, *, limit: int, required: bool = True
    ) -> str | None:
        if key not in table:
            if required:
                self.required(table, key, path)
            return None
        value, where = table[key], _join(path, key)
        if not isinstance(value, str):
            self.problem(where, f"must be a string, got {_kind_of(value)}")
            return None
        # Surrounding whitespace is an artefact of TOML's multi-line strings, not content.
        value = value.strip()
        if not value:
            self.problem(where, "must not be empty")
            return None
        if len(value) > limit:
            self.problem(where, f"must be at most {limit} characters, got {len(value)}")
            return None
        return value

    def identifier(self, table: Mapping[str, Any], key: str, path: str) -> str | None:
        value = self.text(table, key, path, limit=MAX_KEY)
        if value is not None and not _SNAKE_CASE.fullmatch(value):
            self.problem(
                _join(path, key),
                "must be snake_case (lowercase letters, digits and underscores, starting"
                f' with a letter), got "{value}"',
            )
            return None
        return value

    def whole_number(
        self,
        table: Mapping[str, Any],
        key: str,
        path: str,
        *,
        low: int,
        high: int,
        default: int | None = None,
    ) -> int | None:
        if key not in table:
            if default is None:
                self.required(table, key, path)
            return default
        value = table[key]
        if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
            return value
        got = value if isinstance(value, int) and not isinstance(value, bool) else _kind_of(value)
        self.problem(_join(path, key), f"must be a whole number from {low} to {high}, got {got}")
        return None

    def boolean(self, table: Mapping[str, Any], key: str, path: str, *, default: bool) -> bool:
        value = table.get(key, default)
        if isinstance(value, bool):
            return value
        self.problem(_join(path, key), f"must be true or false, got {_kind_of(value)}")
        return default

    def tables(
        self,
        table: Mapping[str, Any],
        key: str,
        path: str,
        *,
        low: int,
        high: int,
        noun: str,
        needs: str = "must have",
    ) -> list[tuple[str, dict[str, Any]]]:
        """An array of tables with `low`..`high` items, each paired with its key path."""
        if not self.required(table, key, path):
            return []
        value, where = table[key], _join(path, key)
        if not isinstance(value, list):
            self.problem(where, f"must be an array of tables, got {_kind_of(value)}")
            return []
        if not low <= len(value) <= high:
            self.problem(where, f"{needs} {low} to {high} {noun}, got {len(value)}")
        items = []
        for index, item in enumerate(value):
            checked = self.table(item, f"{where}[{index}]")
            if checked is not None:
                items.append((f"{where}[{index}]", checked))
        return items

    # -- the curriculum --------------------------------------------------------------------

    def curriculum(self, data: dict[str, Any], source: Path) -> Curriculum | None:
        self.known_keys(data, _TOP_KEYS, "")
        meta = self.meta(data)
        question_sets = self.question_sets(data)
        agendas = self.agendas(data)
        if self.problems or meta is None:
            return None
        name, language = meta
        return Curriculum(
            name=name,
            language=language,
            question_sets=MappingProxyType(question_sets),
            agendas=MappingProxyType(agendas),
            source=source,
        )

    def meta(self, data: Mapping[str, Any]) -> tuple[str, str] | None:
        if not self.required(data, "meta", ""):
            return None
        meta = self.table(data["meta"], "meta")
        if meta is None:
            return None
        self.known_keys(meta, _META_KEYS, "meta")
        name = self.text(meta, "name", "meta", limit=MAX_NAME)
        language = self.text(meta, "language", "meta", limit=MAX_LANGUAGE)
        if language is not None and not _LANGUAGE_TAG.fullmatch(language):
            self.problem(
                "meta.language", f'must be a language tag such as "en" or "de-CH", got "{language}"'
            )
            return None
        if name is None or language is None:
            return None
        return name, language

    # -- question sets ---------------------------------------------------------------------

    def question_sets(self, data: Mapping[str, Any]) -> dict[str, QuestionSet]:
        if not self.required(data, "questions", ""):
            return {}
        sets = self.table(data["questions"], "questions")
        if sets is None:
            return {}
        self.known_keys(sets, QUESTION_SETS, "questions")
        result = {}
        for set_key in QUESTION_SETS:
            path = _join("questions", set_key)
            if set_key not in sets:
                self.problem(path, "required question set is missing")
                continue
            table = self.table(sets[set_key], path)
            if table is not None:
                question_set = self.question_set(set_key, table, path)
                if question_set is not None:
                    result[set_key] = question_set
        return result

    def question_set(self, set_key: str, table: dict[str, Any], path: str) -> QuestionSet | None:
        before = len(self.problems)
        self.known_keys(table, _SET_KEYS, path)
        title = self.text(table, "title", path, limit=MAX_TITLE)
        intro = self.text(table, "intro", path, limit=MAX_INTRO, required=False)
        items = self.tables(
            table, "questions", path, low=MIN_QUESTIONS, high=MAX_QUESTIONS, noun="questions"
        )
        questions = [self.question(set_key, item, item_path) for item_path, item in items]
        # Set-level checks read the raw values, so one broken question does not hide a
        # duplicate or a missing role elsewhere in the set.
        self.unique(items, "key", path)
        rules = _ROLE_RULES[set_key]
        one_each = [
            (item_path, item)
            for item_path, item in items
            if (role := _raw_text(item.get("role"))) in rules and not rules[role].repeatable
        ]
        self.unique(
            one_each,
            "role",
            path,
            message='role "{value}" is already used by {first}; only one question may have it',
        )
        roles_seen = {_raw_text(item.get("role")) for _, item in items}
        for role, rule in rules.items():
            if items and rule.required and role not in roles_seen:
                self.problem(path, f'no question has the required role "{role}"')
        if self.failed_since(before) or title is None:
            return None
        return QuestionSet(
            key=set_key,
            title=title,
            intro=intro,
            questions=tuple(question for question in questions if question is not None),
        )

    def unique(
        self,
        items: Sequence[tuple[str, Mapping[str, Any]]],
        key: str,
        path: str,
        *,
        message: str = 'duplicate {key} "{value}" (also used by {first})',
    ) -> None:
        """Report each item whose `key` repeats an earlier item's (values of a wrong type
        are reported elsewhere)."""
        first_path: dict[str, str] = {}
        for item_path, item in items:
            value = _raw_text(item.get(key))
            if value is None:
                continue
            if value in first_path:
                self.problem(
                    _join(item_path, key),
                    message.format(key=key, value=value, first=first_path[value]),
                )
            else:
                first_path[value] = item_path.removeprefix(f"{path}.")

    def question(self, set_key: str, table: dict[str, Any], path: str) -> Question | None:
        before = len(self.problems)
        self.known_keys(table, _QUESTION_KEYS, path)
        key = self.identifier(table, "key", path)
        label = self.text(table, "label", path, limit=MAX_LABEL)
        hint = self.text(table, "hint", path, limit=MAX_HINT, required=False)
        placeholder = self.text(table, "placeholder", path, limit=MAX_PLACEHOLDER, required=False)
        kind = self.kind(table, path)
        role = self.role(set_key, table, path, kind)

        options: tuple[Choice, ...] = ()
        multiline = False
        max_length: int | None = MAX_OPTION_VALUE
        if kind == TEXT:
            if "options" in table:
                self.problem(
                    _join(path, "options"),
                    'only choice questions have options; set kind = "choice" or remove them',
                )
            multiline = self.boolean(table, "multiline", path, default=True)
            max_length = self.whole_number(
                table,
                "max_length",
                path,
                low=1,
                high=MAX_ANSWER_LENGTH,
                default=DEFAULT_ANSWER_LENGTH,
            )
        elif kind == CHOICE:
            for text_only in ("multiline", "max_length"):
                if text_only in table:
                    self.problem(_join(path, text_only), "only applies to text questions")
            options = self.options(table, path, reopens_allowed=role == STILL_WORKS)

        if (
            self.failed_since(before)
            or key is None
            or label is None
            or kind is None
            or max_length is None
        ):
            return None
        return Question(
            key=key,
            label=label,
            kind=kind,
            hint=hint,
            placeholder=placeholder,
            multiline=multiline,
            max_length=max_length,
            role=role,
            options=options,
        )

    def kind(self, table: Mapping[str, Any], path: str) -> str | None:
        if "kind" not in table:
            return TEXT
        kind = table["kind"]
        if kind in QUESTION_KINDS:
            return kind
        got = f'"{kind}"' if isinstance(kind, str) else _kind_of(kind)
        self.problem(_join(path, "kind"), f"must be one of {_quoted(QUESTION_KINDS)}, got {got}")
        return None

    def role(
        self, set_key: str, table: Mapping[str, Any], path: str, kind: str | None
    ) -> str | None:
        role = self.text(table, "role", path, limit=MAX_KEY, required=False)
        if role is None:
            return None
        rules = _ROLE_RULES[set_key]
        if role not in rules:
            allowed = f"allowed roles: {_quoted(rules)}" if rules else "this set has no roles"
            self.problem(
                _join(path, "role"), f'"{role}" is not a role of the {set_key} set; {allowed}'
            )
            return None
        needed = rules[role].kind
        if needed is not None and kind is not None and kind != needed:
            self.problem(
                _join(path, "kind"),
                f'must be "{needed}" for a question with role "{role}", got "{kind}"',
            )
        return role

    def options(
        self, table: Mapping[str, Any], path: str, *, reopens_allowed: bool
    ) -> tuple[Choice, ...]:
        before = len(self.problems)
        if "options" not in table:
            self.problem(
                _join(path, "options"),
                f"a choice question needs {MIN_OPTIONS} to {MAX_OPTIONS} options, got none",
            )
            return ()
        items = self.tables(
            table,
            "options",
            path,
            low=MIN_OPTIONS,
            high=MAX_OPTIONS,
            noun="options",
            needs="a choice question needs",
        )
        choices = []
        for item_path, item in items:
            self.known_keys(item, _OPTION_KEYS, item_path)
            value = self.text(item, "value", item_path, limit=MAX_OPTION_VALUE)
            label = self.text(item, "label", item_path, limit=MAX_OPTION_LABEL)
            reopens = self.boolean(item, "reopens_agreement", item_path, default=False)
            if reopens and not reopens_allowed:
                self.problem(
                    _join(item_path, "reopens_agreement"),
                    f'only the options of the "{STILL_WORKS}" question in the expectations set'
                    " can reopen the agreement",
                )
            if value is not None and label is not None:
                choices.append(Choice(value=value, label=label, reopens_agreement=reopens))
        self.unique(items, "value", path)
        reopening = sum(item.get("reopens_agreement") is True for _, item in items)
        if reopens_allowed and items and reopening != 1:
            self.problem(
                _join(path, "options"),
                f"exactly one option must have reopens_agreement = true, found {reopening}",
            )
        return () if self.failed_since(before) else tuple(choices)

    # -- agenda templates ------------------------------------------------------------------

    def agendas(self, data: Mapping[str, Any]) -> dict[str, AgendaTemplate]:
        if not self.required(data, "agendas", ""):
            return {}
        agendas = self.table(data["agendas"], "agendas")
        if agendas is None:
            return {}
        for required in REQUIRED_AGENDAS:
            if required not in agendas:
                self.problem(_join("agendas", required), "required agenda template is missing")
        result = {}
        for key, value in agendas.items():
            path = _join("agendas", key)
            if re.fullmatch(r"session_[0-9]+", key) and not _SESSION_AGENDA.fullmatch(key):
                self.problem(path, "session numbers start at 1 and have no leading zeros")
                continue
            if key not in REQUIRED_AGENDAS and not _SESSION_AGENDA.fullmatch(key):
                guess = difflib.get_close_matches(key, REQUIRED_AGENDAS, n=1)
                hint = f' (did you mean "{guess[0]}"?)' if guess else ""
                self.problem(
                    path,
                    f"unknown agenda template{hint}; allowed: {', '.join(REQUIRED_AGENDAS)},"
                    " or session_<n> for session number n (from 1)",
                )
                continue
            table = self.table(value, path)
            if table is not None:
                template = self.agenda(key, table, path)
                if template is not None:
                    result[key] = template
        return result

    def agenda(self, key: str, table: dict[str, Any], path: str) -> AgendaTemplate | None:
        before = len(self.problems)
        self.known_keys(table, _AGENDA_KEYS, path)
        base_minutes = self.whole_number(table, "base_minutes", path, low=1, high=MAX_MINUTES)
        items = self.tables(
            table, "sections", path, low=MIN_SECTIONS, high=MAX_SECTIONS, noun="sections"
        )
        sections = [self.section(item, item_path) for item_path, item in items]
        self.unique(items, "key", path)
        minutes = [item.get("minutes") for _, item in items]
        # Only a sum of valid minutes says something; bad ones are reported on their own.
        if base_minutes is not None and items and all(map(_is_minutes, minutes)):
            total = sum(minutes)
            if total != base_minutes:
                self.problem(
                    path, f"section minutes add up to {total}, not base_minutes {base_minutes}"
                )
        if self.failed_since(before) or base_minutes is None:
            return None
        return AgendaTemplate(
            key=key,
            base_minutes=base_minutes,
            sections=tuple(section for section in sections if section is not None),
        )

    def section(self, table: dict[str, Any], path: str) -> AgendaSection | None:
        before = len(self.problems)
        self.known_keys(table, _SECTION_KEYS, path)
        key = self.identifier(table, "key", path)
        title = self.text(table, "title", path, limit=MAX_SECTION_TITLE)
        minutes = self.whole_number(table, "minutes", path, low=1, high=MAX_MINUTES)
        guidance = self.text(table, "guidance", path, limit=MAX_GUIDANCE)
        sources = self.sources(table, path)
        if (
            self.failed_since(before)
            or key is None
            or title is None
            or minutes is None
            or guidance is None
        ):
            return None
        return AgendaSection(
            key=key, title=title, minutes=minutes, guidance=guidance, sources=sources
        )

    def sources(self, table: Mapping[str, Any], path: str) -> tuple[str, ...]:
        # A section without sources is plain guidance (e.g. feedback), so the key is optional.
        value = table.get("sources", [])
        where = _join(path, "sources")
        if not isinstance(value, list):
            self.problem(where, f"must be an array of strings, got {_kind_of(value)}")
            return ()
        allowed = sorted(AGENDA_SOURCES)
        sources: list[str] = []
        for index, source in enumerate(value):
            item_path = f"{where}[{index}]"
            if not isinstance(source, str):
                self.problem(item_path, f"must be a string, got {_kind_of(source)}")
            elif source not in AGENDA_SOURCES:
                guess = difflib.get_close_matches(source, allowed, n=1)
                hint = f' (did you mean "{guess[0]}"?)' if guess else ""
                self.problem(
                    item_path, f'unknown source "{source}"{hint}; allowed: {", ".join(allowed)}'
                )
            elif source in sources:
                self.problem(item_path, f'"{source}" is listed twice')
            else:
                sources.append(source)
        return tuple(sources)
