import AjarInference
import Foundation

// ajar-bench-embeddings [MODEL_DIR] [--sentences FILE] [--batch 32] [--reps 3] [--threads 2] [--rounds 3]
//                       [--st-python PYTHON] [--st-script st_bench.py] [--no-reference]
//                       [--check embeddings.json] [--gemm]
//
// Sentences/s of Ajar's BERT embedder on the 256 sentences of ../shared/bench/local/st_sentences.txt
// (batch 32, median over reps) and, alternating in the same run, of sentence-transformers through
// st_bench.py from the venv given by --st-python (default /tmp/st-venv/bin/python), then the ratio.
// `--check` compares with the committed reference fixtures instead; `--gemm` times the F32 matrix
// product alone. Run it from a release build.

let arguments = Array(CommandLine.arguments.dropFirst())
func value(_ name: String) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}
func option(_ name: String, _ fallback: Int) -> Int { value(name).flatMap(Int.init) ?? fallback }
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("ajar-bench-embeddings: \(message)\n".utf8))
    exit(1)
}

let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
let valued: Set = ["--sentences", "--batch", "--reps", "--threads", "--rounds", "--st-python", "--st-script", "--check"]
var positional: [String] = []
var skip = false
for argument in arguments {
    if skip { skip = false; continue }
    if valued.contains(argument) { skip = true; continue }
    if !argument.hasPrefix("--") { positional.append(argument) }
}
let modelDirectory = positional.first ?? root.appendingPathComponent("models/all-MiniLM-L6-v2").path
let sentencesPath = value("--sentences") ?? root.appendingPathComponent("../shared/bench/local/st_sentences.txt").path
let stScript = value("--st-script") ?? root.appendingPathComponent("../shared/bench/local/st_bench.py").path
let stPython = value("--st-python") ?? "/tmp/st-venv/bin/python"
let batch = max(1, option("--batch", 32))
let reps = max(1, option("--reps", 3))
let threads = max(1, option("--threads", 2))
let rounds = max(1, option("--rounds", 3))

func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

// MARK: - --gemm: the matrix product alone

if arguments.contains("--gemm") {
    let pool = threads > 1 ? ThreadPool(threadCount: threads) : nil
    for (m, n, k) in [(800, 1152, 384), (800, 384, 384), (800, 1536, 384), (800, 384, 1536)] {
        let a = (0..<(m * k)).map { Float(($0 * 7919) % 1000) / 1000 - 0.5 }
        let w = (0..<(n * k)).map { Float(($0 * 104_729) % 1000) / 1000 - 0.5 }
        let packed = w.withUnsafeBufferPointer { PackedMatrix(rowMajor: $0, n: n, k: k) }
        var c = [Float](repeating: 0, count: m * n)
        var times: [Double] = []
        for _ in 0..<15 {
            let start = now()
            a.withUnsafeBufferPointer { a in
                c.withUnsafeMutableBufferPointer { c in
                    guard let a = a.baseAddress, let c = c.baseAddress else { return }
                    GEMM32.multiply(a: a, m: m, lda: k, w: packed, bias: nil, c: c, ldc: n, pool: pool)
                }
            }
            times.append(now() - start)
        }
        let best = times.min() ?? 1
        print(String(format: "gemm m=%d n=%d k=%d: best %.3f ms, %.1f GFLOP/s (median %.1f)", m, n, k, best * 1e3,
                     2 * Double(m * n * k) / best / 1e9, 2 * Double(m * n * k) / median(times) / 1e9))
    }
    exit(0)
}

// MARK: - Load

let loadStart = now()
let embedder: BertEmbedder
do {
    embedder = try BertEmbedder(directory: modelDirectory, threadCount: threads)
} catch {
    fail("\(error)")
}
print(String(format: "Ajar: loaded %@ in %.2f s (%d dims, max %d tokens, %d threads)", modelDirectory,
             now() - loadStart, embedder.dimensions, embedder.maxSequenceLength, threads))

// MARK: - --check: against the reference fixtures

if let fixture = value("--check") {
    struct Item: Decodable {
        var text: String
        var token_ids: [Int]
        var embedding: [Float]
    }
    struct Fixture: Decodable { var items: [Item] }
    guard let data = try? Data(contentsOf: URL(fileURLWithPath: fixture)),
        let items = try? JSONDecoder().decode(Fixture.self, from: data).items
    else { fail("cannot read \(fixture)") }
    let vectors = (try? embedder.embed(items.map(\.text))) ?? []
    var worst: Double = 1
    var tokenMismatches = 0
    for (index, item) in items.enumerated() {
        let ids = embedder.tokenize(item.text)
        if ids != item.token_ids { tokenMismatches += 1; print("token mismatch #\(index): \(ids) vs \(item.token_ids)") }
        guard index < vectors.count else { fail("no vector for item \(index)") }
        var dot = 0.0, na = 0.0, nb = 0.0
        for (x, y) in zip(vectors[index], item.embedding) {
            dot += Double(x) * Double(y)
            na += Double(x) * Double(x)
            nb += Double(y) * Double(y)
        }
        let cosine = dot / (na.squareRoot() * nb.squareRoot())
        worst = min(worst, cosine)
        print(String(format: "#%02d tokens %3d cosine %.7f  %@", index, ids.count, cosine,
                     String(item.text.prefix(50)).replacingOccurrences(of: "\n", with: " ")))
    }
    print(String(format: "worst cosine %.7f, %d token mismatches of %d", worst, tokenMismatches, items.count))
    exit(worst >= 0.9999 && tokenMismatches == 0 ? 0 : 1)
}

// MARK: - Timing, alternating with sentence-transformers

guard let text = try? String(contentsOfFile: sentencesPath, encoding: .utf8) else { fail("cannot read \(sentencesPath)") }
let sentences = text.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
let tokenCounts = sentences.map { embedder.tokenize($0).count }
print(String(format: "input: %d sentences; tokens per sentence incl. [CLS]/[SEP]: min %d, mean %.1f, max %d",
             sentences.count, tokenCounts.min() ?? 0, Double(tokenCounts.reduce(0, +)) / Double(max(1, sentences.count)),
             tokenCounts.max() ?? 0))

/// One timed encode of all sentences in batches of `batch`; sentences/s.
func ajarRate() -> Double {
    let start = now()
    var index = 0
    while index < sentences.count {
        let slice = Array(sentences[index..<min(sentences.count, index + batch)])
        guard let vectors = try? embedder.embed(slice), vectors.count == slice.count else { fail("embed failed") }
        index += batch
    }
    return Double(sentences.count) / (now() - start)
}

/// st_bench.py's median sentences/s, or nil when it cannot run.
func referenceRate() -> Double? {
    guard !arguments.contains("--no-reference"), FileManager.default.isExecutableFile(atPath: stPython) else { return nil }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: stPython)
    process.arguments = [stScript, modelDirectory, "--threads", String(threads), "--batch", String(batch), "--reps", String(reps)]
    var environment = ProcessInfo.processInfo.environment
    environment["HF_HUB_OFFLINE"] = "1"
    environment["TOKENIZERS_PARALLELISM"] = "false"
    process.environment = environment
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    do { try process.run() } catch { return nil }
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    for line in output.split(separator: "\n") where line.hasPrefix("RESULT median:") {
        let fields = line.split(separator: " ")
        if fields.count > 2, let rate = Double(fields[2]) { return rate }
    }
    return nil
}

/// The 1-minute load average, to show how busy the (shared) machine was.
func loadAverage() -> String {
    var loads = [Double](repeating: 0, count: 3)
    return getloadavg(&loads, 3) > 0 ? String(format: "%.2f", loads[0]) : "?"
}

_ = ajarRate()  // warm-up, as st_bench.py does
var ajarMedians: [Double] = []
var referenceMedians: [Double] = []
var roundRatios: [Double] = []
for round in 1...rounds {
    var rates: [Double] = []
    let loadBefore = loadAverage()
    for _ in 0..<reps { rates.append(ajarRate()) }
    ajarMedians.append(median(rates))
    print(String(format: "round %d: Ajar %.1f sentences/s (reps %@; load %@)", round, median(rates),
                 rates.map { String(format: "%.1f", $0) }.joined(separator: ", "), loadBefore))
    if let reference = referenceRate() {
        referenceMedians.append(reference)
        roundRatios.append(median(rates) / reference)
        print(String(format: "round %d: sentence-transformers %.1f sentences/s; ratio this round %.2f× (load %@)", round,
                     reference, median(rates) / reference, loadAverage()))
    }
}
let ajar = median(ajarMedians)
print("")
print("| runtime | sentences/s (median of \(rounds) rounds × \(reps) reps, batch \(batch), \(threads) threads) |")
print("| --- | --- |")
print(String(format: "| Ajar (AjarInference BertEmbedder) | %.1f |", ajar))
if referenceMedians.isEmpty {
    print("| sentence-transformers | not run (no \(stPython), or --no-reference) |")
} else {
    let reference = median(referenceMedians)
    print(String(format: "| sentence-transformers (torch CPU) | %.1f |", reference))
    print(String(format: "ratio Ajar / sentence-transformers: %.2f× (of the medians); per round: %@; median %.2f×",
                 ajar / reference, roundRatios.map { String(format: "%.2f×", $0) }.joined(separator: ", "),
                 median(roundRatios)))
}
