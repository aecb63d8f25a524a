"""The tables: every row carries the Slack workspace (team id) it belongs to."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any, Generic, TypeVar

from sqlalchemy import JSON, Column, DateTime, Index, String, UniqueConstraint, text
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC instants and always hands back timezone-aware UTC datetimes (also on SQLite)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utc_column(*, nullable: bool = False, index: bool = False) -> Any:
    return Field(sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


def json_column() -> Any:
    return Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


E = TypeVar("E", bound=StrEnum)


class EnumText(TypeDecorator[E], Generic[E]):
    """A StrEnum stored as its text (a plain VARCHAR), handed back as the enum member.

    Plain text rather than a database ENUM: adding a member needs no migration, and the
    schema stays the same on SQLite and PostgreSQL.
    """

    impl = String
    cache_ok = True

    def __init__(self, enum: type[E], length: int) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: E | str | None, dialect: Any) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: str | None, dialect: Any) -> E | None:
        return None if value is None else self.enum(value)


def enum_column(enum: type[E], length: int, *, default: E | None = None) -> Any:
    column = Column(EnumText(enum, length), nullable=False)
    if default is None:
        return Field(sa_column=column)
    return Field(default=default, sa_column=column)


class Kind(StrEnum):
    """What a delivery is; decides its recipient, timing and content (bot/delivery.py)."""

    PREP = "prep"
    CHECKIN = "checkin"
    AFTER_SESSION = "after_session"
    DIARY_REMINDER = "diary_reminder"
    SESSION_ANNOUNCE = "session_announce"
    FIRST_MEETING = "first_meeting"
    AGENDA_SHARE = "agenda_share"
    ACTION_REMINDER = "action_reminder"
    EXPECTATIONS = "expectations"
    CLOSING = "closing"
    # Program health (bot/stalling.py): a stalling pair's nudge, an admin's daily digest.
    NUDGE = "nudge"
    ADMIN_DIGEST = "admin_digest"


class PairStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    ENDED = "ended"


_OPEN_PAIR = text("status != 'ended'")


class Pair(SQLModel, table=True):
    """A mentor and a mentee, with the group conversation the bot keeps them in."""

    __tablename__ = "pairs"
    __table_args__ = (
        # One open pair per conversation: conversations.open returns the same group DM for
        # the same people, so a second open pair of them would share (and confuse) it.
        Index(
            "uq_pairs_open_channel",
            "team_id",
            "channel_id",
            unique=True,
            sqlite_where=_OPEN_PAIR,
            postgresql_where=_OPEN_PAIR,
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True, max_length=32)
    mentor_id: str = Field(max_length=32)
    mentee_id: str = Field(max_length=32)
    channel_id: str = Field(max_length=32)
    status: PairStatus = enum_column(PairStatus, 16, default=PairStatus.ACTIVE)
    # Which program (cohort) the pair belongs to, for reports; CSV import can set it.
    program: str = Field(default="main", max_length=64)
    created_by: str = Field(max_length=32)
    created_at: datetime = utc_column()
    agreement_message_ts: str | None = Field(default=None, max_length=32)
    # When bot/stalling.py next looks at the pair for nudges and risk (None: not yet).
    next_health_check_at: datetime | None = utc_column(nullable=True)

    def has_partner(self, user_id: str) -> bool:
        return user_id in (self.mentor_id, self.mentee_id)

    def partner_of(self, user_id: str) -> str:
        return self.mentee_id if user_id == self.mentor_id else self.mentor_id

    def role_of(self, user_id: str) -> str | None:
        if user_id == self.mentor_id:
            return "mentor"
        if user_id == self.mentee_id:
            return "mentee"
        return None


class AgreementVersion(SQLModel, table=True):
    """One version of a pair's partnership agreement; editing a signed one adds a version."""

    __tablename__ = "agreement_versions"
    __table_args__ = (UniqueConstraint("pair_id", "version", name="uq_agreement_version"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True, max_length=32)
    pair_id: int = Field(foreign_key="pairs.id", index=True)
    version: int
    clauses: dict[str, str] = json_column()
    created_by: str = Field(max_length=32)
    created_at: datetime = utc_column()


class Signature(SQLModel, table=True):
    """A partner's signature on one version of the agreement."""

    __tablename__ = "signatures"
    __table_args__ = (UniqueConstraint("pair_id", "version", "user_id", name="uq_signature_once"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True, max_length=32)
    pair_id: int = Field(foreign_key="pairs.id", index=True)
    version: int
    user_id: str = Field(max_length=32)
    signed_at: datetime = utc_column()


class SessionStatus(StrEnum):
    SCHEDULED = "scheduled"
    HELD = "held"
    MISSED = "missed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


class Series(SQLModel, table=True):
    """A pair's recurring slot: occurrences are computed in its time zone from the first start."""

    __tablename__ = "series"
    __table_args__ = (Index("ix_series_plan", "active", "next_plan_at"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True, max_length=32)
    pair_id: int = Field(foreign_key="pairs.id", index=True)
    cadence: str | None = Field(default=None, max_length=16)  # None: a one-off session
    timezone: str = Field(default="UTC", max_length=64)
    first_start: datetime = utc_column()
    length_minutes: int
    active: bool = True
    # Stopped because its pair was paused (not cancelled): resuming the pair restarts it.
    paused: bool = False
    # The latest occurrence that has a session row, and its slot's start: once that has
    # passed, the next occurrence is planned.
    last_occurrence: int = 0
    next_plan_at: datetime = utc_column()
    created_by: str = Field(max_length=32)
    created_at: datetime = utc_column()


class MentoringSession(SQLModel, table=True):
    """One meeting of a pair, at a UTC instant."""

    __tablename__ = "sessions"
    __table_args__ = (
        UniqueConstraint("series_id", "occurrence", name="uq_session_occurrence"),
        Index("ix_sessions_pair_start", "team_id", "pair_id", "starts_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True, max_length=32)
    pair_id: int = Field(foreign_key="pairs.id")
    series_id: int = Field(foreign_key="series.id", index=True)
    occurrence: int = 0
    starts_at: datetime = utc_column()
    length_minutes: int
    status: SessionStatus = enum_column(SessionStatus, 16, default=SessionStatus.SCHEDULED)
    message_ts: str | None = Field(default=None, max_length=32)
    status_changed_by: str | None = Field(default=None, max_length=32)
    created_at: datetime = utc_column()

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.length_minutes)


class DeliveryState(StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"
    SENT = "sent"
    FAILED = "failed"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


class Delivery(SQLModel, table=True):
    """A message the bot will send: what, to whom, for which session, when, and its outcome."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("team_id", "dedupe_key", name="uq_delivery_once"),
        # The dispatcher asks only for pending rows whose time has come: this index makes a
        # pass cost what is due, not what is stored.
        Index("ix_deliveries_due", "state", "next_attempt_at"),
        Index("ix_deliveries_session", "team_id", "session_id", "state"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    pair_id: int | None = Field(default=None, foreign_key="pairs.id")
    session_id: int | None = Field(default=None, foreign_key="sessions.id")
    # What else the delivery is about, by kind (e.g. the action item a reminder is for).
    subject_id: int | None = None
    kind: Kind = enum_column(Kind, 32)
    recipient: str = Field(max_length=32)  # a user id (sent as a DM) or a channel id
    dedupe_key: str = Field(max_length=200)
    due_at: datetime = utc_column()
    expires_at: datetime | None = utc_column(nullable=True)
    next_attempt_at: datetime = utc_column()
    state: DeliveryState = enum_column(DeliveryState, 16, default=DeliveryState.PENDING)
    attempts: int = 0
    claimed_at: datetime | None = utc_column(nullable=True)
    claim_token: str | None = Field(default=None, max_length=64)
    channel_id: str | None = Field(default=None, max_length=32)
    message_ts: str | None = Field(default=None, max_length=32)
    sent_at: datetime | None = utc_column(nullable=True)
    last_error: str | None = Field(default=None, max_length=200)
    created_at: datetime = utc_column()


class PromptAnswer(SQLModel, table=True):
    """One person's answers to a question set (preparation, check-in, …) for a session."""

    __tablename__ = "prompt_answers"
    __table_args__ = (
        UniqueConstraint("session_id", "author_id", "question_set", name="uq_answer_once"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True, max_length=32)
    pair_id: int = Field(foreign_key="pairs.id", index=True)
    # None for answers that belong to the pair rather than a session (first-meeting form).
    session_id: int | None = Field(default=None, foreign_key="sessions.id")
    author_id: str = Field(max_length=32)
    question_set: str = Field(max_length=32)
    answers: dict[str, str] = json_column()
    answered_at: datetime = utc_column()


class DiaryEntry(SQLModel, table=True):
    """A learning-diary entry: private to its author unless they share it with their partner."""

    __tablename__ = "diary_entries"
    __table_args__ = (UniqueConstraint("session_id", "author_id", name="uq_diary_once"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True, max_length=32)
    pair_id: int = Field(foreign_key="pairs.id", index=True)
    session_id: int = Field(foreign_key="sessions.id")
    author_id: str = Field(max_length=32, index=True)
    answers: dict[str, str] = json_column()
    shared_with_partner: bool = False
    open_questions_to_agenda: bool = False
    written_at: datetime = utc_column()


class DmChannel(SQLModel, table=True):
    """The bot's DM channel with a person, so delivery can look for what it already posted."""

    __tablename__ = "dm_channels"
    __table_args__ = (UniqueConstraint("team_id", "user_id", name="uq_dm_channel"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    user_id: str = Field(max_length=32)
    channel_id: str = Field(max_length=32)


class ActionItem(SQLModel, table=True):
    """A commitment with an owner and an optional due date, kept by a pair."""

    __tablename__ = "action_items"
    __table_args__ = (Index("ix_action_items_pair", "team_id", "pair_id", "done_at"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    pair_id: int = Field(foreign_key="pairs.id")
    owner_id: str = Field(max_length=32)
    text: str = Field(max_length=500)
    due_on: date | None = None
    session_id: int | None = Field(default=None, foreign_key="sessions.id")
    created_by: str = Field(max_length=32)
    created_at: datetime = utc_column()
    done_at: datetime | None = utc_column(nullable=True)
    done_by: str | None = Field(default=None, max_length=32)


class AgendaTopic(SQLModel, table=True):
    """A topic a partner added to the agenda of the pair's next session."""

    __tablename__ = "agenda_topics"
    __table_args__ = (Index("ix_agenda_topics_session", "team_id", "pair_id", "session_id"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    pair_id: int = Field(foreign_key="pairs.id")
    session_id: int = Field(foreign_key="sessions.id")
    author_id: str = Field(max_length=32)
    text: str = Field(max_length=300)
    created_at: datetime = utc_column()


class Goal(SQLModel, table=True):
    """A goal a pair works towards, the indicator it tracks, and when it was reached."""

    __tablename__ = "goals"
    __table_args__ = (Index("ix_goals_pair", "team_id", "pair_id"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    pair_id: int = Field(foreign_key="pairs.id")
    title: str = Field(max_length=200)
    indicator: str = Field(default="", max_length=300)
    target_on: date | None = None
    created_by: str = Field(max_length=32)
    created_at: datetime = utc_column()
    reached_at: datetime | None = utc_column(nullable=True)
    reached_by: str | None = Field(default=None, max_length=32)


class SlackEvent(SQLModel, table=True):
    """An Events API delivery already taken on: Slack's retries are acknowledged, not rerun."""

    __tablename__ = "slack_events"
    __table_args__ = (
        # The claim: a second insert of the same event (a retry, even one arriving while the
        # first is still being handled) conflicts here instead of running the listener again.
        UniqueConstraint("team_id", "event_id", name="uq_slack_event_once"),
        Index("ix_slack_events_received", "team_id", "received_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    event_id: str = Field(max_length=64)
    received_at: datetime = utc_column()


class ImportBatch(SQLModel, table=True):
    """A previewed CSV import: its checked rows, and who confirmed it (once) with what outcome."""

    __tablename__ = "import_batches"
    __table_args__ = (Index("ix_import_batches_team", "team_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    created_by: str = Field(max_length=32)
    created_at: datetime = utc_column()
    source: str = Field(default="", max_length=200)  # "pasted" or the file's name
    # One entry per CSV row: its number, what it said, whom it resolved to and why it can't
    # pair (None: it will). The Confirm button carries only the batch id, never these.
    rows: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    confirmed_at: datetime | None = utc_column(nullable=True)
    confirmed_by: str | None = Field(default=None, max_length=32)
    # Row number -> what confirming did with it ("paired" or why not), once it has run.
    results: dict[str, str] = json_column()


class ViewPurpose(StrEnum):
    """What a modal the bot opened shows (the only modals a later click may update)."""

    HOME_AGREEMENT = "home_agreement"
    IMPORT = "import"


class OpenedView(SQLModel, table=True):
    """A modal the bot opened for a person: a click naming any other view id updates nothing."""

    __tablename__ = "opened_views"
    __table_args__ = (
        Index("ix_opened_views_person", "team_id", "user_id", "view_id"),
        Index("ix_opened_views_opened", "team_id", "opened_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    user_id: str = Field(max_length=32)
    view_id: str = Field(max_length=64)
    purpose: ViewPurpose = enum_column(ViewPurpose, 32)
    # What it is about (the pair whose agreement it shows; None for the import form).
    subject_id: int | None = None
    opened_at: datetime = utc_column()


class ClickClaim(SQLModel, table=True):
    """A click's or a submission's effect, taken on: a second one within its window finds this
    and does nothing (bot/once.py)."""

    __tablename__ = "click_claims"
    __table_args__ = (
        UniqueConstraint("team_id", "key", name="uq_click_claim_once"),
        Index("ix_click_claims_claimed", "team_id", "claimed_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    key: str = Field(max_length=200)
    claimed_at: datetime = utc_column()


# Program health (bot/stalling.py, storage/report.py). The health pass picks active pairs
# whose check is due (or that were never checked) by this index, a batch at a time.
Index(
    "ix_pairs_health_check",
    Pair.__table__.c.status,  # type: ignore[attr-defined]
    Pair.__table__.c.next_health_check_at,  # type: ignore[attr-defined]
)
# A pair's nudges and question-set prompts, for "ignored" and "unanswered in a row".
Index(
    "ix_deliveries_pair_kind",
    Delivery.__table__.c.team_id,  # type: ignore[attr-defined]
    Delivery.__table__.c.pair_id,  # type: ignore[attr-defined]
    Delivery.__table__.c.kind,  # type: ignore[attr-defined]
    Delivery.__table__.c.due_at,  # type: ignore[attr-defined]
)
