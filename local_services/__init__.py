"""Local servers for the embedded setup: PostgreSQL and the Temporal dev server.

Used only when settings leave ``DATABASE_URL`` / ``TEMPORAL_ADDRESS`` unset; both keep their
state under ``settings.data_dir`` and outlive the process that started them, so the CLI and the
worker share one server of each.
"""
