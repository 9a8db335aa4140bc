"""a province's citizens read from an index of querylog_citizen_gap by level,
province and day (covering on PostgreSQL): its primary key leads with the day, so a
province's year was read by scanning the table

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = 'ix_querylog_citizen_gap_province'
TABLE = 'querylog_citizen_gap'


def upgrade() -> None:
    op.create_index(INDEX, TABLE, ['level', 'province_code', 'day'], postgresql_include=['channel', 'gap', 'citizens'])


def downgrade() -> None:
    op.drop_index(INDEX, table_name=TABLE)
