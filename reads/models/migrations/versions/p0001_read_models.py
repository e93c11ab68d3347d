"""Projection positions and the first read models: plans, nominations, structure figures.

Revision ID: p0001
Revises:
Create Date: 2026-11-26

Written by hand and frozen: later changes go in new revisions, never here. Every column of a
read model is derived from events (no defaults from the clock), so that a rebuild gives the
same rows as the live projection.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "p0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE projection_positions (
            name text COLLATE "C" PRIMARY KEY,
            position bigint NOT NULL DEFAULT 0 CHECK (position >= 0),
            events_processed bigint NOT NULL DEFAULT 0,
            updated_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute(
        """
        CREATE TABLE rm_plans (
            plan_id text COLLATE "C" PRIMARY KEY,
            organization_id text NOT NULL,
            organization_name text NOT NULL,
            parent_organization_id text,
            organization_level text NOT NULL,
            term text NOT NULL,
            term_start date NOT NULL,
            procedure_key text NOT NULL,
            status text NOT NULL,
            round integer NOT NULL DEFAULT 1,
            seats integer NOT NULL,
            candidates integer NOT NULL DEFAULT 0,
            last_held_on date,
            opened_at timestamptz NOT NULL,
            submitted_at timestamptz,
            decided_at timestamptz,
            updated_at timestamptz NOT NULL,
            last_position bigint NOT NULL
        )
        """
    )
    op.execute("CREATE INDEX ix_rm_plans_status ON rm_plans (status, plan_id)")
    op.execute(
        """
        CREATE TABLE rm_nomination_plans (
            plan_id text COLLATE "C" PRIMARY KEY,
            first_step integer NOT NULL
        )
        """
    )
    op.execute(
        """
        CREATE TABLE rm_nominations (
            nomination_id text COLLATE "C" PRIMARY KEY,
            plan_id text COLLATE "C" NOT NULL,
            full_name text NOT NULL,
            party_card_number text,
            gender text NOT NULL,
            birth_date date NOT NULL,
            ethnicity text NOT NULL,
            current_post text NOT NULL,
            position_group text NOT NULL,
            candidate_group text NOT NULL,
            status text NOT NULL,
            current_step integer,
            attempt integer,
            last_outcome text NOT NULL,
            last_step integer,
            last_yes integer,
            last_needed integer,
            reason_code text,
            reason text NOT NULL DEFAULT '',
            appraisal_outcome text,
            registered_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL,
            last_position bigint NOT NULL
        )
        """
    )
    op.execute("CREATE INDEX ix_rm_nominations_plan ON rm_nominations "
               "(plan_id, position_group, nomination_id)")
    op.execute("CREATE INDEX ix_rm_nominations_status ON rm_nominations (status)")
    op.execute(
        """
        CREATE TABLE rm_structure_plans (
            plan_id text COLLATE "C" PRIMARY KEY,
            organization_id text NOT NULL,
            organization_name text NOT NULL,
            parent_organization_id text,
            organization_level text NOT NULL,
            term text NOT NULL,
            term_start date NOT NULL,
            status text NOT NULL,
            women_min text,
            under_40_min text,
            first_time_min text,
            ethnic_minority_min text
        )
        """
    )
    op.execute(
        """
        CREATE TABLE rm_structure_members (
            nomination_id text COLLATE "C" PRIMARY KEY,
            plan_id text COLLATE "C" NOT NULL,
            position_group text NOT NULL,
            female boolean NOT NULL,
            under_40 boolean NOT NULL,
            ethnic_minority boolean NOT NULL,
            first_time boolean NOT NULL,
            on_list boolean NOT NULL DEFAULT false
        )
        """
    )
    op.execute("CREATE INDEX ix_rm_structure_members_list ON rm_structure_members "
               "(plan_id, position_group) WHERE on_list")
    op.execute(
        """
        CREATE TABLE rm_structure (
            plan_id text COLLATE "C" NOT NULL,
            position_group text NOT NULL,
            seats integer NOT NULL DEFAULT 0,
            total integer NOT NULL DEFAULT 0,
            women integer NOT NULL DEFAULT 0,
            under_40 integer NOT NULL DEFAULT 0,
            ethnic_minority integer NOT NULL DEFAULT 0,
            first_time integer NOT NULL DEFAULT 0,
            updated_at timestamptz NOT NULL,
            last_position bigint NOT NULL,
            PRIMARY KEY (plan_id, position_group)
        )
        """
    )


def downgrade() -> None:
    for table in ("rm_structure", "rm_structure_members", "rm_structure_plans",
                  "rm_nominations", "rm_nomination_plans", "rm_plans", "projection_positions"):
        op.execute(f"DROP TABLE IF EXISTS {table}")
