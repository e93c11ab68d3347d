"""Secrets of users (passwords, API tokens, web sessions, login failures) and the registry's
lookup tables.

Revision ID: i0001
Revises:
Create Date: 2026-12-05

Written by hand and frozen: later changes go in new revisions, never here.

- ``identity_passwords``: one argon2id hash per login (the PHC string carries its parameters).
- ``identity_tokens``: API tokens by id; the secret only as its SHA-256 (unique: the lookup).
- ``identity_sessions``: web sessions by the SHA-256 of their id (the cookie value); the CSRF
  token of each; ``expires_at`` is the absolute end, ``last_seen_at`` slides the idle one.
- ``identity_login_failures``: failed logins, for the rate limit (by login, by source).
- ``registry_organizations``: one row per version of an organization (``valid_to`` inclusive,
  NULL while in force), written in the same transaction as the registry's events;
  ``registry_head``: the global position of the last registry event those rows include.

Unlike ``events``, these rows change (a token is revoked, a session slides, a password is
rotated): ``nhansu_app`` gets SELECT, INSERT, UPDATE and DELETE on them when it exists.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "i0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("identity_passwords", "identity_tokens", "identity_sessions",
           "identity_login_failures", "registry_organizations", "registry_head")


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE identity_passwords (
            login text COLLATE "C" PRIMARY KEY,
            hash text NOT NULL CHECK (hash LIKE '$argon2id$%'),
            changed_at timestamptz NOT NULL
        )
        """
    )
    op.execute(
        """
        CREATE TABLE identity_tokens (
            token_id text COLLATE "C" PRIMARY KEY,
            login text COLLATE "C" NOT NULL,
            secret_sha256 bytea NOT NULL UNIQUE CHECK (length(secret_sha256) = 32),
            name text NOT NULL,
            created_at timestamptz NOT NULL,
            expires_at timestamptz NOT NULL CHECK (expires_at > created_at),
            revoked_at timestamptz
        )
        """
    )
    op.execute("CREATE INDEX ix_identity_tokens_login ON identity_tokens (login)")
    op.execute(
        """
        CREATE TABLE identity_sessions (
            session_sha256 bytea PRIMARY KEY CHECK (length(session_sha256) = 32),
            login text COLLATE "C" NOT NULL,
            csrf_token text NOT NULL,
            source text NOT NULL,
            created_at timestamptz NOT NULL,
            expires_at timestamptz NOT NULL CHECK (expires_at > created_at),
            last_seen_at timestamptz NOT NULL
        )
        """
    )
    op.execute("CREATE INDEX ix_identity_sessions_login ON identity_sessions (login)")
    op.execute("CREATE INDEX ix_identity_sessions_expires ON identity_sessions (expires_at)")
    op.execute(
        """
        CREATE TABLE identity_login_failures (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            login text NOT NULL,
            source text NOT NULL,
            at timestamptz NOT NULL
        )
        """
    )
    op.execute("CREATE INDEX ix_identity_login_failures_login ON identity_login_failures "
               "(login, at)")
    op.execute("CREATE INDEX ix_identity_login_failures_source ON identity_login_failures "
               "(source, at)")
    op.execute(
        """
        CREATE TABLE registry_organizations (
            organization_id text COLLATE "C" NOT NULL,
            valid_from date NOT NULL,
            valid_to date CHECK (valid_to IS NULL OR valid_to >= valid_from),
            name text NOT NULL,
            level text NOT NULL CHECK (level IN ('central', 'province', 'district', 'commune',
                                                 'grassroots')),
            parent_id text COLLATE "C",
            active boolean NOT NULL,
            ended text CHECK (ended IN ('merged', 'split', 'dissolved')),
            successors text[] NOT NULL DEFAULT '{}',
            PRIMARY KEY (organization_id, valid_from)
        )
        """
    )
    op.execute("CREATE INDEX ix_registry_organizations_parent ON registry_organizations "
               "(parent_id, valid_from) WHERE parent_id IS NOT NULL")
    op.execute(
        """
        CREATE TABLE registry_head (
            id integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
            position bigint NOT NULL CHECK (position >= 0),
            events bigint NOT NULL CHECK (events >= 0)
        )
        """
    )
    op.execute("INSERT INTO registry_head (id, position, events) VALUES (1, 0, 0)")
    op.execute(
        f"""
        DO $$
        BEGIN
            IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'nhansu_app') THEN
                GRANT SELECT, INSERT, UPDATE, DELETE ON {", ".join(_TABLES)} TO nhansu_app;
            END IF;
        END
        $$
        """
    )


def downgrade() -> None:
    for table in _TABLES:
        op.execute(f"DROP TABLE IF EXISTS {table}")
