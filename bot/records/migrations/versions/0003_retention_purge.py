"""retention purge: audit checkpoints, redaction marker, borrower tombstone

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30

The audit table stays append-only except for two narrow, checked paths the
retention purge uses (bot/records/retention.py):
- DELETE only of entries at or below the newest checkpoint; a checkpoint can
  only name an existing entry (its seq and exact hash) beyond the last one,
  and only when the later retention_purge entry it cites names it too;
- UPDATE only of the payload, and only to mark a not yet redacted entry as
  redacted by a later retention_purge entry; seq, time, actor, kind, ids and
  both hashes cannot change.
On PostgreSQL both also need `SET LOCAL bot.audit_prune = 'on'` in the same
transaction, and checkpoints can only be added with it. TRUNCATE stays refused.
"""
from alembic import op
import sqlalchemy as sa

TIMESTAMP = sa.DateTime(timezone=True)

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

# Columns of an audit entry that a redaction must leave exactly as they were.
_FROZEN = ("seq", "at", "actor", "kind", "loan_id", "borrower_id", "conversation_id", "prev_hash", "hash")
_UNCHANGED_SQL = " AND ".join(f"NEW.{c} IS NOT DISTINCT FROM OLD.{c}" for c in _FROZEN)
_UNCHANGED_SQLITE = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in _FROZEN)
# A redaction must be listed (seq -> digest) by the retention_purge entry it cites.
_REDACTION_OK = (
    "OLD.redacted_by IS NULL AND NEW.redacted_by > OLD.seq AND {unchanged} AND EXISTS "
    "(SELECT 1 FROM audit_entries p WHERE p.seq = NEW.redacted_by AND p.kind = 'retention_purge' AND {listed})"
)
_LISTED_PG = "(p.payload->'redacted'->>(OLD.seq::text)) IS NOT NULL"
_LISTED_SQLITE = "json_extract(p.payload, '$.redacted.\"' || OLD.seq || '\"') IS NOT NULL"
_LAST_CHECKPOINT = "(SELECT COALESCE(MAX(seq), 0) FROM audit_checkpoints)"
# A checkpoint must name an existing entry (seq and exact hash) after the last
# checkpoint, and be named in turn by the retention_purge entry it cites.
_CHECKPOINT_OK = (
    "EXISTS (SELECT 1 FROM audit_entries WHERE seq = NEW.seq AND hash = NEW.hash) "
    "AND NEW.seq > " + _LAST_CHECKPOINT + " "
    "AND EXISTS (SELECT 1 FROM audit_entries p WHERE p.seq = NEW.purge_seq AND p.seq > NEW.seq "
    "AND p.kind = 'retention_purge' AND {attested})"
)
_ATTESTED_PG = "p.payload->'checkpoint'->>'seq' = NEW.seq::text AND p.payload->'checkpoint'->>'hash' = NEW.hash"
_ATTESTED_SQLITE = ("json_extract(p.payload, '$.checkpoint.seq') = NEW.seq "
                    "AND json_extract(p.payload, '$.checkpoint.hash') = NEW.hash")

PG_UPGRADE = [
    f"""
    CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('DELETE', 'UPDATE') AND current_setting('bot.audit_prune', true) = 'on' THEN
            IF TG_OP = 'DELETE' THEN
                IF OLD.seq <= {_LAST_CHECKPOINT} THEN
                    RETURN OLD;
                END IF;
            ELSIF {_REDACTION_OK.format(unchanged=_UNCHANGED_SQL, listed=_LISTED_PG)} THEN
                RETURN NEW;
            END IF;
        END IF;
        RAISE EXCEPTION 'audit_entries is append-only (% refused)', TG_OP;
    END $$
    """,
    f"""
    CREATE FUNCTION audit_checkpoints_guard() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            RAISE EXCEPTION 'audit_checkpoints is append-only (% refused)', TG_OP;
        END IF;
        IF current_setting('bot.audit_prune', true) IS DISTINCT FROM 'on' THEN
            RAISE EXCEPTION 'audit checkpoints are added by the retention purge only';
        END IF;
        IF NOT ({_CHECKPOINT_OK.format(attested=_ATTESTED_PG)}) THEN
            RAISE EXCEPTION 'audit checkpoint must name an entry after the last checkpoint, as its purge entry does';
        END IF;
        RETURN NEW;
    END $$
    """,
    """
    CREATE TRIGGER audit_checkpoints_insert BEFORE INSERT ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION audit_checkpoints_guard()
    """,
    """
    CREATE TRIGGER audit_checkpoints_no_change BEFORE UPDATE OR DELETE ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION audit_checkpoints_guard()
    """,
    """
    CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION audit_checkpoints_guard()
    """,
]
PG_DOWNGRADE = [
    "DROP TRIGGER audit_checkpoints_no_truncate ON audit_checkpoints",
    "DROP TRIGGER audit_checkpoints_no_change ON audit_checkpoints",
    "DROP TRIGGER audit_checkpoints_insert ON audit_checkpoints",
    "DROP FUNCTION audit_checkpoints_guard()",
    """
    CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'audit_entries is append-only (% refused)', TG_OP;
    END $$
    """,
]

SQLITE_UPGRADE = [
    "DROP TRIGGER audit_entries_no_update",
    "DROP TRIGGER audit_entries_no_delete",
    f"""
    CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
    WHEN NOT ({_REDACTION_OK.format(unchanged=_UNCHANGED_SQLITE, listed=_LISTED_SQLITE)})
    BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only (UPDATE refused)'); END
    """,
    f"""
    CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
    WHEN OLD.seq > {_LAST_CHECKPOINT}
    BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only (DELETE refused)'); END
    """,
    f"""
    CREATE TRIGGER audit_checkpoints_insert BEFORE INSERT ON audit_checkpoints
    WHEN NOT ({_CHECKPOINT_OK.format(attested=_ATTESTED_SQLITE)})
    BEGIN SELECT RAISE(ABORT, 'audit checkpoint must name an entry after the last checkpoint, as its purge entry does'); END
    """,
    """
    CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
    BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only (UPDATE refused)'); END
    """,
    """
    CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
    BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only (DELETE refused)'); END
    """,
]
SQLITE_DOWNGRADE = [
    "DROP TRIGGER audit_checkpoints_no_delete",
    "DROP TRIGGER audit_checkpoints_no_update",
    "DROP TRIGGER audit_checkpoints_insert",
    "DROP TRIGGER audit_entries_no_delete",
    "DROP TRIGGER audit_entries_no_update",
    """
    CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
    BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only (UPDATE refused)'); END
    """,
    """
    CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
    BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only (DELETE refused)'); END
    """,
]


def upgrade() -> None:
    op.create_table('audit_checkpoints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('pruned_count', sa.Integer(), nullable=False),
    sa.Column('purge_seq', sa.BigInteger(), nullable=False),
    sa.Column('at', TIMESTAMP, nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('seq'),
    )
    # Plain ADD COLUMNs (nullable): no table rebuild, the audit triggers stay.
    op.add_column('audit_entries', sa.Column('redacted_by', sa.BigInteger(), nullable=True))
    op.add_column('borrowers', sa.Column('purged_at', TIMESTAMP, nullable=True))
    statements = PG_UPGRADE if op.get_bind().dialect.name == "postgresql" else SQLITE_UPGRADE
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    statements = PG_DOWNGRADE if op.get_bind().dialect.name == "postgresql" else SQLITE_DOWNGRADE
    for statement in statements:
        op.execute(statement)
    # Plain ALTER TABLE DROP COLUMN (SQLite >= 3.35), not a batch rebuild,
    # which would drop the audit triggers with the old table.
    op.drop_column('borrowers', 'purged_at')
    op.drop_column('audit_entries', 'redacted_by')
    op.drop_table('audit_checkpoints')
