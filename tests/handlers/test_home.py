"""The Home tab through Slack: app_home_opened, the agreement modal, Mark done and Answer."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot import home
from bot.ids import Action
from standin.blockkit import MAX_VIEW_BLOCKS
from storage import actions as action_store
from storage import pairs as pair_store
from storage.agreements import add_version
from storage.models import ActionItem, AgreementVersion, Pair, PromptAnswer, Signature
from tests.conftest import ADMIN, MENTEE, MENTOR, STRANGER, TEAM, Harness

START = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)


def open_home(harness: Harness, user: str) -> dict:
    harness.driver.event(
        {"type": "app_home_opened", "user": user, "channel": "D0HOME01", "tab": "home"}
    )
    view = harness.standin.home_view(TEAM, user)
    assert view is not None, "nothing was published"
    return view


def text_of(view: dict) -> str:
    return json.dumps(view["blocks"], ensure_ascii=False)


def block(view: dict, block_id: str) -> dict:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


def pair_of(harness: Harness) -> Pair:
    with harness.db.session() as session:
        return session.exec(select(Pair)).one()


def rows(harness: Harness, model):  # type: ignore[no-untyped-def]
    with harness.db.session() as session:
        return list(session.exec(select(model)).all())


def dms(harness: Harness, user: str) -> list[dict]:
    return harness.standin.messages(user)


@pytest.fixture
def paired(harness: Harness) -> Harness:
    harness.driver.command(f"pair <@{MENTOR}> <@{MENTEE}>", user=ADMIN)
    harness.bot.deliver_due()  # each partner's first-meeting form
    harness.standin.clear()
    return harness


@pytest.fixture
def busy(paired: Harness) -> Harness:
    """A pair with a weekly session tomorrow, its prompts sent, and two action items."""
    h = paired
    h.driver.command("schedule", user=MENTOR, channel=pair_of(h).channel_id)
    view = h.standin.last("views.open").response["view"]
    h.driver.submit(view, {"when": int(START.timestamp()), "recurrence": "weekly"}, user=MENTOR)
    channel = pair_of(h).channel_id
    h.driver.command(
        "action <@UMENTEE1> Read <!channel> & chapter 3 by friday", user=MENTOR, channel=channel
    )
    h.driver.command(f"action <@{MENTOR}> Send the article", user=MENTOR, channel=channel)
    h.clock.now = START - timedelta(hours=24)
    h.bot.deliver_due()  # the preparation and check-in prompts
    h.standin.clear()
    return h


def test_someone_without_a_pair_gets_a_welcome(harness: Harness) -> None:
    view = open_home(harness, STRANGER)
    body = text_of(view)
    assert "Welcome to Mentorbot" in body and "How to get paired" in body
    assert "/mentor pair" not in body
    assert "`/mentor pair @mentor @mentee`" in text_of(open_home(harness, ADMIN))


def test_the_messages_tab_publishes_nothing(harness: Harness) -> None:
    harness.driver.event(
        {"type": "app_home_opened", "user": MENTOR, "channel": "D0HOME01", "tab": "messages"}
    )
    assert harness.standin.calls("views.publish") == []


def test_the_dashboard_of_a_busy_pair(busy: Harness) -> None:
    view = open_home(busy, MENTOR)
    pair = pair_of(busy)

    card = block(view, f"home_pair_{pair.id}")["text"]["text"]
    assert f"*Mentor of <@{MENTEE}>* · active" in card
    assert f"Next session: <!date^{int(START.timestamp())}^" in card
    assert "(60 min, weekly)" in card
    assert "Agreement v1" in card and "*waiting for your signature*" in card

    body = text_of(view)
    assert "Waiting for your answer (2)" in body  # the first-meeting form and the preparation
    assert "Prepare your session" in body and "Before you first meet" in body
    assert "Open action items (2)" in body
    assert "Read &lt;!channel&gt; &amp; chapter 3" in body and "<!channel>" not in body
    assert "You: “Send the article”" in body
    assert f"<@{MENTEE}>: “Read" in body

    mentee_view = open_home(busy, MENTEE)
    assert "*Mentee of <@UMENTOR1>*" in text_of(mentee_view)
    assert "Your check-in" in text_of(mentee_view)
    assert "Prepare your session" not in text_of(mentee_view)


def test_mark_done_from_home_marks_it_and_refreshes_the_tab(busy: Harness) -> None:
    view = open_home(busy, MENTOR)
    item = next(i for i in rows(busy, ActionItem) if i.text == "Send the article")
    busy.standin.clear()

    busy.driver.click(view, "Mark done", user=MENTOR, block_id=f"home_item_{item.id}")

    done = next(i for i in rows(busy, ActionItem) if i.id == item.id)
    assert done.done_at is not None and done.done_by == MENTOR
    refreshed = busy.standin.home_view(TEAM, MENTOR)
    assert refreshed is not None and "Send the article" not in text_of(refreshed)
    assert "Open action items (1)" in text_of(refreshed)
    assert len(busy.standin.calls("views.publish")) == 1


def test_answer_from_home_opens_the_modal_and_refreshes_the_tab(busy: Harness) -> None:
    view = open_home(busy, MENTOR)
    prep = next(
        b for b in view["blocks"] if "Prepare your session" in b.get("text", {}).get("text", "")
    )

    busy.driver.click(view, "Answer", user=MENTOR, block_id=prep["block_id"])

    modal = busy.standin.last("views.open").response["view"]
    assert modal["callback_id"] == "prompt_answers"
    first = next(b["block_id"] for b in modal["blocks"] if b["type"] == "input")
    busy.standin.clear()
    busy.driver.submit(modal, {first: "Delegation"}, user=MENTOR)
    assert [a.question_set for a in rows(busy, PromptAnswer)] == ["preparation"]
    # The tab is refreshed at once, without waiting for the person to open it again.
    assert len(busy.standin.calls("views.publish")) == 1
    refreshed = busy.standin.home_view(TEAM, MENTOR)
    assert refreshed is not None and "Prepare your session" not in text_of(refreshed)
    assert "Waiting for your answer (2)" in text_of(view)
    assert "Waiting for your answer (1)" in text_of(refreshed)


def test_answering_from_the_dm_leaves_home_to_the_next_opening(busy: Harness) -> None:
    prep = next(m for m in dms(busy, MENTOR) if "prepare" in m["text"])
    busy.driver.click(prep, "Answer", user=MENTOR)
    modal = busy.standin.last("views.open").response["view"]
    first = next(b["block_id"] for b in modal["blocks"] if b["type"] == "input")
    busy.standin.clear()

    busy.driver.submit(modal, {first: "Delegation"}, user=MENTOR)

    assert [a.question_set for a in rows(busy, PromptAnswer)] == ["preparation"]
    assert busy.standin.calls("views.publish") == []


def test_sign_the_agreement_from_home(paired: Harness) -> None:
    h = paired
    pair = pair_of(h)
    view = open_home(h, MENTEE)
    h.driver.click(view, "Open agreement", user=MENTEE)
    modal = h.standin.last("views.open").response["view"]
    assert modal["type"] == "modal" and "Partnership agreement" in text_of(modal)
    assert "Waiting for <@UMENTEE1>" in text_of(modal)
    h.standin.clear()

    h.driver.click(modal, "Sign agreement", user=MENTEE)

    assert [(s.user_id, s.version) for s in rows(h, Signature)] == [(MENTEE, 1)]
    updated = h.standin.view(modal["id"])
    assert updated is not None and "Sign agreement" not in text_of(updated)
    assert f"<@{MENTEE}> (mentee) signed on <!date^" in text_of(updated)
    message_update = h.standin.last("chat.update")
    assert message_update.args["ts"] == pair.agreement_message_ts
    assert f"<@{MENTEE}> (mentee) signed on" in str(message_update.args["blocks"])
    home_now = h.standin.home_view(TEAM, MENTEE)
    assert home_now is not None
    assert f"you signed; waiting for <@{MENTOR}>" in text_of(home_now)


def test_signing_still_counts_when_the_modal_was_closed_meanwhile(paired: Harness) -> None:
    h = paired
    h.driver.click(open_home(h, MENTOR), "Open agreement", user=MENTOR)
    modal = h.standin.last("views.open").response["view"]
    h.standin.fail_next("views.update", error="not_found")

    h.driver.click(modal, "Sign agreement", user=MENTOR)

    assert [s.user_id for s in rows(h, Signature)] == [MENTOR]
    assert not [m for m in dms(h, MENTOR) if "went wrong" in m["text"]]
    home_now = h.standin.home_view(TEAM, MENTOR)
    assert home_now is not None and "you signed; waiting for" in text_of(home_now)


def test_signing_a_version_that_changed_meanwhile_shows_the_current_one(paired: Harness) -> None:
    h = paired
    pair = pair_of(h)
    assert pair.id is not None
    h.driver.click(open_home(h, MENTOR), "Open agreement", user=MENTOR)
    modal = h.standin.last("views.open").response["view"]
    with h.db.session() as session:  # the partner edits the agreement in between
        add_version(
            session=session,
            team_id=TEAM,
            pair_id=pair.id,
            version=2,
            clauses={"frequency": "weekly", "session_length": "60"},
            created_by=MENTEE,
            now=h.clock.now,
        )

    h.driver.click(modal, "Sign agreement", user=MENTOR)

    assert rows(h, Signature) == []
    updated = h.standin.view(modal["id"])
    assert updated is not None
    notice = block(updated, "home_agreement_notice")["text"]["text"]
    assert "now version 2" in notice
    sign = next(b for b in updated["blocks"] if b.get("block_id") == "home_agreement_actions")
    assert sign["elements"][0]["value"] == f"{pair.id}:2"


@pytest.mark.parametrize(
    ("action_id", "value", "fragment"),
    [
        (Action.HOME_AGREEMENT_OPEN, "not-a-pair", "doesn't belong to anything"),
        (Action.HOME_AGREEMENT_OPEN, "999999", "pair you're in"),
        (Action.HOME_AGREEMENT_OPEN, "{pair}", "pair you're in"),
        (Action.HOME_AGREEMENT_SIGN, "{pair}", "doesn't belong to anything"),
        (Action.HOME_AGREEMENT_SIGN, "{pair}:1", "Only <@UMENTOR1> and <@UMENTEE1> can sign"),
        (Action.HOME_AGREEMENT_SIGN, "999999:1", "aren't in a mentoring pair"),
        (Action.HOME_ACTION_DONE, "", "doesn't belong to anything"),
        (Action.HOME_ACTION_DONE, "{item}", "only its two partners can mark it done"),
        (Action.HOME_ACTION_DONE, "999999", "can't find that action item"),
    ],
)
def test_a_stranger_or_a_forged_button_changes_nothing(
    busy: Harness, action_id: str, value: str, fragment: str
) -> None:
    h = busy
    pair = pair_of(h)
    item = rows(h, ActionItem)[0]
    before = (rows(h, Signature), [i.done_at for i in rows(h, ActionItem)])
    h.standin.clear()

    h.driver.click_action(
        action_id,
        value=value.format(pair=pair.id, item=item.id),
        user=STRANGER,
        view=open_home(h, STRANGER),
    )

    told = dms(h, STRANGER)
    assert told and fragment in told[-1]["text"]
    assert (rows(h, Signature), [i.done_at for i in rows(h, ActionItem)]) == before
    assert h.standin.calls("views.open") == []
    assert h.standin.calls("views.update") == []
    assert h.standin.calls("chat.update") == []
    others = [c for c in h.standin.calls("chat.postMessage") if c.args.get("channel") != STRANGER]
    assert others == []
    assert {c.args["user_id"] for c in h.standin.calls("views.publish")} <= {STRANGER}


def test_a_partners_diary_and_answers_never_appear_on_the_others_home(busy: Harness) -> None:
    h = busy
    # The mentee answers the check-in with something private…
    checkin = next(m for m in dms(h, MENTEE) if "check-in" in m["text"])
    h.driver.click(checkin, "Answer", user=MENTEE)
    modal = h.standin.last("views.open").response["view"]
    first = next(b["block_id"] for b in modal["blocks"] if b["type"] == "input")
    h.driver.submit(modal, {first: "SECRET-CHECKIN-ANSWER"}, user=MENTEE)
    # …the session happens and the mentee writes a private diary entry.
    h.clock.now = START + timedelta(minutes=70)
    h.bot.deliver_due()
    asked = next(m for m in reversed(dms(h, MENTEE)) if "happen?" in m["text"])
    h.driver.click(asked, "Yes, it happened", user=MENTEE)
    diary = h.standin.last("views.open").response["view"]
    lesson = next(
        b["block_id"]
        for b in diary["blocks"]
        if b["type"] == "input" and b["block_id"].startswith("diary.")
    )
    h.driver.submit(diary, {lesson: "SECRET-DIARY-TEXT"}, user=MENTEE)

    mentor_home = text_of(open_home(h, MENTOR))
    mentee_home = text_of(open_home(h, MENTEE))

    assert "SECRET" not in mentor_home
    assert "SECRET" not in mentee_home  # Home shows that they wrote, never what
    assert "*1* session with a diary entry" in mentee_home
    assert "No diary streak yet" in mentor_home
    # The mentee's own prompts are theirs: none of them shows on the mentor's Home.
    assert "Your check-in" not in mentor_home


def test_forty_pairs_and_three_hundred_items_still_publish_a_valid_view(harness: Harness) -> None:
    h = harness
    with h.db.session() as session:
        for n in range(40):
            pair = pair_store.add_pair(
                session=session,
                team_id=TEAM,
                mentor_id=MENTOR,
                mentee_id=f"UPARTNER{n:02d}",
                channel_id=f"G{n:08d}",
                created_by=ADMIN,
                now=h.clock.now,
            )
            assert pair.id is not None
            for k in range(8 if n < 20 else 7):
                action_store.add_action_item(
                    session=session,
                    team_id=TEAM,
                    pair_id=pair.id,
                    owner_id=MENTOR if k % 2 else pair.mentee_id,
                    text=f"<b>Item {n}.{k}</b> " + "long " * 55,
                    due_on=None,
                    created_by=MENTOR,
                    now=h.clock.now,
                )
    assert len(rows(h, ActionItem)) == 300

    view = open_home(h, MENTOR)

    # The stand-in validates every published view (the fixture fails the test otherwise).
    assert len(view["blocks"]) <= MAX_VIEW_BLOCKS
    body = text_of(view)
    assert "Your pairs (40)" in body and "…and 30 more pairs" in body
    assert "Open action items (300)" in body and "`/mentor actions @partner` lists them" in body
    assert rows(h, AgreementVersion) == []  # pairs made behind the bot's back: Home copes


def test_home_is_published_even_when_loading_it_fails(
    paired: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(home, "load_home", broken)
    view = open_home(paired, MENTOR)
    assert "couldn't load your dashboard" in text_of(view)


def test_home_is_published_even_when_slack_refuses_the_view_or_the_profile(
    paired: Harness,
) -> None:
    paired.standin.fail_next("users.info", error="team_access_not_granted")
    assert "Your pairs (1)" in text_of(open_home(paired, MENTOR))  # dates then in UTC
    assert len(paired.standin.calls("users.info")) == 1

    paired.standin.fail_next("views.publish", error="invalid_blocks")
    view = open_home(paired, MENTOR)
    assert "couldn't load your dashboard" in text_of(view)
    assert len(paired.standin.calls("views.publish")) == 3
