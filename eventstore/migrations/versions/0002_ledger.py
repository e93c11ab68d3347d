"""The gap-free global ledger and its signed checkpoints; the application role.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03

Written by hand and frozen: later changes go in new revisions, never here.

``ledger`` numbers every committed event 1, 2, 3, ... in global-log order and chains them
(``ledger_hash``); ``checkpoints`` holds Ed25519-signed statements over the ledger. Both refuse
UPDATE, DELETE and TRUNCATE like ``events``; statement triggers refuse any INSERT that would
leave a gap in their numbering, or a ledger entry naming no stored event. The role
``nhansu_app`` (created if missing, NOLOGIN) gets SELECT and INSERT on the three tables,
nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_APPEND_ONLY = """
CREATE OR REPLACE FUNCTION ledger_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'the ledger and its checkpoints are only ever extended';
END
$$
"""

_CONTIGUOUS = """
CREATE OR REPLACE FUNCTION ledger_contiguous() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    low bigint;
    high bigint;
    added_rows bigint;
    below bigint;
BEGIN
    EXECUTE format('SELECT min(%1$I), max(%1$I), count(*) FROM added', TG_ARGV[0])
        INTO low, high, added_rows;
    IF added_rows = 0 THEN
        RETURN NULL;
    END IF;
    EXECUTE format('SELECT max(%1$I) FROM %2$I WHERE %1$I < $1', TG_ARGV[0], TG_TABLE_NAME)
        INTO below USING low;
    IF high - low + 1 <> added_rows OR coalesce(below, 0) <> low - 1 THEN
        RAISE EXCEPTION '%.% must continue at % without gaps, not % to %', TG_TABLE_NAME,
            TG_ARGV[0], coalesce(below, 0) + 1, low, high
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END
$$
"""

_NAMES_EVENTS = """
CREATE OR REPLACE FUNCTION ledger_names_events() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    missing bigint;
BEGIN
    SELECT a.event_position INTO missing FROM added AS a
    WHERE NOT EXISTS (SELECT FROM events AS e WHERE e.position = a.event_position)
    LIMIT 1;
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'ledger entry names position %, which holds no event', missing
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END
$$
"""

_GRANTS = """
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'nhansu_app') THEN
        BEGIN
            CREATE ROLE nhansu_app NOLOGIN;
        EXCEPTION
            WHEN duplicate_object OR unique_violation THEN NULL;
            WHEN insufficient_privilege THEN
                RAISE NOTICE 'role nhansu_app was not created (CREATEROLE is needed)';
        END;
    END IF;
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'nhansu_app') THEN
        GRANT SELECT, INSERT ON events, ledger, checkpoints TO nhansu_app;
        GRANT USAGE ON SEQUENCE events_position_seq TO nhansu_app;
    END IF;
END
$$
"""

_REVOKE = """
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'nhansu_app') THEN
        REVOKE ALL ON events FROM nhansu_app;
        REVOKE ALL ON SEQUENCE events_position_seq FROM nhansu_app;
    END IF;
END
$$
"""

_HEX = "~ '^[0-9a-f]{64}$'"


def upgrade() -> None:
    op.create_table(
        "ledger",
        sa.Column("ledger_seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("event_position", sa.BigInteger(), nullable=False),
        sa.Column("ledger_hash", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("ledger_seq", name="ledger_pkey"),
        sa.UniqueConstraint("event_position", name="uq_ledger_event_position"),
        sa.CheckConstraint("ledger_seq >= 1", name="ck_ledger_seq"),
        sa.CheckConstraint(f"ledger_hash {_HEX}", name="ck_ledger_hash"),
    )
    op.create_table(
        "checkpoints",
        sa.Column("checkpoint_seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("ledger_size", sa.BigInteger(), nullable=False),
        sa.Column("ledger_hash", sa.Text(), nullable=False),
        sa.Column("previous_hash", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.Text(), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("checkpoint_seq", name="checkpoints_pkey"),
        sa.ForeignKeyConstraint(["ledger_size"], ["ledger.ledger_seq"],
                                name="fk_checkpoints_ledger_size"),
        sa.CheckConstraint("checkpoint_seq >= 1", name="ck_checkpoints_seq"),
        sa.CheckConstraint(f"ledger_hash {_HEX}", name="ck_checkpoints_ledger_hash"),
        sa.CheckConstraint(f"previous_hash {_HEX}", name="ck_checkpoints_previous_hash"),
        sa.CheckConstraint("key_id ~ '^[A-Za-z0-9._-]{1,64}$'", name="ck_checkpoints_key_id"),
        sa.CheckConstraint("signature ~ '^[A-Za-z0-9+/]{86}==$'",
                           name="ck_checkpoints_signature"),
    )
    op.create_index("ix_checkpoints_ledger_size", "checkpoints", ["ledger_size"])
    op.execute(_APPEND_ONLY)
    op.execute(_CONTIGUOUS)
    op.execute(_NAMES_EVENTS)
    for table, column in (("ledger", "ledger_seq"), ("checkpoints", "checkpoint_seq")):
        op.execute(f"""
            CREATE TRIGGER {table}_append_only
            BEFORE UPDATE OR DELETE OR TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only()
        """)
        op.execute(f"""
            CREATE TRIGGER {table}_contiguous
            AFTER INSERT ON {table} REFERENCING NEW TABLE AS added
            FOR EACH STATEMENT EXECUTE FUNCTION ledger_contiguous('{column}')
        """)
    # Not a foreign key to events: TRUNCATE events would then fail on the reference before
    # the append-only trigger could refuse it. New entries are checked by this trigger.
    op.execute("""
        CREATE TRIGGER ledger_names_events
        AFTER INSERT ON ledger REFERENCING NEW TABLE AS added
        FOR EACH STATEMENT EXECUTE FUNCTION ledger_names_events()
    """)
    op.execute(_GRANTS)


def downgrade() -> None:
    # The role stays: it belongs to the cluster, and other databases may use it.
    op.execute(_REVOKE)
    op.execute("DROP TRIGGER IF EXISTS ledger_names_events ON ledger")
    for table in ("checkpoints", "ledger"):
        op.execute(f"DROP TRIGGER IF EXISTS {table}_contiguous ON {table}")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    op.drop_table("checkpoints")
    op.drop_table("ledger")
    op.execute("DROP FUNCTION IF EXISTS ledger_names_events()")
    op.execute("DROP FUNCTION IF EXISTS ledger_contiguous()")
    op.execute("DROP FUNCTION IF EXISTS ledger_append_only()")
