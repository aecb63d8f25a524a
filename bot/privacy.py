"""A person's data rights: everything stored about them (export), and forgetting them.

Every query it makes is scoped by the workspace and by the person asking: an export holds only
what is about the asker, and never a partner's answers or diary entries.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from bot import messages
from bot.curriculum import Curriculum
from bot.errors import UserError
from storage import claims as claim_store
from storage import lifecycle as lifecycle_store
from storage import locations as location_store
from storage import privacy as store
from storage.db import Database
from storage.models import Pair, PairStatus

log = logging.getLogger(__name__)

EXPORT_FORMAT = "mentorbot-export/1"
EXPORT_FILENAME = "mentorbot-my-data.json"
PSEUDONYM_PREFIX = "deleted-"
FORGOTTEN_REASON = "a partner asked to be forgotten"
OPEN_STATUSES = (PairStatus.ACTIVE, PairStatus.PAUSED)


def _check_person(user_id: str | None) -> str:
    # A request without a user id is forged: matching on it would match every empty column.
    if not user_id:
        raise UserError(messages.BUTTON_NOT_VALID)
    return user_id


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _answers(curriculum: Curriculum, answers: dict[str, str]) -> list[dict[str, str]]:
    """Stored answers (`set.question` -> text) with the question each one answers."""
    listed = []
    for key, text in answers.items():
        set_key, _, question_key = key.partition(".")
        label = key
        try:
            question_set = curriculum.questions(set_key)
        except KeyError:
            question_set = None
        if question_set is not None:
            label = next((q.label for q in question_set.questions if q.key == question_key), key)
        listed.append({"question": label, "key": key, "answer": text})
    return listed


def export_person(
    db: Database, curriculum: Curriculum, *, team_id: str, user_id: str, now: datetime
) -> dict[str, Any]:
    """Everything Mentorbot stores about one person in one workspace, as plain data."""
    user_id = _check_person(user_id)
    with db.session() as session:
        pairs = store.pairs_of_person(session=session, team_id=team_id, user_id=user_id)
        pair_ids = [p.id for p in pairs if p.id is not None]
        return {
            "format": EXPORT_FORMAT,
            "exported_at": _iso(now),
            "workspace": team_id,
            "person": user_id,
            "pairs": [_pair_entry(session, pair, user_id) for pair in pairs],
            "pairs_created": [
                {
                    "pair": p.id,
                    "mentor": p.mentor_id,
                    "mentee": p.mentee_id,
                    "status": p.status,
                    "created_at": _iso(p.created_at),
                }
                for p in store.pairs_created_by(session=session, team_id=team_id, user_id=user_id)
            ],
            "series": [
                {
                    "series": s.id,
                    "pair": s.pair_id,
                    "repeats": s.cadence or "once",
                    "time_zone": s.timezone,
                    "first_start": _iso(s.first_start),
                    "length_minutes": s.length_minutes,
                    "active": s.active,
                    "created_by": s.created_by,
                }
                for s in store.series_of_pairs(session=session, team_id=team_id, pair_ids=pair_ids)
            ],
            "sessions": [
                {
                    "session": m.id,
                    "pair": m.pair_id,
                    "series": m.series_id,
                    "starts_at": _iso(m.starts_at),
                    "length_minutes": m.length_minutes,
                    "status": m.status,
                    "status_changed_by": m.status_changed_by,
                }
                for m in store.sessions_of_pairs(
                    session=session, team_id=team_id, pair_ids=pair_ids
                )
            ],
            "prompt_answers": [
                {
                    "pair": a.pair_id,
                    "session": a.session_id,
                    "question_set": a.question_set,
                    "answered_at": _iso(a.answered_at),
                    "answers": _answers(curriculum, dict(a.answers)),
                }
                for a in store.answers_by(session=session, team_id=team_id, user_id=user_id)
            ],
            "diary_entries": [
                {
                    "pair": d.pair_id,
                    "session": d.session_id,
                    "written_at": _iso(d.written_at),
                    "shared_with_partner": d.shared_with_partner,
                    "open_questions_to_agenda": d.open_questions_to_agenda,
                    "answers": _answers(curriculum, dict(d.answers)),
                }
                for d in store.diary_entries_by(session=session, team_id=team_id, user_id=user_id)
            ],
            "action_items": [
                {
                    "item": i.id,
                    "pair": i.pair_id,
                    "owner": i.owner_id,
                    "created_by": i.created_by,
                    "text": i.text,
                    "due_on": _iso(i.due_on),
                    "created_at": _iso(i.created_at),
                    "done_at": _iso(i.done_at),
                    "done_by": i.done_by,
                }
                for i in store.action_items_of_person(
                    session=session, team_id=team_id, user_id=user_id
                )
            ],
            "agenda_topics": [
                {
                    "topic": t.id,
                    "pair": t.pair_id,
                    "session": t.session_id,
                    "text": t.text,
                    "added_at": _iso(t.created_at),
                }
                for t in store.agenda_topics_by(session=session, team_id=team_id, user_id=user_id)
            ],
            "goals": [
                {
                    "goal": g.id,
                    "pair": g.pair_id,
                    "title": g.title,
                    "indicator": g.indicator,
                    "target_on": _iso(g.target_on),
                    "created_by": g.created_by,
                    "created_at": _iso(g.created_at),
                    "reached_at": _iso(g.reached_at),
                    "reached_by": g.reached_by,
                }
                for g in store.goals_of_pairs(session=session, team_id=team_id, pair_ids=pair_ids)
            ],
            "signatures": [
                {"pair": s.pair_id, "version": s.version, "signed_at": _iso(s.signed_at)}
                for s in store.signatures_of_person(
                    session=session, team_id=team_id, user_id=user_id
                )
            ],
            "deliveries": [
                {
                    "kind": d.kind,
                    "pair": d.pair_id,
                    "session": d.session_id,
                    "state": d.state,
                    "due_at": _iso(d.due_at),
                    "expires_at": _iso(d.expires_at),
                    "sent_at": _iso(d.sent_at),
                    "attempts": d.attempts,
                }
                for d in store.deliveries_to(session=session, team_id=team_id, user_id=user_id)
            ],
        }


def _pair_entry(session: Session, pair: Pair, user_id: str) -> dict[str, Any]:
    agreement = store.latest_agreement_of_pair(
        session=session, team_id=pair.team_id, pair_id=pair.id
    )
    return {
        "pair": pair.id,
        "role": pair.role_of(user_id),
        "partner": pair.partner_of(user_id),
        "status": pair.status,
        "program": pair.program,
        "conversation": pair.channel_id,
        "created_at": _iso(pair.created_at),
        "created_by": pair.created_by,
        "agreement": (
            {"version": agreement.version, "clauses": dict(agreement.clauses)}
            if agreement is not None
            else None
        ),
    }


def export_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False).encode("utf-8")


@dataclass(frozen=True)
class ForgetPreview:
    """What forgetting a person would do, counted, for the confirmation modal."""

    answers: int
    diary_entries: int
    open_pairs: tuple[Pair, ...]
    pairs: int

    @property
    def anything(self) -> bool:
        return bool(self.answers or self.diary_entries or self.pairs)


def forget_preview(db: Database, *, team_id: str, user_id: str) -> ForgetPreview:
    user_id = _check_person(user_id)
    with db.session() as session:
        pairs = store.pairs_of_person(session=session, team_id=team_id, user_id=user_id)
        return ForgetPreview(
            answers=store.count_answers_by(session=session, team_id=team_id, user_id=user_id),
            diary_entries=store.count_diary_entries_by(
                session=session, team_id=team_id, user_id=user_id
            ),
            open_pairs=tuple(p for p in pairs if p.status in OPEN_STATUSES),
            pairs=len(pairs),
        )


@dataclass(frozen=True)
class ForgetOutcome:
    """What forgetting did: counts, the pseudonym used, and the pairs it ended."""

    pseudonym: str
    answers_deleted: int
    diary_entries_deleted: int
    ended_pairs: tuple[Pair, ...]
    records_anonymised: int

    @property
    def anything(self) -> bool:
        return bool(
            self.answers_deleted
            or self.diary_entries_deleted
            or self.ended_pairs
            or self.records_anonymised
        )


def is_forgotten(user_id: str) -> bool:
    """Whether `user_id` is the pseudonym of someone who was forgotten: nobody to send to."""
    return user_id.startswith(PSEUDONYM_PREFIX)


def new_pseudonym() -> str:
    """Drawn at random, not derived from the user id, so nobody can work back to the person."""
    return PSEUDONYM_PREFIX + secrets.token_hex(6)


def forget_person(
    db: Database,
    *,
    team_id: str,
    user_id: str,
    now: datetime,
    pseudonym: str | None = None,
    emails: Sequence[str] = (),
) -> ForgetOutcome:
    """Delete the person's answers and diary entries, end their open pairs, and put a
    pseudonym in place of their user id (and of `emails`, their addresses, wherever one was
    typed) everywhere else; then leave nothing deleted in the database files. Running it
    again changes nothing."""
    user_id = _check_person(user_id)
    alias = pseudonym or new_pseudonym()
    outcome = _forget(db, team_id, user_id, alias, [e for e in emails if e and "@" in e])
    if not db.erase_deleted():
        # (No user id in the line: it is the one thing this must not leave behind.)
        log.warning(
            "Forget-me in %s: readers held the WAL; it empties at its next checkpoint", team_id
        )
    return outcome


def _forget(
    db: Database, team_id: str, user_id: str, alias: str, emails: Sequence[str]
) -> ForgetOutcome:
    with db.session() as session:
        answers = store.delete_answers_by(session=session, team_id=team_id, user_id=user_id)
        diaries = store.delete_diary_entries_by(session=session, team_id=team_id, user_id=user_id)
        pairs = list(store.pairs_of_person(session=session, team_id=team_id, user_id=user_id))
        ended = [p for p in pairs if p.status in OPEN_STATUSES]
        for pair in ended:
            _end_pair(session, pair, alias)
        _clear_success_clauses(session, pairs, user_id)
        touched = 0
        for pair in pairs:
            if pair.mentor_id == user_id:
                pair.mentor_id = alias
            if pair.mentee_id == user_id:
                pair.mentee_id = alias
            session.add(pair)
            touched += 1
        session.flush()
        # Nothing more goes to them; what was sent keeps its history under the pseudonym.
        store.withdraw_pending_deliveries_to(
            session=session, team_id=team_id, user_id=user_id, reason=FORGOTTEN_REASON
        )
        # The DM a prompt went to would lead back to them; dedupe keys name recipients too.
        store.clear_addresses_of_deliveries_to(session=session, team_id=team_id, user_id=user_id)
        touched += store.anonymise_delivery_recipients(
            session=session, team_id=team_id, user_id=user_id, alias=alias
        )
        store.anonymise_dedupe_keys(session=session, team_id=team_id, user_id=user_id, alias=alias)
        # Everywhere else a user id is kept (who created, signed, owns, wrote, reached what).
        touched += store.anonymise_person_columns(
            session=session, team_id=team_id, user_id=user_id, alias=alias
        )
        touched += _forget_in_imports(session, team_id, user_id, alias, emails)
        touched += store.delete_dm_channels_of(session=session, team_id=team_id, user_id=user_id)
        # The install they made (several workspaces), the modals opened and clicks claimed.
        touched += store.anonymise_installer(
            session=session, team_id=team_id, user_id=user_id, alias=alias
        )
        location_store.forget_views_of(session=session, team_id=team_id, user_id=user_id)
        claim_store.forget_claims_naming(session=session, team_id=team_id, user_id=user_id)
        return ForgetOutcome(
            pseudonym=alias,
            answers_deleted=answers,
            diary_entries_deleted=diaries,
            ended_pairs=tuple(ended),
            records_anonymised=touched,
        )


def _end_pair(session: Session, pair: Pair, alias: str) -> None:
    """The pair ends: its series stop, planned sessions are cancelled, pending prompts withdrawn."""
    team_id = pair.team_id
    pair.status = PairStatus.ENDED
    session.add(pair)
    store.stop_series_of_pair(session=session, team_id=team_id, pair_id=pair.id)
    store.cancel_scheduled_sessions_of_pair(
        session=session, team_id=team_id, pair_id=pair.id, by=alias
    )
    lifecycle_store.withdraw_pair_deliveries(
        session=session, team_id=team_id, pair_id=pair.id or 0, reason=FORGOTTEN_REASON
    )


def _clear_success_clauses(session: Session, pairs: Iterable[Pair], user_id: str) -> None:
    """Their own "what would make it worth it" came from a deleted answer: it goes too."""
    for pair in pairs:
        role = pair.role_of(user_id)
        if role is None:
            continue
        key = f"success_{role}"
        for row in store.agreement_versions_of_pair(
            session=session, team_id=pair.team_id, pair_id=pair.id
        ):
            clauses = dict(row.clauses)
            if clauses.get(key):
                clauses[key] = ""
                row.clauses = clauses
                session.add(row)


def _scrub(value: Any, names: re.Pattern[str], alias: str) -> Any:
    if isinstance(value, str):
        return names.sub(alias, value)
    if isinstance(value, dict):
        return {k: _scrub(v, names, alias) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, names, alias) for v in value]
    return value


def _forget_in_imports(
    session: Session, team_id: str, user_id: str, alias: str, emails: Sequence[str]
) -> int:
    """CSV import previews name the people they paired: the id, and the email typed for it
    (also in a row that never resolved to them, e.g. an address Slack didn't know then)."""
    names = re.compile(
        "|".join([re.escape(user_id), *(re.escape(e.strip()) for e in emails)]), re.IGNORECASE
    )
    touched = 0
    for batch in store.import_batches_of_team(session=session, team_id=team_id):
        before = (batch.created_by, batch.confirmed_by, batch.rows, batch.results, batch.source)
        rows = []
        for row in batch.rows:
            row = dict(row)
            for role in ("mentor", "mentee"):
                if row.get(f"{role}_id") == user_id:
                    row[role] = alias  # what the admin typed: their id or their email
            rows.append(_scrub(row, names, alias))
        batch.rows = rows
        batch.results = _scrub(dict(batch.results), names, alias)
        batch.created_by = _scrub(batch.created_by, names, alias)
        batch.confirmed_by = _scrub(batch.confirmed_by, names, alias)
        batch.source = _scrub(batch.source, names, alias)
        if (batch.created_by, batch.confirmed_by, batch.rows, batch.results, batch.source) != (
            before
        ):
            session.add(batch)
            touched += 1
    return touched
