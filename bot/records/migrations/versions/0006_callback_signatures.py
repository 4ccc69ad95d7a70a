"""callback signatures: payment callbacks already accepted (replay refusal)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa

TIMESTAMP = sa.DateTime(timezone=True)

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('callback_signatures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('received_at', TIMESTAMP, nullable=False),
    sa.Column('expires_at', TIMESTAMP, nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('digest'),
    )
    op.create_index('ix_callback_signatures_expires_at', 'callback_signatures', ['expires_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_callback_signatures_expires_at', table_name='callback_signatures')
    op.drop_table('callback_signatures')
