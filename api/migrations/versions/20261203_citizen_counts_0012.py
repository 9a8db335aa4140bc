"""citizen counts from exact gaps: querylog_citizen_gap keeps each gap to the
previous day (no cap; -1 when none), rebuilt by the next refresh (the layout
changed); the province and commune indexes of querylog_citizen_day cover the
counting of their citizens on PostgreSQL, and the index of every citizen-day by day
goes (the country's citizens are counted from querylog_citizen_gap)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VISIT_COLUMNS = [
    'user_pseudonym',
    'channel',
    'province_code',
    'commune_code',
    'previous_day',
    'previous_day_province',
    'previous_day_commune',
]
COMMUNE_VISIT_COLUMNS = ['channel', 'province_code', 'previous_day_commune']
PROVINCE_VISIT_COLUMNS = [
    'channel',
    'commune_code',
    'previous_day_province',
    'previous_day_commune',
]
TABLE = 'querylog_citizen_day'


def _place_indexes(province: list[str], commune: list[str]) -> None:
    op.drop_index('ix_querylog_citizen_day_province_code_day', table_name=TABLE)
    op.drop_index('ix_querylog_citizen_day_commune_code_day', table_name=TABLE)
    op.create_index('ix_querylog_citizen_day_province_code_day', TABLE, ['province_code', 'day'], postgresql_include=province)
    op.create_index('ix_querylog_citizen_day_commune_code_day', TABLE, ['commune_code', 'day'], postgresql_include=commune)


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return  # nothing but INCLUDE lists changed
    op.drop_index('ix_querylog_citizen_day_day_visits', table_name=TABLE)
    _place_indexes(PROVINCE_VISIT_COLUMNS, COMMUNE_VISIT_COLUMNS)


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    _place_indexes([], [])
    op.create_index('ix_querylog_citizen_day_day_visits', TABLE, ['day'], postgresql_include=VISIT_COLUMNS)
