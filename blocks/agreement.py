"""Block Kit for the partnership agreement: the signable checklist, its edit modal, notices."""

from __future__ import annotations

import json

from blocks.text import escape, local_time, mention, mrkdwn, plain, truncate
from bot.agreement import AgreementState, Clause, ClauseField
from bot.ids import INPUT_ACTION, Action, View

FILLED = ":white_check_mark:"
EMPTY = ":white_large_square:"
# Two free-text fields share a section (3,000 characters); escaping can grow text fivefold.
VALUE_LIMIT = 1400


def _clause_text(clause: Clause, values: dict[str, str]) -> str:
    mark = FILLED if clause.is_filled(values) else EMPTY
    lines = [f"{mark} *{escape(clause.title)}*"]
    for field in clause.fields:
        value = values.get(field.key, "").strip()
        shown = truncate(escape(field.display(value)), VALUE_LIMIT) if value else "_not agreed yet_"
        lines.append(shown if len(clause.fields) == 1 else f"{escape(field.label)}: {shown}")
    return "\n".join(lines)


def _signature_line(state: AgreementState, user_id: str, role: str) -> str:
    signature = state.signature_of(user_id)
    if signature is None:
        return f":hourglass_flowing_sand: Waiting for {mention(user_id)} ({role}) to sign"
    return f":black_nib: {mention(user_id)} ({role}) signed on {local_time(signature.signed_at)}"


def agreement_summary(state: AgreementState) -> str:
    pair = state.pair
    if state.fully_signed:
        status = "signed by both partners"
    else:
        signed = len(state.signatures)
        status = (
            f"{state.filled_count} of {len(state.clauses)} clauses agreed, {signed} of 2 signed"
        )
    return (
        f"Partnership agreement (version {state.version}) between {mention(pair.mentor_id)} "
        f"and {mention(pair.mentee_id)}: {status}"
    )


def build_agreement_message(state: AgreementState) -> dict:
    """The agreement as an interactive checklist with Edit and Sign buttons."""
    pair = state.pair
    values = dict(state.values)
    title = "Partnership agreement — signed" if state.fully_signed else "Partnership agreement"
    blocks: list[dict] = [
        {"type": "header", "text": plain(title, 150)},
        {
            "type": "context",
            "elements": [
                mrkdwn(
                    f"Between {mention(pair.mentor_id)} (mentor) and {mention(pair.mentee_id)} "
                    f"(mentee) · version {state.version} · {state.filled_count} of "
                    f"{len(state.clauses)} clauses agreed"
                )
            ],
        },
    ]
    blocks += [
        {"type": "section", "block_id": f"clause_{c.key}", "text": mrkdwn(_clause_text(c, values))}
        for c in state.clauses
    ]
    blocks.append({"type": "divider"})
    lines = [
        _signature_line(state, pair.mentor_id, "mentor"),
        _signature_line(state, pair.mentee_id, "mentee"),
    ]
    if state.fully_signed:
        lines.insert(0, f":tada: *Signed by both of you.* This is version {state.version}.")
    else:
        lines.append(
            "_Each of you signs for yourself. Changing the agreement asks for new signatures._"
        )
    blocks.append({"type": "section", "block_id": "signatures", "text": mrkdwn("\n".join(lines))})
    buttons: list[dict] = [
        {
            "type": "button",
            "action_id": Action.AGREEMENT_EDIT,
            "text": plain("Edit agreement", 75),
            "value": str(pair.id),
        }
    ]
    if not state.fully_signed:
        buttons.append(
            {
                "type": "button",
                "action_id": Action.AGREEMENT_SIGN,
                "text": plain("Sign agreement", 75),
                "style": "primary",
                "value": f"{pair.id}:{state.version}",
            }
        )
    blocks.append({"type": "actions", "block_id": "agreement_actions", "elements": buttons})
    return {"text": agreement_summary(state), "blocks": blocks}


def _option(value: str, label: str) -> dict:
    return {"text": plain(label, 75), "value": value}


def _input(field: ClauseField, value: str) -> dict:
    element: dict
    if field.kind == "select":
        element = {
            "type": "static_select",
            "action_id": INPUT_ACTION,
            "placeholder": plain("Choose…", 150),
            "options": [_option(v, label) for v, label in field.options],
        }
        if value in dict(field.options):
            element["initial_option"] = _option(value, field.display(value))
    else:
        element = {
            "type": "plain_text_input",
            "action_id": INPUT_ACTION,
            "multiline": True,
            "max_length": field.max_length,
        }
        if field.placeholder:
            element["placeholder"] = plain(field.placeholder, 150)
        if value:
            element["initial_value"] = value[: field.max_length]
    return {
        "type": "input",
        "block_id": field.key,
        "label": plain(field.label, 2000),
        "optional": not field.required,
        "element": element,
    }


def build_agreement_edit_modal(state: AgreementState) -> dict:
    """A modal with every clause, current values filled in; remembers the version it edits."""
    values = dict(state.values)
    blocks: list[dict] = [
        {
            "type": "context",
            "elements": [
                mrkdwn(
                    f"Version {state.version}. Saving a change makes a new version, which you "
                    "both sign again."
                )
            ],
        }
    ]
    for clause in state.clauses:
        blocks += [_input(f, values.get(f.key, "")) for f in clause.fields]
    return {
        "type": "modal",
        "callback_id": View.AGREEMENT_EDIT,
        "title": plain("Edit agreement", 24),
        "submit": plain("Save", 24),
        "close": plain("Cancel", 24),
        "private_metadata": json.dumps({"pair": state.pair.id, "version": state.version}),
        "blocks": blocks,
    }


def build_agreement_changed_notice(
    state: AgreementState, *, editor_id: str, signatures_cleared: bool
) -> dict:
    """Tells both partners that the agreement changed and whether to sign again."""
    pair = state.pair
    text = (
        f"{mention(editor_id)} changed the partnership agreement: it is now version "
        f"{state.version}."
    )
    if signatures_cleared:
        text += (
            f" {mention(pair.mentor_id)} and {mention(pair.mentee_id)}, your signatures were for "
            f"version {state.version - 1}, so please read it again and sign the new version."
        )
    return {"text": text, "blocks": [{"type": "section", "text": mrkdwn(text)}]}
