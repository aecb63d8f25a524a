"""`/mentor pair`, `/mentor help` and unknown subcommands, driven through signed requests."""

from __future__ import annotations

import pytest

from blocks.text import escape
from bot.commands import SUBCOMMANDS
from storage.models import Pair
from tests.conftest import ADMIN, MENTEE, MENTOR, STRANGER, Harness

PAIR_TEXT = f"<@{MENTOR}|maria> <@{MENTEE}|tomas>"


def pairs_in(harness: Harness) -> list[Pair]:
    from sqlmodel import select

    with harness.db.session() as session:
        return list(session.exec(select(Pair)).all())


def reply_text(harness: Harness) -> str:
    (reply,) = harness.standin.responses()
    assert reply.body.get("response_type") == "ephemeral"
    return reply.body["text"]


def test_an_admin_pairs_two_people(harness: Harness) -> None:
    response = harness.driver.command(f"pair {PAIR_TEXT}", user=ADMIN)
    assert response.status == 200 and response.body == ""

    opened = harness.standin.last("conversations.open")
    assert set(opened.args["users"].split(",")) == {MENTOR, MENTEE}
    channel = harness.standin.last("conversations.open").response["channel"]["id"]

    welcome, agreement = harness.standin.messages(channel)
    assert f"<@{MENTOR}> is the mentor" in welcome["text"]
    assert "Partnership agreement" in agreement["blocks"][0]["text"]["text"]
    labels = [
        e["text"]["text"]
        for b in agreement["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    ]
    assert labels == ["Edit agreement", "Sign agreement"]

    (pair,) = pairs_in(harness)
    assert (pair.team_id, pair.mentor_id, pair.mentee_id, pair.channel_id) == (
        "T0001",
        MENTOR,
        MENTEE,
        channel,
    )
    assert pair.agreement_message_ts == agreement["ts"]
    assert "Paired" in reply_text(harness)


def test_help_lists_every_subcommand(harness: Harness) -> None:
    harness.driver.command("help", user=STRANGER)
    text = str(harness.standin.responses()[0].body["blocks"])
    for sub in SUBCOMMANDS:
        assert escape(sub.usage) in text


def test_help_and_the_handlers_list_the_same_subcommands() -> None:
    from handlers import SUBCOMMANDS as HANDLED

    assert {s.name for s in SUBCOMMANDS} == set(HANDLED)


@pytest.mark.parametrize("text", ["", "   ", "HELP"])
def test_no_subcommand_means_help(harness: Harness, text: str) -> None:
    harness.driver.command(text, user=STRANGER)
    assert "Mentorbot commands" in reply_text(harness)


def test_an_unknown_subcommand_answers_with_help_and_escapes_it(harness: Harness) -> None:
    harness.driver.command("<!channel>", user=STRANGER)
    (reply,) = harness.standin.responses()
    assert "I don't know `/mentor &lt;!channel&gt;`" in reply.body["text"]
    assert "<!channel>" not in str(reply.body)
    assert "/mentor pair @mentor @mentee" in str(reply.body["blocks"])


BAD_PAIRINGS = [
    pytest.param(STRANGER, PAIR_TEXT, "Only program admins", id="not-admin"),
    pytest.param(ADMIN, f"<@{MENTOR}> <@{MENTOR}>", "two different people", id="same-person"),
    pytest.param(ADMIN, f"<@{MENTOR}> <@UBOTUSER>", "is a bot", id="bot"),
    pytest.param(ADMIN, f"<@UGONE001> <@{MENTEE}>", "deactivated", id="deactivated"),
    pytest.param(ADMIN, f"<@{MENTOR}> <@UNOBODY1>", "couldn't find", id="unknown-user"),
    pytest.param(ADMIN, f"<@{MENTOR}>", "exactly two people", id="one-mention"),
    pytest.param(ADMIN, "@maria @tomas", "exactly two people", id="plain-text-names"),
    pytest.param(ADMIN, f"<@{MENTOR}> <@{MENTEE}> <@{STRANGER}>", "exactly two", id="three"),
    pytest.param(ADMIN, "<@maria> <@tomas>", "exactly two people", id="malformed-ids"),
]


@pytest.mark.parametrize(("user", "text", "fragment"), BAD_PAIRINGS)
def test_bad_pairings_get_a_clear_reply_and_change_nothing(
    harness: Harness, user: str, text: str, fragment: str
) -> None:
    response = harness.driver.command(f"pair {text}", user=user)
    assert response.status == 200
    assert fragment in reply_text(harness)
    assert pairs_in(harness) == []
    sent = {c.method for c in harness.standin.calls()}
    assert not sent & {"conversations.open", "chat.postMessage", "chat.postEphemeral"}


def test_an_existing_active_pair_is_not_paired_again(harness: Harness) -> None:
    harness.driver.command(f"pair {PAIR_TEXT}", user=ADMIN)
    harness.standin.clear()
    # Either way round: the same two people share the same conversation.
    harness.driver.command(f"pair <@{MENTEE}> <@{MENTOR}>", user=ADMIN)
    assert "already paired" in reply_text(harness)
    assert len(pairs_in(harness)) == 1
    assert not harness.standin.calls("chat.postMessage")


def test_a_failed_conversation_stores_nothing(harness: Harness) -> None:
    harness.standin.fail_next("conversations.open", error="user_disabled")
    harness.driver.command(f"pair {PAIR_TEXT}", user=ADMIN)
    assert "couldn't open a conversation" in reply_text(harness)
    assert pairs_in(harness) == []
    assert not harness.standin.calls("chat.postMessage")


def test_an_unexpected_failure_tells_the_person_without_details(harness: Harness) -> None:
    harness.standin.fail_next("users.info", error="fatal_error")
    harness.driver.command(f"pair {PAIR_TEXT}", user=ADMIN)
    assert "something went wrong on my side" in reply_text(harness)
    assert pairs_in(harness) == []
