"""The first store: the committees' goal analyses.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "goal_comment",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("goal_id", sa.String(100), nullable=False, index=True),
        sa.Column("period", sa.String(40), nullable=False, index=True),
        sa.Column("committee", sa.String(40), nullable=False),
        sa.Column("text", sa.String(4000), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("goal_comment")
