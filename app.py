"""Entry point: `python app.py` runs the bot; `python app.py <command>` runs operator commands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python app.py",
        description="Run Mentorbot (Socket Mode when SLACK_APP_TOKEN is set, else HTTP on PORT). "
        "With no Slack settings at all, it opens the sandbox instead.",
    )
    commands = parser.add_subparsers(dest="command")
    commands.add_parser(
        "run", help="run the bot in Slack (the default when Slack settings are set)"
    )
    commands.add_parser(
        "sandbox",
        help="try Mentorbot in a local web page with a pretend Slack workspace (the default "
        "without Slack settings); never talks to Slack",
    )
    dispatch = commands.add_parser("dispatch", help="deliver the prompts that are due")
    dispatch.add_argument(
        "--once", action="store_true", required=True, help="one pass, then exit (for cron)"
    )
    db = commands.add_parser("db", help="the database schema (needs only DATABASE_URL)")
    db.add_argument(
        "action",
        choices=("upgrade", "current"),
        help="upgrade: bring the schema up to date; current: show its revision "
        "(exit status 1 when it isn't up to date)",
    )
    return parser


def database_command(action: str) -> int:
    """`python app.py db upgrade|current`: migrations by hand (with MENTORBOT_AUTO_MIGRATE off)."""
    from pathlib import Path

    from sqlalchemy import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from bot.settings import database_url, read_environment
    from runtime.runner import database_problem
    from storage.db import make_engine
    from storage.migrations import SchemaError, schema_status, upgrade

    url = database_url(read_environment())
    parsed = make_url(url)
    if (
        action == "current"
        and parsed.get_backend_name() == "sqlite"
        and parsed.database
        and not Path(parsed.database).exists()
    ):
        print(f"No database at {parsed.database} yet: the bot creates it when it starts.")
        return 1
    engine = make_engine(url)
    try:
        if action == "upgrade":
            before, after = upgrade(engine)
            if before == after:
                print(f"The database is up to date (revision {after}).")
            else:
                print(f"Upgraded the database from {before or 'nothing'} to revision {after}.")
            return 0
        status = schema_status(engine)
        print(status.describe())
        return 0 if status.at_head else 1
    except SchemaError as error:
        print(f"Mentorbot can't {action} the database: {error}", file=sys.stderr)
        return 2
    except SQLAlchemyError as error:
        print(f"Mentorbot {database_problem(url, error)}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()


def sandbox_command(env: dict[str, str]) -> int:
    """`python app.py sandbox` (and `python app.py` with no Slack settings at all)."""
    from bot.settings import SettingsError
    from runtime.runner import StartupError
    from sandbox.runner import run_sandbox

    try:
        return run_sandbox(env)
    except SettingsError as error:
        print("Mentorbot's sandbox can't start:", file=sys.stderr)
        for problem in error.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2
    except StartupError as error:
        print(f"Mentorbot's sandbox can't start: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("The sandbox stopped; its data is gone.", file=sys.stderr)
        return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "db":
        return database_command(args.action)
    from bot.settings import SettingsError, load_settings, read_environment, slack_settings_given

    env = read_environment()
    if args.command == "sandbox" or (args.command is None and not slack_settings_given(env)):
        return sandbox_command(env)
    try:
        settings = load_settings(env)
    except SettingsError as error:
        print(
            "Mentorbot can't start; fix these settings (in the environment or .env):",
            file=sys.stderr,
        )
        for problem in error.problems:
            print(f"  - {problem}", file=sys.stderr)
        print("See .env.example for every setting.", file=sys.stderr)
        print("To try Mentorbot without a Slack workspace: python app.py sandbox", file=sys.stderr)
        return 2

    from runtime.runner import StartupError, dispatch_once, run_bot

    try:
        if args.command == "dispatch":
            return dispatch_once(settings)
        if args.command in (None, "run"):
            return run_bot(settings)
    except StartupError as error:
        print(f"Mentorbot can't start: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        # Ctrl+C is how a person stops the bot on a laptop: a normal stop, not a crash.
        print("Mentorbot stopped.", file=sys.stderr)
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
