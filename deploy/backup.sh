#!/usr/bin/env bash
# Nightly backup of the compose deployment (docker-compose.yml), then a restore check.
#
#   deploy/backup.sh /srv/nhansu-backups
#
# 1. The service's database: `nhansu backup create` in a worker container (pg_dump, manifest
#    with SHA-256), then `nhansu backup verify`, which restores it into a scratch database and
#    verifies every hash chain and signed checkpoint there. A failed check exits non-zero.
# 2. Temporal's databases (temporal, temporal_visibility): pg_dump from the postgresql
#    container, with their SHA-256 beside them. The event store is the record of truth; these
#    keep running timers and workflow histories.
# Keep the backups where the operator's own account cannot rewrite them (another host, object
# storage with retention lock): a backup the operator can change proves nothing to an auditor.
set -euo pipefail
cd "$(dirname "$0")/.."

target="${1:?usage: deploy/backup.sh DIRECTORY}"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
dir="$target/$stamp"
mkdir -p "$dir"
chmod 700 "$dir"

# The worker image has the nhansu CLI and the database URL; /backups is this run's directory.
docker compose run --rm --no-deps -v "$dir/nhansu:/backups" --user "$(id -u):$(id -g)" worker \
  sh -c 'nhansu backup create /backups/db && nhansu backup verify /backups/db'

for db in temporal temporal_visibility; do
  docker compose exec -T postgresql pg_dump --format=custom --no-owner -U temporal "$db" \
    > "$dir/$db.dump"
done
(cd "$dir" && sha256sum temporal.dump temporal_visibility.dump > temporal.sha256)
chmod 600 "$dir"/*.dump "$dir"/temporal.sha256
echo "sao lưu xong: $dir"
