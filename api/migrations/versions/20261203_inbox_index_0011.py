"""the partial index of unanswered turns also holds what grouping them reads
(outcome, answer id, words), so the inbox reads no table rows but its samples'

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHERE = sa.text("outcome IN ('unsure', 'out_of_scope')")
BEFORE = ['created_at', 'channel', 'province_code', 'commune_code']
AFTER = [*BEFORE, 'outcome', 'answer_id', 'text_words']


def _replace(include: list[str]) -> None:
    with op.batch_alter_table('querylog_turn', schema=None) as batch_op:
        batch_op.drop_index('ix_querylog_turn_unanswered')
        batch_op.create_index('ix_querylog_turn_unanswered', ['id'], unique=False, postgresql_where=WHERE, postgresql_include=include, sqlite_where=WHERE)


def upgrade() -> None:
    _replace(AFTER)


def downgrade() -> None:
    _replace(BEFORE)
