"""The append-only, hash-chained events table.

Revision ID: 0001
Revises:
Create Date: 2026-11-26

Written by hand and frozen: later changes go in new revisions, never here.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


class _XID8(sa.types.UserDefinedType):  # type: ignore[type-arg]
    cache_ok = True

    def get_col_spec(self, **kw: object) -> str:
        return "xid8"


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("position", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("transaction_id", _XID8(), nullable=False,
                  server_default=sa.text("pg_current_xact_id()")),
        sa.Column("stream_id", sa.Text(collation="C"), nullable=False),
        sa.Column("stream_version", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Uuid(as_uuid=False), nullable=False),
        sa.Column("event_type", sa.Text(), nullable=False),
        sa.Column("schema_version", sa.Integer(), nullable=False),
        sa.Column("data", postgresql.JSONB(), nullable=False),
        sa.Column("metadata", postgresql.JSONB(), nullable=False),
        sa.Column("correlation_id", sa.Text(collation="C"), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("previous_hash", sa.Text(), nullable=False),
        sa.Column("hash", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("position", name="events_pkey"),
        sa.UniqueConstraint("stream_id", "stream_version", name="uq_events_stream_version"),
        sa.UniqueConstraint("event_id", name="uq_events_event_id"),
        sa.CheckConstraint("stream_version >= 1", name="ck_events_stream_version"),
        sa.CheckConstraint("schema_version >= 1", name="ck_events_schema_version"),
        sa.CheckConstraint("previous_hash ~ '^[0-9a-f]{64}$'", name="ck_events_previous_hash"),
        sa.CheckConstraint("hash ~ '^[0-9a-f]{64}$'", name="ck_events_hash"),
    )
    op.create_index(
        "ix_events_correlation", "events", ["correlation_id", "position"],
        postgresql_where=sa.text("correlation_id IS NOT NULL"),
    )
    op.create_index("ix_events_transaction", "events", ["transaction_id", "position"])
    op.execute(
        """
        CREATE OR REPLACE FUNCTION events_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'events are append-only: % is not allowed', TG_OP
                USING ERRCODE = 'insufficient_privilege',
                      HINT = 'history is corrected by appending a compensating event';
        END
        $$
        """
    )
    op.execute(
        """
        CREATE TRIGGER events_append_only
        BEFORE UPDATE OR DELETE OR TRUNCATE ON events
        FOR EACH STATEMENT EXECUTE FUNCTION events_append_only()
        """
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS events_append_only ON events")
    op.drop_table("events")
    op.execute("DROP FUNCTION IF EXISTS events_append_only()")
