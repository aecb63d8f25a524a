"""Writes a migration revision by comparing the models with a database at the previous revision.

    python -m storage.migrations.autogenerate 0002 -m "pairs carry their program"   # make migration

Regenerating a revision replaces its file. The database compared against is a scratch SQLite
file upgraded to the revision before; the new revision is then checked by upgrading another
scratch database to it and comparing that with the models (no difference allowed). The first
revision was written from the models of the first release with `--models-from 63cf21b`.
Review every generated file by hand before committing it (see README, "Schema migrations").
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from alembic import command
from sqlalchemy import MetaData

from storage.db import make_engine
from storage.migrations import MIGRATIONS_DIR, alembic_config, schema_differences, upgrade

REPO = MIGRATIONS_DIR.parents[1]
REVIEW = """Review it by hand before committing:
  - every NOT NULL column added to an existing table has a server_default (existing rows);
  - the partial unique index keeps both sqlite_where and postgresql_where;
  - datetimes are sa.DateTime(timezone=True), JSON columns sa.JSON();
  - downgrade() undoes upgrade(); renamed columns or tables are not drop + add."""


def _models_at(commit: str, workdir: Path) -> list[MetaData]:
    """The tables of storage/models.py as of `commit`, loaded under a name of their own."""
    if "storage.models" in sys.modules:
        raise RuntimeError("storage.models is already imported; its tables would clash")
    source = subprocess.run(
        ["git", "show", f"{commit}:storage/models.py"],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    path = workdir / f"models_at_{commit}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    from sqlmodel import SQLModel

    return [SQLModel.metadata]


def _format(path: Path) -> None:
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    if Path(ruff).exists():
        for args in (["format"], ["check", "--fix-only"], ["format"]):
            subprocess.run([ruff, *args, "--quiet", str(path)], check=False, capture_output=True)


def generate(rev_id: str, message: str, *, models_from: str | None = None) -> Path:
    """Write revision `rev_id` (replacing an existing file of it); returns its path."""
    versions = MIGRATIONS_DIR / "versions"
    versions.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        workdir = Path(scratch)
        metadata = _models_at(models_from, workdir) if models_from else None
        for old in versions.glob(f"{rev_id}_*.py"):
            old.unlink()
        before = make_engine(f"sqlite:///{workdir / 'before.db'}")
        try:
            upgrade(before)
            with before.connect() as connection:
                config = alembic_config(connection, metadata=metadata)
                command.revision(config, message=message, autogenerate=True, rev_id=rev_id)
        finally:
            before.dispose()
        (path,) = versions.glob(f"{rev_id}_*.py")
        _format(path)

        after = make_engine(f"sqlite:///{workdir / 'after.db'}")
        try:
            upgrade(after)
            left = schema_differences(after, metadata)
        finally:
            after.dispose()
    if left:
        raise SystemExit(f"{path} does not bring the schema to the models; still different: {left}")
    return path


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m storage.migrations.autogenerate")
    parser.add_argument("rev_id", help="the revision id, e.g. 0002 (its file is replaced)")
    parser.add_argument("-m", "--message", required=True, help="what the revision changes")
    parser.add_argument(
        "--models-from", metavar="COMMIT", help="use storage/models.py as of this git commit"
    )
    args = parser.parse_args(argv)
    path = generate(args.rev_id, args.message, models_from=args.models_from)
    print(f"Wrote {path.relative_to(REPO)}.\n{REVIEW}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
