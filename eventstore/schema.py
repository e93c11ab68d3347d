"""The store's tables as SQLAlchemy Core metadata: the current shape of the schema.

``events`` is the record; ``ledger`` numbers and chains every committed event in global-log
order, and ``checkpoints`` holds the signed statements over the ledger (see ledger_chain.py and
checkpoints.py). All three are append-only, and the application's role ``nhansu_app`` may only
SELECT and INSERT.

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
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    event,
    text,
)
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
    # The canonical JSON bytes that the hash covers (hashing.py), hashed as stored; the view
    # events_json decodes them for ad-hoc SQL.
    Column("data", LargeBinary, nullable=False),
    Column("metadata", LargeBinary, nullable=False),
    Column("correlation_id", Text(collation="C"), nullable=True),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("previous_hash", Text, nullable=False),
    Column("hash", Text, nullable=False),
    # Revision 0005_commitments: the salts and values of the private fields that ``data``
    # holds as commitments (eventstore/commitments.py), outside the hash.
    Column("openings", LargeBinary, nullable=True),
    UniqueConstraint("stream_id", "stream_version", name="uq_events_stream_version"),
    UniqueConstraint("event_id", name="uq_events_event_id"),
    CheckConstraint("stream_version >= 1", name="ck_events_stream_version"),
    CheckConstraint("schema_version >= 1", name="ck_events_schema_version"),
    CheckConstraint("previous_hash ~ '^[0-9a-f]{64}$'", name="ck_events_previous_hash"),
    CheckConstraint("hash ~ '^[0-9a-f]{64}$'", name="ck_events_hash"),
    CheckConstraint("convert_from(data, 'UTF8')::jsonb IS NOT NULL",
                    name="ck_events_data_json"),
    CheckConstraint("convert_from(metadata, 'UTF8')::jsonb IS NOT NULL",
                    name="ck_events_metadata_json"),
    CheckConstraint("openings IS NULL OR convert_from(openings, 'UTF8')::jsonb IS NOT NULL",
                    name="ck_events_openings_json"),
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

#: Payloads decoded, for ad-hoc SQL (``SELECT data->>'step' FROM events_json ...``), with the
#: committed values opened, as every reader of the store sees them.
EVENTS_JSON_VIEW = """
CREATE VIEW events_json AS
SELECT position, transaction_id, stream_id, stream_version, event_id, event_type,
       schema_version,
       CASE WHEN openings IS NULL THEN convert_from(data, 'UTF8')::jsonb
            ELSE (convert_from(data, 'UTF8')::jsonb - '_commitments')
                 || (SELECT jsonb_object_agg(o.key, o.value -> 'value')
                     FROM jsonb_each(convert_from(openings, 'UTF8')::jsonb) AS o)
       END AS data,
       convert_from(metadata, 'UTF8')::jsonb AS metadata, correlation_id, occurred_at,
       recorded_at, previous_hash, hash
FROM events
"""
event.listen(events, "after_create", DDL(EVENTS_JSON_VIEW))  # type: ignore[no-untyped-call]


# --- the ledger and its checkpoints (revision 0002) ------------------------------------------

ledger = Table(
    "ledger",
    metadata,
    Column("ledger_seq", BigInteger, primary_key=True, autoincrement=False),
    # Not a foreign key: that would make TRUNCATE events fail on the reference before the
    # append-only trigger could refuse it; ledger_names_events checks new entries instead.
    Column("event_position", BigInteger, nullable=False),
    Column("ledger_hash", Text, nullable=False),
    UniqueConstraint("event_position", name="uq_ledger_event_position"),
    CheckConstraint("ledger_seq >= 1", name="ck_ledger_seq"),
    CheckConstraint("ledger_hash ~ '^[0-9a-f]{64}$'", name="ck_ledger_hash"),
)

checkpoints = Table(
    "checkpoints",
    metadata,
    Column("checkpoint_seq", BigInteger, primary_key=True, autoincrement=False),
    Column("ledger_size", BigInteger,
           ForeignKey("ledger.ledger_seq", name="fk_checkpoints_ledger_size"), nullable=False),
    Column("ledger_hash", Text, nullable=False),
    Column("previous_hash", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("key_id", Text, nullable=False),
    Column("signature", Text, nullable=False),
    # Revision 0003_merkle: the Merkle tree root (NULL on checkpoints signed before it).
    Column("tree_root", Text, nullable=True),
    CheckConstraint("checkpoint_seq >= 1", name="ck_checkpoints_seq"),
    CheckConstraint("ledger_hash ~ '^[0-9a-f]{64}$'", name="ck_checkpoints_ledger_hash"),
    CheckConstraint("previous_hash ~ '^[0-9a-f]{64}$'", name="ck_checkpoints_previous_hash"),
    CheckConstraint("key_id ~ '^[A-Za-z0-9._-]{1,64}$'", name="ck_checkpoints_key_id"),
    CheckConstraint("signature ~ '^[A-Za-z0-9+/]{86}==$'", name="ck_checkpoints_signature"),
    CheckConstraint("tree_root IS NULL OR tree_root ~ '^[0-9a-f]{64}$'",
                    name="ck_checkpoints_tree_root"),
)

Index("ix_checkpoints_ledger_size", checkpoints.c.ledger_size)

# Revision 0004_ledger_nodes: the roots of the ledger's perfect Merkle subtrees of level 4 and
# above, which the sealer writes and proofs read (eventstore/merkle.py); a cache, append-only.
ledger_nodes = Table(
    "ledger_nodes",
    metadata,
    Column("level", SmallInteger, nullable=False),
    Column("idx", BigInteger, nullable=False),
    Column("hash", LargeBinary, nullable=False),
    PrimaryKeyConstraint("level", "idx", name="pk_ledger_nodes"),
    CheckConstraint("level BETWEEN 4 AND 62", name="ck_ledger_nodes_level"),
    CheckConstraint("idx >= 0", name="ck_ledger_nodes_idx"),
    CheckConstraint("octet_length(hash) = 32", name="ck_ledger_nodes_hash"),
)

LEDGER_APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION ledger_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'the ledger and its checkpoints are only ever extended';
END
$$
"""

# Gap-free numbering is enforced by the database, not only by the sealer: a statement's new
# rows must number consecutively from right after the highest number below them.
LEDGER_CONTIGUOUS_FUNCTION = """
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

# Every new ledger entry names a stored event (what a foreign key would check on INSERT).
LEDGER_NAMES_EVENTS_FUNCTION = """
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

LEDGER_TRIGGERS = [
    f"""CREATE TRIGGER {table}_append_only
BEFORE UPDATE OR DELETE OR TRUNCATE ON {table}
FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only()"""
    for table in ("ledger", "checkpoints", "ledger_nodes")
] + [
    f"""CREATE TRIGGER {table}_contiguous
AFTER INSERT ON {table} REFERENCING NEW TABLE AS added
FOR EACH STATEMENT EXECUTE FUNCTION ledger_contiguous('{column}')"""
    for table, column in (("ledger", "ledger_seq"), ("checkpoints", "checkpoint_seq"))
] + ["""CREATE TRIGGER ledger_names_events
AFTER INSERT ON ledger REFERENCING NEW TABLE AS added
FOR EACH STATEMENT EXECUTE FUNCTION ledger_names_events()"""]

#: The application's role: SELECT and INSERT, nothing else. Roles belong to the cluster, so it
#: is created only if missing (and left in place by a downgrade); an owner without CREATEROLE
#: gets a notice instead, and an administrator creates it.
APP_ROLE = "nhansu_app"
APP_ROLE_GRANTS = f"""
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
        BEGIN
            CREATE ROLE {APP_ROLE} NOLOGIN;
        EXCEPTION
            WHEN duplicate_object OR unique_violation THEN NULL;
            WHEN insufficient_privilege THEN
                RAISE NOTICE 'role {APP_ROLE} was not created (CREATEROLE is needed)';
        END;
    END IF;
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
        GRANT SELECT, INSERT ON events, ledger, checkpoints TO {APP_ROLE};
        GRANT SELECT ON events_json TO {APP_ROLE};
        GRANT USAGE ON SEQUENCE events_position_seq TO {APP_ROLE};
    END IF;
END
$$
"""

event.listen(ledger, "before_create", DDL(LEDGER_APPEND_ONLY_FUNCTION.replace("%", "%%")))  # type: ignore[no-untyped-call]
event.listen(ledger, "before_create", DDL(LEDGER_CONTIGUOUS_FUNCTION.replace("%", "%%")))  # type: ignore[no-untyped-call]
event.listen(ledger, "before_create", DDL(LEDGER_NAMES_EVENTS_FUNCTION.replace("%", "%%")))  # type: ignore[no-untyped-call]
for _statement in LEDGER_TRIGGERS:
    _table = (checkpoints if " ON checkpoints" in _statement else
              ledger_nodes if " ON ledger_nodes" in _statement else ledger)
    event.listen(_table, "after_create", DDL(_statement.replace("%", "%%")))  # type: ignore[no-untyped-call]
event.listen(checkpoints, "after_create", DDL(APP_ROLE_GRANTS.replace("%", "%%")))  # type: ignore[no-untyped-call]
