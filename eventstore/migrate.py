"""Migrating the event store's schema from programs and tests, without an alembic.ini or a
particular working directory: the scripts are found next to this module."""

from __future__ import annotations

from pathlib import Path

from eventstore.migration_history import MigrationHistory

# Its own version table, so that other parts of the project (read models) can keep their own
# migration history in the same database.
VERSION_TABLE = "eventstore_alembic_version"

HISTORY = MigrationHistory(scripts=Path(__file__).resolve().parent / "migrations",
                           version_table=VERSION_TABLE, lock_key=0x6E68616E7375)  # "nhansu"

alembic_config = HISTORY.alembic_config
head_revision = HISTORY.head_revision
upgrade = HISTORY.upgrade
downgrade = HISTORY.downgrade
current_revision = HISTORY.current_revision
