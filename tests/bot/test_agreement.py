"""The agreement: clauses, signing by each partner, and a new version for every change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot import agreement, pairing
from bot.errors import FieldErrors, UserError
from bot.pairing import PairRequest
from bot.settings import Settings
from storage.db import Database
from tests.conftest import base_settings

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SETTINGS: Settings = base_settings()
PROGRAM = SETTINGS.program


def _new_pair(db: Database, team: str = "T1") -> int:
    state = pairing.create_pair(
        db,
        SETTINGS,
        team_id=team,
        request=PairRequest("UMENTOR", "UMENTEE"),
        channel_id="G1",
        created_by="UADMIN",
        now=NOW,
    )
    return state.pair.id


def _sign(db: Database, pair_id: int, user: str, version: int = 1, team: str = "T1", at=NOW):
    return agreement.sign_agreement(
        db, team_id=team, pair_id=pair_id, version=version, user_id=user, program=PROGRAM, now=at
    )


def _edit(db: Database, pair_id: int, user: str, seen: int, **values: str):
    current = agreement.load_agreement(db, team_id="T1", pair_id=pair_id, program=PROGRAM)
    return agreement.edit_agreement(
        db,
        team_id="T1",
        pair_id=pair_id,
        seen_version=seen,
        user_id=user,
        submitted={**current.values, **values},
        program=PROGRAM,
        now=NOW + timedelta(hours=1),
    )


def test_every_clause_of_the_brief_is_there() -> None:
    fields = {f.key for f in agreement.all_fields(PROGRAM)}
    assert fields == {
        "success_mentor",
        "success_mentee",
        "frequency",
        "session_length",
        "invite_owner",
        "recurring_slot",
        "contact_channel",
        "response_time",
        "reschedule_notice",
        "rescheduler",
        "topics_in_scope",
        "topics_out_of_scope",
        "availability",
        "confidentiality",
        "conflict",
        "agenda_owner",
        "agenda_shared",
        "revisit_every",
    }


def test_a_new_agreement_starts_from_the_program_defaults(any_db: Database) -> None:
    pair_id = _new_pair(any_db)
    state = agreement.load_agreement(any_db, team_id="T1", pair_id=pair_id, program=PROGRAM)
    assert state.version == 1
    assert state.values == {"frequency": "biweekly", "session_length": "60", "revisit_every": "4"}
    assert state.filled_count == 3 and not state.signatures and not state.fully_signed


def test_each_partner_signs_for_themselves_and_both_make_it_signed(any_db: Database) -> None:
    pair_id = _new_pair(any_db)
    first = _sign(any_db, pair_id, "UMENTEE")
    assert first.newly_signed and not first.state.fully_signed
    second = _sign(any_db, pair_id, "UMENTOR", at=NOW + timedelta(minutes=5))
    assert second.state.fully_signed
    record = second.state.signature_of("UMENTOR")
    assert (record.user_id, record.version, record.signed_at) == (
        "UMENTOR",
        1,
        NOW + timedelta(minutes=5),
    )


def test_a_second_click_records_no_second_signature(any_db: Database) -> None:
    pair_id = _new_pair(any_db)
    _sign(any_db, pair_id, "UMENTOR")
    again = _sign(any_db, pair_id, "UMENTOR", at=NOW + timedelta(seconds=1))
    assert not again.newly_signed
    assert [s.user_id for s in again.state.signatures] == ["UMENTOR"]
    assert again.state.signatures[0].signed_at == NOW


@pytest.mark.parametrize("user", ["USTRANGER", "UADMIN"])
def test_nobody_else_can_sign(any_db: Database, user: str) -> None:
    pair_id = _new_pair(any_db)
    with pytest.raises(UserError, match="Only <@UMENTOR> and <@UMENTEE> can sign"):
        _sign(any_db, pair_id, user)
    state = agreement.load_agreement(any_db, team_id="T1", pair_id=pair_id, program=PROGRAM)
    assert state.signatures == ()


def test_a_pair_of_another_workspace_cannot_be_signed(any_db: Database) -> None:
    pair_id = _new_pair(any_db, team="T1")
    with pytest.raises(UserError):
        _sign(any_db, pair_id, "UMENTOR", team="T2")


def test_signing_an_outdated_version_is_refused(any_db: Database) -> None:
    pair_id = _new_pair(any_db)
    _edit(any_db, pair_id, "UMENTOR", 1, conflict="We talk it through")
    with pytest.raises(UserError, match=r"version 1 .*now version 2"):
        _sign(any_db, pair_id, "UMENTEE", version=1)


def test_changing_a_signed_agreement_makes_a_version_without_signatures(any_db: Database) -> None:
    pair_id = _new_pair(any_db)
    _sign(any_db, pair_id, "UMENTOR")
    outcome = _edit(any_db, pair_id, "UMENTEE", 1, topics_in_scope="Leading a team")
    assert outcome.changed and outcome.signatures_cleared
    assert outcome.state.version == 2 and outcome.state.signatures == ()
    assert outcome.state.values["topics_in_scope"] == "Leading a team"
    # The old signature stays on record with the version it was given for.
    old = agreement.store.signatures
    with any_db.session() as session:
        assert [
            s.user_id for s in old(session=session, team_id="T1", pair_id=pair_id, version=1)
        ] == ["UMENTOR"]


def test_an_unchanged_submission_changes_nothing(any_db: Database) -> None:
    pair_id = _new_pair(any_db)
    _sign(any_db, pair_id, "UMENTOR")
    outcome = _edit(any_db, pair_id, "UMENTEE", 1)
    assert not outcome.changed and outcome.state.version == 1 and len(outcome.state.signatures) == 1


def test_an_edit_from_an_old_version_is_refused_not_merged(any_db: Database) -> None:
    pair_id = _new_pair(any_db)
    _edit(any_db, pair_id, "UMENTOR", 1, conflict="Say it early")
    with pytest.raises(FieldErrors) as caught:
        _edit(any_db, pair_id, "UMENTEE", 1, conflict="Ignore it")
    assert "now version 2" in next(iter(caught.value.errors.values()))


@pytest.mark.parametrize(
    ("values", "field", "fragment"),
    [
        ({"frequency": "daily"}, "frequency", "Choose one of the options"),
        ({"session_length": "75"}, "session_length", "Choose one of the options"),
        ({"frequency": ""}, "frequency", "can't be left empty"),
        ({"conflict": "x" * 501}, "conflict", "500 characters or fewer (it is 501)"),
        ({"agenda_owner": "<!channel>"}, "agenda_owner", "Choose one of the options"),
    ],
)
def test_invalid_values_are_errors_under_their_field_and_nothing_is_stored(
    any_db: Database, values: dict, field: str, fragment: str
) -> None:
    pair_id = _new_pair(any_db)
    with pytest.raises(FieldErrors) as caught:
        _edit(any_db, pair_id, "UMENTOR", 1, **values)
    assert fragment in caught.value.errors[field]
    state = agreement.load_agreement(any_db, team_id="T1", pair_id=pair_id, program=PROGRAM)
    assert state.version == 1 and "conflict" not in state.values


def test_only_partners_edit(any_db: Database) -> None:
    pair_id = _new_pair(any_db)
    with pytest.raises(UserError, match="can change their agreement"):
        _edit(any_db, pair_id, "USTRANGER", 1, conflict="x")
