"""Layout rules: queries live in storage/, imports flow one way, the domain never imports Slack."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OUTSIDE_STORAGE = sorted(
    path
    for package in ("bot", "handlers", "blocks", "sandbox", "standin")
    for path in (ROOT / package).rglob("*.py")
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


# -- imports flow one way: sandbox → runtime → handlers → blocks → bot → storage ---------------
# (the sandbox runs the whole bot against the stand-in; nothing below it knows it exists)
LAYERS = ("sandbox", "runtime", "handlers", "blocks", "bot", "storage")
SLACK_PACKAGES = ("slack_bolt", "slack_sdk")
LAYERED = sorted(path for package in LAYERS for path in (ROOT / package).rglob("*.py"))


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every module `path` imports, at any depth (a function-level import counts too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
            # `from handlers import prompts` imports handlers.prompts
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def layer_of(module: str) -> str | None:
    top = module.split(".")[0]
    return top if top in LAYERS else None


def upward_imports(path: Path) -> list[str]:
    own = path.relative_to(ROOT).parts[0]
    rank = LAYERS.index(own)
    return [
        f"line {line}: {module}"
        for line, module in imported_modules(path)
        if (layer := layer_of(module)) is not None and LAYERS.index(layer) < rank
    ]


def slack_imports(path: Path) -> list[str]:
    return [
        f"line {line}: {module}"
        for line, module in imported_modules(path)
        if module.split(".")[0] in SLACK_PACKAGES
    ]


def test_the_import_rules_are_checked_on_every_layer() -> None:
    assert {path.relative_to(ROOT).parts[0] for path in LAYERED} == set(LAYERS)
    # The checks see what they are meant to see, so a pass isn't vacuous.
    assert slack_imports(ROOT / "runtime" / "assembly.py")
    assert not upward_imports(ROOT / "runtime" / "assembly.py")


@pytest.mark.parametrize("path", LAYERED, ids=lambda p: str(p.relative_to(ROOT)))
def test_nothing_imports_upward(path: Path) -> None:
    assert upward_imports(path) == [], (
        f"{path.relative_to(ROOT)} imports a layer above its own "
        f"(the order is {' → '.join(LAYERS)}); move the code instead"
    )


DOMAIN = sorted(path for package in ("bot", "storage") for path in (ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("path", DOMAIN, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_domain_and_storage_never_import_slack(path: Path) -> None:
    assert slack_imports(path) == [], (
        f"{path.relative_to(ROOT)} imports Slack's libraries; that belongs in runtime/ or handlers/"
    )


# -- the Slack stand-in is Slack, not Mentorbot: it imports none of the app's layers -----------
STANDIN = sorted((ROOT / "standin").rglob("*.py"))


def test_the_standin_rule_is_checked_on_every_module() -> None:
    assert {path.name for path in STANDIN} >= {"web_api.py", "driver.py", "blockkit.py"}
    assert layer_of("runtime.request_guard") == "runtime", "the check recognises a layer"


@pytest.mark.parametrize("path", STANDIN, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_standin_imports_nothing_of_mentorbot(path: Path) -> None:
    found = [
        f"line {line}: {module}"
        for line, module in imported_modules(path)
        if layer_of(module) is not None or module.split(".")[0] in ("sandbox", "app", "wsgi")
    ]
    assert found == [], (
        f"{path.relative_to(ROOT)} imports Mentorbot's own code; the stand-in plays Slack and "
        "knows the app only through HTTP"
    )
