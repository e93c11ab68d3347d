"""Read model of the elected committees (ban chấp hành được bầu): one row per congress, one per
member elected or appointed, and what the projection needs to mark them.

Revision ID: p0003
Revises: p0002
Create Date: 2026-12-04

``rm_committees`` is keyed by plan (one congress per approved plan) and carries the
organization as the plan named it; reports aggregate under any organization through the
registry's tree, joined on ``organization_id`` (indexed). ``rm_committee_entries`` keeps each
name on a round's list with its four marks until the round concludes; ``rm_committee_members``
holds those elected to (or appointed into) the executive committee.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "p0003"
down_revision: str | None = "p0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("rm_committees", "rm_committee_nominations", "rm_committee_entries",
           "rm_committee_members")


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE rm_committees (
            plan_id text COLLATE "C" PRIMARY KEY,
            organization_id text COLLATE "C" NOT NULL,
            organization_name text NOT NULL,
            organization_level text NOT NULL,
            term text NOT NULL,
            term_start date NOT NULL,
            women_min text, under_40_min text, first_time_min text, ethnic_minority_min text,
            opens_on date,
            committee_round integer,
            secretary_round integer,
            seats bigint NOT NULL DEFAULT 0,
            elected bigint NOT NULL DEFAULT 0,
            women bigint NOT NULL DEFAULT 0,
            under_40 bigint NOT NULL DEFAULT 0,
            ethnic_minority bigint NOT NULL DEFAULT 0,
            first_time bigint NOT NULL DEFAULT 0,
            incumbents bigint NOT NULL DEFAULT 0,
            first_vote_complete boolean,
            secretary_direct boolean NOT NULL DEFAULT false,
            open_seats bigint NOT NULL DEFAULT 0,
            appointed bigint NOT NULL DEFAULT 0,
            result_approved boolean NOT NULL DEFAULT false,
            approved_on date,
            closed_on date
        )
        """
    )
    # Aggregates under an organization join the registry's subtree on this column.
    op.execute("CREATE INDEX ix_rm_committees_organization ON rm_committees (organization_id) "
               "INCLUDE (elected, women, first_time)")
    op.execute(
        """
        CREATE TABLE rm_committee_nominations (
            nomination_id text COLLATE "C" PRIMARY KEY,
            plan_id text COLLATE "C" NOT NULL,
            first_time boolean NOT NULL
        )
        """
    )
    op.execute(
        """
        CREATE TABLE rm_committee_entries (
            plan_id text COLLATE "C" NOT NULL,
            round integer NOT NULL,
            entry_id text COLLATE "C" NOT NULL,
            female boolean NOT NULL,
            under_40 boolean NOT NULL,
            ethnic_minority boolean NOT NULL,
            first_time boolean NOT NULL,
            PRIMARY KEY (plan_id, round, entry_id)
        )
        """
    )
    op.execute(
        """
        CREATE TABLE rm_committee_members (
            plan_id text COLLATE "C" NOT NULL,
            entry_id text COLLATE "C" NOT NULL,
            female boolean NOT NULL,
            under_40 boolean NOT NULL,
            ethnic_minority boolean NOT NULL,
            first_time boolean NOT NULL,
            vote_number integer,
            appointed boolean NOT NULL,
            PRIMARY KEY (plan_id, entry_id)
        )
        """
    )


def downgrade() -> None:
    for table in _TABLES:
        op.execute(f"DROP TABLE IF EXISTS {table}")
