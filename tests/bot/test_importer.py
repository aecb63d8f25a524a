"""CSV import, domain side: reading rows (a table of lines and what each becomes), checking
people through a fake directory, and confirming a batch exactly once (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot import importer
from bot.errors import FieldErrors, UserError
from bot.ids import IMPORT_FILE_BLOCK, IMPORT_PASTE_BLOCK
from bot.importer import CsvRow, parse_csv
from bot.settings import Cadence, ProgramSettings
from storage.db import Database
from tests.conftest import ADMIN, MENTEE, MENTOR, base_settings

PROGRAM = ProgramSettings()
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def one(line: str, program: ProgramSettings = PROGRAM) -> CsvRow:
    (row,) = parse_csv(line, program)
    return row


# (line, expected: (mentor, mentee, cadence, length, program) or a fragment of the problem)
ROWS = [
    ("UMENTOR1,UMENTEE1", ("UMENTOR1", "UMENTEE1", None, None, None)),
    ("UMENTOR1, UMENTEE1 ,weekly,45", ("UMENTOR1", "UMENTEE1", Cadence.WEEKLY, 45, None)),
    (
        "maria@Example.com,tomas@example.com",
        ("maria@example.com", "tomas@example.com", None, None, None),
    ),
    (
        "UMENTOR1,UMENTEE1,Biweekly,60 min,Sales EMEA",
        ("UMENTOR1", "UMENTEE1", Cadence.BIWEEKLY, 60, "Sales EMEA"),
    ),
    ("UMENTOR1,UMENTEE1,,90", ("UMENTOR1", "UMENTEE1", None, 90, None)),
    (
        "UMENTOR1,UMENTEE1,monthly,,Design",
        ("UMENTOR1", "UMENTEE1", Cadence.MONTHLY, None, "Design"),
    ),
    (
        '"UMENTOR1","UMENTEE1","weekly","30","Ops, Berlin"',
        ("UMENTOR1", "UMENTEE1", Cadence.WEEKLY, 30, "Ops, Berlin"),
    ),
    ("UMENTOR1,UMENTEE1,,,", ("UMENTOR1", "UMENTEE1", None, None, None)),
    ("<@UMENTOR1|maria>,UMENTEE1", ("UMENTOR1", "UMENTEE1", None, None, None)),
    ("UMENTOR1;UMENTEE1;weekly", ("UMENTOR1", "UMENTEE1", Cadence.WEEKLY, None, None)),
    ("UMENTOR1\tUMENTEE1", ("UMENTOR1", "UMENTEE1", None, None, None)),
    ("UMENTOR1", "malformed row: it needs a mentor and a mentee"),
    ("UMENTOR1,", "malformed row: it needs a mentor and a mentee"),
    (",UMENTEE1", "malformed row: the mentor is empty"),
    ("UMENTOR1,UMENTEE1,weekly,60,x,extra", "malformed row: more than 5 columns"),
    ("maria,UMENTEE1", "the mentor “maria” is neither a Slack user ID"),
    ("UMENTOR1,umentee1", "the mentee “umentee1” is neither"),
    ("UMENTOR1,tomas@", "neither a Slack user ID"),
    ("UMENTOR1,UMENTEE1,daily", "cadence not allowed: “daily” (use weekly, biweekly or monthly)"),
    ("UMENTOR1,UMENTEE1,weekly,50", "length not allowed: “50” (use 30, 45, 60 or 90 minutes)"),
    ("UMENTOR1,UMENTEE1,weekly,an hour", "length not allowed"),
    ("UMENTOR1,UMENTEE1,weekly,60," + "p" * 65, "program name is longer than 64"),
    ("UMENTOR1,UMENTOR1", "same person twice"),
    ("a@x.org,A@X.org", "same person twice"),
]


@pytest.mark.parametrize(("line", "expected"), ROWS, ids=[line[:40] for line, _ in ROWS])
def test_each_line_becomes_a_row_or_says_why_not(line: str, expected: object) -> None:
    row = one(line)
    assert row.number == 1
    if isinstance(expected, tuple):
        assert row.problem is None
        assert (row.mentor, row.mentee, row.cadence, row.length_minutes, row.program) == expected
    else:
        assert row.problem is not None and str(expected) in row.problem


def test_cadence_and_length_must_be_ones_the_program_allows() -> None:
    narrow = ProgramSettings(
        default_cadence=Cadence.WEEKLY, cadences=(Cadence.WEEKLY,), default_length=30, lengths=(30,)
    )
    assert "cadence not allowed: “monthly” (use weekly)" in (
        one("U1AB,U2AB,monthly", narrow).problem or ""
    )
    assert "length not allowed: “60” (use 30 minutes)" in (
        one("U1AB,U2AB,,60", narrow).problem or ""
    )


def test_header_blank_lines_and_line_numbers() -> None:
    text = (
        "\ufeffMentor email,Mentee email,cadence\n\n"
        "maria@x.org,tomas@x.org\r\n\n  \nUMENTOR1,UMENTEE1\n"
    )
    rows = parse_csv(text, PROGRAM)
    # Numbers are the file's lines, as an editor shows them (the header is line 1).
    assert [(r.number, r.mentor) for r in rows] == [(3, "maria@x.org"), (6, "UMENTOR1")]


def test_a_quoted_field_over_two_lines_keeps_later_numbers_right() -> None:
    rows = parse_csv('UMENTOR1,UMENTEE1,,,"Two\nlines"\nUMENTOR1,USTRANGE\n', PROGRAM)
    assert [(r.number, r.program) for r in rows] == [(1, "Two\nlines"), (3, None)]


def test_only_the_first_row_can_be_a_header() -> None:
    rows = parse_csv("UMENTOR1,UMENTEE1\nmentor,mentee\n", PROGRAM)
    assert rows[1].problem is not None and "neither a Slack user ID" in rows[1].problem


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "no rows"),
        ("\n \n", "no rows"),
        ("mentor,mentee\n", "no rows"),
        ('UMENTOR1,"UMENTEE1\n', "line 1"),
        ("".join(f"U{n:08d},UMENTEE1\n" for n in range(importer.MAX_ROWS + 1)), "at most 200"),
    ],
    ids=["empty", "blank", "header-only", "open-quote", "too-many"],
)
def test_a_csv_that_cant_be_read_is_refused_whole(text: str, fragment: str) -> None:
    with pytest.raises(UserError) as raised:
        parse_csv(text, PROGRAM)
    assert fragment in raised.value.message


def test_exactly_max_rows_is_fine() -> None:
    text = "".join(f"U{n:08d},UMENTEE1\n" for n in range(importer.MAX_ROWS))
    assert len(parse_csv(text, PROGRAM)) == importer.MAX_ROWS


def test_decoding_a_file() -> None:
    assert importer.decode_csv("\ufeffU1AB,U2AB".encode()) == "U1AB,U2AB"
    with pytest.raises(UserError, match="as text"):
        importer.decode_csv(b"\xff\xfe\x00U")
    with pytest.raises(UserError, match="as text"):
        importer.decode_csv(b"U1AB,\x00U2AB")
    with pytest.raises(UserError, match="larger than 64 KB"):
        importer.decode_csv(b"x" * (importer.MAX_FILE_BYTES + 1))


@pytest.mark.parametrize(
    ("pasted", "files", "block"),
    [
        ("", 0, IMPORT_PASTE_BLOCK),
        ("   ", 0, IMPORT_PASTE_BLOCK),
        ("U1AB,U2AB", 1, IMPORT_PASTE_BLOCK),
        (None, 2, IMPORT_FILE_BLOCK),
    ],
)
def test_the_form_takes_either_text_or_one_file(pasted: str | None, files: int, block: str) -> None:
    with pytest.raises(FieldErrors) as raised:
        importer.check_sources(pasted, files)
    assert set(raised.value.errors) == {block}


class FakeDirectory:
    """People as Slack would describe them, and how often each was asked for."""

    def __init__(self, people: Mapping[str, Mapping[str, Any]]) -> None:
        self.people = people
        self.asked: list[str] = []

    def by_id(self, user_id: str) -> Mapping[str, Any] | None:
        self.asked.append(user_id)
        return self.people.get(user_id)

    def by_email(self, email: str) -> Mapping[str, Any] | None:
        self.asked.append(email)
        return next((p for p in self.people.values() if p.get("email") == email), None)


PEOPLE = {
    MENTOR: {"id": MENTOR, "email": "maria@x.org"},
    MENTEE: {"id": MENTEE, "email": "tomas@x.org"},
    "UBOTUSER": {"id": "UBOTUSER", "is_bot": True},
    "UGONE001": {"id": "UGONE001", "deleted": True, "email": "gone@x.org"},
    "UTHIRD01": {"id": "UTHIRD01"},
}


def test_checking_rows_resolves_each_person_once_and_names_the_problem() -> None:
    text = "\n".join(
        [
            f"{MENTOR},{MENTEE}",
            "maria@x.org,tomas@x.org",  # the same two people by email: resolved to the same ids
            f"{MENTOR},nobody@x.org",
            f"{MENTOR},UNOBODY1",
            f"UBOTUSER,{MENTEE}",
            f"{MENTOR},gone@x.org",
            f"maria@x.org,{MENTOR}",
        ]
    )
    directory = FakeDirectory(PEOPLE)
    checked = importer.check_rows(parse_csv(text, PROGRAM), directory)
    assert [(c.number, c.mentor_id, c.mentee_id, c.problem) for c in checked] == [
        (1, MENTOR, MENTEE, None),
        (2, MENTOR, MENTEE, None),
        (3, MENTOR, None, "mentee: unknown email"),
        (4, MENTOR, None, "mentee: unknown user ID"),
        (5, "UBOTUSER", MENTEE, "mentor is a bot"),
        (6, MENTOR, "UGONE001", "mentee is deactivated"),
        (7, MENTOR, MENTOR, "same person twice"),
    ]
    assert sorted(directory.asked) == sorted(set(directory.asked))


def test_a_directory_answer_without_a_user_id_counts_as_unknown() -> None:
    directory = FakeDirectory(
        {"X": {"id": "<!channel>", "email": "odd@x.org"}, MENTEE: {"id": MENTEE}}
    )
    (row,) = importer.check_rows(parse_csv(f"odd@x.org,{MENTEE}", PROGRAM), directory)
    assert row.problem == "mentor: unknown email" and row.mentor_id is None


def preview(db: Database, text: str, *, now: datetime = NOW) -> importer.ImportPreview:
    return importer.preview_import(
        db,
        base_settings(),
        team_id="T0001",
        admin_id=ADMIN,
        rows=parse_csv(text, PROGRAM),
        directory=FakeDirectory(PEOPLE),
        source="pasted",
        now=now,
    )


def test_a_preview_marks_duplicates_and_is_stored(any_db: Database) -> None:
    shown = preview(any_db, f"{MENTOR},{MENTEE},weekly\nUTHIRD01,{MENTOR}\n{MENTEE},{MENTOR}\n")
    assert [(r.number, r.problem) for r in shown.rows] == [
        (1, None),
        (2, None),
        (3, "duplicate of row 1"),
    ]
    assert [r.number for r in shown.pairable] == [1, 2]
    confirmed = importer.confirm_import(
        any_db, base_settings(), team_id="T0001", admin_id=ADMIN, batch_id=shown.batch_id, now=NOW
    )
    assert confirmed.rows == shown.rows
    assert confirmed.rows[0].pair_request().cadence == Cadence.WEEKLY


def test_a_batch_is_confirmed_once_only_by_an_admin_of_its_workspace(any_db: Database) -> None:
    shown = preview(any_db, f"{MENTOR},{MENTEE}")
    settings = base_settings()

    def confirm(**changes: Any) -> importer.ImportPreview:
        args = {"team_id": "T0001", "admin_id": ADMIN, "batch_id": shown.batch_id, "now": NOW}
        return importer.confirm_import(any_db, settings, **{**args, **changes})

    with pytest.raises(UserError, match="Only program admins"):
        confirm(admin_id=MENTOR)
    with pytest.raises(UserError, match="can't find that import"):
        confirm(team_id="T0002")
    with pytest.raises(UserError, match="can't find that import"):
        confirm(batch_id=shown.batch_id + 1000)
    with pytest.raises(UserError, match="more than a day old"):
        confirm(now=NOW + timedelta(days=1, minutes=1))
    confirm()
    with pytest.raises(UserError, match=f"already confirmed by <@{ADMIN}>"):
        confirm()


def test_a_preview_with_nothing_to_pair_cant_be_confirmed(any_db: Database) -> None:
    shown = preview(any_db, f"{MENTOR},{MENTOR}")
    with pytest.raises(UserError, match="nothing to do"):
        importer.confirm_import(
            any_db,
            base_settings(),
            team_id="T0001",
            admin_id=ADMIN,
            batch_id=shown.batch_id,
            now=NOW,
        )


def test_only_admins_preview() -> None:
    with pytest.raises(UserError, match="Only program admins can import"):
        importer.preview_import(
            None,  # type: ignore[arg-type]  # refused before the database is touched
            base_settings(),
            team_id="T0001",
            admin_id=MENTOR,
            rows=[],
            directory=FakeDirectory({}),
            source="pasted",
            now=NOW,
        )
