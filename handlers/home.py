"""Listeners for the Home tab: publishing the dashboard, its agreement modal and Mark done."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from blocks.home import build_home_agreement_modal, build_home_unavailable, build_home_view
from bot import actions, agreement, home, messages
from bot.deps import Deps
from bot.errors import UserError
from bot.locations import Surface
from handlers.actions import zone_of
from handlers.agreement import refresh_agreement_messages
from handlers.locations import clicked_location, remember_opened
from handlers.payloads import first_action_value, int_or_none, split_ids
from handlers.slack_api import user_profile

log = logging.getLogger(__name__)

HOME_TAB = "home"


def _timezone(client: WebClient, user_id: str) -> str | None:
    """The viewer's zone for "overdue"; UTC when Slack can't say (Home is shown regardless)."""
    try:
        return zone_of(user_profile(client, user_id))
    except SlackApiError as error:
        log.warning("Couldn't read %s's time zone: %s", user_id, error.response.get("error"))
        return None


def publish_home(client: WebClient, deps: Deps, *, team_id: str, user_id: str) -> None:
    """Publish the person's dashboard; if it can't be built, a short notice instead of nothing."""
    try:
        summary = home.load_home(
            deps.db,
            deps.curriculum,
            team_id=team_id,
            user_id=user_id,
            program=deps.settings.program,
            is_admin=deps.settings.is_admin(user_id),
            now=deps.clock(),
            tz=_timezone(client, user_id),
        )
        view = build_home_view(summary)
    except Exception:
        # The tab must never stay blank or stale because one part of the dashboard broke.
        log.exception("Couldn't build the Home tab for %s in %s", user_id, team_id)
        view = build_home_unavailable()
    try:
        client.views_publish(user_id=user_id, view=view)
    except SlackApiError as error:
        log.warning(
            "Couldn't publish the Home tab for %s: %s", user_id, error.response.get("error")
        )
        if view == build_home_unavailable():
            return
        try:
            client.views_publish(user_id=user_id, view=build_home_unavailable())
        except SlackApiError as again:
            # Nothing more to try: the tab keeps what it showed; the next visit publishes anew.
            log.warning(
                "Couldn't publish the Home notice for %s: %s", user_id, again.response.get("error")
            )


def home_opened(event: dict, client: WebClient, context: Any, *, deps: Deps) -> None:
    if event.get("tab") != HOME_TAB:
        return  # the Messages tab: nothing to publish
    user_id = context.user_id or event.get("user")
    if not isinstance(user_id, str) or not user_id:
        return
    publish_home(client, deps, team_id=context.team_id, user_id=user_id)


def agreement_clicked(ack: Any, body: dict, client: WebClient, context: Any, *, deps: Deps) -> None:
    ack()
    pair_id = int_or_none(first_action_value(body))
    if pair_id is None:
        raise UserError(messages.BUTTON_NOT_VALID)
    state = home.agreement_for_viewer(
        deps.db,
        team_id=context.team_id,
        pair_id=pair_id,
        user_id=context.user_id,
        program=deps.settings.program,
    )
    opened = client.views_open(
        trigger_id=body.get("trigger_id"),
        view=build_home_agreement_modal(state, viewer=context.user_id),
    )
    remember_opened(
        deps,
        opened,
        team_id=context.team_id,
        user_id=context.user_id,
        surface=Surface.HOME_AGREEMENT,
        subject_id=pair_id,
    )


def _update_modal(client: WebClient, view_id: str, view: dict) -> None:
    try:
        client.views_update(view_id=view_id, view=view)
    except SlackApiError as error:
        # The modal was closed meanwhile: what was signed is stored and Home shows it.
        log.warning("Couldn't update agreement modal %s: %s", view_id, error.response.get("error"))


def sign_clicked(ack: Any, body: dict, client: WebClient, context: Any, *, deps: Deps) -> None:
    ack()
    ids = split_ids(first_action_value(body), 2)
    if ids is None:
        raise UserError(messages.BUTTON_NOT_VALID)
    pair_id, version = ids
    # Only the agreement modal the bot opened for this person and pair is updated in place.
    clicked = clicked_location(
        deps,
        body,
        team_id=context.team_id,
        user_id=context.user_id,
        surface=Surface.HOME_AGREEMENT,
        subject_id=pair_id,
    )
    view_id = clicked.view_id if clicked is not None else None
    try:
        outcome = agreement.sign_agreement(
            deps.db,
            team_id=context.team_id,
            pair_id=pair_id,
            version=version,
            user_id=context.user_id,
            program=deps.settings.program,
            now=deps.clock(),
        )
    except UserError as refused:
        # E.g. the agreement changed since the modal opened: show the current one, and why.
        try:
            current = home.agreement_for_viewer(
                deps.db,
                team_id=context.team_id,
                pair_id=pair_id,
                user_id=context.user_id,
                program=deps.settings.program,
            )
        except UserError:
            raise refused from None
        if view_id is None:
            raise
        modal = build_home_agreement_modal(current, viewer=context.user_id, notice=refused.message)
        _update_modal(client, view_id, modal)
        return
    refresh_agreement_messages(client, outcome.state)
    if view_id is not None:
        _update_modal(
            client, view_id, build_home_agreement_modal(outcome.state, viewer=context.user_id)
        )
    publish_home(client, deps, team_id=context.team_id, user_id=context.user_id)


def done_clicked(ack: Any, body: dict, client: WebClient, context: Any, *, deps: Deps) -> None:
    ack()
    item_id = int_or_none(first_action_value(body))
    if item_id is None:
        raise UserError(messages.BUTTON_NOT_VALID)
    try:
        actions.mark_done(
            deps.db,
            team_id=context.team_id,
            item_id=item_id,
            user_id=context.user_id,
            now=deps.clock(),
        )
    finally:
        # Also after a refusal: an item done or gone elsewhere leaves the refreshed view.
        publish_home(client, deps, team_id=context.team_id, user_id=context.user_id)
