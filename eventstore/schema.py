"""The ``events`` table as SQLAlchemy Core metadata: the current shape of the schema.

Migrations in ``eventstore/migrations/versions`` create it with explicit operations and are
frozen once released; ``tests/contract/test_migrations.py`` checks that the migrated database
matches this module, so the two cannot drift apart silently.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    DDL,
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    event,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import UserDefinedType


class XID8(UserDefinedType[int]):
    """PostgreSQL's 64-bit, wraparound-free transaction id."""

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "xid8"


metadata = MetaData()

# Stream and correlation ids are identifiers, not prose: the "C" collation sorts them bytewise,
# which is cheaper and lets prefix searches use the index.
events = Table(
    "events",
    metadata,
    Column("position", BigInteger, Identity(always=True), primary_key=True),
    # Readers of the global log take only rows of transactions older than every running one
    # (see PostgresEventStore.read_all); the default stamps each row with its writer.
    Column("transaction_id", XID8(), nullable=False,
           server_default=text("pg_current_xact_id()")),
    Column("stream_id", Text(collation="C"), nullable=False),
    Column("stream_version", Integer, nullable=False),
    Column("event_id", Uuid(as_uuid=False), nullable=False),
    Column("event_type", Text, nullable=False),
    Column("schema_version", Integer, nullable=False),
    Column("data", JSONB, nullable=False),
    Column("metadata", JSONB, nullable=False),
    Column("correlation_id", Text(collation="C"), nullable=True),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("previous_hash", Text, nullable=False),
    Column("hash", Text, nullable=False),
    UniqueConstraint("stream_id", "stream_version", name="uq_events_stream_version"),
    UniqueConstraint("event_id", name="uq_events_event_id"),
    CheckConstraint("stream_version >= 1", name="ck_events_stream_version"),
    CheckConstraint("schema_version >= 1", name="ck_events_schema_version"),
    CheckConstraint("previous_hash ~ '^[0-9a-f]{64}$'", name="ck_events_previous_hash"),
    CheckConstraint("hash ~ '^[0-9a-f]{64}$'", name="ck_events_hash"),
)

Index("ix_events_correlation", events.c.correlation_id, events.c.position,
      postgresql_where=events.c.correlation_id.isnot(None))
Index("ix_events_transaction", events.c.transaction_id, events.c.position)

APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events are append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'history is corrected by appending a compensating event';
END
$$
"""

# One statement-level trigger covers TRUNCATE too, which row triggers cannot.
APPEND_ONLY_TRIGGER = """
CREATE TRIGGER events_append_only
BEFORE UPDATE OR DELETE OR TRUNCATE ON events
FOR EACH STATEMENT EXECUTE FUNCTION events_append_only()
"""

# DDL() %-formats its text with the table's names, hence the doubled % of RAISE.
event.listen(events, "before_create", DDL(APPEND_ONLY_FUNCTION.replace("%", "%%")))  # type: ignore[no-untyped-call]
event.listen(events, "after_create", DDL(APPEND_ONLY_TRIGGER))  # type: ignore[no-untyped-call]
