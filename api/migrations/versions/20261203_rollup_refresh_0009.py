"""daily tables refreshed in the background: querylog_rollup_state.built_before (an
instant, replacing the day built_until); a covering index for counting citizens;
querylog_citizen_first dropped (returning citizens are read from the previous days
of querylog_citizen_day)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""
from collections.abc import Sequence
from datetime import datetime, time, timedelta, timezone

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VIETNAM = timezone(timedelta(hours=7))
VISIT_COLUMNS = [
    'user_pseudonym',
    'channel',
    'province_code',
    'commune_code',
    'previous_day',
    'previous_day_province',
    'previous_day_commune',
]


def _state() -> sa.TableClause:
    return sa.table(
        'querylog_rollup_state',
        sa.column('id', sa.Integer),
        sa.column('built_until', sa.Date),
        sa.column('built_before', sa.DateTime(timezone=True)),
    )


def upgrade() -> None:
    with op.batch_alter_table('querylog_rollup_state', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('built_before', sa.DateTime(timezone=True), nullable=True)
        )
    state = _state()
    connection = op.get_bind()
    for row_id, until in connection.execute(sa.select(state.c.id, state.c.built_until)):
        if isinstance(until, str):  # SQLite
            until = datetime.fromisoformat(until).date()
        # Every day before built_until was built: every turn before its first instant.
        before = datetime.combine(until, time(), VIETNAM).astimezone(timezone.utc)
        connection.execute(
            sa.update(state).where(state.c.id == row_id).values(built_before=before)
        )
    with op.batch_alter_table('querylog_rollup_state', schema=None) as batch_op:
        batch_op.alter_column('built_before', nullable=False)
        batch_op.drop_column('built_until')
    if connection.dialect.name == 'postgresql':
        op.create_index(
            'ix_querylog_citizen_day_day_visits',
            'querylog_citizen_day',
            ['day'],
            postgresql_include=VISIT_COLUMNS,
        )
    with op.batch_alter_table('querylog_citizen_first', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_querylog_citizen_first_first_day'))
    op.drop_table('querylog_citizen_first')


def downgrade() -> None:
    connection = op.get_bind()
    op.create_table('querylog_citizen_first',
    sa.Column('user_pseudonym', sa.String(length=32), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('user_pseudonym', name=op.f('pk_querylog_citizen_first'))
    )
    with op.batch_alter_table('querylog_citizen_first', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_querylog_citizen_first_first_day'), ['first_day'], unique=False)
    op.execute(
        'INSERT INTO querylog_citizen_first (user_pseudonym, first_day) '
        'SELECT user_pseudonym, min(day) FROM querylog_citizen_day GROUP BY user_pseudonym'
    )
    if connection.dialect.name == 'postgresql':
        op.drop_index('ix_querylog_citizen_day_day_visits', 'querylog_citizen_day')
    with op.batch_alter_table('querylog_rollup_state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('built_until', sa.Date(), nullable=True))
    state = _state()
    for row_id, before in connection.execute(sa.select(state.c.id, state.c.built_before)):
        if isinstance(before, str):  # SQLite
            before = datetime.fromisoformat(before)
        if before.tzinfo is None:
            before = before.replace(tzinfo=timezone.utc)
        # Only whole days count as built; the next build re-builds the rest.
        until = before.astimezone(VIETNAM).date()
        connection.execute(
            sa.update(state).where(state.c.id == row_id).values(built_until=until)
        )
    with op.batch_alter_table('querylog_rollup_state', schema=None) as batch_op:
        batch_op.alter_column('built_until', nullable=False)
        batch_op.drop_column('built_before')
