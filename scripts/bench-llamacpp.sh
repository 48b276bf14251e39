#!/usr/bin/env bash
# The llama.cpp side of the local-engine speed benchmark: runs
# shared/bench/local/llamacpp_bench.py (prompt processing 200 tokens, decode 128 tokens, greedy,
# median of reps) on the default model through llama-cpp-python.
#
#   scripts/bench-llamacpp.sh [MODEL.gguf] [--threads 2] [--reps 3]
#
# Needs a venv with llama-cpp-python (default /tmp/llama-venv, outside the repository; override
# with LLAMA_VENV). If it is missing this script creates it: NOTE that `pip install
# llama-cpp-python` compiles llama.cpp for this CPU, which takes about 5-10 minutes on 2 idle
# cores (~35 on a busy machine) and needs cmake and a C/C++ compiler (`apt-get install -y cmake build-essential`).
# The bench script is looked up in AJAR_BENCH_DIR, else ../shared/bench/local or
# /work/shared/bench/local.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

VENV="${LLAMA_VENV:-/tmp/llama-venv}"
LLAMA_CPP_PYTHON_VERSION="${LLAMA_CPP_PYTHON_VERSION:-0.3.36}"

MODEL="models/SmolLM2-135M-Instruct.Q4_1.gguf"
if [[ $# -gt 0 && "$1" != --* ]]; then MODEL=$1; shift; fi
[[ $# -gt 0 ]] || set -- --threads 2 --reps 3

BENCH=""
for dir in "${AJAR_BENCH_DIR:-}" ../shared/bench/local /work/shared/bench/local; do
    if [[ -n "$dir" && -f "$dir/llamacpp_bench.py" ]]; then BENCH="$dir/llamacpp_bench.py"; break; fi
done
[[ -n "$BENCH" ]] || { echo "bench-llamacpp: llamacpp_bench.py not found (set AJAR_BENCH_DIR)" >&2; exit 1; }

if [[ ! -f "$MODEL" ]]; then
    scripts/fetch-models
fi

if ! "$VENV/bin/python" -c "import llama_cpp, numpy" 2>/dev/null; then
    echo "bench-llamacpp: creating $VENV with llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION" >&2
    echo "bench-llamacpp: this compiles llama.cpp for this CPU: about 5-10 minutes on 2 cores" >&2
    if ! command -v c++ >/dev/null || ! command -v cmake >/dev/null; then
        echo "bench-llamacpp: needs cmake and a C++ compiler; run: apt-get update && apt-get install -y cmake build-essential" >&2
        exit 1
    fi
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet numpy jinja2
    CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-2}" \
        "$VENV/bin/pip" install "llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION"
fi

exec "$VENV/bin/python" "$BENCH" "$MODEL" "$@"
