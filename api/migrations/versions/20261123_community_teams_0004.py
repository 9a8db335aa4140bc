"""community team directory

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('community_team',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('province_code', sa.String(length=8), nullable=False),
    sa.Column('communes', sa.JSON(), nullable=False),
    sa.Column('office_hours', sa.JSON(), nullable=False),
    sa.Column('meeting_point', sa.String(length=300), nullable=False),
    sa.Column('contact', sa.String(length=300), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('sample', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['province_code'], ['place_province.code'], name=op.f('fk_community_team_province_code_place_province')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_community_team'))
    )
    with op.batch_alter_table('community_team', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_community_team_province_code'), ['province_code'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('community_team', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_community_team_province_code'))

    op.drop_table('community_team')
