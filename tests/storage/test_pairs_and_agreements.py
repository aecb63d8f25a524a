"""Storage on SQLite and PostgreSQL: workspace scoping, the one-open-pair rule, UTC round trips."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError

from storage import agreements, pairs
from storage.db import Database
from storage.models import PairStatus, SQLModel

NOW = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)


def _add(db: Database, team: str, channel: str = "G1", mentor: str = "U1", mentee: str = "U2"):
    with db.session() as session:
        return pairs.add_pair(
            session=session,
            team_id=team,
            mentor_id=mentor,
            mentee_id=mentee,
            channel_id=channel,
            created_by="UADMIN",
            now=NOW,
        )


def test_every_table_carries_its_workspace(any_db: Database) -> None:
    for table in SQLModel.metadata.sorted_tables:
        columns = {c["name"] for c in inspect(any_db.engine).get_columns(table.name)}
        assert "team_id" in columns, table.name


def test_queries_never_cross_workspaces(any_db: Database) -> None:
    mine = _add(any_db, "T1")
    _add(any_db, "T2")
    with any_db.session() as session:
        assert pairs.get_pair(session=session, team_id="T2", pair_id=mine.id) is None
        assert pairs.get_pair(session=session, team_id="T1", pair_id=mine.id) is not None
        assert len(pairs.open_pairs_of(session=session, team_id="T1", user_id="U1")) == 1
        assert (
            pairs.open_pair_between(session=session, team_id="T1", first_id="U2", second_id="U1")
            is not None
        )


def test_one_open_pair_per_conversation_but_ended_pairs_do_not_count(any_db: Database) -> None:
    first = _add(any_db, "T1")
    with pytest.raises(IntegrityError):
        _add(any_db, "T1")
    with any_db.session() as session:
        row = pairs.get_pair(session=session, team_id="T1", pair_id=first.id)
        row.status = PairStatus.ENDED
        session.add(row)
    assert _add(any_db, "T1").id != first.id


def test_times_come_back_as_the_same_utc_instant(any_db: Database) -> None:
    pair = _add(any_db, "T1")
    tokyo = timezone(timedelta(hours=9))
    with any_db.session() as session:
        agreements.add_version(
            session=session,
            team_id="T1",
            pair_id=pair.id,
            version=1,
            clauses={"a": "<b>"},
            created_by="U1",
            now=NOW.astimezone(tokyo),
        )
        agreements.add_signature(
            session=session, team_id="T1", pair_id=pair.id, version=1, user_id="U1", now=NOW
        )
    with any_db.session() as session:
        row = agreements.current_version(session=session, team_id="T1", pair_id=pair.id)
        assert row.created_at == NOW and row.created_at.tzinfo is not None
        assert row.clauses == {"a": "<b>"}
        (signature,) = agreements.signatures(
            session=session, team_id="T1", pair_id=pair.id, version=1
        )
        assert signature.signed_at == NOW


def test_a_signature_is_stored_once_per_person_and_version(any_db: Database) -> None:
    pair = _add(any_db, "T1")
    with any_db.session() as session:
        agreements.add_signature(
            session=session, team_id="T1", pair_id=pair.id, version=1, user_id="U1", now=NOW
        )
    with pytest.raises(IntegrityError), any_db.session() as session:
        agreements.add_signature(
            session=session, team_id="T1", pair_id=pair.id, version=1, user_id="U1", now=NOW
        )


def test_naive_datetimes_are_refused(any_db: Database) -> None:
    with pytest.raises(Exception, match="naive"):
        _add_naive(any_db)


def _add_naive(db: Database):
    with db.session() as session:
        return pairs.add_pair(
            session=session,
            team_id="T1",
            mentor_id="U8",
            mentee_id="U9",
            channel_id="G8",
            created_by="UADMIN",
            now=datetime(2026, 1, 1),
        )
