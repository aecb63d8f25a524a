"""Reading `/mentor pair` requests, checking people, and choosing which pair a command is about."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot import pairing
from bot.errors import UserError
from bot.pairing import PairRequest, parse_pair_request
from storage.models import Pair, PairStatus


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<@U111|maria> <@U222|tomas>", PairRequest("U111", "U222")),
        ("<@U111>   <@W222>", PairRequest("U111", "W222")),
        ("  <@U111|Maria Lopez>\t<@U222|t>  ", PairRequest("U111", "U222")),
    ],
)
def test_two_mentions_make_a_request_mentor_first(text: str, expected: PairRequest) -> None:
    assert parse_pair_request(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "@maria @tomas",
        "<@U111|maria>",
        "<@U111|maria> <@U222|tomas> <@U333|x>",
        "<@U111|maria> and <@U222|tomas>",
        "<#C123|general> <@U222|tomas>",
        "<@u111> <@U222>",
        "<!channel> <@U222>",
    ],
)
def test_anything_but_two_mentions_is_refused_with_usage(text: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_pair_request(text)
    assert "/mentor pair @mentor @mentee" in caught.value.message


def test_the_same_person_twice_is_refused() -> None:
    with pytest.raises(UserError, match="two different people"):
        parse_pair_request("<@U111|a> <@U111|a>")


@pytest.mark.parametrize(
    ("user_id", "profile", "fragment"),
    [
        ("U1", None, "couldn't find"),
        ("U1", {"is_bot": True}, "is a bot"),
        ("U1", {"is_app_user": True}, "is a bot"),
        ("USLACKBOT", {"is_bot": False}, "is a bot"),
        ("U1", {"deleted": True}, "deactivated"),
    ],
)
def test_people_who_cannot_be_paired(user_id: str, profile: dict | None, fragment: str) -> None:
    with pytest.raises(UserError, match=fragment):
        pairing.check_person(user_id, profile)


def test_a_real_active_person_passes() -> None:
    pairing.check_person("U1", {"is_bot": False, "deleted": False})


def _pair(pair_id: int, mentor: str, mentee: str, channel: str) -> Pair:
    return Pair(
        id=pair_id,
        team_id="T1",
        mentor_id=mentor,
        mentee_id=mentee,
        channel_id=channel,
        status=PairStatus.ACTIVE,
        created_by="UADMIN",
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


PAIRS = [_pair(1, "UME", "UA", "G1"), _pair(2, "UB", "UME", "G2")]


def test_choose_pair_by_mention_channel_or_the_only_one() -> None:
    choose = pairing.choose_pair
    assert choose(PAIRS, user_id="UME", channel_id="C9", text="<@UB|b>", subcommand="x").id == 2
    assert choose(PAIRS, user_id="UME", channel_id="G1", text="", subcommand="x").id == 1
    assert choose(PAIRS[:1], user_id="UME", channel_id="C9", text="", subcommand="x").id == 1


def test_choose_pair_explains_what_is_missing() -> None:
    with pytest.raises(UserError, match="aren't in a mentoring pair"):
        pairing.choose_pair([], user_id="UME", channel_id=None, text="", subcommand="x")
    with pytest.raises(UserError, match="several pairs"):
        pairing.choose_pair(PAIRS, user_id="UME", channel_id="C9", text="", subcommand="agreement")
    with pytest.raises(UserError, match="aren't in a pair with <@UZ>"):
        pairing.choose_pair(PAIRS, user_id="UME", channel_id=None, text="<@UZ>", subcommand="x")
