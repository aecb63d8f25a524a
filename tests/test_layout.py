"""The layout rule that every query lives in storage/: none is built in bot/, handlers/, blocks/."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OUTSIDE_STORAGE = sorted(
    path for package in ("bot", "handlers", "blocks") for path in (ROOT / package).rglob("*.py")
)
# What a module outside storage/ may take from SQLAlchemy: types for hints and wiring, and
# the errors it catches. Everything that builds a statement belongs to a storage module.
ALLOWED = {"Session", "Engine", "make_url"}
SQL_PACKAGES = ("sqlalchemy", "sqlmodel")
SESSION_QUERY_METHODS = {"exec", "execute", "scalar", "scalars", "exec_driver_sql"}


def sql_building(path: Path) -> list[str]:
    """Where `path` imports a statement builder or runs a statement itself."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(SQL_PACKAGES):
            if node.module.endswith(".exc"):
                continue  # errors to catch
            found += [
                f"line {node.lineno}: from {node.module} import {alias.name}"
                for alias in node.names
                if alias.name not in ALLOWED
            ]
        elif isinstance(node, ast.Import):
            found += [
                f"line {node.lineno}: import {alias.name}"
                for alias in node.names
                if alias.name.startswith(SQL_PACKAGES)
            ]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in SESSION_QUERY_METHODS
        ):
            found.append(f"line {node.lineno}: .{node.func.attr}(…)")
    return found


def test_the_rule_is_checked_on_every_module() -> None:
    assert len(OUTSIDE_STORAGE) > 40
    probe = ROOT / "storage" / "actions.py"
    assert sql_building(probe), "the check recognises queries where they do belong"


@pytest.mark.parametrize("path", OUTSIDE_STORAGE, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_query_is_built_outside_storage(path: Path) -> None:
    assert sql_building(path) == [], f"{path.relative_to(ROOT)} builds SQL; move it to storage/"
