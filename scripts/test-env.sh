#!/usr/bin/env bash
# What the whole test suite needs besides npm packages, made ready on a fresh machine: the local
# PostgreSQL, MariaDB and Redis started if they are down (the commands of this machine kind), and
# Debian's chromium installed for the console's browser tests (never `npx playwright install`).
# `npm test` runs this before a full run (scripts/test.mjs), so the README's test command sets up
# everything itself; .ci/run relies on that too. Idempotent: a machine that has it all is left alone.
# KEYSMITH_TEST_SETUP=0 skips it (a developer machine where nothing may be started or installed).
# A step that cannot be done (no root, no apt) only warns: scripts/test.mjs then fails (CI=true) or
# skips the phase that needs it, by name.
set -uo pipefail

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() {
  for _ in $(seq 1 60); do port_open "$1" && return 0; sleep 0.5; done
  echo "test-env: the service on port $1 did not come up" >&2
  return 1
}
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"; else return 1; fi; }

if ! port_open 5432 && command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "test-env: starting PostgreSQL"
  as_root timeout 120 pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  wait_port 5432 || true
fi
if ! port_open 3306 && [ -x /usr/sbin/mariadbd ]; then
  echo "test-env: starting MariaDB"
  as_root timeout 60 start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || true
  wait_port 3306 || true
fi
if ! port_open 6379 && command -v redis-server >/dev/null 2>&1; then
  echo "test-env: starting Redis"
  as_root timeout 60 redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
  wait_port 6379 || true
fi

chromium_path="${KEYSMITH_CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium_path" ] && command -v apt-get >/dev/null 2>&1; then
  echo "test-env: installing Debian's chromium (for the console's browser tests; a few minutes)"
  as_root timeout 900 apt-get update -qq \
    && as_root env DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -qq chromium >/dev/null \
    || echo "test-env: could not install chromium (apt-get as root); the browser phase needs $chromium_path" >&2
fi
exit 0
