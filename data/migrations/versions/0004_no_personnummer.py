"""No personnummer in the store: display names for pseudonymous user ids, and the personnummer
that earlier releases stored as typed are removed.

* every user id (``audit_event.user_id``, ``goal_comment.user_id``, the registers' ``changed_by``)
  that holds a personnummer becomes its keyed pseudonym (``data.privacy.user_ref``); without a
  pseudonym key (``SAMVERKAN_PSEUDONYM_KEY``) it is masked instead, and the audit line says so;
* every other text column has the digits of every personnummer masked (analyses, authors,
  register fields, change notes, audit details);
* one audit line records what was changed, when anything was.

Earlier versions of a text are masked like the latest (nothing is deleted). The downgrade drops
the table of display names; masked and pseudonymised values stay as they are (by design).

Revision ID: 0004
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from data import personnummer, privacy

revision = "0004"
down_revision = "0003"

USER_COLUMNS = {"audit_event": ("user_id",), "goal_comment": ("user_id",), "reg_action": ("changed_by",),
                "reg_assignment": ("changed_by",), "reg_recommendation": ("changed_by",),
                "reg_meeting": ("changed_by",), "reg_decision": ("changed_by",), "reg_annotation": ("changed_by",)}


def _text_columns(bind, table: str) -> list[str]:
    return [c["name"] for c in sa.inspect(bind).get_columns(table)
            if isinstance(c["type"], sa.String) and c["name"] != "id"]


def upgrade() -> None:
    op.create_table(
        "user_name",
        sa.Column("user_id", sa.String(200), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("seen_at", sa.DateTime, nullable=False),
    )
    bind = op.get_bind()
    found = personnummer.key_from_env()
    key = found[0] if found else None
    ids = texts = 0
    for table, user_columns in USER_COLUMNS.items():
        if not sa.inspect(bind).has_table(table):
            continue
        columns = _text_columns(bind, table)
        t = sa.table(table, sa.column("id"), *(sa.column(c) for c in columns))
        updates = []
        # streamed (an audit log can be long); the changes are applied after the read
        for row in bind.execute(sa.select(t).execution_options(yield_per=5000)).mappings():
            changes = {}
            for c in columns:
                value = row[c]
                if not isinstance(value, str) or not personnummer.find(value):
                    continue
                if c in user_columns:
                    changes[c] = (privacy.user_ref(value, key) if key else privacy.masked(value))[:200]
                    ids += 1
                else:
                    changes[c] = privacy.masked(value)
                    texts += 1
            if changes:
                updates.append((row["id"], changes))
        for row_id, changes in updates:
            bind.execute(t.update().where(t.c.id == row_id).values(**changes))
    if ids or texts:
        how = ("pseudonymiserade med nyckel" if key else
               "maskerade (ingen pseudonymiseringsnyckel var satt, SAMVERKAN_PSEUDONYM_KEY)")
        audit = sa.table("audit_event", sa.column("at"), sa.column("user_id"), sa.column("roles"),
                         sa.column("action"), sa.column("detail"))
        bind.execute(audit.insert().values(
            at=datetime.now(UTC).replace(tzinfo=None), user_id="samverkan (migrering 0004)", roles="",
            action="migration",
            detail=f"Personnummer togs bort ur lagret: {ids} användar-id {how}, {texts} texter maskerade."))


def downgrade() -> None:
    op.drop_table("user_name")
