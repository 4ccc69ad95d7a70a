"""verification lockout: failed date-of-birth checks and the locks they set

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa

TIMESTAMP = sa.DateTime(timezone=True)

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('verification_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', TIMESTAMP, nullable=False),
    sa.Column('loan_id', sa.String(length=64), nullable=True),
    sa.Column('conversation_id', sa.String(length=128), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_verification_failures_at', 'verification_failures', ['at'], unique=False)
    op.create_index('ix_verification_failures_loan_id', 'verification_failures', ['loan_id'], unique=False)
    op.create_index('ix_verification_failures_conversation_id', 'verification_failures', ['conversation_id'],
                    unique=False)
    op.create_table('verification_locks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=8), nullable=False),
    sa.Column('subject', sa.String(length=128), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('locked_at', TIMESTAMP, nullable=False),
    sa.Column('locked_until', TIMESTAMP, nullable=False),
    sa.Column('lifted_at', TIMESTAMP, nullable=True),
    sa.Column('lifted_by', sa.String(length=100), nullable=True),
    sa.CheckConstraint("scope IN ('loan', 'sender')", name='ck_verification_locks_scope'),
    sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_verification_locks_subject', 'verification_locks', ['subject'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_verification_locks_subject', table_name='verification_locks')
    op.drop_table('verification_locks')
    op.drop_index('ix_verification_failures_conversation_id', table_name='verification_failures')
    op.drop_index('ix_verification_failures_loan_id', table_name='verification_failures')
    op.drop_index('ix_verification_failures_at', table_name='verification_failures')
    op.drop_table('verification_failures')
