"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa

# Frozen copies of bot.records.types: exact decimals (text on SQLite, which
# has no decimal type) and time-zone aware timestamps.
MONEY = sa.Numeric(20, 4).with_variant(sa.String(40), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)

PG_APPEND_ONLY = [
    """
    CREATE FUNCTION audit_entries_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'audit_entries is append-only (% refused)', TG_OP;
    END $$
    """,
    """
    CREATE TRIGGER audit_entries_no_change BEFORE UPDATE OR DELETE ON audit_entries
    FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()
    """,
    """
    CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries
    FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only()
    """,
]
SQLITE_APPEND_ONLY = [
    """
    CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
    BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only (UPDATE refused)'); END
    """,
    """
    CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
    BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only (DELETE refused)'); END
    """,
]


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_entries',
    sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('at', TIMESTAMP, nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('loan_id', sa.String(length=64), nullable=True),
    sa.Column('borrower_id', sa.String(length=64), nullable=True),
    sa.Column('conversation_id', sa.String(length=128), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq'),
    sa.UniqueConstraint('hash')
    )
    op.create_index('ix_audit_entries_borrower_id', 'audit_entries', ['borrower_id'])
    op.create_index('ix_audit_entries_conversation_id', 'audit_entries', ['conversation_id'])
    op.create_index('ix_audit_entries_kind', 'audit_entries', ['kind'])
    op.create_index('ix_audit_entries_loan_id', 'audit_entries', ['loan_id'])

    op.create_table('borrowers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('borrower_id', sa.String(length=64), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=16), nullable=False),
    sa.Column('date_of_birth', sa.Date(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('jurisdiction', sa.String(length=16), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('telegram_user_id', sa.BigInteger(), nullable=True),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('cease_contact', sa.Boolean(), nullable=False),
    sa.Column('opted_out_channels', sa.JSON(), nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('updated_at', TIMESTAMP, nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('borrower_id'),
    sa.UniqueConstraint('telegram_user_id')
    )
    op.create_table('loans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('loan_id', sa.String(length=64), nullable=False),
    sa.Column('loan_key', sa.String(length=64), nullable=False),
    sa.Column('borrower_pk', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('principal', MONEY, nullable=False),
    sa.Column('outstanding_principal', MONEY, nullable=False),
    sa.Column('accrued_interest', MONEY, nullable=False),
    sa.Column('late_fees', MONEY, nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('product_code', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('balances_as_of', TIMESTAMP, nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('updated_at', TIMESTAMP, nullable=False),
    sa.CheckConstraint("status IN ('overdue', 'promise_pending', 'in_arrangement', 'paid', 'disputed', 'paused', 'escalated')", name='ck_loans_status'),
    sa.ForeignKeyConstraint(['borrower_pk'], ['borrowers.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('loan_id'),
    sa.UniqueConstraint('loan_key')
    )
    op.create_index('ix_loans_borrower_pk', 'loans', ['borrower_pk'])

    op.create_table('arrangements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('loan_pk', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('terms', sa.JSON(), nullable=False),
    sa.Column('hardship_reason', sa.Text(), nullable=True),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('idempotency_key', sa.String(length=128), nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('updated_at', TIMESTAMP, nullable=False),
    sa.CheckConstraint("kind IN ('deferral', 'instalment_plan', 'promise_to_pay', 'fee_waiver', 'part_payment')", name='ck_arrangements_kind'),
    sa.CheckConstraint("status IN ('active', 'kept', 'broken', 'cancelled', 'superseded')", name='ck_arrangements_status'),
    sa.ForeignKeyConstraint(['loan_pk'], ['loans.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('idempotency_key')
    )
    op.create_index('ix_arrangements_loan_pk', 'arrangements', ['loan_pk'])

    op.create_table('contact_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('borrower_pk', sa.Integer(), nullable=False),
    sa.Column('loan_pk', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('direction', sa.String(length=3), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('at', TIMESTAMP, nullable=False),
    sa.CheckConstraint("direction IN ('in', 'out')", name='ck_contact_events_direction'),
    sa.ForeignKeyConstraint(['borrower_pk'], ['borrowers.id'], ),
    sa.ForeignKeyConstraint(['loan_pk'], ['loans.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_contact_events_at', 'contact_events', ['at'])
    op.create_index('ix_contact_events_borrower_pk', 'contact_events', ['borrower_pk'])

    op.create_table('handoffs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('loan_pk', sa.Integer(), nullable=True),
    sa.Column('borrower_pk', sa.Integer(), nullable=True),
    sa.Column('conversation_id', sa.String(length=128), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('taken_by', sa.String(length=100), nullable=True),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('updated_at', TIMESTAMP, nullable=False),
    sa.CheckConstraint("status IN ('open', 'taken', 'closed')", name='ck_handoffs_status'),
    sa.ForeignKeyConstraint(['borrower_pk'], ['borrowers.id'], ),
    sa.ForeignKeyConstraint(['loan_pk'], ['loans.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_handoffs_borrower_pk', 'handoffs', ['borrower_pk'])
    op.create_index('ix_handoffs_conversation_id', 'handoffs', ['conversation_id'])
    op.create_index('ix_handoffs_loan_pk', 'handoffs', ['loan_pk'])
    op.create_index('ix_handoffs_status', 'handoffs', ['status'])

    op.create_table('payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=128), nullable=False),
    sa.Column('loan_pk', sa.Integer(), nullable=False),
    sa.Column('amount', MONEY, nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('paid_at', TIMESTAMP, nullable=False),
    sa.Column('recorded_at', TIMESTAMP, nullable=False),
    sa.ForeignKeyConstraint(['loan_pk'], ['loans.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('reference')
    )
    op.create_index('ix_payments_loan_pk', 'payments', ['loan_pk'])

    op.create_table('scheduled_payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('arrangement_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('amount', MONEY, nullable=False),
    sa.ForeignKeyConstraint(['arrangement_id'], ['arrangements.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('arrangement_id', 'seq', name='uq_scheduled_payments_seq')
    )
    op.create_index('ix_scheduled_payments_arrangement_id', 'scheduled_payments', ['arrangement_id'])


    statements = PG_APPEND_ONLY if op.get_bind().dialect.name == "postgresql" else SQLITE_APPEND_ONLY
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_entries_no_truncate ON audit_entries")
        op.execute("DROP TRIGGER audit_entries_no_change ON audit_entries")
        op.execute("DROP FUNCTION audit_entries_append_only()")
    else:
        op.execute("DROP TRIGGER audit_entries_no_delete")
        op.execute("DROP TRIGGER audit_entries_no_update")
    op.drop_index('ix_scheduled_payments_arrangement_id', table_name='scheduled_payments')

    op.drop_table('scheduled_payments')
    op.drop_index('ix_payments_loan_pk', table_name='payments')

    op.drop_table('payments')
    op.drop_index('ix_handoffs_status', table_name='handoffs')
    op.drop_index('ix_handoffs_loan_pk', table_name='handoffs')
    op.drop_index('ix_handoffs_conversation_id', table_name='handoffs')
    op.drop_index('ix_handoffs_borrower_pk', table_name='handoffs')

    op.drop_table('handoffs')
    op.drop_index('ix_contact_events_borrower_pk', table_name='contact_events')
    op.drop_index('ix_contact_events_at', table_name='contact_events')

    op.drop_table('contact_events')
    op.drop_index('ix_arrangements_loan_pk', table_name='arrangements')

    op.drop_table('arrangements')
    op.drop_index('ix_loans_borrower_pk', table_name='loans')

    op.drop_table('loans')
    op.drop_table('borrowers')
    op.drop_index('ix_audit_entries_loan_id', table_name='audit_entries')
    op.drop_index('ix_audit_entries_kind', table_name='audit_entries')
    op.drop_index('ix_audit_entries_conversation_id', table_name='audit_entries')
    op.drop_index('ix_audit_entries_borrower_id', table_name='audit_entries')

    op.drop_table('audit_entries')
