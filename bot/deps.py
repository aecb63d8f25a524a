"""What listeners and the scheduler share: settings, the database and the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.curriculum import Curriculum, load_curriculum
from bot.settings import Settings
from storage.db import Database

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Deps:
    settings: Settings
    db: Database
    clock: Clock = system_clock
    curriculum: Curriculum = field(default_factory=load_curriculum)
