"""CSV import of pairs: reading the CSV, checking every row, a stored preview, confirming once."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot import messages
from bot.errors import FieldErrors, UserError
from bot.ids import IMPORT_FILE_BLOCK, IMPORT_PASTE_BLOCK
from bot.pairing import MENTION, PairRequest, person_problem
from bot.settings import Cadence, ProgramSettings, Settings
from storage import imports as store
from storage import pairs as pair_store
from storage.db import Database

MAX_ROWS = 200  # each row costs Slack look-ups and, on confirm, a conversation and 2 posts
MAX_FILE_BYTES = 64 * 1024
PASTE_LIMIT = 3000  # a plain_text_input holds at most 3,000 characters
PREVIEW_VALID_FOR = timedelta(days=1)
PROGRAM_MAX_LENGTH = 64  # Pair.program
COLUMNS = ("mentor", "mentee", "cadence", "length", "program")
PAIRED = "paired"
ALREADY_PAIRED = "already paired"

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_EMAIL = re.compile(r"^[^@\s<>,;\"']+@[^@\s<>,;\"']+\.[^@\s<>,;\"']+$")
_LENGTH = re.compile(r"^(\d{1,3})\s*(?:m|min|mins|minutes)?$", re.IGNORECASE)


class Directory(Protocol):
    """What Slack knows about people (users.info, users.lookupByEmail); None: nobody."""

    def by_id(self, user_id: str) -> Mapping[str, Any] | None: ...

    def by_email(self, email: str) -> Mapping[str, Any] | None: ...


@dataclass(frozen=True)
class CsvRow:
    """One line of the CSV as written, with the first problem found in it (None: well-formed)."""

    number: int  # the line in the file, as an editor or a spreadsheet numbers it
    mentor: str
    mentee: str
    cadence: Cadence | None = None
    length_minutes: int | None = None
    program: str | None = None
    problem: str | None = None


@dataclass(frozen=True)
class RowCheck:
    """A row after checking it against Slack and the pairs that exist: pairable or not, why."""

    number: int
    mentor: str
    mentee: str
    mentor_id: str | None = None
    mentee_id: str | None = None
    cadence: Cadence | None = None
    length_minutes: int | None = None
    program: str | None = None
    problem: str | None = None

    @property
    def will_pair(self) -> bool:
        return self.problem is None and self.mentor_id is not None and self.mentee_id is not None

    def pair_request(self) -> PairRequest:
        assert self.mentor_id is not None and self.mentee_id is not None
        return PairRequest(
            self.mentor_id,
            self.mentee_id,
            cadence=self.cadence,
            length_minutes=self.length_minutes,
            program=self.program,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "row": self.number,
            "mentor": self.mentor,
            "mentee": self.mentee,
            "mentor_id": self.mentor_id,
            "mentee_id": self.mentee_id,
            "cadence": self.cadence.value if self.cadence else None,
            "length": self.length_minutes,
            "program": self.program,
            "problem": self.problem,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RowCheck:
        return cls(
            number=int(data["row"]),
            mentor=str(data["mentor"]),
            mentee=str(data["mentee"]),
            mentor_id=data.get("mentor_id"),
            mentee_id=data.get("mentee_id"),
            cadence=Cadence(data["cadence"]) if data.get("cadence") else None,
            length_minutes=data.get("length"),
            program=data.get("program"),
            problem=data.get("problem"),
        )


@dataclass(frozen=True)
class ImportPreview:
    """A stored, checked batch: what confirming it would create, and what it would skip."""

    batch_id: int
    source: str
    rows: tuple[RowCheck, ...]

    @property
    def pairable(self) -> tuple[RowCheck, ...]:
        return tuple(row for row in self.rows if row.will_pair)


@dataclass(frozen=True)
class ImportReport:
    """A confirmed batch: every row, and what confirming did with each pairable one."""

    preview: ImportPreview
    # Row number -> PAIRED (perhaps with a problem after it), ALREADY_PAIRED or what went wrong.
    results: Mapping[int, str]

    @property
    def created(self) -> int:
        return sum(1 for outcome in self.results.values() if outcome.startswith(PAIRED))


def check_admin(settings: Settings, user_id: str) -> None:
    if not settings.is_admin(user_id):
        raise UserError(messages.NOT_ADMIN_IMPORT)


def check_sources(pasted: str | None, file_count: int) -> None:
    """Exactly one of: pasted text, one file. Problems are shown under the modal's fields."""
    has_text = bool(pasted and pasted.strip())
    if has_text and file_count:
        raise FieldErrors({IMPORT_PASTE_BLOCK: messages.IMPORT_BOTH_GIVEN})
    if file_count > 1:
        raise FieldErrors({IMPORT_FILE_BLOCK: messages.IMPORT_ONE_FILE})
    if not has_text and not file_count:
        raise FieldErrors({IMPORT_PASTE_BLOCK: messages.IMPORT_NOTHING_GIVEN})


def decode_csv(data: bytes) -> str:
    """A downloaded file's text: UTF-8 (with or without the BOM spreadsheets write)."""
    if len(data) > MAX_FILE_BYTES:
        raise UserError(messages.IMPORT_FILE_TOO_BIG.format(limit=MAX_FILE_BYTES // 1024))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(messages.IMPORT_FILE_NOT_TEXT) from None
    if "\x00" in text:
        raise UserError(messages.IMPORT_FILE_NOT_TEXT)
    return text


def _delimiter(text: str) -> str:
    """A comma, unless the file has none and uses semicolons or tabs (some spreadsheets do)."""
    if "," in text:
        return ","
    if ";" in text:
        return ";"
    return "\t" if "\t" in text else ","


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """(line number where the record starts, its cells), blank lines included as []."""
    reader = csv.reader(
        io.StringIO(text), delimiter=_delimiter(text), skipinitialspace=True, strict=True
    )
    line = 0
    while True:
        start = line + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise UserError(messages.IMPORT_BAD_CSV.format(line=start, error=error)) from None
        line = reader.line_num
        yield start, cells


def _is_header(cells: Sequence[str]) -> bool:
    first = cells[0].lower().replace(" ", "").replace("_", "")
    return first.startswith("mentor") and not _identifier(cells[0])


def _identifier(value: str) -> str | None:
    """A Slack user id (also written as a mention) or an email, normalised; None otherwise."""
    mention = MENTION.fullmatch(value)
    if mention:
        return mention.group(1)
    if _USER_ID.match(value):
        return value
    if _EMAIL.match(value):
        return value.lower()
    return None


def parse_csv(text: str, program: ProgramSettings) -> list[CsvRow]:
    """Every non-blank line of `mentor,mentee[,cadence,length[,program]]`; a header is optional.

    A line that can't be paired as written is kept with its problem, so the preview can say
    why; only a file that isn't CSV at all (or has no rows, or too many) is refused whole.
    """
    rows: list[CsvRow] = []
    first = True
    for number, raw in _records(text.lstrip("\ufeff")):
        cells = [cell.strip() for cell in raw]
        while cells and not cells[-1]:
            cells.pop()  # spreadsheets pad short rows with empty columns
        if not cells:
            continue
        if first and _is_header(cells):
            first = False
            continue
        first = False
        rows.append(_read_row(number, cells, program))
        if len(rows) > MAX_ROWS:
            raise UserError(
                messages.IMPORT_TOO_MANY_ROWS.format(
                    count="more than " + str(MAX_ROWS), limit=MAX_ROWS
                )
            )
    if not rows:
        raise UserError(messages.IMPORT_NO_ROWS)
    return rows


def _read_row(number: int, cells: list[str], program: ProgramSettings) -> CsvRow:
    mentor = cells[0]
    mentee = cells[1] if len(cells) > 1 else ""

    def bad(problem: str) -> CsvRow:
        return CsvRow(number, mentor, mentee, problem=problem)

    if len(cells) < 2:
        return bad("malformed row: it needs a mentor and a mentee")
    if len(cells) > len(COLUMNS):
        return bad(f"malformed row: more than {len(COLUMNS)} columns ({', '.join(COLUMNS)})")
    people = []
    for role, value in (("mentor", mentor), ("mentee", mentee)):
        if not value:
            return bad(f"malformed row: the {role} is empty")
        found = _identifier(value)
        if found is None:
            return bad(
                f"malformed row: the {role} “{_short(value)}” is neither a Slack user ID (like "
                "U0123ABCD) nor an email"
            )
        people.append(found)
    cadence = None
    raw_cadence = cells[2] if len(cells) > 2 else ""
    if raw_cadence:
        allowed = {c.value: c for c in program.cadences}
        cadence = allowed.get(raw_cadence.lower().replace(" ", "").replace("-", ""))
        if cadence is None:
            options = _listing([c.value for c in program.cadences])
            return bad(f"cadence not allowed: “{_short(raw_cadence)}” (use {options})")
    length = None
    raw_length = cells[3] if len(cells) > 3 else ""
    if raw_length:
        match = _LENGTH.match(raw_length)
        length = int(match.group(1)) if match else None
        if length not in program.lengths:
            options = _listing([str(n) for n in program.lengths])
            return bad(f"length not allowed: “{_short(raw_length)}” (use {options} minutes)")
    program_name = cells[4] if len(cells) > 4 else ""
    if len(program_name) > PROGRAM_MAX_LENGTH:
        return bad(
            f"malformed row: the program name is longer than {PROGRAM_MAX_LENGTH} characters"
        )
    if people[0] == people[1]:
        return bad("same person twice")
    return CsvRow(number, people[0], people[1], cadence, length, program_name or None)


def _short(value: str, limit: int = 40) -> str:
    """A cell quoted back in a reason, cut so one wild cell can't crowd out the preview."""
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _listing(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _resolve(identifier: str, directory: Directory) -> tuple[str | None, str | None]:
    """(user id, None) for someone who can join a pair, else (user id or None, what's wrong)."""
    email = "@" in identifier
    profile = directory.by_email(identifier) if email else directory.by_id(identifier)
    found = identifier if not email else (profile or {}).get("id")
    user_id = found if isinstance(found, str) and _USER_ID.match(found) else None
    problem = person_problem(user_id or "", profile)
    if problem == "not_found" or user_id is None:
        return None, ": unknown email" if email else ": unknown user ID"
    if problem == "bot":
        return user_id, " is a bot"
    if problem == "deactivated":
        return user_id, " is deactivated"
    return user_id, None


def check_rows(rows: Sequence[CsvRow], directory: Directory) -> list[RowCheck]:
    """Resolve each well-formed row's people through Slack (each identifier once)."""
    known: dict[str, tuple[str | None, str | None]] = {}
    checked: list[RowCheck] = []
    for row in rows:
        base = RowCheck(
            row.number,
            row.mentor,
            row.mentee,
            cadence=row.cadence,
            length_minutes=row.length_minutes,
            program=row.program,
            problem=row.problem,
        )
        if row.problem is not None:
            checked.append(base)
            continue
        ids: list[str | None] = []
        problem = None
        for role, identifier in (("mentor", row.mentor), ("mentee", row.mentee)):
            if identifier not in known:
                known[identifier] = _resolve(identifier, directory)
            user_id, trouble = known[identifier]
            ids.append(user_id)
            if trouble and problem is None:
                problem = role + trouble  # "mentor: unknown email", "mentee is a bot"
        if problem is None and ids[0] == ids[1]:
            problem = "same person twice"
        checked.append(
            RowCheck(
                **{**base.__dict__, "mentor_id": ids[0], "mentee_id": ids[1], "problem": problem}
            )
        )
    return checked


def preview_import(
    db: Database,
    settings: Settings,
    *,
    team_id: str,
    admin_id: str,
    rows: Sequence[CsvRow],
    directory: Directory,
    source: str,
    now: datetime,
) -> ImportPreview:
    """Check every row (nothing is created) and store the batch the Confirm button names."""
    check_admin(settings, admin_id)
    checked = check_rows(rows, directory)
    with db.session() as session:
        first_row_of: dict[frozenset[str], int] = {}
        final: list[RowCheck] = []
        for row in checked:
            if row.will_pair:
                assert row.mentor_id is not None and row.mentee_id is not None
                people = frozenset((row.mentor_id, row.mentee_id))
                problem = None
                if pair_store.open_pair_between(
                    session=session,
                    team_id=team_id,
                    first_id=row.mentor_id,
                    second_id=row.mentee_id,
                ):
                    problem = ALREADY_PAIRED
                elif people in first_row_of:
                    problem = f"duplicate of row {first_row_of[people]}"
                else:
                    first_row_of[people] = row.number
                if problem is not None:
                    row = RowCheck(**{**row.__dict__, "problem": problem})
            final.append(row)
        batch = store.add_batch(
            session=session,
            team_id=team_id,
            created_by=admin_id,
            source=source,
            rows=[row.to_json() for row in final],
            now=now,
        )
        assert batch.id is not None
        return ImportPreview(batch.id, batch.source, tuple(final))


def confirm_import(
    db: Database, settings: Settings, *, team_id: str, admin_id: str, batch_id: int, now: datetime
) -> ImportPreview:
    """Claim the batch for creating its pairs: once, by an admin, while the preview is fresh."""
    check_admin(settings, admin_id)
    with db.session() as session:
        batch = store.get_batch(session=session, team_id=team_id, batch_id=batch_id)
        if batch is None:
            raise UserError(messages.IMPORT_BATCH_NOT_FOUND)
        if batch.confirmed_at is not None:
            raise UserError(messages.IMPORT_ALREADY_CONFIRMED.format(user=batch.confirmed_by))
        if now - batch.created_at > PREVIEW_VALID_FOR:
            raise UserError(messages.IMPORT_PREVIEW_EXPIRED)
        preview = ImportPreview(
            batch_id, batch.source, tuple(RowCheck.from_json(row) for row in batch.rows)
        )
        if not preview.pairable:
            raise UserError(messages.IMPORT_NOTHING_TO_CONFIRM)
        if not store.claim_batch(
            session=session, team_id=team_id, batch_id=batch_id, by=admin_id, now=now
        ):
            session.refresh(batch)
            raise UserError(messages.IMPORT_ALREADY_CONFIRMED.format(user=batch.confirmed_by))
        return preview


def record_results(
    db: Database, *, team_id: str, preview: ImportPreview, results: Mapping[int, str]
) -> ImportReport:
    """Keep what confirming did with each row, and return the report the admin sees."""
    with db.session() as session:
        store.set_results(
            session=session,
            team_id=team_id,
            batch_id=preview.batch_id,
            results={str(number): outcome for number, outcome in results.items()},
        )
    return ImportReport(preview, dict(results))
