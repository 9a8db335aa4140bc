"""channel_inbound, channel_outbound: the claiming process's key, so a dead process's
claims are given back at once (api.core.liveness)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0023'
down_revision: str | None = '0022'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('channel_inbound') as batch:
        batch.add_column(sa.Column('holder', sa.Integer(), nullable=True))
    with op.batch_alter_table('channel_outbound') as batch:
        batch.add_column(sa.Column('holder', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('channel_outbound') as batch:
        batch.drop_column('holder')
    with op.batch_alter_table('channel_inbound') as batch:
        batch.drop_column('holder')
