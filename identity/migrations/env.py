"""Alembic environment of the identity and registry tables (see
eventstore.migration_history.run_environment):
``alembic -c identity/alembic.ini -x url=postgresql://... upgrade head``."""

from alembic import context

from eventstore.migration_history import run_environment
from identity.migrate import VERSION_TABLE

run_environment(context, None, VERSION_TABLE)
