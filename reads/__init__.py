"""The read side for auditors and dashboards: everything here reads PostgreSQL alone and
works with the worker and Temporal stopped."""
