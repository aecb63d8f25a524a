"""manifest.yml creates exactly the app the code serves: its command, interactivity, scopes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from slack_sdk import WebClient
from slack_sdk.web.base_client import BaseClient

from bot.ids import COMMAND
from handlers import COMMANDS, EVENTS

ROOT = Path(__file__).resolve().parents[1]
SOURCE_DIRS = ("runtime", "handlers", "blocks", "bot", "storage")

# Every Web API method the app may call, with the bot scopes it needs. A method the code starts
# calling that is missing here fails test_every_web_api_call_is_in_the_scope_table.
SCOPES_OF_METHOD: dict[str, frozenset[str]] = {
    "chat_postMessage": frozenset({"chat:write"}),
    "chat_update": frozenset({"chat:write"}),
    "chat_postEphemeral": frozenset({"chat:write"}),
    "chat_delete": frozenset({"chat:write"}),
    # One user: the bot's DM with them (prompts); two users: the pair's group DM.
    "conversations_open": frozenset({"im:write", "mpim:write"}),
    # Looking for an already-posted prompt in a DM or the pair's group DM after a crash.
    "conversations_history": frozenset({"im:history", "mpim:history"}),
    "users_info": frozenset({"users:read"}),
    "users_lookupByEmail": frozenset({"users:read", "users:read.email"}),
    "views_open": frozenset(),
    "views_push": frozenset(),
    "views_update": frozenset(),
    "views_publish": frozenset(),
    "auth_test": frozenset(),
    # Calendar files, data exports and CSV reports go to a person's DM as uploads.
    "files_upload_v2": frozenset({"files:write"}),
}
# A slash command needs the commands scope.
COMMAND_SCOPE = "commands"
# Scopes needed for something other than a WebClient method: a Block Kit element the code
# builds (a modal's file_input needs files:read) or a download of url_private_download with
# the bot token (urllib, so the method scan can't see it).
SCOPES_OF_SOURCE_TEXT: dict[str, frozenset[str]] = {
    '"file_input"': frozenset({"files:read"}),
    "url_private_download": frozenset({"files:read"}),
}
WEB_API_METHODS = frozenset(
    name
    for name in dir(WebClient)
    if not name.startswith("_") and callable(getattr(WebClient, name))
) - set(dir(BaseClient))


@pytest.fixture(scope="module")
def manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))


def web_api_calls() -> dict[str, set[str]]:
    """WebClient methods the app's source calls (`client.x(...)`, or named in a string for
    `getattr(client, "x")`), each with the files that call it."""
    found: dict[str, set[str]] = {}
    pattern = re.compile(r"\.(\w+)\(|[\"'](\w+)[\"']")
    for folder in SOURCE_DIRS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for match in pattern.finditer(path.read_text(encoding="utf-8")):
                name = match.group(1) or match.group(2)
                if name in WEB_API_METHODS:
                    found.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    return found


def scopes_of_source_text() -> set[str]:
    found: set[str] = set()
    for folder in SOURCE_DIRS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            source = path.read_text(encoding="utf-8")
            for needle, scopes in SCOPES_OF_SOURCE_TEXT.items():
                if needle in source:
                    found |= scopes
    return found


def test_the_scan_finds_the_calls_it_is_meant_to_find() -> None:
    calls = web_api_calls()
    # A direct call and a getattr-by-name call (runtime/sender.py), so the scan isn't vacuous.
    assert "chat_postMessage" in calls
    assert "runtime/sender.py" in calls["conversations_history"]


def test_every_web_api_call_is_in_the_scope_table() -> None:
    unknown = sorted(set(web_api_calls()) - set(SCOPES_OF_METHOD))
    assert unknown == [], f"add these WebClient methods and their scopes to the table: {unknown}"


def test_bot_scopes_are_exactly_the_ones_the_code_needs(manifest: dict) -> None:
    needed = {COMMAND_SCOPE} if COMMANDS else set()
    for method in web_api_calls():
        needed |= SCOPES_OF_METHOD.get(method, frozenset())
    needed |= scopes_of_source_text()
    granted = manifest["oauth_config"]["scopes"]["bot"]
    assert len(granted) == len(set(granted)), "a scope is listed twice"
    assert set(granted) == needed, (
        f"missing: {sorted(needed - set(granted))}, not needed: {sorted(set(granted) - needed)}"
    )
    assert "user" not in manifest["oauth_config"]["scopes"], "Mentorbot acts only as its bot"


def test_the_mentor_command_escapes_mentions(manifest: dict) -> None:
    (command,) = [c for c in manifest["features"]["slash_commands"] if c["command"] == COMMAND]
    # Escaped, `@maria` arrives as <@U…|maria>, which is what `/mentor pair` parses.
    assert command["should_escape"] is True
    assert command["description"] and len(command["description"]) <= 100
    assert "pair @mentor @mentee" in command["usage_hint"]


def test_manifest_commands_are_the_ones_the_app_answers(manifest: dict) -> None:
    declared = {c["command"] for c in manifest["features"]["slash_commands"]}
    assert declared == set(COMMANDS)


def test_manifest_events_are_the_ones_the_app_answers(manifest: dict) -> None:
    subscriptions = manifest.get("settings", {}).get("event_subscriptions") or {}
    declared = set(subscriptions.get("bot_events") or [])
    assert declared == set(EVENTS)


def test_interactivity_and_socket_mode_are_on(manifest: dict) -> None:
    settings = manifest["settings"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is True
    assert manifest["features"]["bot_user"]["display_name"]
