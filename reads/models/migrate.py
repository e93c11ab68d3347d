"""Migrating the read models' schema: a migration history of their own, kept in the version
table ``projections_alembic_version`` beside the event store's, in the same database.

The read models' tables are disposable (``nhansu projections rebuild`` refills them from the
log), but their shape is still migrated, not recreated, so that a deployment never serves
from a half-made schema."""

from __future__ import annotations

from pathlib import Path

from eventstore.migration_history import MigrationHistory

VERSION_TABLE = "projections_alembic_version"

HISTORY = MigrationHistory(scripts=Path(__file__).resolve().parent / "migrations",
                           version_table=VERSION_TABLE, lock_key=0x6E6870726F6A73)  # "nhprojs"

alembic_config = HISTORY.alembic_config
head_revision = HISTORY.head_revision
upgrade = HISTORY.upgrade
downgrade = HISTORY.downgrade
current_revision = HISTORY.current_revision
