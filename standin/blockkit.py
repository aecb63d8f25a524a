"""Block Kit validation against Slack's documented limits, for the Slack stand-in and tests."""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

# Limits, as documented in Slack's Block Kit reference (docs.slack.dev/reference/block-kit).
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_MESSAGE_TEXT = 40_000
MAX_ID = 255  # block_id, action_id, callback_id, external_id
MAX_SECTION_TEXT = 3000
MAX_SECTION_FIELDS = 10
MAX_SECTION_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_ACTIONS_ELEMENTS = 25
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_URL = 3000
MAX_PLACEHOLDER = 150
MAX_SELECT_OPTIONS = 100
MAX_OPTION_GROUPS = 100
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150
MAX_OPTION_DESCRIPTION = 75
MAX_CHOICE_OPTIONS = 10  # checkboxes, radio_buttons
MAX_OVERFLOW_OPTIONS = 5
MAX_TEXT_INPUT_LENGTH = 3000  # plain_text_input min_length / max_length
MAX_INPUT_LABEL = 2000
MAX_INPUT_HINT = 2000
MAX_MODAL_TITLE = 24  # title, submit, close
MAX_PRIVATE_METADATA = 3000
MAX_IMAGE_ALT_TEXT = 2000
MAX_IMAGE_TITLE = 2000
MAX_MARKDOWN_BLOCK_TEXT = 12_000
MAX_CONFIRM_TITLE = 100
MAX_CONFIRM_TEXT = 300
MAX_CONFIRM_BUTTON = 30

_SELECTS = {
    "static_select",
    "external_select",
    "users_select",
    "conversations_select",
    "channels_select",
}
_MULTI_SELECTS = {"multi_" + s for s in _SELECTS}
_TEXT_INPUTS = {"plain_text_input", "email_text_input", "url_text_input", "number_input"}

ELEMENT_TYPES = (
    {
        "button",
        "overflow",
        "datepicker",
        "timepicker",
        "datetimepicker",
        "checkboxes",
        "radio_buttons",
        "image",
        "rich_text_input",
        "file_input",
        "workflow_button",
    }
    | _SELECTS
    | _MULTI_SELECTS
    | _TEXT_INPUTS
)

_INTERACTIVE_CHOOSERS = (
    {"checkboxes", "datepicker", "overflow", "radio_buttons", "timepicker"}
    | _SELECTS
    | _MULTI_SELECTS
)
SECTION_ACCESSORY_TYPES = _INTERACTIVE_CHOOSERS | {"button", "image", "workflow_button"}
ACTIONS_ELEMENT_TYPES = _INTERACTIVE_CHOOSERS | {
    "button",
    "datetimepicker",
    "rich_text_input",
    "workflow_button",
}
INPUT_ELEMENT_TYPES = (
    {
        "checkboxes",
        "datepicker",
        "datetimepicker",
        "file_input",
        "radio_buttons",
        "rich_text_input",
        "timepicker",
    }
    | _SELECTS
    | _MULTI_SELECTS
    | _TEXT_INPUTS
)

# Keys Slack accepts on each block / element (anything else is rejected by Slack's schema).
_BLOCK_KEYS: dict[str, set[str]] = {
    "section": {"text", "fields", "accessory", "expand"},
    "divider": set(),
    "header": {"text"},
    "context": {"elements"},
    "actions": {"elements"},
    "image": {"image_url", "slack_file", "alt_text", "title"},
    "input": {"label", "element", "dispatch_action", "hint", "optional"},
    "markdown": {"text"},
    "rich_text": {"elements"},
    "file": {"external_id", "source"},
    "video": {
        "alt_text",
        "author_name",
        "description",
        "provider_icon_url",
        "provider_name",
        "title",
        "title_url",
        "thumbnail_url",
        "video_url",
    },
    "table": {"rows", "column_settings"},
}
# Real Slack block types that are only checked through slack_sdk's models here.
_LIGHTLY_CHECKED_BLOCKS = {"call", "context_actions"}

_COMMON_ELEMENT_KEYS = {"action_id", "confirm", "focus_on_load", "placeholder"}
_SELECT_KEYS = {
    "static_select": {"options", "option_groups", "initial_option"},
    "external_select": {"initial_option", "min_query_length"},
    "users_select": {"initial_user"},
    "conversations_select": {
        "initial_conversation",
        "default_to_current_conversation",
        "response_url_enabled",
        "filter",
    },
    "channels_select": {"initial_channel", "response_url_enabled"},
    "multi_static_select": {"options", "option_groups", "initial_options", "max_selected_items"},
    "multi_external_select": {"initial_options", "min_query_length", "max_selected_items"},
    "multi_users_select": {"initial_users", "max_selected_items"},
    "multi_conversations_select": {
        "initial_conversations",
        "default_to_current_conversation",
        "max_selected_items",
        "filter",
    },
    "multi_channels_select": {"initial_channels", "max_selected_items"},
}
_ELEMENT_KEYS: dict[str, set[str]] = {
    "button": {"action_id", "text", "url", "value", "style", "confirm", "accessibility_label"},
    "overflow": {"action_id", "options", "confirm"},
    "datepicker": _COMMON_ELEMENT_KEYS | {"initial_date"},
    "timepicker": _COMMON_ELEMENT_KEYS | {"initial_time", "timezone"},
    "datetimepicker": {"action_id", "initial_date_time", "confirm", "focus_on_load"},
    "plain_text_input": _COMMON_ELEMENT_KEYS
    | {"initial_value", "multiline", "min_length", "max_length", "dispatch_action_config"},
    "email_text_input": _COMMON_ELEMENT_KEYS | {"initial_value", "dispatch_action_config"},
    "url_text_input": _COMMON_ELEMENT_KEYS | {"initial_value", "dispatch_action_config"},
    "number_input": _COMMON_ELEMENT_KEYS
    | {"is_decimal_allowed", "initial_value", "min_value", "max_value", "dispatch_action_config"},
    "checkboxes": {"action_id", "options", "initial_options", "confirm", "focus_on_load"},
    "radio_buttons": {"action_id", "options", "initial_option", "confirm", "focus_on_load"},
    "image": {"image_url", "slack_file", "alt_text"},
    "rich_text_input": _COMMON_ELEMENT_KEYS | {"initial_value", "dispatch_action_config"},
    "file_input": {"action_id", "filetypes", "max_files"},
    "workflow_button": {"text", "workflow", "action_id", "style", "accessibility_label"},
    **{name: _COMMON_ELEMENT_KEYS | keys for name, keys in _SELECT_KEYS.items()},
}

_VIEW_INPUT_KEYS = {
    "type",
    "title",
    "blocks",
    "close",
    "submit",
    "private_metadata",
    "callback_id",
    "clear_on_close",
    "notify_on_close",
    "external_id",
    "submit_disabled",
}
# Keys Slack adds to views it returns; passing a returned view back is tolerated here.
_VIEW_RETURNED_KEYS = {
    "id",
    "team_id",
    "state",
    "hash",
    "root_view_id",
    "previous_view_id",
    "app_id",
    "app_installed_team_id",
    "bot_id",
}

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def validate_message_blocks(blocks: list | None, *, text: str | None = None) -> list[str]:
    """Return every problem Slack would reject in a message's `blocks` (and fallback `text`)."""
    problems: list[str] = []
    if text is not None:
        if not isinstance(text, str):
            problems.append("text: must be a string")
        elif len(text) > MAX_MESSAGE_TEXT:
            problems.append(f"text: longer than {MAX_MESSAGE_TEXT} characters")
    if blocks is None:
        return problems
    if not isinstance(blocks, list):
        return [*problems, "blocks: must be an array"]
    if len(blocks) > MAX_MESSAGE_BLOCKS:
        problems.append(f"blocks: more than {MAX_MESSAGE_BLOCKS} blocks ({len(blocks)})")
    problems.extend(_Checker().blocks(blocks, "blocks"))
    return problems


def validate_view(view: dict) -> list[str]:
    """Return every problem Slack would reject in a modal or Home tab view payload."""
    if not isinstance(view, dict):
        return ["view: must be an object"]
    problems: list[str] = []
    view_type = view.get("type")
    if view_type not in ("modal", "home"):
        problems.append(f"type: must be 'modal' or 'home', got {view_type!r}")
    for key in view:
        if key not in _VIEW_INPUT_KEYS and key not in _VIEW_RETURNED_KEYS:
            problems.append(f"{key}: unknown view field")
    blocks = view.get("blocks")
    if blocks is None:
        problems.append("blocks: required")
        blocks = []
    elif not isinstance(blocks, list):
        problems.append("blocks: must be an array")
        blocks = []
    elif not blocks:
        problems.append("blocks: a view needs at least one block")
    elif len(blocks) > MAX_VIEW_BLOCKS:
        problems.append(f"blocks: more than {MAX_VIEW_BLOCKS} blocks ({len(blocks)})")

    checker = _Checker()
    if view_type == "modal":
        if view.get("title") is None:
            problems.append("title: required for a modal")
        for key in ("title", "submit", "close"):
            if view.get(key) is not None:
                problems.extend(checker.text(view[key], key, plain=True, max_len=MAX_MODAL_TITLE))
        has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
        if has_input and view.get("submit") is None:
            problems.append("submit: required when the modal contains input blocks")
    elif view_type == "home":
        for key in ("title", "submit", "close"):
            if view.get(key) is not None:
                problems.append(f"{key}: not allowed in a home view")
    problems.extend(_max_str(view, "private_metadata", MAX_PRIVATE_METADATA))
    problems.extend(_max_str(view, "callback_id", MAX_ID))
    problems.extend(_max_str(view, "external_id", MAX_ID))
    for key in ("clear_on_close", "notify_on_close", "submit_disabled"):
        if key in view and not isinstance(view[key], bool):
            problems.append(f"{key}: must be a boolean")

    if not problems:
        # slack_sdk's own view model, for anything it knows that is not checked above.
        # Blocks are checked one by one below; a placeholder keeps the model's count check quiet.
        without_blocks = {**view, "blocks": [{"type": "divider"}]}
        try:
            View(**without_blocks).to_dict()
        except SlackObjectFormationError as e:
            problems.append(f"view: {e}")
        except Exception as e:  # a malformed payload can break the model itself
            problems.append(f"view: {type(e).__name__}: {e}")
    problems.extend(checker.blocks(blocks, "blocks"))
    return problems


def _max_str(obj: dict, key: str, limit: int, path: str | None = None) -> list[str]:
    where = path or key
    if key not in obj or obj[key] is None:
        return []
    value = obj[key]
    if not isinstance(value, str):
        return [f"{where}: must be a string"]
    if len(value) > limit:
        return [f"{where}: longer than {limit} characters"]
    return []


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _option_key(option: Any) -> tuple[Any, Any]:
    if not isinstance(option, dict):
        return (None, None)
    text = option.get("text")
    return (option.get("value"), text.get("text") if isinstance(text, dict) else text)


class _Checker:
    """Walks blocks, collecting problems and the block_ids seen in one message or view."""

    def __init__(self) -> None:
        self.block_ids: dict[str, str] = {}

    # -- blocks --------------------------------------------------------------------------------
    def blocks(self, blocks: Iterable[Any], path: str) -> list[str]:
        problems: list[str] = []
        for i, block in enumerate(blocks):
            where = f"{path}[{i}]"
            own = self.block(block, where)
            problems.extend(own)
            if not own and isinstance(block, dict):
                problems.extend(_sdk_block_problems(block, where))
        return problems

    def block(self, block: Any, path: str) -> list[str]:
        if not isinstance(block, dict):
            return [f"{path}: must be an object"]
        problems: list[str] = []
        block_type = block.get("type")
        block_id = block.get("block_id")
        if block_id is not None:
            if not isinstance(block_id, str) or not block_id:
                problems.append(f"{path}.block_id: must be a non-empty string")
            elif len(block_id) > MAX_ID:
                problems.append(f"{path}.block_id: longer than {MAX_ID} characters")
            elif block_id in self.block_ids:
                problems.append(
                    f"{path}.block_id: duplicate block_id {block_id!r} "
                    f"(also at {self.block_ids[block_id]})"
                )
            else:
                self.block_ids[block_id] = path
        if block_type in _LIGHTLY_CHECKED_BLOCKS:
            return problems
        if block_type not in _BLOCK_KEYS:
            return [*problems, f"{path}.type: unknown block type {block_type!r}"]
        allowed = _BLOCK_KEYS[block_type] | {"type", "block_id"}
        problems.extend(
            f"{path}.{k}: unknown field for {block_type}" for k in block if k not in allowed
        )
        check = getattr(self, f"_block_{block_type}", None)
        if check is not None:
            problems.extend(check(block, path))
        return problems

    def _block_section(self, block: dict, path: str) -> list[str]:
        problems: list[str] = []
        if block.get("text") is None and block.get("fields") is None:
            problems.append(f"{path}: a section needs text or fields")
        if block.get("text") is not None:
            problems.extend(self.text(block["text"], f"{path}.text", max_len=MAX_SECTION_TEXT))
        fields = block.get("fields")
        if fields is not None:
            if not isinstance(fields, list) or not fields:
                problems.append(f"{path}.fields: must be a non-empty array")
            else:
                if len(fields) > MAX_SECTION_FIELDS:
                    problems.append(f"{path}.fields: more than {MAX_SECTION_FIELDS} items")
                for j, field in enumerate(fields):
                    problems.extend(
                        self.text(field, f"{path}.fields[{j}]", max_len=MAX_SECTION_FIELD_TEXT)
                    )
        if block.get("accessory") is not None:
            problems.extend(
                self._placed_element(block["accessory"], f"{path}.accessory", "section")
            )
        return problems

    def _block_header(self, block: dict, path: str) -> list[str]:
        if block.get("text") is None:
            return [f"{path}.text: required"]
        return self.text(block["text"], f"{path}.text", plain=True, max_len=MAX_HEADER_TEXT)

    def _block_context(self, block: dict, path: str) -> list[str]:
        elements = block.get("elements")
        if not isinstance(elements, list) or not elements:
            return [f"{path}.elements: must be a non-empty array"]
        problems: list[str] = []
        if len(elements) > MAX_CONTEXT_ELEMENTS:
            problems.append(f"{path}.elements: more than {MAX_CONTEXT_ELEMENTS} elements")
        for j, element in enumerate(elements):
            where = f"{path}.elements[{j}]"
            kind = element.get("type") if isinstance(element, dict) else None
            if kind in ("plain_text", "mrkdwn"):
                problems.extend(self.text(element, where))
            elif kind == "image":
                problems.extend(self.element(element, where))
            else:
                problems.append(f"{where}: context elements must be text objects or images")
        return problems

    def _block_actions(self, block: dict, path: str) -> list[str]:
        elements = block.get("elements")
        if not isinstance(elements, list) or not elements:
            return [f"{path}.elements: must be a non-empty array"]
        problems: list[str] = []
        if len(elements) > MAX_ACTIONS_ELEMENTS:
            problems.append(f"{path}.elements: more than {MAX_ACTIONS_ELEMENTS} elements")
        action_ids: dict[str, int] = {}
        for j, element in enumerate(elements):
            where = f"{path}.elements[{j}]"
            problems.extend(self._placed_element(element, where, "actions"))
            action_id = element.get("action_id") if isinstance(element, dict) else None
            if isinstance(action_id, str):
                if action_id in action_ids:
                    problems.append(
                        f"{where}.action_id: duplicate action_id {action_id!r} in this block "
                        f"(also at elements[{action_ids[action_id]}])"
                    )
                else:
                    action_ids[action_id] = j
        return problems

    def _block_image(self, block: dict, path: str) -> list[str]:
        problems = self._image_source(block, path)
        if block.get("title") is not None:
            problems.extend(
                self.text(block["title"], f"{path}.title", plain=True, max_len=MAX_IMAGE_TITLE)
            )
        return problems

    def _block_input(self, block: dict, path: str) -> list[str]:
        problems: list[str] = []
        if block.get("label") is None:
            problems.append(f"{path}.label: required")
        else:
            problems.extend(
                self.text(block["label"], f"{path}.label", plain=True, max_len=MAX_INPUT_LABEL)
            )
        if block.get("hint") is not None:
            problems.extend(
                self.text(block["hint"], f"{path}.hint", plain=True, max_len=MAX_INPUT_HINT)
            )
        for key in ("optional", "dispatch_action"):
            if key in block and not isinstance(block[key], bool):
                problems.append(f"{path}.{key}: must be a boolean")
        if block.get("element") is None:
            problems.append(f"{path}.element: required")
        else:
            problems.extend(self._placed_element(block["element"], f"{path}.element", "input"))
        return problems

    def _block_markdown(self, block: dict, path: str) -> list[str]:
        if not isinstance(block.get("text"), str) or not block["text"]:
            return [f"{path}.text: must be a non-empty string"]
        return _max_str(block, "text", MAX_MARKDOWN_BLOCK_TEXT, f"{path}.text")

    # -- elements ------------------------------------------------------------------------------
    def _placed_element(self, element: Any, path: str, block_type: str) -> list[str]:
        allowed = {
            "section": SECTION_ACCESSORY_TYPES,
            "actions": ACTIONS_ELEMENT_TYPES,
            "input": INPUT_ELEMENT_TYPES,
        }[block_type]
        if isinstance(element, dict):
            kind = element.get("type")
            if kind in ELEMENT_TYPES and kind not in allowed:
                article = "an" if block_type[0] in "aeiou" else "a"
                return [f"{path}: a {kind} element is not allowed in {article} {block_type} block"]
        return self.element(element, path)

    def element(self, element: Any, path: str) -> list[str]:
        if not isinstance(element, dict):
            return [f"{path}: must be an object"]
        kind = element.get("type")
        if kind not in ELEMENT_TYPES:
            return [f"{path}.type: unknown element type {kind!r}"]
        problems = [
            f"{path}.{k}: unknown field for {kind}"
            for k in element
            if k != "type" and k not in _ELEMENT_KEYS[kind]
        ]
        if "action_id" in element:
            action_id = element["action_id"]
            if not isinstance(action_id, str) or not action_id:
                problems.append(f"{path}.action_id: must be a non-empty string")
            elif len(action_id) > MAX_ID:
                problems.append(f"{path}.action_id: longer than {MAX_ID} characters")
        if element.get("placeholder") is not None:
            problems.extend(
                self.text(
                    element["placeholder"],
                    f"{path}.placeholder",
                    plain=True,
                    max_len=MAX_PLACEHOLDER,
                )
            )
        if element.get("confirm") is not None:
            problems.extend(self._confirm(element["confirm"], f"{path}.confirm"))
        check_name = "_el_select" if kind in _SELECTS | _MULTI_SELECTS else f"_el_{kind}"
        check = getattr(self, check_name, None)
        if check is not None:
            problems.extend(check(element, path))
        return problems

    def _el_button(self, el: dict, path: str) -> list[str]:
        problems: list[str] = []
        if el.get("text") is None:
            problems.append(f"{path}.text: required")
        else:
            problems.extend(
                self.text(el["text"], f"{path}.text", plain=True, max_len=MAX_BUTTON_TEXT)
            )
        problems.extend(_max_str(el, "value", MAX_BUTTON_VALUE, f"{path}.value"))
        problems.extend(_max_str(el, "url", MAX_URL, f"{path}.url"))
        problems.extend(
            _max_str(el, "accessibility_label", MAX_BUTTON_TEXT, f"{path}.accessibility_label")
        )
        if "style" in el and el["style"] not in ("primary", "danger"):
            problems.append(f"{path}.style: must be 'primary' or 'danger'")
        return problems

    def _el_workflow_button(self, el: dict, path: str) -> list[str]:
        return self._el_button(el, path)

    def _el_overflow(self, el: dict, path: str) -> list[str]:
        options = el.get("options")
        if not isinstance(options, list) or not options:
            return [f"{path}.options: must be a non-empty array"]
        problems: list[str] = []
        if len(options) > MAX_OVERFLOW_OPTIONS:
            problems.append(f"{path}.options: more than {MAX_OVERFLOW_OPTIONS} options")
        for j, option in enumerate(options):
            problems.extend(self.option(option, f"{path}.options[{j}]", allow_url=True))
        return problems

    def _el_select(self, el: dict, path: str) -> list[str]:
        kind = el["type"]
        problems: list[str] = []
        multi = kind.startswith("multi_")
        if "max_selected_items" in el and (
            not _is_int(el["max_selected_items"]) or el["max_selected_items"] < 1
        ):
            problems.append(f"{path}.max_selected_items: must be an integer of at least 1")
        if kind.endswith("static_select"):
            options, option_problems = self._select_options(el, path)
            problems.extend(option_problems)
            known = {_option_key(o) for o in options}
            if multi:
                initial = el.get("initial_options")
                if initial is not None:
                    if not isinstance(initial, list):
                        problems.append(f"{path}.initial_options: must be an array")
                    else:
                        for j, option in enumerate(initial):
                            if _option_key(option) not in known:
                                problems.append(
                                    f"{path}.initial_options[{j}]: does not match any option"
                                )
            elif (
                el.get("initial_option") is not None
                and _option_key(el["initial_option"]) not in known
            ):
                problems.append(f"{path}.initial_option: does not match any option")
        elif kind.endswith("external_select"):
            key = "initial_options" if multi else "initial_option"
            initial = el.get(key)
            for j, option in enumerate(initial if multi and isinstance(initial, list) else []):
                problems.extend(self.option(option, f"{path}.{key}[{j}]"))
            if not multi and initial is not None:
                problems.extend(self.option(initial, f"{path}.{key}"))
        return problems

    def _select_options(self, el: dict, path: str) -> tuple[list, list[str]]:
        problems: list[str] = []
        options = el.get("options")
        groups = el.get("option_groups")
        if options is not None and groups is not None:
            return [], [f"{path}: options and option_groups cannot both be given"]
        if options is None and groups is None:
            return [], [f"{path}.options: required (or option_groups)"]
        collected: list = []
        if options is not None:
            if not isinstance(options, list) or not options:
                return [], [f"{path}.options: must be a non-empty array"]
            if len(options) > MAX_SELECT_OPTIONS:
                problems.append(f"{path}.options: more than {MAX_SELECT_OPTIONS} options")
            for j, option in enumerate(options):
                problems.extend(self.option(option, f"{path}.options[{j}]"))
            collected.extend(options)
        else:
            if not isinstance(groups, list) or not groups:
                return [], [f"{path}.option_groups: must be a non-empty array"]
            if len(groups) > MAX_OPTION_GROUPS:
                problems.append(f"{path}.option_groups: more than {MAX_OPTION_GROUPS} groups")
            for g, group in enumerate(groups):
                where = f"{path}.option_groups[{g}]"
                if not isinstance(group, dict):
                    problems.append(f"{where}: must be an object")
                    continue
                problems.extend(
                    self.text(
                        group.get("label"), f"{where}.label", plain=True, max_len=MAX_OPTION_TEXT
                    )
                )
                group_options = group.get("options")
                if not isinstance(group_options, list) or not group_options:
                    problems.append(f"{where}.options: must be a non-empty array")
                    continue
                if len(group_options) > MAX_SELECT_OPTIONS:
                    problems.append(f"{where}.options: more than {MAX_SELECT_OPTIONS} options")
                for j, option in enumerate(group_options):
                    problems.extend(self.option(option, f"{where}.options[{j}]"))
                collected.extend(group_options)
        return collected, problems

    def _choices(self, el: dict, path: str) -> tuple[set, list[str]]:
        options = el.get("options")
        if not isinstance(options, list) or not options:
            return set(), [f"{path}.options: must be a non-empty array"]
        problems: list[str] = []
        if len(options) > MAX_CHOICE_OPTIONS:
            problems.append(f"{path}.options: more than {MAX_CHOICE_OPTIONS} options")
        for j, option in enumerate(options):
            problems.extend(self.option(option, f"{path}.options[{j}]", plain_only=False))
        return {_option_key(o) for o in options}, problems

    def _el_checkboxes(self, el: dict, path: str) -> list[str]:
        known, problems = self._choices(el, path)
        initial = el.get("initial_options")
        if initial is not None:
            if not isinstance(initial, list):
                problems.append(f"{path}.initial_options: must be an array")
            else:
                for j, option in enumerate(initial):
                    if _option_key(option) not in known:
                        problems.append(f"{path}.initial_options[{j}]: does not match any option")
        return problems

    def _el_radio_buttons(self, el: dict, path: str) -> list[str]:
        known, problems = self._choices(el, path)
        if el.get("initial_option") is not None and _option_key(el["initial_option"]) not in known:
            problems.append(f"{path}.initial_option: does not match any option")
        return problems

    def _el_plain_text_input(self, el: dict, path: str) -> list[str]:
        problems: list[str] = []
        low, high = el.get("min_length"), el.get("max_length")
        if low is not None and (not _is_int(low) or not 0 <= low <= MAX_TEXT_INPUT_LENGTH):
            problems.append(
                f"{path}.min_length: must be an integer from 0 to {MAX_TEXT_INPUT_LENGTH}"
            )
            low = None
        if high is not None and (not _is_int(high) or not 1 <= high <= MAX_TEXT_INPUT_LENGTH):
            problems.append(
                f"{path}.max_length: must be an integer from 1 to {MAX_TEXT_INPUT_LENGTH}"
            )
            high = None
        if low is not None and high is not None and low > high:
            problems.append(f"{path}.min_length: greater than max_length")
        if "multiline" in el and not isinstance(el["multiline"], bool):
            problems.append(f"{path}.multiline: must be a boolean")
        if "initial_value" in el and not isinstance(el["initial_value"], str):
            problems.append(f"{path}.initial_value: must be a string")
        return problems

    def _el_number_input(self, el: dict, path: str) -> list[str]:
        problems: list[str] = []
        decimal = el.get("is_decimal_allowed")
        if not isinstance(decimal, bool):
            problems.append(f"{path}.is_decimal_allowed: required boolean")
        numbers: dict[str, float] = {}
        for key in ("initial_value", "min_value", "max_value"):
            if el.get(key) is None:
                continue
            raw = el[key]
            try:
                number = float(raw) if isinstance(raw, str) else float("nan")
            except ValueError:
                number = float("nan")
            if number != number:  # NaN: not a numeric string
                problems.append(f"{path}.{key}: must be a numeric string")
                continue
            if decimal is False and not number.is_integer():
                problems.append(f"{path}.{key}: decimals are not allowed")
            numbers[key] = number
        low, high = numbers.get("min_value"), numbers.get("max_value")
        if low is not None and high is not None and low > high:
            problems.append(f"{path}.min_value: greater than max_value")
        initial = numbers.get("initial_value")
        if initial is not None and (
            (low is not None and initial < low) or (high is not None and initial > high)
        ):
            problems.append(f"{path}.initial_value: outside min_value..max_value")
        return problems

    def _el_datepicker(self, el: dict, path: str) -> list[str]:
        value = el.get("initial_date")
        if value is None:
            return []
        if isinstance(value, str) and _DATE_RE.match(value):
            try:
                dt.date.fromisoformat(value)
                return []
            except ValueError:
                pass
        return [f"{path}.initial_date: must be a real date as YYYY-MM-DD"]

    def _el_timepicker(self, el: dict, path: str) -> list[str]:
        value = el.get("initial_time")
        if value is not None and not (isinstance(value, str) and _TIME_RE.match(value)):
            return [f"{path}.initial_time: must be HH:mm (24-hour)"]
        return []

    def _el_datetimepicker(self, el: dict, path: str) -> list[str]:
        value = el.get("initial_date_time")
        if value is not None and (not _is_int(value) or value < 0):
            return [f"{path}.initial_date_time: must be a UNIX timestamp in seconds"]
        return []

    def _el_image(self, el: dict, path: str) -> list[str]:
        return self._image_source(el, path)

    def _image_source(self, obj: dict, path: str) -> list[str]:
        problems: list[str] = []
        if obj.get("image_url") is None and obj.get("slack_file") is None:
            problems.append(f"{path}: image_url or slack_file required")
        problems.extend(_max_str(obj, "image_url", MAX_URL, f"{path}.image_url"))
        if not isinstance(obj.get("alt_text"), str) or not obj["alt_text"]:
            problems.append(f"{path}.alt_text: required")
        else:
            problems.extend(_max_str(obj, "alt_text", MAX_IMAGE_ALT_TEXT, f"{path}.alt_text"))
        return problems

    # -- composition objects -------------------------------------------------------------------
    def text(
        self,
        obj: Any,
        path: str,
        *,
        plain: bool = False,
        max_len: int | None = None,
    ) -> list[str]:
        if not isinstance(obj, dict):
            return [f"{path}: must be a text object"]
        kind = obj.get("type")
        problems: list[str] = []
        if kind not in ("plain_text", "mrkdwn"):
            return [f"{path}.type: must be plain_text or mrkdwn, got {kind!r}"]
        if plain and kind != "plain_text":
            problems.append(f"{path}: must be plain_text, got {kind}")
        allowed = (
            {"type", "text", "emoji"} if kind == "plain_text" else {"type", "text", "verbatim"}
        )
        problems.extend(
            f"{path}.{k}: not allowed in a {kind} text object" for k in obj if k not in allowed
        )
        value = obj.get("text")
        if not isinstance(value, str) or not value:
            problems.append(f"{path}.text: must be a non-empty string")
        elif max_len is not None and len(value) > max_len:
            problems.append(f"{path}: longer than {max_len} characters")
        return problems

    def option(
        self,
        option: Any,
        path: str,
        *,
        plain_only: bool = True,
        allow_url: bool = False,
    ) -> list[str]:
        if not isinstance(option, dict):
            return [f"{path}: must be an option object"]
        allowed = {"text", "value", "description"} | ({"url"} if allow_url else set())
        problems = [f"{path}.{k}: unknown field for an option" for k in option if k not in allowed]
        problems.extend(
            self.text(option.get("text"), f"{path}.text", plain=plain_only, max_len=MAX_OPTION_TEXT)
        )
        value = option.get("value")
        if not isinstance(value, str) or not value:
            problems.append(f"{path}.value: must be a non-empty string")
        elif len(value) > MAX_OPTION_VALUE:
            problems.append(f"{path}.value: longer than {MAX_OPTION_VALUE} characters")
        if option.get("description") is not None:
            problems.extend(
                self.text(
                    option["description"],
                    f"{path}.description",
                    plain=plain_only,
                    max_len=MAX_OPTION_DESCRIPTION,
                )
            )
        problems.extend(_max_str(option, "url", MAX_URL, f"{path}.url"))
        return problems

    def _confirm(self, confirm: Any, path: str) -> list[str]:
        if not isinstance(confirm, dict):
            return [f"{path}: must be a confirm object"]
        problems: list[str] = []
        for key, limit, plain in (
            ("title", MAX_CONFIRM_TITLE, True),
            ("text", MAX_CONFIRM_TEXT, False),
            ("confirm", MAX_CONFIRM_BUTTON, True),
            ("deny", MAX_CONFIRM_BUTTON, True),
        ):
            if confirm.get(key) is None:
                problems.append(f"{path}.{key}: required")
            else:
                problems.extend(
                    self.text(confirm[key], f"{path}.{key}", plain=plain, max_len=limit)
                )
        if "style" in confirm and confirm["style"] not in ("primary", "danger"):
            problems.append(f"{path}.style: must be 'primary' or 'danger'")
        return problems


def _sdk_block_problems(block: dict, path: str) -> list[str]:
    """Problems slack_sdk's models find in one block (only consulted when ours found none)."""
    try:
        parsed = Block.parse(copy.deepcopy(block))
        if parsed is None:
            return [f"{path}.type: unknown block type {block.get('type')!r}"]
        parsed.to_dict()
    except SlackObjectFormationError as e:
        return [f"{path}: {e}"]
    except Exception as e:  # malformed payloads can break the models themselves
        return [f"{path}: {type(e).__name__}: {e}"]
    return []
