"""Several workspaces on one Mentorbot: Slack's OAuth install, and nothing crossing between them.

Two workspaces install the app through Bolt's install flow (the stand-in answers
oauth.v2.access). Each gets a pair with content in every table, a marker string in its text.
Then the people of one try everything the app answers -- every subcommand, every button in
handlers.ACTIONS with the other workspace's ids, every modal in handlers.VIEWS with the other's
ids in its private_metadata, every event -- and the other workspace's rows stay as they were,
no Web API call carries its token, none of its text shows, and no new row points at its rows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit
from wsgiref.util import setup_testing_defaults

import pytest
import sqlalchemy as sa
import yaml
from sqlmodel import SQLModel, select

import handlers
from bot import agreement, prompts, sessions
from bot.ids import IMPORT_PASTE_BLOCK, Action, View
from bot.sessions import ScheduleRequest
from bot.settings import Settings, SettingsError, load_settings
from runtime.assembly import create_app, make_client
from runtime.oauth import INSTALL_PATH, INSTALL_SCOPES, OAUTH_REDIRECT_PATH, SignedStateStore
from runtime.runner import WsgiApp, wsgi_app
from runtime.sender import NOT_INSTALLED
from standin.driver import SlackDriver
from standin.web_api import SlackStandIn
from storage import actions as action_store
from storage import agenda as agenda_store
from storage import answers as answer_store
from storage import goals as goal_store
from storage.db import make_engine
from storage.models import Delivery, DeliveryState, Kind, MentoringSession, Pair, SessionStatus
from tests.conftest import (
    ADMIN,
    MENTEE,
    MENTOR,
    OTHER_TEAM,
    TEAM,
    FixedClock,
    Harness,
    InlineExecutor,
    base_settings,
)
from tests.support.app_process import free_port, run_app, running_app
from tests.support.in_process import bolt_transport

ROOT = Path(__file__).resolve().parents[1]
CLIENT_ID = "1111111111.2222222222"
CLIENT_SECRET = "oauth-client-secret-for-tests"
STATE_SECRET = "a-state-secret-for-the-tests-0123456789"
TOKENS = {TEAM: "xoxb-installed-in-t0001", OTHER_TEAM: "xoxb-installed-in-t0002"}
BOT_USERS = {TEAM: "UBOT0001", OTHER_TEAM: "UBOT0002"}
ADMIN2, MENTOR2, MENTEE2 = "UADMIN02", "UMENTOR2", "UMENTEE2"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FIRST_SESSION = START + timedelta(days=1)
NEXT_SESSION = START + timedelta(days=8)


# -- the install flow, over the app's real WSGI routes -----------------------------------------
def wsgi_get(
    app: WsgiApp, path: str, query: str = "", cookie: str | None = None
) -> tuple[int, dict[str, str], str]:
    """GET `path` from a WSGI app in-process, as a browser would: (status, headers, body)."""
    environ: dict[str, Any] = {}
    setup_testing_defaults(environ)
    environ.update(REQUEST_METHOD="GET", PATH_INFO=path, QUERY_STRING=query)
    if cookie is not None:
        environ["HTTP_COOKIE"] = cookie
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        answer["status"] = int(status.split()[0])
        answer["headers"] = {k.lower(): v for k, v in headers}

    body = b"".join(app(environ, start_response)).decode("utf-8")
    return answer["status"], answer["headers"], body


@dataclass(frozen=True)
class InstallPage:
    """What /slack/install gave the browser: the state cookie and Slack's authorize URL."""

    cookie: str
    state: str
    authorize_url: str


def start_install(web: WsgiApp) -> InstallPage:
    status, headers, body = wsgi_get(web, INSTALL_PATH)
    assert status == 200, body
    cookie = headers["set-cookie"].split(";")[0]
    url = re.search(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', body)
    assert url is not None, body
    authorize_url = url.group(1).replace("&amp;", "&")
    state = parse_qs(urlsplit(authorize_url).query)["state"][0]
    return InstallPage(cookie=cookie, state=state, authorize_url=authorize_url)


def finish_install(
    web: WsgiApp, page: InstallPage, code: str, *, state: str | None = None
) -> tuple[int, str]:
    """Slack sends the browser back with `code` and the state (in the URL and the cookie)."""
    state = state or page.state
    cookie = f"{page.cookie.split('=', 1)[0]}={state}"
    query = urlencode({"code": code, "state": state})
    status, _, body = wsgi_get(web, OAUTH_REDIRECT_PATH, query, cookie=cookie)
    return status, body


def install(web: WsgiApp, standin: SlackStandIn, team_id: str) -> None:
    """A workspace admin clicks "Add to Slack", approves, and comes back with a code."""
    page = start_install(web)
    code = f"code-for-{team_id}"
    standin.add_oauth_code(
        code, team_id, TOKENS[team_id], BOT_USERS[team_id], team_name=f"Team {team_id}"
    )
    status, body = finish_install(web, page, code)
    assert status == 200, body


def oauth_settings(standin: SlackStandIn) -> Settings:
    settings = base_settings(
        SLACK_BOT_TOKEN="",
        SLACK_CLIENT_ID=CLIENT_ID,
        SLACK_CLIENT_SECRET=CLIENT_SECRET,
        SLACK_STATE_SECRET=STATE_SECRET,
        MENTORBOT_ADMINS=f"{ADMIN},{ADMIN2}",
    )
    return replace(settings, slack_api_url=standin.api_url)


# -- two workspaces ----------------------------------------------------------------------------
@dataclass
class Workspace:
    """One installed workspace: its people, its driver, and (once populated) its rows."""

    team_id: str
    admin: str
    mentor: str
    mentee: str
    h: Harness
    pair: Pair | None = None
    held: MentoringSession | None = None
    upcoming: MentoringSession | None = None
    markers: set[str] = field(default_factory=set)

    @property
    def people(self) -> tuple[str, str, str]:
        return (self.admin, self.mentor, self.mentee)

    @property
    def marker_prefix(self) -> str:
        return f"MK-{self.team_id}-"

    def marker(self, what: str) -> str:
        text = f"{self.marker_prefix}{what}-ZZ"
        self.markers.add(text)
        return text


@dataclass
class Installed:
    standin: SlackStandIn
    clock: FixedClock
    web: WsgiApp
    one: Workspace
    two: Workspace

    @property
    def bot(self) -> Any:
        return self.one.h.bot


@pytest.fixture
def installed(standin: SlackStandIn, clock: FixedClock) -> Iterator[Installed]:
    standin.set_oauth_client(CLIENT_ID, CLIENT_SECRET)
    settings = oauth_settings(standin)
    engine = make_engine("sqlite://")
    bot = create_app(
        settings,
        client=make_client(settings),
        engine=engine,
        clock=clock,
        listener_executor=InlineExecutor(),
    )
    web = wsgi_app(bot)
    install(web, standin, TEAM)
    install(web, standin, OTHER_TEAM)
    for user_id, name in ((ADMIN2, "ana"), (MENTOR2, "mo"), (MENTEE2, "ella")):
        standin.add_user(OTHER_TEAM, user_id, name=name)

    def workspace(team_id: str, admin: str, mentor: str, mentee: str) -> Workspace:
        driver = SlackDriver(
            signing_secret=settings.slack_signing_secret,
            transport=bolt_transport(bot.app),
            standin=standin,
            team_id=team_id,
        )
        harness = Harness(bot=bot, standin=standin, driver=driver, clock=clock)
        return Workspace(team_id, admin, mentor, mentee, harness)

    yield Installed(
        standin=standin,
        clock=clock,
        web=web,
        one=workspace(TEAM, ADMIN, MENTOR, MENTEE),
        two=workspace(OTHER_TEAM, ADMIN2, MENTOR2, MENTEE2),
    )
    engine.dispose()


def pair_up(ws: Workspace) -> Pair:
    h = ws.h
    response = h.driver.command(f"pair <@{ws.mentor}> <@{ws.mentee}>", user=ws.admin)
    assert response.status == 200
    with h.db.session() as session:
        ws.pair = session.exec(select(Pair).where(Pair.team_id == ws.team_id)).one()
    return ws.pair


def _schedule(ws: Workspace, start: datetime) -> MentoringSession:
    assert ws.pair is not None and ws.pair.id is not None
    return sessions.schedule_session(
        ws.h.db,
        team_id=ws.team_id,
        pair_id=ws.pair.id,
        user_id=ws.mentor,
        request=ScheduleRequest(start, 60, None),
        program=ws.h.bot.deps.settings.program,
        now=ws.h.clock.now,
    ).session


def populate(ws: Workspace) -> None:
    """A pair with a signed agreement, a held and an upcoming session, and a marker in every
    text a person writes: diary, preparation and check-in answers, topic, action item, goal."""
    h, deps = ws.h, ws.h.bot.deps
    h.clock.now = START
    pair = pair_up(ws)
    assert pair.id is not None
    ws.held, ws.upcoming = _schedule(ws, FIRST_SESSION), _schedule(ws, NEXT_SESSION)
    for person in (ws.mentor, ws.mentee):
        agreement.sign_agreement(
            h.db,
            team_id=ws.team_id,
            pair_id=pair.id,
            version=1,
            user_id=person,
            program=deps.settings.program,
            now=h.clock.now,
        )
    with h.db.session() as session:
        meeting = session.get(MentoringSession, ws.held.id)
        assert meeting is not None
        meeting.status = SessionStatus.HELD
        session.add(meeting)
    for person in (ws.mentor, ws.mentee):
        prompts.save_diary_entry(
            h.db,
            deps.curriculum,
            team_id=ws.team_id,
            session_id=ws.held.id or 0,
            user_id=person,
            values={
                "diary.lesson": ws.marker(f"{person}-lesson"),
                "diary.open_questions": ws.marker(f"{person}-questions"),
            },
            shared=False,
            to_agenda=person == ws.mentee,
            now=FIRST_SESSION + timedelta(hours=2),
        )
    with h.db.session() as session:
        for author, question_set, key in (
            (ws.mentor, "preparation", "preparation.address"),
            (ws.mentee, "checkin", "checkin.went_well"),
        ):
            answer_store.save_answer(
                session=session,
                team_id=ws.team_id,
                pair_id=pair.id,
                session_id=ws.upcoming.id,
                author_id=author,
                question_set=question_set,
                answers={key: ws.marker(f"{author}-{question_set}")},
                now=h.clock.now,
            )
        agenda_store.add_topic(
            session=session,
            team_id=ws.team_id,
            pair_id=pair.id,
            session_id=ws.upcoming.id or 0,
            author_id=ws.mentee,
            text=ws.marker("topic"),
            now=h.clock.now,
        )
        action_store.add_action_item(
            session=session,
            team_id=ws.team_id,
            pair_id=pair.id,
            owner_id=ws.mentee,
            text=ws.marker("action"),
            due_on=date(2026, 3, 20),
            created_by=ws.mentor,
            now=h.clock.now,
        )
        goal_store.add_goal(
            session=session,
            team_id=ws.team_id,
            pair_id=pair.id,
            title=ws.marker("goal"),
            indicator=ws.marker("indicator"),
            target_on=None,
            created_by=ws.mentee,
            now=h.clock.now,
        )
    h.clock.now = START + timedelta(days=2)


def delivery_of(ws: Workspace, kind: str, recipient: str, meeting: MentoringSession) -> int:
    with ws.h.db.session() as session:
        found = session.exec(
            select(Delivery.id).where(
                Delivery.team_id == ws.team_id,
                Delivery.kind == kind,
                Delivery.recipient == recipient,
                Delivery.session_id == meeting.id,
            )
        ).all()
        ids = sorted(i for i in found if i is not None)
    assert ids, f"no {kind} delivery for {recipient} in {ws.team_id}"
    return int(ids[0])


# -- what a workspace owns ---------------------------------------------------------------------
def _team_tables() -> list[sa.Table]:
    return [t for t in SQLModel.metadata.sorted_tables if "team_id" in t.c]


def snapshot(ws: Workspace) -> dict[str, list[list[str]]]:
    """Every row of the workspace, in every table (its installation included)."""
    rows: dict[str, list[list[str]]] = {}
    with ws.h.db.engine.connect() as connection:
        for table in _team_tables():
            found = connection.execute(
                sa.select(table).where(table.c.team_id == ws.team_id).order_by(*table.primary_key)
            )
            rows[table.name] = [[str(v) for v in row] for row in found]
        bots = connection.execute(
            sa.text("SELECT bot_token FROM slack_bots WHERE team_id = :t"), {"t": ws.team_id}
        )
        rows["slack_bots"] = [[str(v) for v in row] for row in bots]
    return rows


def ids_by_table(ws: Workspace) -> dict[str, set[int]]:
    with ws.h.db.engine.connect() as connection:
        return {
            table.name: {
                row[0]
                for row in connection.execute(
                    sa.select(table.c.id).where(table.c.team_id == ws.team_id)
                )
            }
            for table in _team_tables()
        }


def references_into(attacker: Workspace, victim: Workspace) -> list[str]:
    """Rows of the attacker's workspace whose foreign keys point at the victim's rows."""
    victim_ids = ids_by_table(victim)
    found = []
    with attacker.h.db.engine.connect() as connection:
        for table in _team_tables():
            for fk in table.foreign_keys:
                target = victim_ids.get(fk.column.table.name, set())
                column = fk.parent
                rows = connection.execute(
                    sa.select(table.c.id, column).where(table.c.team_id == attacker.team_id)
                )
                found += [
                    f"{table.name} {row_id}: {column.name}={value}"
                    for row_id, value in rows
                    if value in target
                ]
    return found


# -- watching one workspace try the other's ids ------------------------------------------------
@dataclass
class Watch:
    """Everything the attacker's requests produced, checked against the victim's."""

    attacker: Workspace
    victim: Workspace
    before: dict[str, list[list[str]]]
    requests: int = 0
    problems: list[str] = field(default_factory=list)
    answered: int = 0
    uploads: set[str] = field(default_factory=set)
    # What each action id and callback id got back at least once: proof its listener ran.
    exercised: set[str] = field(default_factory=set)

    def answered_something(self, name: str, response: Any) -> None:
        standin = self.attacker.h.standin
        if response.json() or standin.responses() or standin.calls():
            self.exercised.add(name)

    def check(self, what: str, *, named_victims: bool = False, ack: str = "") -> None:
        """Judge what one request produced (`ack`: the app's HTTP answer to it);
        `named_victims`: the request itself named the victim's people (a reply may then say
        who they are, but nothing more)."""
        standin = self.attacker.h.standin
        self.requests += 1
        secrets = [self.victim.marker_prefix]
        assert self.victim.pair is not None
        secrets.append(self.victim.pair.channel_id)
        if not named_victims:
            secrets += [self.victim.mentor, self.victim.mentee]
        payloads = [("the ack", ack)]
        for call in standin.calls():
            if call.team_id == self.victim.team_id or call.token == TOKENS[self.victim.team_id]:
                self.problems.append(f"{what}: {call.method} with the victim's token")
            if call.team_id is None:
                self.problems.append(f"{what}: {call.method} with no workspace's token")
            payloads.append((call.method, json.dumps(call.args, ensure_ascii=False)))
        for response in standin.responses():
            self.answered += 1
            payloads.append(("a reply", json.dumps(response.body, ensure_ascii=False)))
        for upload in standin.uploaded_files():
            if upload["id"] not in self.uploads:
                self.uploads.add(upload["id"])
                payloads.append(("a file", (upload["content"] or b"").decode("utf-8", "replace")))
        for where, text in payloads:
            shown = [secret for secret in secrets if secret in text]
            if shown:
                self.problems.append(f"{what}: {where} showed the victim's {shown}")
        standin.clear()

    def assert_untouched(self) -> None:
        assert self.problems == []
        assert snapshot(self.victim) == self.before, "the victim's rows changed"
        assert references_into(self.attacker, self.victim) == []


def deliveries_by_kind(ws: Workspace) -> list[int]:
    """One of the workspace's deliveries of each kind (what a prompt's button carries)."""
    with ws.h.db.session() as session:
        rows = session.exec(select(Delivery).where(Delivery.team_id == ws.team_id)).all()
    first: dict[str, int] = {}
    for row in sorted(rows, key=lambda d: d.id or 0):
        first.setdefault(row.kind, row.id or 0)
    return sorted(first.values())


def forged_values(victim: Workspace) -> list[str]:
    """Every button value shape the app uses, filled with the victim's ids."""
    assert victim.pair and victim.held and victim.upcoming
    pair, held, upcoming = victim.pair.id, victim.held.id, victim.upcoming.id
    ids = ids_by_table(victim)
    singles = {pair, held, upcoming, *deliveries_by_kind(victim)}
    singles |= ids["action_items"] | ids["goals"]
    pairs = {f"{pair}:{n}" for n in (1, 2, held, upcoming)}
    return sorted({str(i) for i in singles} | pairs)


# Views opened by people of the attacking workspace, in their own pair: the real modals, whose
# private_metadata the test then points at the victim's rows. A new modal in handlers.VIEWS
# fails test_nothing_crosses_between_workspaces until it has an opener here.
Opener = Callable[[Workspace], None]


def _click(action_id: str, value: Callable[[Workspace], Any], who: str = "mentor") -> Opener:
    def open_it(ws: Workspace) -> None:
        assert ws.pair is not None
        ws.h.driver.click_action(
            action_id,
            value=str(value(ws)),
            user=getattr(ws, who),
            message={"type": "message", "ts": "1700000000.000100", "channel": ws.pair.channel_id},
        )

    return open_it


def _command(text: str, who: str) -> Opener:
    def open_it(ws: Workspace) -> None:
        assert ws.pair is not None
        ws.h.driver.command(text, user=getattr(ws, who), channel=ws.pair.channel_id)

    return open_it


OPENERS: dict[str, Opener] = {
    View.AGREEMENT_EDIT: _click(Action.AGREEMENT_EDIT, lambda ws: ws.pair.id),
    View.SCHEDULE: _command("schedule", "mentor"),
    View.RESCHEDULE: _click(Action.SESSION_RESCHEDULE, lambda ws: ws.upcoming.id),
    View.PROMPT_ANSWERS: _click(
        Action.PROMPT_ANSWER, lambda ws: delivery_of(ws, Kind.PREP, ws.mentor, ws.upcoming)
    ),
    View.DIARY: _click(Action.DIARY_WRITE, lambda ws: ws.held.id),
    View.ACTION_ADD: _click(Action.ACTION_ADD, lambda ws: ws.pair.id),
    View.GOAL_ADD: _click(Action.GOAL_ADD, lambda ws: ws.pair.id),
    View.FORGET_ME: _command("forget-me", "mentee"),
    View.IMPORT: _command("import", "admin"),
}
# private_metadata keys that hold ids of the workspace's rows, and which of the victim's to
# put there; keys that aren't ids are left as the modal had them. An unknown key fails.
ID_KEYS: dict[str, Callable[[Workspace], list[int]]] = {
    "pair": lambda ws: [ws.pair.id],  # type: ignore[union-attr]
    "session": lambda ws: [ws.held.id, ws.upcoming.id],  # type: ignore[union-attr]
    "delivery": deliveries_by_kind,
}
NOT_ID_KEYS = frozenset({"version", "zones", "tz", "channel", "ts"})
# What an attacker types into a modal where a generic value won't do.
TYPED: dict[str, Callable[[Workspace], dict[str, Any]]] = {
    View.IMPORT: lambda victim: {IMPORT_PASTE_BLOCK: f"{victim.mentor},{victim.mentee}"},
}


def open_view(ws: Workspace, callback_id: str) -> dict:
    standin = ws.h.standin
    before = len(standin.calls("views.open"))
    OPENERS[callback_id](ws)
    opened = standin.calls("views.open")[before:]
    assert opened and opened[-1].response.get("ok"), (
        f"the opener of {callback_id} opened no modal: {standin.responses()[-1:]}"
    )
    view = opened[-1].response["view"]
    assert view["callback_id"] == callback_id
    return view


def has_ids(view: dict) -> bool:
    return bool(set(json.loads(view.get("private_metadata") or "{}")) & set(ID_KEYS))


def forged_metadata(view: dict, victim: Workspace) -> list[str]:
    """The view's private_metadata with each id swapped for each of the victim's ids."""
    meta = json.loads(view.get("private_metadata") or "{}")
    unknown = set(meta) - set(ID_KEYS) - NOT_ID_KEYS
    assert not unknown, (
        f"{view['callback_id']}: say whether private_metadata keys {sorted(unknown)} hold ids "
        "(ID_KEYS) or not (NOT_ID_KEYS)"
    )
    variants = [meta]
    for key in set(meta) & set(ID_KEYS):
        variants = [{**v, key: i} for v in variants for i in ID_KEYS[key](victim)]
    if variants == [meta]:
        return [json.dumps(meta)]  # nothing to forge: it acts on whoever submits
    return [json.dumps(v) for v in variants]


def typed_values(view: dict) -> dict[str, Any]:
    """What someone would type: every input without an initial value gets one."""
    values: dict[str, Any] = {}
    for block in view.get("blocks") or []:
        element = block.get("element") if block.get("type") == "input" else None
        if not isinstance(element, dict):
            continue
        kind = element.get("type")
        block_id = block.get("block_id")
        if kind == "plain_text_input" and not element.get("initial_value"):
            values[block_id] = "an attacker's words"
        elif kind in ("static_select", "radio_buttons") and not element.get("initial_option"):
            options = element.get("options") or [
                o for g in element.get("option_groups") or [] for o in g.get("options") or []
            ]
            if options:
                values[block_id] = options[0]["value"]
        elif kind == "datepicker" and not element.get("initial_date"):
            values[block_id] = "2026-03-25"
        elif kind == "timepicker" and not element.get("initial_time"):
            values[block_id] = "15:00"
        elif kind == "datetimepicker" and not element.get("initial_date_time"):
            values[block_id] = int((NEXT_SESSION + timedelta(days=3)).timestamp())
        elif kind == "number_input" and not element.get("initial_value"):
            values[block_id] = "1"
    return values


def attack(attacker: Workspace, victim: Workspace) -> Watch:
    """Everything the attacker's people can send, aimed at the victim's rows."""
    h = attacker.h
    h.standin.clear()
    watch = Watch(attacker, victim, snapshot(victim))
    senders = (attacker.mentor, attacker.admin)  # in a pair of their own; an admin

    # Modals first (their openers need the attacker's pair as it is): each real modal,
    # submitted with the victim's ids in its private_metadata. Each submission gets a freshly
    # opened modal, as a person would (a submission may replace the modal it came from).
    unexercised = sorted(set(handlers.VIEWS) - set(OPENERS))
    assert not unexercised, f"add an opener to OPENERS for the modals {unexercised}"
    first = {callback_id: open_view(attacker, callback_id) for callback_id in handlers.VIEWS}
    h.standin.clear()
    variants = {callback_id: forged_metadata(view, victim) for callback_id, view in first.items()}
    # Modals that act on whoever submits them (forget-me) go last: they change the attacker.
    for callback_id in sorted(first, key=lambda c: (not has_ids(first[c]), c)):
        values = typed_values(first[callback_id]) | TYPED.get(callback_id, lambda _v: {})(victim)
        for metadata in variants[callback_id]:
            for person in senders:
                view = open_view(attacker, callback_id)
                h.standin.clear()
                submitted = {**view, "private_metadata": metadata}
                response = h.driver.submit(submitted, values, user=person)
                assert response.status == 200, (callback_id, response.body)
                watch.answered_something(f"view {callback_id}", response)
                watch.check(
                    f"{callback_id} submitted by {person} with {metadata}",
                    named_victims=callback_id in TYPED,
                    ack=response.body,
                )

    # Every button, with every shape of the victim's ids.
    values = forged_values(victim)
    for action_id in sorted(handlers.ACTIONS):
        for value in values:
            for person in senders:
                response = h.driver.click_action(str(action_id), value=value, user=person)
                assert response.status == 200, (action_id, response.body)
                watch.answered_something(f"action {action_id}", response)
                watch.check(f"{action_id}={value} by {person}", ack=response.body)

    # Every event the app answers.
    for event_type in sorted(handlers.EVENTS):
        for person in attacker.people:
            event = {"type": event_type, "user": person, "channel": "D0HOME", "tab": "home"}
            response = h.driver.event(event)
            watch.check(f"{event_type} for {person}", ack=response.body)

    # Every subcommand, plain and naming the victim's people (last: some change the
    # attacker's own pair).
    assert attacker.pair is not None
    victims = f"<@{victim.mentor}> <@{victim.mentee}>"
    for name in sorted(handlers.SUBCOMMANDS):
        for text in (name, f"{name} <@{victim.mentor}>", f"{name} {victims}"):
            for person in senders:
                for channel in ("C0GENERAL", attacker.pair.channel_id):
                    response = h.driver.command(text, user=person, channel=channel)
                    watch.check(
                        f"/mentor {text} by {person} in {channel}",
                        named_victims=text != name,
                        ack=response.body,
                    )
    return watch


@pytest.mark.parametrize("direction", ["second attacks first", "first attacks second"])
def test_nothing_crosses_between_workspaces(installed: Installed, direction: str) -> None:
    populate(installed.one)
    populate(installed.two)
    one, two = installed.one, installed.two
    attacker, victim = (two, one) if direction == "second attacks first" else (one, two)
    assert attacker.pair and victim.pair and attacker.pair.id != victim.pair.id
    before = snapshot(victim)
    filled = {"pairs", "agreement_versions", "signatures", "series", "sessions", "deliveries"}
    filled |= {"prompt_answers", "diary_entries", "action_items", "agenda_topics", "goals"}
    assert [name for name in sorted(filled) if not before[name]] == [], (
        "the victim has rows in every table it can, so an unchanged snapshot means something"
    )

    watch = attack(attacker, victim)

    watch.assert_untouched()
    listeners = {f"action {a}" for a in handlers.ACTIONS} | {f"view {v}" for v in handlers.VIEWS}
    unanswered = sorted(listeners - watch.exercised)
    assert unanswered == [], f"these listeners never answered the attacker: {unanswered}"
    assert watch.requests > 500
    assert watch.answered > 100, "the attacker's requests were answered (refusals included)"


# -- delivery: each workspace with its own token -----------------------------------------------
def test_each_workspace_gets_its_prompts_with_its_own_token(installed: Installed) -> None:
    one, two = installed.one, installed.two
    for ws in (one, two):
        installed.clock.now = START
        pair_up(ws)
        ws.upcoming = _schedule(ws, NEXT_SESSION)
    installed.standin.clear()
    installed.clock.now = NEXT_SESSION - timedelta(hours=23)

    report = installed.bot.deliver_due()

    assert report.failed == 0
    posts = [c for c in installed.standin.calls("chat.postMessage") if c.args.get("metadata")]
    with one.h.db.session() as session:
        teams = {d.id: d.team_id for d in session.exec(select(Delivery)).all()}
    sent_to = {teams[c.args["metadata"]["event_payload"]["delivery_id"]] for c in posts}
    assert sent_to == {TEAM, OTHER_TEAM}
    for call in posts:
        team = teams[call.args["metadata"]["event_payload"]["delivery_id"]]
        assert call.token == TOKENS[team], "each workspace's prompts go with its own bot token"
        assert call.response["ok"]
    for ws in (one, two):
        assert ws.pair is not None
        for person in (ws.mentor, ws.mentee):
            assert installed.standin.messages(person), f"{person} got their prompt"
    assert all(c.token in TOKENS.values() for c in installed.standin.calls())


def test_an_uninstalled_workspace_gets_nothing_and_its_deliveries_fail_for_good(
    installed: Installed,
) -> None:
    one, two = installed.one, installed.two
    for ws in (one, two):
        installed.clock.now = START
        pair_up(ws)
        ws.upcoming = _schedule(ws, NEXT_SESSION)
    two.h.driver.event({"type": "app_uninstalled"})
    assert installed.bot.installation_store.find_bot(enterprise_id=None, team_id=OTHER_TEAM) is None
    installed.standin.clear()
    installed.clock.now = NEXT_SESSION - timedelta(hours=23)

    installed.bot.deliver_due()
    again = installed.bot.deliver_due()

    assert again.sent == 0 and again.failed == 0, "a permanent failure is not retried"
    with one.h.db.session() as session:
        rows = list(session.exec(select(Delivery)).all())
    theirs = [d for d in rows if d.team_id == OTHER_TEAM and d.due_at <= installed.clock.now]
    ours = [d for d in rows if d.team_id == TEAM and d.due_at <= installed.clock.now]
    assert theirs and {(d.state, d.last_error) for d in theirs} == {
        (DeliveryState.FAILED, NOT_INSTALLED)
    }
    assert ours and {d.state for d in ours} == {DeliveryState.SENT}
    assert installed.standin.calls(team_id=OTHER_TEAM) == []


# -- the install flow itself -------------------------------------------------------------------
def test_the_install_page_asks_for_the_manifests_scopes(installed: Installed) -> None:
    page = start_install(installed.web)
    query = parse_qs(urlsplit(page.authorize_url).query)
    assert query["client_id"] == [CLIENT_ID]
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))
    wanted = set(manifest["oauth_config"]["scopes"]["bot"])
    assert set(query["scope"][0].split(",")) == wanted, (
        "runtime/assembly.INSTALL_SCOPES must ask for exactly manifest.yml's bot scopes"
    )
    assert set(INSTALL_SCOPES) == wanted
    assert "HttpOnly" in wsgi_get(installed.web, INSTALL_PATH)[1]["set-cookie"]


def test_both_installations_are_stored_with_their_own_tokens(installed: Installed) -> None:
    store = installed.bot.installation_store
    for team_id in (TEAM, OTHER_TEAM):
        bot = store.find_bot(enterprise_id=None, team_id=team_id)
        assert bot is not None and bot.bot_token == TOKENS[team_id]
        assert bot.bot_user_id == BOT_USERS[team_id]
    exchanges = installed.standin.calls("oauth.v2.access")
    assert [c.response["team"]["id"] for c in exchanges] == [TEAM, OTHER_TEAM]


def test_a_forged_or_reused_state_installs_nothing(installed: Installed) -> None:
    standin, web = installed.standin, installed.web
    store = installed.bot.installation_store
    page = start_install(web)
    standin.add_oauth_code("code-t3", "T0003", "xoxb-t3", "UBOT0003")
    raw = page.state.rpartition(".")[0]
    forged = f"{raw}.{'0' * 64}"
    exchanges = len(standin.calls("oauth.v2.access"))
    for state in (raw, forged, "not-a-state"):
        status, _ = finish_install(web, page, "code-t3", state=state)
        assert status >= 400
    assert len(standin.calls("oauth.v2.access")) == exchanges, "no code exchanged"
    assert store.find_bot(enterprise_id=None, team_id="T0003") is None

    status, body = finish_install(web, page, "code-t3")
    assert status == 200, body
    assert store.find_bot(enterprise_id=None, team_id="T0003") is not None
    standin.add_oauth_code("code-t3-again", "T0003", "xoxb-t3b", "UBOT0003")
    status, _ = finish_install(web, page, "code-t3-again")
    assert status >= 400, "a state is used once"
    assert store.find_bot(enterprise_id=None, team_id="T0003").bot_token == "xoxb-t3"


def test_the_state_signature_is_checked_before_the_database() -> None:
    class Store:
        logger = None

        def __init__(self) -> None:
            self.consumed: list[str] = []

        def issue(self) -> str:
            return "abc"

        def consume(self, state: str) -> bool:
            self.consumed.append(state)
            return True

    inner = Store()
    signed = SignedStateStore(inner, STATE_SECRET)  # type: ignore[arg-type]
    state = signed.issue()
    assert state.startswith("abc.") and signed.consume(state)
    assert not signed.consume("abc." + "0" * 64) and not signed.consume("abc")
    other = SignedStateStore(inner, "another-deployment-secret")  # type: ignore[arg-type]
    assert not other.consume(state)
    assert inner.consumed == ["abc"]


def test_single_workspace_mode_serves_no_install_pages(harness: Harness) -> None:
    web = wsgi_app(harness.bot)
    assert wsgi_get(web, INSTALL_PATH)[0] == 404
    assert wsgi_get(web, OAUTH_REDIRECT_PATH, "code=x&state=y")[0] == 404
    assert harness.bot.installation_store is None


# -- settings ----------------------------------------------------------------------------------
def oauth_env(**overrides: str) -> dict[str, str]:
    return {
        "SLACK_SIGNING_SECRET": "secret",
        "SLACK_CLIENT_ID": CLIENT_ID,
        "SLACK_CLIENT_SECRET": CLIENT_SECRET,
        "SLACK_STATE_SECRET": STATE_SECRET,
        **overrides,
    }


def test_the_three_oauth_settings_come_together_or_not_at_all() -> None:
    settings = load_settings(oauth_env())
    assert settings.oauth_install and settings.slack_bot_token == ""
    assert not load_settings(
        {"SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": "xoxb-1"}
    ).oauth_install

    with pytest.raises(SettingsError) as partial:
        load_settings(oauth_env(SLACK_CLIENT_SECRET="", SLACK_STATE_SECRET=""))
    problems = "\n".join(partial.value.problems)
    assert "SLACK_CLIENT_SECRET is missing: the Client Secret under Basic Information" in problems
    assert "SLACK_STATE_SECRET is missing: a long random string of your own" in problems
    assert "needs all of SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_STATE_SECRET" in problems
    assert "set none of them to run in one workspace on SLACK_BOT_TOKEN" in problems

    for overrides, expected in (
        ({"SLACK_STATE_SECRET": "short"}, "SLACK_STATE_SECRET must be at least 16 characters"),
        ({"SLACK_APP_TOKEN": "xapp-1-A-1-x"}, "needs HTTP mode"),
    ):
        with pytest.raises(SettingsError) as refused:
            load_settings(oauth_env(**overrides))
        assert expected in "\n".join(refused.value.problems)


def test_app_py_serves_the_install_page_over_http(standin: SlackStandIn, tmp_path: Path) -> None:
    env = {
        **oauth_env(SLACK_SIGNING_SECRET="secret"),
        "SLACK_API_URL": standin.api_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'mentorbot.db'}",
        "PORT": str(free_port()),
        "MENTORBOT_DISPATCH_INTERVAL_SECONDS": "3600",
    }
    with running_app(env, cwd=tmp_path) as process:
        status, body = process.get(INSTALL_PATH)
        assert status == 200 and "slack.com/oauth/v2/authorize" in body
        assert f"client_id={CLIENT_ID}" in body
        assert process.get(OAUTH_REDIRECT_PATH)[0] == 400  # no code, no state: refused
    assert "Install it in a workspace from http://0.0.0.0:" in process.stderr()
    assert standin.calls("auth.test") == [], "no token to check until a workspace installs it"


def test_app_py_explains_half_an_oauth_setup(tmp_path: Path) -> None:
    result = run_app([], {"SLACK_SIGNING_SECRET": "s", "SLACK_CLIENT_ID": CLIENT_ID}, cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "SLACK_CLIENT_SECRET is missing" in result.stderr
    assert "SLACK_STATE_SECRET is missing" in result.stderr


def test_each_request_runs_with_its_workspaces_token_checked_once(installed: Installed) -> None:
    installed.standin.clear()
    for _ in range(3):
        for ws in (installed.one, installed.two):
            ws.h.driver.command("help", user=ws.mentor)
    checks = installed.standin.calls("auth.test")
    assert sorted(c.token for c in checks) == sorted(TOKENS.values()), "once per workspace"
    assert len(installed.standin.responses()) == 6
