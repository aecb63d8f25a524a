"""Settings: defaults, every setting read, and one clear list of problems for bad ones."""

from __future__ import annotations

import pytest

from bot.settings import (
    Cadence,
    SettingsError,
    load_sandbox_settings,
    load_settings,
    read_environment,
    slack_settings_given,
)

REQUIRED = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s3cret"}


def test_defaults_when_only_the_required_settings_are_given() -> None:
    settings = load_settings(REQUIRED)
    assert settings.slack_app_token is None and not settings.socket_mode
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.database_url == "sqlite:///mentorbot.db"
    assert settings.port == 3000
    assert settings.admins == frozenset()
    assert settings.program.default_cadence is Cadence.BIWEEKLY
    assert settings.program.lengths == (30, 45, 60, 90)
    assert settings.program.prep_lead_hours == 24


def test_every_setting_is_read() -> None:
    settings = load_settings(
        {
            **REQUIRED,
            "SLACK_APP_TOKEN": "xapp-1",
            "SLACK_API_URL": "http://127.0.0.1:9999/api",
            "DATABASE_URL": "postgresql+psycopg://u@h/db",
            "PORT": "8080",
            "MENTORBOT_ADMINS": "U01ABC, W02DEF",
            "MENTORBOT_CADENCES": "weekly,monthly",
            "MENTORBOT_DEFAULT_CADENCE": "monthly",
            "MENTORBOT_LENGTHS": "45,30",
            "MENTORBOT_DEFAULT_LENGTH": "45",
            "MENTORBOT_PREP_LEAD_HOURS": "12",
        }
    )
    assert settings.socket_mode
    assert settings.slack_api_url == "http://127.0.0.1:9999/api/"
    assert settings.port == 8080
    assert settings.admins == {"U01ABC", "W02DEF"}
    assert settings.is_admin("U01ABC") and not settings.is_admin("U0OTHER")
    assert settings.program.cadences == (Cadence.WEEKLY, Cadence.MONTHLY)
    assert settings.program.lengths == (30, 45)
    assert settings.program.default_length == 45
    assert settings.program.prep_lead_hours == 12


def test_missing_settings_name_what_is_missing_and_where_to_get_it() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({})
    problems = caught.value.problems
    assert len(problems) == 2
    assert (
        problems[0].startswith("SLACK_BOT_TOKEN is missing")
        and "OAuth & Permissions" in problems[0]
    )
    assert (
        problems[1].startswith("SLACK_SIGNING_SECRET is missing")
        and "Basic Information" in problems[1]
    )


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("SLACK_BOT_TOKEN", "xoxp-user-token", "SLACK_BOT_TOKEN should start with 'xoxb-'"),
        ("SLACK_APP_TOKEN", "xoxb-wrong", "SLACK_APP_TOKEN should start with 'xapp-'"),
        ("SLACK_API_URL", "slack.com", "SLACK_API_URL must be an http(s) URL"),
        ("PORT", "eighty", "PORT must be a whole number, got 'eighty'"),
        ("PORT", "70000", "PORT must be from 1 to 65535, got 70000"),
        ("MENTORBOT_ADMINS", "alice", "MENTORBOT_ADMINS: 'alice' is not a Slack user ID"),
        ("MENTORBOT_DEFAULT_CADENCE", "daily", "MENTORBOT_DEFAULT_CADENCE must be one of weekly"),
        ("MENTORBOT_LENGTHS", "60,ninety", "MENTORBOT_LENGTHS: 'ninety' is not a length"),
        (
            "MENTORBOT_DEFAULT_LENGTH",
            "50",
            "MENTORBOT_DEFAULT_LENGTH 50 is not in MENTORBOT_LENGTHS",
        ),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL must be one of"),
    ],
)
def test_malformed_settings_are_named(name: str, value: str, expected: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({**REQUIRED, name: value})
    assert any(p.startswith(expected) for p in caught.value.problems), caught.value.problems


def test_all_problems_are_reported_together() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({"PORT": "x", "MENTORBOT_ADMINS": "bob"})
    assert len(caught.value.problems) == 4


def test_dotenv_file_fills_in_what_the_environment_lacks(tmp_path, monkeypatch) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("SLACK_BOT_TOKEN=xoxb-from-file\nPORT=4000\n")
    monkeypatch.setenv("PORT", "5000")
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    env = read_environment(dotenv)
    assert env["SLACK_BOT_TOKEN"] == "xoxb-from-file"
    assert env["PORT"] == "5000"


SANDBOX_OWN = {
    "bot_token": "xoxb-sandbox-1",
    "signing_secret": "sandbox-secret",
    "api_url": "http://127.0.0.1:5555/api/",
    "database_url": "sqlite:////tmp/sandbox/mentorbot.db",
    "admins": frozenset({"U0ADA00001"}),
}


def test_the_sandbox_uses_its_own_slack_database_and_admin_and_the_rest_from_the_environment() -> (
    None
):
    env = {
        "DATABASE_URL": "postgresql+psycopg://prod/mentorbot",
        "SLACK_API_URL": "https://slack.com/api/",
        "MENTORBOT_ADMINS": "U0SOMEONE",
        "PORT": "4000",
        "MENTORBOT_DEFAULT_LENGTH": "45",
    }
    settings = load_sandbox_settings(env, **SANDBOX_OWN)
    assert settings.slack_bot_token == "xoxb-sandbox-1"
    assert settings.slack_api_url == "http://127.0.0.1:5555/api/"
    assert settings.database_url == "sqlite:////tmp/sandbox/mentorbot.db"
    assert settings.admins == frozenset({"U0ADA00001"})
    assert (settings.port, settings.program.default_length) == (4000, 45)
    assert settings.log_level == "WARNING" and settings.dispatch_interval_seconds == 2
    assert load_sandbox_settings({"LOG_LEVEL": "debug"}, **SANDBOX_OWN).log_level == "DEBUG"


@pytest.mark.parametrize(
    "name",
    [
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
        "SLACK_CLIENT_ID",
        "SLACK_CLIENT_SECRET",
        "SLACK_STATE_SECRET",
    ],
)
def test_the_sandbox_refuses_the_settings_of_a_real_workspace(name: str) -> None:
    assert slack_settings_given({name: "x", "PORT": "3000"}) == [name]
    with pytest.raises(SettingsError) as raised:
        load_sandbox_settings({name: "x"}, **SANDBOX_OWN)
    (problem,) = raised.value.problems
    assert problem.startswith(f"{name} is set, so this is a real Slack workspace")
    assert "the sandbox never talks to Slack" in problem and "python app.py run" in problem


def test_empty_slack_settings_are_no_settings() -> None:
    assert slack_settings_given({"SLACK_BOT_TOKEN": "  ", "SLACK_APP_TOKEN": ""}) == []
    assert load_sandbox_settings({"SLACK_BOT_TOKEN": ""}, **SANDBOX_OWN).slack_bot_token


def test_the_sandboxs_other_settings_are_checked_like_the_bots() -> None:
    with pytest.raises(SettingsError) as raised:
        load_sandbox_settings({"PORT": "nope"}, **SANDBOX_OWN)
    assert raised.value.problems == ("PORT must be a whole number, got 'nope'",)
