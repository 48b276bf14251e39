# Helpers shared by scripts/serve and scripts/test (sourced, not run).

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# The Swift toolchain is the one thing this repository cannot install.
ensure_toolchain() {
    command -v swift >/dev/null 2>&1 || die "swift not found: install the Swift 6 toolchain (swift.org) and put it on PATH"
}

# Debian packages the build and the tests need, installed only when missing.
ensure_system_packages() {
    local missing=()
    command -v python3 >/dev/null 2>&1 || missing+=(python3)
    python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
    [[ -e /usr/include/sqlite3.h ]] || missing+=(libsqlite3-dev)
    if ((${#missing[@]})); then
        if command -v apt-get >/dev/null 2>&1 && [[ $(id -u) -eq 0 ]]; then
            say "installing ${missing[*]}"
            apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
        else
            die "missing packages: ${missing[*]} (install them with your package manager)"
        fi
    fi
}

# PostgreSQL for the store's test suite (scripts/postgres-harness.sh starts a throwaway server),
# and chromium for the dashboard's browser test (sdk-tests/test_dashboard.py).
ensure_test_packages() {
    ensure_chromium
    compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null || command -v pg_ctl >/dev/null 2>&1 && return 0
    if command -v apt-get >/dev/null 2>&1 && [[ $(id -u) -eq 0 ]]; then
        say "installing postgresql (for the store tests)"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    else
        say "postgresql is not installed: the PostgreSQL store tests will try to install it"
    fi
}

# Debian's chromium, driven headless by the dashboard's browser test.
ensure_chromium() {
    command -v chromium >/dev/null 2>&1 && return 0
    if command -v apt-get >/dev/null 2>&1 && [[ $(id -u) -eq 0 ]]; then
        say "installing chromium (for the dashboard's browser test)"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
        say "chromium is not installed: the dashboard's browser test will fail (apt-get install chromium)"
    fi
}

# Release flags: whole-module and cross-module optimisation; tuned to this CPU unless
# AJAR_PORTABLE=1 (then the binary runs on any machine of the same architecture).
release_flags() {
    local flags=(-c release -Xswiftc -cross-module-optimization)
    if [[ "${AJAR_PORTABLE:-0}" != 1 ]]; then
        case "$(uname -m)" in
            x86_64) flags+=(-Xcc -march=native -Xswiftc -target-cpu -Xswiftc native) ;;
            aarch64 | arm64) flags+=(-Xcc -mcpu=native -Xswiftc -target-cpu -Xswiftc native) ;;
        esac
    fi
    printf '%s\n' "${flags[@]}"
}

release_bin_dir() {
    if [[ "${AJAR_PORTABLE:-0}" == 1 ]]; then echo .build-portable/release; else echo .build/release; fi
}

build_release() {
    local flags scratch=()
    mapfile -t flags < <(release_flags)
    [[ "${AJAR_PORTABLE:-0}" == 1 ]] && scratch=(--scratch-path .build-portable)
    say "building $* (release)"
    local products=()
    for product in "$@"; do products+=(--product "$product"); done
    swift build "${scratch[@]}" "${flags[@]}" "${products[@]}"
}
