"""campaigns: the loan's stage, payment reversals and the outbound sends

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06

Issue 14 puts the loan on the lender's process (reminder → contact →
negotiation → legal review → follow-up): `loans.stage` says where it is.
A charge-back is a payment row that names the payment it takes back
(`payments.reverses`). `outbound_sends` holds every planned or sent campaign
message under a unique (loan, step, date) key. Existing loans start in
`contact` (they were imported overdue); the next planning run corrects it.
`loans.planned_on` is the borrower's date the job last planned the loan for,
so each loan is planned once a day however often the job runs.
"""
from alembic import op
import sqlalchemy as sa

TIMESTAMP = sa.DateTime(timezone=True)
STAGES = "'reminder', 'contact', 'negotiation', 'legal_review', 'follow_up', 'closed'"
SENDS = "'planned', 'sending', 'sent', 'delivered', 'read', 'failed', 'dropped', 'unknown'"

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN, not a batch copy: on SQLite a batch recreates the table, and `loans`
    # cannot be dropped while borrowers' loans, payments and cases point at it. SQLite cannot add
    # a CHECK to an existing table; there the stage is checked by the code (bot/records/stages.py).
    op.add_column('loans', sa.Column('stage', sa.String(16), nullable=False, server_default='contact'))
    op.add_column('loans', sa.Column('planned_on', sa.Date(), nullable=True))
    if op.get_bind().dialect.name != 'sqlite':
        op.create_check_constraint('ck_loans_stage', 'loans', f"stage IN ({STAGES})")
    with op.batch_alter_table('payments') as batch:
        batch.add_column(sa.Column('reverses', sa.String(128), nullable=True))
        batch.create_unique_constraint('uq_payments_reverses', ['reverses'])
    op.create_table(
        'outbound_sends',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('key', sa.String(200), nullable=False, unique=True),
        sa.Column('loan_pk', sa.Integer(), sa.ForeignKey('loans.id'), nullable=False, index=True),
        sa.Column('stage', sa.String(16), nullable=False),
        sa.Column('step', sa.String(64), nullable=False),
        sa.Column('message', sa.String(64), nullable=False),
        sa.Column('channel', sa.String(16)),
        sa.Column('local_date', sa.Date(), nullable=False),
        sa.Column('send_at', TIMESTAMP, nullable=False, index=True),
        sa.Column('status', sa.String(12), nullable=False, index=True),
        sa.Column('rule', sa.String(64)),
        sa.Column('reason', sa.Text()),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('provider', sa.String(32)),
        sa.Column('provider_id', sa.String(128), index=True),
        sa.Column('sent_at', TIMESTAMP),
        sa.Column('delivered_at', TIMESTAMP),
        sa.Column('replied_at', TIMESTAMP),
        sa.Column('created_at', TIMESTAMP, nullable=False),
        sa.Column('updated_at', TIMESTAMP, nullable=False),
        sa.CheckConstraint(f"status IN ({SENDS})", name='ck_outbound_sends_status'),
    )


def downgrade() -> None:
    op.drop_table('outbound_sends')
    with op.batch_alter_table('payments') as batch:
        batch.drop_constraint('uq_payments_reverses', type_='unique')
        batch.drop_column('reverses')
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint('ck_loans_stage', 'loans', type_='check')
    op.drop_column('loans', 'planned_on')
    op.drop_column('loans', 'stage')
