"""The PostgreSQL event store: append-only, hash-chained, with a global log that never skips.

Import from the modules (``eventstore.store``, ``eventstore.model``, ...): this package module
stays empty so that importing the plain types does not pull in SQLAlchemy and asyncpg.
"""
