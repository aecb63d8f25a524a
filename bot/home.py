"""Each person's Home tab: their pairs, next sessions, agreements, open items, prompts, streak.

Everything here is loaded for one viewer in one workspace. What a pair shares (sessions,
agreement, action items) is shown to both partners; prompt answers and diary entries are
only ever read for the viewer as their author, and only to know *whether* they exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session

from bot import agreement, messages, sessions
from bot.actions import local_today
from bot.agreement import AgreementState
from bot.curriculum import Curriculum
from bot.errors import UserError
from bot.prompts import QUESTION_SET_OF, SESSION_BOUND, PromptContent
from bot.sessions import Upcoming
from bot.settings import ProgramSettings
from storage import actions as action_store
from storage import home as home_store
from storage import pairs as pair_store
from storage.db import Database
from storage.models import (
    ActionItem,
    Kind,
    Pair,
    PairStatus,
)


@dataclass(frozen=True)
class PairCard:
    """One of the viewer's pairs as Home shows it."""

    pair: Pair
    role: str  # the viewer's role in it: "mentor" or "mentee"
    partner_id: str
    next_session: Upcoming | None
    agreement: AgreementState | None

    @property
    def viewer_signed(self) -> bool:
        viewer = self.pair.partner_of(self.partner_id)
        return self.agreement is not None and self.agreement.signature_of(viewer) is not None


@dataclass(frozen=True)
class OpenItem:
    """An open action item of one of the viewer's pairs (theirs or their partner's)."""

    item: ActionItem
    pair: Pair


@dataclass(frozen=True)
class WaitingPrompt:
    """A question-set prompt sent to the viewer, still open and not answered yet."""

    delivery_id: int
    kind: Kind
    title: str
    pair: Pair
    partner_id: str
    # The session it prepares: answers close when it starts (preparation and check-in only).
    closes_at: datetime | None
    sent_at: datetime | None


@dataclass(frozen=True)
class DiaryStreak:
    """How many of the viewer's latest held sessions in a row have their diary entry."""

    count: int
    # A recent held session still waiting for the viewer's diary: writing it extends the streak.
    pending: bool


@dataclass(frozen=True)
class HomeSummary:
    """Everything one person's Home tab shows, loaded at one moment."""

    team_id: str
    user_id: str
    is_admin: bool
    today: date  # the viewer's local date, for "overdue"
    now: datetime
    pairs: tuple[PairCard, ...]
    items: tuple[OpenItem, ...]
    prompts: tuple[WaitingPrompt, ...]
    streak: DiaryStreak

    @property
    def has_pairs(self) -> bool:
        return bool(self.pairs)

    @property
    def multiple_pairs(self) -> bool:
        return len(self.pairs) > 1


def load_home(
    db: Database,
    curriculum: Curriculum,
    *,
    team_id: str,
    user_id: str,
    program: ProgramSettings,
    is_admin: bool,
    now: datetime,
    tz: str | None = None,
) -> HomeSummary:
    """The viewer's dashboard: only their own pairs in this workspace, and only their prompts."""
    with db.session() as session:
        pairs = list(pair_store.open_pairs_of(session=session, team_id=team_id, user_id=user_id))
        items = _open_items(session, team_id, pairs, user_id)
        prompts = _waiting_prompts(session, curriculum, team_id, user_id, pairs, now)
        streak = _diary_streak(
            session, team_id, user_id, now, grace=timedelta(hours=program.diary_useful_hours)
        )
    cards = tuple(_card(db, team_id, pair, user_id, program, now) for pair in pairs)
    return HomeSummary(
        team_id=team_id,
        user_id=user_id,
        is_admin=is_admin,
        today=local_today(now, tz),
        now=now,
        pairs=cards,
        items=items,
        prompts=prompts,
        streak=streak,
    )


def _card(
    db: Database, team_id: str, pair: Pair, user_id: str, program: ProgramSettings, now: datetime
) -> PairCard:
    assert pair.id is not None
    upcoming: Sequence[Upcoming] = ()
    if pair.status == PairStatus.ACTIVE:
        upcoming = sessions.upcoming_sessions(db, team_id=team_id, pair=pair, now=now, count=1)
    try:
        state: AgreementState | None = agreement.load_agreement(
            db, team_id=team_id, pair_id=pair.id, program=program
        )
    except UserError:
        state = None  # a pair without an agreement row: Home still shows the pair
    return PairCard(
        pair=pair,
        role=pair.role_of(user_id) or "mentee",
        partner_id=pair.partner_of(user_id),
        next_session=upcoming[0] if upcoming else None,
        agreement=state,
    )


def _open_items(
    session: Session, team_id: str, pairs: Sequence[Pair], user_id: str
) -> tuple[OpenItem, ...]:
    """Open items of every pair: soonest due first (undated last), the viewer's own first."""
    found: list[OpenItem] = []
    for pair in pairs:
        assert pair.id is not None
        found += [
            OpenItem(item, pair)
            for item in action_store.open_items_of_pair(
                session=session, team_id=team_id, pair_id=pair.id
            )
        ]
    found.sort(
        key=lambda o: (
            o.item.due_on is None,
            o.item.due_on or date.max,
            o.item.owner_id != user_id,
            o.item.id or 0,
        )
    )
    return tuple(found)


def _waiting_prompts(
    session: Session,
    curriculum: Curriculum,
    team_id: str,
    user_id: str,
    pairs: Sequence[Pair],
    now: datetime,
) -> tuple[WaitingPrompt, ...]:
    """Question-set prompts sent to the viewer that they can still answer and haven't.

    The same rules as the prompt's own Answer button (bot.prompts): a preparation or check-in
    closes when its session starts or stops being scheduled; the others stay open while the
    pair is active. Of several expectations check-ins of one pair only the latest is listed.
    """
    active = {p.id: p for p in pairs if p.status == PairStatus.ACTIVE and p.id is not None}
    if not active:
        return ()
    kinds = [str(k) for k in QUESTION_SET_OF]
    bound = [str(k) for k in SESSION_BOUND]
    rows = home_store.sent_question_prompts(
        session=session,
        team_id=team_id,
        user_id=user_id,
        pair_ids=list(active),
        kinds=kinds,
        session_bound=bound,
        now=now,
    )
    answered = home_store.answered_question_sets(
        session=session,
        team_id=team_id,
        user_id=user_id,
        pair_ids=list(active),
        session_ids=[d.session_id for d, _ in rows if d.session_id is not None],
    )
    waiting: list[WaitingPrompt] = []
    seen_expectations: set[int] = set()
    for delivery, meeting in rows:
        assert delivery.id is not None and delivery.pair_id is not None
        pair = active[delivery.pair_id]
        kind = delivery.kind
        if delivery.session_id is not None and meeting is None:
            continue  # its session is gone: nothing to answer for
        content = PromptContent(
            kind=kind, delivery=delivery, pair=pair, meeting=meeting, recipient=user_id, now=now
        )
        set_key = QUESTION_SET_OF[kind]
        if not content.open_for_answers or (pair.id, delivery.session_id, set_key) in answered:
            continue
        if kind == Kind.EXPECTATIONS:
            if delivery.pair_id in seen_expectations:
                continue
            seen_expectations.add(delivery.pair_id)
        waiting.append(
            WaitingPrompt(
                delivery_id=delivery.id,
                kind=kind,
                title=curriculum.questions(set_key).title,
                pair=pair,
                partner_id=pair.partner_of(user_id),
                closes_at=meeting.starts_at if kind in SESSION_BOUND and meeting else None,
                sent_at=delivery.sent_at,
            )
        )
    # What closes soonest first; then the newest.
    waiting.sort(key=lambda w: (w.closes_at is None, w.closes_at or now))
    return tuple(waiting)


def _diary_streak(
    session: Session, team_id: str, user_id: str, now: datetime, *, grace: timedelta
) -> DiaryStreak:
    """Consecutive latest held sessions (of any of the viewer's pairs) with their own entry.

    A held session that ended less than `grace` ago without an entry neither counts nor
    breaks the streak: there is still time to write it. Only the existence of the viewer's
    own entries is read, never their text, and never anyone else's.
    """
    held = home_store.held_sessions_of_person(session=session, team_id=team_id, user_id=user_id)
    if not held:
        return DiaryStreak(0, pending=False)
    written = home_store.sessions_with_diary_by(session=session, team_id=team_id, user_id=user_id)
    count, pending = 0, False
    for meeting in held:
        if meeting.id in written:
            count += 1
        elif meeting.ends_at + grace > now:
            pending = True
        else:
            break
    return DiaryStreak(count, pending=pending)


def agreement_for_viewer(
    db: Database, *, team_id: str, pair_id: int, user_id: str, program: ProgramSettings
) -> AgreementState:
    """A pair's current agreement, for one of its two partners only (a forged id finds none)."""
    with db.session() as session:
        pair = pair_store.get_pair(session=session, team_id=team_id, pair_id=pair_id)
    if pair is None or not pair.has_partner(user_id):
        raise UserError(messages.HOME_AGREEMENT_NOT_YOURS)
    return agreement.load_agreement(db, team_id=team_id, pair_id=pair_id, program=program)
