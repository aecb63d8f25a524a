"""Pairing people: reading the request, checking it, and storing the pair with its agreement."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy.exc import IntegrityError

from bot import agreement, messages
from bot.agreement import AgreementState
from bot.errors import UserError
from bot.settings import Cadence, Settings
from storage import deliveries as delivery_store
from storage import pairs as store
from storage.db import Database
from storage.models import Kind, Pair

# With "escape channels, users and links" on, Slack sends a mention as <@U123> or <@U123|name>.
MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>")
SLACKBOT = "USLACKBOT"
FIRST_MEETING_USEFUL = timedelta(days=30)


def mentions_in(text: str) -> list[str]:
    return MENTION.findall(text)


@dataclass(frozen=True)
class PairRequest:
    """Who to pair, and (from a CSV import) the terms their agreement starts from."""

    mentor_id: str
    mentee_id: str
    cadence: Cadence | None = None  # None: the program's default
    length_minutes: int | None = None  # None: the program's default
    program: str | None = None  # None: the default program


def parse_pair_request(text: str) -> PairRequest:
    """`@mentor @mentee` and nothing else, or a UserError saying how to write it."""
    leftover = MENTION.sub(" ", text).strip()
    people = mentions_in(text)
    if len(people) != 2 or leftover:
        raise UserError(messages.PAIR_NEEDS_TWO_MENTIONS)
    mentor_id, mentee_id = people
    if mentor_id == mentee_id:
        raise UserError(messages.PAIR_SAME_PERSON)
    return PairRequest(mentor_id, mentee_id)


def check_pair_request(
    db: Database, settings: Settings, *, team_id: str, admin_id: str, request: PairRequest
) -> None:
    """What can be checked without Slack: who asks, and whether the pair exists already."""
    if not settings.is_admin(admin_id):
        raise UserError(messages.NOT_ADMIN_PAIR)
    existing = existing_pair(
        db, team_id=team_id, first_id=request.mentor_id, second_id=request.mentee_id
    )
    if existing is not None:
        raise UserError(
            messages.PAIR_EXISTS.format(
                first=existing.mentor_id, second=existing.mentee_id, status=existing.status
            )
        )


def existing_pair(db: Database, *, team_id: str, first_id: str, second_id: str) -> Pair | None:
    """The active or paused pair of these two people (either way round), if there is one."""
    with db.session() as session:
        return store.open_pair_between(
            session=session, team_id=team_id, first_id=first_id, second_id=second_id
        )


PersonProblem = Literal["not_found", "bot", "deactivated"]


def person_problem(user_id: str, profile: Mapping[str, Any] | None) -> PersonProblem | None:
    """Why a person can't join a pair (Slack doesn't know them, a bot, gone), or None."""
    if profile is None:
        return "not_found"
    if profile.get("is_bot") or profile.get("is_app_user") or user_id == SLACKBOT:
        return "bot"
    if profile.get("deleted"):
        return "deactivated"
    return None


def check_person(user_id: str, profile: Mapping[str, Any] | None) -> None:
    """A person can join a pair when Slack knows them, and they are neither a bot nor gone."""
    problem = person_problem(user_id, profile)
    if problem == "not_found":
        raise UserError(messages.PERSON_NOT_FOUND.format(user=user_id))
    if problem == "bot":
        raise UserError(messages.PERSON_IS_BOT.format(user=user_id))
    if problem == "deactivated":
        raise UserError(messages.PERSON_DEACTIVATED.format(user=user_id))


def create_pair(
    db: Database,
    settings: Settings,
    *,
    team_id: str,
    request: PairRequest,
    channel_id: str,
    created_by: str,
    now: datetime,
) -> AgreementState:
    """Store the pair and version 1 of its agreement together, or neither."""
    # The agreement starts from the program's defaults; a CSV row's cadence and length (already
    # checked against the program) take their place.
    terms = settings.program
    if request.cadence is not None:
        terms = replace(terms, default_cadence=request.cadence)
    if request.length_minutes is not None:
        terms = replace(terms, default_length=request.length_minutes)
    try:
        with db.session() as session:
            pair = store.add_pair(
                session=session,
                team_id=team_id,
                mentor_id=request.mentor_id,
                mentee_id=request.mentee_id,
                channel_id=channel_id,
                created_by=created_by,
                now=now,
            )
            if request.program:
                pair.program = request.program
                session.add(pair)
            agreement.start_agreement(session=session, pair=pair, program=terms, now=now)
            for person in (pair.mentor_id, pair.mentee_id):
                # Each partner's first-meeting form goes out through the delivery engine.
                delivery_store.plan_delivery(
                    session=session,
                    team_id=team_id,
                    pair_id=pair.id,
                    kind=Kind.FIRST_MEETING,
                    recipient=person,
                    dedupe_key=f"pair:{pair.id}:{Kind.FIRST_MEETING}:{person}",
                    due_at=now,
                    expires_at=now + FIRST_MEETING_USEFUL,
                    now=now,
                )
            pair_id = pair.id
    except IntegrityError:
        # Another admin paired the same two people a moment ago.
        raise UserError(
            messages.PAIR_EXISTS.format(
                first=request.mentor_id, second=request.mentee_id, status="active"
            )
        ) from None
    assert pair_id is not None
    return agreement.load_agreement(db, team_id=team_id, pair_id=pair_id, program=settings.program)


def find_pair(
    db: Database,
    *,
    team_id: str,
    user_id: str,
    channel_id: str | None,
    text: str,
    subcommand: str,
) -> Pair:
    """The pair a command is about: the one mentioned, the conversation's, or the only one."""
    with db.session() as session:
        pairs = store.open_pairs_of(session=session, team_id=team_id, user_id=user_id)
    return choose_pair(
        pairs, user_id=user_id, channel_id=channel_id, text=text, subcommand=subcommand
    )


def choose_pair(
    pairs: Sequence[Pair], *, user_id: str, channel_id: str | None, text: str, subcommand: str
) -> Pair:
    if not pairs:
        raise UserError(messages.NO_PAIR)
    partners = ", ".join(f"<@{p.partner_of(user_id)}>" for p in pairs)
    named = [m for m in mentions_in(text) if m != user_id]
    if named:
        for pair in pairs:
            if pair.partner_of(user_id) == named[0]:
                return pair
        raise UserError(messages.NOT_YOUR_PARTNER.format(user=named[0], partners=partners))
    for pair in pairs:
        if pair.channel_id == channel_id:
            return pair
    if len(pairs) == 1:
        return pairs[0]
    raise UserError(messages.SEVERAL_PAIRS.format(partners=partners, subcommand=subcommand))


def partners_pair(db: Database, *, team_id: str, pair_id: int, user_id: str) -> Pair:
    """The pair with this id, if the person is one of its partners (a forged id finds nothing)."""
    with db.session() as session:
        pair = store.get_pair(session=session, team_id=team_id, pair_id=pair_id)
    if pair is None or not pair.has_partner(user_id):
        raise UserError(messages.NOT_IN_THIS_PAIR)
    return pair
