#!/usr/bin/env bash
# Starts the packaged PostgreSQL 15 cluster on loopback and makes sure the test superuser can log in.
set -euo pipefail
ver=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
if ! pg_lsclusters -h 2>/dev/null | grep -q "^$ver main"; then
  pg_createcluster "$ver" main >/dev/null
fi
pg_ctlcluster "$ver" main start 2>/dev/null || true
for _ in $(seq 1 30); do
  su postgres -c "psql -Atqc 'select 1'" >/dev/null 2>&1 && break
  sleep 1
done
su postgres -c "psql -Atqc \"alter user postgres password 'postgres'\"" >/dev/null
echo "[setup] postgresql $ver is up on 127.0.0.1:5432"
