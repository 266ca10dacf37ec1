"""The follow-up loop: actions, assignments, recommendations, meetings, decisions, annotations.
Every table keeps every version of an item (key, version, who, when, withdrawn).

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def _versioned() -> list[sa.Column]:
    return [
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(40), nullable=False, index=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("changed_at", sa.DateTime, nullable=False),
        sa.Column("changed_by", sa.String(200), nullable=False),
        sa.Column("change_note", sa.String(400), nullable=False),
        sa.Column("withdrawn", sa.Boolean, nullable=False),
        sa.Column("demo", sa.Boolean, nullable=False),
    ]


def _text(name: str, length: int, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.String(length), nullable=nullable)


TABLES = {
    "reg_action": [
        sa.Column("goal_id", sa.String(100), nullable=False, index=True), _text("title", 300),
        _text("description", 4000), _text("committee", 40), _text("unit", 200), _text("owner", 200),
        sa.Column("start", sa.Date), sa.Column("due", sa.Date), _text("status", 20), _text("comment", 2000),
        sa.Column("comment_date", sa.Date)],
    "reg_assignment": [
        _text("body", 200), sa.Column("decided", sa.Date), _text("paragraph", 40), _text("case_number", 60),
        _text("title", 300), _text("text", 4000), _text("responsible", 40), _text("partners", 200),
        sa.Column("report_due", sa.Date), _text("status", 20), sa.Column("reported", sa.Date),
        _text("goals", 400), _text("actions", 400), _text("source", 400)],
    "reg_recommendation": [
        _text("audit_title", 300), _text("auditor", 200), sa.Column("audit_date", sa.Date), _text("text", 4000),
        _text("addressed_to", 200), sa.Column("response_due", sa.Date), _text("response", 4000),
        sa.Column("response_date", sa.Date), _text("actions", 400), _text("status", 20), _text("source", 400)],
    "reg_meeting": [sa.Column("held", sa.Date, nullable=False), _text("attendees", 1000), _text("agenda", 4000)],
    "reg_decision": [
        sa.Column("meeting", sa.Date), _text("text", 2000), _text("owner", 200), sa.Column("due", sa.Date),
        _text("status", 20), _text("follow_up", 2000)],
    "reg_annotation": [
        sa.Column("on", sa.Date, nullable=False), _text("text", 200), _text("goal_id", 100),
        _text("indicator", 100), _text("area", 100)],
}


def upgrade() -> None:
    for name, columns in TABLES.items():
        op.create_table(name, *_versioned(), *columns)


def downgrade() -> None:
    for name in TABLES:
        op.drop_table(name)
