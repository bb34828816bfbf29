#!/usr/bin/env bash
# Run the real-Oracle test suite (pytest -m oracle) against a throwaway container.
#
#   scripts/oracle-test.sh [free|xe11] [INSTANT_CLIENT_19_DIR] [-- extra pytest args]
#
#   free  (default) gvenzl/oracle-free:23-slim-faststart, service FREEPDB1, thin mode
#   xe11  gvenzl/oracle-xe:11 (Oracle 11.2), service XE, thick mode: needs an Oracle
#         Instant Client 19 folder (argument, or TUI_SYNC_TEST_ORACLE_LIB_DIR)
#
# Needs docker or podman (ORACLE_TEST_ENGINE=podman to choose), and the project's
# Python (PYTHON, default .venv/bin/python). Environment knobs: ORACLE_TEST_PORT
# (host port, default 15210), ORACLE_TEST_TIMEOUT (seconds to wait for the database,
# default 900), ORACLE_TEST_KEEP=1 (keep the container for debugging).
# The container is removed on exit, also on failure or Ctrl-C.
set -euo pipefail

flavor="${1:-free}"
[ $# -gt 0 ] && shift
lib_dir="${TUI_SYNC_TEST_ORACLE_LIB_DIR:-}"
if [ $# -gt 0 ] && [ "$1" != "--" ]; then lib_dir="$1"; shift; fi
[ "${1:-}" = "--" ] && shift

cd "$(dirname "$0")/.."
python="${PYTHON:-.venv/bin/python}"
[ -x "$python" ] || python="$(command -v python3)"

engine="${ORACLE_TEST_ENGINE:-}"
if [ -z "$engine" ]; then
  if command -v docker >/dev/null 2>&1; then engine=docker
  elif command -v podman >/dev/null 2>&1; then engine=podman
  else echo "oracle-test: needs docker or podman" >&2; exit 2; fi
fi

case "$flavor" in
  free) image="gvenzl/oracle-free:23-slim-faststart"; service="FREEPDB1"; mode="thin" ;;
  xe11) image="gvenzl/oracle-xe:11"; service="XE"; mode="thick"
        if [ -z "$lib_dir" ] || [ ! -d "$lib_dir" ]; then
          echo "oracle-test: xe11 needs an Oracle Instant Client 19 folder: $0 xe11 /path/to/instantclient_19_x" >&2
          echo "             (thin mode cannot reach 11.2: DPY-3010)" >&2
          exit 2
        fi ;;
  *) echo "usage: $0 [free|xe11] [INSTANT_CLIENT_19_DIR] [-- pytest args]" >&2; exit 2 ;;
esac

port="${ORACLE_TEST_PORT:-15210}"
timeout="${ORACLE_TEST_TIMEOUT:-900}"
name="tui-sync-oracle-test-$$"
admin_pw="Adm1n_$RANDOM$RANDOM"
user="TUI_TEST"
user_pw="Tu1_$RANDOM$RANDOM"

cleanup() {
  if [ "${ORACLE_TEST_KEEP:-0}" = "1" ]; then
    echo "oracle-test: keeping container $name (port $port, system password $admin_pw)" >&2
  else
    "$engine" rm -f "$name" >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT INT TERM

echo "oracle-test: starting $image as $name on 127.0.0.1:$port ($engine)" >&2
"$engine" run -d --name "$name" -p "127.0.0.1:$port:1521" -e ORACLE_PASSWORD="$admin_pw" "$image" >/dev/null

# gvenzl images print this line once the database is open (also after a restart)
deadline=$((SECONDS + timeout))
until "$engine" logs "$name" 2>&1 | grep -q "DATABASE IS READY TO USE"; do
  if ! "$engine" ps --format '{{.Names}}' | grep -qx "$name"; then
    echo "oracle-test: the container stopped; its log:" >&2
    "$engine" logs "$name" >&2 || true
    exit 1
  fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "oracle-test: the database was not ready after ${timeout}s" >&2
    exit 1
  fi
  sleep 5
done
echo "oracle-test: database ready; creating user $user" >&2

# The test user: it creates its own tables, views and synonyms; reads the SCN
# (V$DATABASE, DBMS_FLASHBACK) like a sync with consistent = true would.
"$engine" exec -i "$name" sqlplus -S -L "system/$admin_pw@//localhost:1521/$service" <<SQL
WHENEVER SQLERROR EXIT FAILURE
CREATE USER $user IDENTIFIED BY "$user_pw" DEFAULT TABLESPACE USERS QUOTA UNLIMITED ON USERS;
GRANT CREATE SESSION, CREATE TABLE, CREATE VIEW, CREATE SYNONYM TO $user;
GRANT SELECT ON SYS.V_\$DATABASE TO $user;
GRANT EXECUTE ON SYS.DBMS_FLASHBACK TO $user;
EXIT
SQL

export TUI_SYNC_TEST_ORACLE_DSN="127.0.0.1:$port/$service"
export TUI_SYNC_TEST_ORACLE_USER="$user"
export TUI_SYNC_TEST_ORACLE_PASSWORD="$user_pw"
export TUI_SYNC_TEST_ORACLE_MODE="$mode"
if [ "$mode" = "thick" ]; then
  export TUI_SYNC_TEST_ORACLE_LIB_DIR="$lib_dir"
  # lib_dir only works for libraries built with RPATH=$ORIGIN; the loader path always does
  export LD_LIBRARY_PATH="$lib_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi

echo "oracle-test: running pytest -m oracle against $TUI_SYNC_TEST_ORACLE_DSN ($mode mode)" >&2
set +e
"$python" -m pytest -m oracle -v -p no:cacheprovider tests/test_oracle_real.py "$@"
status=$?
set -e
exit "$status"
