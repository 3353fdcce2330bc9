#!/usr/bin/env bash
# Tests that need Redis (the BullMQ job queue) start a throwaway redis-server on a free port of
# 127.0.0.1 themselves (packages/test-services); they need the binary. Install it from Debian's
# packages when it is missing, as scripts/ensure-postgres.sh does for PostgreSQL.
set -euo pipefail
if command -v redis-server >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "redis-server not found: installing Debian's redis-server with apt-get"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null
  # The package may start a system-wide server on port 6379; the tests start their own, so stop it.
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet redis-server 2>/dev/null; then
    systemctl stop redis-server || true
  elif command -v service >/dev/null 2>&1; then
    service redis-server stop >/dev/null 2>&1 || true
  fi
else
  echo "redis-server is missing: install it, e.g. 'sudo apt-get install -y redis-server'" >&2
  exit 1
fi
