"""training_example.decision: an admin accepts or rejects each queued example on the
dashboard; only accepted examples are exported to nlu_data/

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('training_example') as batch:
        batch.add_column(sa.Column('decision', sa.Enum('accepted', 'rejected', name='exampledecision', native_enum=False, length=16), nullable=True))
        batch.add_column(sa.Column('decided_by', sa.String(length=80), nullable=True))
        batch.add_column(sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('training_example') as batch:
        batch.drop_column('decided_at')
        batch.drop_column('decided_by')
        batch.drop_column('decision')
