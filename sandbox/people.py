"""The sandbox's sample workspace: a program admin and a handful of people around the world."""

from __future__ import annotations

from dataclasses import dataclass

from standin.web_api import SlackStandIn

TEAM_ID = "T0SANDBOX1"
TEAM_NAME = "Acme"
BOT_USER_ID = "U0MENTORBOT"
BOT_NAME = "Mentorbot"
GENERAL = "C0GENERAL1"
GENERAL_NAME = "general"


@dataclass(frozen=True)
class Person:
    """Someone in the sample workspace: who they are, where they work from."""

    user_id: str
    handle: str
    real_name: str
    tz: str
    title: str
    color: str

    @property
    def first_name(self) -> str:
        return self.real_name.split()[0]

    @property
    def initials(self) -> str:
        return "".join(part[0] for part in self.real_name.split()[:2]).upper()


PEOPLE = (
    Person("U0ADA00001", "ada", "Ada Okafor", "Europe/London", "Program admin, L&D", "#7c3aed"),
    Person("U0MARIA001", "maria", "Maria Santos", "America/Sao_Paulo", "Staff engineer", "#0f766e"),
    Person("U0TOMAS001", "tomas", "Tomás Ruiz", "Europe/Madrid", "Software engineer", "#b45309"),
    Person("U0PRIYA001", "priya", "Priya Raman", "Asia/Kolkata", "Engineering manager", "#be123c"),
    Person("U0KENJI001", "kenji", "Kenji Sato", "Asia/Tokyo", "Product designer", "#1d4ed8"),
    Person("U0NIA00001", "nia", "Nia Brooks", "America/New_York", "Data analyst", "#4d7c0f"),
)
ADMIN = PEOPLE[0]


def person(user_id: str) -> Person | None:
    return next((p for p in PEOPLE if p.user_id == user_id), None)


def find_handle(word: str) -> Person | None:
    """The person `@word` means: their handle or first name, in any case, accents optional."""
    wanted = _fold(word)
    for candidate in PEOPLE:
        if wanted in (_fold(candidate.handle), _fold(candidate.first_name)):
            return candidate
    return None


def _fold(text: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def seed(standin: SlackStandIn, *, bot_token: str) -> None:
    """The workspace, its people and #general on the stand-in."""
    standin.add_workspace(
        TEAM_ID,
        bot_token=bot_token,
        bot_user_id=BOT_USER_ID,
        team_name=TEAM_NAME,
        bot_name=BOT_NAME,
    )
    for someone in PEOPLE:
        standin.add_user(
            TEAM_ID,
            someone.user_id,
            name=someone.handle,
            real_name=someone.real_name,
            tz=someone.tz,
            email=f"{someone.handle}@acme.example",
        )
    standin.add_channel(TEAM_ID, GENERAL, name=GENERAL_NAME)
