"""One click, one effect: the same click or submission sent several times at once, through
the driver from as many threads, on a SQLite file and on PostgreSQL. Each has its effect once;
the ones that lost the race hear why (never a traceback, never "something went wrong")."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from bot import messages
from handlers.errors import SOMETHING_WENT_WRONG
from standin.driver import DriverResponse
from storage.models import (
    ActionItem,
    AgreementVersion,
    DiaryEntry,
    MentoringSession,
    Pair,
    SessionStatus,
    Signature,
)
from tests.conftest import ADMIN, MENTEE, MENTOR, Harness

START = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)
AT_ONCE = 6


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def summary(self) -> str:
        return " | ".join(
            f"{r.getMessage()}: {r.exc_info[1]!r}" if r.exc_info else r.getMessage()
            for r in self.records[:3]
        )


@pytest.fixture
def errors() -> Iterator[_Errors]:
    handler = _Errors()
    logging.getLogger().addHandler(handler)
    yield handler
    logging.getLogger().removeHandler(handler)


@pytest.fixture
def scheduled(any_harness: Harness) -> Harness:
    h = any_harness
    h.driver.command(f"pair <@{MENTOR}> <@{MENTEE}>", user=ADMIN)
    h.bot.deliver_due()
    h.driver.command("schedule", user=MENTOR, channel=channel_of(h))
    view = h.standin.last("views.open").response["view"]
    h.driver.submit(view, {"when": int(START.timestamp()), "recurrence": "weekly"}, user=MENTOR)
    h.standin.clear()
    return h


def channel_of(h: Harness) -> str:
    with h.db.session() as session:
        return session.exec(select(Pair)).one().channel_id


def rows(h: Harness, model: Any) -> list[Any]:
    with h.db.session() as session:
        return list(session.exec(select(model)).all())


def at_once(sends: list[Callable[[], DriverResponse]]) -> list[DriverResponse]:
    """Run every send in its own thread, released together."""
    gate = threading.Barrier(len(sends))

    def go(send: Callable[[], DriverResponse]) -> DriverResponse:
        gate.wait(timeout=10)
        return send()

    with ThreadPoolExecutor(max_workers=len(sends)) as pool:
        return list(pool.map(go, sends))


def told(h: Harness) -> list[str]:
    return [json.dumps(r.body) for r in h.standin.responses()] + [
        json.dumps(c.args) for c in h.standin.calls("chat.postMessage")
    ]


def check_quiet(h: Harness, errors: _Errors, responses: list[DriverResponse]) -> None:
    assert [r.status for r in responses] == [200] * len(responses)
    assert errors.records == [], errors.summary()
    assert not any(SOMETHING_WENT_WRONG in t for t in told(h))


def open_editor(h: Harness, user: str) -> dict:
    agreement = next(
        m
        for m in reversed(h.standin.messages(channel_of(h)))
        if "Partnership agreement" in json.dumps(m["blocks"][:1])
    )
    h.driver.click(agreement, "Edit agreement", user=user)
    return h.standin.last("views.open").response["view"]


def test_edits_of_one_version_at_once_make_one_version_and_tell_the_rest(
    scheduled: Harness, errors: _Errors
) -> None:
    h = scheduled
    editors = [open_editor(h, MENTOR if i % 2 else MENTEE) for i in range(AT_ONCE)]
    h.standin.clear()
    responses = at_once(
        [
            lambda v=view, i=i: h.driver.submit(
                v, {"topics_in_scope": f"Topic {i}"}, user=MENTOR if i % 2 else MENTEE
            )
            for i, view in enumerate(editors)
        ]
    )
    check_quiet(h, errors, responses)
    assert sorted(v.version for v in rows(h, AgreementVersion)) == [1, 2]
    refused = [r.json() for r in responses if r.body]
    assert len(refused) == AT_ONCE - 1
    for answer in refused:
        assert answer is not None and answer["response_action"] == "errors"
        (text,) = answer["errors"].values()
        assert "changed the agreement while you were editing" in text


def test_signing_at_once_signs_once(scheduled: Harness, errors: _Errors) -> None:
    h = scheduled
    agreement = next(
        m
        for m in reversed(h.standin.messages(channel_of(h)))
        if "Partnership agreement" in json.dumps(m["blocks"][:1])
    )
    responses = at_once(
        [lambda: h.driver.click(agreement, "Sign agreement", user=MENTOR)] * AT_ONCE
    )
    check_quiet(h, errors, responses)
    assert [s.user_id for s in rows(h, Signature)] == [MENTOR]


def write_diary(h: Harness) -> dict:
    h.clock.now = START + timedelta(minutes=70)
    h.bot.deliver_due()
    h.driver.click(h.standin.messages(MENTEE)[-1], "Yes, it happened", user=MENTEE)
    return h.standin.last("views.open").response["view"]


def test_one_diary_submitted_at_once_is_saved_shared_and_noted_once(
    scheduled: Harness, errors: _Errors
) -> None:
    h = scheduled
    diary = write_diary(h)
    question = next(b["block_id"] for b in diary["blocks"] if b["block_id"].startswith("diary."))
    h.standin.clear()
    values = {question: "Ask first", "diary_options": ["share"], "action_text": "Read the book"}
    responses = at_once([lambda: h.driver.submit(diary, values, user=MENTEE)] * AT_ONCE)
    check_quiet(h, errors, responses)
    assert [(d.author_id, d.shared_with_partner) for d in rows(h, DiaryEntry)] == [(MENTEE, True)]
    assert [i.text for i in rows(h, ActionItem)] == ["Read the book"]
    copies = [m for m in h.standin.messages(MENTOR) if "shared their diary" in m["text"]]
    assert len(copies) == 1


def test_two_diaries_of_one_person_at_once_share_it_once(
    scheduled: Harness, errors: _Errors
) -> None:
    """Two modals (Write diary clicked twice), both submitted at once: one entry, one copy."""
    h = scheduled
    first = write_diary(h)
    h.driver.click(h.standin.messages(MENTEE)[-1], "Write diary", user=MENTEE)
    second = h.standin.last("views.open").response["view"]
    assert second["id"] != first["id"]
    question = next(b["block_id"] for b in first["blocks"] if b["block_id"].startswith("diary."))
    h.standin.clear()
    values = {question: "Ask first", "diary_options": ["share"]}
    responses = at_once(
        [lambda v=view: h.driver.submit(v, values, user=MENTEE) for view in (first, second) * 3]
    )
    check_quiet(h, errors, responses)
    assert [(d.author_id, d.shared_with_partner) for d in rows(h, DiaryEntry)] == [(MENTEE, True)]
    copies = [m for m in h.standin.messages(MENTOR) if "shared their diary" in m["text"]]
    assert len(copies) == 1


def test_post_to_our_conversation_clicked_at_once_posts_once(
    scheduled: Harness, errors: _Errors
) -> None:
    h = scheduled
    h.driver.command("agenda", user=MENTOR, channel=channel_of(h))
    agenda = h.standin.ephemerals(channel_of(h), user=MENTOR)[-1]
    h.standin.clear()
    responses = at_once(
        [lambda: h.driver.click(agenda, "Post to our conversation", user=MENTOR)] * AT_ONCE
    )
    check_quiet(h, errors, responses)
    posted = [c for c in h.standin.calls("chat.postMessage") if c.args["channel"] == channel_of(h)]
    assert len(posted) == 1
    notes = sorted(r.body["text"] for r in h.standin.responses())
    assert notes == sorted(
        [messages.AGENDA_POSTED_NOTE] + [messages.AGENDA_ALREADY_POSTED] * (AT_ONCE - 1)
    )
    # A minute later it is a new wish, not a double click.
    h.clock.now += timedelta(minutes=2)
    h.driver.click(agenda, "Post to our conversation", user=MENTOR)
    posted = [c for c in h.standin.calls("chat.postMessage") if c.args["channel"] == channel_of(h)]
    assert len(posted) == 2


def test_skip_clicked_at_once_skips_once(scheduled: Harness, errors: _Errors) -> None:
    h = scheduled
    message = next(m for m in h.standin.messages(channel_of(h)) if "Skip" in json.dumps(m))
    responses = at_once([lambda: h.driver.click(message, "Skip", user=MENTOR)] * AT_ONCE)
    assert [r.status for r in responses] == [200] * AT_ONCE
    assert errors.records == [], errors.summary()
    sessions = sorted(rows(h, MentoringSession), key=lambda m: m.starts_at)
    assert [m.status for m in sessions] == [SessionStatus.SKIPPED, SessionStatus.SCHEDULED]


def test_files_asked_for_at_once_are_sent_once(scheduled: Harness, errors: _Errors) -> None:
    """Add to calendar and the report's Export CSV: a double click sends one file each."""
    h = scheduled
    session_message = next(m for m in h.standin.messages(channel_of(h)) if "Skip" in json.dumps(m))
    h.driver.command("report", user=ADMIN)
    report = h.standin.ephemerals(user=ADMIN)[-1]
    h.standin.clear()
    responses = at_once(
        [lambda: h.driver.click(session_message, "Add to calendar", user=MENTOR)] * AT_ONCE
        + [lambda: h.driver.click(report, "Export CSV", user=ADMIN)] * AT_ONCE
    )
    check_quiet(h, errors, responses)
    files = sorted(f["filename"].rsplit(".", 1)[-1] for f in h.standin.uploaded_files())
    assert files == ["csv", "ics"]
    notes = [r.body["text"] for r in h.standin.responses()]
    assert sum("a moment ago" in n for n in notes) == 2 * (AT_ONCE - 1)
