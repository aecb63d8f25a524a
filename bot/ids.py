"""Every slash command, action id, callback id and block id the app uses, in one place."""

from __future__ import annotations

from enum import StrEnum

COMMAND = "/mentor"


class Action(StrEnum):
    """action_id of every interactive element the app listens to."""

    AGREEMENT_SIGN = "agreement_sign"
    AGREEMENT_EDIT = "agreement_edit"
    SESSION_RESCHEDULE = "session_reschedule"
    SESSION_SKIP = "session_skip"
    SESSION_CANCEL = "session_cancel"
    PROMPT_ANSWER = "prompt_answer"
    SESSION_HAPPENED = "session_happened"
    SESSION_DID_NOT_HAPPEN = "session_did_not_happen"
    DIARY_WRITE = "diary_write"
    DIARY_PAGE = "diary_page"
    AGENDA_POST = "agenda_post"
    ACTION_ADD = "action_add"
    ACTION_DONE = "action_done"
    GOAL_ADD = "goal_add"
    GOAL_REACHED = "goal_reached"
    # Home tab: open a pair's agreement, sign it from that modal, mark an item done.
    HOME_AGREEMENT_OPEN = "home_agreement_open"
    HOME_AGREEMENT_SIGN = "home_agreement_sign"
    HOME_ACTION_DONE = "home_action_done"
    # A session's "Add to calendar": its .ics goes to the clicker's DM.
    SESSION_CALENDAR = "session_calendar"
    # Pair lifecycle and CSV import: End partnership (after its confirm dialog), Confirm import.
    PAIR_END = "pair_end"
    IMPORT_CONFIRM = "import_confirm"
    # Program health: the report's Export CSV, a stalling nudge's Schedule.
    REPORT_EXPORT = "report_export"
    NUDGE_SCHEDULE = "nudge_schedule"


class View(StrEnum):
    """callback_id of every modal the app listens to."""

    AGREEMENT_EDIT = "agreement_edit"
    SCHEDULE = "schedule"
    RESCHEDULE = "reschedule"
    PROMPT_ANSWERS = "prompt_answers"
    DIARY = "diary"
    ACTION_ADD = "action_add"
    GOAL_ADD = "goal_add"
    FORGET_ME = "forget_me"
    IMPORT = "import"


# The action_id of inputs inside modals: the block_id says which field it is.
INPUT_ACTION = "value"
# The checkboxes block of the diary modal: share the entry, send open questions to the agenda.
DIARY_OPTIONS_BLOCK = "diary_options"
SHARE_WITH_PARTNER = "share"
OPEN_QUESTIONS_TO_AGENDA = "to_agenda"
# The import modal's inputs: the pasted CSV and the uploaded file.
IMPORT_PASTE_BLOCK = "import_csv"
IMPORT_FILE_BLOCK = "import_file"
