"""Block Kit of the Home tab: the dashboard within Slack's limits, the welcome, the modal."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import pytest

from blocks.home import (
    ITEMS_SHOWN,
    PAIRS_SHOWN,
    PROMPTS_SHOWN,
    build_home_agreement_modal,
    build_home_unavailable,
    build_home_view,
    build_welcome_view,
)
from bot.agreement import AgreementState, agreement_clauses, initial_clauses
from bot.home import DiaryStreak, HomeSummary, OpenItem, PairCard, WaitingPrompt
from bot.ids import Action
from bot.sessions import Upcoming
from bot.settings import Cadence, ProgramSettings
from standin.blockkit import MAX_SECTION_TEXT, MAX_VIEW_BLOCKS, validate_view
from storage.models import ActionItem, Kind, Pair, PairStatus, Signature
from tests.conftest import MENTEE, MENTOR, TEAM

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TODAY = date(2026, 3, 2)
PROGRAM = ProgramSettings()
NO_STREAK = DiaryStreak(0, pending=False)
NASTY = "<!channel> & <@U999> *bold* " + "x" * 400


def pair(pair_id: int, partner: str = MENTEE, *, status: str = PairStatus.ACTIVE) -> Pair:
    return Pair(
        id=pair_id,
        team_id=TEAM,
        mentor_id=MENTOR,
        mentee_id=partner,
        channel_id=f"G{pair_id:08d}",
        status=status,
        created_by="UADMIN01",
        created_at=NOW,
    )


def state(of: Pair, *, signed_by: tuple[str, ...] = (), version: int = 1) -> AgreementState:
    values = {**initial_clauses(PROGRAM), "topics_in_scope": NASTY}
    signatures = tuple(
        Signature(team_id=TEAM, pair_id=of.id or 0, version=version, user_id=u, signed_at=NOW)
        for u in signed_by
    )
    return AgreementState(
        pair=of,
        version=version,
        values=values,
        clauses=agreement_clauses(PROGRAM),
        signatures=signatures,
    )


def card(
    of: Pair, *, upcoming: Upcoming | None = None, signed_by: tuple[str, ...] = ()
) -> PairCard:
    return PairCard(
        pair=of,
        role="mentor",
        partner_id=of.partner_of(MENTOR),
        next_session=upcoming,
        agreement=state(of, signed_by=signed_by),
    )


def action(item_id: int, of: Pair, *, owner: str = MENTOR, due_on: date | None = None) -> OpenItem:
    row = ActionItem(
        id=item_id,
        team_id=TEAM,
        pair_id=of.id or 0,
        owner_id=owner,
        text=NASTY,
        due_on=due_on,
        created_by=owner,
        created_at=NOW,
    )
    return OpenItem(row, of)


def prompt(delivery_id: int, of: Pair, *, closes_at: datetime | None = None) -> WaitingPrompt:
    return WaitingPrompt(
        delivery_id=delivery_id,
        kind=Kind.PREP if closes_at else Kind.FIRST_MEETING,
        title="Prepare <your> session",
        pair=of,
        partner_id=of.partner_of(MENTOR),
        closes_at=closes_at,
        sent_at=NOW,
    )


def summary(
    cards: Sequence[PairCard],
    items: Sequence[OpenItem] = (),
    prompts: Sequence[WaitingPrompt] = (),
    *,
    streak: DiaryStreak = NO_STREAK,
    is_admin: bool = False,
) -> HomeSummary:
    return HomeSummary(
        team_id=TEAM,
        user_id=MENTOR,
        is_admin=is_admin,
        today=TODAY,
        now=NOW,
        pairs=tuple(cards),
        items=tuple(items),
        prompts=tuple(prompts),
        streak=streak,
    )


def texts(view: dict) -> str:
    return json.dumps(view["blocks"], ensure_ascii=False)


def buttons(view: dict) -> list[tuple[str, str, str]]:
    found = []
    for block in view["blocks"]:
        elements = [block["accessory"]] if "accessory" in block else block.get("elements", [])
        found += [
            (e["text"]["text"], e["action_id"], e["value"])
            for e in elements
            if e["type"] == "button"
        ]
    return found


def test_forty_pairs_three_hundred_items_and_fifty_prompts_still_make_a_valid_view() -> None:
    pairs = [pair(n, f"UPARTNER{n:02d}") for n in range(1, 41)]
    items = [action(n, pairs[n % 40], due_on=TODAY + timedelta(days=n % 9 - 2)) for n in range(300)]
    prompts = [prompt(n, pairs[n % 40], closes_at=NOW + timedelta(hours=n)) for n in range(50)]
    view = build_home_view(summary([card(p) for p in pairs], items, prompts))

    assert validate_view(view) == []
    assert len(view["blocks"]) <= MAX_VIEW_BLOCKS
    assert all(len(b["text"]["text"]) <= MAX_SECTION_TEXT for b in view["blocks"] if "text" in b)
    shown = buttons(view)
    assert len([b for b in shown if b[1] == Action.HOME_AGREEMENT_OPEN]) == PAIRS_SHOWN
    assert len([b for b in shown if b[1] == Action.HOME_ACTION_DONE]) == ITEMS_SHOWN
    assert len([b for b in shown if b[1] == Action.PROMPT_ANSWER]) == PROMPTS_SHOWN
    body = texts(view)
    assert "Your pairs (40)" in body and "…and 30 more pairs: mentor of <@UPARTNER11>" in body
    assert "<@UPARTNER40>" in body  # every hidden partner is still named
    assert f"…and {300 - ITEMS_SHOWN} more items, due later: `/mentor actions @partner`" in body
    assert f"…and {50 - PROMPTS_SHOWN} more prompts" in body
    overdue = sum(1 for entry in items if entry.item.due_on and entry.item.due_on < TODAY)
    assert f"Open action items (300, {overdue} overdue)" in body


def test_hundreds_of_pairs_are_summarised_without_cutting_a_mention() -> None:
    pairs = [pair(n, f"UPARTNER{n:03d}") for n in range(1, 501)]
    view = build_home_view(summary([card(p) for p in pairs]))
    assert validate_view(view) == []
    summary_text = next(
        b["text"]["text"]
        for b in view["blocks"]
        if "more pairs" in b.get("text", {}).get("text", "")
    )
    assert len(summary_text) <= MAX_SECTION_TEXT
    assert summary_text.count("<@") == summary_text.count(">")
    assert " others. `/mentor sessions @partner`" in summary_text


def test_user_text_is_escaped_and_cut() -> None:
    first = pair(1)
    view = build_home_view(summary([card(first)], [action(7, first)], [prompt(3, first)]))
    body = texts(view)
    assert "<!channel>" not in body and "<@U999>" not in body
    assert "&lt;!channel&gt; &amp; &lt;@U999&gt;" in body
    assert "Prepare &lt;your&gt; session" in body
    assert validate_view(view) == []


def test_each_pair_shows_role_status_next_session_and_agreement() -> None:
    scheduled = pair(1)
    idle = pair(2, "UIDLE001")
    paused = pair(3, "UPAUSED1", status=PairStatus.PAUSED)
    signed = pair(4, "USIGNED1")
    upcoming = Upcoming(NOW + timedelta(days=1), 45, Cadence.WEEKLY, 11)
    view = build_home_view(
        summary(
            [
                card(scheduled, upcoming=upcoming, signed_by=(MENTEE,)),
                card(idle, signed_by=(MENTOR,)),
                card(paused),
                card(signed, signed_by=(MENTOR, "USIGNED1")),
            ]
        )
    )
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    first = blocks["home_pair_1"]["text"]["text"]
    ts = int(upcoming.starts_at.timestamp())
    assert f"*Mentor of <@{MENTEE}>* · active" in first
    assert f"Next session: <!date^{ts}^{{date_long_pretty}} at {{time}}|" in first
    assert "(45 min, weekly)" in first
    assert f"<@{MENTEE}> signed, *waiting for your signature*" in first
    assert blocks["home_pair_1"]["accessory"]["style"] == "primary"
    assert blocks["home_pair_1"]["accessory"]["value"] == "1"

    second = blocks["home_pair_2"]["text"]["text"]
    assert "Nothing scheduled. Run `/mentor schedule`" in second
    assert "you signed; waiting for <@UIDLE001>" in second
    assert "style" not in blocks["home_pair_2"]["accessory"]
    assert "paused" in blocks["home_pair_3"]["text"]["text"]
    assert "no sessions are planned" in blocks["home_pair_3"]["text"]["text"]
    assert "signed by both of you" in blocks["home_pair_4"]["text"]["text"]
    assert validate_view(view) == []


def test_items_show_owner_due_date_and_overdue() -> None:
    first, second = pair(1), pair(2, "USECOND1")
    view = build_home_view(
        summary(
            [card(first), card(second)],
            [
                action(1, first, due_on=TODAY - timedelta(days=1)),
                action(2, second, owner="USECOND1", due_on=TODAY),
                action(3, first),
            ],
        )
    )
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks["home_item_1"]["text"]["text"].startswith("You: “")
    assert ":warning: *Overdue*" in blocks["home_item_1"]["text"]["text"]
    assert f"· with <@{MENTEE}>" in blocks["home_item_1"]["text"]["text"]
    assert blocks["home_item_2"]["text"]["text"].startswith("<@USECOND1>: “")
    assert "Overdue" not in blocks["home_item_2"]["text"]["text"]
    assert "No due date" in blocks["home_item_3"]["text"]["text"]
    assert ("Mark done", Action.HOME_ACTION_DONE, "2") in buttons(view)
    assert "Open action items (3, 1 overdue)" in texts(view)


def test_prompts_have_answer_buttons_and_say_when_they_close() -> None:
    first = pair(1)
    closes = NOW + timedelta(hours=20)
    view = build_home_view(summary([card(first)], prompts=[prompt(5, first, closes_at=closes)]))
    assert ("Answer", Action.PROMPT_ANSWER, "5") in buttons(view)
    assert f"<!date^{int(closes.timestamp())}^" in texts(view)
    assert "answers close when it starts" in texts(view)


def test_empty_parts_say_so() -> None:
    view = build_home_view(summary([card(pair(1))]))
    body = texts(view)
    assert "Nothing waiting for your answer right now." in body
    assert "No open action items." in body
    assert "No diary streak yet" in body


@pytest.mark.parametrize(
    ("streak", "expected"),
    [
        (DiaryStreak(1, pending=False), "*1* session with a diary entry"),
        (DiaryStreak(4, pending=False), "*4* sessions in a row with a diary entry"),
        (DiaryStreak(4, pending=True), "write it to keep the streak going"),
    ],
)
def test_diary_streak(streak: DiaryStreak, expected: str) -> None:
    view = build_home_view(summary([card(pair(1))], streak=streak))
    assert expected in texts(view)


def test_someone_without_a_pair_is_welcomed_and_told_how_to_get_paired() -> None:
    view = build_home_view(summary([]))
    assert view == build_welcome_view(is_admin=False)
    body = texts(view)
    assert "Welcome to Mentorbot" in body and "How to get paired" in body
    assert "/mentor pair" not in body
    assert validate_view(view) == []
    admin = build_home_view(summary([], is_admin=True))
    assert "`/mentor pair @mentor @mentee`" in texts(admin)
    assert validate_view(admin) == []


def test_the_unavailable_notice_is_a_valid_home_view() -> None:
    assert validate_view(build_home_unavailable()) == []


def test_agreement_modal_offers_sign_only_to_a_partner_who_has_not_signed() -> None:
    of = pair(9)
    unsigned = build_home_agreement_modal(state(of, version=3), viewer=MENTOR)
    assert validate_view(unsigned) == []
    assert buttons(unsigned) == [("Sign agreement", Action.HOME_AGREEMENT_SIGN, "9:3")]
    assert "&lt;!channel&gt;" in texts(unsigned) and "<!channel>" not in texts(unsigned)

    signed = build_home_agreement_modal(state(of, signed_by=(MENTOR,)), viewer=MENTOR)
    assert buttons(signed) == []
    assert validate_view(signed) == []

    ended = pair(10, status=PairStatus.ENDED)
    assert buttons(build_home_agreement_modal(state(ended), viewer=MENTOR)) == []

    noticed = build_home_agreement_modal(state(of), viewer=MENTOR, notice="It changed.")
    assert noticed["blocks"][0]["text"]["text"] == ":warning: It changed."
    assert validate_view(noticed) == []
