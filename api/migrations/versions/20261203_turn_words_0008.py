"""querylog_turn.text_words: the words of each message, for grouping the unanswered
inbox without folding every text on every request

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from api.querylog.wording import message_words

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5000


def upgrade() -> None:
    with op.batch_alter_table('querylog_turn', schema=None) as batch_op:
        batch_op.add_column(sa.Column('text_words', sa.Text(), nullable=True))
    _fill_unanswered()


def _fill_unanswered() -> None:
    """The words of the unanswered turns already logged (the inbox groups only them;
    new turns get theirs when logged)."""
    connection = op.get_bind()
    turn = sa.table(
        'querylog_turn',
        sa.column('id', sa.Integer),
        sa.column('text_masked', sa.Text),
        sa.column('text_words', sa.Text),
        sa.column('outcome', sa.String),
    )
    last = 0
    while True:
        rows = connection.execute(
            sa.select(turn.c.id, turn.c.text_masked)
            .where(
                turn.c.id > last,
                turn.c.outcome.in_(('unsure', 'out_of_scope')),
            )
            .order_by(turn.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        connection.execute(
            sa.update(turn)
            .where(turn.c.id == sa.bindparam('turn_id'))
            .values(text_words=sa.bindparam('words')),
            [{'turn_id': i, 'words': message_words(t)} for i, t in rows],
        )
        last = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table('querylog_turn', schema=None) as batch_op:
        batch_op.drop_column('text_words')
