"""Load and validate a program's curriculum file: its question sets and agenda templates."""

from __future__ import annotations

import difflib
import json
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, ClassVar, Literal, Self, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails, InitErrorDetails, PydanticCustomError, PydanticUndefined

DEFAULT_CURRICULUM_PATH: Path = Path(__file__).with_name("curriculum.toml")

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

QuestionKind = Literal["text", "choice"]
TEXT: QuestionKind = "text"
CHOICE: QuestionKind = "choice"
MAX_OPTION_VALUE = 150
MIN_OPTIONS, MAX_OPTIONS = 2, 10
MAX_MINUTES = 600
STILL_WORKS = "still_works"


@dataclass(frozen=True)
class _Role:
    required: bool = False
    # Most roles name the one answer the code picks out (the success clause, the reopen
    # decision); only roles whose answers are listed together may appear more than once.
    repeatable: bool = False
    kind: QuestionKind | None = None


# The roles of each set's questions; a set missing here has none.
_ROLE_RULES: Mapping[str, Mapping[str, _Role]] = {
    # Text-only roles are quoted elsewhere as the person wrote them, so a choice makes no sense.
    "first_meeting": {"success": _Role(required=True, kind=TEXT)},
    "preparation": {"focus": _Role(repeatable=True)},
    "checkin": {
        role: _Role(required=True) for role in ("win", "setback", "next", "challenge", "topic")
    },
    "diary": {"open_questions": _Role(required=True, kind=TEXT)},
    "expectations": {STILL_WORKS: _Role(required=True, kind=CHOICE), "change": _Role(kind=TEXT)},
}

_SNAKE_CASE = "^[a-z][a-z0-9_]*$"
_LANGUAGE_TAG = "^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$"
_SESSION_AGENDA = re.compile(r"session_([1-9][0-9]*)")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


# -- the file, as typed tables -------------------------------------------------------------
#
# Each model is one TOML table: its fields are the keys it allows, in the order messages list
# them. Pydantic checks each value's type and limits; validators and `_problems` methods
# check the rules between values, once the values themselves are valid. Every table then
# rewords pydantic's errors about its own keys (_Table._reword) into the one-line messages
# people read, so a new key needs no wording of its own unless it brings a new kind of rule.
#
# A new key is a field on its table. Choice, Question and AgendaSection are also what the
# code reads; a key of a set, a template or [meta] is also passed on in _File.curriculum.
# A new question set is a field of _QuestionSets, its roles (if any) in _ROLE_RULES.
#
# Text limits are Slack's, so that a curriculum that loads also renders: a modal title is 24
# characters, an input label and hint 2000, a placeholder 150, an option's text 75 and its
# value 150, a plain-text input's max_length 3000, a section's text 3000.

_Loc = tuple[str | int, ...]
_Problem = tuple[_Loc, str]


def _text(limit: int, default: Any = PydanticUndefined, *, pattern: str | None = None) -> Any:
    # Surrounding whitespace is an artefact of TOML's multi-line strings, not content: the
    # model config strips it before these limits apply.
    return Field(default, min_length=1, max_length=limit, pattern=pattern)


def _array() -> Any:
    # TOML arrays arrive as lists; a tuple keeps what the code reads immutable and hashable.
    return Field((), strict=False)


# For names the code looks up as written, where surrounding spaces are a mistake to report.
_Verbatim = Annotated[str, StringConstraints(strip_whitespace=False)]


class _Table(BaseModel):
    """A TOML table: values of exactly the declared types, and no keys but the fields."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, str_strip_whitespace=True)
    missing_wording: ClassVar[str] = "required key is missing"

    @model_validator(mode="wrap")
    @classmethod
    def _reword(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        try:
            return handler(data)
        except ValidationError as exc:
            raise _reworded(cls, exc.errors()) from None


class Choice(_Table):
    """One option of a choice question; `value` is stored, `label` is shown."""

    value: str = _text(MAX_OPTION_VALUE)
    label: str = _text(75)
    reopens_agreement: bool = False


class Question(_Table):
    """One question of a set, with everything needed to render it as a Slack input.

    A choice question has `multiline` False and `max_length` equal to the longest value an
    option may have, since its answer is one option's `value`.
    """

    key: str = _text(64, pattern=_SNAKE_CASE)
    label: str = _text(2000)
    hint: str | None = _text(2000, None)
    placeholder: str | None = _text(150, None)
    kind: QuestionKind = TEXT
    multiline: bool = Field(default_factory=lambda given: given.get("kind") == TEXT)
    max_length: int = Field(
        default_factory=lambda given: 1000 if given.get("kind") == TEXT else MAX_OPTION_VALUE,
        ge=1,
        le=3000,
    )
    role: str | None = _text(64, None)
    options: tuple[Choice, ...] = _array()

    def _problems(self, set_key: str) -> Iterator[_Problem]:
        """What breaks the rules of kinds and of the roles of the set `set_key`."""
        rules = _ROLE_RULES.get(set_key, {})
        rule = _rule_of(rules, self.role)
        if self.role is not None and rule is None:
            allowed = f"allowed roles: {_quoted(rules)}" if rules else "this set has no roles"
            yield ("role",), f'"{self.role}" is not a role of the {set_key} set; {allowed}'
        if rule is not None and rule.kind not in (None, self.kind):
            yield ("kind",), _KIND_FOR_ROLE.format(rule.kind, self.role, self.kind)
        given = self.model_fields_set
        if self.kind == TEXT:
            if "options" in given:
                yield ("options",), _OPTIONS_ON_TEXT
            return
        for text_only in ("multiline", "max_length"):
            if text_only in given:
                yield (text_only,), "only applies to text questions"
        if not MIN_OPTIONS <= len(self.options) <= MAX_OPTIONS:
            got = len(self.options) if "options" in given else "none"
            yield ("options",), f"{_OPTIONS_NEEDED}, got {got}"
        can_reopen = rule is not None and self.role == STILL_WORKS
        for index, option in enumerate(self.options):
            if option.reopens_agreement and not can_reopen:
                yield ("options", index, "reopens_agreement"), _REOPENS_ELSEWHERE
        yield from _duplicates("options", [option.value for option in self.options], "value")
        reopening = sum(option.reopens_agreement for option in self.options)
        if can_reopen and self.options and reopening != 1:
            yield ("options",), f"{_ONE_REOPENS}, found {reopening}"


def _known_sources(sources: tuple[str, ...]) -> tuple[str, ...]:
    allowed = sorted(AGENDA_SOURCES)
    problems: list[_Problem] = []
    for index, source in enumerate(sources):
        if source not in AGENDA_SOURCES:
            unknown = _unknown(f'source "{source}"', source, allowed)
            problems.append(((index,), f"{unknown}; allowed: {', '.join(allowed)}"))
        elif source in sources[:index]:
            problems.append(((index,), f'"{source}" is listed twice'))
    _raise(problems)
    return sources


class AgendaSection(_Table):
    """One timed part of an agenda and which of the pair's data fills it."""

    key: str = _text(64, pattern=_SNAKE_CASE)
    title: str = _text(150)
    minutes: int = Field(ge=1, le=MAX_MINUTES)
    guidance: str = _text(3000)
    # A section without sources is plain guidance (e.g. feedback), so the key is optional.
    sources: Annotated[tuple[_Verbatim, ...], AfterValidator(_known_sources)] = _array()


# -- what the rest of the code uses, besides the tables above ------------------------------


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
    try:
        file = _File.model_validate(data)
    except ValidationError as exc:
        # Each table has reworded its own errors, so every message is one for people.
        raise CurriculumError(
            f"{name}: {_path(e['loc'])}: {e['msg']}" for e in exc.errors()
        ) from None
    return file.curriculum(source)


# -- the tables that only the loader sees ---------------------------------------------------


class _Meta(_Table):
    name: str = _text(150)
    language: str = _text(35, pattern=_LANGUAGE_TAG)


class _QuestionSetTable(_Table):
    title: str = _text(24)
    intro: str | None = _text(3000, None)
    questions: list[Question] = Field(min_length=1, max_length=10)

    def _problems(self, set_key: str) -> Iterator[_Problem]:
        """What breaks the rules of the set's questions, keys and roles."""
        for index, question in enumerate(self.questions):
            for loc, message in question._problems(set_key):
                yield ("questions", index, *loc), message
        yield from _duplicates("questions", [question.key for question in self.questions], "key")
        rules = _ROLE_RULES.get(set_key, {})
        one_each = [
            q.role if (rule := _rule_of(rules, q.role)) and not rule.repeatable else None
            for q in self.questions
        ]
        yield from _duplicates("questions", one_each, "role", _ROLE_TAKEN)
        roles = {question.role for question in self.questions}
        for role, rule in rules.items():
            if rule.required and role not in roles:
                yield (), f'no question has the required role "{role}"'


class _QuestionSets(_Table):
    """[questions]: one table per set, each required."""

    missing_wording = "required question set is missing"

    first_meeting: _QuestionSetTable
    preparation: _QuestionSetTable
    checkin: _QuestionSetTable
    diary: _QuestionSetTable
    feedback: _QuestionSetTable
    expectations: _QuestionSetTable
    closing: _QuestionSetTable

    @field_validator("*")
    @classmethod
    def _follows_its_rules(
        cls, table: _QuestionSetTable, info: ValidationInfo
    ) -> _QuestionSetTable:
        # A set's roles depend on its name, which only this table knows. As a field validator
        # this checks each set once the set itself is valid, whatever the other sets hold.
        _raise(table._problems(str(info.field_name)))
        return table


class _AgendaTable(_Table):
    base_minutes: int = Field(ge=1, le=MAX_MINUTES)
    sections: tuple[AgendaSection, ...] = Field(min_length=1, max_length=20, strict=False)

    @model_validator(mode="after")
    def _sections_fit(self) -> Self:
        problems = list(_duplicates("sections", [section.key for section in self.sections], "key"))
        total, base = sum(section.minutes for section in self.sections), self.base_minutes
        if total != base:
            problems.append(((), f"section minutes add up to {total}, not base_minutes {base}"))
        _raise(problems)
        return self


def _known_agenda(name: str) -> str:
    if re.fullmatch(r"session_[0-9]+", name) and not _SESSION_AGENDA.fullmatch(name):
        raise PydanticCustomError(
            "misnamed", "session numbers start at 1 and have no leading zeros"
        )
    if not _SESSION_AGENDA.fullmatch(name):
        unknown = _unknown("agenda template", name, REQUIRED_AGENDAS)
        allowed = ", ".join(REQUIRED_AGENDAS)
        raise PydanticCustomError(
            "misnamed",
            f"{unknown}; allowed: {allowed}, or session_<n> for session number n (from 1)",
        )
    return name


class _Agendas(_Table, extra="allow"):
    """[agendas]: the two required templates, and a session_<n> for any one session."""

    missing_wording = "required agenda template is missing"

    regular_session: _AgendaTable
    first_session: _AgendaTable
    __pydantic_extra__: dict[Annotated[str, AfterValidator(_known_agenda)], _AgendaTable]


class _File(_Table):
    meta: _Meta
    questions: _QuestionSets
    agendas: _Agendas

    def curriculum(self, source: Path) -> Curriculum:
        question_sets = {
            key: QuestionSet(key, table.title, table.intro, tuple(table.questions))
            for key, table in self.questions
        }
        agendas = {
            key: AgendaTemplate(key, table.base_minutes, table.sections)
            for key, table in self.agendas
        }
        return Curriculum(
            name=self.meta.name,
            language=self.meta.language,
            question_sets=MappingProxyType(question_sets),
            agendas=MappingProxyType(agendas),
            source=source,
        )


# Every set is required: the bot asks each of them at some point in a pair's life.
QUESTION_SETS: tuple[str, ...] = tuple(_QuestionSets.model_fields)

# The roles each question set allows, for code that wants to list them.
QUESTION_ROLES: Mapping[str, frozenset[str]] = MappingProxyType(
    {set_key: frozenset(_ROLE_RULES.get(set_key, {})) for set_key in QUESTION_SETS}
)


# -- wording -------------------------------------------------------------------------------

_KIND_FOR_ROLE = 'must be "{}" for a question with role "{}", got "{}"'
_OPTIONS_ON_TEXT = 'only choice questions have options; set kind = "choice" or remove them'
_OPTIONS_NEEDED = f"a choice question needs {MIN_OPTIONS} to {MAX_OPTIONS} options"
_REOPENS_ELSEWHERE = (
    f'only the options of the "{STILL_WORKS}" question in the expectations set'
    " can reopen the agreement"
)
_ONE_REOPENS = "exactly one option must have reopens_agreement = true"
_DUPLICATE = 'duplicate {key} "{value}" (also used by {first})'
_ROLE_TAKEN = 'role "{value}" is already used by {first}; only one question may have it'
_PATTERN_WORDING = {
    _SNAKE_CASE: "must be snake_case (lowercase letters, digits and underscores, starting"
    " with a letter)",
    _LANGUAGE_TAG: 'must be a language tag such as "en" or "de-CH"',
}
_EXPECTED = {"model_type": "a table", "string_type": "a string", "bool_type": "true or false"}


def _wording(table: type[_Table], error: ErrorDetails) -> str:
    """Pydantic's `error` about one of `table`'s keys, in the words of the file's author."""
    kind, loc, value = error["type"], error["loc"], error["input"]
    field = table.model_fields.get(str(loc[0])) if loc else None
    got = _kind_of(value)
    match kind:
        case "missing":
            return table.missing_wording
        case "extra_forbidden":
            allowed = list(table.model_fields)
            return _unknown("key", str(loc[-1]), allowed) + f"; allowed keys: {', '.join(allowed)}"
        case _ if kind in _EXPECTED:
            return f"must be {_EXPECTED[kind]}, got {got}"
        case "list_type" | "tuple_type":
            items = get_args(field.annotation)[0] if field else None
            noun = "tables" if isinstance(items, type) and issubclass(items, _Table) else "strings"
            return f"must be an array of {noun}, got {got}"
        case "too_short" | "too_long":
            low, high = _limit(field, "min_length"), _limit(field, "max_length")
            return f"must have {low} to {high} {loc[0]}, got {len(value)}"
        case "string_too_short":
            return "must not be empty"
        case "string_too_long":
            limit, length = error["ctx"]["max_length"], len(value.strip())
            return f"must be at most {limit} characters, got {length}"
        case "string_pattern_mismatch":
            return f'{_PATTERN_WORDING[error["ctx"]["pattern"]]}, got "{value.strip()}"'
        case "int_type" | "greater_than_equal" | "less_than_equal":
            low, high = _limit(field, "ge"), _limit(field, "le")
            shown = value if isinstance(value, int) and not isinstance(value, bool) else got
            return f"must be a whole number from {low} to {high}, got {shown}"
        case "literal_error":
            kinds = _quoted(get_args(field.annotation) if field else ())
            return f"must be one of {kinds}, got " + (
                f'"{value}"' if isinstance(value, str) else got
            )
    # Our own validators' problems are already worded; so is anything unforeseen, by pydantic.
    return error["msg"]


def _reworded(table: type[_Table], errors: list[ErrorDetails]) -> ValidationError:
    """`errors` from validating `table`, each worded for people (inner tables did theirs)."""
    errors = [e for e in errors if not _follows_from(e, errors)]
    # Pydantic lists a table's unknown keys after its other problems; a typo reads better first.
    errors.sort(key=lambda e: e["type"] != "extra_forbidden")
    return _errors((e["loc"], _wording(table, e)) for e in errors)


def _follows_from(error: ErrorDetails, errors: list[ErrorDetails]) -> bool:
    """Whether `error` only follows from others, so that reporting it would add nothing."""
    kind, loc = error["type"], error["loc"]
    # Pydantic counts an array's valid items, so one broken item also makes it "too short".
    if kind == "too_short" and any(_within(e["loc"], loc) and e is not error for e in errors):
        return True
    # What is in a misnamed table is not worth checking until the name is right.
    if any(e["type"] == "misnamed" and e is not error and _within(loc, e["loc"]) for e in errors):
        return True
    # A default that depends on a broken value (Question.multiline on `kind`) says nothing.
    return kind == "default_factory_not_called"


def _raise(problems: Iterable[_Problem]) -> None:
    """Raise what a validator found, each problem at its key path below the table."""
    error = _errors(problems)
    if error.error_count():
        raise error


def _errors(problems: Iterable[_Problem]) -> ValidationError:
    return ValidationError.from_exception_data(
        "curriculum",
        [
            InitErrorDetails(type=PydanticCustomError("problem", message), loc=loc, input=None)
            for loc, message in problems
        ],
    )


def _duplicates(
    array: str, values: Sequence[str | None], key: str, wording: str = _DUPLICATE
) -> Iterator[_Problem]:
    """Each item of `array` whose `key` repeats an earlier item's (None repeats nothing)."""
    for index, value in enumerate(values):
        if value is not None and value in values[:index]:
            first = f"{array}[{values.index(value)}]"
            yield (array, index, key), wording.format(key=key, value=value, first=first)


def _rule_of(rules: Mapping[str, _Role], role: str | None) -> _Role | None:
    return rules.get(role) if role is not None else None


def _limit(field: FieldInfo | None, name: str) -> Any:
    """A limit given to Field(), such as its `ge` or `max_length`."""
    return next(getattr(m, name) for m in (field.metadata if field else ()) if hasattr(m, name))


def _unknown(what: str, name: str, allowed: Sequence[str]) -> str:
    guess = difflib.get_close_matches(name, allowed, n=1)
    return f"unknown {what}" + (f' (did you mean "{guess[0]}"?)' if guess else "")


def _within(loc: _Loc, outer: _Loc) -> bool:
    return loc[: len(outer)] == outer


def _path(loc: _Loc) -> str:
    path = ""
    for step in loc:
        if isinstance(step, int):
            path += f"[{step}]"
        else:
            shown = step if _BARE_KEY.fullmatch(step) else json.dumps(step, ensure_ascii=False)
            path = f"{path}.{shown}" if path else shown
    return path


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


def _quoted(values: Iterable[str]) -> str:
    return ", ".join(f'"{value}"' for value in values)
