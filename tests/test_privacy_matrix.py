"""Every read path, tried by the author, the partner, a stranger and an admin: only those a
field is meant for ever see its text.

Two pairs hold a marker string in every private or pair-only field. Each request is made as
Slack would make it, and every payload the stand-in recorded for it (replies, messages,
modals, the Home tab, uploaded files) is searched for markers, judged by who can read it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text as sql_text
from sqlmodel import select

import handlers
from bot import agreement, prompts, sessions
from bot.sessions import ScheduleRequest
from storage import actions as action_store
from storage import agenda as agenda_store
from storage import answers as answer_store
from storage import goals as goal_store
from storage.models import MentoringSession, Pair, SessionStatus
from tests.conftest import ADMIN, MENTEE, MENTOR, STRANGER, TEAM, Harness

TOKYO = "UTOKYO01"  # the stranger's mentee in the second pair
NEWYORK = "UNEWYORK"  # in no pair at all
PEOPLE = (MENTOR, MENTEE, STRANGER, TOKYO, NEWYORK, ADMIN)
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FIRST_SESSION = START + timedelta(days=1)
NEXT_SESSION = START + timedelta(days=8)
BETWEEN = START + timedelta(days=3)

# How each /mentor subcommand is tried. READ: shows stored data, so everybody runs it with
# every way of naming a pair. CHANGES: acts rather than shows; someone in no pair runs it
# naming the first pair's partners (it must be refused and show nothing). A subcommand
# missing here fails test_every_subcommand_is_classified: decide which it is.
READ = frozenset(
    {"agreement", "sessions", "diary", "agenda", "actions", "goals", "export", "report", "help"}
)
CHANGES = frozenset({"pair", "schedule", "action", "forget-me", "pause", "resume", "end", "import"})

# Diary and preparation answers by question set; `focus` preparation answers feed the agenda.
DIARY_KEYS = (
    "diary.important_work",
    "diary.lesson",
    "diary.apply",
    "diary.challenges_ahead",
    "diary.open_questions",
    "feedback.intended",
    "feedback.happened",
    "feedback.differently",
)
PREP_PRIVATE = ("preparation.so_far", "preparation.since_last_time", "preparation.after_session")
PREP_FOCUS = ("preparation.address", "preparation.achieve")
CHECKIN_KEYS = (
    "checkin.went_well",
    "checkin.not_well",
    "checkin.next",
    "checkin.challenges",
    "checkin.topics",
)
FIRST_MEETING_KEYS = ("first_meeting.hopes", "first_meeting.develop", "first_meeting.topics")
MARKER = re.compile(r"MK-[AB]-[a-z_.]+-[a-z_.]+-ZZ")


def marker(label: str, who: str, what: str) -> str:
    return f"MK-{label}-{who}-{what}-ZZ"


@dataclass
class World:
    """The two pairs, and for every marker who wrote it and who may read it."""

    h: Harness
    pairs: dict[str, Pair]
    upcoming: dict[str, MentoringSession]
    held: dict[str, MentoringSession]
    author: dict[str, str] = field(default_factory=dict)
    readers: dict[str, frozenset[str]] = field(default_factory=dict)
    # Markers the partner must meet somewhere (so the matrix can't pass by showing nothing).
    partner_sees: set[str] = field(default_factory=set)

    def add(self, text: str, author: str, readers: Iterable[str]) -> str:
        self.author[text] = author
        self.readers[text] = frozenset(readers)
        return text


def _schedule(h: Harness, pair: Pair, start: datetime) -> MentoringSession:
    return sessions.schedule_session(
        h.db,
        team_id=TEAM,
        pair_id=pair.id or 0,
        user_id=pair.mentor_id,
        request=ScheduleRequest(start, 60, None),
        program=h.bot.deps.settings.program,
        now=h.clock.now,
    ).session


def build_world(h: Harness) -> World:
    """Pair A (MENTOR, MENTEE) and pair B (STRANGER, TOKYO), a marker in every field."""
    deps = h.bot.deps
    h.clock.now = START
    for mentor, mentee in ((MENTOR, MENTEE), (STRANGER, TOKYO)):
        h.driver.command(f"pair <@{mentor}> <@{mentee}>", user=ADMIN)
    h.bot.deliver_due()
    with h.db.session() as session:
        rows = list(session.exec(select(Pair).order_by(Pair.id)).all())  # type: ignore[arg-type]
    pairs = {"A": rows[0], "B": rows[1]}
    world = World(h, pairs, {}, {})
    for label, pair in pairs.items():
        held = _schedule(h, pair, FIRST_SESSION)
        upcoming = _schedule(h, pair, NEXT_SESSION)
        world.held[label], world.upcoming[label] = held, upcoming
        both = (pair.mentor_id, pair.mentee_id)
        for person in both:
            agreement.sign_agreement(
                h.db,
                team_id=TEAM,
                pair_id=pair.id or 0,
                version=1,
                user_id=person,
                program=deps.settings.program,
                now=h.clock.now,
            )
        with h.db.session() as session:
            meeting = session.get(MentoringSession, held.id)
            assert meeting is not None
            meeting.status = SessionStatus.HELD
            session.add(meeting)
        answered = FIRST_SESSION + timedelta(hours=2)
        h.clock.now = answered
        for role, person in (("mentor", pair.mentor_id), ("mentee", pair.mentee_id)):
            # The diary: private to its author. Pair B's mentee sends open questions to the
            # agenda, which makes that one answer the pair's; the rest of the entry stays hers.
            to_agenda = label == "B" and role == "mentee"
            values = {}
            for key in DIARY_KEYS:
                shared = to_agenda and key == "diary.open_questions"
                values[key] = world.add(
                    marker(label, role, key), person, both if shared else (person,)
                )
                if shared:
                    world.partner_sees.add(values[key])
            prompts.save_diary_entry(
                h.db,
                deps.curriculum,
                team_id=TEAM,
                session_id=held.id or 0,
                user_id=person,
                values=values,
                shared=False,
                to_agenda=to_agenda,
                now=answered,
            )
            # First-meeting answers are read together at the first session: the pair's.
            first = dict.fromkeys(FIRST_MEETING_KEYS, both)
            _answer(world, label, role, person, first, None, "first_meeting")
        # Preparation: only the mentor's focus reaches the agenda; the rest is the mentor's.
        mentor, mentee = pair.mentor_id, pair.mentee_id
        prep_readers = {key: (mentor,) for key in PREP_PRIVATE} | {key: both for key in PREP_FOCUS}
        prep = _answer(world, label, "mentor", mentor, prep_readers, upcoming, "preparation")
        world.partner_sees |= {text for text in prep if world.readers[text] == set(both)}
        # The mentee's check-in opens the agenda: the pair's by design.
        world.partner_sees |= _answer(
            world, label, "mentee", mentee, dict.fromkeys(CHECKIN_KEYS, both), upcoming, "checkin"
        )
        world.partner_sees |= _answer(
            world, label, "mentee", mentee, {"expectations.change": both}, held, "expectations"
        )
        with h.db.session() as session:
            for role, person in (("mentor", mentor), ("mentee", mentee)):
                topic = world.add(marker(label, role, "topic"), person, both)
                agenda_store.add_topic(
                    session=session,
                    team_id=TEAM,
                    pair_id=pair.id or 0,
                    session_id=upcoming.id or 0,
                    author_id=person,
                    text=topic,
                    now=answered,
                )
                world.partner_sees.add(topic)
            item = world.add(marker(label, "mentor", "action"), mentor, both)
            action_store.add_action_item(
                session=session,
                team_id=TEAM,
                pair_id=pair.id or 0,
                owner_id=mentee,
                text=item,
                due_on=None,
                created_by=mentor,
                now=answered,
            )
            goal = world.add(marker(label, "mentee", "goal"), mentee, both)
            indicator = world.add(marker(label, "mentee", "indicator"), mentee, both)
            goal_store.add_goal(
                session=session,
                team_id=TEAM,
                pair_id=pair.id or 0,
                title=goal,
                indicator=indicator,
                target_on=None,
                created_by=mentee,
                now=answered,
            )
            world.partner_sees |= {item, goal, indicator}
        h.clock.now = START
    h.clock.now = BETWEEN
    return world


def _answer(
    world: World,
    label: str,
    role: str,
    person: str,
    readers: dict[str, tuple[str, ...]],
    meeting: MentoringSession | None,
    question_set: str,
) -> set[str]:
    """One stored answer set, a marker per question; `readers` says who may read each."""
    pair = world.pairs[label]
    answers = {
        key: world.add(marker(label, role, key), person, who) for key, who in readers.items()
    }
    with world.h.db.session() as session:
        answer_store.save_answer(
            session=session,
            team_id=TEAM,
            pair_id=pair.id or 0,
            session_id=meeting.id if meeting else None,
            author_id=person,
            question_set=question_set,
            answers=answers,
            now=world.h.clock.now,
        )
    return set(answers.values())


# -- watching what the stand-in recorded -------------------------------------------------------

CONTENT_METHODS = {
    "chat.postMessage",
    "chat.update",
    "chat.postEphemeral",
    "views.open",
    "views.push",
    "views.update",
    "views.publish",
    "files.completeUploadExternal",
}


@dataclass
class Observer:
    """Reads every payload a request produced and says who could read each."""

    world: World
    dm_owner: dict[str, str] = field(default_factory=dict)
    files_seen: set[str] = field(default_factory=set)
    seen: dict[str, set[str]] = field(default_factory=lambda: {p: set() for p in PEOPLE})
    leaks: list[str] = field(default_factory=list)
    requests: int = 0

    def audience(self, channel: str, asker: str) -> frozenset[str]:
        for pair in self.world.pairs.values():
            if channel == pair.channel_id:
                return frozenset((pair.mentor_id, pair.mentee_id))
        if channel in PEOPLE:
            return frozenset({channel})
        if channel in self.dm_owner:
            return frozenset({self.dm_owner[channel]})
        raise AssertionError(f"a payload went to {channel!r}, whose readers the test can't tell")

    def collect(self, asker: str, what: str) -> None:
        """Everything recorded since the last clear(), judged and remembered."""
        standin = self.world.h.standin
        self.requests += 1
        for call in standin.calls("conversations.open"):
            users = call.args.get("users")
            channel = (call.response.get("channel") or {}).get("id")
            if isinstance(users, str) and "," not in users and channel:
                self.dm_owner[channel] = users
        payloads: list[tuple[frozenset[str], str]] = []
        for call in standin.calls():
            if call.method not in CONTENT_METHODS:
                continue
            if call.method.startswith("views.") or call.method == "chat.postEphemeral":
                readers = frozenset({asker})
                if call.method == "views.publish":
                    readers = frozenset({str(call.args.get("user_id"))})
            else:
                channel = call.args.get("channel") or call.args.get("channel_id") or ""
                readers = self.audience(str(channel), asker)
            payloads.append((readers, json.dumps(call.args, ensure_ascii=False)))
        for response in standin.responses():
            payloads.append((frozenset({asker}), json.dumps(response.body, ensure_ascii=False)))
        for upload in standin.uploaded_files():
            if upload["id"] in self.files_seen:
                continue
            self.files_seen.add(upload["id"])
            readers = self.audience(str(upload["channel_id"]), asker)
            payloads.append((readers, upload["content"].decode("utf-8")))
        for readers, text in payloads:
            for found in set(MARKER.findall(text)):
                allowed = self.world.readers.get(found)
                assert allowed is not None, f"unknown marker {found}"
                for reader in readers:
                    self.seen[reader].add(found)
                    if reader not in allowed:
                        self.leaks.append(f"{what} as {asker}: {reader} saw {found}")
        standin.clear()


def run_command(observer: Observer, asker: str, text: str, channel: str = "C0GENERAL") -> None:
    observer.world.h.driver.command(text, user=asker, channel=channel)
    observer.collect(asker, f"/mentor {text} in {channel}")


def texts_for(world: World, name: str) -> list[tuple[str, str]]:
    """(text, channel) variants: no name, each person named, inside each pair's conversation."""
    variants = [(name, "C0GENERAL")]
    variants += [(f"{name} <@{person}>", "C0GENERAL") for person in (MENTOR, MENTEE, TOKYO)]
    variants += [(name, pair.channel_id) for pair in world.pairs.values()]
    return variants


@pytest.fixture
def world(harness: Harness) -> World:
    built = build_world(harness)
    harness.standin.clear()
    return built


def test_every_subcommand_is_classified() -> None:
    unclassified = sorted(set(handlers.SUBCOMMANDS) - READ - CHANGES)
    assert unclassified == [], (
        f"say whether these show stored data (READ) or act (CHANGES): {unclassified}"
    )
    assert not READ & CHANGES


def _domain_rows(h: Harness) -> str:
    """Every domain row, for "nothing changed" checks."""
    tables = (
        "pairs",
        "agreement_versions",
        "signatures",
        "series",
        "sessions",
        "deliveries",
        "prompt_answers",
        "diary_entries",
        "action_items",
        "agenda_topics",
        "goals",
    )
    with h.db.engine.connect() as connection:
        return json.dumps(
            {
                t: [list(map(str, r)) for r in connection.execute(sql_text(f"SELECT * FROM {t}"))]
                for t in tables
            }
        )


def test_only_the_author_sees_private_text_on_every_read_path(world: World) -> None:
    h = world.h
    observer = Observer(world)
    pair_a, pair_b = world.pairs["A"], world.pairs["B"]

    # Every subcommand that shows data, by everybody, naming every pair every way.
    for name in sorted(set(handlers.SUBCOMMANDS) & READ):
        for person in PEOPLE:
            for text, channel in texts_for(world, name):
                run_command(observer, person, text, channel)

    # The Home tab, once the app has one.
    if "app_home_opened" in handlers.EVENTS:
        for person in PEOPLE:
            h.driver.event(
                {"type": "app_home_opened", "user": person, "channel": "D0HOME", "tab": "home"}
            )
            observer.collect(person, "the Home tab")

    # Buttons that show data: the diary's pages, posting the agenda, the calendar file.
    for person in PEOPLE:
        for page in ("0", "1"):
            h.driver.click_action("diary_page", value=page, user=person)
            observer.collect(person, f"diary page {page}")
        for pair, label in ((pair_a, "A"), (pair_b, "B")):
            meeting = world.upcoming[label]
            h.driver.click_action("agenda_post", value=f"{pair.id}:{meeting.id}", user=person)
            observer.collect(person, f"post pair {label}'s agenda")
            h.driver.click_action("session_calendar", value=str(meeting.id), user=person)
            observer.collect(person, f"pair {label}'s calendar file")

    # Subcommands that act: someone in no pair, naming the first pair's partners.
    for name in sorted(set(handlers.SUBCOMMANDS) & CHANGES):
        for text in (name, f"{name} <@{MENTOR}>", f"{name} <@{MENTOR}> <@{MENTEE}>"):
            run_command(observer, NEWYORK, text)

    assert observer.leaks == []
    # Nobody outside a pair, admins included, ever met a marker.
    assert observer.seen[ADMIN] == set() and observer.seen[NEWYORK] == set()
    # Not vacuous: every author met everything they wrote, every partner what is the pair's.
    for text, author in world.author.items():
        assert text in observer.seen[author], f"{author} never saw their own {text}"
    for text in world.partner_sees:
        pair = next(p for label, p in world.pairs.items() if f"MK-{label}-" in text)
        partner = pair.partner_of(world.author[text])
        assert text in observer.seen[partner], f"{partner} never saw the pair's {text}"
    assert observer.requests > 100


def test_no_button_opens_another_pairs_data_with_forged_ids(world: World) -> None:
    """Every button the app answers, clicked by outsiders with the first pair's ids."""
    h = world.h
    observer = Observer(world)
    pair = world.pairs["A"]
    with h.db.session() as session:
        delivery_ids = [
            row[0]
            for row in session.execute(
                sql_text("SELECT id FROM deliveries WHERE pair_id = :p"), {"p": pair.id}
            )
        ]
        item_ids = [
            row[0]
            for row in session.execute(
                sql_text("SELECT id FROM action_items WHERE pair_id = :p"), {"p": pair.id}
            )
        ]
        goal_ids = [
            row[0]
            for row in session.execute(
                sql_text("SELECT id FROM goals WHERE pair_id = :p"), {"p": pair.id}
            )
        ]
    held, upcoming = world.held["A"], world.upcoming["A"]
    values = sorted(
        {
            str(pair.id),
            str(held.id),
            str(upcoming.id),
            f"{pair.id}:{upcoming.id}",
            f"{pair.id}:1",
            *(str(i) for i in delivery_ids + item_ids + goal_ids),
        }
    )
    # Someone in no pair, and no admin, changes nothing whatever they click.
    before = _domain_rows(h)
    for action_id in sorted(handlers.ACTIONS):
        for value in values:
            h.driver.click_action(str(action_id), value=value, user=NEWYORK)
            observer.collect(NEWYORK, f"{action_id}={value}")
    assert _domain_rows(h) == before, "a click by someone in no pair changed something"
    # The stranger's ids may be the same numbers as A's (and admins may end a pair): for them
    # the check is that nothing of A's shows.
    for action_id in sorted(handlers.ACTIONS):
        for person in (STRANGER, ADMIN):
            for value in values:
                h.driver.click_action(str(action_id), value=value, user=person)
                observer.collect(person, f"{action_id}={value}")
    assert observer.leaks == []
    # What they met is their own (the stranger's own diary on a page button, say), never A's.
    assert not [m for p in (STRANGER, NEWYORK, ADMIN) for m in observer.seen[p] if "MK-A-" in m]
