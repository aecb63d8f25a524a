"""`/mentor import` through Slack: the form, a dry-run preview with every row's reason, Confirm
import creating pairs exactly as `/mentor pair` does, once, and bad input refused clearly."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.ids import IMPORT_FILE_BLOCK, IMPORT_PASTE_BLOCK
from storage.agreements import current_version
from storage.models import Delivery, ImportBatch, Kind, Pair
from tests.conftest import ADMIN, BOT_TOKEN, MENTEE, MENTOR, STRANGER, TEAM, Harness

THIRD = "UTHIRD01"
FOURTH = "UFOURTH1"


@pytest.fixture
def people(harness: Harness) -> Harness:
    standin = harness.standin
    standin.add_user(TEAM, MENTOR, name="maria", email="maria@example.com")
    standin.add_user(TEAM, MENTEE, name="tomas", email="Tomas@Example.com")
    standin.add_user(TEAM, THIRD, name="thea", email="thea@example.com")
    standin.add_user(TEAM, FOURTH, name="finn")
    standin.add_user(TEAM, "UGONE001", name="gone", deleted=True, email="gone@example.com")
    return harness


def pairs(harness: Harness) -> list[Pair]:
    with harness.db.session() as session:
        return list(session.exec(select(Pair).order_by(Pair.id)).all())


def batches(harness: Harness) -> list[ImportBatch]:
    with harness.db.session() as session:
        return list(session.exec(select(ImportBatch)).all())


def open_form(harness: Harness, user: str = ADMIN) -> dict:
    harness.driver.command("import", user=user)
    return harness.standin.last("views.open").response["view"]


def submit(harness: Harness, values: dict, *, user: str = ADMIN) -> tuple[dict, dict]:
    """Submit the form; (the answer to the submission, the modal as it is afterwards)."""
    form = open_form(harness)
    answer = harness.driver.submit(form, values, user=user)
    current = harness.standin.view(form["id"])
    assert current is not None
    return answer.json() or {}, current


def preview_of(harness: Harness, csv: str) -> dict:
    answer, view = submit(harness, {IMPORT_PASTE_BLOCK: csv})
    assert answer["response_action"] == "update"  # "checking…" first, within Slack's 3 s
    return view


def text_of(view: dict) -> str:
    return "\n".join(b["text"]["text"] if "text" in b else json.dumps(b) for b in view["blocks"])


def line_of(view: dict, row: int) -> str:
    for line in text_of(view).splitlines():
        if line.startswith(f"*Row {row}*:"):
            return line
    raise AssertionError(f"no line for row {row} in {text_of(view)}")


def labels(view: dict) -> list[str]:
    return [
        e["text"]["text"] for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]


CSV = "\n".join(
    [
        "mentor,mentee,cadence,length,program",  # 1: header
        f"{MENTOR},{MENTEE}",  # 2
        "thea@example.com,tomas@example.com,weekly,45,Sales EMEA",  # 3
        f"{MENTOR},nobody@example.com",  # 4
        f"{THIRD},{THIRD}",  # 5
        f"UBOTUSER,{MENTEE}",  # 6
        f"{MENTOR},gone@example.com",  # 7
        f"{MENTEE},{MENTOR},monthly",  # 8
        f"{FOURTH},{MENTEE},daily",  # 9
        f"{FOURTH},{MENTEE},weekly,50",  # 10
        "maria,tomas",  # 11
        f"{FOURTH},{THIRD},,,<!channel> & co",  # 12
    ]
)


def test_only_admins_open_the_import_form(people: Harness) -> None:
    people.driver.command("import", user=MENTOR)
    assert "Only program admins can import" in people.standin.responses()[-1].body["text"]
    assert not people.standin.calls("views.open")


def test_the_form_offers_paste_and_file(people: Harness) -> None:
    form = open_form(people)
    inputs = {b["block_id"]: b["element"] for b in form["blocks"] if b["type"] == "input"}
    assert inputs[IMPORT_PASTE_BLOCK]["type"] == "plain_text_input"
    assert (
        inputs[IMPORT_PASTE_BLOCK]["multiline"] and inputs[IMPORT_PASTE_BLOCK]["max_length"] == 3000
    )
    assert inputs[IMPORT_FILE_BLOCK] == {
        "type": "file_input",
        "action_id": "value",
        "filetypes": ["csv", "txt"],
        "max_files": 1,
    }


def test_preview_lists_every_row_and_creates_nothing(people: Harness) -> None:
    h = people
    view = preview_of(h, CSV)
    assert "*3 of 11 rows will pair*" in text_of(view)
    assert "will pair" in line_of(view, 2) and f"<@{MENTOR}> → <@{MENTEE}>" in line_of(view, 2)
    assert "will pair" in line_of(view, 3) and "weekly · 45 min · Sales EMEA" in line_of(view, 3)
    expected = {
        4: "mentee: unknown email",
        5: "same person twice",
        6: "mentor is a bot",
        7: "mentee is deactivated",
        8: "duplicate of row 2",
        9: "cadence not allowed",
        10: "length not allowed",
        11: "malformed row",
    }
    for row, reason in expected.items():
        assert reason in line_of(view, row), line_of(view, row)
    # User text is shown, escaped: it pings nobody.
    assert "&lt;!channel&gt; &amp; co" in line_of(view, 12) and "<!channel>" not in text_of(view)
    assert labels(view) == ["Confirm import"]

    assert pairs(h) == []
    assert not h.standin.calls("conversations.open") and not h.standin.calls("chat.postMessage")
    looked_up = [c.args["email"] for c in h.standin.calls("users.lookupByEmail")]
    assert sorted(looked_up) == sorted(set(looked_up))  # each person once
    (batch,) = batches(h)
    assert batch.confirmed_at is None and len(batch.rows) == 11


def test_confirm_creates_each_pair_as_pair_does_and_reports_every_row(people: Harness) -> None:
    h = people
    view = preview_of(h, CSV)
    h.standin.clear()
    h.driver.click(view, "Confirm import", user=ADMIN)

    created = pairs(h)
    assert [(p.mentor_id, p.mentee_id, p.program, p.created_by) for p in created] == [
        (MENTOR, MENTEE, "main", ADMIN),
        (THIRD, MENTEE, "Sales EMEA", ADMIN),
        (FOURTH, THIRD, "<!channel> & co", ADMIN),
    ]
    assert len(h.standin.calls("conversations.open")) == 3
    for pair in created:
        welcome, agreement = h.standin.messages(pair.channel_id)
        assert "Welcome" in welcome["text"] and pair.agreement_message_ts == agreement["ts"]
    with h.db.session() as session:
        clauses = [
            dict(current_version(session=session, team_id=TEAM, pair_id=p.id).clauses)  # type: ignore[union-attr, arg-type]
            for p in created
        ]
        first_meetings = [
            d.recipient
            for d in session.exec(select(Delivery)).all()
            if d.kind == Kind.FIRST_MEETING
        ]
    # The CSV's cadence and length start the agreement; empty ones take the program's defaults.
    assert [(c["frequency"], c["session_length"]) for c in clauses] == [
        ("biweekly", "60"),
        ("weekly", "45"),
        ("biweekly", "60"),
    ]
    assert sorted(first_meetings) == sorted([MENTOR, MENTEE, THIRD, MENTEE, FOURTH, THIRD])

    report = h.standin.view(view["id"])
    assert report is not None
    assert "Created 3 pairs" in text_of(report) and "8 rows not created" in text_of(report)
    assert "paired" in line_of(report, 2) and "skipped: mentee: unknown email" in line_of(report, 4)
    assert labels(report) == []
    (batch,) = batches(h)
    assert batch.confirmed_by == ADMIN and batch.results == {
        "2": "paired",
        "3": "paired",
        "12": "paired",
    }


def test_a_batch_is_confirmed_once(people: Harness) -> None:
    h = people
    view = preview_of(h, f"{MENTOR},{MENTEE}")
    h.driver.click(view, "Confirm import", user=ADMIN)
    h.driver.click(view, "Confirm import", user=ADMIN)  # the old preview, clicked again
    assert len(pairs(h)) == 1
    assert "already confirmed" in h.standin.messages(ADMIN)[-1]["text"]
    assert "Created 1 pair" in text_of(h.standin.view(view["id"]) or {})


def test_re_importing_the_same_file_creates_nothing_twice(people: Harness) -> None:
    h = people
    h.driver.click(preview_of(h, CSV), "Confirm import", user=ADMIN)
    h.standin.clear()
    again = preview_of(h, CSV)
    assert "*0 of 11 rows will pair*" in text_of(again)
    for row in (2, 3, 12):
        assert "already paired" in line_of(again, row)
    assert labels(again) == []
    assert len(pairs(h)) == 3 and not h.standin.calls("conversations.open")


def test_a_pair_made_between_preview_and_confirm_is_reported_not_doubled(people: Harness) -> None:
    h = people
    view = preview_of(h, f"{MENTOR},{MENTEE}\n{THIRD},{FOURTH}")
    h.driver.command(f"pair <@{MENTOR}> <@{MENTEE}>", user=ADMIN)
    h.driver.click(view, "Confirm import", user=ADMIN)
    report = h.standin.view(view["id"]) or {}
    assert "not created: already paired" in line_of(report, 1)
    assert ":white_check_mark: paired" in line_of(report, 2)
    assert len(pairs(h)) == 2


def test_a_csv_file_is_downloaded_with_the_bot_token(people: Harness) -> None:
    h = people
    upload = h.standin.add_user_file(
        TEAM, ADMIN, name="cohort.csv", content=f"\ufeff{MENTOR},{MENTEE},weekly,30\r\n".encode()
    )
    answer, view = submit(h, {IMPORT_FILE_BLOCK: [upload]})
    assert answer["response_action"] == "update"
    assert "*1 of 1 row will pair* (from “cohort.csv”)" in text_of(view)
    (download,) = h.standin.downloads()
    assert download["token"] == BOT_TOKEN and download["allowed"]
    h.driver.click(view, "Confirm import", user=ADMIN)
    assert [(p.mentor_id, p.mentee_id) for p in pairs(h)] == [(MENTOR, MENTEE)]


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"url_private_download": "https://evil.example.com/cohort.csv"}, "no Slack download"),
        ({"url_private_download": None, "url_private": None}, "no Slack download"),
        ({"size": 10_000_000}, "larger than 64 KB"),
    ],
    ids=["foreign-host", "no-link", "too-big"],
)
def test_a_file_that_cant_be_fetched_is_explained_in_the_modal(
    people: Harness, change: dict, fragment: str
) -> None:
    h = people
    upload = h.standin.add_user_file(
        TEAM, ADMIN, name="c.csv", content=f"{MENTOR},{MENTEE}".encode()
    )
    _, view = submit(h, {IMPORT_FILE_BLOCK: [{**upload, **change}]})
    assert fragment in text_of(view)
    assert h.standin.downloads() == [] and batches(h) == [] and pairs(h) == []


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"\xff\xfe\x00U\x00M", "couldn't read that file as text"),
        (b"mentor,mentee\n", "found no rows"),
    ],
)
def test_a_file_that_isnt_usable_csv_is_explained(
    people: Harness, content: bytes, fragment: str
) -> None:
    h = people
    upload = h.standin.add_user_file(TEAM, ADMIN, name="c.csv", content=content)
    _, view = submit(h, {IMPORT_FILE_BLOCK: [upload]})
    assert fragment in text_of(view) and batches(h) == []


def test_another_workspaces_token_gets_slacks_sign_in_page(people: Harness) -> None:
    h = people
    upload = h.standin.add_user_file("T0001", ADMIN, name="c.csv", content=b"U1AB,U2AB")
    h.standin.add_workspace("T0002", bot_token="xoxb-other", bot_user_id="UBOT0002")
    import urllib.request

    fetch = urllib.request.Request(
        upload["url_private_download"], headers={"Authorization": "Bearer xoxb-other"}
    )
    with urllib.request.urlopen(fetch) as response:
        assert response.headers.get_content_type() == "text/html"
    assert h.standin.downloads()[-1]["allowed"] is False


BAD_FORMS = [
    pytest.param({}, IMPORT_PASTE_BLOCK, "Paste the CSV here", id="empty"),
    pytest.param(
        {IMPORT_PASTE_BLOCK: "  \n "}, IMPORT_PASTE_BLOCK, "Paste the CSV here", id="blank"
    ),
    pytest.param(
        {IMPORT_PASTE_BLOCK: "mentor,mentee"}, IMPORT_PASTE_BLOCK, "no rows", id="header-only"
    ),
    pytest.param(
        {IMPORT_PASTE_BLOCK: f'{MENTOR},"{MENTEE}'}, IMPORT_PASTE_BLOCK, "line 1", id="open-quote"
    ),
    pytest.param(
        {IMPORT_PASTE_BLOCK: "".join(f"U{n:08d},{MENTEE}\n" for n in range(201))},
        IMPORT_PASTE_BLOCK,
        "at most 200",
        id="too-many",
    ),
]


@pytest.mark.parametrize(("values", "block", "fragment"), BAD_FORMS)
def test_bad_forms_are_refused_under_the_field(
    people: Harness, values: dict, block: str, fragment: str
) -> None:
    h = people
    answer, view = submit(h, values)
    assert answer["response_action"] == "errors"
    assert fragment in answer["errors"][block]
    assert view["callback_id"] == "import"  # the form stays open to fix
    assert batches(h) == [] and not h.standin.calls("users.lookupByEmail")


def test_text_and_a_file_together_are_refused(people: Harness) -> None:
    h = people
    upload = h.standin.add_user_file(TEAM, ADMIN, name="c.csv", content=b"x")
    answer, _ = submit(h, {IMPORT_PASTE_BLOCK: f"{MENTOR},{MENTEE}", IMPORT_FILE_BLOCK: [upload]})
    assert "not both" in answer["errors"][IMPORT_PASTE_BLOCK]
    assert h.standin.downloads() == []


def test_a_forged_submission_by_a_non_admin_is_refused(people: Harness) -> None:
    h = people
    form = open_form(h)
    answer = h.driver.submit(form, {IMPORT_PASTE_BLOCK: f"{MENTOR},{MENTEE}"}, user=MENTOR)
    assert "Only program admins" in answer.json()["errors"][IMPORT_PASTE_BLOCK]
    assert batches(h) == []


@pytest.mark.parametrize("value", ["999999", "abc", ""])
def test_a_forged_confirm_button_creates_nothing(people: Harness, value: str) -> None:
    h = people
    h.driver.click_action("import_confirm", value=value, user=ADMIN)
    assert pairs(h) == [] and not h.standin.calls("conversations.open")
    reply = h.standin.responses()[-1].body["text"]
    assert reply.startswith(("I can't find that import", "That button doesn't belong"))


def test_a_non_admin_cannot_confirm_a_real_batch(people: Harness) -> None:
    h = people
    view = preview_of(h, f"{MENTOR},{MENTEE}")
    h.driver.click(view, "Confirm import", user=STRANGER)
    assert pairs(h) == [] and "Only program admins" in h.standin.messages(STRANGER)[-1]["text"]
    assert batches(h)[0].confirmed_at is None


def test_a_stale_preview_cannot_be_confirmed(people: Harness) -> None:
    h = people
    view = preview_of(h, f"{MENTOR},{MENTEE}")
    h.clock.advance(days=2)
    h.driver.click(view, "Confirm import", user=ADMIN)
    assert pairs(h) == [] and "more than a day old" in h.standin.messages(ADMIN)[-1]["text"]


def test_a_refused_conversation_is_reported_and_the_rest_goes_on(people: Harness) -> None:
    h = people
    view = preview_of(h, f"{MENTOR},{MENTEE}\n{THIRD},{FOURTH}")
    h.standin.fail_next("conversations.open", error="user_disabled")
    h.driver.click(view, "Confirm import", user=ADMIN)
    report = h.standin.view(view["id"]) or {}
    assert "couldn't open their conversation" in line_of(report, 1)
    assert ":white_check_mark: paired" in line_of(report, 2)
    assert [(p.mentor_id, p.mentee_id) for p in pairs(h)] == [(THIRD, FOURTH)]


def test_a_closed_modal_gets_the_report_by_dm(people: Harness) -> None:
    h = people
    view = preview_of(h, f"{MENTOR},{MENTEE}")
    h.standin.fail_next("views.update", error="not_found", times=2)
    h.driver.click(view, "Confirm import", user=ADMIN)
    assert len(pairs(h)) == 1
    assert "Created 1 pair" in h.standin.messages(ADMIN)[-1]["text"]


def test_help_lists_import_for_admins(harness: Harness) -> None:
    harness.driver.command("help", user=STRANGER)
    assert "/mentor import" in str(harness.standin.responses()[-1].body["blocks"])


def test_an_old_batch_is_still_listed_after_time_passes(people: Harness) -> None:
    """A preview older than a day stays stored (for the record) but can't be confirmed."""
    h = people
    preview_of(h, f"{MENTOR},{MENTEE}")
    h.clock.advance(days=3)
    assert len(batches(h)) == 1 and batches(h)[0].created_at < h.clock.now - timedelta(days=2)


def test_slack_failing_while_checking_is_explained_and_stores_nothing(people: Harness) -> None:
    h = people
    h.standin.fail_next("users.lookupByEmail", error="fatal_error")
    _, view = submit(h, {IMPORT_PASTE_BLOCK: "maria@example.com,tomas@example.com"})
    assert "Slack didn't answer" in text_of(view) and labels(view) == []
    assert batches(h) == [] and pairs(h) == []


def test_a_preview_whose_modal_closed_goes_to_the_admins_dm_and_works_there(
    people: Harness,
) -> None:
    h = people
    h.standin.fail_next("views.update", error="not_found")
    submit(h, {IMPORT_PASTE_BLOCK: f"{MENTOR},{MENTEE}"})
    preview = h.standin.messages(ADMIN)[-1]
    assert "*1 of 1 row will pair*" in preview["text"] and labels(preview) == ["Confirm import"]
    h.driver.click(preview, "Confirm import", user=ADMIN)
    assert len(pairs(h)) == 1
    # The DM's preview becomes the report.
    assert "Created 1 pair" in h.standin.messages(ADMIN)[-1]["text"]
    assert len([m for m in h.standin.messages(ADMIN) if "will pair" in m["text"]]) == 0
