"""Listeners for CSV import: /mentor import, its form, the preview and Confirm import."""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from blocks.importer import (
    as_import_modal,
    build_import_checking,
    build_import_modal,
    build_import_preview,
    build_import_problem,
    build_import_report,
    build_import_running,
)
from bot import importer, messages, pairing
from bot.deps import Deps
from bot.errors import FieldErrors, UserError
from bot.ids import IMPORT_FILE_BLOCK, IMPORT_PASTE_BLOCK
from bot.importer import ALREADY_PAIRED, PAIRED, RowCheck
from bot.locations import Surface
from bot.settings import Settings
from handlers.locations import clicked_location, remember_opened
from handlers.pairs import establish_pair
from handlers.payloads import clean_text, first_action_value, int_or_none, text_values
from handlers.request import CommandRequest
from handlers.slack_api import MISSING_USER_ERRORS, user_profile

log = logging.getLogger(__name__)
DOWNLOAD_TIMEOUT_SECONDS = 10
# Where Slack serves uploaded files; the token is sent nowhere else (SLACK_API_URL's own host
# is trusted too, for a stand-in or a proxy in front of Slack).
SLACK_FILE_HOSTS = frozenset({"files.slack.com"})


class SlackDirectory:
    """importer.Directory over the Web API: users.info and users.lookupByEmail."""

    def __init__(self, client: WebClient) -> None:
        self.client = client

    def by_id(self, user_id: str) -> Mapping[str, Any] | None:
        return user_profile(self.client, user_id)

    def by_email(self, email: str) -> Mapping[str, Any] | None:
        try:
            response = self.client.users_lookupByEmail(email=email)
        except SlackApiError as error:
            if error.response.get("error") in MISSING_USER_ERRORS:
                return None
            raise
        user = response.get("user")
        return user if isinstance(user, dict) else None


def import_command(request: CommandRequest) -> None:
    importer.check_admin(request.deps.settings, request.user_id)
    opened = request.client.views_open(
        trigger_id=request.trigger_id, view=build_import_modal(request.deps.settings.program)
    )
    remember_opened(
        request.deps,
        opened,
        team_id=request.team_id,
        user_id=request.user_id,
        surface=Surface.IMPORT,
    )


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _view_id(deps: Deps, view: Any, context: Any) -> str | None:
    """The import modal's id, if it is one the bot opened for this admin (None: not a modal)."""
    if not isinstance(view, dict):
        return None
    clicked = clicked_location(
        deps,
        {"view": view},
        team_id=context.team_id,
        user_id=context.user_id,
        surface=Surface.IMPORT,
        subject_id=None,
    )
    return clicked.view_id if clicked is not None else None


def _chosen_files(view: Any) -> list[dict]:
    """The files picked in the form's file_input (Slack sends their metadata, not content)."""
    block = _dict(_dict(_dict(view).get("state")).get("values")).get(IMPORT_FILE_BLOCK)
    for state in _dict(block).values():
        files = _dict(state).get("files")
        return [f for f in files if isinstance(f, dict)] if isinstance(files, list) else []
    return []


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect would carry the bot token to wherever it points: treat it as a failure."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _trusted_file_url(url: str, settings: Settings) -> bool:
    parts, api = urlsplit(url), urlsplit(settings.slack_api_url)
    if parts.scheme == "https" and parts.hostname in SLACK_FILE_HOSTS:
        return True
    return (parts.scheme, parts.netloc) == (api.scheme, api.netloc)


def download_file(client: WebClient, file: Mapping[str, Any], settings: Settings) -> bytes:
    """The file's bytes from `url_private_download`, fetched with the bot token (files:read)."""
    url = file.get("url_private_download") or file.get("url_private")
    if not isinstance(url, str) or not _trusted_file_url(url, settings):
        raise UserError(messages.IMPORT_FILE_UNREADABLE.format(error="no Slack download link"))
    size = file.get("size")
    if isinstance(size, int) and size > importer.MAX_FILE_BYTES:
        raise UserError(messages.IMPORT_FILE_TOO_BIG.format(limit=importer.MAX_FILE_BYTES // 1024))
    fetch = urllib.request.Request(url, headers={"Authorization": f"Bearer {client.token}"})
    opener = urllib.request.build_opener(_NoRedirects())
    try:
        with opener.open(fetch, timeout=DOWNLOAD_TIMEOUT_SECONDS) as response:
            kind = response.headers.get_content_type()
            data: bytes = response.read(importer.MAX_FILE_BYTES + 1)
    except urllib.error.HTTPError as error:
        raise UserError(
            messages.IMPORT_FILE_UNREADABLE.format(error=f"HTTP {error.code}")
        ) from None
    except (urllib.error.URLError, OSError) as error:
        log.warning("Couldn't download an import file: %s", error)
        raise UserError(messages.IMPORT_FILE_UNREADABLE.format(error="no connection")) from None
    if kind == "text/html":
        # Slack answers a request it won't authorise with its sign-in page, not an error.
        raise UserError(
            messages.IMPORT_FILE_UNREADABLE.format(error="Slack refused; is files:read granted?")
        )
    return data


def _field_errors(error: UserError) -> dict[str, str]:
    if isinstance(error, FieldErrors):
        return error.errors
    return {IMPORT_PASTE_BLOCK: error.message}


def import_submitted(ack: Any, view: dict, client: WebClient, context: Any, *, deps: Deps) -> None:
    pasted = text_values(view).get(IMPORT_PASTE_BLOCK) or ""
    files = _chosen_files(view)
    rows = None
    try:
        importer.check_admin(deps.settings, context.user_id)
        importer.check_sources(pasted, len(files))
        if pasted.strip():
            rows = importer.parse_csv(pasted, deps.settings.program)
    except UserError as error:
        ack(response_action="errors", errors=_field_errors(error))
        return
    # Checking rows calls Slack for each person: answer within Slack's 3 s first.
    ack(response_action="update", view=as_import_modal(build_import_checking()))
    where = {"user_id": context.user_id, "view_id": _view_id(deps, view, context)}
    try:
        source = "pasted"
        if rows is None:
            (file,) = files
            name = file.get("name") or file.get("title")
            source = (clean_text(name) if isinstance(name, str) else "") or "uploaded file"
            text = clean_text(importer.decode_csv(download_file(client, file, deps.settings)))
            rows = importer.parse_csv(text, deps.settings.program)
        preview = importer.preview_import(
            deps.db,
            deps.settings,
            team_id=context.team_id,
            admin_id=context.user_id,
            rows=rows,
            directory=SlackDirectory(client),
            source=source,
            now=deps.clock(),
        )
    except UserError as error:
        _present(client, build_import_problem(error.message), **where)
        return
    except SlackApiError as error:
        code = str(error.response.get("error") or "no answer")
        log.warning("Slack failed while checking an import: %s", code)
        _present(client, build_import_problem(messages.IMPORT_SLACK_FAILED), **where)
        return
    _present(client, build_import_preview(preview), **where, close="Cancel")


def _create(client: WebClient, deps: Deps, team_id: str, admin_id: str, row: RowCheck) -> str:
    """Create one previewed pair exactly as `/mentor pair` does; what became of it."""
    request = row.pair_request()

    def exists() -> bool:
        found = pairing.existing_pair(
            deps.db, team_id=team_id, first_id=request.mentor_id, second_id=request.mentee_id
        )
        return found is not None

    if exists():
        return ALREADY_PAIRED  # paired since the preview
    try:
        establish_pair(client, deps, team_id=team_id, created_by=admin_id, request=request)
    except UserError:
        return ALREADY_PAIRED if exists() else "I couldn't open their conversation"
    except SlackApiError as error:
        code = str(error.response.get("error") or "error")
        if exists():
            return f"{PAIRED}, but Slack refused its welcome or agreement ({code})"
        return f"Slack refused ({code})"
    return PAIRED


def _present(
    client: WebClient,
    message: dict,
    *,
    user_id: str,
    view_id: str | None,
    respond: Any = None,
    close: str = "Close",
) -> None:
    """Show a step where the admin is: the import modal, else the message clicked, else a DM."""
    if view_id:
        try:
            client.views_update(view_id=view_id, view=as_import_modal(message, close=close))
            return
        except SlackApiError as error:
            # Closed meanwhile: the admin still gets it, in their DM.
            log.info("Import view gone (%s); continuing by DM", error.response.get("error"))
            client.chat_postMessage(channel=user_id, **message)
            return
    if respond is not None:
        respond(**message, replace_original=True)
        return
    client.chat_postMessage(channel=user_id, **message)  # no modal of theirs to show it in


def import_confirm_clicked(
    ack: Any, body: dict, client: WebClient, respond: Any, context: Any, *, deps: Deps
) -> None:
    ack()
    batch_id = int_or_none(first_action_value(body))
    if batch_id is None:
        raise UserError(messages.BUTTON_NOT_VALID)
    preview = importer.confirm_import(
        deps.db,
        deps.settings,
        team_id=context.team_id,
        admin_id=context.user_id,
        batch_id=batch_id,
        now=deps.clock(),
    )
    where = {
        "user_id": context.user_id,
        "view_id": _view_id(deps, body.get("view"), context),
        "respond": respond,
    }
    _present(client, build_import_running(len(preview.pairable)), **where)
    results = {
        row.number: _create(client, deps, context.team_id, context.user_id, row)
        for row in preview.pairable
    }
    report = importer.record_results(
        deps.db, team_id=context.team_id, preview=preview, results=results
    )
    _present(client, build_import_report(report), **where, close="Done")
