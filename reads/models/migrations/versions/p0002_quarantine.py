"""Events a projection could not apply are set aside, not retried forever; counts from user
input in bigint columns.

Revision ID: p0002
Revises: p0001
Create Date: 2027-01-14

``projection_quarantine`` holds, per projection (its key in ``projection_positions``), each
event it set aside: where it is in the log, what it is and why it failed. Rows are written in
the transaction that moves the projection past the event, so an event is set aside exactly
once; a rebuild replaces its projection's rows with those of the fresh build.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "p0002"
down_revision: str | None = "p0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Seats come from the plan's author and tallies from conference minutes: a typing slip of a
# few more digits overflows a 32-bit column and stops the projection at that event.
_WIDENED = (("rm_plans", "seats"), ("rm_structure", "seats"), ("rm_nominations", "last_yes"),
            ("rm_nominations", "last_needed"))


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE projection_quarantine (
            projection text COLLATE "C" NOT NULL,
            position bigint NOT NULL,
            event_id uuid NOT NULL,
            stream_id text COLLATE "C" NOT NULL,
            event_type text NOT NULL,
            schema_version integer NOT NULL,
            error text NOT NULL,
            set_aside_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (projection, position)
        )
        """
    )
    for table, column in _WIDENED:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE bigint")


def downgrade() -> None:
    for table, column in _WIDENED:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE integer")
    op.execute("DROP TABLE IF EXISTS projection_quarantine")
