"""The small transactional store for what users write (SQLModel; SQLite by default).

Analytical facts live in the DuckDB warehouse; this store holds the committees' own words: the
analysis comment a committee writes on a goal for a period (målanalys), every version of it with
who wrote it and when, and the audit log (logins, imports, writes, downloads, refusals). Any
SQLAlchemy URL works (``SAMVERKAN_STORE_URL``), e.g. PostgreSQL in a real deployment.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, inspect
from sqlalchemy import text as sql
from sqlmodel import Field, Session, SQLModel, create_engine, select

MAX_COMMENT_CHARS = 4000


class GoalComment(SQLModel, table=True):
    """A committee's analysis of a goal for a period. Newer comments supersede older ones."""

    __tablename__ = "goal_comment"

    id: int | None = Field(default=None, primary_key=True)
    goal_id: str = Field(index=True, max_length=100)
    period: str = Field(index=True, max_length=40)  # e.g. '2025/26', or 'latest'
    committee: str = Field(max_length=40)
    text: str = Field(max_length=MAX_COMMENT_CHARS)
    author: str = Field(default="", max_length=200)
    # the logged-in user who saved it ('' for demo data and stores from before logins existed)
    user_id: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


AUDIT_ACTIONS = {"login": "Inloggning", "logout": "Utloggning", "import": "Import",
                 "write": "Sparad text", "download": "Nedladdning", "refused": "Nekad åtkomst",
                 "exact": "Exakta värden"}


class AuditEvent(SQLModel, table=True):
    """One line of the audit log: who did what, when. Never holds data about children."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=lambda: datetime.now(UTC), index=True)
    user_id: str = Field(max_length=200, index=True)
    roles: str = Field(default="", max_length=400)
    action: str = Field(max_length=20, index=True)  # a key of AUDIT_ACTIONS
    detail: str = Field(default="", max_length=1000)


_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def engine(url: str) -> Engine:
    """One engine per URL per process, its schema migrated to the latest version on first use."""
    with _lock:
        eng = _engines.get(url)
        if eng is None:
            if url.startswith("sqlite:///"):
                Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
            args = {"check_same_thread": False} if url.startswith("sqlite") else {}
            eng = create_engine(url, connect_args=args)
            migrate(eng)
            _engines[url] = eng
        return eng


MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def schema_revision(eng: Engine) -> str | None:
    """The Alembic revision a store is at (None: a store from before migrations existed, or empty)."""
    with eng.connect() as con:
        if not inspect(con).has_table("alembic_version"):
            return None
        return con.execute(sql("SELECT version_num FROM alembic_version")).scalar()


def _revision_before_alembic(con) -> str | None:
    """Which revision a store made before migrations matches: its tables tell (None: empty)."""
    insp = inspect(con)
    if not insp.has_table("goal_comment"):
        return None
    has_user = "user_id" in {c["name"] for c in insp.get_columns("goal_comment")}
    return "0002" if has_user and insp.has_table("audit_event") else "0001"


def migrate(eng: Engine) -> None:
    """Upgrade the store in place to the latest schema (data/migrations, Alembic); a store from
    before migrations is first stamped with the revision its tables match."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with eng.begin() as con:
        cfg.attributes["connection"] = con
        if not inspect(con).has_table("alembic_version"):
            found = _revision_before_alembic(con)
            if found is not None:
                command.stamp(cfg, found)
        command.upgrade(cfg, "head")


class CommentError(ValueError):
    """A comment that cannot be saved; Swedish message."""


def add_comment(url: str, goal_id: str, period: str, committee: str, text: str,
                author: str = "", user_id: str = "") -> GoalComment:
    """Save a new version of a goal's analysis (earlier versions are kept)."""
    text = text.strip()
    if not text:
        raise CommentError("Analysen är tom.")
    if len(text) > MAX_COMMENT_CHARS:
        raise CommentError(f"Analysen är för lång ({len(text)} tecken, högst {MAX_COMMENT_CHARS}).")
    comment = GoalComment(goal_id=goal_id, period=period, committee=committee, text=text,
                          author=author.strip(), user_id=user_id)
    with Session(engine(url)) as session:
        session.add(comment)
        session.commit()
        session.refresh(comment)
        return comment


def latest_comments(url: str, period: str) -> dict[str, GoalComment]:
    """The newest comment per goal for a period."""
    with Session(engine(url)) as session:
        rows = session.exec(select(GoalComment).where(GoalComment.period == period)
                            .order_by(GoalComment.created_at, GoalComment.id)).all()
    latest: dict[str, GoalComment] = {}
    for c in rows:
        latest[c.goal_id] = c  # ordered ascending: the last one wins
    return latest


def comment_history(url: str, goal_id: str, period: str) -> list[GoalComment]:
    """Every version of a goal's analysis for a period, newest first."""
    with Session(engine(url)) as session:
        return list(session.exec(select(GoalComment).where(GoalComment.goal_id == goal_id,
                                                           GoalComment.period == period)
                                 .order_by(GoalComment.created_at.desc(), GoalComment.id.desc())).all())


def audit(url: str, user_id: str, action: str, detail: str = "", roles: str = "") -> None:
    """Record one event in the audit log."""
    if action not in AUDIT_ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    with Session(engine(url)) as session:
        session.add(AuditEvent(user_id=user_id[:200], roles=roles[:400], action=action, detail=detail[:1000]))
        session.commit()


def audit_events(url: str, since: datetime | None = None, until: datetime | None = None,
                 action: str | None = None, user: str | None = None, limit: int = 10_000) -> list[AuditEvent]:
    """The audit log, newest first, filtered by time, action and (part of) the user id."""
    q = select(AuditEvent)
    if since is not None:
        q = q.where(AuditEvent.at >= since)
    if until is not None:
        q = q.where(AuditEvent.at < until)
    if action:
        q = q.where(AuditEvent.action == action)
    if user:
        q = q.where(AuditEvent.user_id.contains(user))
    with Session(engine(url)) as session:
        return list(session.exec(q.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)).all())


def seed_demo_comments(url: str, period: str) -> int:
    """Example analyses for the demo municipality (only when the store has none for the period)."""
    if latest_comments(url, period):
        return 0
    examples = [
        ("bun-hog-franvaro", "BUN",
         "Demodata: Gymnasieskolan ligger kvar under målnivån, men grundskolans andel med hög "
         "frånvaro har bara minskat marginellt sedan basåret. Nämnden har gett förvaltningen i "
         "uppdrag att analysera skillnaderna mellan områdena och att utvärdera närvaroteamens "
         "arbete i årskurs 7–9."),
        ("sn-hog-franvaro-insats", "SN",
         "Demodata: Andelen med hög frånvaro bland barn med insatser minskar, men inte tillräckligt "
         "för målet. Skolsociala team breddinförs 2026 och följs upp per termin tillsammans med "
         "barn- och utbildningsnämnden."),
    ]
    for goal_id, committee, text in examples:
        add_comment(url, goal_id, period, committee, text, author="Demodata")
    return len(examples)
