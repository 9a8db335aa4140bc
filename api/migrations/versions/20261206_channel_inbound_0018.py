"""channel_inbound: webhook events accepted but not yet handled (durable inbox)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'channel_inbound',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('sealed', sa.LargeBinary(), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(
        'ix_channel_inbound_claimed_until', 'channel_inbound', ['claimed_until'], unique=False
    )


def downgrade() -> None:
    op.drop_index('ix_channel_inbound_claimed_until', table_name='channel_inbound')
    op.drop_table('channel_inbound')
