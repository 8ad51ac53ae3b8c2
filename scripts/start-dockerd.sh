#!/usr/bin/env bash
# Starts the Docker engine in the background unless one already answers.
set -euo pipefail
if docker info >/dev/null 2>&1; then exit 0; fi
command -v dockerd >/dev/null || { echo "dockerd is not installed: run scripts/setup-machine.sh" >&2; exit 1; }
mkdir -p /var/log
# A daemon killed without a clean shutdown leaves its pid file, which stops the next one from starting.
if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
  rm -f /var/run/docker.pid
fi
nohup dockerd >/var/log/dockerd.log 2>&1 &
for _ in $(seq 1 60); do
  docker info >/dev/null 2>&1 && { echo "[setup] dockerd is up"; exit 0; }
  sleep 1
done
echo "dockerd did not come up within 60 s; see /var/log/dockerd.log" >&2
tail -n 20 /var/log/dockerd.log >&2
exit 1
