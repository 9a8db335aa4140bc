"""analytics aggregates (querylog_rollup) and partial indexes for per-answer figures
and the unanswered inbox

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('querylog_rollup',
    sa.Column('aggregate', sa.String(length=16), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('province_code', sa.String(length=8), nullable=False),
    sa.Column('commune_code', sa.String(length=8), nullable=False),
    sa.Column('topic', sa.String(length=40), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('turns', sa.Integer(), nullable=False),
    sa.Column('helpful', sa.Integer(), nullable=False),
    sa.Column('not_helpful', sa.Integer(), nullable=False),
    sa.Column('latency_ms_sum', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('aggregate', 'period_start', 'channel', 'province_code', 'commune_code', 'topic', 'outcome', name=op.f('pk_querylog_rollup'))
    )
    with op.batch_alter_table('querylog_rollup_state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('layout', sa.Integer(), server_default='0', nullable=False))

    with op.batch_alter_table('querylog_citizen_day', schema=None) as batch_op:
        batch_op.add_column(sa.Column('previous_day', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('previous_day_province', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('previous_day_commune', sa.Date(), nullable=True))
    _fill_previous_days()

    with op.batch_alter_table('querylog_turn', schema=None) as batch_op:
        batch_op.create_index('ix_querylog_turn_answered', ['created_at'], unique=False, postgresql_where=sa.text("outcome = 'answered' AND answer_id IS NOT NULL"), postgresql_include=['answer_id', 'topic', 'feedback', 'channel', 'province_code', 'commune_code'], sqlite_where=sa.text("outcome = 'answered' AND answer_id IS NOT NULL"))
        batch_op.create_index('ix_querylog_turn_rated', ['created_at'], unique=False, postgresql_where=sa.text('feedback IS NOT NULL'), postgresql_include=['answer_id', 'feedback', 'channel', 'province_code', 'commune_code'], sqlite_where=sa.text('feedback IS NOT NULL'))
        batch_op.create_index('ix_querylog_turn_unanswered', ['id'], unique=False, postgresql_where=sa.text("outcome IN ('unsure', 'out_of_scope')"), postgresql_include=['created_at', 'channel', 'province_code', 'commune_code'], sqlite_where=sa.text("outcome IN ('unsure', 'out_of_scope')"))



def downgrade() -> None:
    with op.batch_alter_table('querylog_turn', schema=None) as batch_op:
        batch_op.drop_index('ix_querylog_turn_unanswered', postgresql_where=sa.text("outcome IN ('unsure', 'out_of_scope')"), postgresql_include=['created_at', 'channel', 'province_code', 'commune_code'], sqlite_where=sa.text("outcome IN ('unsure', 'out_of_scope')"))
        batch_op.drop_index('ix_querylog_turn_rated', postgresql_where=sa.text('feedback IS NOT NULL'), postgresql_include=['answer_id', 'feedback', 'channel', 'province_code', 'commune_code'], sqlite_where=sa.text('feedback IS NOT NULL'))
        batch_op.drop_index('ix_querylog_turn_answered', postgresql_where=sa.text("outcome = 'answered' AND answer_id IS NOT NULL"), postgresql_include=['answer_id', 'topic', 'feedback', 'channel', 'province_code', 'commune_code'], sqlite_where=sa.text("outcome = 'answered' AND answer_id IS NOT NULL"))

    with op.batch_alter_table('querylog_citizen_day', schema=None) as batch_op:
        batch_op.drop_column('previous_day_commune')
        batch_op.drop_column('previous_day_province')
        batch_op.drop_column('previous_day')

    with op.batch_alter_table('querylog_rollup_state', schema=None) as batch_op:
        batch_op.drop_column('layout')

    op.drop_table('querylog_rollup')


def _fill_previous_days() -> None:
    """Each citizen-day row already built gets the day of the citizen's previous row
    in the order (day, province_code, commune_code): any, same province, same commune
    (the rows built from now on get them when they are built)."""
    keys = ['day', 'user_pseudonym', 'channel', 'province_code', 'commune_code']
    levels = {
        'previous_day': [],
        'previous_day_province': ['province_code'],
        'previous_day_commune': ['province_code', 'commune_code'],
    }
    lags = []
    for column, kept in levels.items():
        order = ['day', *(k for k in ('province_code', 'commune_code') if k not in kept)]
        lags.append(
            f"lag(day) OVER (PARTITION BY {', '.join(['user_pseudonym', *kept])} "
            f"ORDER BY {', '.join(order)}) AS {column}"
        )
    op.execute(
        f"UPDATE querylog_citizen_day SET "
        + ', '.join(f'{c} = w.{c}' for c in levels)
        + f" FROM (SELECT {', '.join(keys)}, {', '.join(lags)}"
        f" FROM querylog_citizen_day) AS w WHERE "
        + ' AND '.join(f'querylog_citizen_day.{k} = w.{k}' for k in keys)
    )
