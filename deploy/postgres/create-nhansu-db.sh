#!/bin/sh
# Runs once, when the postgres image initialises an empty data volume: the application's own
# database apart from Temporal's `temporal` and `temporal_visibility`, and its roles
# (eventstore/roles.py):
#
# - nhansu_owner owns the database and runs the migrations (`nhansu db upgrade`); CREATEROLE
#   so that the migration step can grant the runtime roles exactly their privileges, CREATEDB
#   for the restore check of deploy/backup.sh (a scratch database it owns and drops);
# - nhansu_worker and nhansu_api log in with their own passwords and may only do their job:
#   append to and read the record, keep the read models, and (the API) the identity tables.
#   Neither can UPDATE, DELETE or TRUNCATE an event, run DDL or switch a trigger off.
#
# nhansu_cli (operator commands, projection rebuilds) is created by the migration step
# without a password: give it one (ALTER ROLE nhansu_cli PASSWORD ...) to use it.
set -eu
: "${NHANSU_OWNER_DB_PASSWORD:?}" "${NHANSU_WORKER_DB_PASSWORD:?}" "${NHANSU_API_DB_PASSWORD:?}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v owner_password="$NHANSU_OWNER_DB_PASSWORD" \
  -v worker_password="$NHANSU_WORKER_DB_PASSWORD" \
  -v api_password="$NHANSU_API_DB_PASSWORD" <<'SQL'
CREATE ROLE nhansu_owner LOGIN CREATEROLE CREATEDB PASSWORD :'owner_password';
CREATE ROLE nhansu_worker LOGIN PASSWORD :'worker_password';
CREATE ROLE nhansu_api LOGIN PASSWORD :'api_password';
CREATE DATABASE nhansu OWNER nhansu_owner;
SQL
# Only the owner may create objects in the database's public schema (PostgreSQL 15 and later
# already refuse it to everyone else; said again for clarity).
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname nhansu \
  -c "REVOKE CREATE ON SCHEMA public FROM PUBLIC"
