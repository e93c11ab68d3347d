#!/usr/bin/env bash
# Nightly backup of the compose deployment (docker-compose.yml), then a restore check.
#
#   deploy/backup.sh /srv/nhansu-backups
#
# 1. The three databases (nhansu: the record of truth; temporal and temporal_visibility:
#    running timers and workflow histories) are dumped by the postgresql container's own
#    pg_dump, which matches the server's version; their SHA-256 go in SHA256SUMS.
# 2. The restore check: the nhansu dump is restored into a scratch database on the same server
#    and `nhansu audit verify` runs there (every hash chain, the ledger, every signed
#    checkpoint), as the owner role; the scratch database is dropped whatever happens. A
#    failed restore or verification exits non-zero: the backup cannot be trusted.
# Keep the backups where the operator's own account cannot rewrite them (another host, object
# storage with retention lock): a backup the operator can change proves nothing to an auditor.
# (On a single machine with the embedded servers, `nhansu backup create` / `nhansu backup
# verify` do the same; docs/operations.md.)
set -euo pipefail
cd "$(dirname "$0")/.."

target="${1:?usage: deploy/backup.sh DIRECTORY}"
: "${NHANSU_OWNER_DB_PASSWORD:?set NHANSU_OWNER_DB_PASSWORD (the owner role of the nhansu database)}"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
dir="$target/$stamp"
mkdir -p "$dir"
chmod 700 "$dir"
umask 077

pg() { docker compose exec -T postgresql "$@"; }

pg pg_dump --format=custom --no-owner --no-privileges -U temporal nhansu > "$dir/nhansu.dump"
for db in temporal temporal_visibility; do
  pg pg_dump --format=custom --no-owner -U temporal "$db" > "$dir/$db.dump"
done
(cd "$dir" && sha256sum nhansu.dump temporal.dump temporal_visibility.dump > SHA256SUMS)

scratch="nhansu_restore_check_${stamp,,}"
cleanup() { pg psql -q -U temporal -d postgres -c "DROP DATABASE IF EXISTS $scratch WITH (FORCE)" >/dev/null; }
trap cleanup EXIT
pg psql -q -v ON_ERROR_STOP=1 -U temporal -d postgres -c "CREATE DATABASE $scratch OWNER nhansu_owner"
pg pg_restore --no-owner --no-privileges --exit-on-error --single-transaction \
  -U temporal -d "$scratch" < "$dir/nhansu.dump"
docker compose run --rm --no-deps \
  -e DATABASE_URL="postgresql://nhansu_owner:${NHANSU_OWNER_DB_PASSWORD}@postgresql:5432/$scratch" \
  nhansu-migrate nhansu audit verify
echo "sao lưu xong và đã khôi phục thử, kiểm tra toàn vẹn: $dir"
