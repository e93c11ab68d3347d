#!/bin/sh
# Creates the namespace and the custom search attributes the workflows set. Safe to rerun.
set -eu

: "${TEMPORAL_ADDRESS:?}" "${NAMESPACE:?}" "${RETENTION:=30d}" "${SEARCH_ATTRIBUTES:?}"

# As temporalio/samples-server does: dial the IPv4 address, the CLI may try an unroutable IPv6.
ipv4=$(getent ahostsv4 "${TEMPORAL_ADDRESS%:*}" | awk 'NR == 1 { print $1 }') || true
[ -z "$ipv4" ] || TEMPORAL_ADDRESS="$ipv4:${TEMPORAL_ADDRESS##*:}"
export TEMPORAL_ADDRESS
# The authorizer wants the admin token (nhansu temporal-tokens); the CLI sends TEMPORAL_API_KEY.
if [ -n "${TEMPORAL_API_KEY_FILE:-}" ]; then
  TEMPORAL_API_KEY=$(cat "$TEMPORAL_API_KEY_FILE")
  export TEMPORAL_API_KEY
fi

# The server answers before it is ready, and a new namespace reaches the caches of the other
# services only after a refresh (about 10 s): retry instead of failing the deployment.
retry() {
  attempt=0
  until "$@"; do
    attempt=$((attempt + 1))
    [ "$attempt" -lt 60 ] || { echo "giving up: $*" >&2; return 1; }
    sleep 2
  done
}

echo "waiting for Temporal at $TEMPORAL_ADDRESS"
retry temporal operator cluster health >/dev/null

temporal operator namespace describe -n "$NAMESPACE" >/dev/null 2>&1 ||
  temporal operator namespace create -n "$NAMESPACE" --retention "$RETENTION"

# SEARCH_ATTRIBUTES: space-separated Name=Type pairs. With SQL visibility they are per namespace.
existing=$(retry temporal operator search-attribute list -n "$NAMESPACE")
for pair in $SEARCH_ATTRIBUTES; do
  name=${pair%%=*}
  kind=${pair#*=}
  if echo "$existing" | grep -qw "$name"; then
    echo "search attribute $name exists"
  else
    retry temporal operator search-attribute create -n "$NAMESPACE" --name "$name" --type "$kind"
  fi
done
echo "namespace $NAMESPACE is ready"
