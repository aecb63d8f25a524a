"""Block Kit for CSV import: the form, the checking and preview steps, and the report."""

from __future__ import annotations

from collections.abc import Sequence

from blocks.text import button, escape, mention, mrkdwn, plain, quoted, section, truncate
from bot.ids import IMPORT_FILE_BLOCK, IMPORT_PASTE_BLOCK, INPUT_ACTION, Action, View
from bot.importer import MAX_ROWS, PAIRED, PASTE_LIMIT, ImportPreview, ImportReport, RowCheck
from bot.settings import ProgramSettings

TITLE = "Import pairs"
SECTION_LIMIT = 2900  # a section holds 3,000 characters; rows are grouped under that
MAX_SECTIONS = 40  # a modal holds 100 blocks, a message 50: the rest is summarised


def _modal(blocks: list[dict], *, close: str = "Close", **extra: object) -> dict:
    return {
        "type": "modal",
        "title": plain(TITLE, 24),
        "close": plain(close, 24),
        "blocks": blocks,
        **extra,
    }


def build_import_modal(program: ProgramSettings) -> dict:
    """The form: paste the CSV, or upload it as a file."""
    cadences = ", ".join(c.value for c in program.cadences)
    lengths = ", ".join(str(n) for n in program.lengths)
    intro = (
        "One pair per line: `mentor,mentee`, optionally followed by `,cadence,length,program`. "
        "Name people by Slack user ID (like U0123ABCD; in a profile: ⋮ › Copy member ID) or by "
        "the email of their Slack account. A header row is optional.\n"
        f"Cadence: {cadences}. Length in minutes: {lengths}. Left empty, the program's defaults "
        "apply.\nNothing is created until you confirm the preview."
    )
    paste = {
        "type": "input",
        "block_id": IMPORT_PASTE_BLOCK,
        "optional": True,
        "label": plain("Paste the CSV", 2000),
        "hint": plain(
            f"Up to {PASTE_LIMIT:,} characters (about 50 rows). For more, upload a file.", 2000
        ),
        "element": {
            "type": "plain_text_input",
            "action_id": INPUT_ACTION,
            "multiline": True,
            "max_length": PASTE_LIMIT,
            "placeholder": plain(
                "maria@example.com,tomas@example.com,biweekly,60,Engineering", 150
            ),
        },
    }
    upload = {
        "type": "input",
        "block_id": IMPORT_FILE_BLOCK,
        "optional": True,
        "label": plain("…or upload a CSV file", 2000),
        "hint": plain(f"One file, UTF-8, up to {MAX_ROWS} rows.", 2000),
        "element": {
            "type": "file_input",
            "action_id": INPUT_ACTION,
            "filetypes": ["csv", "txt"],
            "max_files": 1,
        },
    }
    return _modal(
        [section(intro), paste, upload],
        close="Cancel",
        callback_id=View.IMPORT,
        submit=plain("Preview", 24),
    )


def _note(text: str) -> dict:
    return {"text": text, "blocks": [section(text)]}


def build_import_checking() -> dict:
    """Shown (in the modal) while the rows are checked with Slack; a long file takes a while."""
    return _note(
        ":hourglass_flowing_sand: Checking every row with Slack… The preview appears here in a "
        "moment. Nothing is created yet."
    )


def build_import_problem(message: str) -> dict:
    """Something about the whole import went wrong (our own wording, no user text)."""
    return _note(f":warning: {message}")


def _person(written: str, user_id: str | None) -> str:
    return mention(user_id) if user_id else quoted(written, 80)


def _terms(row: RowCheck) -> str:
    parts = []
    if row.cadence is not None:
        parts.append(row.cadence.value)
    if row.length_minutes is not None:
        parts.append(f"{row.length_minutes} min")
    if row.program:
        parts.append(escape(truncate(row.program, 64)))
    return "".join(f" · {part}" for part in parts)


def _row_line(row: RowCheck, outcome: str) -> str:
    who = f"{_person(row.mentor, row.mentor_id)} → {_person(row.mentee, row.mentee_id)}"
    return f"*Row {row.number}*: {who}{_terms(row)} — {outcome}"


def _grouped(lines: Sequence[str]) -> list[dict]:
    """Lines in as few sections as fit; past MAX_SECTIONS, a count of the rest."""
    sections: list[str] = []
    current = ""
    for number, line in enumerate(lines):
        line = truncate(line, SECTION_LIMIT)
        if current and len(current) + 1 + len(line) > SECTION_LIMIT:
            if len(sections) + 1 == MAX_SECTIONS:
                current += f"\n…and {len(lines) - number} more rows."
                break
            sections.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        sections.append(truncate(current, 3000))
    return [section(text) for text in sections]


def _preview_outcome(row: RowCheck) -> str:
    if row.will_pair:
        return ":white_check_mark: will pair"
    return f":x: {escape(row.problem or 'not pairable')}"


def build_import_preview(preview: ImportPreview) -> dict:
    """Every row as "will pair" or why not; Confirm import when there is anything to create.

    A message (the modal shows the same blocks): it goes to the admin's DM if the modal closed.
    """
    total, pairable = len(preview.rows), len(preview.pairable)
    source = "pasted text" if preview.source == "pasted" else quoted(preview.source, 150)
    summary = (
        f"*{pairable} of {total} row{'s' if total != 1 else ''} will pair* (from {source}). "
        "This is a preview: nothing has been created yet."
    )
    blocks: list[dict] = [section(summary), {"type": "divider"}]
    blocks += _grouped([_row_line(row, _preview_outcome(row)) for row in preview.rows])
    blocks.append({"type": "divider"})
    if pairable:
        blocks.append(
            {
                "type": "context",
                "elements": [
                    mrkdwn(
                        f"Confirming creates {pairable} pair{'s' if pairable != 1 else ''}: "
                        "each gets its conversation, a welcome, its agreement and first-meeting "
                        "forms. Rows that can't pair are skipped."
                    )
                ],
            }
        )
        blocks.append(
            {
                "type": "actions",
                "block_id": "import_confirm",
                "elements": [
                    button(
                        Action.IMPORT_CONFIRM, "Confirm import", str(preview.batch_id), primary=True
                    )
                ],
            }
        )
    else:
        blocks.append(
            {
                "type": "context",
                "elements": [mrkdwn("Fix the rows above and run `/mentor import` again.")],
            }
        )
    return {"text": summary, "blocks": blocks}


def as_import_modal(message: dict, *, close: str = "Close") -> dict:
    """A message of this module shown in the import modal instead."""
    return _modal(list(message["blocks"]), close=close)


def build_import_running(count: int) -> dict:
    """Shown while the confirmed pairs are created."""
    return _note(
        f":hourglass_flowing_sand: Creating {count} pair{'s' if count != 1 else ''}… "
        "Each row's outcome appears here when it's done."
    )


def _report_outcome(row: RowCheck, outcome: str | None) -> str:
    if outcome is None:
        return f":heavy_minus_sign: skipped: {escape(row.problem or 'not pairable')}"
    if outcome == PAIRED:
        return ":white_check_mark: paired"
    if outcome.startswith(PAIRED):
        return f":warning: {escape(outcome)}"
    return f":warning: not created: {escape(outcome)}"


def build_import_report(report: ImportReport) -> dict:
    """Each row's outcome."""
    created = report.created
    others = len(report.preview.rows) - created
    summary = (
        f":white_check_mark: *Created {created} pair{'s' if created != 1 else ''}.* "
        f"{others} row{'s' if others != 1 else ''} not created."
    )
    lines = [
        _row_line(row, _report_outcome(row, report.results.get(row.number)))
        for row in report.preview.rows
    ]
    return {"text": summary, "blocks": [section(summary), {"type": "divider"}, *_grouped(lines)]}
