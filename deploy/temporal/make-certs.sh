#!/bin/sh
# Certificates for Temporal's mutual TLS (docker-compose.yml): a private CA, the server's
# certificate (frontend and internode, name "temporal"), and one client certificate for each
# caller — the nhansu worker, the nhansu API/CLI, the admin tools, the web UI. The frontend
# accepts only clients whose certificate this CA signed: reaching port 7233 is no longer
# enough to terminate a plan's workflow.
#
#   deploy/temporal/make-certs.sh [DIR]     # default deploy/temporal/certs; refuses to overwrite
#
# Keep ca.key offline once the certificates are made (it signs new callers). Certificates are
# valid for 825 days: run again into a new DIR and switch over before they expire.
# Containers read the keys through a bind mount as their own users (temporal: uid 1000,
# nhansu: uid 10001), so the keys are group-readable by CERT_GID (default 1000) and the
# directory is closed to everyone else; set CERT_GID to a group both users are in.
set -eu

dir=${1:-"$(dirname "$0")/certs"}
days=825
gid=${CERT_GID:-1000}
[ ! -e "$dir/ca.pem" ] || { echo "$dir/ca.pem exists: choose a new directory" >&2; exit 1; }
umask 077
mkdir -p "$dir"

openssl req -x509 -newkey rsa:4096 -sha256 -nodes -days "$days" \
  -subj "/O=nhansu/CN=nhansu Temporal CA" -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null

issue() {  # name, subjectAltName, extendedKeyUsage
  openssl req -newkey rsa:2048 -sha256 -nodes -subj "/O=nhansu/CN=$1" \
    -keyout "$dir/$1.key" -out "$dir/$1.csr" 2>/dev/null
  printf 'subjectAltName=%s\nextendedKeyUsage=%s\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n' \
    "$2" "$3" > "$dir/$1.ext"
  openssl x509 -req -sha256 -days "$days" -in "$dir/$1.csr" -CA "$dir/ca.pem" \
    -CAkey "$dir/ca.key" -CAcreateserial -extfile "$dir/$1.ext" -out "$dir/$1.pem" 2>/dev/null
  rm -f "$dir/$1.csr" "$dir/$1.ext"
}

issue temporal "DNS:temporal,DNS:localhost,IP:127.0.0.1" "serverAuth,clientAuth"
for client in nhansu-worker nhansu-api temporal-admin temporal-ui; do
  issue "$client" "DNS:$client" clientAuth
done

rm -f "$dir/ca.srl"
chgrp "$gid" "$dir" "$dir"/*.pem "$dir"/*.key 2>/dev/null || true
chmod 0750 "$dir"
chmod 0640 "$dir"/*.pem "$dir"/*.key
chmod 0600 "$dir/ca.key"
echo "certificates in $dir:"
ls -l "$dir"
