"""audit purger role: on PostgreSQL only a member of bot_audit_purger may prune

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30

Until now the audit triggers (0001, 0003) let any role that runs
`SET LOCAL bot.audit_prune = 'on'` prune and redact, the application's own
role included: whoever got hold of its credentials could fake a retention
purge. Now the triggers also require the current role to be a member of
`bot_audit_purger` (NOLOGIN, created here if missing); the purge command
connects with PURGE_DATABASE_URL as a login role granted it, which the
application's role is not. The purger role gets the table privileges the
purge needs; the guards stay as narrow as 0003 made them.

SQLite has no roles: nothing changes there (docs/records.md: file
permissions and the anchor stand in). The role is cluster-wide and may serve
other databases, so the downgrade revokes its privileges here but keeps it.
"""
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

PURGER = "bot_audit_purger"

# The conditions of 0003, unchanged (a frozen copy: migrations do not import each other).
_FROZEN = ("seq", "at", "actor", "kind", "loan_id", "borrower_id", "conversation_id", "prev_hash", "hash")
_UNCHANGED = " AND ".join(f"NEW.{c} IS NOT DISTINCT FROM OLD.{c}" for c in _FROZEN)
_REDACTION_OK = (
    f"OLD.redacted_by IS NULL AND NEW.redacted_by > OLD.seq AND {_UNCHANGED} AND EXISTS "
    "(SELECT 1 FROM audit_entries p WHERE p.seq = NEW.redacted_by AND p.kind = 'retention_purge' "
    "AND (p.payload->'redacted'->>(OLD.seq::text)) IS NOT NULL)"
)
_LAST_CHECKPOINT = "(SELECT COALESCE(MAX(seq), 0) FROM audit_checkpoints)"
_CHECKPOINT_OK = (
    "EXISTS (SELECT 1 FROM audit_entries WHERE seq = NEW.seq AND hash = NEW.hash) "
    f"AND NEW.seq > {_LAST_CHECKPOINT} "
    "AND EXISTS (SELECT 1 FROM audit_entries p WHERE p.seq = NEW.purge_seq AND p.seq > NEW.seq "
    "AND p.kind = 'retention_purge' AND p.payload->'checkpoint'->>'seq' = NEW.seq::text "
    "AND p.payload->'checkpoint'->>'hash' = NEW.hash)"
)
# The trigger functions run as the caller (not SECURITY DEFINER), so
# current_user is the role that issued the statement.
_PRUNE_MODE = "COALESCE(current_setting('bot.audit_prune', true), '') = 'on'"
_PURGER = f"pg_has_role(current_user, '{PURGER}', 'MEMBER')"


def _entries_function(allowed: str) -> str:
    return f"""
    CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('DELETE', 'UPDATE') AND {allowed} THEN
            IF TG_OP = 'DELETE' THEN
                IF OLD.seq <= {_LAST_CHECKPOINT} THEN
                    RETURN OLD;
                END IF;
            ELSIF {_REDACTION_OK} THEN
                RETURN NEW;
            END IF;
        END IF;
        RAISE EXCEPTION 'audit_entries is append-only (% refused for role %)', TG_OP, current_user;
    END $$
    """


def _checkpoints_function(allowed: str) -> str:
    return f"""
    CREATE OR REPLACE FUNCTION audit_checkpoints_guard() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            RAISE EXCEPTION 'audit_checkpoints is append-only (% refused)', TG_OP;
        END IF;
        IF NOT ({allowed}) THEN
            RAISE EXCEPTION 'audit checkpoints are added by the retention purge only (role % refused)', current_user;
        END IF;
        IF NOT ({_CHECKPOINT_OK}) THEN
            RAISE EXCEPTION 'audit checkpoint must name an entry after the last checkpoint, as its purge entry does';
        END IF;
        RETURN NEW;
    END $$
    """


_CREATE_ROLE = f"""
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{PURGER}') THEN
        CREATE ROLE {PURGER} NOLOGIN;
    END IF;
EXCEPTION
    WHEN duplicate_object THEN NULL;  -- created meanwhile by another migration run
    WHEN insufficient_privilege THEN
        RAISE EXCEPTION 'migration 0007 needs the role {PURGER}, and this role may not create roles: '
                        'have an administrator run CREATE ROLE {PURGER} NOLOGIN, then migrate again';
END $$
"""
# Privileges of the purge (retention.py): read everything, tombstone and
# delete personal data, append its audit entry and checkpoint.
_GRANTS = f"""
DO $$
BEGIN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO {PURGER}', current_schema());
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO {PURGER}', current_schema());
    EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO {PURGER}', current_schema());
END $$
"""
_REVOKES = f"""
DO $$
BEGIN
    EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA %I FROM {PURGER}', current_schema());
    EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA %I FROM {PURGER}', current_schema());
    EXECUTE format('REVOKE USAGE ON SCHEMA %I FROM {PURGER}', current_schema());
END $$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_CREATE_ROLE)
    op.execute(_GRANTS)
    allowed = f"{_PRUNE_MODE} AND {_PURGER}"
    op.execute(_entries_function(allowed))
    op.execute(_checkpoints_function(allowed))


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_entries_function(_PRUNE_MODE))
    op.execute(_checkpoints_function(_PRUNE_MODE))
    op.execute(_REVOKES)
