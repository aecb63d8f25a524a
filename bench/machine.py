"""The machine a benchmark ran on: CPU, cores, memory, OS, Python, packages, databases."""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
from importlib import metadata

from bench.common import REPO

PACKAGES = (
    "slack-bolt",
    "slack-sdk",
    "SQLAlchemy",
    "sqlmodel",
    "gunicorn",
    "psycopg",
    "APScheduler",
    "alembic",
    # Socket Mode's client, and the other clients bench/socket_mode.py measures.
    "aiohttp",
    "websockets",
    "websocket-client",
)


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory() -> str:
    try:
        with open("/proc/meminfo", encoding="ascii") as info:
            for line in info:
                if line.startswith("MemTotal:"):
                    return f"{int(line.split()[1]) / 2**20:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _commit() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        return "unknown"
    return f"{head}{' + uncommitted changes' if dirty else ''}" if head else "unknown"


def describe() -> dict[str, str]:
    """What to write beside the figures, so they can be compared with another machine's."""
    from bench.dispatch import postgres_url

    found = {
        "CPU": _cpu_model(),
        "cores": str(os.cpu_count()),
        "memory": _memory(),
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "SQLite": sqlite3.sqlite_version,
    }
    found.update({package: _version(package) for package in PACKAGES})
    url = postgres_url()
    if url:
        found["PostgreSQL"] = _postgres_version(url)
    found["commit"] = _commit()
    return found


def _postgres_version(url: str) -> str:
    from sqlalchemy import text

    from storage.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return str(connection.execute(text("SHOW server_version")).scalar())
    except Exception as error:
        return f"unreachable ({type(error).__name__})"
    finally:
        engine.dispose()
