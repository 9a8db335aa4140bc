"""channels: inbound de-duplication, contacts, callback payloads, rate limits

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('channel_event',
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('event_id', sa.String(length=80), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('channel', 'event_id', name=op.f('pk_channel_event'))
    )
    with op.batch_alter_table('channel_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_channel_event_received_at'), ['received_at'], unique=False)

    op.create_table('channel_contact',
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('user_pseudonym', sa.String(length=32), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('last_inbound_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('menu', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('channel', 'user_pseudonym', name=op.f('pk_channel_contact'))
    )
    op.create_table('channel_callback_payload',
    sa.Column('key', sa.String(length=24), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_channel_callback_payload'))
    )
    op.create_table('rate_limit_bucket',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('window', sa.Integer(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key', 'window', name=op.f('pk_rate_limit_bucket'))
    )
    with op.batch_alter_table('querylog_turn', schema=None) as batch_op:
        batch_op.add_column(sa.Column('detail', sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('querylog_turn', schema=None) as batch_op:
        batch_op.drop_column('detail')
    op.drop_table('rate_limit_bucket')
    op.drop_table('channel_callback_payload')
    op.drop_table('channel_contact')
    with op.batch_alter_table('channel_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_channel_event_received_at'))
    op.drop_table('channel_event')
