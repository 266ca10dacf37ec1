"""The small transactional store for what users write (SQLModel; SQLite by default).

Analytical facts live in the DuckDB warehouse; this store holds the committees' own words: the
analysis comment a committee writes on a goal for a period (målanalys). Any SQLAlchemy URL works
(``SAMVERKAN_STORE_URL``), e.g. PostgreSQL in a real deployment.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine
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
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def engine(url: str) -> Engine:
    """One engine per URL per process, with the tables created on first use."""
    with _lock:
        eng = _engines.get(url)
        if eng is None:
            if url.startswith("sqlite:///"):
                Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
            args = {"check_same_thread": False} if url.startswith("sqlite") else {}
            eng = create_engine(url, connect_args=args)
            SQLModel.metadata.create_all(eng)
            _engines[url] = eng
        return eng


class CommentError(ValueError):
    """A comment that cannot be saved; Swedish message."""


def add_comment(url: str, goal_id: str, period: str, committee: str, text: str,
                author: str = "") -> GoalComment:
    text = text.strip()
    if not text:
        raise CommentError("Analysen är tom.")
    if len(text) > MAX_COMMENT_CHARS:
        raise CommentError(f"Analysen är för lång ({len(text)} tecken, högst {MAX_COMMENT_CHARS}).")
    comment = GoalComment(goal_id=goal_id, period=period, committee=committee, text=text,
                          author=author.strip())
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
