"""Turns Slack payloads into plain values, tolerating missing keys and wrong types.

All text that enters from Slack (slash command text, modal values, button values, metadata)
passes through `clean_text` here, once: no NUL (PostgreSQL can't store it), no lone
surrogate (UTF-8 can't encode it), and text with nothing visible in it is empty.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

# Characters that show nothing on their own: controls, format characters (zero-width space,
# joiners, direction marks, BOM, tags), separators, combining marks without a base, and the
# blank "letters" Hangul fillers and the empty braille pattern.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zs", "Zl", "Zp", "Mn", "Me"})
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# What may be trimmed around text: whitespace and these; never a variation selector or a tag
# character, which end emoji sequences (❤️, a subdivision flag).
_TRIMMABLE = _BLANK_LETTERS | frozenset(
    "\u00ad\u034f\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff"
)


def _visible(char: str) -> bool:
    return unicodedata.category(char) not in _INVISIBLE_CATEGORIES and char not in _BLANK_LETTERS


def _trimmable(char: str) -> bool:
    return char.isspace() or char in _TRIMMABLE


def clean_text(text: str) -> str:
    """`text` as typed, minus what no database or person can use: NUL and lone surrogates go,
    whitespace and invisible characters around it are trimmed, and text with nothing visible
    in it is empty."""
    kept = "".join(c for c in text if c != "\x00" and not "\ud800" <= c <= "\udfff")
    if not any(_visible(c) for c in kept):
        return ""
    start, end = 0, len(kept)
    while _trimmable(kept[start]):
        start += 1
    while _trimmable(kept[end - 1]):
        end -= 1
    return kept[start:end]


def clean(value: Any) -> Any:
    """`value` with `clean_text` applied to every string in it (lists and objects too)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [clean(v) for v in value]
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    return value


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def element_value(state: Any) -> Any:
    """The value a person entered in one input, by element type, cleaned; None when empty (as
    Slack sends an input left empty, also when nothing visible was typed)."""
    value = clean(_entered(_dict(state)))
    return None if value == "" else value


def _entered(state: dict) -> Any:
    kind = state.get("type")
    if kind in ("static_select", "radio_buttons", "external_select"):
        return _dict(state.get("selected_option")).get("value")
    if kind in ("checkboxes", "multi_static_select"):
        options = state.get("selected_options")
        return [_dict(o).get("value") for o in options] if isinstance(options, list) else []
    if kind == "datepicker":
        return state.get("selected_date")
    if kind == "timepicker":
        return state.get("selected_time")
    if kind == "datetimepicker":
        return state.get("selected_date_time")
    if kind == "users_select":
        return state.get("selected_user")
    if kind == "conversations_select":
        return state.get("selected_conversation")
    return state.get("value")


def view_values(view: Any) -> dict[str, Any]:
    """block_id -> entered value for every input of a submitted view."""
    values = _dict(_dict(_dict(view).get("state")).get("values"))
    found: dict[str, Any] = {}
    for block_id, actions in values.items():
        for state in _dict(actions).values():
            found[str(block_id)] = element_value(state)
            break
    return found


def text_values(view: Any) -> dict[str, str | None]:
    """Like view_values, but anything that isn't a string (a forged type) counts as empty."""
    return {k: (v if isinstance(v, str) else None) for k, v in view_values(view).items()}


def private_metadata(view: Any) -> dict[str, Any]:
    try:
        data = json.loads(_dict(view).get("private_metadata") or "{}")
    except (TypeError, ValueError, RecursionError):
        return {}
    return clean(data) if isinstance(data, dict) else {}


def int_or_none(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        # The same range as the digit strings below: a forged 2**63 would overflow the query.
        return value if 0 <= value < 10**11 else None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 12:
        return int(value)
    return None


def split_ids(value: Any, count: int) -> tuple[int, ...] | None:
    """`"12:3"` -> (12, 3) for a button value holding `count` ids; None when malformed."""
    if not isinstance(value, str):
        return None
    parts = [int_or_none(p) for p in value.split(":")]
    if len(parts) != count or any(p is None for p in parts):
        return None
    return tuple(p for p in parts if p is not None)


def first_action_value(body: dict) -> Any:
    """The value of the button (or option) that was clicked; None when there is none."""
    actions = body.get("actions")
    if isinstance(actions, list) and actions and isinstance(actions[0], dict):
        action = actions[0]
        if "value" in action:
            return clean(action.get("value"))
        return clean(_dict(action.get("selected_option")).get("value"))
    return None


def clicked_on_home(body: dict) -> bool:
    """Whether the click came from the person's Home tab (rather than a message or modal)."""
    return _dict(body.get("view")).get("type") == "home"


def clicked_block(body: dict) -> str:
    """The block_id of the clicked element ("" when the payload has none)."""
    clicked = body.get("actions")
    if isinstance(clicked, list) and clicked and isinstance(clicked[0], dict):
        block_id = clicked[0].get("block_id")
        return block_id if isinstance(block_id, str) else ""
    return ""
