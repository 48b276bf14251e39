import AjarInference
import Foundation

// ajar-bench-engine MODEL.gguf [--threads N] [--reps N] [--prompt-tokens 200] [--decode-tokens 128]
//
// Prints prefill tokens/s (a ~200-token prompt) and decode tokens/s (128 greedy tokens) for Ajar's
// engine, median over reps, in the format ../shared/bench/local/llamacpp_bench.py uses, so the two
// can be run alternately and compared. Run it from a release build.

let arguments = Array(CommandLine.arguments.dropFirst())
func option(_ name: String, _ fallback: Int, in arguments: [String] = Array(CommandLine.arguments.dropFirst())) -> Int {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count, let value = Int(arguments[index + 1]) else {
        return fallback
    }
    return value
}
guard let path = arguments.first(where: { !$0.hasPrefix("--") && Int($0) == nil }) else {
    FileHandle.standardError.write(Data("usage: ajar-bench-engine MODEL.gguf [--threads N] [--reps N]\n".utf8))
    exit(2)
}
let threads = option("--threads", 2)
let reps = option("--reps", 3)
let promptTokens = option("--prompt-tokens", 200)
let decodeTokens = option("--decode-tokens", 128)

/// `--check greedy.json`: teacher-forced comparison with llama.cpp's fixtures (what the tests assert),
/// printing the worst centred logit difference and the argmax agreement.
if let index = arguments.firstIndex(of: "--check"), index + 1 < arguments.count {
    do {
        try check(path: path, fixture: arguments[index + 1], threads: threads)
        exit(0)
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        exit(1)
    }
}

func check(path: String, fixture: String, threads: Int) throws {
    let model = try LlamaModel(path: path, threads: threads)
    let tokenizer = try Tokenizer(file: model.file)
    let data = try Data(contentsOf: URL(fileURLWithPath: fixture))
    guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any],
        let prompts = root["prompts"] as? [[String: Any]]
    else { throw CocoaError(.fileReadCorruptFile) }
    let vocabulary = model.config.vocabularySize
    var worst: Float = 0
    for prompt in prompts {
        let id = prompt["id"] as? String ?? "?"
        let ids = (prompt["prompt_ids"] as? [Int] ?? []).map { Int32($0) }
        let generated = (prompt["generated_ids"] as? [Int] ?? []).map { Int32($0) }
        let steps = prompt["steps"] as? [[String: Any]] ?? []
        let text = prompt["prompt"] as? String ?? ""
        let tokensMatch = tokenizer.encode(text, addSpecial: false, parseSpecial: true) == ids
        let state = model.makeState(capacity: ids.count + steps.count + 1)
        for token in ids { try model.forward(token, state: state) }
        var disagreements = 0, confident = 0, promptWorst: Float = 0
        for (index, step) in steps.enumerated() {
            var mean: Double = 0
            for i in 0..<vocabulary { mean += Double(state.logits[i]) }
            mean /= Double(vocabulary)
            let referenceMean = step["mean"] as? Double ?? 0
            for pair in step["top"] as? [[Double]] ?? [] {
                let diff = abs(Float(Double(state.logits[Int(pair[0])]) - mean) - Float(pair[1] - referenceMean))
                promptWorst = max(promptWorst, diff)
            }
            let margin = step["margin"] as? Double ?? 0
            let argmax = Int32(Sampler.argmax(state.logits, count: vocabulary))
            if margin >= 0.5 {
                confident += 1
                if argmax != Int32(step["argmax"] as? Int ?? -1) { disagreements += 1 }
            }
            try model.forward(generated[index], state: state)
        }
        worst = max(worst, promptWorst)
        print("\(id): tokens \(tokensMatch ? "equal" : "DIFFER"), argmax disagreements \(disagreements)/\(confident) confident steps, worst centred diff \(promptWorst)")
    }
    print("worst centred logit difference: \(worst)")
}

do {
    let loadStart = ContinuousClock.now
    let model = try LlamaModel(path: path, threads: threads)
    let tokenizer = try Tokenizer(file: model.file)
    let loadTime = loadStart.duration(to: .now)
    let text = String(repeating: "The quick brown fox jumps over the lazy dog while the sun sets slowly behind the hills. ", count: 40)
    let prompt = Array(tokenizer.encode(text, addSpecial: false, parseSpecial: false).prefix(promptTokens))
    func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
    var prefillRates: [Double] = []
    var decodeRates: [Double] = []
    for _ in 0..<reps {
        let state = model.makeState(capacity: prompt.count + decodeTokens + 1)
        let prefillStart = ContinuousClock.now
        try model.prefill(prompt[...], state: state)
        prefillRates.append(Double(prompt.count) / seconds(prefillStart.duration(to: .now)))
        let decodeStart = ContinuousClock.now
        for _ in 0..<decodeTokens {
            let next = Int32(Sampler.argmax(state.logits, count: model.config.vocabularySize))
            try model.forward(next, state: state)
        }
        decodeRates.append(Double(decodeTokens) / seconds(decodeStart.duration(to: .now)))
    }
    func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
    let bytes = Double(model.weights.bytesPerToken)
    print("ajar engine: model \(path) (\(model.config.layers) layers, dim \(model.config.dim)), threads \(threads), load \(String(format: "%.3f", seconds(loadTime))) s")
    print(String(format: "ajar pp%d: %.1f tokens/s (median of %d)", prompt.count, median(prefillRates), reps))
    print(String(format: "ajar tg%d: %.1f tokens/s (median of %d), %.1f GB/s of weights", decodeTokens, median(decodeRates), reps,
        median(decodeRates) * bytes / 1e9))
    let fileBytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    print("ajar RSS: \(residentKiB()) KiB (model file \(fileBytes / 1024) KiB; \(Int(bytes / 1024)) KiB of weights read per token)")
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}

func residentKiB() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
    }
    return 0
}
