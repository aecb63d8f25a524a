"""A pair's lifecycle: pausing, resuming and ending it, and who may do each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlmodel import Session

from bot import messages
from bot.errors import UserError
from bot.pairing import MENTION, mentions_in
from bot.sessions import plan_session_prompts
from bot.settings import Settings
from storage import deliveries as delivery_store
from storage import lifecycle as store
from storage import pairs as pair_store
from storage import sessions as session_store
from storage.db import Database
from storage.models import Kind, Pair, PairStatus, SessionStatus

Verb = Literal["pause", "resume", "end"]
# The reason a withdrawn delivery carries: resuming revives exactly what the pause withdrew.
PAUSED_REASON = "pair paused"
ENDED_REASON = "pair ended"
CLOSING_USEFUL = timedelta(days=30)


@dataclass(frozen=True)
class LifecycleChange:
    """What a pause, resume or end did, for the announcement and the reply."""

    pair: Pair
    actor_id: str
    by_admin: bool  # the actor is an admin, not one of the partners
    sessions_cancelled: int = 0


def find_pair_to_change(
    db: Database,
    settings: Settings,
    *,
    team_id: str,
    user_id: str,
    channel_id: str | None,
    text: str,
    verb: Verb,
) -> Pair:
    """The pair a `/mentor pause|resume|end` is about.

    A partner names it by mentioning their partner (or not at all, in the pair's conversation
    or when they have one pair); an admin names anyone's pair by mentioning both partners.
    """
    people = list(dict.fromkeys(mentions_in(text)))
    if MENTION.sub(" ", text).strip() or len(people) > 2:
        raise UserError(messages.LIFECYCLE_USAGE.format(verb=verb))
    if len(people) == 2 and user_id in people:
        people.remove(user_id)
    with db.session() as session:
        if len(people) == 2:
            if not settings.is_admin(user_id):
                raise UserError(messages.LIFECYCLE_NOT_ALLOWED.format(verb=verb))
            first, second = people
            pair = store.pair_between(
                session=session, team_id=team_id, first_id=first, second_id=second
            )
            if pair is None:
                raise UserError(messages.LIFECYCLE_NOT_PAIRED.format(first=first, second=second))
            return pair
        if people:
            (other,) = people
            if other == user_id:
                raise UserError(messages.LIFECYCLE_USAGE.format(verb=verb))
            pair = store.pair_between(
                session=session, team_id=team_id, first_id=user_id, second_id=other
            )
            if pair is None:
                raise UserError(messages.LIFECYCLE_NAME_BOTH.format(user=other, verb=verb))
            return pair
        return _unnamed_pair(session, settings, team_id, user_id, channel_id, verb)


def _unnamed_pair(
    session: Session,
    settings: Settings,
    team_id: str,
    user_id: str,
    channel_id: str | None,
    verb: Verb,
) -> Pair:
    if channel_id:
        here = store.pair_in_channel(session=session, team_id=team_id, channel_id=channel_id)
        # Only a partner's conversation names the pair: admins mention both partners.
        if here is not None and here.has_partner(user_id):
            return here
    pairs = pair_store.open_pairs_of(session=session, team_id=team_id, user_id=user_id)
    if len(pairs) == 1:
        return pairs[0]
    if pairs:
        partners = ", ".join(f"<@{p.partner_of(user_id)}>" for p in pairs)
        raise UserError(messages.SEVERAL_PAIRS.format(partners=partners, subcommand=verb))
    latest = store.latest_pair_of(session=session, team_id=team_id, user_id=user_id)
    if latest is not None:
        return latest  # an ended pair: the state check says so
    raise UserError(messages.LIFECYCLE_NO_PAIR.format(verb=verb))


def _pair_for_change(
    session: Session, settings: Settings, team_id: str, pair_id: int, actor_id: str, verb: Verb
) -> tuple[Pair, bool]:
    """The pair locked for the change, if the actor may make it; and whether as an admin."""
    pair = store.lock_pair(session=session, team_id=team_id, pair_id=pair_id)
    if pair is None:
        # A forged id, or another workspace's, looks exactly like a missing pair.
        raise UserError(messages.BUTTON_NOT_VALID)
    partner = pair.has_partner(actor_id)
    if not partner and not settings.is_admin(actor_id):
        raise UserError(
            messages.LIFECYCLE_NOT_THIS_PAIR.format(
                mentor=pair.mentor_id, mentee=pair.mentee_id, verb=verb
            )
        )
    if pair.status == PairStatus.ENDED:
        raise UserError(
            messages.PAIR_HAS_ENDED.format(mentor=pair.mentor_id, mentee=pair.mentee_id)
        )
    return pair, not partner


def check_can_end(
    db: Database, settings: Settings, *, team_id: str, pair_id: int, actor_id: str
) -> Pair:
    """Before offering the End button: the actor may end this pair, and it hasn't ended."""
    with db.session() as session:
        pair, _ = _pair_for_change(session, settings, team_id, pair_id, actor_id, "end")
        return pair


def pause_pair(
    db: Database, settings: Settings, *, team_id: str, pair_id: int, actor_id: str, now: datetime
) -> LifecycleChange:
    """Pause: every pending delivery of the pair is withdrawn and its series stop planning."""
    with db.session() as session:
        pair, by_admin = _pair_for_change(session, settings, team_id, pair_id, actor_id, "pause")
        if pair.status == PairStatus.PAUSED:
            raise UserError(
                messages.PAIR_ALREADY_PAUSED.format(mentor=pair.mentor_id, mentee=pair.mentee_id)
            )
        pair.status = PairStatus.PAUSED
        session.add(pair)
        store.withdraw_pair_deliveries(
            session=session, team_id=team_id, pair_id=pair_id, reason=PAUSED_REASON
        )
        for series in store.series_of_pair(session=session, team_id=team_id, pair_id=pair_id):
            if series.active:
                series.active = False
                series.paused = True
                session.add(series)
        return LifecycleChange(pair, actor_id, by_admin)


def resume_pair(
    db: Database, settings: Settings, *, team_id: str, pair_id: int, actor_id: str, now: datetime
) -> LifecycleChange:
    """Resume: what the pause withdrew is pending again (if still useful), the prompts of
    future sessions are planned, and the paused series plan their next sessions again."""
    with db.session() as session:
        pair, by_admin = _pair_for_change(session, settings, team_id, pair_id, actor_id, "resume")
        if pair.status == PairStatus.ACTIVE:
            raise UserError(
                messages.PAIR_ALREADY_ACTIVE.format(mentor=pair.mentor_id, mentee=pair.mentee_id)
            )
        pair.status = PairStatus.ACTIVE
        session.add(pair)
        # Planning is idempotent by dedupe key, so a withdrawn row would block its own
        # re-planning: revive it instead. Sessions are re-planned after, to fill any gap.
        for delivery in store.withdrawn_for(
            session=session, team_id=team_id, pair_id=pair_id, reason=PAUSED_REASON
        ):
            if delivery.expires_at is None or delivery.expires_at > now:
                store.revive(session=session, delivery=delivery, now=now)
        for series in store.series_of_pair(session=session, team_id=team_id, pair_id=pair_id):
            if series.paused:
                series.active = True
                series.paused = False
                session.add(series)
        session.flush()
        for meeting in store.scheduled_sessions_of_pair(
            session=session, team_id=team_id, pair_id=pair_id, after=now
        ):
            plan_session_prompts(
                session, pair=pair, meeting=meeting, program=settings.program, now=now
            )
        return LifecycleChange(pair, actor_id, by_admin)


def end_pair(
    db: Database, settings: Settings, *, team_id: str, pair_id: int, actor_id: str, now: datetime
) -> LifecycleChange:
    """End: future sessions are cancelled, everything pending withdrawn, the series stopped,
    and each partner gets the closing reflection."""
    with db.session() as session:
        pair, by_admin = _pair_for_change(session, settings, team_id, pair_id, actor_id, "end")
        pair.status = PairStatus.ENDED
        session.add(pair)
        upcoming = store.scheduled_sessions_of_pair(
            session=session, team_id=team_id, pair_id=pair_id, after=now
        )
        for meeting in upcoming:
            session_store.set_status(
                session=session, meeting=meeting, status=SessionStatus.CANCELLED, by=actor_id
            )
        for series in store.series_of_pair(session=session, team_id=team_id, pair_id=pair_id):
            series.active = False
            series.paused = False
            session.add(series)
        store.withdraw_pair_deliveries(
            session=session, team_id=team_id, pair_id=pair_id, reason=ENDED_REASON
        )
        for person in (pair.mentor_id, pair.mentee_id):
            delivery_store.plan_delivery(
                session=session,
                team_id=team_id,
                pair_id=pair_id,
                kind=Kind.CLOSING,
                recipient=person,
                dedupe_key=f"pair:{pair_id}:{Kind.CLOSING}:{person}",
                due_at=now,
                expires_at=now + CLOSING_USEFUL,
                now=now,
            )
        return LifecycleChange(pair, actor_id, by_admin, sessions_cancelled=len(upcoming))
