#!/bin/sh
# Runs once, when the postgres image initialises an empty data volume: the application gets
# its own role and database, apart from Temporal's `temporal` and `temporal_visibility`.
set -eu
: "${NHANSU_DB_PASSWORD:?}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v password="$NHANSU_DB_PASSWORD" <<'SQL'
CREATE ROLE nhansu LOGIN PASSWORD :'password';
CREATE DATABASE nhansu OWNER nhansu;
SQL
