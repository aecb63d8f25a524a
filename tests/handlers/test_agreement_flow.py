"""The agreement in the pair's conversation: signing, editing, versions, escaping and 401s."""

from __future__ import annotations

import json
import time

import pytest
from sqlmodel import select

from bot.agreement import all_fields
from storage.models import AgreementVersion, Signature
from tests.conftest import ADMIN, MENTEE, MENTOR, STRANGER, Harness


@pytest.fixture
def paired(harness: Harness) -> Harness:
    harness.driver.command(f"pair <@{MENTOR}|maria> <@{MENTEE}|tomas>", user=ADMIN)
    harness.standin.clear()
    return harness


def channel_of(harness: Harness) -> str:
    from storage.models import Pair

    with harness.db.session() as session:
        return session.exec(select(Pair)).one().channel_id


def agreement_message(harness: Harness) -> dict:
    messages = harness.standin.messages(channel_of(harness))
    return next(m for m in reversed(messages) if "Partnership agreement" in str(m["blocks"][:1]))


def signatures(harness: Harness) -> list[tuple[str, int]]:
    with harness.db.session() as session:
        return [(s.user_id, s.version) for s in session.exec(select(Signature)).all()]


def versions(harness: Harness) -> list[int]:
    with harness.db.session() as session:
        return [v.version for v in session.exec(select(AgreementVersion)).all()]


def open_editor(harness: Harness, user: str) -> dict:
    harness.driver.click(agreement_message(harness), "Edit agreement", user=user)
    return harness.standin.last("views.open").response["view"]


def test_each_partner_signs_and_the_message_updates_in_place(paired: Harness) -> None:
    message = agreement_message(paired)
    paired.driver.click(message, "Sign agreement", user=MENTOR)
    update = paired.standin.last("chat.update")
    assert update.args["ts"] == message["ts"]
    assert f"<@{MENTOR}> (mentor) signed on <!date^" in str(update.args["blocks"])
    assert f"Waiting for <@{MENTEE}>" in str(update.args["blocks"])

    paired.driver.click(agreement_message(paired), "Sign agreement", user=MENTEE)
    signed = agreement_message(paired)
    assert signed["blocks"][0]["text"]["text"] == "Partnership agreement — signed"
    assert "Signed by both of you" in str(signed["blocks"])
    assert "Sign agreement" not in str(signed["blocks"])
    assert signatures(paired) == [(MENTOR, 1), (MENTEE, 1)]


def test_a_third_person_cannot_sign(paired: Harness) -> None:
    for outsider in (STRANGER, ADMIN):
        paired.driver.click(agreement_message(paired), "Sign agreement", user=outsider)
    replies = [r.body for r in paired.standin.responses()]
    assert len(replies) == 2
    assert all("each partner signs for themselves" in r["text"] for r in replies)
    assert all(r["response_type"] == "ephemeral" for r in replies)
    assert signatures(paired) == []
    assert not paired.standin.calls("chat.update")
    assert not paired.standin.calls("chat.postMessage")


def test_a_double_click_records_one_signature(paired: Harness) -> None:
    message = agreement_message(paired)
    paired.driver.click(message, "Sign agreement", user=MENTOR)
    paired.driver.click(message, "Sign agreement", user=MENTOR)
    assert signatures(paired) == [(MENTOR, 1)]
    assert "already signed version 1" in paired.standin.responses()[-1].body["text"]


def test_edit_opens_a_modal_with_every_clause_and_limits(paired: Harness) -> None:
    view = open_editor(paired, MENTEE)
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    fields = all_fields(paired.bot.deps.settings.program)
    assert set(inputs) == {f.key for f in fields}
    for field in fields:
        element = inputs[field.key]
        if field.kind == "text":
            assert element["type"] == "plain_text_input"
            assert element["max_length"] == field.max_length
        else:
            assert element["type"] == "static_select"
            assert [o["value"] for o in element["options"]] == [v for v, _ in field.options]
    assert inputs["frequency"]["initial_option"]["value"] == "biweekly"


def test_an_outsider_cannot_open_the_editor(paired: Harness) -> None:
    paired.driver.click(agreement_message(paired), "Edit agreement", user=STRANGER)
    assert not paired.standin.calls("views.open")
    assert "can change their agreement" in paired.standin.responses()[0].body["text"]


def test_editing_an_unsigned_agreement_updates_it_as_a_new_version(paired: Harness) -> None:
    view = open_editor(paired, MENTEE)
    response = paired.driver.submit(view, {"conflict": "We say so early"}, user=MENTEE)
    assert response.status == 200 and response.body == ""
    assert versions(paired) == [1, 2]
    updated = paired.standin.last("chat.update")
    assert "version 2" in str(updated.args["blocks"]) and "We say so early" in str(
        updated.args["blocks"]
    )
    notice = paired.standin.last("chat.postMessage")
    assert (
        "now version 2" in notice.args["text"] and "sign the new version" not in notice.args["text"]
    )


def test_editing_a_half_signed_agreement_clears_signatures_and_tells_both(paired: Harness) -> None:
    paired.driver.click(agreement_message(paired), "Sign agreement", user=MENTOR)
    view = open_editor(paired, MENTEE)
    paired.driver.submit(view, {"topics_in_scope": "Leading a team"}, user=MENTEE)
    assert versions(paired) == [1, 2]
    notice = paired.standin.last("chat.postMessage").args["text"]
    assert f"<@{MENTOR}> and <@{MENTEE}>" in notice and "sign the new version" in notice
    message = agreement_message(paired)
    assert f"Waiting for <@{MENTOR}>" in str(message["blocks"])
    assert "Sign agreement" in str(message["blocks"])
    # The old signature is kept with its version; version 2 has none yet.
    assert signatures(paired) == [(MENTOR, 1)]
    paired.driver.click(message, "Sign agreement", user=MENTOR)
    assert signatures(paired) == [(MENTOR, 1), (MENTOR, 2)]


def test_an_invalid_value_is_shown_under_its_field_and_nothing_changes(paired: Harness) -> None:
    view = open_editor(paired, MENTEE)
    for block in view["blocks"]:  # a forged option, as a tampered request would send it
        if block.get("block_id") == "frequency":
            block["element"]["options"].append(
                {"text": {"type": "plain_text", "text": "Daily"}, "value": "daily"}
            )
    response = paired.driver.submit(view, {"frequency": "daily"}, user=MENTEE)
    body = json.loads(response.body)
    assert body["response_action"] == "errors"
    assert body["errors"] == {"frequency": "Choose one of the options in the list."}
    assert versions(paired) == [1]
    assert not paired.standin.calls("chat.update") and not paired.standin.calls("chat.postMessage")


def test_an_over_long_value_is_refused_under_its_field(paired: Harness) -> None:
    view = open_editor(paired, MENTEE)
    response = paired.driver.submit(view, {"conflict": "x" * 501}, user=MENTEE)
    assert "500 characters or fewer" in json.loads(response.body)["errors"]["conflict"]
    assert versions(paired) == [1]


def test_user_text_is_escaped_in_blocks_and_fallback(paired: Harness) -> None:
    view = open_editor(paired, MENTEE)
    hostile = "Ping <!channel> and <@U0SOMEONE> & <https://evil.example|click>"
    paired.driver.submit(view, {"topics_in_scope": hostile}, user=MENTEE)
    for call in paired.standin.calls("chat.update") + paired.standin.calls("chat.postMessage"):
        rendered = json.dumps(call.args)
        assert "<!channel>" not in rendered and "<@U0SOMEONE>" not in rendered
        assert "<https://evil" not in rendered
    assert "&lt;!channel&gt;" in json.dumps(agreement_message(paired)["blocks"])


def test_agreement_command_reposts_the_current_agreement(paired: Harness) -> None:
    paired.driver.click(agreement_message(paired), "Sign agreement", user=MENTEE)
    paired.driver.command("agreement", user=MENTOR, channel="C0GENERAL")
    posted = paired.standin.last("chat.postMessage")
    assert posted.args["channel"] == channel_of(paired)
    assert f"<@{MENTEE}> (mentee) signed" in str(posted.args["blocks"])
    assert "posted your agreement" in paired.standin.responses()[-1].body["text"]


def test_agreement_command_without_a_pair_says_how_to_get_one(paired: Harness) -> None:
    paired.driver.command("agreement", user=STRANGER)
    assert "aren't in a mentoring pair" in paired.standin.responses()[0].body["text"]
    assert not paired.standin.calls("chat.postMessage")


@pytest.mark.parametrize("value", ["", "abc", "1", "1:2:3", "999:1", "-1:1"])
def test_forged_sign_values_change_nothing(paired: Harness, value: str) -> None:
    paired.driver.click_action(
        "agreement_sign", value=value, user=MENTOR, message=agreement_message(paired)
    )
    assert signatures(paired) == []
    assert not paired.standin.calls("chat.update")


def test_bad_signature_and_stale_timestamp_get_401_and_no_effect(paired: Harness) -> None:
    body = "command=%2Fmentor&text=pair&team_id=T0001&user_id=" + ADMIN
    headers = paired.driver.sign(body)
    headers["X-Slack-Signature"] = "v0=" + "0" * 64
    assert paired.driver.raw(body, headers).status == 401
    stale = paired.driver.sign(body, timestamp=int(time.time()) - 301)
    assert paired.driver.raw(body, stale).status == 401
    assert paired.standin.calls() == [] and paired.standin.responses() == []


def test_a_partner_saving_over_a_newer_version_sees_it_under_the_field(paired: Harness) -> None:
    first = open_editor(paired, MENTEE)
    second = open_editor(paired, MENTOR)
    paired.driver.submit(first, {"conflict": "We say so early"}, user=MENTEE)
    paired.standin.clear()
    response = paired.driver.submit(second, {"conflict": "We escalate"}, user=MENTOR)
    body = json.loads(response.body)
    assert body["response_action"] == "errors"
    assert "changed the agreement while you were editing" in next(iter(body["errors"].values()))
    assert versions(paired) == [1, 2]
    assert paired.standin.calls() == []
