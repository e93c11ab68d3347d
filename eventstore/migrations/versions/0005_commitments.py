"""Salted commitments to personal fields: the ``openings`` column.

Revision ID: 0005_commitments
Revises: 0004_ledger_nodes
Create Date: 2026-12-04

Written by hand and frozen: later changes go in new revisions, never here. (One exception,
found by review before any installation ran it: the downgrade now refuses to drop openings
that hold values, instead of deleting them.)

An event appended with private fields keeps in ``data`` (the bytes its hash covers) a salted
commitment to each of them, and in ``openings`` their salts and values, outside the hash
(eventstore/commitments.py): an export can leave the values out and still verify. Events
stored before this revision have no openings and are read and verified exactly as before.
``events_json`` shows the data opened, as every reader of the store sees it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_commitments"
down_revision: str | None = "0004_ledger_nodes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VIEW = """
CREATE OR REPLACE VIEW events_json AS
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

OLD_VIEW = """
CREATE OR REPLACE VIEW events_json AS
SELECT position, transaction_id, stream_id, stream_version, event_id, event_type,
       schema_version, convert_from(data, 'UTF8')::jsonb AS data,
       convert_from(metadata, 'UTF8')::jsonb AS metadata, correlation_id, occurred_at,
       recorded_at, previous_hash, hash
FROM events
"""


def upgrade() -> None:
    op.add_column("events", sa.Column("openings", sa.LargeBinary(), nullable=True))
    op.create_check_constraint(
        "ck_events_openings_json", "events",
        "openings IS NULL OR convert_from(openings, 'UTF8')::jsonb IS NOT NULL")
    op.execute(VIEW)


def downgrade() -> None:
    # The openings are the only copy of the committed values: dropping the column would delete
    # every person's data recorded since this revision, which the hashes cannot bring back.
    held = op.get_bind().execute(sa.text(
        "SELECT count(*) FROM events WHERE openings IS NOT NULL")).scalar()
    if held:
        raise RuntimeError(
            f"Không thể hạ xuống dưới 0005_commitments: {held} sự kiện giữ thông tin cá nhân "
            "chỉ trong cột openings; hạ cấp sẽ xóa chúng vĩnh viễn.")
    op.execute(OLD_VIEW)
    op.drop_constraint("ck_events_openings_json", "events", type_="check")
    op.drop_column("events", "openings")
