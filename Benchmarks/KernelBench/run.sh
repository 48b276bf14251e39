#!/bin/bash
# Builds and runs the kernel micro-benchmark in release mode, from the repository root:
#
#   Benchmarks/KernelBench/run.sh [--threads N] [--model path.gguf]
#
# It compiles the engine's Formats/, Quant/ and Kernels/ together with main.swift into one
# whole-module, -Ounchecked binary (the flags of the AjarInference release build), for the
# x86-64-v3 level (AVX2, FMA, F16C: `-Xcc -march=x86-64-v3`, which also sets Swift's code generation)
# on x86_64 unless CPU_FLAGS says otherwise, e.g.
#   CPU_FLAGS="" Benchmarks/KernelBench/run.sh            # baseline x86-64 (SSE2)
#   CPU_FLAGS="-target-cpu native" Benchmarks/KernelBench/run.sh
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
OUT="${TMPDIR:-/tmp}/ajar-kernel-bench"
if [ "$(uname -m)" = "x86_64" ]; then DEFAULT_CPU="-Xcc -march=x86-64-v3"; else DEFAULT_CPU=""; fi
CPU_FLAGS="${CPU_FLAGS-$DEFAULT_CPU}"
rm -f "$OUT"
swiftc -Ounchecked -wmo -package-name ajar -module-name KernelBench $CPU_FLAGS \
    "$ROOT"/Sources/AjarInference/{Formats,Quant,Kernels}/*.swift "$ROOT/Benchmarks/KernelBench/main.swift" \
    -o "$OUT"
cd "$ROOT"
exec "$OUT" "$@"
