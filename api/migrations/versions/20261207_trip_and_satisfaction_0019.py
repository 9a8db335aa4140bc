"""querylog_turn.trip and handoff_ticket.satisfaction: what the movement counts

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('querylog_turn') as batch_op:
        batch_op.add_column(sa.Column('trip', sa.String(length=8), nullable=True))
    with op.batch_alter_table('handoff_ticket') as batch_op:
        batch_op.add_column(
            sa.Column('satisfaction', sa.String(length=16), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table('handoff_ticket') as batch_op:
        batch_op.drop_column('satisfaction')
    with op.batch_alter_table('querylog_turn') as batch_op:
        batch_op.drop_column('trip')
