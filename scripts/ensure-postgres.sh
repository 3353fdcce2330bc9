#!/usr/bin/env bash
# The PostgreSQL store's tests start a throwaway server; they need the server binaries
# (initdb, pg_ctl, postgres). Install them from Debian's packages when they are missing.
set -euo pipefail
if command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "PostgreSQL server binaries not found: installing them with apt-get"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
else
  echo "PostgreSQL server binaries (initdb, pg_ctl) are missing: install them, e.g. 'sudo apt-get install -y postgresql'" >&2
  exit 1
fi
