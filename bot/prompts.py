"""Prompts around a session: what each delivery says, answering it, attendance and the diary."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from bot import messages
from bot.curriculum import Curriculum, Question, QuestionSet
from bot.errors import FieldErrors, UserError
from bot.privacy import is_forgotten
from bot.settings import Cadence, ProgramSettings
from storage import answers as answer_store
from storage import deliveries as delivery_store
from storage import pairs as pair_store
from storage import sessions as session_store
from storage.agreements import current_version
from storage.db import Database
from storage.models import (
    Delivery,
    DiaryEntry,
    Kind,
    MentoringSession,
    Pair,
    PairStatus,
    PromptAnswer,
    SessionStatus,
)

QUESTION_SET_OF = {
    Kind.PREP: "preparation",
    Kind.CHECKIN: "checkin",
    Kind.FIRST_MEETING: "first_meeting",
    Kind.EXPECTATIONS: "expectations",
    Kind.CLOSING: "closing",
}
# Prompts about one session close when it starts; the others stay open while the pair is active.
SESSION_BOUND = frozenset({Kind.PREP, Kind.CHECKIN})
# Sent because the pair ended: the one prompt that goes out, and is answered, after the end.
AFTER_THE_END = frozenset({Kind.CLOSING})
DIARY_SETS = ("diary", "feedback")
DIARY_PAGE_SIZE = 5
EXPECTATIONS_USEFUL = timedelta(days=14)


@dataclass(frozen=True)
class PromptContent:
    """Everything a prompt message shows, loaded at the moment it is sent or updated."""

    kind: Kind
    delivery: Delivery
    pair: Pair
    meeting: MentoringSession | None
    recipient: str
    question_set: QuestionSet | None = None
    answer: PromptAnswer | None = None
    diary: DiaryEntry | None = None
    now: datetime | None = None
    cadence: Cadence | None = None

    @property
    def partner(self) -> str:
        return self.pair.partner_of(self.recipient)

    @property
    def session(self) -> MentoringSession:
        assert self.meeting is not None, f"{self.kind} prompts belong to a session"
        return self.meeting

    @property
    def open_for_answers(self) -> bool:
        if self.kind in AFTER_THE_END:
            return True
        if self.kind not in SESSION_BOUND:
            return self.pair.status == PairStatus.ACTIVE
        return (
            self.session.status == SessionStatus.SCHEDULED
            and self.now is not None
            and self.now < self.session.starts_at
        )


def _load(session: Session, delivery: Delivery) -> tuple[Pair, MentoringSession | None] | None:
    if delivery.pair_id is None:
        return None
    pair = pair_store.get_pair(session=session, team_id=delivery.team_id, pair_id=delivery.pair_id)
    if pair is None:
        return None
    if delivery.session_id is None:
        return pair, None
    meeting = session_store.get_session(
        session=session, team_id=delivery.team_id, session_id=delivery.session_id
    )
    return (pair, meeting) if meeting is not None else None


def _answer(
    session: Session, pair: Pair, meeting: MentoringSession | None, author: str, set_key: str
) -> PromptAnswer | None:
    return answer_store.answer_of(
        session=session,
        team_id=pair.team_id,
        pair_id=pair.id or 0,
        session_id=meeting.id if meeting else None,
        author_id=author,
        question_set=set_key,
    )


def content_for(
    db: Database, delivery: Delivery, curriculum: Curriculum, *, now: datetime
) -> PromptContent | None:
    """What a delivery should say now, or None when it is no longer worth sending."""
    kind = delivery.kind
    with db.session() as session:
        loaded = _load(session, delivery)
        if loaded is None:
            return None
        pair, meeting = loaded
        if pair.status != PairStatus.ACTIVE and kind not in AFTER_THE_END:
            return None
        base = {
            "kind": kind,
            "delivery": delivery,
            "pair": pair,
            "meeting": meeting,
            "recipient": delivery.recipient,
            "now": now,
        }
        if kind in QUESTION_SET_OF:
            if kind in SESSION_BOUND and (
                meeting is None or meeting.status != SessionStatus.SCHEDULED
            ):
                return None
            set_key = QUESTION_SET_OF[kind]
            answer = _answer(session, pair, meeting, delivery.recipient, set_key)
            return PromptContent(**base, question_set=curriculum.questions(set_key), answer=answer)
        if meeting is None:
            return None
        status = meeting.status
        if kind == Kind.SESSION_ANNOUNCE:
            if status != SessionStatus.SCHEDULED:
                return None
            series = session_store.get_series(
                session=session, team_id=pair.team_id, series_id=meeting.series_id
            )
            cadence = Cadence(series.cadence) if series and series.cadence else None
            return PromptContent(**base, cadence=cadence)
        if status in (SessionStatus.CANCELLED, SessionStatus.SKIPPED):
            return None
        diary = answer_store.diary_of(
            session=session,
            team_id=pair.team_id,
            session_id=meeting.id or 0,
            author_id=delivery.recipient,
        )
        if kind == Kind.DIARY_REMINDER and (diary is not None or status == SessionStatus.MISSED):
            return None
        return PromptContent(**base, diary=diary)


def _addressed_delivery(
    session: Session, team_id: str, delivery_id: int, user_id: str
) -> tuple[Delivery, Pair, MentoringSession | None]:
    delivery = delivery_store.get_delivery(
        session=session, team_id=team_id, delivery_id=delivery_id
    )
    if delivery is None:
        raise UserError(messages.BUTTON_NOT_VALID)
    if delivery.recipient != user_id:
        raise UserError(messages.PROMPT_NOT_YOURS.format(user=delivery.recipient))
    loaded = _load(session, delivery)
    if loaded is None:
        raise UserError(messages.BUTTON_NOT_VALID)
    pair, meeting = loaded
    if pair.status != PairStatus.ACTIVE and delivery.kind not in AFTER_THE_END:
        raise UserError(messages.PAIR_NOT_ACTIVE.format(status=pair.status))
    return delivery, pair, meeting


def _question_prompt(
    session: Session,
    curriculum: Curriculum,
    team_id: str,
    delivery_id: int,
    user_id: str,
    now: datetime,
) -> PromptContent:
    delivery, pair, meeting = _addressed_delivery(session, team_id, delivery_id, user_id)
    kind = delivery.kind
    if kind not in QUESTION_SET_OF:
        raise UserError(messages.BUTTON_NOT_VALID)
    if kind in SESSION_BOUND:
        if meeting is None:
            raise UserError(messages.BUTTON_NOT_VALID)
        _check_open(meeting, now)
    set_key = QUESTION_SET_OF[kind]
    return PromptContent(
        kind=kind,
        delivery=delivery,
        pair=pair,
        meeting=meeting,
        recipient=user_id,
        question_set=curriculum.questions(set_key),
        answer=_answer(session, pair, meeting, user_id, set_key),
        now=now,
    )


def prompt_for_answering(
    db: Database,
    curriculum: Curriculum,
    *,
    team_id: str,
    delivery_id: int,
    user_id: str,
    now: datetime,
) -> PromptContent:
    """The prompt whose Answer button was clicked, if its addressee may still answer it."""
    with db.session() as session:
        return _question_prompt(session, curriculum, team_id, delivery_id, user_id, now)


def _check_open(meeting: MentoringSession, now: datetime) -> None:
    if meeting.status == SessionStatus.CANCELLED:
        raise UserError(messages.SESSION_WAS_CANCELLED)
    if meeting.status != SessionStatus.SCHEDULED:
        raise UserError(messages.SESSION_NOT_SCHEDULED.format(status=meeting.status))
    if now >= meeting.starts_at:
        raise UserError(messages.ANSWERS_CLOSED)


def read_answers(
    question_sets: Sequence[QuestionSet], values: Mapping[str, Any], *, require_one: bool = True
) -> dict[str, str]:
    """Answers keyed `set.question`, checked against the curriculum; empty ones are left out."""
    answers: dict[str, str] = {}
    errors: dict[str, str] = {}
    for question_set in question_sets:
        for question in question_set.questions:
            block_id = answer_block_id(question_set, question)
            raw = values.get(block_id)
            text = raw.strip() if isinstance(raw, str) else ""
            if not text:
                continue
            if question.kind == "choice" and text not in {o.value for o in question.options}:
                errors[block_id] = messages.OPTION_NOT_OFFERED
            elif len(text) > question.max_length:
                errors[block_id] = messages.TEXT_TOO_LONG.format(
                    limit=question.max_length, length=len(text)
                )
            else:
                answers[block_id] = text
    if errors:
        raise FieldErrors(errors)
    if require_one and not answers:
        first = answer_block_id(question_sets[0], question_sets[0].questions[0])
        raise FieldErrors({first: messages.ANSWER_AT_LEAST_ONE})
    return answers


def answer_block_id(question_set: QuestionSet, question: Question) -> str:
    return f"{question_set.key}.{question.key}"


@dataclass(frozen=True)
class SavedAnswers:
    """Stored answers, and what they ask of the agreement."""

    content: PromptContent
    success: str | None = None  # a first-meeting "absolutely worth it" answer
    reopen_agreement: bool = False  # an expectations answer asking to change something


def save_prompt_answers(
    db: Database,
    curriculum: Curriculum,
    *,
    team_id: str,
    delivery_id: int,
    user_id: str,
    values: Mapping[str, Any],
    now: datetime,
) -> SavedAnswers:
    """Store the addressee's answers to a question-set prompt."""
    with db.session() as session:
        pair_store.lock_pair(session=session, team_id=team_id, delivery_id=delivery_id)
        content = _question_prompt(session, curriculum, team_id, delivery_id, user_id, now)
        question_set = content.question_set
        assert question_set is not None
        answers = read_answers([question_set], values)
        row = answer_store.save_answer(
            session=session,
            team_id=team_id,
            pair_id=content.pair.id or 0,
            session_id=content.meeting.id if content.meeting else None,
            author_id=user_id,
            question_set=question_set.key,
            answers=answers,
            now=now,
        )
    saved = PromptContent(**{**content.__dict__, "answer": row})
    success = next(
        (answers.get(answer_block_id(question_set, q)) for q in question_set.by_role("success")),
        None,
    )
    reopen = any(
        option.reopens_agreement and answers.get(answer_block_id(question_set, q)) == option.value
        for q in question_set.by_role("still_works")
        for option in q.options
    )
    return SavedAnswers(saved, success=success, reopen_agreement=reopen)


def _plan_expectations_check(
    session: Session,
    pair: Pair,
    meeting: MentoringSession,
    program: ProgramSettings,
    now: datetime,
) -> None:
    """Every N held sessions (N from the agreement) both partners are asked if it still works."""
    row = current_version(session=session, team_id=pair.team_id, pair_id=pair.id or 0)
    every = dict(row.clauses).get("revisit_every", "") if row else ""
    interval = int(every) if every.isdigit() and int(every) > 0 else program.expectations_every
    held = session_store.held_count(session=session, team_id=pair.team_id, pair_id=pair.id or 0)
    if held == 0 or held % interval:
        return
    for person in (pair.mentor_id, pair.mentee_id):
        delivery_store.plan_delivery(
            session=session,
            team_id=pair.team_id,
            pair_id=pair.id,
            session_id=meeting.id,
            kind=Kind.EXPECTATIONS,
            recipient=person,
            dedupe_key=f"session:{meeting.id}:{Kind.EXPECTATIONS}:{person}",
            due_at=now,
            expires_at=now + EXPECTATIONS_USEFUL,
            now=now,
        )


def record_attendance(
    db: Database,
    *,
    team_id: str,
    delivery_id: int,
    user_id: str,
    happened: bool,
    program: ProgramSettings,
    now: datetime,
) -> PromptContent:
    """A partner says whether the session happened: held wins over missed, once anyone says so."""
    with db.session() as session:
        pair_store.lock_pair(session=session, team_id=team_id, delivery_id=delivery_id)
        delivery, pair, meeting = _addressed_delivery(session, team_id, delivery_id, user_id)
        if delivery.kind not in (Kind.AFTER_SESSION, Kind.DIARY_REMINDER):
            raise UserError(messages.BUTTON_NOT_VALID)
        if meeting.status in (SessionStatus.CANCELLED, SessionStatus.SKIPPED):
            raise UserError(messages.SESSION_NOT_SCHEDULED.format(status=meeting.status))
        if now < meeting.starts_at:
            raise UserError(messages.SESSION_NOT_YET)
        if happened:
            newly_held = meeting.status != SessionStatus.HELD
            session_store.set_status(
                session=session, meeting=meeting, status=SessionStatus.HELD, by=user_id
            )
            if newly_held:
                _plan_expectations_check(session, pair, meeting, program, now)
        elif meeting.status == SessionStatus.SCHEDULED:
            session_store.set_status(
                session=session, meeting=meeting, status=SessionStatus.MISSED, by=user_id
            )
        diary = answer_store.diary_of(
            session=session, team_id=team_id, session_id=meeting.id or 0, author_id=user_id
        )
        return PromptContent(
            kind=delivery.kind,
            delivery=delivery,
            pair=pair,
            meeting=meeting,
            recipient=user_id,
            diary=diary,
            now=now,
        )


@dataclass(frozen=True)
class DiaryForm:
    """What the diary modal needs: the session, the author's earlier entry, the questions."""

    pair: Pair
    meeting: MentoringSession
    author_id: str
    question_sets: tuple[QuestionSet, ...]
    entry: DiaryEntry | None


def _diary_session(
    session: Session, team_id: str, session_id: int, user_id: str
) -> tuple[Pair, MentoringSession]:
    meeting = session_store.get_session(session=session, team_id=team_id, session_id=session_id)
    if meeting is None:
        raise UserError(messages.BUTTON_NOT_VALID)
    pair = pair_store.get_pair(session=session, team_id=team_id, pair_id=meeting.pair_id)
    if pair is None or not pair.has_partner(user_id):
        raise UserError(messages.DIARY_NOT_YOURS)
    if meeting.status in (SessionStatus.CANCELLED, SessionStatus.SKIPPED):
        raise UserError(messages.SESSION_NOT_SCHEDULED.format(status=meeting.status))
    return pair, meeting


def diary_form(
    db: Database, curriculum: Curriculum, *, team_id: str, session_id: int, user_id: str
) -> DiaryForm:
    with db.session() as session:
        pair, meeting = _diary_session(session, team_id, session_id, user_id)
        entry = answer_store.diary_of(
            session=session, team_id=team_id, session_id=session_id, author_id=user_id
        )
        return DiaryForm(pair, meeting, user_id, diary_question_sets(curriculum), entry)


def diary_question_sets(curriculum: Curriculum) -> tuple[QuestionSet, ...]:
    return tuple(curriculum.questions(key) for key in DIARY_SETS)


@dataclass(frozen=True)
class SavedDiary:
    form: DiaryForm
    newly_shared: bool


def save_diary_entry(
    db: Database,
    curriculum: Curriculum,
    *,
    team_id: str,
    session_id: int,
    user_id: str,
    values: Mapping[str, Any],
    shared: bool,
    to_agenda: bool,
    now: datetime,
) -> SavedDiary:
    """Store the author's diary entry (private unless they share it); at least one answer."""
    question_sets = diary_question_sets(curriculum)
    answers = read_answers(question_sets, values)
    with db.session() as session:
        # Submitted twice at once: the second waits, then finds the first's entry to update.
        pair_store.lock_pair(session=session, team_id=team_id, session_id=session_id)
        pair, meeting = _diary_session(session, team_id, session_id, user_id)
        before = answer_store.diary_of(
            session=session, team_id=team_id, session_id=session_id, author_id=user_id
        )
        was_shared = before is not None and before.shared_with_partner
        entry = answer_store.save_diary(
            session=session,
            team_id=team_id,
            pair_id=pair.id or 0,
            session_id=session_id,
            author_id=user_id,
            answers=answers,
            shared=shared,
            to_agenda=to_agenda,
            now=now,
        )
        form = DiaryForm(pair, meeting, user_id, question_sets, entry)
        # A partner who asked to be forgotten is a pseudonym now: there is nobody to send to.
        reachable = not is_forgotten(pair.partner_of(user_id))
        return SavedDiary(form, newly_shared=shared and not was_shared and reachable)


def attendance_after_diary(db: Database, form: DiaryForm, *, now: datetime) -> PromptContent | None:
    """The "did it happen?" message's new content once its diary is written."""
    assert form.meeting.id is not None
    with db.session() as session:
        delivery = delivery_store.delivery_of(
            session=session,
            team_id=form.pair.team_id,
            session_id=form.meeting.id,
            kind=Kind.AFTER_SESSION,
            recipient=form.author_id,
        )
    if delivery is None:
        return None
    return PromptContent(
        kind=Kind.AFTER_SESSION,
        delivery=delivery,
        pair=form.pair,
        meeting=form.meeting,
        recipient=form.author_id,
        diary=form.entry,
        now=now,
    )


@dataclass(frozen=True)
class DiaryPage:
    entries: tuple[tuple[DiaryEntry, MentoringSession | None, Pair | None], ...]
    page: int
    has_more: bool
    question_sets: tuple[QuestionSet, ...]


def own_diary(
    db: Database, curriculum: Curriculum, *, team_id: str, user_id: str, page: int
) -> DiaryPage:
    """The asker's own entries, newest first, a page at a time; never anyone else's."""
    page = max(0, page)
    with db.session() as session:
        rows = answer_store.diary_entries_by(
            session=session,
            team_id=team_id,
            author_id=user_id,
            offset=page * DIARY_PAGE_SIZE,
            limit=DIARY_PAGE_SIZE + 1,
        )
        entries = tuple(
            (
                entry,
                session_store.get_session(
                    session=session, team_id=team_id, session_id=entry.session_id
                ),
                pair_store.get_pair(session=session, team_id=team_id, pair_id=entry.pair_id),
            )
            for entry in rows[:DIARY_PAGE_SIZE]
        )
    return DiaryPage(entries, page, len(rows) > DIARY_PAGE_SIZE, diary_question_sets(curriculum))
