"""Alembic environment of the read models (see eventstore.migration_history.run_environment):
``alembic -c projections/alembic.ini -x url=postgresql://... upgrade head``."""

from alembic import context

from eventstore.migration_history import run_environment
from reads.models.migrate import VERSION_TABLE

run_environment(context, None, VERSION_TABLE)
