"""Forged locations: a click whose container (or a modal whose view id or metadata) names
another pair's message or someone else's modal updates only what the bot recorded for the
clicker's own pair, and leaves the named one as it was (with a log line)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from bot import actions as action_domain
from storage.models import ActionItem, Delivery, Pair
from tests.conftest import ADMIN, MENTEE, MENTOR, TEAM, Harness

OTHER_MENTOR, OTHER_MENTEE = "UNEWYORK", "UTOKYO01"
START = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)


@dataclass
class Pairs:
    h: Harness
    own: Pair
    other: Pair

    def message(self, channel: str, containing: str) -> dict:
        found = [m for m in self.h.standin.messages(channel) if containing in json.dumps(m)]
        assert found, f"no message with {containing!r} in {channel}"
        return found[-1]

    def agreement(self, pair: Pair) -> dict:
        return self.message(pair.channel_id, "Partnership agreement")

    def session(self, pair: Pair) -> dict:
        return self.message(pair.channel_id, "Skip")

    def snapshot(self) -> dict:
        """Everything pair B can see: its conversation, its partners' DMs and open modals."""
        h = self.h
        views = {
            view_id: view
            for view_id, view in h.standin.views().items()
            if h.standin.view_user(view_id) in (OTHER_MENTOR, OTHER_MENTEE)
        }
        return {
            "conversation": h.standin.messages(self.other.channel_id),
            OTHER_MENTOR: h.standin.messages(OTHER_MENTOR),
            OTHER_MENTEE: h.standin.messages(OTHER_MENTEE),
            "views": views,
        }


def _schedule(h: Harness, pair: Pair) -> None:
    h.driver.command("schedule", user=pair.mentor_id, channel=pair.channel_id)
    view = h.standin.last("views.open").response["view"]
    h.driver.submit(
        view, {"when": int(START.timestamp()), "recurrence": "once"}, user=pair.mentor_id
    )


@pytest.fixture
def pairs(harness: Harness) -> Pairs:
    h = harness
    h.driver.command(f"pair <@{MENTOR}> <@{MENTEE}>", user=ADMIN)
    h.driver.command(f"pair <@{OTHER_MENTOR}> <@{OTHER_MENTEE}>", user=ADMIN)
    with h.db.session() as session:
        found = {p.mentor_id: p for p in session.exec(select(Pair)).all()}
    own, other = found[MENTOR], found[OTHER_MENTOR]
    for pair in (own, other):
        _schedule(h, pair)
        action_domain.add_action(
            h.db,
            team_id=TEAM,
            pair_id=pair.id or 0,
            author_id=pair.mentor_id,
            owner_id=pair.mentee_id,
            text="Read the book",
            due_on=date(2026, 3, 10),
            owner_tz=None,
            now=h.clock.now,
        )
    # Each partner's "did it happen?" and each mentee's reminder of the item, sent.
    h.clock.now = START + timedelta(minutes=70)
    h.bot.deliver_due()
    h.clock.now = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
    h.bot.deliver_due()
    h.clock.now = START + timedelta(minutes=80)
    h.standin.clear()
    return Pairs(h, own, other)


def pointing_at(message: dict, target: dict) -> dict:
    """`message` (its buttons) as a click would show it if its container named `target`."""
    return {**message, "ts": target["ts"], "channel": target["channel"]}


def forged_updates(h: Harness, other: Pair) -> list[str]:
    """Slack calls that changed something of pair B's in place."""
    theirs = {other.channel_id} | {
        m["channel"] for who in (OTHER_MENTOR, OTHER_MENTEE) for m in h.standin.messages(who)
    }
    return [
        f"{c.method} {c.args}"
        for c in h.standin.calls("chat.update")
        if c.args.get("channel") in theirs
    ]


def test_signing_with_a_container_of_another_pair_leaves_their_agreement_alone(
    pairs: Pairs, caplog: pytest.LogCaptureFixture
) -> None:
    h, before = pairs.h, pairs.snapshot()
    own, theirs = pairs.agreement(pairs.own), pairs.agreement(pairs.other)
    with caplog.at_level(logging.WARNING, logger="handlers.locations"):
        h.driver.click(pointing_at(own, theirs), "Sign agreement", user=MENTEE)
    assert forged_updates(h, pairs.other) == []
    assert pairs.snapshot() == before
    assert "Not updating" in caplog.text
    # The agreement A signed is still shown where the bot posted it for A.
    assert f"<@{MENTEE}> (mentee) signed on" in json.dumps(pairs.agreement(pairs.own)["blocks"])


def test_skip_with_a_container_of_another_pair_leaves_their_session_alone(pairs: Pairs) -> None:
    h, before = pairs.h, pairs.snapshot()
    h.clock.now = START - timedelta(hours=2)
    own, theirs = pairs.session(pairs.own), pairs.session(pairs.other)
    h.driver.click(pointing_at(own, theirs), "Skip", user=MENTOR)
    assert forged_updates(h, pairs.other) == []
    assert pairs.snapshot() == before
    assert "Skipped by" in json.dumps(h.standin.messages(pairs.own.channel_id))


def test_mark_done_with_a_container_of_another_pair_leaves_their_reminder_alone(
    pairs: Pairs,
) -> None:
    h, before = pairs.h, pairs.snapshot()
    own = pairs.message(MENTEE, "Mark done")
    theirs = pairs.message(OTHER_MENTEE, "Mark done")
    h.driver.click(pointing_at(own, theirs), "Mark done", user=MENTEE)
    assert forged_updates(h, pairs.other) == []
    assert pairs.snapshot() == before
    with h.db.session() as session:
        done = {i.pair_id: i.done_at for i in session.exec(select(ActionItem)).all()}
    assert done[pairs.own.id] is not None and done[pairs.other.id] is None


def test_did_it_happen_with_a_container_of_another_pair_leaves_their_dm_alone(
    pairs: Pairs,
) -> None:
    h, before = pairs.h, pairs.snapshot()
    own = pairs.message(MENTOR, "happen?")
    theirs = pairs.message(OTHER_MENTOR, "happen?")
    h.driver.click(pointing_at(own, theirs), "No, it didn't", user=MENTOR)
    assert forged_updates(h, pairs.other) == []
    assert pairs.snapshot() == before


def test_a_diary_whose_metadata_names_another_pairs_message_updates_only_its_own(
    pairs: Pairs,
) -> None:
    h = pairs.h
    ask = pairs.message(MENTOR, "happen?")
    h.driver.click(ask, "Yes, it happened", user=MENTOR)
    diary = h.standin.last("views.open").response["view"]
    theirs = pairs.message(OTHER_MENTOR, "happen?")
    meta = json.loads(diary["private_metadata"])
    diary["private_metadata"] = json.dumps(
        {**meta, "channel": theirs["channel"], "ts": theirs["ts"]}
    )
    before = pairs.snapshot()
    h.standin.clear()
    lesson = next(
        b["block_id"] for b in diary["blocks"] if b["type"] == "input" and "lesson" in b["block_id"]
    )
    h.driver.submit(diary, {lesson: "Ask first"}, user=MENTOR)
    assert forged_updates(h, pairs.other) == []
    assert pairs.snapshot() == before
    # Its own "did it happen?" message, as the bot recorded it, shows the diary is written.
    with h.db.session() as session:
        own = session.exec(
            select(Delivery).where(Delivery.recipient == MENTOR, Delivery.kind == "after_session")
        ).one()
    (update,) = h.standin.calls("chat.update")
    assert (update.args["channel"], update.args["ts"]) == (own.channel_id, own.message_ts)


def _open_home_agreement(h: Harness, user: str) -> dict:
    h.driver.event({"type": "app_home_opened", "user": user, "tab": "home"})
    home = h.standin.home_view(TEAM, user)
    assert home is not None
    h.driver.click(home, "Open agreement", user=user)
    return h.standin.last("views.open").response["view"]


def test_home_sign_with_another_persons_view_id_leaves_their_modal_alone(
    pairs: Pairs, caplog: pytest.LogCaptureFixture
) -> None:
    h = pairs.h
    their_modal = _open_home_agreement(h, OTHER_MENTOR)
    own_modal = _open_home_agreement(h, MENTEE)
    before = pairs.snapshot()
    h.standin.clear()
    with caplog.at_level(logging.WARNING, logger="handlers.locations"):
        h.driver.click({**own_modal, "id": their_modal["id"]}, "Sign agreement", user=MENTEE)
    assert h.standin.calls("views.update") == []
    assert pairs.snapshot() == before
    assert "Not updating" in caplog.text
    # The signature itself counts, and shows on the pair's own agreement message.
    assert f"<@{MENTEE}> (mentee) signed on" in json.dumps(pairs.agreement(pairs.own)["blocks"])
    # A modal opened for the partner isn't theirs either; their own is updated in place.
    mentor_modal = _open_home_agreement(h, MENTOR)
    h.standin.clear()
    h.driver.click({**mentor_modal, "id": own_modal["id"]}, "Sign agreement", user=MENTOR)
    assert h.standin.calls("views.update") == []
    h.driver.click(mentor_modal, "Sign agreement", user=MENTOR)  # already signed: shown anew
    assert [c.args["view_id"] for c in h.standin.calls("views.update")] == [mentor_modal["id"]]


def test_an_import_naming_someone_elses_modal_answers_the_admin_in_their_dm(
    pairs: Pairs,
) -> None:
    h = pairs.h
    their_modal = _open_home_agreement(h, OTHER_MENTOR)
    h.driver.command("import", user=ADMIN)
    form = h.standin.last("views.open").response["view"]
    before = pairs.snapshot()
    h.standin.clear()
    h.driver.submit(
        {**form, "id": their_modal["id"]},
        {"import_csv": f"{MENTOR},{OTHER_MENTEE}"},
        user=ADMIN,
    )
    # (Slack applies the ack's own "update" to the modal actually submitted; the stand-in
    # applies it to the id given, so only the bot's own calls are compared here.)
    assert h.standin.calls("views.update") == []
    after = pairs.snapshot()
    assert {k: v for k, v in after.items() if k != "views"} == {
        k: v for k, v in before.items() if k != "views"
    }
    preview = json.dumps(h.standin.messages(ADMIN)[-1])
    assert "Confirm import" in preview
