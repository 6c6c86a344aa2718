#!/usr/bin/env bash
# Run the JS client compatibility tests against a freshly started Sextant server.
#
#   tests/e2e/js/run.sh /path/to/sextant
#
# Installs the pinned npm clients from package-lock.json (npm ci) when node_modules is
# missing or stale, starts `sextant serve` on a free 127.0.0.1 port with a temporary data
# dir, waits for GET /readyz, runs `node --test` on both test files and exits with node's
# exit code. The server and the temp dirs are always cleaned up.
# Env: READY_TIMEOUT (seconds, default 30), SEXTANT_SHARED_DATA (see langchain_flow.test.mjs).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if [ $# -lt 1 ]; then
  echo "usage: $0 /path/to/sextant-binary" >&2
  exit 2
fi
BIN="$1"
case "$BIN" in /*) ;; *) BIN="$PWD/$BIN" ;; esac
if [ ! -x "$BIN" ]; then
  echo "run.sh: server binary '$BIN' does not exist or is not executable" >&2
  exit 2
fi
command -v node >/dev/null || { echo "run.sh: node is not installed" >&2; exit 2; }
command -v npm >/dev/null || { echo "run.sh: npm is not installed" >&2; exit 2; }

# --- (a) dependencies from the lockfile ---------------------------------------------------
lock_hash() { cat "$HERE/package.json" "$HERE/package-lock.json" | cksum | cut -d' ' -f1; }
STAMP="$HERE/node_modules/.sextant-lock-stamp"
WANT="$(lock_hash)"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$WANT" ]; then
  echo "run.sh: installing pinned npm packages (npm ci)" >&2
  (cd "$HERE" && npm ci --no-audit --no-fund) >&2
  echo "$WANT" >"$STAMP"
fi

# --- (b) a free loopback port ------------------------------------------------------------
free_port() {
  if command -v python3 >/dev/null; then
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
  else
    node -e 'const s=require("net").createServer(); s.listen(0,"127.0.0.1",()=>{console.log(s.address().port); s.close();})'
  fi
}
PORT="$(free_port)"
URL="http://127.0.0.1:$PORT"

# --- (c) start the server ----------------------------------------------------------------
DATA_DIR="$(mktemp -d "${TMPDIR:-/tmp}/sextant-e2e-data.XXXXXX")"
LOG="$(mktemp "${TMPDIR:-/tmp}/sextant-e2e-log.XXXXXX")"
SERVER_PID=""

cleanup() {
  local rc=$?
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$DATA_DIR" "$LOG"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

show_log() {
  echo "---- server log (last 50 lines) ----" >&2
  tail -n 50 "$LOG" >&2 || true
  echo "------------------------------------" >&2
}

echo "run.sh: starting $BIN serve on $URL (data dir $DATA_DIR)" >&2
"$BIN" serve --host 127.0.0.1 --port "$PORT" --data-dir "$DATA_DIR" >"$LOG" 2>&1 &
SERVER_PID=$!

http_ok() {
  if command -v curl >/dev/null; then
    curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null
  else
    node -e 'fetch(process.argv[1],{signal:AbortSignal.timeout(2000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))' "$1"
  fi
}

TIMEOUT="${READY_TIMEOUT:-30}"
deadline=$((SECONDS + TIMEOUT))
until http_ok "$URL/readyz"; do
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "run.sh: FAIL: the server exited before answering GET /readyz" >&2
    show_log
    exit 1
  fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "run.sh: FAIL: GET $URL/readyz did not answer 2xx within ${TIMEOUT}s" >&2
    show_log
    exit 1
  fi
  sleep 0.2
done
echo "run.sh: server ready" >&2

# --- (d) the tests -----------------------------------------------------------------------
set +e
(cd "$HERE" && SEXTANT_URL="$URL" node --test qdrant_client_flow.test.mjs langchain_flow.test.mjs)
rc=$?
set -e
if [ "$rc" -ne 0 ]; then
  show_log
fi
exit "$rc"
