"""Queries about previewed CSV imports (import batches), scoped to one workspace."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from storage.models import ImportBatch


def add_batch(
    *,
    session: Session,
    team_id: str,
    created_by: str,
    source: str,
    rows: Sequence[Mapping[str, Any]],
    now: datetime,
) -> ImportBatch:
    batch = ImportBatch(
        team_id=team_id,
        created_by=created_by,
        created_at=now,
        source=source[:200],
        rows=[dict(row) for row in rows],
    )
    session.add(batch)
    session.flush()
    return batch


def get_batch(*, session: Session, team_id: str, batch_id: int) -> ImportBatch | None:
    return session.exec(
        select(ImportBatch).where(ImportBatch.team_id == team_id, ImportBatch.id == batch_id)
    ).first()


def claim_batch(*, session: Session, team_id: str, batch_id: int, by: str, now: datetime) -> bool:
    """Mark the batch confirmed unless it already is; True only for the one claim that wins.

    A conditional UPDATE, so two clicks at once (or two instances) can't both confirm it.
    """
    result = session.execute(
        update(ImportBatch)
        .where(
            col(ImportBatch.team_id) == team_id,
            col(ImportBatch.id) == batch_id,
            col(ImportBatch.confirmed_at).is_(None),
        )
        .values(confirmed_at=now, confirmed_by=by)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def set_results(
    *, session: Session, team_id: str, batch_id: int, results: Mapping[str, str]
) -> None:
    batch = get_batch(session=session, team_id=team_id, batch_id=batch_id)
    if batch is not None:
        batch.results = dict(results)
        session.add(batch)
