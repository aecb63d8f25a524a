"""Domain errors that carry a message for the person who asked."""

from __future__ import annotations

from collections.abc import Mapping


class UserError(Exception):
    """Something the person asked for can't be done; `message` tells them why and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class FieldErrors(UserError):
    """A modal submission has fields to fix; maps block id to the message shown under it."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = dict(errors)
