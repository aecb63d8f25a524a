"""The agenda of a pair's next session: curriculum sections, scaled to its length, filled from
what the pair said and committed to."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from bot import messages
from bot.curriculum import AgendaTemplate, Curriculum, QuestionSet
from bot.errors import UserError
from storage import actions as action_store
from storage import agenda as store
from storage import answers as answer_store
from storage import goals as goal_store
from storage import pairs as pair_store
from storage import sessions as session_store
from storage.agreements import current_version, signatures
from storage.db import Database
from storage.models import (
    ActionItem,
    Delivery,
    Goal,
    MentoringSession,
    Pair,
    PairStatus,
    PromptAnswer,
    SessionStatus,
)

TOPIC_LIMIT = 300


def scale_minutes(minutes: Sequence[int], total: int) -> list[int]:
    """Scale section minutes to `total` so they add up exactly (largest remainder method).

    Every section keeps at least one minute when there are enough minutes to go round.
    """
    if not minutes:
        return []
    base = sum(minutes)
    floor = 1 if total >= len(minutes) else 0
    exact = [m * total / base for m in minutes]
    scaled = [max(floor, int(x)) for x in exact]
    # Hand out (or take back) the difference by the size of what rounding left behind.
    order = sorted(range(len(minutes)), key=lambda i: exact[i] - int(exact[i]), reverse=True)
    i = 0
    while sum(scaled) < total:
        scaled[order[i % len(order)]] += 1
        i += 1
    order = sorted(range(len(minutes)), key=lambda i: scaled[i] - exact[i], reverse=True)
    i = 0
    while sum(scaled) > total:
        index = order[i % len(order)]
        if scaled[index] > floor:
            scaled[index] -= 1
        i += 1
    return scaled


@dataclass(frozen=True)
class AgendaItem:
    """One line of a section; `private` lines are shown only to their author."""

    text: str
    author: str | None = None
    private: bool = False
    label: str | None = None


@dataclass(frozen=True)
class AgendaSection:
    key: str
    title: str
    minutes: int
    guidance: str
    items: tuple[AgendaItem, ...]


@dataclass(frozen=True)
class Agenda:
    """A session's agenda as one person (or, with viewer None, the pair's conversation) sees it."""

    pair: Pair
    meeting: MentoringSession
    number: int
    sections: tuple[AgendaSection, ...]
    viewer: str | None
    owner: str | None = None

    @property
    def first(self) -> bool:
        return self.number == 1


@dataclass
class _Sources:
    """What the pair said and committed to, loaded once for one agenda."""

    pair: Pair
    meeting: MentoringSession
    viewer: str | None
    curriculum: Curriculum
    previous_start: datetime
    answers: list[PromptAnswer] = field(default_factory=list)
    actions_open: list[ActionItem] = field(default_factory=list)
    actions_done: list[ActionItem] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    topics: list[tuple[str, str]] = field(default_factory=list)
    diary_questions: list[AgendaItem] = field(default_factory=list)
    agreement_line: str = ""


def next_session(db: Database, *, team_id: str, pair: Pair, now: datetime) -> MentoringSession:
    """The pair's next session that hasn't ended, or a UserError saying how to schedule one."""
    assert pair.id is not None
    with db.session() as session:
        meeting = store.next_session(session=session, team_id=team_id, pair_id=pair.id, now=now)
    if meeting is None:
        raise UserError(messages.NO_SESSION_FOR_AGENDA)
    return meeting


def add_topic(
    db: Database, *, team_id: str, pair: Pair, author_id: str, text: str, now: datetime
) -> MentoringSession:
    """Put a topic on the next session's agenda; either partner may."""
    topic = " ".join(text.split())
    if not topic:
        raise UserError(messages.TOPIC_EMPTY)
    if len(topic) > TOPIC_LIMIT:
        raise UserError(messages.TOPIC_TOO_LONG.format(limit=TOPIC_LIMIT, length=len(topic)))
    if not pair.has_partner(author_id):
        raise UserError(messages.NOT_IN_THIS_PAIR)
    meeting = next_session(db, team_id=team_id, pair=pair, now=now)
    with db.session() as session:
        store.add_topic(
            session=session,
            team_id=team_id,
            pair_id=pair.id or 0,
            session_id=meeting.id or 0,
            author_id=author_id,
            text=topic,
            now=now,
        )
    return meeting


def build_agenda(
    db: Database,
    curriculum: Curriculum,
    *,
    team_id: str,
    pair: Pair,
    meeting: MentoringSession,
    viewer: str | None,
    agreement_clauses: tuple,
) -> Agenda:
    """The agenda for `meeting`: each curriculum section with what belongs in it."""
    assert pair.id is not None and meeting.id is not None
    with db.session() as session:
        number = store.session_number(session=session, team_id=team_id, meeting=meeting)
        previous = store.previous_session(session=session, team_id=team_id, meeting=meeting)
        sources = _Sources(
            pair=pair,
            meeting=meeting,
            viewer=viewer,
            curriculum=curriculum,
            previous_start=previous.starts_at if previous else pair.created_at,
        )
        _load(session, sources, agreement_clauses)
        owner = _agreement_value(session, pair, "agenda_owner")
    template = curriculum.agenda_for(number)
    minutes = scale_minutes([s.minutes for s in template.sections], meeting.length_minutes)
    sections = tuple(
        AgendaSection(
            key=s.key,
            title=s.title,
            minutes=m,
            guidance=s.guidance,
            items=tuple(item for source in s.sources for item in _items(source, sources)),
        )
        for s, m in zip(template.sections, minutes, strict=True)
    )
    owner_id = {"mentor": pair.mentor_id, "mentee": pair.mentee_id}.get(owner or "")
    return Agenda(pair, meeting, number, sections, viewer, owner_id)


def template_minutes(template: AgendaTemplate, length: int) -> list[int]:
    return scale_minutes([s.minutes for s in template.sections], length)


def _agreement_value(session: Session, pair: Pair, key: str) -> str | None:
    row = current_version(session=session, team_id=pair.team_id, pair_id=pair.id or 0)
    return dict(row.clauses).get(key) if row else None


def _load(session: Session, sources: _Sources, agreement_clauses: tuple) -> None:
    pair, meeting = sources.pair, sources.meeting
    team, pair_id = pair.team_id, pair.id or 0
    sources.answers = list(
        answer_store.answers_of_pair(session=session, team_id=team, pair_id=pair_id)
    )
    actions = action_store.items_of_pair(session=session, team_id=team, pair_id=pair_id)
    sources.actions_open = [a for a in actions if a.done_at is None]
    sources.actions_done = [
        a for a in actions if a.done_at is not None and a.done_at >= sources.previous_start
    ]
    sources.goals = list(
        goal_store.goals_of_pair_oldest_first(session=session, team_id=team, pair_id=pair_id)
    )
    sources.topics = [
        (t.author_id, t.text)
        for t in store.topics_for(session=session, team_id=team, session_id=meeting.id or 0)
    ]
    sources.diary_questions = _diary_questions(session, sources)
    sources.agreement_line = _agreement_line(session, pair, agreement_clauses)


def _diary_questions(session: Session, sources: _Sources) -> list[AgendaItem]:
    """Open questions from each partner's latest earlier diary: shared only when its author
    ticked "add to our next agenda"; otherwise only the author sees them, in their own view."""
    diary = sources.curriculum.questions("diary")
    keys = [f"{diary.key}.{q.key}" for q in diary.by_role("open_questions")]
    items: list[AgendaItem] = []
    for author in (sources.pair.mentor_id, sources.pair.mentee_id):
        entry = answer_store.latest_diary_before(
            session=session,
            team_id=sources.pair.team_id,
            pair_id=sources.pair.id or 0,
            author_id=author,
            before=sources.meeting.starts_at,
        )
        if entry is None:
            continue
        for key in keys:
            text = dict(entry.answers).get(key, "").strip()
            if not text:
                continue
            if entry.open_questions_to_agenda:
                items.append(AgendaItem(text, author=author, label="Open question"))
            elif sources.viewer == author:
                items.append(
                    AgendaItem(text, author=author, private=True, label="Your open question")
                )
    return items


def _agreement_line(session: Session, pair: Pair, clauses: tuple) -> str:
    row = current_version(session=session, team_id=pair.team_id, pair_id=pair.id or 0)
    if row is None:
        return ""
    values = dict(row.clauses)
    filled = sum(1 for clause in clauses if clause.is_filled(values))
    signed = signatures(
        session=session, team_id=pair.team_id, pair_id=pair.id or 0, version=row.version
    )
    return messages.AGENDA_AGREEMENT_LINE.format(
        filled=filled, total=len(clauses), signed=len(signed), version=row.version
    )


def _answers(
    sources: _Sources, set_key: str, author: str, session_id: int | None
) -> dict[str, str]:
    for answer in sources.answers:
        if (answer.question_set, answer.author_id, answer.session_id) == (
            set_key,
            author,
            session_id,
        ):
            return dict(answer.answers)
    return {}


def _question_items(
    question_set: QuestionSet, answers: dict[str, str], author: str, *, roles: Sequence[str] | None
) -> list[AgendaItem]:
    items = []
    for question in question_set.questions:
        if roles is not None and question.role not in roles:
            continue
        text = answers.get(f"{question_set.key}.{question.key}", "").strip()
        if text:
            items.append(AgendaItem(text, author=author, label=question.label))
    return items


def _checkin(s: _Sources) -> list[AgendaItem]:
    checkin = s.curriculum.questions("checkin")
    answers = _answers(s, "checkin", s.pair.mentee_id, s.meeting.id)
    return _question_items(checkin, answers, s.pair.mentee_id, roles=None)


def _preparation(s: _Sources) -> list[AgendaItem]:
    prep = s.curriculum.questions("preparation")
    answers = _answers(s, "preparation", s.pair.mentor_id, s.meeting.id)
    return _question_items(prep, answers, s.pair.mentor_id, roles=("focus",))


def _first_meeting(s: _Sources) -> list[AgendaItem]:
    form = s.curriculum.questions("first_meeting")
    items: list[AgendaItem] = []
    for person in (s.pair.mentor_id, s.pair.mentee_id):
        items += _question_items(
            form, _answers(s, "first_meeting", person, None), person, roles=None
        )
    return items


def _expectations(s: _Sources) -> list[AgendaItem]:
    form = s.curriculum.questions("expectations")
    items: list[AgendaItem] = []
    for answer in s.answers:
        if answer.question_set != "expectations" or answer.answered_at < s.previous_start:
            continue
        values = dict(answer.answers)
        for question in form.questions:
            text = values.get(f"{form.key}.{question.key}", "").strip()
            if not text:
                continue
            if question.kind == "choice":
                text = next((o.label for o in question.options if o.value == text), text)
            items.append(AgendaItem(text, author=answer.author_id, label=question.label))
    return items


def _action_line(item: ActionItem) -> AgendaItem:
    label = f"due {item.due_on.isoformat()}" if item.due_on else None
    return AgendaItem(item.text, author=item.owner_id, label=label)


def _actions_open(s: _Sources) -> list[AgendaItem]:
    day = s.meeting.starts_at.date()
    return [_action_line(a) for a in s.actions_open if not (a.due_on and a.due_on < day)]


def _actions_overdue(s: _Sources) -> list[AgendaItem]:
    day = s.meeting.starts_at.date()
    return [
        AgendaItem(a.text, author=a.owner_id, label=f"overdue since {a.due_on.isoformat()}")
        for a in s.actions_open
        if a.due_on and a.due_on < day
    ]


def _actions_done(s: _Sources) -> list[AgendaItem]:
    return [AgendaItem(a.text, author=a.owner_id, label="done") for a in s.actions_done]


def _goals(s: _Sources) -> list[AgendaItem]:
    items = []
    for goal in s.goals:
        if goal.reached_at is None:
            how = f" (how we'll know: {goal.indicator})" if goal.indicator else ""
            target = f", by {goal.target_on.isoformat()}" if goal.target_on else ""
            items.append(AgendaItem(goal.title + how + target, label="Goal"))
        elif goal.reached_at >= s.previous_start:
            items.append(AgendaItem(goal.title, author=goal.reached_by, label="Reached :tada:"))
    return items


def _topics(s: _Sources) -> list[AgendaItem]:
    return [AgendaItem(text, author=author, label="Topic") for author, text in s.topics]


def _agreement(s: _Sources) -> list[AgendaItem]:
    return [AgendaItem(s.agreement_line)] if s.agreement_line else []


SOURCES: dict[str, Callable[[_Sources], list[AgendaItem]]] = {
    "checkin": _checkin,
    "preparation": _preparation,
    "actions_open": _actions_open,
    "actions_done": _actions_done,
    "actions_overdue": _actions_overdue,
    "topics": _topics,
    "diary_open_questions": lambda s: s.diary_questions,
    "expectations": _expectations,
    "goals": _goals,
    "first_meeting": _first_meeting,
    "agreement": _agreement,
}


def _items(source: str, sources: _Sources) -> list[AgendaItem]:
    return SOURCES[source](sources)


@dataclass(frozen=True)
class SharedAgenda:
    pair: Pair
    meeting: MentoringSession


def agenda_for_sharing(db: Database, delivery: Delivery, *, now: datetime) -> SharedAgenda | None:
    """The session an agenda-share delivery is for, while it is still planned and active."""
    if delivery.session_id is None or delivery.pair_id is None:
        return None
    with db.session() as session:
        pair = pair_store.get_pair(
            session=session, team_id=delivery.team_id, pair_id=delivery.pair_id
        )
        meeting = session_store.get_session(
            session=session, team_id=delivery.team_id, session_id=delivery.session_id
        )
    if pair is None or meeting is None or pair.status != PairStatus.ACTIVE:
        return None
    if meeting.status != SessionStatus.SCHEDULED or meeting.ends_at <= now:
        return None
    return SharedAgenda(pair, meeting)
