"""Mentorbot's settings: read once from the environment (or `.env`), typed and validated."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

SLACK_APPS_PAGE = "https://api.slack.com/apps"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite:///mentorbot.db"


class Cadence(StrEnum):
    """How often a pair meets."""

    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"

    @property
    def label(self) -> str:
        return {"weekly": "Weekly", "biweekly": "Every two weeks", "monthly": "Monthly"}[self.value]


SESSION_LENGTHS = (30, 45, 60, 90)


@dataclass(frozen=True)
class ProgramSettings:
    """The program's defaults and bounds; a pair may adapt within them."""

    default_cadence: Cadence = Cadence.BIWEEKLY
    cadences: tuple[Cadence, ...] = (Cadence.WEEKLY, Cadence.BIWEEKLY, Cadence.MONTHLY)
    default_length: int = 60
    lengths: tuple[int, ...] = SESSION_LENGTHS
    prep_lead_hours: int = 24
    after_session_minutes: int = 10
    diary_reminder_hours: int = 24
    diary_useful_hours: int = 48
    expectations_every: int = 4


@dataclass(frozen=True)
class Settings:
    """Everything Mentorbot reads from its environment."""

    slack_bot_token: str
    slack_signing_secret: str
    slack_app_token: str | None = None
    slack_api_url: str = DEFAULT_SLACK_API_URL
    database_url: str = DEFAULT_DATABASE_URL
    port: int = 3000
    admins: frozenset[str] = frozenset()
    program: ProgramSettings = field(default_factory=ProgramSettings)
    dispatch_interval_seconds: int = 30
    # How old an unrecorded claim must be before another pass may take it over (it was left
    # by a pass that died), and how many posts a minute the dispatcher makes to one workspace.
    claim_lease_seconds: int = 300
    posts_per_minute: int = 300
    curriculum_file: Path | None = None
    log_level: str = "INFO"
    # Upgrade the database schema on start; when False, refuse to start unless it is current.
    auto_migrate: bool = True
    # Multi-workspace install (OAuth): all three or none. With them, SLACK_BOT_TOKEN is unused:
    # each workspace's bot token comes from the installation store.
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    slack_state_secret: str | None = None

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    @property
    def oauth_install(self) -> bool:
        """Whether the app serves Slack's OAuth install flow (several workspaces)."""
        return self.slack_client_id is not None

    def is_admin(self, user_id: str) -> bool:
        return user_id in self.admins


class SettingsError(Exception):
    """Settings are missing or malformed; `problems` says what and where to get each."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(self.problems))


_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0")
OAUTH_SETTINGS = ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_STATE_SECRET")
MIN_STATE_SECRET_LENGTH = 16


class _Reader:
    """Collects every problem instead of stopping at the first, so one run shows them all."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.problems: list[str] = []

    def text(self, name: str) -> str | None:
        value = self.env.get(name, "").strip()
        return value or None

    def required(self, name: str, *, prefix: str | None, where: str) -> str:
        value = self.text(name)
        if value is None:
            self.problems.append(f"{name} is missing: {where}")
            return ""
        if prefix and not value.startswith(prefix):
            self.problems.append(f"{name} should start with '{prefix}': {where}")
        return value

    def integer(self, name: str, default: int, *, low: int, high: int) -> int:
        raw = self.text(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            self.problems.append(f"{name} must be a whole number, got {raw!r}")
            return default
        if not low <= value <= high:
            self.problems.append(f"{name} must be from {low} to {high}, got {value}")
            return default
        return value

    def boolean(self, name: str, default: bool) -> bool:
        raw = self.text(name)
        if raw is None:
            return default
        if raw.lower() in _TRUE:
            return True
        if raw.lower() in _FALSE:
            return False
        self.problems.append(f"{name} must be true or false, got {raw!r}")
        return default

    def cadence(self, name: str, default: Cadence) -> Cadence:
        raw = self.text(name)
        if raw is None:
            return default
        try:
            return Cadence(raw.lower())
        except ValueError:
            self.problems.append(f"{name} must be one of {_cadence_names()}, got {raw!r}")
            return default

    def cadences(self, name: str) -> tuple[Cadence, ...]:
        raw = self.text(name)
        if raw is None:
            return tuple(Cadence)
        found: list[Cadence] = []
        for part in _split(raw):
            try:
                found.append(Cadence(part.lower()))
            except ValueError:
                self.problems.append(f"{name}: {part!r} is not one of {_cadence_names()}")
        return tuple(c for c in Cadence if c in found) or tuple(Cadence)

    def lengths(self, name: str) -> tuple[int, ...]:
        raw = self.text(name)
        if raw is None:
            return SESSION_LENGTHS
        found: set[int] = set()
        for part in _split(raw):
            if part.isdigit() and 15 <= int(part) <= 240:
                found.add(int(part))
            else:
                self.problems.append(f"{name}: {part!r} is not a length in minutes (15-240)")
        return tuple(sorted(found)) or SESSION_LENGTHS


def _split(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]


def _cadence_names() -> str:
    return ", ".join(c.value for c in Cadence)


def load_settings(env: Mapping[str, str]) -> Settings:
    """Build Settings from an environment mapping; raise SettingsError listing every problem."""
    read = _Reader(env)
    app_page = f"your app's page at {SLACK_APPS_PAGE}"
    client_id, client_secret, state_secret = _oauth_settings(read, app_page)
    if client_id is None:
        token = read.required(
            "SLACK_BOT_TOKEN",
            prefix="xoxb-",
            where=f"the Bot User OAuth Token under OAuth & Permissions on {app_page}",
        )
    else:
        token = read.text("SLACK_BOT_TOKEN") or ""  # each workspace's token comes from its install
    secret = read.required(
        "SLACK_SIGNING_SECRET",
        prefix=None,
        where=f"the Signing Secret under Basic Information on {app_page}",
    )
    app_token = read.text("SLACK_APP_TOKEN")
    if app_token is not None and not app_token.startswith("xapp-"):
        read.problems.append(
            "SLACK_APP_TOKEN should start with 'xapp-': create an app-level token with the "
            f"connections:write scope under Basic Information on {app_page}, "
            "or leave it unset to run in HTTP mode"
        )
    if app_token is not None and client_id is not None:
        read.problems.append(
            "SLACK_APP_TOKEN: installing in several workspaces (SLACK_CLIENT_ID, "
            "SLACK_CLIENT_SECRET, SLACK_STATE_SECRET) needs HTTP mode, where Slack's install "
            "pages reach /slack/install and /slack/oauth_redirect; leave SLACK_APP_TOKEN unset"
        )
    api_url = read.text("SLACK_API_URL") or DEFAULT_SLACK_API_URL
    if not re.match(r"^https?://[^/\s]+", api_url):
        read.problems.append(f"SLACK_API_URL must be an http(s) URL, got {api_url!r}")
    if not api_url.endswith("/"):
        api_url += "/"

    admins = frozenset(_split(read.text("MENTORBOT_ADMINS") or ""))
    for admin in sorted(admins):
        if not _USER_ID.match(admin):
            read.problems.append(
                f"MENTORBOT_ADMINS: {admin!r} is not a Slack user ID (like U012AB3CD); "
                "find it in a person's Slack profile under ⋮ > Copy member ID"
            )

    cadences = read.cadences("MENTORBOT_CADENCES")
    lengths = read.lengths("MENTORBOT_LENGTHS")
    default_cadence = read.cadence("MENTORBOT_DEFAULT_CADENCE", Cadence.BIWEEKLY)
    default_length = read.integer("MENTORBOT_DEFAULT_LENGTH", 60, low=15, high=240)
    if default_cadence not in cadences:
        read.problems.append(
            f"MENTORBOT_DEFAULT_CADENCE {default_cadence.value!r} is not in MENTORBOT_CADENCES"
        )
    if default_length not in lengths:
        read.problems.append(
            f"MENTORBOT_DEFAULT_LENGTH {default_length} is not in MENTORBOT_LENGTHS "
            f"({', '.join(map(str, lengths))})"
        )
    program = ProgramSettings(
        default_cadence=default_cadence,
        cadences=cadences,
        default_length=default_length,
        lengths=lengths,
        prep_lead_hours=read.integer("MENTORBOT_PREP_LEAD_HOURS", 24, low=1, high=168),
        after_session_minutes=read.integer(
            "MENTORBOT_AFTER_SESSION_MINUTES", 10, low=0, high=24 * 60
        ),
        diary_reminder_hours=read.integer("MENTORBOT_DIARY_REMINDER_HOURS", 24, low=1, high=168),
        diary_useful_hours=read.integer("MENTORBOT_DIARY_USEFUL_HOURS", 48, low=1, high=336),
        expectations_every=read.integer("MENTORBOT_EXPECTATIONS_EVERY", 4, low=1, high=52),
    )

    curriculum = read.text("CURRICULUM_FILE")
    log_level = (read.text("LOG_LEVEL") or "INFO").upper()
    if log_level not in _LOG_LEVELS:
        read.problems.append(f"LOG_LEVEL must be one of {', '.join(_LOG_LEVELS)}")

    settings = Settings(
        slack_bot_token=token,
        slack_signing_secret=secret,
        slack_app_token=app_token,
        slack_api_url=api_url,
        database_url=read.text("DATABASE_URL") or DEFAULT_DATABASE_URL,
        port=read.integer("PORT", 3000, low=1, high=65535),
        admins=admins,
        program=program,
        dispatch_interval_seconds=read.integer(
            "MENTORBOT_DISPATCH_INTERVAL_SECONDS", 30, low=1, high=3600
        ),
        claim_lease_seconds=read.integer(
            "MENTORBOT_CLAIM_LEASE_SECONDS", 300, low=1, high=24 * 3600
        ),
        posts_per_minute=read.integer("MENTORBOT_POSTS_PER_MINUTE", 300, low=0, high=1_000_000),
        curriculum_file=Path(curriculum) if curriculum else None,
        log_level=log_level,
        auto_migrate=read.boolean("MENTORBOT_AUTO_MIGRATE", True),
        slack_client_id=client_id,
        slack_client_secret=client_secret,
        slack_state_secret=state_secret,
    )
    if read.problems:
        raise SettingsError(read.problems)
    return settings


def _oauth_settings(read: _Reader, app_page: str) -> tuple[str | None, str | None, str | None]:
    """SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_STATE_SECRET: all three, or none."""
    values = {name: read.text(name) for name in OAUTH_SETTINGS}
    given = [name for name, value in values.items() if value is not None]
    if not given:
        return None, None, None
    where = {
        "SLACK_CLIENT_ID": f"the Client ID under Basic Information > App Credentials on {app_page}",
        "SLACK_CLIENT_SECRET": (
            f"the Client Secret under Basic Information > App Credentials on {app_page}"
        ),
        "SLACK_STATE_SECRET": (
            "a long random string of your own, e.g. the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
        ),
    }
    for name in OAUTH_SETTINGS:
        if values[name] is None:
            read.problems.append(
                f"{name} is missing: {where[name]}. Installing in several workspaces needs "
                f"all of {', '.join(OAUTH_SETTINGS)} ({', '.join(given)} set); "
                "set none of them to run in one workspace on SLACK_BOT_TOKEN"
            )
    state_secret = values["SLACK_STATE_SECRET"]
    if state_secret is not None and len(state_secret) < MIN_STATE_SECRET_LENGTH:
        read.problems.append(
            f"SLACK_STATE_SECRET must be at least {MIN_STATE_SECRET_LENGTH} characters: "
            f"{where['SLACK_STATE_SECRET']}"
        )
    if len(given) < len(OAUTH_SETTINGS):
        return None, None, None
    return values["SLACK_CLIENT_ID"], values["SLACK_CLIENT_SECRET"], state_secret


# What connects Mentorbot to a real Slack workspace; the sandbox starts only without all of them.
SLACK_CONNECTION_SETTINGS = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    *OAUTH_SETTINGS,
)
# What the sandbox sets for itself, whatever the environment says.
_SANDBOX_OWN = (*SLACK_CONNECTION_SETTINGS, "SLACK_API_URL", "DATABASE_URL", "MENTORBOT_ADMINS")


def slack_settings_given(env: Mapping[str, str]) -> list[str]:
    """The names of the settings for a real Slack workspace that `env` sets (non-empty)."""
    return [name for name in SLACK_CONNECTION_SETTINGS if env.get(name, "").strip()]


def load_sandbox_settings(
    env: Mapping[str, str],
    *,
    bot_token: str,
    signing_secret: str,
    api_url: str,
    database_url: str,
    admins: frozenset[str],
) -> Settings:
    """Settings for the sandbox: its own Slack stand-in, database and admin; the rest from `env`.

    Refuses (SettingsError) when `env` holds settings for a real workspace: the sandbox never
    talks to Slack, and someone who set them wants the real bot (`python app.py run`).
    """
    given = slack_settings_given(env)
    if given:
        raise SettingsError(
            [
                f"{', '.join(given)} {'is' if len(given) == 1 else 'are'} set, so this is a real "
                "Slack workspace; the sandbox never talks to Slack. Run `python app.py run` to "
                "start the bot in that workspace, or unset "
                f"{'it' if len(given) == 1 else 'them'} (in the environment or .env) to try "
                "the sandbox"
            ]
        )
    own = {
        "SLACK_BOT_TOKEN": bot_token,
        "SLACK_SIGNING_SECRET": signing_secret,
        "SLACK_API_URL": api_url,
        "DATABASE_URL": database_url,
        "MENTORBOT_ADMINS": ",".join(sorted(admins)),
    }
    # The terminal stays calm unless LOG_LEVEL asks for more, and what falls due arrives
    # within moments (the sandbox's own clock moves the rest).
    defaults = {"LOG_LEVEL": "WARNING", "MENTORBOT_DISPATCH_INTERVAL_SECONDS": "2"}
    return load_settings(defaults | {k: v for k, v in env.items() if k not in _SANDBOX_OWN} | own)


def database_url(env: Mapping[str, str]) -> str:
    """DATABASE_URL alone, for the `db` commands, which need no Slack settings."""
    return (env.get("DATABASE_URL") or "").strip() or DEFAULT_DATABASE_URL


def read_environment(dotenv_path: Path | str = ".env") -> dict[str, str]:
    """The process environment over the values of a `.env` file, if there is one."""
    import os

    from dotenv import dotenv_values

    values = {k: v for k, v in dotenv_values(dotenv_path).items() if v is not None}
    values.update(os.environ)
    return values
