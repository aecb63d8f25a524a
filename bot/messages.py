"""Every sentence Mentorbot says to a person about a problem, in one place."""

from __future__ import annotations

PAIR_USAGE = "`/mentor pair @mentor @mentee`"

NOT_ADMIN_PAIR = (
    "Only program admins can pair people. If you'd like a mentor or a mentee, "
    "ask your program admin to pair you."
)
PAIR_NEEDS_TWO_MENTIONS = (
    "I need exactly two people, mentioned with @: " + PAIR_USAGE + ", the mentor first. "
    "Pick each name from the list Slack offers as you type @ so it turns into a mention."
)
PAIR_SAME_PERSON = "A pair needs two different people: the mentor and the mentee. " + PAIR_USAGE
PAIR_EXISTS = (
    "<@{first}> and <@{second}> are already paired ({status}). "
    "End that pair before pairing them again."
)
PERSON_IS_BOT = "<@{user}> is a bot or an app, not a person, so they can't be in a mentoring pair."
PERSON_DEACTIVATED = "<@{user}>'s account is deactivated, so they can't join a mentoring pair."
PERSON_NOT_FOUND = (
    "I couldn't find <@{user}> in this workspace. Mention them with @ so Slack fills in their name."
)
CONVERSATION_FAILED = (
    "I couldn't open a conversation with <@{mentor}> and <@{mentee}> (Slack said: {error}), "
    "so I didn't create the pair. Please try again in a minute."
)

NO_PAIR = (
    "You aren't in a mentoring pair yet. A program admin can pair you with "
    "`/mentor pair @mentor @mentee`."
)
SEVERAL_PAIRS = (
    "You're in several pairs ({partners}). Say which one by mentioning your partner, "
    "e.g. `/mentor {subcommand} @partner`, or run the command in that pair's conversation."
)
NOT_YOUR_PARTNER = "You aren't in a pair with <@{user}>. Your pairs are with {partners}."

NOT_A_PARTNER_SIGN = (
    "Only <@{mentor}> and <@{mentee}> can sign this agreement: each partner signs for themselves."
)
NOT_A_PARTNER_EDIT = "Only <@{mentor}> and <@{mentee}> can change their agreement."
AGREEMENT_OUTDATED = (
    "This message shows version {seen} of the agreement, but it has changed since "
    "(now version {current}). Sign the current version: `/mentor agreement` shows it."
)
AGREEMENT_CHANGED_WHILE_EDITING = (
    "Your partner changed the agreement while you were editing (it is now version "
    "{current}). Close this and press Edit again to start from the current version."
)
ALREADY_SIGNED = "You already signed version {version} of your agreement."
PAIR_ENDED = "This pair has ended, so its agreement can't be changed or signed any more."

OPTION_NOT_OFFERED = "Choose one of the options in the list."
TEXT_TOO_LONG = "Keep this to {limit} characters or fewer (it is {length})."
REQUIRED_FIELD = "This can't be left empty."

UNKNOWN_SUBCOMMAND = "I don't know `/mentor {subcommand}`. Here is what I can do:"
AGREEMENT_POSTED = "I've posted your agreement in your conversation with <@{partner}>."
BUTTON_NOT_VALID = (
    "That button doesn't belong to anything I know any more. Use `/mentor help` to find "
    "what you were looking for."
)

SCHEDULE_PICK_TIME = "Pick a date and a time for the session."
SCHEDULE_IN_PAST = "That time has already passed. Pick a time in the future."
SCHEDULE_TOO_FAR = "Pick a time within the next year."
SCHEDULE_LENGTH = "Choose one of this program's session lengths: {lengths} minutes."
SCHEDULE_RECURRENCE = "Choose how often the session repeats: {options}."
NOT_IN_THIS_PAIR = "You can only schedule and change sessions of a pair you're in."
PAIR_NOT_ACTIVE = "This pair is {status}, so its sessions can't be scheduled or changed."
SESSION_NOT_FOUND = "I can't find that session any more. `/mentor sessions` lists what's planned."
SESSION_NOT_SCHEDULED = "That session is already {status}, so it can't be changed."
PROMPT_NOT_YOURS = "This prompt is addressed to <@{user}>, so only they can answer it."
SESSION_WAS_CANCELLED = "That session was cancelled, so there's nothing to prepare any more."
ANSWERS_CLOSED = (
    "That session has started, so its preparation is closed. Bring your thoughts to the "
    "conversation instead."
)
ANSWER_AT_LEAST_ONE = "Answer at least one question (the others can stay empty)."
SESSION_NOT_YET = "That session hasn't happened yet. I'll ask you after it ends."
DIARY_NOT_YOURS = "You can only write a diary for sessions of a pair you're in."
SESSION_MOVED = "<@{user}> moved the session to {when}."

NO_SESSION_FOR_AGENDA = (
    "There's no session planned yet, so there's no agenda to show. Schedule one with "
    "`/mentor schedule`; its agenda fills itself from what you both say."
)
TOPIC_EMPTY = (
    "Say what you'd like to talk about, e.g. `/mentor agenda add Preparing my promotion case`."
)
TOPIC_TOO_LONG = (
    "Keep a topic to {limit} characters or fewer (it is {length}); details can wait for the "
    "session."
)
AGENDA_AGREEMENT_LINE = (
    "Read your agreement together (version {version}): {filled} of {total} clauses agreed, "
    "{signed} of 2 signatures."
)
AGENDA_POSTED_NOTE = "I've posted the agenda in your pair's conversation."
TOPIC_ADDED = "Added to the agenda of your session on {when}. `/mentor agenda` shows it."

ACTION_USAGE = (
    "Start with who owns it, mentioned with @, then what they'll do: "
    "`/mentor action @owner Draft the project proposal by friday`. The owner is you or your "
    "partner; the date is optional."
)
ACTION_TEXT_EMPTY = (
    "Say what needs doing, e.g. `/mentor action @owner Read the chapter on feedback`."
)
ACTION_DUE_FORMS = (
    "`by 2026-04-30`, `by today`, `by tomorrow`, `by friday` (the next one), `by next week` "
    "(next Monday) or `by in 3 days`"
)
ACTION_DUE_NOT_UNDERSTOOD = (
    "I couldn't read the due date. I take what follows the last “by” as the date; write it as "
    "{forms}."
)
ACTION_DUE_IN_PAST = "That due date has already passed. Pick today or later: {forms}."
ACTION_DUE_TOO_FAR = "Pick a due date within the next year."
ACTION_DUE_PASSED = "That date has already passed. Pick today or a later day."
ACTION_PICK_DATE = "Pick a date from the calendar."
ACTION_OWNER_OUTSIDE = (
    "An action item belongs to you or your partner, and <@{user}> isn't in a pair with you. "
    "Your pairs are with {partners}."
)
ACTION_OWNER_NOT_PARTNER = "Choose who owns it: <@{mentor}> or <@{mentee}>."
ACTION_WHICH_PAIR = (
    "You're in several pairs ({partners}), so I don't know which one this item is for. Run the "
    "command in that pair's conversation, or give it to your partner with `/mentor action "
    "@partner …`."
)
ACTION_NOT_YOUR_PAIR = "You can only add action items to a pair you're in."
ACTION_PAIR_NOT_ACTIVE = "This pair is {status}, so its action items can't be changed."
ACTION_NOT_FOUND = "I can't find that action item any more. `/mentor actions` lists the open ones."
ACTION_NOT_YOURS = (
    "That action item belongs to another pair: only its two partners can mark it done."
)
ACTION_ADDED = "Added. `/mentor actions` lists your pair's open items."
ACTION_ADDED_ELSEWHERE = "Added. I've noted it in your conversation with <@{partner}>."

GOAL_NOT_YOUR_PAIR = "You can only add goals to a pair you're in."
GOAL_PAIR_NOT_ACTIVE = "This pair is {status}, so its goals can't be changed."
GOAL_LIMIT = (
    "You already have {limit} open goals. Keep a few you can really work on: mark one reached "
    "before adding another."
)
GOAL_INDICATOR_EMPTY = "Say how you'll know you got there, e.g. “I lead the weekly team meeting”."
GOAL_PICK_DATE = "Pick a date from the calendar."
GOAL_TARGET_PASSED = "That date has already passed. Pick a target date in the future."
GOAL_TARGET_TOO_FAR = "Pick a target date within the next five years."
GOAL_NOT_FOUND = "I can't find that goal any more. `/mentor goals` lists your pair's goals."
GOAL_NOT_YOURS = "That goal belongs to another pair: only its two partners can mark it reached."

HOME_AGREEMENT_NOT_YOURS = (
    "You can only open the agreement of a pair you're in. Your Home tab lists your pairs."
)

CALENDAR_NOT_YOURS = "Only the two partners of a pair can add its sessions to their calendar."
CALENDAR_PAIR_NOT_ACTIVE = "This pair is {status}, so I won't put its sessions in your calendar."
CALENDAR_NOT_PLANNED = (
    "That session is {status}, so there's nothing to add to your calendar. "
    "`/mentor sessions` lists what's planned."
)
CALENDAR_SERIES_ENDED = (
    "Those sessions were cancelled, so there's nothing to add to your calendar. "
    "`/mentor sessions` lists what's planned."
)
CALENDAR_SENT = (
    "I've sent you a calendar file in our direct messages: open it and your calendar adds {what}."
)
CALENDAR_FILE_COMMENT = (
    "Your mentoring sessions with <@{partner}> · {what}. Open the file to add them to your "
    "calendar; downloading it again later updates the same entry."
)

EXPORT_SENT = (
    "I've sent you a file with everything I store about you in this workspace, in our direct "
    "messages."
)
EXPORT_FILE_COMMENT = (
    "Everything Mentorbot stores about you in this workspace, as JSON. "
    "`/mentor forget-me` deletes it."
)
FORGET_DONE = (
    "Done: I deleted {answers} and {diaries} of yours, ended {pairs}, and replaced your user id "
    "with the pseudonym `{pseudonym}` in the records your partners keep. Mentorbot's records in "
    "this workspace hold nothing more about you."
)
FORGET_NOTHING = "There's nothing about you in Mentorbot's records for this workspace any more."
FORGOTTEN_PAIR_ENDED = (
    "This pair has ended: one of its partners asked Mentorbot to delete their data. Your own "
    "diary entries and answers stay yours (`/mentor diary`, `/mentor export`)."
)

LIFECYCLE_USAGE = (
    "Run `/mentor {verb}` in your pair's conversation, or name your partner: "
    "`/mentor {verb} @partner`. Program admins name the pair by mentioning both partners: "
    "`/mentor {verb} @mentor @mentee`."
)
LIFECYCLE_NOT_ALLOWED = (
    "Only the two partners or a program admin can {verb} a pair. If something isn't working in "
    "a pair you're in, run the command in its conversation."
)
LIFECYCLE_NOT_THIS_PAIR = "Only <@{mentor}>, <@{mentee}> or a program admin can {verb} their pair."
LIFECYCLE_NOT_PAIRED = "<@{first}> and <@{second}> aren't paired with each other."
LIFECYCLE_NAME_BOTH = (
    "You aren't in a pair with <@{user}>. To {verb} someone else's pair, mention both partners: "
    "`/mentor {verb} @mentor @mentee`."
)
LIFECYCLE_NO_PAIR = (
    "You aren't in a mentoring pair, so there's nothing to {verb}. Program admins name a pair by "
    "mentioning both partners: `/mentor {verb} @mentor @mentee`."
)
PAIR_ALREADY_PAUSED = (
    "The pair of <@{mentor}> and <@{mentee}> is already paused. `/mentor resume` starts it again."
)
PAIR_ALREADY_ACTIVE = (
    "The pair of <@{mentor}> and <@{mentee}> is active, so there's nothing to resume."
)
PAIR_HAS_ENDED = (
    "The pair of <@{mentor}> and <@{mentee}> has ended, so it can't be paused, resumed or ended "
    "again. A program admin can pair them anew with `/mentor pair`."
)

NOT_ADMIN_IMPORT = (
    "Only program admins can import pairs. If you'd like a mentor or a mentee, ask your program "
    "admin to pair you."
)
IMPORT_NOTHING_GIVEN = "Paste the CSV here, or choose a CSV file below."
IMPORT_BOTH_GIVEN = "Paste the CSV or choose a file, not both."
IMPORT_ONE_FILE = "Choose one CSV file at a time."
IMPORT_NO_ROWS = (
    "I found no rows to import. Write one pair per line: `mentor,mentee` (Slack user IDs like "
    "U0123ABCD, or emails), optionally followed by `,cadence,length,program`."
)
IMPORT_TOO_MANY_ROWS = (
    "The CSV has {count} rows; I import at most {limit} at a time. Split it into smaller files."
)
IMPORT_FILE_TOO_BIG = "That file is larger than {limit} KB. Split it into smaller files."
IMPORT_FILE_NOT_TEXT = "I couldn't read that file as text. Save it as CSV (UTF-8) and try again."
IMPORT_FILE_UNREADABLE = (
    "I couldn't download that file from Slack ({error}). Try again, or paste the CSV instead."
)
IMPORT_BATCH_NOT_FOUND = (
    "I can't find that import any more. Run `/mentor import` again to preview it anew."
)
IMPORT_ALREADY_CONFIRMED = (
    "This import was already confirmed by <@{user}>, so I didn't create anything twice. Run "
    "`/mentor import` again to import more."
)
IMPORT_PREVIEW_EXPIRED = (
    "This preview is more than a day old and may be out of date. Run `/mentor import` again."
)
IMPORT_NOTHING_TO_CONFIRM = "None of this import's rows can be paired, so there's nothing to do."
ONLY_YOUR_OWN_DATA = (
    "`/mentor {subcommand}` is only ever about your own data, so it takes no names. Others can "
    "ask for theirs themselves."
)
IMPORT_BAD_CSV = "I couldn't read line {line} of the CSV ({error}). Fix it and try again."

NOT_ADMIN_REPORT = (
    "Only program admins can see the program report. If you'd like to know how your own pair "
    "is doing, `/mentor sessions` and `/mentor actions` show it."
)
REPORT_TAKES_NOTHING = "`/mentor report` takes nothing after it: it covers the whole workspace."
REPORT_EXPORT_FAILED = (
    "I couldn't send you the CSV (Slack said: {error}). Please try again in a minute."
)
IMPORT_SLACK_FAILED = (
    "Slack didn't answer while I was checking the rows, so nothing was created. Please try "
    "again in a minute."
)
DM_FAILED = (
    "I couldn't open a direct message with you (Slack said: {error}), so I couldn't send the "
    "file. Please try again in a minute."
)

# Matching (`/mentor match`, bot/matching.py): the reasons beside each proposed pair and each
# person left unmatched in the admin's preview. They name people by their role ("the mentee"),
# never by id (the preview shows the names), and skills by the program's labels.
MATCH_GOALS_ALL = "offers all {count} of the mentee's goals: {labels}"
MATCH_GOALS_THE_ONE = "offers the mentee's goal: {labels}"
MATCH_GOALS_SOME = "offers {shared} of the mentee's {count} goals: {labels}"
MATCH_GOALS_NONE = "offers none of the mentee's {count} goals"
MATCH_GOALS_NOT_CHOSEN = "the mentee chose no goals, so goals don't count"
MATCH_HOURS_TOGETHER = "both work {hours} at the same time of day ({zones})"
MATCH_HOURS_APART = (
    "both work {hours}, {apart} apart (mentee in {mentee_zone}, mentor in {mentor_zone}), "
    "so {overlap} a day overlap"
)
MATCH_HOURS_OVERLAP = (
    "their working hours overlap {overlap} a day: the mentee works {mentee_hours} "
    "({mentee_zone}), the mentor {mentor_hours} ({mentor_zone})"
)
MATCH_HOURS_NO_OVERLAP = (
    "their working hours don't overlap: the mentee works {mentee_hours} ({mentee_zone}), "
    "the mentor {mentor_hours} ({mentor_zone})"
)
MATCH_LANGUAGES_SHARED = "both speak {languages}"
MATCH_LANGUAGES_ONE_SIDE = "only the {named} named a language ({languages})"
MATCH_WORDS_SHARED = "both mention {words}"
MATCH_ROLE_EITHER = "the {side} enrolled as either a mentor or a mentee"

MATCH_NOBODY = "nobody enrolled as a {partner}"
MATCH_ALREADY_PAIRED = "already paired in this program with every {partner} who enrolled ({count})"
MATCH_ALL_EXCLUDED = "excluded from a pair with every {partner} who enrolled ({count})"
MATCH_NO_LANGUAGE = "no {partner} speaks {languages}"
MATCH_RULED_OUT = "every {partner} is ruled out: {parts}"
MATCH_RULED_OUT_PAIRED = "already paired with them in this program ({count})"
MATCH_RULED_OUT_EXCLUDED = "excluded for them ({count})"
MATCH_RULED_OUT_LANGUAGE = "no language in common ({count})"
MATCH_NO_GOOD_FIT = (
    "no {partner} fits well enough: the closest would score {best}, below the minimum of {minimum}"
)
MATCH_NO_PLACE_LEFT = "no mentor with a place left: of the mentors who'd fit them, {parts}"
MATCH_PLACES_FULL = "full ({count})"
MATCH_PLACED_AS_MENTEES = "placed as mentees instead ({count})"
MATCH_MENTEES_TAKEN = "the mentees who'd fit them are matched elsewhere: {parts}"
MATCH_HAVE_OTHER_MENTORS = "with other mentors ({count})"
MATCH_PLACED_AS_MENTORS = "placed as mentors instead ({count})"
MATCH_NEITHER_SIDE = "as a mentee, {as_mentee}; as a mentor, {as_mentor}"

# One click, one effect (bot/once.py, storage/pairs.lock_pair).
AGENDA_ALREADY_POSTED = (
    "I posted the agenda in your pair's conversation a moment ago, so I haven't posted it again."
)
LOST_RACE = (
    "That changed while I was on it (perhaps a second click, or your partner at the same "
    "moment), so I left it as it is now. Have a look and try again if it still needs doing."
)
CALENDAR_ALREADY_SENT = (
    "I sent you the calendar file for {what} a moment ago, in our direct messages; once is enough."
)
REPORT_ALREADY_SENT = (
    "I sent you the CSV a moment ago, in our direct messages, so I haven't sent it again."
)
