"""After /mentor forget-me nothing of the person is left anywhere in the database: no table
holds their user id, their email or what they wrote, and on SQLite neither does the main
file nor its WAL (secure_delete, then a truncating checkpoint)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import inspect, text
from sqlmodel import select

from storage.models import ImportBatch, Pair
from storage.oauth_tables import INSTALLATIONS_TABLE, slack_oauth_metadata
from tests.conftest import ADMIN, MENTEE, MENTOR, TEAM, Harness

START = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)
EMAIL = "tomas.forgotten@example.com"


def channel_of(h: Harness) -> str:
    with h.db.session() as session:
        return session.exec(select(Pair)).one().channel_id


def answer_everything(h: Harness, modal: dict, marker: str) -> None:
    """Submit `modal` with every text input holding `marker` and the input's block id (but
    the diary's action item: that is the pair's, and stays)."""
    values = {
        block["block_id"]: f"{marker} {block['block_id']}"
        for block in modal["blocks"]
        if block["type"] == "input"
        and block["element"]["type"] == "plain_text_input"
        and not block["block_id"].startswith("action_")
    }
    h.driver.submit(modal, values, user=MENTEE)


def everything_stored(h: Harness) -> str:
    """Every row of every table in the database (also slack_sdk's, and ones added later)."""
    engine = h.db.engine
    found = {}
    with engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            rows = connection.execute(text(f'SELECT * FROM "{table}"')).all()
            found[table] = [[str(value) for value in row] for row in rows]
    return json.dumps(found, ensure_ascii=False)


def database_files(h: Harness) -> dict[str, bytes]:
    """The SQLite file and its WAL, as bytes (nothing for PostgreSQL)."""
    if h.db.engine.dialect.name != "sqlite":
        return {}
    main = Path(str(h.db.engine.url.database))
    return {p.name: p.read_bytes() for p in (main, Path(f"{main}-wal")) if p.exists()}


def test_forget_me_leaves_nothing_of_the_person_in_any_table_or_file(any_harness: Harness) -> None:
    h = any_harness
    h.standin.add_user(TEAM, MENTEE, name="tomas", email=EMAIL)
    h.driver.command(f"pair <@{MENTOR}> <@{MENTEE}>", user=ADMIN)
    h.bot.deliver_due()  # the first-meeting forms
    h.driver.click(h.standin.messages(MENTEE)[-1], "Answer", user=MENTEE)
    answer_everything(h, h.standin.last("views.open").response["view"], "MK-FIRST-MEETING")
    h.driver.command("schedule", user=MENTOR, channel=channel_of(h))
    schedule = h.standin.last("views.open").response["view"]
    h.driver.submit(schedule, {"when": int(START.timestamp()), "recurrence": "once"}, user=MENTOR)
    # The check-in, a day before.
    h.clock.now = START - timedelta(hours=24)
    h.bot.deliver_due()
    checkin = next(m for m in reversed(h.standin.messages(MENTEE)) if "check-in" in m["text"])
    h.driver.click(checkin, "Answer", user=MENTEE)
    answer_everything(h, h.standin.last("views.open").response["view"], "MK-CHECKIN")
    # The diary, written and then rewritten (the first text is garbage in the file now).
    h.clock.now = START + timedelta(minutes=70)
    h.bot.deliver_due()
    h.driver.click(h.standin.messages(MENTEE)[-1], "Yes, it happened", user=MENTEE)
    answer_everything(h, h.standin.last("views.open").response["view"], "MK-DIARY-FIRST")
    h.driver.click(h.standin.messages(MENTEE)[-1], "Edit diary", user=MENTEE)
    answer_everything(h, h.standin.last("views.open").response["view"], "MK-DIARY-AGAIN")
    # An import that typed their address in a row that never resolved to them, and the
    # workspace's installation, made by them (several workspaces).
    with h.db.session() as session:
        session.add(
            ImportBatch(
                team_id=TEAM,
                created_by=ADMIN,
                created_at=h.clock.now,
                source=f"pairs-{EMAIL}.csv",
                rows=[
                    {
                        "row": 1,
                        "mentor": MENTOR,
                        "mentor_id": MENTOR,
                        "mentee": EMAIL.upper(),
                        "mentee_id": None,
                        "problem": "mentee: unknown email",
                    },
                    {"row": 2, "mentor": f"{EMAIL};x", "problem": f"malformed row: '{EMAIL};x'"},
                ],
                results={"1": "skipped"},
            )
        )
        installations = slack_oauth_metadata().tables[INSTALLATIONS_TABLE]
        session.execute(
            installations.insert().values(
                client_id="C1",
                app_id="A0MENTOR",
                team_id=TEAM,
                bot_token="xoxb-installed",
                user_id=MENTEE,
                user_token="xoxp-of-the-installer",
                is_enterprise_install=False,
                installed_at=datetime(2026, 3, 1),
            )
        )
    traces = (MENTEE, EMAIL, "MK-FIRST-MEETING", "MK-CHECKIN", "MK-DIARY-FIRST", "MK-DIARY-AGAIN")
    # What the search looks for is there to be found beforehand.
    stored = everything_stored(h)
    assert all(t.lower() in stored.lower() for t in traces if t != "MK-DIARY-FIRST")
    files = b"".join(database_files(h).values())
    if files:
        assert all(t.encode() in files for t in traces if "@" not in t)

    h.driver.command("forget-me", user=MENTEE)
    h.driver.submit(h.standin.last("views.open").response["view"], {}, user=MENTEE)

    stored = everything_stored(h).lower()
    left = [t for t in traces if t.lower() in stored]
    assert left == [], f"still in a table after forget-me: {left}"
    for name, content in database_files(h).items():
        left = [t for t in traces if t.encode() in content or t.upper().encode() in content]
        assert left == [], f"still in {name} after forget-me: {left}"
    assert "xoxp-of-the-installer" not in stored
    # The partner's own things are untouched.
    assert MENTOR.lower() in stored
