"""The tables of slack_sdk's SQLAlchemy installation and OAuth state stores, as the schema has them.

The runtime reads and writes them through slack_sdk's own stores; storage/ only needs their
shape, so that the migrations build and check them. tests/storage/test_oauth_tables.py keeps
this in step with slack_sdk's own definition.
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import Boolean, Column, DateTime, Index, Integer, MetaData, String, Table, func

BOTS_TABLE = "slack_bots"
INSTALLATIONS_TABLE = "slack_installations"
OAUTH_STATES_TABLE = "slack_oauth_states"


def _bot_columns() -> list[Column]:
    return [
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("client_id", String(32), nullable=False),
        Column("app_id", String(32), nullable=False),
        Column("enterprise_id", String(32)),
        Column("enterprise_name", String(200)),
    ]


def _token_columns() -> list[Column]:
    return [
        Column("team_id", String(32)),
        Column("team_name", String(200)),
        Column("bot_token", String(200)),
        Column("bot_id", String(32)),
        Column("bot_user_id", String(32)),
        Column("bot_scopes", String(1000)),
        Column("bot_refresh_token", String(200)),
        Column("bot_token_expires_at", DateTime),
    ]


@cache
def slack_oauth_metadata() -> MetaData:
    """slack_bots, slack_installations and slack_oauth_states, as slack_sdk defines them."""
    metadata = MetaData()
    Table(
        BOTS_TABLE,
        metadata,
        *_bot_columns(),
        *_token_columns(),
        Column("is_enterprise_install", Boolean, default=False, nullable=False),
        Column("installed_at", DateTime, nullable=False, default=func.now()),
        Index(f"{BOTS_TABLE}_idx", "client_id", "enterprise_id", "team_id", "installed_at"),
    )
    Table(
        INSTALLATIONS_TABLE,
        metadata,
        *_bot_columns(),
        Column("enterprise_url", String(200)),
        *_token_columns(),
        Column("user_id", String(32), nullable=False),
        Column("user_token", String(200)),
        Column("user_scopes", String(1000)),
        Column("user_refresh_token", String(200)),
        Column("user_token_expires_at", DateTime),
        Column("incoming_webhook_url", String(200)),
        Column("incoming_webhook_channel", String(200)),
        Column("incoming_webhook_channel_id", String(200)),
        Column("incoming_webhook_configuration_url", String(200)),
        Column("is_enterprise_install", Boolean, default=False, nullable=False),
        Column("token_type", String(32)),
        Column("installed_at", DateTime, nullable=False, default=func.now()),
        Index(
            f"{INSTALLATIONS_TABLE}_idx",
            "client_id",
            "enterprise_id",
            "team_id",
            "user_id",
            "installed_at",
        ),
    )
    Table(
        OAUTH_STATES_TABLE,
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("state", String(200), nullable=False),
        Column("expire_at", DateTime, nullable=False),
    )
    return metadata
