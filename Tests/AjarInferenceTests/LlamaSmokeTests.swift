import Foundation
import Testing

@testable import AjarInference

/// Runs the default model end to end (when it has been fetched).
@Suite("Llama smoke")
struct LlamaSmokeTests {
    static let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").path

    @Test("greedy continuation of a prompt", .enabled(if: canRunWholeModel, "needs an optimised build and the model"))
    func greedy() throws {
        let model = try LlamaModel(path: Self.path)
        let tokenizer = try Tokenizer(file: model.file)
        let prompt = tokenizer.encode("The capital of France is", addSpecial: false, parseSpecial: false)
        let state = model.makeState(capacity: 256)
        for token in prompt { try model.forward(token, state: state) }
        var generated: [Int32] = []
        for _ in 0..<8 {
            let next = Int32(Sampler.argmax(state.logits, count: model.config.vocabularySize))
            generated.append(next)
            try model.forward(next, state: state)
        }
        let text = tokenizer.decode(generated)
        print("smoke prompt \(prompt) → \(generated) \(text.debugDescription)")
        #expect(text.contains("Paris"))
    }

    @Test("batched prefill gives the logits of token-by-token forward passes, in chunks and from a cached prefix",
          .enabled(if: canRunWholeModel, "needs an optimised build and the model"))
    func prefillMatchesForward() throws {
        let model = try LlamaModel(path: Self.path, threads: 2)
        let tokenizer = try Tokenizer(file: model.file)
        let text = String(repeating: "Prefill runs the prompt four tokens at a time through every matrix. ", count: 8)
        let prompt = Array(tokenizer.encode(text, addSpecial: false, parseSpecial: false).prefix(150))
        #expect(prompt.count > 100)
        let vocabulary = model.config.vocabularySize

        let sequential = model.makeState(capacity: 256)
        for token in prompt { try model.forward(token, state: sequential) }
        // Batches of 64, 64 and 22 (the default), and of 7 (odd sizes exercise the 1–3 token tails).
        for batch in [64, 7] {
            let batched = LlamaState(config: model.config, capacity: 256, batchCapacity: batch)
            try model.prefill(prompt[...], state: batched)
            #expect(batched.position == prompt.count)
            var worst: Float = 0
            for i in 0..<vocabulary { worst = max(worst, abs(batched.logits[i] - sequential.logits[i])) }
            #expect(worst <= 1e-3, "batch \(batch): largest logit difference \(worst)")
            #expect(Sampler.argmax(batched.logits, count: vocabulary) == Sampler.argmax(sequential.logits, count: vocabulary))
            // Decoding continues from the batched cache as from the sequential one.
            let next = Int32(Sampler.argmax(sequential.logits, count: vocabulary))
            try model.forward(next, state: batched)
            let reference = model.makeState(capacity: 256)
            for token in prompt + [next] { try model.forward(token, state: reference) }
            worst = 0
            for i in 0..<vocabulary { worst = max(worst, abs(batched.logits[i] - reference.logits[i])) }
            #expect(worst <= 1e-3, "batch \(batch), next token: largest logit difference \(worst)")
        }

        // A cached prefix: prefill the rest after truncating to a shared prefix.
        let partial = model.makeState(capacity: 256)
        try model.prefill(prompt[..<90], state: partial)
        partial.truncate(to: 40)
        try model.prefill(prompt[40...], state: partial)
        var worst: Float = 0
        for i in 0..<vocabulary { worst = max(worst, abs(partial.logits[i] - sequential.logits[i])) }
        #expect(worst <= 1e-3, "after a cached prefix: largest logit difference \(worst)")
    }

    @Test("prefill refuses out-of-range tokens and context overflow before computing anything")
    func prefillValidates() throws {
        guard FileManager.default.fileExists(atPath: Self.path) else { return }
        let model = try LlamaModel(path: Self.path, threads: 1)
        let state = model.makeState(capacity: 8)
        #expect(throws: ModelError.self) { try model.prefill([1, 2, Int32(model.config.vocabularySize)], state: state) }
        #expect(throws: ModelError.self) { try model.prefill([1, -1], state: state) }
        #expect(state.position == 0)
        #expect(throws: ModelError.self) { try model.prefill(Array(repeating: 1, count: 9)[...], state: state) }
        #expect(state.position == 0)
    }
}
