"""storage/oauth_tables.py describes exactly the tables slack_sdk's SQLAlchemy stores use."""

from __future__ import annotations

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import MetaData, Table

from storage.oauth_tables import slack_oauth_metadata


def slack_sdk_metadata() -> MetaData:
    metadata = MetaData()
    installations = SQLAlchemyInstallationStore
    installations.build_bots_table(metadata, installations.default_bots_table_name)
    installations.build_installations_table(
        metadata, installations.default_installations_table_name
    )
    SQLAlchemyOAuthStateStore.build_oauth_states_table(
        metadata, SQLAlchemyOAuthStateStore.default_table_name
    )
    return metadata


def shape(table: Table) -> dict:
    return {
        "columns": [
            (c.name, repr(c.type), c.nullable, c.primary_key, c.default is not None)
            for c in table.columns
        ],
        "indexes": sorted(
            (i.name, tuple(c.name for c in i.columns), bool(i.unique)) for i in table.indexes
        ),
    }


def test_the_declared_tables_are_slack_sdks_own() -> None:
    ours, theirs = slack_oauth_metadata(), slack_sdk_metadata()
    assert (
        set(ours.tables)
        == set(theirs.tables)
        == {
            "slack_bots",
            "slack_installations",
            "slack_oauth_states",
        }
    )
    for name, table in theirs.tables.items():
        assert shape(ours.tables[name]) == shape(table), name
