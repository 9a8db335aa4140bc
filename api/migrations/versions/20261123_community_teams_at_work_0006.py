"""community teams at work: hand-off tickets and their messages, helper-mode sessions,
staff chat links and link codes, provinces of staff accounts (escalations)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('handoff_ticket',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('user_pseudonym', sa.String(length=32), nullable=False),
    sa.Column('status', sa.Enum('offered', 'asking_place', 'asking_details', 'open', 'claimed', 'closed', 'declined', name='ticketstatus', native_enum=False, length=16), nullable=False),
    sa.Column('reason', sa.Enum('requested', 'not_understood', 'unhelpful', name='handoffreason', native_enum=False, length=16), nullable=False),
    sa.Column('province_code', sa.String(length=8), nullable=True),
    sa.Column('commune_code', sa.String(length=8), nullable=True),
    sa.Column('team_id', sa.String(length=40), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('offered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claim_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_by', sa.String(length=80), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_reply_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolution', sa.Enum('guided_remotely', 'met_in_person', 'referred', 'no_response', 'not_needed', name='resolution', native_enum=False, length=16), nullable=True),
    sa.Column('closed_by', sa.String(length=80), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handoff_ticket'))
    )
    with op.batch_alter_table('handoff_ticket', schema=None) as batch_op:
        batch_op.create_index('ix_handoff_ticket_opened_at', ['opened_at'], unique=False)
        batch_op.create_index('ix_handoff_ticket_status_commune_code', ['status', 'commune_code'], unique=False)
        batch_op.create_index('ix_handoff_ticket_user_pseudonym_status', ['user_pseudonym', 'status'], unique=False)

    op.create_table('helper_session',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('staff_username', sa.String(length=80), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('user_pseudonym', sa.String(length=32), nullable=False),
    sa.Column('status', sa.Enum('choosing_group', 'choosing_place', 'active', 'choosing_task', 'done', 'cancelled', name='helperstatus', native_enum=False, length=16), nullable=False),
    sa.Column('group', sa.Enum('elderly', 'farmer', 'student', 'worker', 'household_biz', 'ethnic_minority', 'other', name='residentgroup', native_enum=False, length=16), nullable=True),
    sa.Column('province_code', sa.String(length=8), nullable=True),
    sa.Column('commune_code', sa.String(length=8), nullable=True),
    sa.Column('task', sa.String(length=32), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_helper_session'))
    )
    with op.batch_alter_table('helper_session', schema=None) as batch_op:
        batch_op.create_index('ix_helper_session_ended_at', ['ended_at'], unique=False)
        batch_op.create_index('ix_helper_session_member', ['channel', 'user_pseudonym', 'status'], unique=False)

    op.create_table('staff_chat_link',
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('user_pseudonym', sa.String(length=32), nullable=False),
    sa.Column('staff_username', sa.String(length=80), nullable=False),
    sa.Column('linked_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('channel', 'user_pseudonym', name=op.f('pk_staff_chat_link'))
    )
    with op.batch_alter_table('staff_chat_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_chat_link_staff_username'), ['staff_username'], unique=False)

    op.create_table('staff_link_code',
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('staff_username', sa.String(length=80), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('code_hash', name=op.f('pk_staff_link_code'))
    )
    op.create_table('handoff_message',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('author', sa.String(length=80), nullable=False),
    sa.Column('text_masked', sa.Text(), nullable=False),
    sa.Column('delivery', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['handoff_ticket.id'], name=op.f('fk_handoff_message_ticket_id_handoff_ticket'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handoff_message'))
    )
    with op.batch_alter_table('handoff_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handoff_message_ticket_id'), ['ticket_id'], unique=False)

    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('provinces', sa.JSON(), server_default='[]', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.drop_column('provinces')

    with op.batch_alter_table('handoff_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_handoff_message_ticket_id'))

    op.drop_table('handoff_message')
    op.drop_table('staff_link_code')
    with op.batch_alter_table('staff_chat_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_chat_link_staff_username'))

    op.drop_table('staff_chat_link')
    with op.batch_alter_table('helper_session', schema=None) as batch_op:
        batch_op.drop_index('ix_helper_session_member')
        batch_op.drop_index('ix_helper_session_ended_at')

    op.drop_table('helper_session')
    with op.batch_alter_table('handoff_ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_handoff_ticket_user_pseudonym_status')
        batch_op.drop_index('ix_handoff_ticket_status_commune_code')
        batch_op.drop_index('ix_handoff_ticket_opened_at')

    op.drop_table('handoff_ticket')
