"""The `/mentor` subcommands: their names, usage and what each does, as help shows them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Subcommand:
    name: str
    usage: str
    summary: str
    admin_only: bool = False


SUBCOMMANDS: tuple[Subcommand, ...] = (
    Subcommand(
        "pair",
        "/mentor pair @mentor @mentee",
        "Pair a mentor with a mentee: opens their conversation and posts the agreement.",
        admin_only=True,
    ),
    Subcommand(
        "agreement",
        "/mentor agreement [@partner]",
        "Show your partnership agreement again, to read, edit or sign it.",
    ),
    Subcommand(
        "schedule",
        "/mentor schedule [@partner]",
        "Schedule your next session (and how often it repeats) with your partner.",
    ),
    Subcommand(
        "sessions",
        "/mentor sessions [@partner]",
        "List your upcoming sessions, in your own time zone.",
    ),
    Subcommand("diary", "/mentor diary", "Read your own learning-diary entries, newest first."),
    Subcommand(
        "agenda",
        "/mentor agenda [@partner] | /mentor agenda add <topic>",
        "See the agenda of your next session, built from what you both said; add a topic.",
    ),
    Subcommand(
        "action",
        "/mentor action @owner <what> [by <date>]",
        "Record an action item for you or your partner, optionally with a due date.",
    ),
    Subcommand(
        "actions",
        "/mentor actions [@partner]",
        "List your pair's open action items and mark them done.",
    ),
    Subcommand(
        "goals",
        "/mentor goals [@partner]",
        "Keep a few goals with how you'll know you got there, and celebrate reaching them.",
    ),
    Subcommand(
        "pause",
        "/mentor pause [@partner]",
        "Pause your pair: prompts and reminders stop until you resume. Admins mention both "
        "partners.",
    ),
    Subcommand(
        "resume",
        "/mentor resume [@partner]",
        "Resume a paused pair: its sessions' prompts and its recurring schedule start again.",
    ),
    Subcommand(
        "end",
        "/mentor end [@partner]",
        "End your pair (after a confirmation): cancels its upcoming sessions and asks you both "
        "for a short closing reflection.",
    ),
    Subcommand(
        "import",
        "/mentor import",
        "Create pairs from a CSV (mentor,mentee[,cadence,length[,program]]): preview, then "
        "confirm.",
        admin_only=True,
    ),
    Subcommand(
        "export",
        "/mentor export",
        "Get a file (in your DM) of everything Mentorbot stores about you in this workspace.",
    ),
    Subcommand(
        "forget-me",
        "/mentor forget-me",
        "Delete your answers and diary entries and anonymise the rest (asks you to confirm).",
    ),
    Subcommand(
        "report",
        "/mentor report",
        "Program health: pairs, agreements, sessions, diary completion, drifting and at-risk "
        "pairs (counts and names only), with a CSV export.",
        admin_only=True,
    ),
    Subcommand("help", "/mentor help", "List everything Mentorbot can do."),
)


def split_command(text: str) -> tuple[str, str]:
    """`"pair @a @b"` -> `("pair", "@a @b")`; an empty command means help."""
    name, _, rest = text.strip().partition(" ")
    return (name.lower() or "help"), rest.strip()
