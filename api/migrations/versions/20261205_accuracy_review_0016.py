"""accuracy_review: weekly random samples of answered turns and the staff's verdict
on each (right / partly / wrong), for the monthly accuracy figure

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'accuracy_review',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('week', sa.Date(), nullable=False),
        sa.Column('turn_id', sa.Integer(), nullable=True),
        sa.Column('answered_on', sa.Date(), nullable=False),
        sa.Column('question_masked', sa.Text(), nullable=False),
        sa.Column('reply_masked', sa.Text(), nullable=False),
        sa.Column('answer_id', sa.String(length=32), nullable=False),
        sa.Column('verdict', sa.Enum('right', 'partly', 'wrong', name='verdict', native_enum=False, length=16), nullable=True),
        sa.Column('reviewed_by', sa.String(length=80), nullable=True),
        sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('sampled_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['turn_id'], ['querylog_turn.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('turn_id'),
    )
    op.create_index('ix_accuracy_review_week', 'accuracy_review', ['week'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_accuracy_review_week', table_name='accuracy_review')
    op.drop_table('accuracy_review')
