"""Least privilege: the database roles each process connects as, and what each may do.

Migrations run as the owner of the tables (``nhansu_owner`` in the embedded setup, the
``DATABASE_URL`` user of the migration step in production). The owner can disable a trigger or
TRUNCATE; nobody at run time can. The processes connect as roles that hold only what their job
needs:

============== =================================== ========================== ===============
role           event store (events, ledger,        read models (rm_*,         identity and
               ledger_nodes, checkpoints)          projection_*)              registry tables
============== =================================== ========================== ===============
nhansu_worker  SELECT, INSERT                      SELECT, INSERT, UPDATE,    none
                                                   DELETE (the projector)
nhansu_api     SELECT, INSERT                      SELECT, INSERT, UPDATE,    SELECT, INSERT,
                                                   DELETE (the projector)     UPDATE, DELETE
nhansu_cli     SELECT, INSERT                      as the API                 as the API
============== =================================== ========================== ===============

No role may UPDATE, DELETE or TRUNCATE the record, run DDL on its tables or control their
triggers (only an owner may), or create objects in ``public``. The CLI alone may create a
schema in the database: ``nhansu projections rebuild`` builds into a schema of its own and
swaps the rows in (reads/models/runner.py); it owns only what it creates.

``grant_statements`` is idempotent and is run by the migration step after every migration
history (application/operations.py). Roles belong to the cluster: they are created when the
migrating user may (superuser, or CREATEROLE); otherwise the step says which are missing and
an administrator creates them (docs/operations.md).
"""

from __future__ import annotations

from typing import Literal

OWNER = "nhansu_owner"
WORKER = "nhansu_worker"
API = "nhansu_api"
CLI = "nhansu_cli"

Process = Literal["worker", "api", "cli"]
ROLE_OF: dict[Process, str] = {"worker": WORKER, "api": API, "cli": CLI}
RUNTIME_ROLES = (WORKER, API, CLI)

EVENT_TABLES = ("events", "ledger", "ledger_nodes", "checkpoints")
READ_MODEL_TABLES = ("projection_positions", "projection_quarantine", "rm_plans",
                     "rm_nomination_plans", "rm_nominations", "rm_structure_plans",
                     "rm_structure_members", "rm_structure", "rm_committees",
                     "rm_committee_members", "rm_committee_entries", "rm_committee_nominations")
IDENTITY_TABLES = ("identity_passwords", "identity_tokens", "identity_sessions",
                   "identity_login_failures", "registry_organizations", "registry_head")
VERSION_TABLES = ("eventstore_alembic_version", "projections_alembic_version",
                  "identity_alembic_version")

APPEND: tuple[str, ...] = ("SELECT", "INSERT")
READ_WRITE: tuple[str, ...] = ("SELECT", "INSERT", "UPDATE", "DELETE")

#: role -> table -> privileges. Anything not listed is not granted.
PRIVILEGES: dict[str, dict[str, tuple[str, ...]]] = {
    WORKER: {**{t: APPEND for t in EVENT_TABLES},
             **{t: READ_WRITE for t in READ_MODEL_TABLES},
             **{t: ("SELECT",) for t in VERSION_TABLES}},
    API: {**{t: APPEND for t in EVENT_TABLES},
          **{t: READ_WRITE for t in READ_MODEL_TABLES},
          **{t: READ_WRITE for t in IDENTITY_TABLES},
          **{t: ("SELECT",) for t in VERSION_TABLES}},
    CLI: {**{t: APPEND for t in EVENT_TABLES},
          **{t: READ_WRITE for t in READ_MODEL_TABLES},
          **{t: READ_WRITE for t in IDENTITY_TABLES},
          **{t: ("SELECT",) for t in VERSION_TABLES}},
}

#: Roles that may create a schema of their own in the database (projection rebuilds).
MAY_CREATE_SCHEMA = (CLI,)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def create_roles_statement() -> str:
    """Create each runtime role that is missing (LOGIN, no other attribute), when the current
    user may; a notice names those it could not create."""
    names = ", ".join(f"'{r}'" for r in RUNTIME_ROLES)
    return f"""
DO $$
DECLARE
    wanted text;
BEGIN
    FOREACH wanted IN ARRAY ARRAY[{names}] LOOP
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = wanted) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE '
                               'NOREPLICATION NOBYPASSRLS', wanted);
            EXCEPTION
                WHEN duplicate_object OR unique_violation THEN NULL;
                WHEN insufficient_privilege THEN
                    RAISE NOTICE 'role % was not created (CREATEROLE is needed)', wanted;
            END;
        END IF;
    END LOOP;
END
$$"""


def grant_statements(database: str, existing_tables: set[str],
                     existing_roles: set[str]) -> list[str]:
    """REVOKE everything, then GRANT exactly PRIVILEGES, for the roles and tables that exist
    (a table of a history not migrated yet is skipped; the next migration step grants it)."""
    statements = []
    for role in RUNTIME_ROLES:
        if role not in existing_roles:
            continue
        quoted_role = _quote(role)
        tables = sorted(existing_tables & set(_all_tables()))
        if tables:
            statements.append(f"REVOKE ALL ON {', '.join(map(_quote, tables))} "
                              f"FROM {quoted_role}")
        for table, privileges in sorted(PRIVILEGES[role].items()):
            if table in existing_tables:
                statements.append(f"GRANT {', '.join(privileges)} ON {_quote(table)} "
                                  f"TO {quoted_role}")
        if "events" in existing_tables:
            statements.append(f"GRANT USAGE ON SEQUENCE events_position_seq TO {quoted_role}")
        statements.append(f"REVOKE CREATE ON DATABASE {_quote(database)} FROM {quoted_role}")
        if role in MAY_CREATE_SCHEMA:
            statements.append(f"GRANT CREATE ON DATABASE {_quote(database)} TO {quoted_role}")
    return statements


def _all_tables() -> tuple[str, ...]:
    return EVENT_TABLES + READ_MODEL_TABLES + IDENTITY_TABLES + VERSION_TABLES


async def apply(url: str) -> tuple[str, ...]:
    """Create the runtime roles where allowed and grant them exactly their privileges on the
    database of ``url`` (run as the owner, after the migrations); return the roles still
    missing, for the caller to report."""
    import asyncpg

    from eventstore.database import to_asyncpg_dsn

    conn = await asyncpg.connect(to_asyncpg_dsn(url))
    try:
        async with conn.transaction():
            await conn.execute(create_roles_statement())
        roles = {r["rolname"] for r in await conn.fetch(
            "SELECT rolname FROM pg_roles WHERE rolname = ANY($1::text[])",
            list(RUNTIME_ROLES))}
        tables = {r["tablename"] for r in await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        database = await conn.fetchval("SELECT current_database()")
        async with conn.transaction():
            for statement in grant_statements(database, tables, roles):
                await conn.execute(statement)
        # PostgreSQL 15 and later already refuse it; older servers allowed anyone to create
        # tables in public. Only the schema's owner may revoke it: elsewhere a notice.
        try:
            async with conn.transaction():
                await conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        except asyncpg.InsufficientPrivilegeError:
            pass
        return tuple(r for r in RUNTIME_ROLES if r not in roles)
    finally:
        await conn.close()


def as_role(url: str, role: str) -> str:
    """The same server and database, as ``role`` with no password: for the embedded server,
    whose Unix socket sits in the owner-only data directory and trusts local users."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{role}@{host}"))
