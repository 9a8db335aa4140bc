"""analytics: places, daily figures, inbox reviews, training examples, citizen profiles

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('citizen_profile',
    sa.Column('user_pseudonym', sa.String(length=32), nullable=False),
    sa.Column('province_code', sa.String(length=8), nullable=True),
    sa.Column('commune_code', sa.String(length=8), nullable=True),
    sa.Column('answered_turns', sa.Integer(), nullable=False),
    sa.Column('awaiting_place', sa.Boolean(), nullable=False),
    sa.Column('place_asked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('user_pseudonym', name=op.f('pk_citizen_profile'))
    )
    op.create_table('place_province',
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('full_name', sa.String(length=120), nullable=False),
    sa.Column('folded', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_place_province'))
    )
    op.create_table('querylog_citizen_day',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('user_pseudonym', sa.String(length=32), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('province_code', sa.String(length=8), nullable=False),
    sa.Column('commune_code', sa.String(length=8), nullable=False),
    sa.Column('turns', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'user_pseudonym', 'channel', 'province_code', 'commune_code', name=op.f('pk_querylog_citizen_day'))
    )
    with op.batch_alter_table('querylog_citizen_day', schema=None) as batch_op:
        batch_op.create_index('ix_querylog_citizen_day_user_pseudonym_day', ['user_pseudonym', 'day'], unique=False)

    with op.batch_alter_table('querylog_citizen_day', schema=None) as batch_op:
        batch_op.create_index('ix_querylog_citizen_day_commune_code_day', ['commune_code', 'day'], unique=False)
        batch_op.create_index('ix_querylog_citizen_day_province_code_day', ['province_code', 'day'], unique=False)

    op.create_table('querylog_citizen_first',
    sa.Column('user_pseudonym', sa.String(length=32), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('user_pseudonym', name=op.f('pk_querylog_citizen_first'))
    )
    with op.batch_alter_table('querylog_citizen_first', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_querylog_citizen_first_first_day'), ['first_day'], unique=False)

    op.create_table('querylog_daily',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('province_code', sa.String(length=8), nullable=False),
    sa.Column('commune_code', sa.String(length=8), nullable=False),
    sa.Column('topic', sa.String(length=40), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('turns', sa.Integer(), nullable=False),
    sa.Column('helpful', sa.Integer(), nullable=False),
    sa.Column('not_helpful', sa.Integer(), nullable=False),
    sa.Column('latency_ms_sum', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'channel', 'province_code', 'commune_code', 'topic', 'outcome', name=op.f('pk_querylog_daily'))
    )
    with op.batch_alter_table('querylog_daily', schema=None) as batch_op:
        batch_op.create_index('ix_querylog_daily_commune_code_day', ['commune_code', 'day'], unique=False)
        batch_op.create_index('ix_querylog_daily_province_code_day', ['province_code', 'day'], unique=False)

    op.create_table('querylog_rollup_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('built_until', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_querylog_rollup_state'))
    )
    op.create_table('training_example',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('answer_id', sa.String(length=32), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('exported', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_example'))
    )
    with op.batch_alter_table('training_example', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_example_answer_id'), ['answer_id'], unique=False)

    op.create_table('place_commune',
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('province_code', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('short_name', sa.String(length=120), nullable=False),
    sa.Column('folded', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['province_code'], ['place_province.code'], name=op.f('fk_place_commune_province_code_place_province')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_place_commune'))
    )
    with op.batch_alter_table('place_commune', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_place_commune_province_code'), ['province_code'], unique=False)

    op.create_table('querylog_inbox_review',
    sa.Column('turn_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('reviewed', 'add_example', 'needs_answer', name='reviewstatus', native_enum=False, length=16), nullable=False),
    sa.Column('answer_id', sa.String(length=32), nullable=True),
    sa.Column('reviewed_by', sa.String(length=80), nullable=False),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['turn_id'], ['querylog_turn.id'], name=op.f('fk_querylog_inbox_review_turn_id_querylog_turn'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('turn_id', name=op.f('pk_querylog_inbox_review'))
    )
    with op.batch_alter_table('querylog_turn', schema=None) as batch_op:
        batch_op.create_index('ix_querylog_turn_answer_id_created_at', ['answer_id', 'created_at'], unique=False)
        batch_op.create_index('ix_querylog_turn_outcome_created_at', ['outcome', 'created_at'], unique=False)
        batch_op.create_index('ix_querylog_turn_commune_code_created_at', ['commune_code', 'created_at'], unique=False)

    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('communes', sa.JSON(), nullable=False, server_default='[]'))



def downgrade() -> None:
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.drop_column('communes')

    with op.batch_alter_table('querylog_turn', schema=None) as batch_op:
        batch_op.drop_index('ix_querylog_turn_commune_code_created_at')
        batch_op.drop_index('ix_querylog_turn_outcome_created_at')
        batch_op.drop_index('ix_querylog_turn_answer_id_created_at')

    op.drop_table('querylog_inbox_review')
    with op.batch_alter_table('place_commune', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_place_commune_province_code'))

    op.drop_table('place_commune')
    with op.batch_alter_table('training_example', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_example_answer_id'))

    op.drop_table('training_example')
    op.drop_table('querylog_rollup_state')
    op.drop_table('querylog_daily')
    op.drop_table('querylog_citizen_first')
    with op.batch_alter_table('querylog_citizen_day', schema=None) as batch_op:
        batch_op.drop_index('ix_querylog_citizen_day_user_pseudonym_day')

    op.drop_table('querylog_citizen_day')
    op.drop_table('place_province')
    op.drop_table('citizen_profile')
