"""Queries about agreement versions and signatures, always scoped to one workspace."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from storage.models import AgreementVersion, Signature


def add_version(
    *,
    session: Session,
    team_id: str,
    pair_id: int,
    version: int,
    clauses: dict[str, str],
    created_by: str,
    now: datetime,
) -> AgreementVersion:
    row = AgreementVersion(
        team_id=team_id,
        pair_id=pair_id,
        version=version,
        clauses=dict(clauses),
        created_by=created_by,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def current_version(*, session: Session, team_id: str, pair_id: int) -> AgreementVersion | None:
    return session.exec(
        select(AgreementVersion)
        .where(AgreementVersion.team_id == team_id, AgreementVersion.pair_id == pair_id)
        .order_by(col(AgreementVersion.version).desc())
        .limit(1)
    ).first()


def signatures(
    *, session: Session, team_id: str, pair_id: int, version: int
) -> Sequence[Signature]:
    return session.exec(
        select(Signature)
        .where(
            Signature.team_id == team_id,
            Signature.pair_id == pair_id,
            Signature.version == version,
        )
        .order_by(col(Signature.signed_at))
    ).all()


def add_signature(
    *, session: Session, team_id: str, pair_id: int, version: int, user_id: str, now: datetime
) -> Signature:
    row = Signature(
        team_id=team_id, pair_id=pair_id, version=version, user_id=user_id, signed_at=now
    )
    session.add(row)
    session.flush()
    return row
