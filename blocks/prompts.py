"""Block Kit for prompts: preparation and check-in DMs, "did it happen?", the diary and its list."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from blocks.actions import action_inputs
from blocks.sessions import build_session_message
from blocks.text import button, escape, local_time, mention, mrkdwn, plain, section, truncate
from bot.curriculum import Question, QuestionSet
from bot.ids import (
    DIARY_OPTIONS_BLOCK,
    INPUT_ACTION,
    OPEN_QUESTIONS_TO_AGENDA,
    SHARE_WITH_PARTNER,
    Action,
    View,
)
from bot.prompts import DiaryForm, DiaryPage, PromptContent, answer_block_id
from bot.sessions import SessionView
from storage.models import Kind, SessionStatus

ANSWER_LIMIT = 600  # characters of one answer shown back in a message


def _when(content: PromptContent) -> str:
    return local_time(content.session.starts_at, "{date_long_pretty} at {time}")


def _prompt_intro(content: PromptContent) -> str:
    partner = mention(content.partner)
    if content.kind == Kind.FIRST_MEETING:
        return (
            f":wave: Before you first meet {partner}: a few questions to make your first "
            "session count. Your answers go into your first session's agenda."
        )
    if content.kind == Kind.EXPECTATIONS:
        return (
            f":mag: You and {partner} have been meeting for a while. Is the way you work "
            "together still working? Your answers go into your next agenda."
        )
    if content.kind == Kind.CLOSING:
        return (
            f":checkered_flag: Your partnership with {partner} has ended. Thank you for the "
            "time you gave it. Take a few minutes to look back on it."
        )
    lead = (
        "Take a few minutes to prepare."
        if content.kind == Kind.PREP
        else "Time for a quick check-in."
    )
    return f":spiral_note_pad: Your session with {partner} is on {_when(content)}. {lead}"


def build_question_prompt(content: PromptContent) -> dict:
    """A question-set prompt (preparation, check-in, first meeting, expectations) with Answer."""
    assert content.question_set is not None and content.delivery.id is not None
    intro = _prompt_intro(content)
    questions = "\n".join(f"• {escape(q.label)}" for q in content.question_set.questions)
    value = str(content.delivery.id)
    blocks = [section(intro), section(truncate(questions, 2900))]
    if content.answer is not None:
        note = f":white_check_mark: You answered on {local_time(content.answer.answered_at)}."
        if content.open_for_answers:
            note += (
                " You can change it until the session starts."
                if content.kind in (Kind.PREP, Kind.CHECKIN)
                else ""
            )
            blocks.append({"type": "context", "elements": [mrkdwn(note)]})
            blocks.append(_actions(button(Action.PROMPT_ANSWER, "Edit answer", value)))
        else:
            blocks.append({"type": "context", "elements": [mrkdwn(note)]})
    elif content.open_for_answers:
        blocks.append(_actions(button(Action.PROMPT_ANSWER, "Answer", value, primary=True)))
    else:
        closed = "This session has started; its preparation is closed."
        blocks.append({"type": "context", "elements": [mrkdwn(closed)]})
    return {"text": intro, "blocks": blocks}


def _actions(*elements: dict) -> dict:
    return {"type": "actions", "block_id": "prompt_actions", "elements": list(elements)}


def _question_input(question_set: QuestionSet, question: Question, initial: str | None) -> dict:
    element: dict
    if question.kind == "choice":
        element = {
            "type": "radio_buttons",
            "action_id": INPUT_ACTION,
            "options": [{"text": plain(o.label, 75), "value": o.value} for o in question.options],
        }
        chosen = next((o for o in question.options if o.value == initial), None)
        if chosen is not None:
            element["initial_option"] = {"text": plain(chosen.label, 75), "value": chosen.value}
    else:
        element = {
            "type": "plain_text_input",
            "action_id": INPUT_ACTION,
            "multiline": question.multiline,
            "max_length": question.max_length,
        }
        if question.placeholder:
            element["placeholder"] = plain(question.placeholder, 150)
        if initial:
            element["initial_value"] = initial[: question.max_length]
    block = {
        "type": "input",
        "block_id": answer_block_id(question_set, question),
        "label": plain(question.label, 2000),
        "optional": True,
        "element": element,
    }
    if question.hint:
        block["hint"] = plain(question.hint, 2000)
    return block


def question_blocks(question_sets: Sequence[QuestionSet], answers: Mapping[str, str]) -> list[dict]:
    blocks: list[dict] = []
    for question_set in question_sets:
        if len(question_sets) > 1:
            blocks.append({"type": "header", "text": plain(question_set.title, 150)})
        if question_set.intro:
            blocks.append({"type": "context", "elements": [mrkdwn(escape(question_set.intro))]})
        blocks += [
            _question_input(question_set, q, answers.get(answer_block_id(question_set, q)))
            for q in question_set.questions
        ]
    return blocks


def _modal_context(content: PromptContent) -> str:
    partner = mention(content.partner)
    if content.meeting is None:
        where = f"For your partnership with {partner}."
    else:
        where = f"For your session with {partner} on {_when(content)}."
    return f"{where} Answer what helps; the rest can stay empty."


def build_answer_modal(content: PromptContent) -> dict:
    """The preparation or check-in questions, with earlier answers filled in."""
    assert content.question_set is not None
    answers = dict(content.answer.answers) if content.answer else {}
    return {
        "type": "modal",
        "callback_id": View.PROMPT_ANSWERS,
        "title": plain(content.question_set.title, 24),
        "submit": plain("Save", 24),
        "close": plain("Cancel", 24),
        "private_metadata": json.dumps({"delivery": content.delivery.id}),
        "blocks": [
            {
                "type": "context",
                "elements": [mrkdwn(_modal_context(content))],
            },
            *question_blocks([content.question_set], answers),
        ],
    }


def build_after_session_prompt(content: PromptContent) -> dict:
    """After a session: did it happen? Then the diary, or an offer to reschedule."""
    assert content.delivery.id is not None
    value = str(content.delivery.id)
    partner = mention(content.partner)
    status = content.session.status
    reminder = content.kind == Kind.DIARY_REMINDER
    if status == SessionStatus.SCHEDULED:
        question = (
            f":wave: A gentle reminder: did your session with {partner} on {_when(content)} happen?"
            if reminder
            else f":wave: Did your session with {partner} on {_when(content)} happen?"
        )
        return {
            "text": question,
            "blocks": [
                section(question),
                {
                    "type": "actions",
                    "block_id": "attendance",
                    "elements": [
                        button(Action.SESSION_HAPPENED, "Yes, it happened", value, primary=True),
                        button(Action.SESSION_DID_NOT_HAPPEN, "No, it didn't", value),
                    ],
                },
            ],
        }
    if status == SessionStatus.MISSED:
        text = (
            f"Noted: the session with {partner} on {_when(content)} didn't happen. "
            f"Want to find a new time?"
        )
        return {
            "text": text,
            "blocks": [
                section(text),
                {
                    "type": "actions",
                    "block_id": "attendance",
                    "elements": [
                        button(
                            Action.SESSION_RESCHEDULE,
                            "Reschedule",
                            str(content.session.id),
                            primary=True,
                        )
                    ],
                },
            ],
        }
    if content.diary is not None:
        text = (
            f":white_check_mark: Thanks, your diary for the session with {partner} "
            f"on {_when(content)} is written."
        )
        return {
            "text": text,
            "blocks": [
                section(text),
                {
                    "type": "actions",
                    "block_id": "attendance",
                    "elements": [button(Action.DIARY_WRITE, "Edit diary", str(content.session.id))],
                },
            ],
        }
    text = (
        f":spiral_note_pad: A gentle reminder: your learning diary for the "
        f"session with {partner} on {_when(content)} is still empty. A few "
        f"lines now will help at your next session."
        if reminder
        else (
            f":white_check_mark: Great, the session with {partner} on "
            f"{_when(content)} is marked as held. Take a few minutes for your "
            f"learning diary while it's fresh."
        )
    )
    return {
        "text": text,
        "blocks": [
            section(text),
            {
                "type": "actions",
                "block_id": "attendance",
                "elements": [
                    button(Action.DIARY_WRITE, "Write diary", str(content.session.id), primary=True)
                ],
            },
        ],
    }


def build_diary_modal(
    form: DiaryForm, *, partner_name: str = "", zones: Mapping[str, str | None] | None = None
) -> dict:
    """The diary and feedback questions, sharing choices, and an optional new action item.

    `zones` (both partners' time zones) ride in private_metadata so an action item's reminder
    can be planned at submission without calling Slack before the ack.
    """
    entry = form.entry
    answers = dict(entry.answers) if entry else {}
    partner = mention(form.pair.partner_of(form.author_id))
    options = [
        {"text": plain("Share this entry with my partner", 75), "value": SHARE_WITH_PARTNER},
        {
            "text": plain("Add my open questions to our next agenda", 75),
            "value": OPEN_QUESTIONS_TO_AGENDA,
        },
    ]
    checked = []
    if entry and entry.shared_with_partner:
        checked.append(options[0])
    if entry and entry.open_questions_to_agenda:
        checked.append(options[1])
    element: dict = {"type": "checkboxes", "action_id": INPUT_ACTION, "options": options}
    if checked:
        element["initial_options"] = checked
    return {
        "type": "modal",
        "callback_id": View.DIARY,
        "title": plain("Learning diary", 24),
        "submit": plain("Save", 24),
        "close": plain("Cancel", 24),
        "private_metadata": json.dumps({"session": form.meeting.id, "zones": dict(zones or {})}),
        "blocks": [
            {
                "type": "context",
                "elements": [
                    mrkdwn(
                        f"Your session with {partner} on {local_time(form.meeting.starts_at)}. "
                        f"Only you see this entry unless you share it. Answer at least one "
                        f"question."
                    )
                ],
            },
            *question_blocks(form.question_sets, answers),
            {
                "type": "input",
                "block_id": DIARY_OPTIONS_BLOCK,
                "optional": True,
                "label": plain("Sharing", 2000),
                "element": element,
            },
            {"type": "header", "text": plain("Add an action item (optional)", 150)},
            *action_inputs(
                form.pair, asker=form.author_id, partner_name=partner_name, optional=True
            ),
        ],
    }


def _entry_text(form_sets: Sequence[QuestionSet], answers: Mapping[str, str]) -> str:
    lines = []
    for question_set in form_sets:
        for question in question_set.questions:
            answer = answers.get(answer_block_id(question_set, question))
            if answer:
                lines.append(
                    f"*{escape(question.label)}*\n{truncate(escape(answer), ANSWER_LIMIT)}"
                )
    return truncate("\n".join(lines), 2900)


def build_shared_diary(form: DiaryForm) -> dict:
    """A copy of an entry its author chose to share, for the partner's DM."""
    assert form.entry is not None
    intro = (
        f":open_book: {mention(form.author_id)} shared their diary entry for "
        f"your session on {local_time(form.meeting.starts_at)}:"
    )
    return {
        "text": intro,
        "blocks": [section(intro), section(_entry_text(form.question_sets, form.entry.answers))],
    }


def build_diary_list(page: DiaryPage, *, asker: str) -> dict:
    """The asker's own entries, newest first, with Newer/Older buttons."""
    if not page.entries:
        text = (
            "Your learning diary is empty so far. After each session I'll ask you a few questions."
            if page.page == 0
            else "No older entries."
        )
        return {"text": text, "blocks": [section(text)]}
    blocks: list[dict] = [{"type": "header", "text": plain("Your learning diary", 150)}]
    for entry, meeting, pair in page.entries:
        partner = mention(pair.partner_of(asker)) if pair else "your partner"
        when = local_time(meeting.starts_at) if meeting else local_time(entry.written_at)
        shared = " · shared with your partner" if entry.shared_with_partner else " · private"
        blocks.append(
            {"type": "context", "elements": [mrkdwn(f"Session with {partner} on {when}{shared}")]}
        )
        blocks.append(section(_entry_text(page.question_sets, entry.answers) or "_(empty)_"))
        blocks.append({"type": "divider"})
    buttons = []
    if page.page > 0:
        buttons.append(button(Action.DIARY_PAGE, "Newer entries", str(page.page - 1)))
    if page.has_more:
        buttons.append(button(Action.DIARY_PAGE, "Older entries", str(page.page + 1)))
    if buttons:
        blocks.append({"type": "actions", "block_id": "diary_pages", "elements": buttons})
    return {"text": f"Your learning diary (page {page.page + 1})", "blocks": blocks}


def build_delivery_message(content: PromptContent) -> dict:
    """The message for any delivery kind."""
    if content.question_set is not None:
        return build_question_prompt(content)
    if content.kind == Kind.SESSION_ANNOUNCE:
        return build_session_message(SessionView(content.session, content.pair, content.cadence))
    return build_after_session_prompt(content)
