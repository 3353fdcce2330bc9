#!/usr/bin/env bash
# The browser tests drive Debian's Chromium with playwright-core (never `playwright install`,
# which downloads a browser build). Install it from Debian's packages when it is missing.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "/usr/bin/chromium not found: installing Debian's chromium with apt-get"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null
else
  echo "/usr/bin/chromium is missing: install it, e.g. 'sudo apt-get install -y chromium'" >&2
  exit 1
fi
