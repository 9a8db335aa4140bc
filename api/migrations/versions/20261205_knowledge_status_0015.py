"""knowledge_entry: status (draft / verified), verified_on, verified_by and further
sources instead of a last_verified date that claimed checks never made; every entry
starts as a draft until the seeds or a staff member verify it

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('knowledge_entry') as batch:
        batch.add_column(sa.Column('sources', sa.JSON(), server_default='[]', nullable=False))
        batch.add_column(sa.Column('status', sa.String(length=12), server_default='draft', nullable=False))
        batch.add_column(sa.Column('verified_on', sa.Date(), nullable=True))
        batch.add_column(sa.Column('verified_by', sa.String(length=80), nullable=True))
        batch.drop_column('last_verified')
    op.create_table(
        'knowledge_revision',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('entry_id', sa.String(length=32), nullable=False),
        sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('changed_by', sa.String(length=80), nullable=False),
        sa.Column('action', sa.String(length=12), nullable=False),
        sa.Column('before', sa.JSON(), nullable=False),
        sa.Column('after', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_knowledge_revision_entry', 'knowledge_revision', ['entry_id', 'id'])
    with op.batch_alter_table('querylog_turn') as batch:
        batch.add_column(sa.Column('answer_draft', sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('querylog_turn') as batch:
        batch.drop_column('answer_draft')
    op.drop_index('ix_knowledge_revision_entry', table_name='knowledge_revision')
    op.drop_table('knowledge_revision')
    with op.batch_alter_table('knowledge_entry') as batch:
        batch.add_column(sa.Column('last_verified', sa.Date(), nullable=False, server_default='2026-11-22'))
        batch.drop_column('verified_by')
        batch.drop_column('verified_on')
        batch.drop_column('status')
        batch.drop_column('sources')
