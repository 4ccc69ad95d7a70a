"""agents, agent sessions, hand-off console columns

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa

TIMESTAMP = sa.DateTime(timezone=True)

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('agents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=12), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('updated_at', TIMESTAMP, nullable=False),
    sa.CheckConstraint("role IN ('agent', 'supervisor')", name='ck_agents_role'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username'),
    )
    op.create_table('agent_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('agent_pk', sa.Integer(), nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('expires_at', TIMESTAMP, nullable=False),
    sa.ForeignKeyConstraint(['agent_pk'], ['agents.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash'),
    )
    op.create_index('ix_agent_sessions_agent_pk', 'agent_sessions', ['agent_pk'])
    op.create_index('ix_agent_sessions_expires_at', 'agent_sessions', ['expires_at'])
    # Plain ADD COLUMNs (nullable): no table rebuild needed on SQLite.
    op.add_column('handoffs', sa.Column('channel', sa.String(length=32), nullable=True))
    op.add_column('handoffs', sa.Column('taken_at', TIMESTAMP, nullable=True))
    op.add_column('handoffs', sa.Column('closed_at', TIMESTAMP, nullable=True))
    op.add_column('handoffs', sa.Column('outcome', sa.String(length=12), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('handoffs') as batch:
        batch.drop_column('outcome')
        batch.drop_column('closed_at')
        batch.drop_column('taken_at')
        batch.drop_column('channel')
    op.drop_index('ix_agent_sessions_expires_at', table_name='agent_sessions')
    op.drop_index('ix_agent_sessions_agent_pk', table_name='agent_sessions')
    op.drop_table('agent_sessions')
    op.drop_table('agents')
