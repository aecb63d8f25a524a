"""Block Kit for the Home tab: a person's dashboard, the welcome, and the agreement modal.

A Home view holds at most 100 blocks and a section 3,000 characters, so each part shows a
fixed number of entries and summarises the rest: however many pairs, items and prompts a
person has, the view stays well inside Slack's limits.
"""

from __future__ import annotations

from collections.abc import Sequence

from blocks.actions import due_date
from blocks.agreement import build_agreement_message
from blocks.text import escape, local_time, mention, mrkdwn, plain, truncate
from bot.actions import is_overdue
from bot.agreement import AgreementState
from bot.home import HomeSummary, OpenItem, PairCard, WaitingPrompt
from bot.ids import Action
from storage.models import PairStatus

PAIRS_SHOWN = 10
PROMPTS_SHOWN = 8
ITEMS_SHOWN = 15
MAX_BLOCKS = 100  # Slack's limit for a Home view (and a modal)
ITEM_TEXT_LIMIT = 1000  # characters of an item's (escaped) text on Home
SUMMARY_LIMIT = 2800  # a summary line stays under a section's 3,000 characters
WHEN = "{date_long_pretty} at {time}"


def _button(action_id: str, label: str, value: str, *, primary: bool = False) -> dict:
    button = {"type": "button", "action_id": action_id, "text": plain(label, 75), "value": value}
    if primary:
        button["style"] = "primary"
    return button


def _section(text: str, *, block_id: str | None = None, accessory: dict | None = None) -> dict:
    block: dict = {"type": "section", "text": mrkdwn(text)}
    if block_id:
        block["block_id"] = block_id
    if accessory:
        block["accessory"] = accessory
    return block


def _header(text: str) -> dict:
    return {"type": "header", "text": plain(text, 150)}


def _context(text: str) -> dict:
    return {"type": "context", "elements": [mrkdwn(text)]}


def _divider() -> dict:
    return {"type": "divider"}


def _within(parts: Sequence[str], limit: int, *, separator: str = ", ") -> tuple[str, int]:
    """Join whole parts (never half a mention) up to `limit` characters; also how many fit."""
    shown: list[str] = []
    length = 0
    for part in parts:
        extra = len(part) + (len(separator) if shown else 0)
        if length + extra > limit:
            break
        shown.append(part)
        length += extra
    return separator.join(shown), len(shown)


def _more(hidden: int, noun: str) -> str:
    return f"{hidden} more {noun}" if hidden != 1 else f"1 more {noun.removesuffix('s')}"


# -- pairs ---------------------------------------------------------------------------------------
def _role_line(card: PairCard) -> str:
    role = "Mentor of" if card.role == "mentor" else "Mentee of"
    status = "active" if card.pair.status == PairStatus.ACTIVE else f"_{card.pair.status}_"
    if card.pair.status == PairStatus.PAUSED:
        status = ":double_vertical_bar: _paused_"
    return f"*{role} {mention(card.partner_id)}* · {status}"


def _session_line(card: PairCard, summary: HomeSummary) -> str:
    if card.pair.status != PairStatus.ACTIVE:
        return ":calendar: Paused: no sessions are planned while the pair is paused."
    upcoming = card.next_session
    if upcoming is None:
        return (
            ":calendar: Nothing scheduled. Run `/mentor schedule` in your conversation with "
            f"{mention(card.partner_id)} to plan the next session."
        )
    details = f"{upcoming.length_minutes} min"
    if upcoming.cadence is not None:
        details += f", {upcoming.cadence.label.lower()}"
    if upcoming.starts_at <= summary.now:
        return f":calendar: In a session now (since {local_time(upcoming.starts_at, '{time}')})"
    return f":calendar: Next session: {local_time(upcoming.starts_at, WHEN)} ({details})"


def _agreement_line(card: PairCard) -> str:
    state = card.agreement
    if state is None:
        return ":scroll: No agreement yet."
    progress = (
        f":scroll: Agreement v{state.version} · {state.filled_count} of {len(state.clauses)} "
        "clauses agreed · "
    )
    partner_signed = state.signature_of(card.partner_id) is not None
    if state.fully_signed:
        return progress + "signed by both of you"
    if card.viewer_signed:
        return progress + f"you signed; waiting for {mention(card.partner_id)}"
    partner = f"{mention(card.partner_id)} signed, " if partner_signed else ""
    return progress + f"{partner}*waiting for your signature*"


def _pair_block(card: PairCard, summary: HomeSummary) -> dict:
    text = "\n".join((_role_line(card), _session_line(card, summary), _agreement_line(card)))
    button = None
    if card.agreement is not None:
        button = _button(
            Action.HOME_AGREEMENT_OPEN,
            "Open agreement",
            str(card.pair.id),
            primary=not card.viewer_signed,
        )
    return _section(text, block_id=f"home_pair_{card.pair.id}", accessory=button)


def _pairs_blocks(summary: HomeSummary) -> list[dict]:
    cards = summary.pairs
    blocks = [_header(f"Your pairs ({len(cards)})")]
    blocks += [_pair_block(card, summary) for card in cards[:PAIRS_SHOWN]]
    rest = cards[PAIRS_SHOWN:]
    if rest:
        names = [
            f"{'mentor of' if c.role == 'mentor' else 'mentee of'} {mention(c.partner_id)}"
            for c in rest
        ]
        listed, fitted = _within(names, SUMMARY_LIMIT - 300)
        if fitted < len(rest):
            listed += f" and {len(rest) - fitted} others"
        blocks.append(
            _section(
                f"…and {_more(len(rest), 'pairs')}: {listed}. "
                "`/mentor sessions @partner` and `/mentor agreement @partner` show any of them."
            )
        )
    return blocks


# -- prompts -------------------------------------------------------------------------------------
def _prompt_block(prompt: WaitingPrompt) -> dict:
    text = f"*{truncate(escape(prompt.title), 150)}* · with {mention(prompt.partner_id)}"
    if prompt.closes_at is not None:
        text += (
            f"\nFor your session on {local_time(prompt.closes_at, WHEN)}; "
            "answers close when it starts."
        )
    return _section(
        text,
        block_id=f"home_prompt_{prompt.delivery_id}",
        accessory=_button(Action.PROMPT_ANSWER, "Answer", str(prompt.delivery_id), primary=True),
    )


def _prompts_blocks(summary: HomeSummary) -> list[dict]:
    prompts = summary.prompts
    if not prompts:
        return [
            _header("Waiting for your answer"),
            _context("Nothing waiting for your answer right now."),
        ]
    blocks = [_header(f"Waiting for your answer ({len(prompts)})")]
    blocks += [_prompt_block(p) for p in prompts[:PROMPTS_SHOWN]]
    hidden = len(prompts) - PROMPTS_SHOWN
    if hidden > 0:
        blocks.append(
            _context(
                f"…and {_more(hidden, 'prompts')}, each in your direct messages with Mentorbot."
            )
        )
    return blocks


# -- action items --------------------------------------------------------------------------------
def _item_block(entry: OpenItem, summary: HomeSummary) -> dict:
    item = entry.item
    owner = "You" if item.owner_id == summary.user_id else mention(item.owner_id)
    line = f"{owner}: “{truncate(escape(item.text), ITEM_TEXT_LIMIT)}”"
    if item.due_on is None:
        due = "No due date"
    elif is_overdue(item, summary.today):
        due = f":warning: *Overdue* · due {due_date(item.due_on)}"
    else:
        due = f"Due {due_date(item.due_on)}"
    if summary.multiple_pairs:
        due += f" · with {mention(entry.pair.partner_of(summary.user_id))}"
    return _section(
        f"{line}\n{due}",
        block_id=f"home_item_{item.id}",
        accessory=_button(Action.HOME_ACTION_DONE, "Mark done", str(item.id)),
    )


def _items_blocks(summary: HomeSummary) -> list[dict]:
    items = summary.items
    if not items:
        return [
            _header("Open action items"),
            _context(
                "No open action items. Record one with `/mentor action @owner <what> by <date>`."
            ),
        ]
    overdue = sum(1 for entry in items if is_overdue(entry.item, summary.today))
    count = f"{len(items)}, {overdue} overdue" if overdue else str(len(items))
    blocks = [_header(f"Open action items ({count})")]
    blocks += [_item_block(entry, summary) for entry in items[:ITEMS_SHOWN]]
    hidden = len(items) - ITEMS_SHOWN
    if hidden > 0:
        where = "`/mentor actions @partner`" if summary.multiple_pairs else "`/mentor actions`"
        blocks.append(_context(f"…and {_more(hidden, 'items')}, due later: {where} lists them."))
    return blocks


# -- diary ---------------------------------------------------------------------------------------
def _diary_blocks(summary: HomeSummary) -> list[dict]:
    streak = summary.streak
    if streak.count:
        sessions = "session" if streak.count == 1 else "sessions in a row"
        text = f":fire: Your diary streak: *{streak.count}* {sessions} with a diary entry."
    else:
        text = "No diary streak yet: write your diary after a session to start one."
    if streak.pending:
        text += "\nYour diary for a recent session is waiting: write it to keep the streak going."
    return [
        _header("Learning diary"),
        _section(text),
        _context("`/mentor diary` shows your entries; they're private to you."),
    ]


def _fit(blocks: list[dict]) -> list[dict]:
    """Never more blocks than Slack takes, whatever the parts above add up to."""
    if len(blocks) <= MAX_BLOCKS:
        return blocks
    return [*blocks[: MAX_BLOCKS - 1], _context("…and more: `/mentor help` lists every command.")]


def build_home_view(summary: HomeSummary) -> dict:
    """The viewer's dashboard, or the welcome when they aren't in a pair."""
    if not summary.has_pairs:
        return build_welcome_view(is_admin=summary.is_admin)
    blocks: list[dict] = [
        _header("Your mentoring"),
        _context(f"As of {local_time(summary.now, WHEN)}. Times are shown in your time zone."),
        *_pairs_blocks(summary),
        _divider(),
        *_prompts_blocks(summary),
        _divider(),
        *_items_blocks(summary),
        _divider(),
        *_diary_blocks(summary),
        _context("`/mentor help` lists everything Mentorbot can do."),
    ]
    return {"type": "home", "blocks": _fit(blocks)}


def build_welcome_view(*, is_admin: bool) -> dict:
    """For someone without a pair: what Mentorbot does and how to get paired."""
    blocks = [
        _header("Welcome to Mentorbot"),
        _section(
            "Mentorbot gives mentoring pairs a structure that lasts: a partnership agreement "
            "you both sign, a steady rhythm of sessions, a few questions to prepare before "
            "each one, an agenda built from what you both said, a private learning diary "
            "afterwards, and action items that don't get forgotten."
        ),
        _section(
            "*How to get paired*\nA program admin pairs a mentor with a mentee. Ask yours to "
            "pair you. Once they have, you'll share a conversation with your partner and "
            "Mentorbot, and this tab shows your pair, your next session, your agreement and "
            "anything waiting for you."
        ),
    ]
    if is_admin:
        blocks.append(
            _section(
                "*You're a program admin.* Pair two people with `/mentor pair @mentor @mentee` "
                "(the mentor first)."
            )
        )
    blocks.append(_context("`/mentor help` lists everything Mentorbot can do."))
    return {"type": "home", "blocks": blocks}


def build_home_unavailable() -> dict:
    """Published when the dashboard couldn't be loaded: the tab is never left empty or stale."""
    return {
        "type": "home",
        "blocks": [
            _header("Your mentoring"),
            _section(
                "I couldn't load your dashboard just now. Open this tab again in a minute; "
                "meanwhile `/mentor help` lists what you can do."
            ),
        ],
    }


# -- the agreement modal -------------------------------------------------------------------------
def build_home_agreement_modal(
    state: AgreementState, *, viewer: str, notice: str | None = None
) -> dict:
    """The agreement's checklist to read, with Sign agreement while the viewer hasn't signed."""
    pair = state.pair
    checklist = [b for b in build_agreement_message(state)["blocks"] if b["type"] != "actions"]
    blocks: list[dict] = []
    if notice:
        blocks.append(_section(f":warning: {notice}", block_id="home_agreement_notice"))
    blocks += checklist
    may_sign = (
        pair.has_partner(viewer)
        and pair.status != PairStatus.ENDED
        and state.signature_of(viewer) is None
    )
    if may_sign:
        blocks.append(
            {
                "type": "actions",
                "block_id": "home_agreement_actions",
                "elements": [
                    _button(
                        Action.HOME_AGREEMENT_SIGN,
                        "Sign agreement",
                        f"{pair.id}:{state.version}",
                        primary=True,
                    )
                ],
            }
        )
    blocks.append(
        _context(
            f"To change a clause, press Edit agreement on the agreement in your conversation "
            f"with {mention(pair.partner_of(viewer))}; `/mentor agreement` posts it again there."
        )
    )
    return {
        "type": "modal",
        "title": plain("Partnership agreement", 24),
        "close": plain("Close", 24),
        "blocks": blocks[:MAX_BLOCKS],
    }
