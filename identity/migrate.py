"""Migrating the identity and registry tables: a migration history of their own, kept in the
version table ``identity_alembic_version`` beside the event store's and the read models', in
the same database.

Unlike the read models these tables are not all disposable: ``identity_passwords`` and
``identity_tokens`` hold the only copy of the secrets' hashes (the events say only that a
password was set or a token issued). ``registry_organizations`` and ``registry_head`` are
derived from the registry's events and can be rebuilt (``application.registry.rebuild``)."""

from __future__ import annotations

from pathlib import Path

from eventstore.migration_history import MigrationHistory

VERSION_TABLE = "identity_alembic_version"

HISTORY = MigrationHistory(scripts=Path(__file__).resolve().parent / "migrations",
                           version_table=VERSION_TABLE, lock_key=0x6E686964656E74)  # "nhident"

alembic_config = HISTORY.alembic_config
head_revision = HISTORY.head_revision
upgrade = HISTORY.upgrade
downgrade = HISTORY.downgrade
current_revision = HISTORY.current_revision
