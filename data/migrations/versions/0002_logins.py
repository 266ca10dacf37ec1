"""Logins: who wrote an analysis, and the audit log.

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    with op.batch_alter_table("goal_comment") as batch:
        batch.add_column(sa.Column("user_id", sa.String(200), nullable=False, server_default=""))
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime, nullable=False, index=True),
        sa.Column("user_id", sa.String(200), nullable=False, index=True),
        sa.Column("roles", sa.String(400), nullable=False),
        sa.Column("action", sa.String(20), nullable=False, index=True),
        sa.Column("detail", sa.String(1000), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("audit_event")
    with op.batch_alter_table("goal_comment") as batch:
        batch.drop_column("user_id")
