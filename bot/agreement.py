"""The partnership agreement: its clauses, editing with versions, and signing by each partner."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot import messages
from bot.errors import FieldErrors, UserError
from bot.settings import Cadence, ProgramSettings
from storage import agreements as store
from storage import pairs as pair_store
from storage.db import Database
from storage.models import Pair, PairStatus, Signature

FieldKind = Literal["select", "text"]


@dataclass(frozen=True)
class ClauseField:
    """One value a pair agrees on: chosen from options or written freely."""

    key: str
    label: str
    kind: FieldKind
    options: tuple[tuple[str, str], ...] = ()
    max_length: int = 500
    placeholder: str | None = None
    required: bool = False

    def display(self, value: str) -> str:
        """The value as a person reads it (the option's label for a select)."""
        return dict(self.options).get(value, value)


@dataclass(frozen=True)
class Clause:
    """A line of the agreement's checklist; filled when all its fields have a value."""

    key: str
    title: str
    fields: tuple[ClauseField, ...]

    def is_filled(self, values: Mapping[str, str]) -> bool:
        return all(values.get(f.key, "").strip() for f in self.fields)


def _select(
    key: str, label: str, options: tuple[tuple[str, str], ...], *, required: bool = False
) -> ClauseField:
    return ClauseField(key, label, "select", options=options, required=required)


def _text(key: str, label: str, *, max_length: int = 500, placeholder: str) -> ClauseField:
    return ClauseField(key, label, "text", max_length=max_length, placeholder=placeholder)


ROLE_OPTIONS = (("mentor", "The mentor"), ("mentee", "The mentee"))
AGENDA_SHARE_OPTIONS = (
    ("day_before", "The day before the session"),
    ("session_start", "At the start of the session"),
)
REVISIT_OPTIONS = tuple((str(n), f"Every {n} sessions") for n in (2, 3, 4, 6, 8))


def agreement_clauses(program: ProgramSettings) -> tuple[Clause, ...]:
    """The agreement's clauses, with the cadences and lengths this program allows."""
    cadence_options = tuple((c.value, c.label) for c in program.cadences)
    length_options = tuple((str(n), f"{n} minutes") for n in program.lengths)
    return (
        Clause(
            "success",
            "What would make this partnership absolutely worth it",
            (
                _text(
                    "success_mentor",
                    "Mentor: what would make this partnership absolutely worth it?",
                    placeholder="e.g. I helped someone avoid a mistake that took me years",
                ),
                _text(
                    "success_mentee",
                    "Mentee: what would make this partnership absolutely worth it?",
                    placeholder="e.g. I've talked to three people in the role I want",
                ),
            ),
        ),
        Clause(
            "frequency",
            "How often we meet",
            (_select("frequency", "Meeting frequency", cadence_options, required=True),),
        ),
        Clause(
            "length",
            "How long a session lasts",
            (_select("session_length", "Session length", length_options, required=True),),
        ),
        Clause(
            "calendar",
            "Calendar invites",
            (
                _select("invite_owner", "Who sends the calendar invite", ROLE_OPTIONS),
                _select(
                    "recurring_slot",
                    "Recurring slot or one at a time",
                    (
                        ("recurring", "A recurring slot"),
                        ("each_time", "We schedule each session"),
                    ),
                ),
            ),
        ),
        Clause(
            "contact",
            "Between sessions",
            (
                _select(
                    "contact_channel",
                    "Preferred channel between sessions",
                    (
                        ("pair_conversation", "Our Mentorbot conversation"),
                        ("direct_message", "Direct messages"),
                        ("email", "Email"),
                    ),
                ),
                _select(
                    "response_time",
                    "Expected response time",
                    (
                        ("same_day", "The same working day"),
                        ("two_days", "Within two working days"),
                        ("week", "Within a week"),
                    ),
                ),
            ),
        ),
        Clause(
            "rescheduling",
            "When life intervenes",
            (
                _select(
                    "reschedule_notice",
                    "Notice for rescheduling",
                    (("24h", "24 hours"), ("48h", "48 hours"), ("week", "One week")),
                ),
                _select(
                    "rescheduler",
                    "Who reschedules",
                    (("requester", "Whoever needs the change"), *ROLE_OPTIONS),
                ),
            ),
        ),
        Clause(
            "in_scope",
            "Topics in scope",
            (
                _text(
                    "topics_in_scope",
                    "Topics in scope",
                    max_length=1000,
                    placeholder="e.g. career direction, leading a team, presenting",
                ),
            ),
        ),
        Clause(
            "out_of_scope",
            "Topics out of scope",
            (
                _text(
                    "topics_out_of_scope",
                    "Topics out of scope",
                    max_length=1000,
                    placeholder="e.g. salary negotiation at our company",
                ),
            ),
        ),
        Clause(
            "availability",
            "Availability between sessions",
            (
                _select(
                    "availability",
                    "Availability between sessions",
                    (
                        ("quick_questions", "Quick questions welcome"),
                        ("ask_first", "Ask first; we'll find a time"),
                        ("sessions_only", "Scheduled sessions only"),
                    ),
                ),
            ),
        ),
        Clause(
            "confidentiality",
            "Confidentiality",
            (
                _text(
                    "confidentiality",
                    "Our confidentiality commitment",
                    placeholder="e.g. What we discuss stays between us unless we both agree",
                ),
            ),
        ),
        Clause(
            "conflict",
            "How we handle conflict",
            (
                _text(
                    "conflict",
                    "How we handle conflict",
                    placeholder="e.g. We say so early, in the session, and look for a fix",
                ),
            ),
        ),
        Clause(
            "agenda",
            "The session agenda",
            (
                _select(
                    "agenda_owner",
                    "Who owns the agenda",
                    (("mentee", "The mentee"), ("mentor", "The mentor"), ("both", "Both of us")),
                ),
                _select("agenda_shared", "When it is shared", AGENDA_SHARE_OPTIONS),
            ),
        ),
        Clause(
            "revisit",
            "Revisiting our expectations",
            (_select("revisit_every", "How often we check the structure", REVISIT_OPTIONS),),
        ),
    )


def all_fields(program: ProgramSettings) -> tuple[ClauseField, ...]:
    return tuple(f for clause in agreement_clauses(program) for f in clause.fields)


def initial_clauses(program: ProgramSettings) -> dict[str, str]:
    """A new agreement starts from the program's defaults; the rest is the pair's to agree."""
    revisit = str(program.expectations_every)
    return {
        "frequency": program.default_cadence.value,
        "session_length": str(program.default_length),
        "revisit_every": revisit if revisit in dict(REVISIT_OPTIONS) else "4",
    }


def validate_clauses(
    program: ProgramSettings, submitted: Mapping[str, str | None]
) -> dict[str, str]:
    """Clean submitted values; raise FieldErrors keyed by field key for what must be fixed."""
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    for field in all_fields(program):
        raw = (submitted.get(field.key) or "").strip()
        if not raw:
            if field.required:
                errors[field.key] = messages.REQUIRED_FIELD
            continue
        if field.kind == "select" and raw not in dict(field.options):
            errors[field.key] = messages.OPTION_NOT_OFFERED
        elif field.kind == "text" and len(raw) > field.max_length:
            errors[field.key] = messages.TEXT_TOO_LONG.format(
                limit=field.max_length, length=len(raw)
            )
        else:
            values[field.key] = raw
    if errors:
        raise FieldErrors(errors)
    return values


@dataclass(frozen=True)
class AgreementState:
    """A pair's current agreement version, its clauses and who has signed it."""

    pair: Pair
    version: int
    values: Mapping[str, str]
    clauses: tuple[Clause, ...]
    signatures: tuple[Signature, ...]

    def signature_of(self, user_id: str) -> Signature | None:
        return next((s for s in self.signatures if s.user_id == user_id), None)

    @property
    def fully_signed(self) -> bool:
        return all(self.signature_of(u) for u in (self.pair.mentor_id, self.pair.mentee_id))

    @property
    def filled_count(self) -> int:
        return sum(1 for clause in self.clauses if clause.is_filled(self.values))

    @property
    def cadence(self) -> Cadence | None:
        try:
            return Cadence(self.values.get("frequency", ""))
        except ValueError:
            return None


def _state(session: Session, pair: Pair, program: ProgramSettings) -> AgreementState:
    assert pair.id is not None
    row = store.current_version(session=session, team_id=pair.team_id, pair_id=pair.id)
    if row is None:
        raise UserError(messages.NO_PAIR)
    sigs = store.signatures(
        session=session, team_id=pair.team_id, pair_id=pair.id, version=row.version
    )
    return AgreementState(
        pair=pair,
        version=row.version,
        values=dict(row.clauses),
        clauses=agreement_clauses(program),
        signatures=tuple(sigs),
    )


def _pair(session: Session, team_id: str, pair_id: int) -> Pair:
    pair = pair_store.get_pair(session=session, team_id=team_id, pair_id=pair_id)
    if pair is None:
        # A forged or foreign id looks exactly like a missing one: nothing to act on.
        raise UserError(messages.NO_PAIR)
    return pair


def start_agreement(
    *, session: Session, pair: Pair, program: ProgramSettings, now: datetime
) -> None:
    """Version 1 of a new pair's agreement, inside the transaction that creates the pair."""
    assert pair.id is not None
    store.add_version(
        session=session,
        team_id=pair.team_id,
        pair_id=pair.id,
        version=1,
        clauses=initial_clauses(program),
        created_by=pair.created_by,
        now=now,
    )


def load_agreement(
    db: Database, *, team_id: str, pair_id: int, program: ProgramSettings
) -> AgreementState:
    with db.session() as session:
        return _state(session, _pair(session, team_id, pair_id), program)


def remember_agreement_message(
    db: Database, *, team_id: str, pair_id: int, message_ts: str
) -> None:
    """The message that later edits update in place."""
    with db.session() as session:
        pair_store.set_agreement_message(
            session=session, team_id=team_id, pair_id=pair_id, message_ts=message_ts
        )


@dataclass(frozen=True)
class SignOutcome:
    state: AgreementState
    newly_signed: bool


def sign_agreement(
    db: Database,
    *,
    team_id: str,
    pair_id: int,
    version: int,
    user_id: str,
    program: ProgramSettings,
    now: datetime,
) -> SignOutcome:
    """Sign `version` for `user_id`, one of the two partners; signing twice is a no-op."""
    try:
        with db.session() as session:
            pair_store.lock_pair(session=session, team_id=team_id, pair_id=pair_id)
            pair = _pair(session, team_id, pair_id)
            if not pair.has_partner(user_id):
                raise UserError(
                    messages.NOT_A_PARTNER_SIGN.format(mentor=pair.mentor_id, mentee=pair.mentee_id)
                )
            if pair.status == PairStatus.ENDED:
                raise UserError(messages.PAIR_ENDED)
            state = _state(session, pair, program)
            if version != state.version:
                raise UserError(
                    messages.AGREEMENT_OUTDATED.format(seen=version, current=state.version)
                )
            if state.signature_of(user_id) is not None:
                return SignOutcome(state, newly_signed=False)
            store.add_signature(
                session=session,
                team_id=team_id,
                pair_id=pair_id,
                version=version,
                user_id=user_id,
                now=now,
            )
            return SignOutcome(_state(session, pair, program), newly_signed=True)
    except IntegrityError:
        # A second click raced the first one past the check: the first signature stands.
        return SignOutcome(
            load_agreement(db, team_id=team_id, pair_id=pair_id, program=program),
            newly_signed=False,
        )


@dataclass(frozen=True)
class EditOutcome:
    state: AgreementState
    changed: bool
    signatures_cleared: bool


def check_can_edit(pair: Pair, user_id: str) -> None:
    if not pair.has_partner(user_id):
        raise UserError(
            messages.NOT_A_PARTNER_EDIT.format(mentor=pair.mentor_id, mentee=pair.mentee_id)
        )
    if pair.status == PairStatus.ENDED:
        raise UserError(messages.PAIR_ENDED)


def agreement_for_editing(
    db: Database, *, team_id: str, pair_id: int, user_id: str, program: ProgramSettings
) -> AgreementState:
    with db.session() as session:
        pair = _pair(session, team_id, pair_id)
        check_can_edit(pair, user_id)
        return _state(session, pair, program)


def edit_agreement(
    db: Database,
    *,
    team_id: str,
    pair_id: int,
    seen_version: int,
    user_id: str,
    submitted: Mapping[str, str | None],
    program: ProgramSettings,
    now: datetime,
) -> EditOutcome:
    """Apply an edit as a new version; signatures stay with the version they were given for.

    Raises FieldErrors (keyed by field key) for values to fix, and for an edit that started
    from a version that is no longer current, so one partner never silently overwrites
    the other's change.
    """
    values = validate_clauses(program, submitted)
    with db.session() as session:
        pair_store.lock_pair(
            session=session, team_id=team_id, pair_id=pair_id
        )  # a concurrent edit goes first
        pair = _pair(session, team_id, pair_id)
        check_can_edit(pair, user_id)
        state = _state(session, pair, program)
        if seen_version != state.version:
            first_field = all_fields(program)[0].key
            raise FieldErrors(
                {
                    first_field: messages.AGREEMENT_CHANGED_WHILE_EDITING.format(
                        current=state.version
                    )
                }
            )
        if values == dict(state.values):
            return EditOutcome(state, changed=False, signatures_cleared=False)
        # Every change is a new version, so a version number always names exactly the text
        # a partner saw when signing; the new version starts without signatures.
        store.add_version(
            session=session,
            team_id=team_id,
            pair_id=pair_id,
            version=state.version + 1,
            clauses=values,
            created_by=user_id,
            now=now,
        )
        return EditOutcome(
            _state(session, pair, program),
            changed=True,
            signatures_cleared=bool(state.signatures),
        )


def record_success(
    db: Database,
    *,
    team_id: str,
    pair_id: int,
    user_id: str,
    success: str,
    program: ProgramSettings,
    now: datetime,
) -> EditOutcome:
    """Write a partner's "absolutely worth it" answer into their side of the success clause."""
    current = load_agreement(db, team_id=team_id, pair_id=pair_id, program=program)
    role = current.pair.role_of(user_id)
    if role is None:
        raise UserError(
            messages.NOT_A_PARTNER_EDIT.format(
                mentor=current.pair.mentor_id, mentee=current.pair.mentee_id
            )
        )
    limit = next(f.max_length for f in all_fields(program) if f.key == f"success_{role}")
    values = {**current.values, f"success_{role}": success.strip()[:limit]}
    return edit_agreement(
        db,
        team_id=team_id,
        pair_id=pair_id,
        seen_version=current.version,
        user_id=user_id,
        submitted=values,
        program=program,
        now=now,
    )


def reopen_agreement(
    db: Database,
    *,
    team_id: str,
    pair_id: int,
    user_id: str,
    program: ProgramSettings,
    now: datetime,
) -> EditOutcome:
    """A partner wants to change how they work: a new version to edit and sign again."""
    with db.session() as session:
        pair_store.lock_pair(session=session, team_id=team_id, pair_id=pair_id)
        pair = _pair(session, team_id, pair_id)
        check_can_edit(pair, user_id)
        state = _state(session, pair, program)
        store.add_version(
            session=session,
            team_id=team_id,
            pair_id=pair_id,
            version=state.version + 1,
            clauses=dict(state.values),
            created_by=user_id,
            now=now,
        )
        return EditOutcome(
            _state(session, pair, program),
            changed=True,
            signatures_cleared=bool(state.signatures),
        )
