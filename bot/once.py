"""One click, one effect, for what leaves nothing else to find: posting the agenda, a modal's
submission (which may add an action item, a goal, a session).

State changes are idempotent by themselves: the unit of work takes its pair's lock first
(storage/pairs.lock_pair), so a second click waits and then finds the first one's effect. An
effect with no such state is claimed here first; a second one within its window finds the
claim and does nothing (and the person is told so where they can be).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from storage import claims as store
from storage.db import Database

# A second click on a button that posts or sends something (Post to our conversation, Add to
# calendar, Export CSV) within this is a double click, not a wish to have it twice.
CLICK_WINDOW = timedelta(minutes=1)
# A modal accepted once is closed: a second submission of it is a double click or a replay.
SUBMISSION_WINDOW = timedelta(days=1)
# Claims older than the longest window are dropped as new ones are taken.
CLAIM_MEMORY = SUBMISSION_WINDOW


def agenda_post_key(pair_id: int) -> str:
    return f"agenda_post:{pair_id}"


def calendar_key(session_id: int, user_id: str) -> str:
    return f"calendar:{session_id}:{user_id}"


def report_export_key(user_id: str) -> str:
    return f"report_export:{user_id}"


def submission_key(user_id: str, view_id: str) -> str:
    return f"view:{user_id}:{view_id}"


def claim_once(db: Database, *, team_id: str, key: str, now: datetime, window: timedelta) -> bool:
    """True the first time within `window` that `key` is claimed in the workspace, else False."""
    with db.session() as session:
        store.forget_claims(session=session, team_id=team_id, before=now - CLAIM_MEMORY)
        return store.claim(session=session, team_id=team_id, key=key, now=now, since=now - window)


def release(db: Database, *, team_id: str, key: str) -> None:
    """Give a claim up: the effect didn't happen (it was refused, or Slack failed)."""
    with db.session() as session:
        store.release(session=session, team_id=team_id, key=key)


@contextmanager
def claimed(
    db: Database, *, team_id: str, key: str, now: datetime, window: timedelta = CLICK_WINDOW
) -> Iterator[bool]:
    """Claim `key` for what the block does: yields whether this is the first claim within
    `window`; if the block raises (Slack refused, say), the claim is given back."""
    first = claim_once(db, team_id=team_id, key=key, now=now, window=window)
    try:
        yield first
    except BaseException:
        if first:
            release(db, team_id=team_id, key=key)
        raise
