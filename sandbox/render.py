"""Block Kit and mrkdwn as HTML, the way Slack's client shows them to one person.

Pure functions of a surface and a `Viewer` (who is looking, in which time zone, at what
sandbox time, and the names behind user ids). Everything that came from the app is escaped;
interactive elements carry data attributes (`data-block`, `data-action`, `data-kind`) that the
page's script turns into Slack's requests.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

# Every block type and element type the renderer draws (tests check blocks/ emits no other).
BLOCK_TYPES = frozenset(
    {
        "header",
        "section",
        "context",
        "divider",
        "actions",
        "input",
        "image",
        "rich_text",
        "markdown",
        "file",
        "video",
    }
)
ELEMENT_TYPES = frozenset(
    {
        "button",
        "workflow_button",
        "overflow",
        "static_select",
        "external_select",
        "users_select",
        "conversations_select",
        "channels_select",
        "multi_static_select",
        "multi_external_select",
        "multi_users_select",
        "multi_conversations_select",
        "multi_channels_select",
        "radio_buttons",
        "checkboxes",
        "datepicker",
        "timepicker",
        "datetimepicker",
        "plain_text_input",
        "email_text_input",
        "url_text_input",
        "number_input",
        "rich_text_input",
        "file_input",
        "image",
    }
)
TEXT_TYPES = frozenset({"plain_text", "mrkdwn"})

# The shortcodes Mentorbot writes, and the common ones people type.
EMOJI = {
    "white_check_mark": "✅",
    "heavy_check_mark": "✔️",
    "ballot_box_with_check": "☑️",
    "warning": "⚠️",
    "calendar": "📆",
    "date": "📅",
    "spiral_calendar_pad": "🗓️",
    "wave": "👋",
    "hourglass_flowing_sand": "⏳",
    "hourglass": "⌛",
    "tada": "🎉",
    "spiral_note_pad": "🗒️",
    "memo": "📝",
    "pencil": "📝",
    "pencil2": "✏️",
    "scroll": "📜",
    "double_vertical_bar": "⏸️",
    "checkered_flag": "🏁",
    "x": "❌",
    "white_large_square": "⬜",
    "black_large_square": "⬛",
    "seedling": "🌱",
    "pushpin": "📌",
    "round_pushpin": "📍",
    "page_facing_up": "📄",
    "open_book": "📖",
    "book": "📖",
    "books": "📚",
    "no_entry_sign": "🚫",
    "no_entry": "⛔",
    "mag": "🔍",
    "lock": "🔒",
    "unlock": "🔓",
    "key": "🔑",
    "heavy_minus_sign": "➖",
    "heavy_plus_sign": "➕",
    "grey_question": "❔",
    "question": "❓",
    "grey_exclamation": "❕",
    "exclamation": "❗",
    "fire": "🔥",
    "fast_forward": "⏩",
    "rewind": "⏪",
    "dart": "🎯",
    "black_nib": "✒️",
    "arrow_forward": "▶️",
    "arrow_right": "➡️",
    "arrow_left": "⬅️",
    "alarm_clock": "⏰",
    "clock3": "🕒",
    "stopwatch": "⏱️",
    "bell": "🔔",
    "star": "⭐",
    "star2": "🌟",
    "sparkles": "✨",
    "rocket": "🚀",
    "trophy": "🏆",
    "medal": "🏅",
    "bulb": "💡",
    "thinking_face": "🤔",
    "smile": "😄",
    "slightly_smiling_face": "🙂",
    "blush": "😊",
    "grinning": "😀",
    "joy": "😂",
    "heart": "❤️",
    "+1": "👍",
    "thumbsup": "👍",
    "-1": "👎",
    "thumbsdown": "👎",
    "clap": "👏",
    "raised_hands": "🙌",
    "pray": "🙏",
    "muscle": "💪",
    "eyes": "👀",
    "handshake": "🤝",
    "speech_balloon": "💬",
    "thought_balloon": "💭",
    "envelope": "✉️",
    "inbox_tray": "📥",
    "outbox_tray": "📤",
    "bar_chart": "📊",
    "chart_with_upwards_trend": "📈",
    "clipboard": "📋",
    "link": "🔗",
    "paperclip": "📎",
    "file_folder": "📁",
    "card_index_dividers": "🗂️",
    "information_source": "ℹ️",
    "large_green_circle": "🟢",
    "large_yellow_circle": "🟡",
    "red_circle": "🔴",
    "large_blue_circle": "🔵",
    "white_circle": "⚪",
    "mortar_board": "🎓",
    "compass": "🧭",
    "mountain": "⛰️",
    "sunny": "☀️",
    "zap": "⚡",
    "gear": "⚙️",
    "hammer_and_wrench": "🛠️",
    "busts_in_silhouette": "👥",
    "bust_in_silhouette": "👤",
    "robot_face": "🤖",
    "wastebasket": "🗑️",
    "leftwards_arrow_with_hook": "↩️",
    "repeat": "🔁",
    "arrows_counterclockwise": "🔄",
}

_ANGLE = re.compile(r"<([^<>\n]+)>")
_EMOJI = re.compile(r":([a-z0-9_+\-]+):")
_CODE_BLOCK = re.compile(r"```\n?(.*?)```", re.DOTALL)
_INLINE_CODE = re.compile(r"`([^`\n]+)`")
_TOKEN = re.compile(r"\x00(\d+)\x00")
# Slack's emphasis: the marker hugs its text and isn't inside a word.
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])")
_STRIKE = re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])")
_DATE_TOKEN = re.compile(
    r"\{(date_num|date_short_pretty|date_long_pretty|date_pretty|date_short|"
    r"date_long|date|time_secs|time|ago)\}"
)
_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


@dataclass(frozen=True)
class Viewer:
    """Who is looking: their id, zone and the sandbox's time; names behind ids; file links."""

    user_id: str
    tz: str
    now: datetime
    names: dict[str, str] = field(default_factory=dict)
    channels: dict[str, str] = field(default_factory=dict)
    file_url: Callable[[str], str | None] = lambda _file_id: None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def emoji(text: str) -> str:
    """`:tada:` as 🎉 (an unknown shortcode stays as typed)."""
    return _EMOJI.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), text)


def unescape_slack(text: str) -> str:
    """Slack's three escapes (`&amp;`, `&lt;`, `&gt;`) back to the characters they stand for."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


# -- text objects -------------------------------------------------------------------------------
def text_html(obj: object, viewer: Viewer) -> str:
    """A text object (plain_text or mrkdwn) as HTML."""
    if not isinstance(obj, dict):
        return esc(obj or "")
    if obj.get("type") == "mrkdwn":
        return mrkdwn_html(str(obj.get("text") or ""), viewer)
    return plain_html(obj)


def plain_html(obj: object) -> str:
    """A plain_text object: no formatting, emoji shortcodes shown as emoji (unless emoji: false)."""
    if not isinstance(obj, dict):
        return esc(obj or "")
    shown = str(obj.get("text") or "")
    if obj.get("emoji", True):
        shown = emoji(shown)
    return esc(shown).replace("\n", "<br>")


def plain_string(obj: object) -> str:
    """A text object's text, for attributes and option labels (no markup)."""
    if isinstance(obj, dict):
        return emoji(str(obj.get("text") or ""))
    return str(obj or "")


def mrkdwn_html(text: str, viewer: Viewer) -> str:
    """Slack's mrkdwn as HTML: *bold*, _italic_, ~strike~, `code`, quotes, links, mentions,
    dates in the viewer's zone and emoji."""
    kept: list[str] = []

    def keep(fragment: str) -> str:
        kept.append(fragment)
        return f"\x00{len(kept) - 1}\x00"

    def code_block(match: re.Match[str]) -> str:
        return keep(f'<pre class="code-block">{esc(unescape_slack(match.group(1)))}</pre>')

    def inline_code(match: re.Match[str]) -> str:
        return keep(f"<code>{esc(unescape_slack(match.group(1)))}</code>")

    def special(match: re.Match[str]) -> str:
        before = text[: match.start()].rstrip("*_~")
        starts_line = before == "" or before.endswith("\n")
        return keep(_angle(match.group(1), viewer, capitalise=starts_line))

    text = _CODE_BLOCK.sub(code_block, text)
    text = _INLINE_CODE.sub(inline_code, text)
    text = _ANGLE.sub(special, text)
    shown = esc(emoji(unescape_slack(text)))
    shown = _BOLD.sub(r"<b>\1</b>", shown)
    shown = _ITALIC.sub(r"<i>\1</i>", shown)
    shown = _STRIKE.sub(r"<s>\1</s>", shown)
    lines = []
    for line in shown.split("\n"):
        if line.startswith("&gt; ") or line == "&gt;":
            lines.append(f"<blockquote>{line[5:]}</blockquote>")
        else:
            lines.append(line + "<br>")
    shown = "".join(lines).removesuffix("<br>").replace("</blockquote><br>", "</blockquote>")
    return _TOKEN.sub(lambda m: kept[int(m.group(1))], shown)


def _angle(inner: str, viewer: Viewer, *, capitalise: bool) -> str:
    """One `<…>` construct: a mention, a channel, a special mention, a date or a link."""
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        user_id = target[1:]
        name = viewer.names.get(user_id) or unescape_slack(label) or "someone"
        own = " mention-me" if user_id == viewer.user_id else ""
        return f'<span class="mention{own}" data-user="{esc(user_id)}">@{esc(name)}</span>'
    if target.startswith("#"):
        name = viewer.channels.get(target[1:]) or unescape_slack(label) or "channel"
        return f'<span class="mention">#{esc(name)}</span>'
    if target.startswith("!date^"):
        return _date(target, unescape_slack(label), viewer, capitalise=capitalise)
    if target.startswith("!subteam^"):
        return f'<span class="mention">{esc(unescape_slack(label) or "@team")}</span>'
    if target.startswith("!"):
        word = target[1:].split("^")[0]
        return f'<span class="mention">@{esc(word)}</span>'
    url = unescape_slack(target)
    shown = esc(emoji(unescape_slack(label))) if label else esc(url)
    if not re.match(r"^(https?|mailto):", url):
        return shown
    return f'<a href="{esc(url)}" target="_blank" rel="noopener noreferrer">{shown}</a>'


def _date(target: str, fallback: str, viewer: Viewer, *, capitalise: bool) -> str:
    parts = target.split("^")
    try:
        moment = datetime.fromtimestamp(int(parts[1]), viewer.zone)
        fmt = parts[2]
    except (IndexError, ValueError, OverflowError, OSError):
        return esc(fallback)
    link = parts[3] if len(parts) > 3 else None
    shown = _DATE_TOKEN.sub(lambda m: _date_part(m.group(1), moment, viewer), fmt)
    if capitalise and fmt.startswith("{date") and "pretty" in fmt.split("}")[0]:
        shown = shown[:1].upper() + shown[1:]
    title = moment.strftime("%A, %d %B %Y %H:%M ") + (moment.tzname() or "")
    body = f'<time class="date" title="{esc(title)}">{esc(emoji(shown))}</time>'
    if link and re.match(r"^https?://", link):
        return f'<a href="{esc(link)}" target="_blank" rel="noopener noreferrer">{body}</a>'
    return body


def _ordinal(day: int) -> str:
    if 11 <= day % 100 <= 13:
        return f"{day}th"
    return f"{day}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(day % 10, 'th') }"


def _clock(moment: datetime, *, seconds: bool = False) -> str:
    hour = moment.hour % 12 or 12
    tail = f":{moment.second:02d}" if seconds else ""
    return f"{hour}:{moment.minute:02d}{tail} {'AM' if moment.hour < 12 else 'PM'}"


def _date_part(token: str, moment: datetime, viewer: Viewer) -> str:
    day: date = moment.date()
    today = viewer.local(viewer.now).date()
    month = _MONTHS[day.month - 1]
    long_form = f"{month} {_ordinal(day.day)}, {day.year}"
    short_form = f"{month[:3]} {day.day}, {day.year}"
    full_form = f"{_DAYS[day.weekday()]}, {long_form}"
    if token == "date_num":
        return day.isoformat()
    if token == "time":
        return _clock(moment)
    if token == "time_secs":
        return _clock(moment, seconds=True)
    if token == "ago":
        return _ago(moment, viewer.now)
    if token.endswith("_pretty"):
        relative = {0: "today", 1: "tomorrow", -1: "yesterday"}.get((day - today).days)
        if relative:
            return relative
    return {
        "date": long_form,
        "date_pretty": long_form,
        "date_short": short_form,
        "date_short_pretty": short_form,
        "date_long": full_form,
        "date_long_pretty": full_form,
    }[token]


def _ago(moment: datetime, now: datetime) -> str:
    seconds = (moment - now).total_seconds()
    size = abs(seconds)
    for unit, length in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if size >= length:
            count = int(size // length)
            words = f"{count} {unit}{'s' if count != 1 else ''}"
            return f"in {words}" if seconds > 0 else f"{words} ago"
    return "just now"


# -- blocks -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Surface:
    """Where blocks are shown: a message, a modal or the Home tab; errors are a modal's."""

    kind: str  # "message", "modal" or "home"
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def in_form(self) -> bool:
        return self.kind == "modal"


def blocks_html(blocks: Iterable[dict], viewer: Viewer, surface: Surface) -> str:
    return "".join(block_html(block, viewer, surface) for block in blocks)


def block_html(block: dict, viewer: Viewer, surface: Surface) -> str:
    kind = block.get("type")
    block_id = esc(block.get("block_id") or "")
    if kind == "header":
        return f'<h3 class="bk-header">{plain_html(block.get("text"))}</h3>'
    if kind == "divider":
        return '<hr class="bk-divider">'
    if kind == "section":
        return _section(block, viewer, surface)
    if kind == "context":
        parts = []
        for element in block.get("elements") or []:
            if element.get("type") == "image":
                parts.append(_image_tag(element, viewer, css="bk-context-image"))
            else:
                parts.append(f"<span>{text_html(element, viewer)}</span>")
        return f'<div class="bk-context">{"".join(parts)}</div>'
    if kind == "actions":
        elements = "".join(
            element_html(e, block, viewer, surface) for e in block.get("elements") or []
        )
        return f'<div class="bk-actions" data-block="{block_id}">{elements}</div>'
    if kind == "input":
        return _input(block, viewer, surface)
    if kind == "image":
        title = (
            f'<div class="bk-image-title">{plain_html(block["title"])}</div>'
            if block.get("title")
            else ""
        )
        return f'<figure class="bk-image">{title}{_image_tag(block, viewer)}</figure>'
    if kind == "rich_text":
        return f'<div class="bk-rich-text">{_rich_text(block, viewer)}</div>'
    if kind == "markdown":
        return f'<div class="bk-section">{mrkdwn_html(str(block.get("text") or ""), viewer)}</div>'
    if kind in ("file", "video"):
        title = plain_string(block.get("title")) or "A file"
        return f'<div class="bk-file">📎 {esc(title)}</div>'
    return '<div class="bk-unsupported">This content can\'t be displayed.</div>'


def _section(block: dict, viewer: Viewer, surface: Surface) -> str:
    body = ""
    if block.get("text"):
        body += f'<div class="bk-text">{text_html(block["text"], viewer)}</div>'
    if block.get("fields"):
        fields = "".join(
            f'<div class="bk-field">{text_html(f, viewer)}</div>' for f in block["fields"]
        )
        body += f'<div class="bk-fields">{fields}</div>'
    accessory = block.get("accessory")
    side = ""
    if isinstance(accessory, dict):
        if accessory.get("type") == "image":
            side = _image_tag(accessory, viewer, css="bk-accessory-image")
        else:
            side = element_html(accessory, block, viewer, surface)
        block_id = esc(block.get("block_id") or "")
        side = f'<div class="bk-accessory" data-block="{block_id}">{side}</div>'
    return f'<div class="bk-section"><div class="bk-section-body">{body}</div>{side}</div>'


def _image_tag(element: dict, viewer: Viewer, *, css: str = "bk-image-img") -> str:
    url = element.get("image_url")
    source = element.get("slack_file")
    if not url and isinstance(source, dict):
        url = source.get("url") or (
            viewer.file_url(str(source.get("id"))) if source.get("id") else None
        )
    alt = esc(element.get("alt_text") or "")
    if not url:
        return f'<span class="{css} bk-image-missing" role="img" aria-label="{alt}">{alt}</span>'
    return f'<img class="{css}" src="{esc(url)}" alt="{alt}" loading="lazy">'


def _rich_text(block: dict, viewer: Viewer) -> str:
    def inline(elements: list[dict]) -> str:
        out = []
        for e in elements:
            kind = e.get("type")
            if kind == "text":
                piece = esc(e.get("text", "")).replace("\n", "<br>")
                style = e.get("style") or {}
                for key, tag in (("code", "code"), ("strike", "s"), ("italic", "i"), ("bold", "b")):
                    if style.get(key):
                        piece = f"<{tag}>{piece}</{tag}>"
                out.append(piece)
            elif kind == "link":
                out.append(
                    _angle(f"{e.get('url', '')}|{e.get('text') or ''}", viewer, capitalise=False)
                )
            elif kind == "user":
                out.append(_angle(f"@{e.get('user_id', '')}", viewer, capitalise=False))
            elif kind == "emoji":
                out.append(EMOJI.get(e.get("name", ""), f":{esc(e.get('name', ''))}:"))
        return "".join(out)

    parts = []
    for section in block.get("elements") or []:
        kind = section.get("type")
        if kind == "rich_text_list":
            tag = "ol" if section.get("style") == "ordered" else "ul"
            items = "".join(
                f"<li>{inline(i.get('elements') or [])}</li>" for i in section.get("elements") or []
            )
            parts.append(f"<{tag}>{items}</{tag}>")
        elif kind == "rich_text_quote":
            parts.append(f"<blockquote>{inline(section.get('elements') or [])}</blockquote>")
        elif kind == "rich_text_preformatted":
            parts.append(f'<pre class="code-block">{inline(section.get("elements") or [])}</pre>')
        else:
            parts.append(f"<div>{inline(section.get('elements') or [])}</div>")
    return "".join(parts)


def _input(block: dict, viewer: Viewer, surface: Surface) -> str:
    block_id = block.get("block_id") or ""
    element = block.get("element") or {}
    optional = block.get("optional")
    label = plain_html(block.get("label"))
    badge = ' <span class="bk-optional">(optional)</span>' if optional else ""
    hint = f'<div class="bk-hint">{plain_html(block["hint"])}</div>' if block.get("hint") else ""
    error = surface.errors.get(block_id)
    error_html = (
        f'<div class="bk-error" role="alert">{esc(error)}</div>'
        if error
        else '<div class="bk-error" role="alert" hidden></div>'
    )
    dispatch = ' data-dispatch="true"' if block.get("dispatch_action") else ""
    return (
        f'<div class="bk-input{" has-error" if error else ""}" data-block="{esc(block_id)}"'
        f' data-required="{"false" if optional else "true"}"{dispatch}>'
        f'<label class="bk-label">{label}{badge}</label>'
        f"{element_html(element, block, viewer, surface)}{hint}{error_html}</div>"
    )


def _options(element: dict) -> list[dict]:
    if element.get("option_groups"):
        return [o for g in element["option_groups"] for o in g.get("options") or []]
    return list(element.get("options") or [])


def _confirm(element: dict, viewer: Viewer) -> str:
    confirm = element.get("confirm")
    if not isinstance(confirm, dict):
        return ""
    dialog = {
        "title": plain_string(confirm.get("title")) or "Are you sure?",
        "text": text_html(confirm.get("text"), viewer),
        "confirm": plain_string(confirm.get("confirm")) or "Yes",
        "deny": plain_string(confirm.get("deny")) or "Cancel",
        "style": confirm.get("style") or "primary",
    }
    return f' data-confirm="{esc(json.dumps(dialog))}"'


def _element_attrs(element: dict, block: dict, kind: str) -> str:
    return (
        f'data-block="{esc(block.get("block_id") or "")}"'
        f' data-action="{esc(element.get("action_id") or "")}" data-kind="{esc(kind)}"'
    )


def element_html(element: dict, block: dict, viewer: Viewer, surface: Surface) -> str:
    """One interactive element (or an image) as HTML, wired through data attributes."""
    kind = str(element.get("type") or "")
    attrs = _element_attrs(element, block, kind)
    name = f"{block.get('block_id') or ''}/{element.get('action_id') or ''}"
    confirm = _confirm(element, viewer)
    placeholder = esc(plain_string(element.get("placeholder")))
    if kind in ("button", "workflow_button"):
        style = element.get("style")
        css = f"bk-button{' bk-' + style if style in ('primary', 'danger') else ''}"
        if element.get("url"):
            return (
                f'<a class="{css}" href="{esc(element["url"])}" target="_blank" '
                f'rel="noopener noreferrer" {attrs} data-link="true">'
                f"{plain_html(element.get('text'))}</a>"
            )
        label = plain_html(element.get("text"))
        return f'<button type="button" class="{css}" {attrs}{confirm}>{label}</button>'
    if kind == "overflow":
        options = "".join(
            f'<option value="{esc(o.get("value"))}">{esc(plain_string(o.get("text")))}</option>'
            for o in _options(element)
        )
        return (
            f'<select class="bk-overflow" {attrs}{confirm} aria-label="More actions">'
            f'<option value="" selected>⋯</option>{options}</select>'
        )
    if kind in ("static_select", "external_select"):
        chosen = (element.get("initial_option") or {}).get("value")
        return _select(element, attrs + confirm, placeholder or "Select an option", chosen)
    if kind in ("users_select", "conversations_select", "channels_select"):
        noun = {"users_select": "user", "conversations_select": "conversation"}.get(kind, "channel")
        chosen = element.get(f"initial_{noun}")
        choices = viewer.names if noun == "user" else viewer.channels
        options = [
            {"value": key, "text": {"type": "plain_text", "text": name}}
            for key, name in sorted(choices.items(), key=lambda kv: kv[1].lower())
        ]
        return _select({"options": options}, attrs + confirm, placeholder or "Select", chosen)
    if kind.startswith("multi_"):
        if kind == "multi_users_select":
            options = [
                {"value": key, "text": {"type": "plain_text", "text": name}}
                for key, name in sorted(viewer.names.items(), key=lambda kv: kv[1].lower())
            ]
            chosen_values = set(element.get("initial_users") or [])
        elif kind in ("multi_conversations_select", "multi_channels_select"):
            options = [
                {"value": key, "text": {"type": "plain_text", "text": f"#{name}"}}
                for key, name in sorted(viewer.channels.items())
            ]
            initial = element.get("initial_conversations") or element.get("initial_channels")
            chosen_values = set(initial or [])
        else:
            options = _options(element)
            chosen_values = {o.get("value") for o in element.get("initial_options") or []}
        return _choices(
            "checkbox", options, chosen_values, attrs + confirm, viewer, css="bk-multi", name=name
        )
    if kind == "radio_buttons":
        chosen = (element.get("initial_option") or {}).get("value")
        return _choices(
            "radio",
            _options(element),
            {chosen},
            attrs + confirm,
            viewer,
            css="bk-radios",
            name=name,
        )
    if kind == "checkboxes":
        chosen_values = {o.get("value") for o in element.get("initial_options") or []}
        return _choices(
            "checkbox",
            _options(element),
            chosen_values,
            attrs + confirm,
            viewer,
            css="bk-checkboxes",
            name=name,
        )
    if kind == "datepicker":
        value = esc(element.get("initial_date") or "")
        return f'<input type="date" class="bk-control" {attrs}{confirm} value="{value}">'
    if kind == "timepicker":
        value = esc(element.get("initial_time") or "")
        zone = element.get("timezone")
        note = f'<span class="bk-zone">{esc(zone.replace("_", " "))}</span>' if zone else ""
        return (
            f'<span class="bk-time"><input type="time" class="bk-control" {attrs}{confirm}'
            f' value="{value}">{note}</span>'
        )
    if kind == "datetimepicker":
        initial = element.get("initial_date_time")
        day = clock = ""
        if isinstance(initial, int):
            local = datetime.fromtimestamp(initial, viewer.zone)
            day, clock = local.date().isoformat(), local.strftime("%H:%M")
        return (
            f'<span class="bk-datetime" {attrs}{confirm}>'
            f'<input type="date" class="bk-control" value="{esc(day)}" aria-label="Date">'
            f'<input type="time" class="bk-control" value="{esc(clock)}" aria-label="Time">'
            f"</span>"
        )
    if kind in ("plain_text_input", "rich_text_input"):
        value = element.get("initial_value") or ""
        if isinstance(value, dict):
            value = ""
        limits = "".join(
            f' data-{name.replace("_", "-")}="{int(element[name])}"'
            for name in ("min_length", "max_length")
            if isinstance(element.get(name), int)
        )
        if element.get("multiline") or kind == "rich_text_input":
            return (
                f'<textarea class="bk-control" rows="4" {attrs}{limits} '
                f'placeholder="{placeholder}">{esc(value)}</textarea>'
            )
        return (
            f'<input type="text" class="bk-control" {attrs}{limits} placeholder="{placeholder}"'
            f' value="{esc(value)}">'
        )
    if kind in ("email_text_input", "url_text_input", "number_input"):
        kind_attr = {"email_text_input": "email", "url_text_input": "url"}.get(kind, "number")
        value = esc(element.get("initial_value") or "")
        return (
            f'<input type="{kind_attr}" class="bk-control" {attrs} placeholder="{placeholder}"'
            f' value="{value}">'
        )
    if kind == "file_input":
        accept = ",".join(f".{t}" for t in element.get("filetypes") or [])
        return f'<input type="file" class="bk-control" {attrs} accept="{esc(accept)}">'
    if kind == "image":
        return _image_tag(element, viewer, css="bk-accessory-image")
    return '<span class="bk-unsupported">This content can\'t be displayed.</span>'


def _select(element: dict, attrs: str, placeholder: str, chosen: object) -> str:
    def option(o: dict) -> str:
        value = o.get("value")
        selected = " selected" if value == chosen else ""
        return f'<option value="{esc(value)}"{selected}>{esc(plain_string(o.get("text")))}</option>'

    if element.get("option_groups"):
        body = "".join(
            f'<optgroup label="{esc(plain_string(g.get("label")))}">'
            + "".join(option(o) for o in g.get("options") or [])
            + "</optgroup>"
            for g in element["option_groups"]
        )
    else:
        body = "".join(option(o) for o in element.get("options") or [])
    empty = "" if chosen is not None else " selected"
    return (
        f'<select class="bk-control bk-select" {attrs}>'
        f'<option value=""{empty} disabled>{esc(placeholder)}</option>{body}</select>'
    )


def _choices(
    input_type: str,
    options: list[dict],
    chosen: set,
    attrs: str,
    viewer: Viewer,
    *,
    css: str,
    name: str,
) -> str:
    rows = []
    for o in options:
        value = o.get("value")
        checked = " checked" if value in chosen else ""
        description = (
            f'<span class="bk-option-description">{text_html(o["description"], viewer)}</span>'
            if o.get("description")
            else ""
        )
        rows.append(
            f'<label class="bk-option"><input type="{input_type}" name="{esc(name)}"'
            f' value="{esc(value)}"{checked}>'
            f'<span class="bk-option-text">{text_html(o.get("text"), viewer)}{description}</span>'
            f"</label>"
        )
    return f'<div class="{css}" {attrs}>{"".join(rows)}</div>'


def view_title(view: dict) -> str:
    return esc(plain_string(view.get("title")))


def local_clock(moment: datetime, viewer: Viewer) -> str:
    """The sandbox's time for the viewer: "Tue 3 Mar, 3:00 PM"."""
    local = viewer.local(moment)
    return (
        f"{_DAYS[local.weekday()][:3]} {local.day} {_MONTHS[local.month - 1][:3]}, {_clock(local)}"
    )


def message_time(ts: str, viewer: Viewer) -> str:
    """A message's timestamp as the viewer's Slack shows it next to the name."""
    try:
        moment = datetime.fromtimestamp(float(ts), viewer.zone)
    except (ValueError, OverflowError, OSError):
        return ""
    today = viewer.local(viewer.now).date()
    if moment.date() == today:
        return _clock(moment)
    if moment.date() == today - timedelta(days=1):
        return f"Yesterday {_clock(moment)}"
    return f"{_MONTHS[moment.month - 1][:3]} {moment.day}, {_clock(moment)}"
