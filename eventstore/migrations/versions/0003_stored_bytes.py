"""Store what is hashed: data and metadata as their canonical bytes (bytea), not jsonb.

Revision ID: 0003_stored_bytes
Revises: 0002
Create Date: 2026-12-04

Each event's hash covers the canonical JSON of its data and metadata (eventstore/hashing.py).
Kept as jsonb, verification had the server print each document as text and the client encode
it canonically again before hashing; kept as the very bytes that were hashed, verification is
read + SHA-256, replays decode the bytes as they are, and an auditor's ``sha256sum``-level tool
agrees by construction. ``events_json`` decodes them for ad-hoc SQL.

The existing rows are converted by ``nhansu_canonical_json``, the canonical encoding written
in SQL (keys in code point order, which is the "C" collation's byte order of UTF-8; strings
escaped by PostgreSQL's JSON output, the same escapes as Python's encoder; integers as
written), through ALTER COLUMN ... TYPE, which rewrites the table without UPDATE triggers.
``tests/contract/test_stored_bytes.py`` verifies chains before and after, both ways.
Written by hand and frozen: later changes go in new revisions, never here.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003_stored_bytes"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CANONICAL_FUNCTION = """
CREATE OR REPLACE FUNCTION nhansu_canonical_json(value jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
    result text;
BEGIN
    CASE jsonb_typeof(value)
    WHEN 'object' THEN
        SELECT '{' || coalesce(string_agg(to_json(e.key)::text || ':'
                                          || nhansu_canonical_json(e.value), ','
                                          ORDER BY e.key COLLATE "C"), '') || '}'
        INTO result FROM jsonb_each(value) AS e;
    WHEN 'array' THEN
        SELECT '[' || coalesce(string_agg(nhansu_canonical_json(a.value), ','
                                          ORDER BY a.n), '') || ']'
        INTO result FROM jsonb_array_elements(value) WITH ORDINALITY AS a(value, n);
    ELSE
        result := value::text;
    END CASE;
    RETURN result;
END
$$
"""

VIEW = """
CREATE VIEW events_json AS
SELECT position, transaction_id, stream_id, stream_version, event_id, event_type,
       schema_version, convert_from(data, 'UTF8')::jsonb AS data,
       convert_from(metadata, 'UTF8')::jsonb AS metadata, correlation_id, occurred_at,
       recorded_at, previous_hash, hash
FROM events
"""

GRANT = """
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'nhansu_app') THEN
        GRANT SELECT ON events_json TO nhansu_app;
    END IF;
END
$$
"""


def upgrade() -> None:
    op.execute(CANONICAL_FUNCTION)
    op.execute("""
        ALTER TABLE events
            ALTER COLUMN data TYPE bytea USING convert_to(nhansu_canonical_json(data), 'UTF8'),
            ALTER COLUMN metadata TYPE bytea
                USING convert_to(nhansu_canonical_json(metadata), 'UTF8')
    """)
    op.execute("DROP FUNCTION nhansu_canonical_json(jsonb)")
    # What jsonb guaranteed: every stored document is UTF-8 JSON, so every reader can decode it.
    op.create_check_constraint("ck_events_data_json", "events",
                               "convert_from(data, 'UTF8')::jsonb IS NOT NULL")
    op.create_check_constraint("ck_events_metadata_json", "events",
                               "convert_from(metadata, 'UTF8')::jsonb IS NOT NULL")
    op.execute(VIEW)
    op.execute(GRANT)


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS events_json")
    op.drop_constraint("ck_events_data_json", "events", type_="check")
    op.drop_constraint("ck_events_metadata_json", "events", type_="check")
    op.execute("""
        ALTER TABLE events
            ALTER COLUMN data TYPE jsonb USING convert_from(data, 'UTF8')::jsonb,
            ALTER COLUMN metadata TYPE jsonb USING convert_from(metadata, 'UTF8')::jsonb
    """)
