"""Data rights through Slack: /mentor export sends your data, /mentor forget-me deletes it."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from sqlmodel import SQLModel, select

from bot import privacy
from bot.errors import UserError
from storage.models import (
    ActionItem,
    AgreementVersion,
    Delivery,
    DeliveryState,
    DiaryEntry,
    DmChannel,
    ImportBatch,
    Pair,
    PairStatus,
    PromptAnswer,
    SessionStatus,
    Signature,
)
from tests.conftest import ADMIN, MENTEE, MENTOR, OTHER_TEAM, STRANGER, TEAM, Harness
from tests.test_privacy_matrix import TOKYO, World, build_world

PSEUDONYM = re.compile(r"^deleted-[0-9a-f]{12}$")


@pytest.fixture
def world(harness: Harness) -> World:
    built = build_world(harness)
    harness.standin.clear()
    return built


def rows(h: Harness, model):  # type: ignore[no-untyped-def]
    with h.db.session() as session:
        return list(session.exec(select(model)).all())


def everything(h: Harness) -> str:
    """Every stored row of every table (also ones added later), as text."""
    with h.db.engine.connect() as connection:
        return json.dumps(
            {
                table.name: [list(map(str, r)) for r in connection.execute(table.select())]
                for table in SQLModel.metadata.sorted_tables
            }
        )


def reply(h: Harness) -> str:
    return h.standin.responses()[-1].body["text"]


def export_of(h: Harness, user: str) -> dict:
    h.driver.command("export", user=user)
    upload = h.standin.uploaded_files()[-1]
    assert upload["filename"] == "mentorbot-my-data.json"
    dm = h.standin.messages(user)[-1]
    assert [f["id"] for f in dm["files"]] == [upload["id"]], "the file goes to their own DM"
    return json.loads(upload["content"])


# -- export ------------------------------------------------------------------------------------


def test_export_holds_everything_about_the_asker_and_nothing_private_of_others(
    world: World,
) -> None:
    h = world.h
    data = export_of(h, MENTEE)
    assert "in our direct messages" in reply(h)
    assert (data["format"], data["workspace"], data["person"]) == (
        "mentorbot-export/1",
        TEAM,
        MENTEE,
    )
    (pair,) = data["pairs"]
    assert (pair["role"], pair["partner"], pair["status"]) == ("mentee", MENTOR, "active")
    assert pair["agreement"]["version"] == 1
    assert {s["status"] for s in data["sessions"]} == {"held", "scheduled"}
    sets = sorted(a["question_set"] for a in data["prompt_answers"])
    assert sets == ["checkin", "expectations", "first_meeting"]
    checkin = next(a for a in data["prompt_answers"] if a["question_set"] == "checkin")
    assert checkin["answers"][0]["question"] == "What went well since your last session?"
    (entry,) = data["diary_entries"]
    assert entry["shared_with_partner"] is False and len(entry["answers"]) == 8
    assert [i["owner"] for i in data["action_items"]] == [MENTEE]
    assert [g["created_by"] for g in data["goals"]] == [MENTEE]
    assert [t["text"] for t in data["agenda_topics"]] == ["MK-A-mentee-topic-ZZ"]
    assert [s["version"] for s in data["signatures"]] == [1]
    kinds = {d["kind"] for d in data["deliveries"]}
    assert {"first_meeting", "checkin", "after_session"} <= kinds
    assert all(set(d) >= {"kind", "state", "due_at", "sent_at"} for d in data["deliveries"])

    text = json.dumps(data)
    own = [m for m, author in world.author.items() if author == MENTEE]
    assert all(m in text for m in own)
    # Never the partner's answers or diary, nor anything of another pair.
    assert "MK-A-mentor-diary" not in text and "MK-A-mentor-preparation" not in text
    assert "MK-A-mentor-first_meeting" not in text and "MK-B-" not in text


def test_an_admin_export_shows_the_pairs_they_created_and_no_content(world: World) -> None:
    data = export_of(world.h, ADMIN)
    assert [(p["mentor"], p["mentee"]) for p in data["pairs_created"]] == [
        (MENTOR, MENTEE),
        (STRANGER, TOKYO),
    ]
    assert data["pairs"] == [] and data["prompt_answers"] == [] and data["diary_entries"] == []
    assert "MK-" not in json.dumps(data)


def test_someone_with_no_data_gets_an_empty_export(world: World) -> None:
    data = export_of(world.h, "UNEWYORK")
    assert all(data[key] == [] for key in ("pairs", "sessions", "deliveries", "goals"))


@pytest.mark.parametrize("name", ["export", "forget-me"])
def test_naming_someone_else_is_refused(world: World, name: str) -> None:
    h = world.h
    before = everything(h)
    h.driver.command(f"{name} <@{MENTOR}>", user=STRANGER)
    assert "only ever about your own data" in reply(h)
    assert h.standin.uploaded_files() == [] and not h.standin.calls("views.open")
    assert everything(h) == before


def test_export_stays_in_its_workspace(world: World) -> None:
    h = world.h
    with h.db.session() as session:
        other = Pair(
            team_id=OTHER_TEAM,
            mentor_id=MENTEE,
            mentee_id="UOTHER01",
            channel_id="G2",
            created_by=ADMIN,
            created_at=datetime(2026, 3, 1, tzinfo=UTC),
        )
        session.add(other)
    data = export_of(h, MENTEE)
    assert [p["pair"] for p in data["pairs"]] == [world.pairs["A"].id]


# -- forget-me ---------------------------------------------------------------------------------


def open_forget(h: Harness, user: str) -> dict:
    h.driver.command("forget-me", user=user)
    return h.standin.last("views.open").response["view"]


def test_the_confirmation_says_exactly_what_happens_and_changes_nothing(world: World) -> None:
    h = world.h
    before = everything(h)
    modal = open_forget(h, MENTOR)
    assert modal["submit"]["text"] == "Delete my data"
    assert modal["close"]["text"] == "Keep my data"
    shown = json.dumps(modal["blocks"])
    for words in (
        "2 prompt answers",  # the first-meeting form and a preparation
        "1 learning-diary entry",
        "pair ends",
        f"<@{MENTEE}>",
        "deleted-",
        "Not touched",
        "can't be undone",
        "/mentor export",
    ):
        assert words in shown, words
    assert everything(h) == before


def test_forgetting_deletes_own_answers_ends_pairs_and_anonymises_the_rest(world: World) -> None:
    h = world.h
    pair = world.pairs["A"]
    assert MENTOR in {row.user_id for row in rows(h, DmChannel)}
    with h.db.session() as session:
        session.add(
            ImportBatch(
                team_id=TEAM,
                created_by=ADMIN,
                created_at=h.clock.now,
                rows=[
                    {
                        "row": 1,
                        "mentor": "maria@example.com",
                        "mentor_id": MENTOR,
                        "mentee": "tomas@example.com",
                        "mentee_id": MENTEE,
                        "problem": None,
                    },
                    {
                        "row": 2,
                        "mentor": "x",
                        "mentor_id": None,
                        "mentee": "y",
                        "mentee_id": None,
                        "problem": f"<@{MENTOR}> and <@{MENTEE}> are already paired",
                    },
                ],
                results={"2": f"<@{MENTOR}> is already paired"},
            )
        )
    h.driver.submit(open_forget(h, MENTOR), {}, user=MENTOR)

    # Their answers and diary entries are gone; the partner's are untouched.
    assert {a.author_id for a in rows(h, PromptAnswer)} == {MENTEE, STRANGER, TOKYO}
    assert {d.author_id for d in rows(h, DiaryEntry)} == {MENTEE, STRANGER, TOKYO}
    # Their user id is nowhere in this workspace's records; one pseudonym stands in for it.
    stored = everything(h)
    assert MENTOR not in stored and "maria@example.com" not in stored
    assert "tomas@example.com" in stored
    (forgotten,) = [p for p in rows(h, Pair) if p.id == pair.id]
    assert PSEUDONYM.match(forgotten.mentor_id) and forgotten.mentee_id == MENTEE
    alias = forgotten.mentor_id
    assert {s.user_id for s in rows(h, Signature) if s.pair_id == pair.id} == {alias, MENTEE}
    item = next(i for i in rows(h, ActionItem) if i.pair_id == pair.id)
    assert (item.created_by, item.owner_id, item.text) == (alias, MENTEE, "MK-A-mentor-action-ZZ")
    # The pair ended: planned sessions cancelled, nothing pending for anyone in it.
    assert forgotten.status == PairStatus.ENDED
    upcoming = world.upcoming["A"]
    from storage.models import MentoringSession

    assert next(m for m in rows(h, MentoringSession) if m.id == upcoming.id).status == (
        SessionStatus.CANCELLED
    )
    assert not [
        d for d in rows(h, Delivery) if d.pair_id == pair.id and d.state == DeliveryState.PENDING
    ]
    assert not [d for d in rows(h, Delivery) if d.recipient == MENTOR]
    # The other pair carries on as it was.
    other = next(p for p in rows(h, Pair) if p.id == world.pairs["B"].id)
    assert other.status == PairStatus.ACTIVE and other.mentor_id == STRANGER

    # The partner is told in the pair's conversation; the person in their DM.
    notice = h.standin.messages(pair.channel_id)[-1]["text"]
    assert "asked Mentorbot to delete their data" in notice
    done = h.standin.messages(MENTOR)[-1]["text"]
    assert "deleted 2 prompt answers and 1 diary entry" in done and alias in done
    assert "ended 1 pair" in done

    # What is left to export about them: nothing.
    data = export_of(h, MENTOR)
    assert all(data[k] == [] for k in ("pairs", "prompt_answers", "diary_entries", "signatures"))


def test_forgetting_twice_changes_nothing_more(world: World) -> None:
    h = world.h
    modal = open_forget(h, MENTEE)
    h.driver.submit(modal, {}, user=MENTEE)
    after_first = everything(h)
    again = open_forget(h, MENTEE)
    assert "nothing about you" in json.dumps(again["blocks"])
    h.driver.submit(again, {}, user=MENTEE)
    assert everything(h) == after_first
    assert "nothing about you" in h.standin.messages(MENTEE)[-1]["text"]


def test_the_mentees_success_clause_goes_with_her_answers(world: World) -> None:
    h = world.h
    pair = world.pairs["A"]
    with h.db.session() as session:
        version = session.exec(
            select(AgreementVersion).where(AgreementVersion.pair_id == pair.id)
        ).one()
        version.clauses = {**version.clauses, "success_mentee": "Lead", "success_mentor": "Help"}
        session.add(version)
    h.driver.submit(open_forget(h, MENTEE), {}, user=MENTEE)
    (version,) = [v for v in rows(h, AgreementVersion) if v.pair_id == pair.id]
    assert version.clauses["success_mentee"] == "" and version.clauses["success_mentor"] == "Help"


def test_a_submission_only_ever_forgets_whoever_submits(world: World) -> None:
    """The mentor's modal, submitted by the stranger: the stranger is forgotten, not the mentor."""
    h = world.h
    modal = open_forget(h, MENTOR)
    modal["private_metadata"] = json.dumps({"user": MENTOR})
    h.driver.submit(modal, {}, user=STRANGER)
    assert MENTOR in everything(h) and STRANGER not in everything(h)
    assert {d.author_id for d in rows(h, DiaryEntry)} == {MENTOR, MENTEE, TOKYO}


def test_forgetting_stays_in_its_workspace(world: World) -> None:
    h = world.h
    with h.db.session() as session:
        session.add(
            Pair(
                team_id=OTHER_TEAM,
                mentor_id=MENTOR,
                mentee_id="UOTHER01",
                channel_id="G2",
                created_by=ADMIN,
                created_at=datetime(2026, 3, 1, tzinfo=UTC),
            )
        )
    privacy.forget_person(h.db, team_id=TEAM, user_id=MENTOR, now=h.clock.now)
    (kept,) = [p for p in rows(h, Pair) if p.team_id == OTHER_TEAM]
    assert (kept.mentor_id, kept.status) == (MENTOR, PairStatus.ACTIVE)


def test_when_slack_cant_open_the_dm_the_person_is_told(world: World) -> None:
    h = world.h
    h.standin.fail_next("conversations.open", error="user_not_found")
    h.driver.command("export", user=MENTEE)
    assert "couldn't open a direct message with you" in reply(h)
    assert h.standin.uploaded_files() == []


@pytest.mark.parametrize("who", ["", None])
def test_a_request_without_a_person_matches_nobody(world: World, who: str | None) -> None:
    h = world.h
    before = everything(h)
    for call in (
        lambda: privacy.forget_person(h.db, team_id=TEAM, user_id=who, now=h.clock.now),  # type: ignore[arg-type]
        lambda: privacy.forget_preview(h.db, team_id=TEAM, user_id=who),  # type: ignore[arg-type]
        lambda: privacy.export_person(
            h.db,
            h.bot.deps.curriculum,
            team_id=TEAM,
            user_id=who,
            now=h.clock.now,  # type: ignore[arg-type]
        ),
    ):
        with pytest.raises(UserError):
            call()
    assert everything(h) == before
