"""Hostile and malformed input: hypothesis strategies and a fixed list of nasty values.

What a tampering client (or a confused proxy) can put where Slack puts a string, an id or a
whole payload: random unicode, 10 kB strings, wrong JSON types, missing keys, and ids that
belong to somebody else. tests/test_hostile_input.py aims these at every surface the app
answers (the tables in handlers/__init__.py).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

BIG = 10_240  # "10 kB strings"
# Slack's own limits on what a client can send are far below these; a forged request isn't.
FIXED_TEXTS: tuple[str, ...] = (
    "",
    " \t\r\n",
    "a\x00b",
    "\u202eevil\u202c\u200b\ufeff",
    "\u200b\u200b\u200b",  # nothing visible: no topic, no goal, no answer
    "\u200b \ufeff \u2060\u3164\u2800",
    "ｍｅｎｔｏｒ İıß",
    "😀👩‍👩‍👧‍👦🏳️‍🌈",
    "<!channel> <!here> <!subteam^S123|@team>",
    "<@USTRANGE> <@UNEWYORK|nia> <@W0000000> <#C0GENERAL|general>",
    "<https://example.com|click me> &amp;&lt;&gt;& *b* _i_ ~s~ `c` ```x```",
    "'; DROP TABLE pairs; -- %s%n {0} ${jndi:ldap://example.invalid/a} ../../etc/passwd",
    "null",
    "[]",
    '{"pair": 1, "version": 1}',
    "NaN",
    "1e309",
    "-1",
    "0",
    "9223372036854775808",
    "１２３ ١٢٣",
    " 1",
    "1_000",
    "1:1",
    "1:1:1",
    ":",
    "-1:-1",
    "2026-02-30",
    "25:61",
    "x" * BIG,
    "é" * (BIG // 2),
    "😀" * (BIG // 4),
    "<@UMENTOR1> " * (BIG // 12),
    "\n" * BIG,
)
# Texts only JSON can carry (a form-encoded body is UTF-8, which has no lone surrogates):
# for modal inputs, button values and metadata.
JSON_TEXTS: tuple[str, ...] = ("\ud800", "x\udfffy", "a\x00\ud83d\x00b", "\udc00" * 100)

# Where the app put ids (button values, private_metadata): near-misses of an id, besides
# WRONG_TYPES. People type into commands and modal inputs: those get FIXED_TEXTS.
FIXED_IDS: tuple[str, ...] = (
    "",
    "null",
    "-1",
    "0",
    " 1",
    "1_000",
    "١٢٣",
    "1:1",
    "1:1:1",
    "-1:-1",
    ":",
    "9223372036854775808",
    "1e309",
    "NaN",
    '{"pair": 1, "version": 1}',
    "x" * BIG,
)

# Wrong types where a string (or an id) is expected.
WRONG_TYPES: tuple[Any, ...] = (
    None,
    0,
    -1,
    1,
    2**31,
    2**63,
    2**80,
    -(2**80),
    1.5,
    1e308,
    True,
    False,
    [],
    [1],
    ["1", "2"],
    {},
    {"value": "1"},
    {"id": 1},
)

_NO_SURROGATES = st.characters(exclude_categories=("Cs",))


def texts() -> st.SearchStrategy[str]:
    """Any text a tampered field could hold: fixed nasties, random unicode, 8–10 kB strings."""
    big = st.builds(
        lambda unit, size: (unit * (size // len(unit) + 1))[:size],
        st.text(alphabet=_NO_SURROGATES, min_size=1, max_size=4),
        st.integers(min_value=8_000, max_value=BIG),
    )
    return st.one_of(
        st.sampled_from(FIXED_TEXTS),
        st.text(alphabet=_NO_SURROGATES, max_size=40),
        st.text(max_size=12),  # lone surrogates too: they survive JSON's \u escapes
        big,
    )


def form_texts() -> st.SearchStrategy[str]:
    """Texts a form-encoded body can carry (UTF-8 can't encode a lone surrogate)."""
    return texts().filter(lambda text: not _has_surrogate(text))


def _has_surrogate(text: str) -> bool:
    return any(0xD800 <= ord(c) <= 0xDFFF for c in text)


def junk() -> st.SearchStrategy[Any]:
    """Any JSON value: texts, numbers of every size, booleans, null, lists, objects."""
    return st.one_of(
        texts(),
        st.sampled_from(WRONG_TYPES),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.lists(st.one_of(st.integers(), st.text(max_size=5), st.none()), max_size=3),
        st.dictionaries(st.text(max_size=6), st.one_of(st.integers(), st.none()), max_size=3),
    )


def ids_as_values(ids: Sequence[int]) -> st.SearchStrategy[Any]:
    """Row ids of other pairs and workspaces, as strings, ints and "a:b" button values."""
    if not ids:
        return st.nothing()
    one = st.sampled_from(sorted(set(ids)))
    return st.one_of(
        one.map(str),
        one,
        st.tuples(one, st.integers(min_value=0, max_value=5)).map(lambda t: f"{t[0]}:{t[1]}"),
        st.tuples(one, one).map(lambda t: f"{t[0]}:{t[1]}"),
    )


def swap_ids(value: Any, ids: Sequence[int]) -> st.SearchStrategy[Any]:
    """`value` (a real button value or metadata) with its numbers replaced by others' ids."""
    if not ids:
        return st.just(value)
    text = value if isinstance(value, str) else json.dumps(value)
    count = len(re.findall(r"\d+", text))
    if count == 0:
        return st.just(value)

    def rebuild(chosen: list[int]) -> Any:
        numbers = iter(chosen)
        swapped = re.sub(r"\d+", lambda _m: str(next(numbers)), text)
        if isinstance(value, str):
            return swapped
        try:
            return json.loads(swapped)
        except ValueError:
            return value

    return st.lists(st.sampled_from(sorted(set(ids))), min_size=count, max_size=count).map(rebuild)


# -- payload surgery ---------------------------------------------------------------------------
Path = tuple[Any, ...]


def paths(payload: Any, *, keep: Sequence[Path] = (), limit: int = 5000) -> list[Path]:
    """Every key path in `payload` (dicts and lists), except `keep` and what lies on its way."""
    found: list[Path] = []

    def walk(node: Any, path: Path) -> None:
        if len(found) >= limit:
            return
        items: Sequence[tuple[Any, Any]]
        if isinstance(node, dict):
            items = list(node.items())
        elif isinstance(node, list):
            items = list(enumerate(node))
        else:
            return
        for key, child in items:
            here = (*path, key)
            if not any(here == k[: len(here)] for k in keep):
                found.append(here)
            walk(child, here)

    walk(payload, ())
    return found


def without(payload: Any, path: Path) -> Any:
    """A copy of `payload` with the key (or list item) at `path` removed."""
    result = copy.deepcopy(payload)
    parent = _get(result, path[:-1])
    if isinstance(parent, dict):
        parent.pop(path[-1], None)
    elif isinstance(parent, list) and isinstance(path[-1], int) and path[-1] < len(parent):
        del parent[path[-1]]
    return result


def replaced(payload: Any, path: Path, value: Any) -> Any:
    """A copy of `payload` with the value at `path` replaced."""
    result = copy.deepcopy(payload)
    if not path:
        return copy.deepcopy(value)
    parent = _get(result, path[:-1])
    if isinstance(parent, dict) or (isinstance(parent, list) and path[-1] < len(parent)):
        parent[path[-1]] = copy.deepcopy(value)
    return result


def _get(node: Any, path: Path) -> Any:
    for key in path:
        node = node[key]
    return node


@dataclass(frozen=True)
class Tampering:
    """One key of a payload removed or given another value (`path` empty: untouched)."""

    path: Path
    removed: bool
    payload: dict

    def __str__(self) -> str:
        if not self.path:
            return ""
        if self.removed:
            return f"without {show(self.path)}"
        return f"with {show(self.path)} = {short(_get(self.payload, self.path))}"

    def under(self, *prefixes: Path) -> bool:
        """Whether the tampered key lies at or under one of these paths."""
        return any(self.path[: len(p)] == tuple(p) for p in prefixes if self.path)


def untouched(payload: dict) -> Tampering:
    return Tampering((), False, payload)


def tampered(payload: dict, *, keep: Sequence[Path]) -> st.SearchStrategy[Tampering]:
    """`payload` with one key removed or given a wrong type; the `keep` paths stay as they are."""
    candidates = paths(payload, keep=keep)
    if not candidates:
        return st.just(untouched(payload))
    where = st.sampled_from(candidates)
    removed = where.map(lambda p: Tampering(p, True, without(payload, p)))
    retyped = st.tuples(where, junk()).map(
        lambda t: Tampering(t[0], False, replaced(payload, t[0], t[1]))
    )
    return st.one_of(removed, retyped)


def show(path: Path) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path) or "<root>"


def short(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= 60 else f"{shown[:40]}…({len(shown)} chars)"


# -- what Bolt reads unguarded ------------------------------------------------------------------
# Parts of a payload Bolt's listener matching indexes into without checking, by payload type:
# a signed payload without them (or with the given value) must get a 400, never a 500.
REMOVED: Any = object()
BOLT_READS: dict[str, tuple[tuple[Path, Any], ...]] = {
    "block_actions": (
        (("actions", 0, "action_id"), REMOVED),
        (("actions", 0, "action_id"), 7),
        (("actions", 0, "action_id"), None),
        (("actions",), []),
        (("actions",), {"0": {"action_id": "x"}}),
    ),
    "view_submission": (
        (("view", "type"), REMOVED),
        (("view", "type"), None),
        (("view", "type"), "workflow_step"),  # a workflow step's save without workflow_step
        (("view", "callback_id"), 5),
        (("view",), "callback_id"),
    ),
}


def unreadable(payload: dict) -> list[tuple[str, dict]]:
    """(label, payload) for each way of taking away what Bolt reads from this kind of payload."""
    found = []
    for path, value in BOLT_READS.get(str(payload.get("type")), ()):
        if value is REMOVED:
            found.append((f"without {show(path)}", without(payload, path)))
        else:
            found.append((f"with {show(path)} = {short(value)}", replaced(payload, path, value)))
    return found


# -- modal state ---------------------------------------------------------------------------------
# Where Slack reports each kind of input's value in view.state.values.
STATE_FIELD: dict[str, str] = {
    "plain_text_input": "value",
    "email_text_input": "value",
    "url_text_input": "value",
    "number_input": "value",
    "static_select": "selected_option",
    "external_select": "selected_option",
    "radio_buttons": "selected_option",
    "multi_static_select": "selected_options",
    "multi_external_select": "selected_options",
    "checkboxes": "selected_options",
    "datepicker": "selected_date",
    "timepicker": "selected_time",
    "datetimepicker": "selected_date_time",
    "users_select": "selected_user",
    "multi_users_select": "selected_users",
    "conversations_select": "selected_conversation",
    "multi_conversations_select": "selected_conversations",
    "channels_select": "selected_channel",
    "multi_channels_select": "selected_channels",
    "rich_text_input": "rich_text_value",
    "file_input": "files",
}


def input_elements(view: dict) -> list[tuple[str, dict]]:
    """(block_id, element) of every input block of a view."""
    found = []
    for block in view.get("blocks") or []:
        element = block.get("element")
        if block.get("type") == "input" and isinstance(element, dict) and block.get("block_id"):
            found.append((block["block_id"], element))
    return found


def options_of(element: dict) -> list[dict]:
    if element.get("option_groups"):
        return [o for g in element["option_groups"] for o in g.get("options") or []]
    return list(element.get("options") or [])


def element_values(element: dict, people: Sequence[str]) -> st.SearchStrategy[Any]:
    """Values of the right shape for one input (some of them wrong in content), or junk."""
    kind = element.get("type", "")
    options = [o for o in options_of(element) if isinstance(o, dict)]
    fitting: list[st.SearchStrategy[Any]] = []
    if kind in ("static_select", "radio_buttons", "external_select"):
        fitting.append(st.sampled_from(options) if options else st.nothing())
        fitting.append(
            texts().map(lambda v: {"text": {"type": "plain_text", "text": "x"}, "value": v})
        )
    elif kind in ("checkboxes", "multi_static_select", "multi_external_select"):
        fitting.append(
            st.lists(st.sampled_from(options), max_size=len(options)) if options else st.nothing()
        )
        fitting.append(st.lists(texts().map(lambda v: {"value": v}), max_size=3))
    elif kind in ("users_select", "conversations_select", "channels_select"):
        fitting.append(st.sampled_from(list(people)) if people else st.nothing())
    elif kind in ("multi_users_select", "multi_conversations_select", "multi_channels_select"):
        fitting.append(
            st.lists(st.sampled_from(list(people)), max_size=3) if people else st.nothing()
        )
    elif kind == "datetimepicker":
        fitting.append(st.integers(min_value=-(2**40), max_value=2**40))
    else:
        fitting.append(texts())
    return st.one_of(*fitting, junk())


def entry_for(element: dict, value: Any) -> dict:
    """The state.values entry Slack would report for `element` holding `value`."""
    kind = element.get("type", "plain_text_input")
    return {"type": kind, STATE_FIELD.get(kind, "value"): value}


def view_states(view: dict, people: Sequence[str]) -> st.SearchStrategy[dict]:
    """state.values for a submission of `view`: every input filled (or emptied) with care or junk.

    Each input independently gets a value of its own shape, junk, null, an entry without its
    value key, or no entry at all; occasionally the whole state is junk.
    """
    inputs = input_elements(view)

    def per_input(block_id: str, element: dict) -> st.SearchStrategy[Any]:
        action_id = element.get("action_id") or "value"
        kind = element.get("type", "plain_text_input")
        return st.one_of(
            element_values(element, people).map(lambda v: {action_id: entry_for(element, v)}),
            st.just({action_id: {"type": kind}}),  # the value key is missing
            st.just({action_id: None}),
            st.just({}),
            st.just(None),  # the block's entry is dropped below
            junk(),
        )

    if not inputs:
        return st.one_of(st.just({}), st.dictionaries(st.text(max_size=8), junk(), max_size=3))
    fields = st.fixed_dictionaries({block_id: per_input(block_id, e) for block_id, e in inputs})
    cleaned = fields.map(lambda d: {k: v for k, v in d.items() if v is not None})
    return st.one_of(cleaned, cleaned, cleaned, junk())


def metadatas(real: Any, ids: Sequence[int]) -> st.SearchStrategy[Any]:
    """private_metadata: the real one with others' ids, junk JSON, non-JSON, wrong types."""
    real_text = real if isinstance(real, str) else ""
    try:
        parsed = json.loads(real_text) if real_text else {}
    except ValueError:
        parsed = {}
    variants: list[st.SearchStrategy[Any]] = [
        st.just(real_text),
        texts(),
        st.sampled_from(WRONG_TYPES),
        junk().map(json.dumps),
    ]
    if isinstance(parsed, dict) and parsed:
        variants.append(swap_ids(real_text, ids))
        variants.append(
            st.tuples(st.sampled_from(sorted(parsed)), junk()).map(
                lambda t: json.dumps({**parsed, t[0]: t[1]})
            )
        )
        variants.append(
            st.sampled_from(sorted(parsed)).map(
                lambda k: json.dumps({key: v for key, v in parsed.items() if key != k})
            )
        )
    return st.one_of(*variants)


# -- a count of cases, shown at the end of the run ---------------------------------------------
class CaseCounter:
    """How many hostile cases ran, by surface (a session fixture prints it)."""

    def __init__(self) -> None:
        self.by_kind: dict[str, int] = {}

    def add(self, kind: str, count: int = 1) -> None:
        self.by_kind[kind] = self.by_kind.get(kind, 0) + count

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())

    def summary(self) -> str:
        parts = ", ".join(f"{kind} {n}" for kind, n in sorted(self.by_kind.items()))
        return f"hostile input: {self.total} cases run ({parts})"


def private_metadata_of(view: dict) -> dict:
    """A view's private_metadata as an object ({} when it isn't one)."""
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return meta if isinstance(meta, dict) else {}


def filled_state(view: dict, *, partner: str) -> dict:
    """state.values for `view` filled in as a person would: some text in each text input,
    the first option of each choice, a date ahead, `partner` in a people picker."""
    values: dict[str, dict] = {}
    for block_id, element in input_elements(view):
        kind = element.get("type", "plain_text_input")
        options = options_of(element)
        if kind in ("static_select", "radio_buttons", "external_select"):
            value: Any = element.get("initial_option") or (options[0] if options else None)
        elif kind in ("checkboxes", "multi_static_select"):
            value = element.get("initial_options") or []
        elif kind == "datepicker":
            value = "2026-04-20"
        elif kind == "timepicker":
            value = "10:00"
        elif kind == "datetimepicker":
            value = 1_776_000_000  # a weekday afternoon in April 2026
        elif kind in ("users_select", "conversations_select", "channels_select"):
            value = partner
        elif kind in ("multi_users_select", "multi_conversations_select", "multi_channels_select"):
            value = [partner]
        elif kind == "file_input":
            value = []
        else:
            value = (
                element.get("initial_value")
                or f"Twice {block_id}"[: element.get("max_length") or 50]
            )
        values[block_id] = {element.get("action_id") or "value": entry_for(element, value)}
    return values
