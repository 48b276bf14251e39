// Kernel micro-benchmarks for AjarInference: prints µs per call and GB/s of weights read.
//
// Built by Benchmarks/KernelBench/run.sh (swiftc, whole-module, -Ounchecked, the engine's
// Formats/Quant/Kernels sources compiled into this one module), or as an executable target that
// depends on AjarInference. Run in release only. Uses the real model when present (weights
// streamed from DRAM, as in decoding), else synthetic matrices.

import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
#endif

// MARK: - Timing

func now(_ clock: clockid_t = CLOCK_MONOTONIC) -> Double {
    var t = timespec()
    clock_gettime(clock, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// Best-of timing in thread CPU seconds per call: what the kernel costs when it has a core,
/// independent of other load on a shared machine (single-threaded use only).
func measureCPU(repeats: Int = 7, iterations: Int, _ body: () throws -> Void) rethrows -> Double {
    var best = Double.infinity
    for _ in 0..<repeats {
        let start = now(CLOCK_THREAD_CPUTIME_ID)
        for _ in 0..<iterations { try body() }
        best = min(best, (now(CLOCK_THREAD_CPUTIME_ID) - start) / Double(iterations))
    }
    return best
}

/// Best of `repeats` timings of `iterations` calls, in seconds per call (the machine is shared;
/// the minimum is the least disturbed run).
func measure(repeats: Int = 7, iterations: Int, _ body: () throws -> Void) rethrows -> Double {
    var best = Double.infinity
    for _ in 0..<repeats {
        let start = now()
        for _ in 0..<iterations { try body() }
        best = min(best, (now() - start) / Double(iterations))
    }
    return best
}

func row(_ name: String, _ seconds: Double, bytes: Int? = nil, extra: String = "") {
    let us = seconds * 1e6
    var line = name.padding(toLength: 46, withPad: " ", startingAt: 0) + String(format: "%10.1f µs", us)
    if let bytes { line += String(format: "  %6.2f GB/s", Double(bytes) / seconds / 1e9) }
    print(line + (extra.isEmpty ? "" : "  " + extra))
}

let arguments = CommandLine.arguments
let threadCount = arguments.firstIndex(of: "--threads").flatMap { Int(arguments[$0 + 1]) } ?? ThreadPool.defaultThreadCount
let modelPath = arguments.firstIndex(of: "--model").map { arguments[$0 + 1] } ?? "models/SmolLM2-135M-Instruct.Q4_1.gguf"
let pool = ThreadPool(threadCount: threadCount)
let single = ThreadPool(threadCount: 1)
print("AjarInference kernel benchmark — threads: \(threadCount), cores online: \(ThreadPool.defaultThreadCount)")

// MARK: - Memory bandwidth ceiling

do {
    let count = 64 << 20  // 256 MB of floats, well beyond L3
    let buffer = UnsafeMutablePointer<Float>.allocate(capacity: count)
    buffer.initialize(repeating: 1, count: count)
    let sums = UnsafeMutablePointer<Float>.allocate(capacity: 64)
    for (label, p) in [("1 thread", single), ("\(threadCount) threads", pool)] {
        let t = measure(repeats: 3, iterations: 2) {
            let chunk = count / 64
            p.run(tasks: 64) { task in
                let raw = UnsafeRawPointer(buffer + task * chunk)
                var acc = SIMD8<Float>()
                var i = 0
                while i < chunk {
                    acc += raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
                    i += 8
                }
                sums[task] = acc.sum()
            }
        }
        row("stream read 256 MB (\(label))", t, bytes: 4 * count)
    }
    buffer.deallocate()
    sums.deallocate()
}

// MARK: - Thread pool round trip

do {
    let counter = UnsafeMutablePointer<Int>.allocate(capacity: 16)
    counter.initialize(repeating: 0, count: 16)
    let t = measure(iterations: 20_000) { pool.run(tasks: threadCount) { counter[$0] &+= 1 } }
    row("ThreadPool.run, \(threadCount) empty tasks", t)
    let d = measure(iterations: 20_000) { DispatchQueue.concurrentPerform(iterations: threadCount) { counter[$0] &+= 1 } }
    row("DispatchQueue.concurrentPerform, \(threadCount) tasks", d)
    counter.deallocate()
}

// MARK: - Matrix products

/// Synthetic Q4_1 / Q8_0 matrices with sane scales, for when the model is absent.
func syntheticMatrix(_ type: GGMLType, rows: Int, cols: Int) -> TensorView? {
    let bytes = rows * cols / type.blockSize * type.blockBytes
    let data = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
    var state: UInt64 = 88172645463325252
    for i in 0..<bytes {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        data.storeBytes(of: UInt8(truncatingIfNeeded: state), toByteOffset: i, as: UInt8.self)
    }
    for b in 0..<(bytes / type.blockBytes) {
        data.storeBytes(of: Half.fromFloat(0.01), toByteOffset: b * type.blockBytes, as: UInt16.self)
        if type == .q4_1 { data.storeBytes(of: Half.fromFloat(-0.05), toByteOffset: b * type.blockBytes + 2, as: UInt16.self) }
    }
    return TensorView(name: "synthetic", type: type, shape: [cols, rows], data: data)
}

let file = try? GGUFFile(path: modelPath, populate: true)
print(file == nil ? "model not found at \(modelPath): synthetic matrices (cache-resident, optimistic)" : "model: \(modelPath)")
let layers = file.map { (try? $0.requireInt("llama.block_count")) ?? 30 } ?? 30
func layerTensors(_ suffix: String, rows: Int, cols: Int) -> [TensorView] {
    if let file {
        return (0..<layers).compactMap { file.tensor("blk.\($0).\(suffix)") }
    }
    guard let one = syntheticMatrix(.q4_1, rows: rows, cols: cols) else { return [] }
    return Array(repeating: one, count: layers)
}
guard let head = file?.tensor("token_embd.weight") ?? syntheticMatrix(.q8_0, rows: 49152, cols: 576) else {
    print("cannot build the head matrix")
    exit(1)
}

let scratch = QuantizedActivations(maxColumns: 1536, maxTokens: 256)
let x = (0..<(256 * 1536)).map { Float(sin(Double($0) * 0.37)) }
var y = [Float](repeating: 0, count: 256 * 49152)

/// Runs `matVec` over all layers' copies of one matrix (so weights stream from memory, as in a
/// real token) and reports per call.
func benchMatVec(_ label: String, _ tensors: [TensorView], pool: ThreadPool) throws {
    guard let first = tensors.first else { return }
    let bytes = tensors.reduce(0) { $0 + $1.byteCount }
    let t = try x.withUnsafeBufferPointer { xs in
        try y.withUnsafeMutableBufferPointer { ys in
            try measure(iterations: 20) {
                for w in tensors {
                    try MatMul.matVec(w, UnsafeBufferPointer(rebasing: xs[..<w.rowLength]), into: ys, scratch: scratch, pool: pool)
                }
            }
        }
    }
    let perCall = t / Double(tensors.count)
    row("\(label) \(first.type) \(first.rowCount)×\(first.rowLength)", perCall, bytes: bytes / tensors.count)
}

let wq = layerTensors("attn_q.weight", rows: 576, cols: 576)
let wk = layerTensors("attn_k.weight", rows: 192, cols: 576)
let wv = layerTensors("attn_v.weight", rows: 192, cols: 576)
let wo = layerTensors("attn_output.weight", rows: 576, cols: 576)
let wGate = layerTensors("ffn_gate.weight", rows: 1536, cols: 576)
let wUp = layerTensors("ffn_up.weight", rows: 1536, cols: 576)
let wDown = layerTensors("ffn_down.weight", rows: 576, cols: 1536)

// Compute cost with the weights in L2 (one 576×576 matrix, 207 KB), CPU time of one thread.
if let w = wq.first, let g = wGate.first, let dn = wDown.first {
    print("-- matVec, 1 thread, weights in cache, thread CPU time (compute cost):")
    for m in [w, g, dn] {
        let t = try x.withUnsafeBufferPointer { xs in
            try y.withUnsafeMutableBufferPointer { ys in
                try measureCPU(iterations: 200) {
                    try MatMul.matVec(m, UnsafeBufferPointer(rebasing: xs[..<m.rowLength]), into: ys, scratch: scratch, pool: single)
                }
            }
        }
        row("matVec \(m.type) \(m.rowCount)×\(m.rowLength) (cached)", t, bytes: m.byteCount)
    }
    let t = try x.withUnsafeBufferPointer { xs in
        try y.withUnsafeMutableBufferPointer { ys in
            try measureCPU(repeats: 3, iterations: 1) {
                try MatMul.matMul(w, UnsafeBufferPointer(rebasing: xs[..<(64 * w.rowLength)]), tokens: 64, into: ys, scratch: scratch, pool: single)
            }
        }
    }
    row("matMul \(w.type) 576×576, 64 tokens (cached)", t, extra: String(format: "%.1f GMAC/s per core", Double(64 * 576 * 576) / t / 1e9))
}

for (label, p) in [("1 thread:", single), ("\(threadCount) threads:", pool)] {
    print("-- matVec, \(label)")
    try benchMatVec("matVec", wq, pool: p)
    try benchMatVec("matVec", wGate, pool: p)
    try benchMatVec("matVec", wDown, pool: p)
    try benchMatVec("matVec head", [head], pool: p)
}

// The same Q4_1 kernel split over threads by DispatchQueue.concurrentPerform instead of the pool.
if let w = wq.first {
    let activations = QuantizedActivations(maxColumns: 576)
    try x.withUnsafeBufferPointer { try activations.quantize($0.baseAddress.unsafelyUnwrapped, columns: 576, tokens: 1, format: .q8_1) }
    let activationRow = activations.row(0)
    let data = w.data, rowBytes = w.rowBytes, rows = w.rowCount
    let out = UnsafeMutablePointer<Float>.allocate(capacity: rows)
    let viaPool = measure(iterations: 2000) {
        pool.run(tasks: threadCount) { part in
            for r in (rows * part / threadCount)..<(rows * (part + 1) / threadCount) { out[r] = Q4_1.dot(data + r * rowBytes, activationRow, blocks: 18) }
        }
    }
    let viaDispatch = measure(iterations: 2000) {
        DispatchQueue.concurrentPerform(iterations: threadCount) { part in
            for r in (rows * part / threadCount)..<(rows * (part + 1) / threadCount) { out[r] = Q4_1.dot(data + r * rowBytes, activationRow, blocks: 18) }
        }
    }
    row("576×576 Q4_1 rows over ThreadPool", viaPool, bytes: w.byteCount)
    row("576×576 Q4_1 rows over concurrentPerform", viaDispatch, bytes: w.byteCount)
    out.deallocate()
    withExtendedLifetime(activations) {}
}

// MARK: - One token's worth of matrix-vector products

do {
    var all: [TensorView] = []
    for l in 0..<layers { all += [wq[l], wk[l], wv[l], wo[l], wGate[l], wUp[l], wDown[l]] }
    all.append(head)
    let bytes = all.reduce(0) { $0 + $1.byteCount }
    let t = try x.withUnsafeBufferPointer { xs in
        try y.withUnsafeMutableBufferPointer { ys in
            try measure(iterations: 10) {
                for w in all {
                    try MatMul.matVec(w, UnsafeBufferPointer(rebasing: xs[..<w.rowLength]), into: ys, scratch: scratch, pool: pool)
                }
            }
        }
    }
    row("all \(all.count) matVecs of one token (\(bytes / 1_000_000) MB)", t, bytes: bytes,
        extra: String(format: "→ %.0f tokens/s ceiling", 1 / t))
}

// MARK: - Batched (prefill)

for tokens in [200] {
    for (label, tensors) in [("Q", wq), ("gate", wGate), ("down", wDown)] {
        guard let w = tensors.first else { continue }
        let t = try x.withUnsafeBufferPointer { xs in
            try y.withUnsafeMutableBufferPointer { ys in
                try measure(repeats: 5, iterations: 3) {
                    try MatMul.matMul(w, UnsafeBufferPointer(rebasing: xs[..<(tokens * w.rowLength)]), tokens: tokens, into: ys,
                                      scratch: scratch, pool: pool)
                }
            }
        }
        let macs = Double(tokens * w.rowCount * w.rowLength)
        row("matMul \(label) \(w.type) \(w.rowCount)×\(w.rowLength), \(tokens) tokens", t, bytes: w.byteCount,
            extra: String(format: "%.1f GMAC/s", macs / t / 1e9))
    }
    // A whole prefill's worth: every layer's seven matrices (the head only for the last token).
    var all: [TensorView] = []
    for l in 0..<layers { all += [wq[l], wk[l], wv[l], wo[l], wGate[l], wUp[l], wDown[l]] }
    let t = try x.withUnsafeBufferPointer { xs in
        try y.withUnsafeMutableBufferPointer { ys in
            try measure(repeats: 3, iterations: 1) {
                for w in all {
                    try MatMul.matMul(w, UnsafeBufferPointer(rebasing: xs[..<(tokens * w.rowLength)]), tokens: tokens, into: ys,
                                      scratch: scratch, pool: pool)
                }
                try MatMul.matVec(head, UnsafeBufferPointer(rebasing: xs[..<576]), into: ys, scratch: scratch, pool: pool)
            }
        }
    }
    row("prefill matMuls, \(tokens) tokens (all layers + head)", t, extra: String(format: "→ %.0f tokens/s ceiling", Double(tokens) / t))
}
