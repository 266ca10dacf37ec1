"""The small transactional store for what users write (SQLModel; SQLite by default).

Analytical facts live in the DuckDB warehouse; this store holds the committees' own words: the
analysis comment a committee writes on a goal for a period (målanalys), every version of it with
who wrote it and when, the follow-up registers (``data.registers``), the display names of the
people who logged in, and the audit log (logins, imports, writes, downloads, refusals). Any
SQLAlchemy URL works (``SAMVERKAN_STORE_URL``), e.g. PostgreSQL in a real deployment.

No personnummer is ever stored (PRIVACY.md): typed text holding one is refused before it is
written (``data.privacy``), text the product writes is masked, a user id holding one is stored as
a keyed pseudonym, and every flush checks every text once more (``_no_personnummer``). A write and
its audit line are committed in one transaction (``AuditLine``). A store that does not answer
raises ``StoreUnavailable`` (Swedish message) so that a form can say so and keep what was typed.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, event, inspect
from sqlalchemy import exc as sa_exc
from sqlalchemy import text as sql
from sqlmodel import Field, Session, SQLModel, create_engine, select

from data import personnummer, privacy

log = logging.getLogger("samverkan.store")

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


# The labels of the analysis form's fields: the form shows them, and a refusal names them.
COMMENT_LABELS = {"text": "Analys", "author": "Namn eller funktion"}


AUDIT_ACTIONS = {"login": "Inloggning", "logout": "Utloggning", "import": "Import",
                 "write": "Sparad text", "download": "Nedladdning", "refused": "Nekad åtkomst",
                 "brief_sent": "Månadsrapport e-postad", "retention": "Gallring", "migration": "Migrering",
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


class UserName(SQLModel, table=True):
    """The display name of a user id, from the ID token's ``name`` at the latest login: how a
    pseudonymous id (``anv-…``) is shown. A name is no child's data; it is masked like any text
    the product writes."""

    __tablename__ = "user_name"

    user_id: str = Field(primary_key=True, max_length=200)
    name: str = Field(max_length=200)
    seen_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


class StoreUnavailable(RuntimeError):
    """The store did not answer: SQLite locked, PostgreSQL stopped or unreachable."""

    def __str__(self) -> str:
        return "lagret svarar inte"


class PersonalNumberInStore(RuntimeError):
    """A write that would have stored a personnummer (a bug: typed text is refused and product
    text masked before this point). Names the table and column, never the value."""


_engines: dict[str, Engine] = {}
_lock = threading.Lock()
# Errors that mean the database did not answer (not that the write was wrong): locked, stopped,
# connection refused or lost, pool exhausted.
_UNAVAILABLE = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError, sa_exc.DisconnectionError)


def engine(url: str) -> Engine:
    """One engine per URL per process, its schema migrated to the latest version on first use."""
    with _lock:
        eng = _engines.get(url)
        if eng is None:
            if url.startswith("sqlite:///"):
                Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
            if url.startswith("sqlite"):
                args = {"check_same_thread": False, "timeout": 5}
            else:  # an unreachable server fails in seconds, not at the TCP timeout
                args = {"connect_timeout": 5}
            # pre_ping: a pooled connection to a restarted server is replaced, not used and failed;
            # hide_parameters: an error in the log never quotes what a user typed
            eng = create_engine(url, connect_args=args, pool_pre_ping=True, hide_parameters=True)
            if url.startswith("sqlite"):
                # what a write replaces or deletes is overwritten in the file, not left in free pages
                # (migration 0004 masks texts in place: the old bytes must not stay behind)
                event.listen(eng, "connect", lambda dbapi, _record: dbapi.execute("PRAGMA secure_delete = ON"))
            try:
                migrate(eng)
            except BaseException:
                eng.dispose()
                raise
            _engines[url] = eng
        return eng


@contextlib.contextmanager
def session(url: str) -> Iterator[Session]:
    """A session on the store; a database that does not answer raises StoreUnavailable (also when
    it is down at the first use, while migrating)."""
    try:
        with Session(engine(url)) as s:
            yield s
    except _UNAVAILABLE as exc:
        log.warning("Lagret svarar inte: %s", type(exc).__name__)
        raise StoreUnavailable() from exc


@event.listens_for(Session, "before_flush")
def _no_personnummer(s: Session, _context, _instances) -> None:
    """The last check of every write: no text column of a new or changed row holds a number
    that is or may be a personnummer."""
    for obj in (*s.new, *s.dirty):
        state = inspect(obj)
        for attr in state.mapper.column_attrs:
            value = getattr(obj, attr.key, None)
            if isinstance(value, str) and personnummer.find(value):
                raise PersonalNumberInStore(f"{state.mapper.local_table.name}.{attr.key} skulle ha fått ett "
                                            "personnummer; inget sparades")


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


@dataclass(frozen=True)
class AuditLine:
    """The audit line of a write, committed in the write's own transaction (or not at all)."""

    user_id: str
    action: str  # a key of AUDIT_ACTIONS
    detail: str = ""
    roles: str = ""

    def event(self) -> AuditEvent:
        """The row: the user id as stored (``stored_user``), product text masked."""
        if self.action not in AUDIT_ACTIONS:
            raise ValueError(f"unknown audit action {self.action!r}")
        return AuditEvent(user_id=stored_user(self.user_id)[:200], roles=privacy.masked(self.roles)[:400],
                          action=self.action, detail=privacy.masked(self.detail)[:1000])


def stored_user(user_id: str) -> str:
    """A user id as the store keeps it: a pseudonym when it holds a personnummer
    (``privacy.user_ref``); masked when no pseudonym key is set, since an audit line cannot be
    refused (the login itself is refused in that case, ``ui.auth``)."""
    try:
        return privacy.user_ref(user_id)
    except personnummer.MissingKey:
        return privacy.masked(user_id)


def add_comment(url: str, goal_id: str, period: str, committee: str, text: str,
                author: str = "", user_id: str = "", audit: AuditLine | None = None) -> GoalComment:
    """Save a new version of a goal's analysis (earlier versions are kept), with its audit line
    in the same transaction. Raises CommentError (Swedish, naming the field) for an empty or too
    long text or one holding a personnummer, StoreUnavailable when the store does not answer."""
    text = text.strip()
    if not text:
        raise CommentError("Analysen är tom.")
    if len(text) > MAX_COMMENT_CHARS:
        raise CommentError(f"Analysen är för lång ({len(text)} tecken, högst {MAX_COMMENT_CHARS}).")
    refused = [p for field, value in (("text", text), ("author", author))
               if (p := privacy.typed_problem(COMMENT_LABELS[field], value))]
    if refused:
        raise CommentError("\n".join(refused))
    comment = GoalComment(goal_id=goal_id, period=period, committee=committee, text=text,
                          author=author.strip(), user_id=stored_user(user_id) if user_id else "")
    with session(url) as s:
        s.add(comment)
        if audit is not None:
            s.add(audit.event())
        s.commit()
        s.refresh(comment)
        return comment


def latest_comments(url: str, period: str) -> dict[str, GoalComment]:
    """The newest comment per goal for a period."""
    with session(url) as s:
        rows = s.exec(select(GoalComment).where(GoalComment.period == period)
                      .order_by(GoalComment.created_at, GoalComment.id)).all()
    latest: dict[str, GoalComment] = {}
    for c in rows:
        latest[c.goal_id] = c  # ordered ascending: the last one wins
    return latest


def comment_history(url: str, goal_id: str, period: str) -> list[GoalComment]:
    """Every version of a goal's analysis for a period, newest first."""
    with session(url) as s:
        return list(s.exec(select(GoalComment).where(GoalComment.goal_id == goal_id, GoalComment.period == period)
                           .order_by(GoalComment.created_at.desc(), GoalComment.id.desc())).all())


def audit(url: str, user_id: str, action: str, detail: str = "", roles: str = "") -> None:
    """Record one event in the audit log (an event that is no write: a login, a download, a
    refusal). Raises StoreUnavailable when the store does not answer."""
    line = AuditLine(user_id, action, detail, roles).event()
    with session(url) as s:
        s.add(line)
        s.commit()


def probe(url: str) -> None:
    """Raise StoreUnavailable unless the store answers: checked before a write to another
    database (an import into the warehouse), so that a store that is down stops the write before
    it starts instead of leaving it without its audit line."""
    with session(url) as s:
        s.exec(select(AuditEvent.id).limit(1)).first()


def login_marker(claims: Mapping[str, object]) -> str:
    """One login (one ID token) as 12 hex digits: the same after a reload, new at the next login.

    >>> login_marker({"iss": "https://idp", "sub": "a", "iat": 1700000000}) == login_marker(
    ...     {"iss": "https://idp", "sub": "a", "iat": 1700000000, "exp": 1})
    True
    """
    basis = "|".join(str(claims.get(k, "")) for k in ("iss", "sub", "aud", "iat", "nonce", "auth_time"))
    return hashlib.sha256(basis.encode()).hexdigest()[:12]


def record_login(url: str, user_id: str, roles: str, marker: str, name: str = "") -> bool:
    """Record a login once per ID token (``marker``), however often the page is reloaded, and
    remember the user's display name; True when this call recorded it."""
    uid = stored_user(user_id)[:200]
    detail = f"inloggning {marker}"
    for attempt in (1, 2):  # two tabs of a new user at once: the second finds the first's name row
        try:
            with session(url) as s:
                seen = s.exec(select(AuditEvent.id).where(AuditEvent.action == "login", AuditEvent.user_id == uid,
                                                          AuditEvent.detail == detail)).first()
                if name:
                    known = s.get(UserName, uid)
                    shown = privacy.masked(name)[:200]
                    if known is None:
                        s.add(UserName(user_id=uid, name=shown))
                    elif known.name != shown:
                        known.name, known.seen_at = shown, datetime.now(UTC)
                        s.add(known)
                if seen is None:
                    s.add(AuditLine(uid, "login", detail, roles).event())
                s.commit()
            return seen is None
        except sa_exc.IntegrityError:
            if attempt == 2:
                raise
    return False


def display_names(url: str) -> dict[str, str]:
    """User id (as stored) -> display name, for the ids that have one."""
    with session(url) as s:
        return {u.user_id: u.name for u in s.exec(select(UserName)).all()}


def shown_user(user_id: str, names: Mapping[str, str]) -> str:
    """How a stored user id is shown: a pseudonym by its display name (and a short form of the
    pseudonym, so that two people of one name differ), anything else as it is.

    >>> shown_user("anv-0123456789abcdef01234567", {"anv-0123456789abcdef01234567": "Greta G"})
    'Greta G (anv-01234567)'
    """
    if privacy.is_pseudonym(user_id):
        short = user_id[:len(privacy.USER_PREFIX) + 8]
        return f"{names[user_id]} ({short})" if user_id in names else short
    return user_id


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
    with session(url) as s:
        if user:  # part of the stored id, or of the display name of a pseudonymous id
            named = [u.user_id for u in s.exec(select(UserName)).all() if user.lower() in u.name.lower()]
            q = q.where(AuditEvent.user_id.contains(user) | AuditEvent.user_id.in_(named))
        return list(s.exec(q.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)).all())


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
