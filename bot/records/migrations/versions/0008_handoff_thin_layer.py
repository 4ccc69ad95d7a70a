"""hand-off thin layer: a case's priority, its escalation and what the borrower wrote meanwhile

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06

While a person has (or has yet to take) a case, the bot keeps answering
(bot/dialogue/during_handoff.py): a self-harm message re-flags the case at top
priority, a case nobody took in time is escalated once (`escalated_at`), and
every borrower message is appended to the case (`messages`) so the console
shows it with the case. Existing cases get priority 0 and no messages.
"""
from alembic import op
import sqlalchemy as sa

TIMESTAMP = sa.DateTime(timezone=True)

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('handoffs') as batch:
        batch.add_column(sa.Column('priority', sa.Integer(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('escalated_at', TIMESTAMP, nullable=True))
        batch.add_column(sa.Column('messages', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))


def downgrade() -> None:
    with op.batch_alter_table('handoffs') as batch:
        batch.drop_column('messages')
        batch.drop_column('escalated_at')
        batch.drop_column('priority')
