"""querylog_turn.turn_key: a turn queued while the database was away is written once

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0021'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('querylog_turn') as batch_op:
        batch_op.add_column(sa.Column('turn_key', sa.String(length=16), nullable=True))
        batch_op.create_index('ix_querylog_turn_turn_key', ['turn_key'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('querylog_turn') as batch_op:
        batch_op.drop_index('ix_querylog_turn_turn_key')
        batch_op.drop_column('turn_key')
