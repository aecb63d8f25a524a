"""Pausing, resuming and ending a pair through Slack: who may, what stops, what comes back,
the closing reflection, and a clear answer for every wrong state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from storage.models import (
    Delivery,
    DeliveryState,
    Kind,
    MentoringSession,
    Pair,
    PairStatus,
    PromptAnswer,
    Series,
    SessionStatus,
)
from tests.conftest import ADMIN, MENTEE, MENTOR, STRANGER, Harness

# The harness clock starts on Monday 2 March 2026, 09:00 UTC; the first session is a day later.
START = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)
WEEK = timedelta(days=7)


def rows(harness: Harness, model):  # type: ignore[no-untyped-def]
    with harness.db.session() as session:
        return list(session.exec(select(model).order_by(model.id)).all())


def the_pair(harness: Harness) -> Pair:
    (pair,) = rows(harness, Pair)
    return pair


def pending(harness: Harness) -> list[Delivery]:
    return [d for d in rows(harness, Delivery) if d.state == DeliveryState.PENDING]


def last_reply(harness: Harness) -> str:
    return harness.standin.responses()[-1].body["text"]


def posts(harness: Harness) -> list:  # type: ignore[type-arg]
    return harness.standin.calls("chat.postMessage")


@pytest.fixture
def scheduled(harness: Harness) -> Harness:
    """A pair with a weekly session tomorrow and an action item due on Friday."""
    harness.driver.command(f"pair <@{MENTOR}> <@{MENTEE}>", user=ADMIN)
    harness.bot.deliver_due()  # the first-meeting forms
    harness.driver.command("schedule", user=MENTOR)
    view = harness.standin.last("views.open").response["view"]
    harness.driver.submit(
        view, {"when": int(START.timestamp()), "recurrence": "weekly"}, user=MENTOR
    )
    channel = the_pair(harness).channel_id
    harness.driver.command(
        f"action <@{MENTEE}> Read the chapter by friday", user=MENTOR, channel=channel
    )
    harness.bot.deliver_due()  # the session's announcement
    harness.standin.clear()
    return harness


def in_pair_channel(harness: Harness, text: str, *, user: str) -> None:
    harness.driver.command(text, user=user, channel=the_pair(harness).channel_id)


def run_at(harness: Harness, moment: datetime):  # type: ignore[no-untyped-def]
    harness.clock.now = moment
    return harness.bot.deliver_due()


def test_pausing_withdraws_everything_pending_and_stops_planning(scheduled: Harness) -> None:
    h = scheduled
    before = {d.kind for d in pending(h)}
    assert {Kind.PREP, Kind.CHECKIN, Kind.AGENDA_SHARE, Kind.AFTER_SESSION} <= before
    assert Kind.ACTION_REMINDER in before

    in_pair_channel(h, "pause", user=MENTEE)

    assert the_pair(h).status == PairStatus.PAUSED
    assert pending(h) == []
    (series,) = rows(h, Series)
    assert (series.active, series.paused) == (False, True)
    (announcement,) = h.standin.messages(the_pair(h).channel_id)[-1:]
    assert f"<@{MENTEE}> paused this mentoring pair" in announcement["text"]
    assert h.standin.responses() == []  # said in the pair's conversation: no extra reply

    # Nothing goes out while paused: not the prompts, not the next weekly session.
    for moment in (START - timedelta(hours=24), START + timedelta(hours=2), START + 2 * WEEK):
        assert run_at(h, moment).sent == 0
    assert len(rows(h, MentoringSession)) == 1


def test_resuming_brings_back_the_prompts_and_the_series(scheduled: Harness) -> None:
    h = scheduled
    in_pair_channel(h, "pause", user=MENTEE)
    h.clock.now = START - timedelta(hours=30)
    h.standin.clear()

    # The mentor resumes from elsewhere, naming the partner.
    h.driver.command(f"resume <@{MENTEE}|tomas>", user=MENTOR, channel="C0GENERAL")

    assert the_pair(h).status == PairStatus.ACTIVE
    assert "Resumed the pair of" in last_reply(h)
    channel_messages = h.standin.messages(the_pair(h).channel_id)
    assert f"<@{MENTOR}> resumed this mentoring pair" in channel_messages[-1]["text"]
    kinds = {d.kind for d in pending(h)}
    assert {Kind.PREP, Kind.CHECKIN, Kind.AGENDA_SHARE, Kind.ACTION_REMINDER} <= kinds
    (series,) = rows(h, Series)
    assert (series.active, series.paused) == (True, False)

    # 24 h before the session: preparation and check-in as if nothing had happened.
    report = run_at(h, START - timedelta(hours=24))
    assert report.sent == 3
    assert "prepare" in h.standin.messages(MENTOR)[-1]["text"]
    assert "check-in" in h.standin.messages(MENTEE)[-1]["text"]
    # Once the session has begun, the series plans its next one again.
    run_at(h, START + timedelta(minutes=5))
    assert [m.starts_at for m in rows(h, MentoringSession)] == [START, START + WEEK]


def test_resuming_after_a_session_passed_skips_its_prompts_but_keeps_the_rhythm(
    scheduled: Harness,
) -> None:
    h = scheduled
    in_pair_channel(h, "pause", user=MENTOR)
    h.clock.now = START + 2 * WEEK + timedelta(hours=1)
    in_pair_channel(h, "resume", user=MENTEE)
    h.standin.clear()
    run_at(h, h.clock.now)
    # No catch-up of stale preparation; the next session is the next slot after now.
    assert not [m for m in h.standin.messages(MENTOR) if "prepare" in m["text"]]
    assert rows(h, MentoringSession)[-1].starts_at == START + 3 * WEEK


def test_an_admin_pauses_any_pair_by_naming_both(scheduled: Harness) -> None:
    h = scheduled
    h.driver.command(f"pause <@{MENTEE}> <@{MENTOR}>", user=ADMIN)
    assert the_pair(h).status == PairStatus.PAUSED
    assert "Paused the pair of" in last_reply(h)
    text = h.standin.messages(the_pair(h).channel_id)[-1]["text"]
    assert f"<@{ADMIN}>, a program admin, paused" in text


def end_partnership(
    harness: Harness, *, user: str, text: str = "", channel: str = "C0GENERAL"
) -> None:
    harness.driver.command(f"end {text}", user=user, channel=channel)
    offer = harness.standin.ephemerals(channel, user=user)[-1]
    button = offer["blocks"][-1]["elements"][0]
    assert button["style"] == "danger" and button["confirm"]["confirm"]["text"] == "End partnership"
    harness.driver.click(offer, "End partnership", user=user)


def test_ending_asks_first_then_closes_everything_and_asks_for_a_reflection(
    scheduled: Harness,
) -> None:
    h = scheduled
    h.driver.command("end", user=MENTOR, channel="C0GENERAL")
    assert the_pair(h).status == PairStatus.ACTIVE  # only the offer so far
    assert "End the mentoring partnership of" in last_reply(h)
    assert posts(h) == []

    end_partnership(h, user=MENTOR)

    pair = the_pair(h)
    assert pair.status == PairStatus.ENDED
    assert [m.status for m in rows(h, MentoringSession)] == [SessionStatus.CANCELLED]
    assert not any(s.active for s in rows(h, Series))
    assert [(d.kind, d.recipient) for d in pending(h)] == [
        (Kind.CLOSING, MENTOR),
        (Kind.CLOSING, MENTEE),
    ]
    ended = h.standin.messages(pair.channel_id)[-1]["text"]
    assert "ended this mentoring partnership" in ended and "cancelled 1 upcoming session" in ended
    assert "Ended the pair of" in last_reply(h)

    # The closing reflection goes out although the pair has ended, and can be answered.
    assert run_at(h, h.clock.now).sent == 2
    closing = h.standin.messages(MENTEE)[-1]
    assert "has ended" in closing["text"]
    labels = h.bot.deps.curriculum.questions("closing").questions
    assert all(q.label in str(closing["blocks"]) for q in labels)
    h.driver.click(closing, "Answer", user=MENTEE)
    modal = h.standin.last("views.open").response["view"]
    takeaway = next(
        b["block_id"] for b in modal["blocks"] if b.get("block_id", "").endswith(".takeaway")
    )
    assert h.driver.submit(modal, {takeaway: "Ask more, tell less"}, user=MENTEE).body == ""
    (answer,) = [a for a in rows(h, PromptAnswer) if a.question_set == "closing"]
    assert (answer.author_id, answer.answers) == (MENTEE, {takeaway: "Ask more, tell less"})
    assert "Edit answer" in str(h.standin.messages(MENTEE)[-1]["blocks"])

    # Nothing else is sent for this pair, ever.
    for moment in (START - timedelta(hours=24), START + timedelta(hours=2), START + 3 * WEEK):
        assert run_at(h, moment).sent == 0


def test_the_partner_cannot_answer_the_others_closing_reflection(scheduled: Harness) -> None:
    h = scheduled
    end_partnership(h, user=MENTEE)
    run_at(h, h.clock.now)
    closing = h.standin.messages(MENTEE)[-1]
    h.driver.click(closing, "Answer", user=MENTOR)
    assert "only they can answer it" in last_reply(h)
    assert not h.standin.calls("views.open")


def test_a_paused_pair_can_be_ended(scheduled: Harness) -> None:
    h = scheduled
    in_pair_channel(h, "pause", user=MENTOR)
    end_partnership(h, user=ADMIN, text=f"<@{MENTOR}> <@{MENTEE}>")
    assert the_pair(h).status == PairStatus.ENDED
    assert {d.kind for d in pending(h)} == {Kind.CLOSING}


WRONG_STATES = [
    pytest.param(["pause"], "pause", "is already paused", id="pause-paused"),
    pytest.param([], "resume", "is active, so there's nothing to resume", id="resume-active"),
    pytest.param(["end"], "pause", "has ended", id="pause-ended"),
    pytest.param(["end"], "resume", "has ended", id="resume-ended"),
    pytest.param(["end"], "end", "has ended", id="end-ended"),
]


@pytest.mark.parametrize(("before", "verb", "fragment"), WRONG_STATES)
def test_a_change_that_doesnt_fit_the_state_says_so(
    scheduled: Harness, before: list[str], verb: str, fragment: str
) -> None:
    h = scheduled
    for earlier in before:
        if earlier == "end":
            end_partnership(h, user=MENTOR)
        else:
            in_pair_channel(h, earlier, user=MENTOR)
    status = the_pair(h).status
    states = [(d.id, d.state) for d in rows(h, Delivery)]
    h.standin.clear()

    h.driver.command(f"{verb} <@{MENTEE}>", user=MENTOR)

    assert fragment in last_reply(h)
    assert the_pair(h).status == status
    assert [(d.id, d.state) for d in rows(h, Delivery)] == states
    assert posts(h) == [] and len(h.standin.responses()) == 1


BAD_REQUESTS = [
    pytest.param(
        STRANGER,
        f"<@{MENTOR}> <@{MENTEE}>",
        "Only the two partners or a program admin",
        id="stranger-both",
    ),
    pytest.param(STRANGER, f"<@{MENTOR}>", "You aren't in a pair with", id="stranger-one"),
    pytest.param(STRANGER, "", "You aren't in a mentoring pair", id="stranger-none"),
    pytest.param(MENTOR, f"<@{STRANGER}>", "You aren't in a pair with", id="not-partner"),
    pytest.param(MENTOR, f"<@{MENTOR}>", "name your partner", id="self"),
    pytest.param(MENTOR, "tomas please", "name your partner", id="plain-text"),
    pytest.param(MENTOR, f"<@{MENTEE}> <@{STRANGER}> <@{ADMIN}>", "name your partner", id="three"),
    pytest.param(
        ADMIN, f"<@{MENTOR}> <@{STRANGER}>", "aren't paired with each other", id="admin-unpaired"
    ),
    pytest.param(ADMIN, f"<@{MENTOR}>", "mention both partners", id="admin-one"),
    pytest.param(ADMIN, "", "You aren't in a mentoring pair", id="admin-none"),
]


@pytest.mark.parametrize("verb", ["pause", "resume", "end"])
@pytest.mark.parametrize(("user", "text", "fragment"), BAD_REQUESTS)
def test_bad_requests_get_a_clear_reply_and_change_nothing(
    scheduled: Harness, verb: str, user: str, text: str, fragment: str
) -> None:
    h = scheduled
    states = [(d.id, d.state) for d in rows(h, Delivery)]
    h.driver.command(f"{verb} {text}", user=user)
    assert fragment in last_reply(h)
    assert the_pair(h).status == PairStatus.ACTIVE
    assert [(d.id, d.state) for d in rows(h, Delivery)] == states
    assert posts(h) == []


def test_a_stranger_in_the_pairs_conversation_cannot_change_it(scheduled: Harness) -> None:
    h = scheduled
    in_pair_channel(h, "pause", user=STRANGER)
    assert "aren't in a mentoring pair" in last_reply(h)
    assert the_pair(h).status == PairStatus.ACTIVE and posts(h) == []


@pytest.mark.parametrize("value", ["999999", "abc", "", "-1"])
def test_a_forged_end_button_changes_nothing(scheduled: Harness, value: str) -> None:
    h = scheduled
    h.driver.click_action("pair_end", value=value, user=MENTOR)
    assert "doesn't belong to anything" in last_reply(h)
    assert the_pair(h).status == PairStatus.ACTIVE and posts(h) == []


def test_a_stranger_clicking_end_with_a_real_pair_id_changes_nothing(scheduled: Harness) -> None:
    h = scheduled
    h.driver.click_action("pair_end", value=str(the_pair(h).id), user=STRANGER)
    assert f"Only <@{MENTOR}>, <@{MENTEE}> or a program admin can end" in last_reply(h)
    assert the_pair(h).status == PairStatus.ACTIVE and posts(h) == []
    assert pending(h) and all(d.kind != Kind.CLOSING for d in pending(h))


def test_ending_twice_sends_one_reflection_each(scheduled: Harness) -> None:
    h = scheduled
    h.driver.command("end", user=MENTOR, channel="C0GENERAL")
    offer = h.standin.ephemerals("C0GENERAL", user=MENTOR)[-1]
    h.driver.click(offer, "End partnership", user=MENTOR)
    h.driver.click(offer, "End partnership", user=MENTEE)
    assert "has ended" in last_reply(h)
    assert len([d for d in rows(h, Delivery) if d.kind == Kind.CLOSING]) == 2


def test_with_several_pairs_a_partner_names_which(harness: Harness) -> None:
    harness.driver.command(f"pair <@{MENTOR}> <@{MENTEE}>", user=ADMIN)
    harness.driver.command(f"pair <@{MENTOR}> <@{STRANGER}>", user=ADMIN)
    harness.driver.command("pause", user=MENTOR)
    assert "You're in several pairs" in last_reply(harness)
    harness.driver.command(f"pause <@{STRANGER}>", user=MENTOR)
    statuses = {p.partner_of(MENTOR): p.status for p in rows(harness, Pair)}
    assert statuses == {MENTEE: PairStatus.ACTIVE, STRANGER: PairStatus.PAUSED}


def test_after_ending_the_same_people_can_be_paired_again_and_changed(harness: Harness) -> None:
    harness.driver.command(f"pair <@{MENTOR}> <@{MENTEE}>", user=ADMIN)
    end_partnership(harness, user=MENTEE)
    harness.driver.command(f"pair <@{MENTOR}> <@{MENTEE}>", user=ADMIN)
    # The open pair wins over the ended one of the same two people.
    harness.driver.command(f"pause <@{MENTEE}>", user=MENTOR)
    assert [p.status for p in rows(harness, Pair)] == [PairStatus.ENDED, PairStatus.PAUSED]


def test_every_lifecycle_message_is_valid_and_the_help_lists_the_commands(harness: Harness) -> None:
    harness.driver.command("help", user=STRANGER)
    text = str(harness.standin.responses()[-1].body["blocks"])
    for usage in (
        "/mentor pause [@partner]",
        "/mentor resume [@partner]",
        "/mentor end [@partner]",
    ):
        assert usage in text
