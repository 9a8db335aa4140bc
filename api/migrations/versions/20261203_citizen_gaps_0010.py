"""querylog_citizen_gap: citizen-days counted per day and gap to the previous day,
for the distinct citizens of each bucket of a long period (filled by the next
refresh: the aggregates layout changed)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('querylog_citizen_gap',
    sa.Column('level', sa.String(length=24), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('province_code', sa.String(length=8), nullable=False),
    sa.Column('gap', sa.Integer(), nullable=False),
    sa.Column('citizens', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('level', 'day', 'channel', 'province_code', 'gap', name=op.f('pk_querylog_citizen_gap'))
    )


def downgrade() -> None:
    op.drop_table('querylog_citizen_gap')
