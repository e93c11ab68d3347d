"""``make bench``: this event store side by side with its peer (the ``eventsourcing`` library's
PostgreSQL application recorder) and its ceiling (plain asyncpg INSERTs, no hashing), in one
run on one PostgreSQL server. ``python -m bench --help``; results in bench/results.md and
bench/results.json.
"""
