#!/usr/bin/env bash
# Runs the SDK compatibility suite: the official `openai` and `anthropic` Python SDKs against
# `ajar serve`, with every upstream played by `ajar-fake-vendors`.
#
#   swift build && sdk-tests/run.sh [extra pytest args]
#
# Environment:
#   BIN_DIR         where `ajar` and `ajar-fake-vendors` are (default .build/debug)
#   AJAR_SDK_VENV   the virtualenv to create or reuse (default .build/sdk-venv)
#   PYTHON          the interpreter that creates the venv (default python3)
#   SDK_LOG_DIR     where the two servers' logs go (default .build/sdk-logs)
#
# Exits with pytest's status; both servers are always stopped.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

BIN_DIR="${BIN_DIR:-.build/debug}"
VENV="${AJAR_SDK_VENV:-.build/sdk-venv}"
PYTHON="${PYTHON:-python3}"
LOG_DIR="${SDK_LOG_DIR:-.build/sdk-logs}"
REQUIREMENTS="sdk-tests/requirements.txt"
CONFIG="sdk-tests/ajar-sdk.yaml"
STARTUP_SECONDS=30

# ensure_chromium; this script's own say/die below replace lib.sh's.
source scripts/lib.sh
say() { printf 'sdk-suite: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

for binary in ajar ajar-fake-vendors; do
    [[ -x "$BIN_DIR/$binary" ]] || die "$BIN_DIR/$binary not found or not executable; run 'swift build' first (or set BIN_DIR)"
done

# --- Browser ------------------------------------------------------------------------------
# test_dashboard.py drives Debian's chromium headless; installed here when missing (as root).
ensure_chromium

# --- Python environment -------------------------------------------------------------------
# The venv is reused while its stamp matches the requirements file.
stamp="$VENV/.ajar-sdk-requirements"
if [[ ! -x "$VENV/bin/python" ]] || ! cmp -s "$REQUIREMENTS" "$stamp"; then
    say "preparing $VENV"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$REQUIREMENTS"
    cp "$REQUIREMENTS" "$stamp"
fi

# --- Servers ------------------------------------------------------------------------------
mkdir -p "$LOG_DIR"
fake_log="$LOG_DIR/fake-vendors.log"
ajar_log="$LOG_DIR/ajar.log"
: >"$fake_log"
: >"$ajar_log"
fake_pid=""
ajar_pid=""

stop_servers() {
    local pid
    for pid in "$ajar_pid" "$fake_pid"; do
        [[ -n "$pid" ]] || continue
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
            for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -KILL "$pid" 2>/dev/null || true
        fi
        wait "$pid" 2>/dev/null || true
    done
}
trap stop_servers EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

show_logs() {
    say "---- $fake_log ----"; tail -n 50 "$fake_log" >&2 || true
    say "---- $ajar_log ----"; tail -n 50 "$ajar_log" >&2 || true
}

# Waits until `pattern` (an extended regex with one group: the port) appears in `log`, and prints
# the port. Fails if the process exits first or after STARTUP_SECONDS.
wait_for_port() {
    local name="$1" pid="$2" log="$3" pattern="$4" deadline=$((SECONDS + STARTUP_SECONDS)) line
    while ((SECONDS < deadline)); do
        line="$(grep -Eo "$pattern" "$log" | head -n 1 || true)"
        if [[ -n "$line" ]]; then
            [[ "$line" =~ $pattern ]] && { echo "${BASH_REMATCH[1]}"; return 0; }
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            say "$name exited before it was listening"
            show_logs
            return 1
        fi
        sleep 0.1
    done
    say "$name was not listening after ${STARTUP_SECONDS}s"
    show_logs
    return 1
}

# Polls GET url until it answers 200, for at most STARTUP_SECONDS.
wait_for_health() {
    local url="$1"
    "$VENV/bin/python" - "$url" "$STARTUP_SECONDS" <<'PY' || { say "no healthy answer from $1"; show_logs; return 1; }
import sys, time, urllib.request
url, limit = sys.argv[1], float(sys.argv[2])
deadline = time.monotonic() + limit
while time.monotonic() < deadline:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            if response.status == 200:
                sys.exit(0)
    except OSError:
        pass
    time.sleep(0.1)
sys.exit(1)
PY
}

# Port 0 lets each server pick a free loopback port, which it then logs: no race between
# choosing a port and binding it. FAKE_PORT / AJAR_PORT may be set to force one.
"$BIN_DIR/ajar-fake-vendors" --port "${FAKE_PORT:-0}" >"$fake_log" 2>&1 &
fake_pid=$!
FAKE_PORT="$(wait_for_port ajar-fake-vendors "$fake_pid" "$fake_log" 'fake vendors listening on 127\.0\.0\.1:([0-9]+)')"
export FAKE_PORT
export AJAR_BIN_DIR="$(cd "$BIN_DIR" && pwd)"

"$BIN_DIR/ajar" serve --config "$CONFIG" --host 127.0.0.1 --port "${AJAR_PORT:-0}" >"$ajar_log" 2>&1 &
ajar_pid=$!
AJAR_PORT="$(wait_for_port ajar "$ajar_pid" "$ajar_log" 'ajar listening on http://127\.0\.0\.1:([0-9]+)')"
export AJAR_BASE_URL="http://127.0.0.1:$AJAR_PORT"
wait_for_health "$AJAR_BASE_URL/health"
say "fake vendors on :$FAKE_PORT (pid $fake_pid), ajar on :$AJAR_PORT (pid $ajar_pid); logs in $LOG_DIR"

# --- Tests --------------------------------------------------------------------------------
status=0
"$VENV/bin/python" -m pytest -q sdk-tests "$@" || status=$?
if ((status != 0)); then
    say "pytest exited with $status; server logs are in $LOG_DIR"
fi
exit "$status"
