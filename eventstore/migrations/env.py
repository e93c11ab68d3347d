"""Alembic environment for the event store (see eventstore.migration_history.run_environment):
``alembic -c eventstore/alembic.ini -x url=postgresql://... upgrade head``."""

from alembic import context

from eventstore.migrate import VERSION_TABLE
from eventstore.migration_history import run_environment
from eventstore.schema import metadata

run_environment(context, metadata, VERSION_TABLE)
