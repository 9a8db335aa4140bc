"""web_chat_reply: a web chat message sent again gets the reply it already got

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0022'
down_revision: str | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'web_chat_reply',
        sa.Column('user_pseudonym', sa.String(length=32), nullable=False),
        sa.Column('message_id', sa.String(length=40), nullable=False),
        sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('response', sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint('user_pseudonym', 'message_id'),
    )
    op.create_index('ix_web_chat_reply_taken_at', 'web_chat_reply', ['taken_at'])


def downgrade() -> None:
    op.drop_index('ix_web_chat_reply_taken_at', table_name='web_chat_reply')
    op.drop_table('web_chat_reply')
