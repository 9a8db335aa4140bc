"""staff_user.token_version: a staff token is checked against its account on every
request, and bumping the version ends the account's tokens; querylog_rejected_count:
messages refused over a rate limit are counted per day instead of logged one by one

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('staff_user') as batch:
        batch.add_column(sa.Column('token_version', sa.Integer(), server_default='0', nullable=False))
    op.create_table(
        'querylog_rejected_count',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('reason', sa.String(length=24), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('day', 'channel', 'reason'),
    )


def downgrade() -> None:
    op.drop_table('querylog_rejected_count')
    with op.batch_alter_table('staff_user') as batch:
        batch.drop_column('token_version')
